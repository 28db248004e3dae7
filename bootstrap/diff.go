package bootstrap

import (
	"cmp"
	"context"
	"fmt"
	"io"
	"maps"
	"path/filepath"
	"slices"
	"strings"

	"github.com/plinth-build/plinth/rootfs"
)

// DiffOptions name the two sides `plinth diff` compares.
type DiffOptions struct {
	// A and B are each an image or root filesystem (the forms of
	// InspectOptions.Source) or a lockfile (a path ending in .lock).
	A, B string
}

// Diff compares the installed packages of opts.A and opts.B, per
// architecture, and prints to w one line per package added (+), removed
// (-) or changed (~ old -> new), sorted by architecture and name, then a
// summary. It returns the changes; none means the same packages. Differing
// is not an error: the caller decides (plinth diff --exit-code).
//
// Packages are matched by name (name:arch for a package of a foreign
// architecture) within the image architecture: the platform of an image,
// the dpkg architecture of a root filesystem, the arch of a lockfile entry.
// Between two lockfiles, the same version from a different file (SHA256)
// is a change too.
func Diff(ctx context.Context, w io.Writer, opts DiffOptions) ([]Change, error) {
	a, err := packageSets(ctx, opts.A)
	if err != nil {
		return nil, err
	}
	b, err := packageSets(ctx, opts.B)
	if err != nil {
		return nil, err
	}
	changes := diffPackageSets(a, b)
	printChanges(w, opts.A, opts.B, changes)
	return changes, nil
}

// diffEntry is one package on one side of a diff.
type diffEntry struct {
	Version, SHA256, Suite string
}

// packageSet maps architecture -> package key -> entry.
type packageSet map[string]map[string]diffEntry

func (s packageSet) add(arch, key string, e diffEntry) {
	if s[arch] == nil {
		s[arch] = map[string]diffEntry{}
	}
	s[arch][key] = e
}

// packageSets reads the packages of a lockfile, image or root filesystem.
func packageSets(ctx context.Context, arg string) (packageSet, error) {
	if strings.HasSuffix(arg, ".lock") && !strings.Contains(filepath.Base(arg), ":") {
		return lockPackageSet(arg)
	}
	src, err := parseSource(arg)
	if err != nil {
		return nil, err
	}
	set := packageSet{}
	onlyDpkg := func(p string) bool { return strings.HasPrefix(p, rootfs.DpkgAdminDir+"/") }
	err = eachTree(ctx, src, onlyDpkg, func(st sourceTree) error {
		if _, dup := set[st.Arch]; dup {
			return fmt.Errorf("reading %s: two root filesystems of architecture %q: diff them one at a time (oci:DIR:TAG)", src, st.Arch)
		}
		pkgs, err := installedPackages(st.Tree)
		if err != nil {
			return fmt.Errorf("reading the packages of %s: %w", src, err)
		}
		set[st.Arch] = map[string]diffEntry{}
		for _, p := range pkgs {
			set.add(st.Arch, packageKey(p.Name, p.Architecture, st.Arch), diffEntry{Version: p.Version})
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return set, nil
}

func lockPackageSet(path string) (packageSet, error) {
	l, err := ReadLockfile(path)
	if err != nil {
		return nil, err
	}
	set := packageSet{}
	for _, p := range l.Packages {
		set.add(p.Arch, packageKey(p.Name, p.Architecture, p.Arch), diffEntry{Version: p.Version, SHA256: p.SHA256, Suite: p.Suite})
	}
	return set, nil
}

// packageKey names a package within an image architecture: its name, with
// ":arch" for a package of a foreign architecture (multiarch).
func packageKey(name, pkgArch, imageArch string) string {
	if pkgArch == "" || pkgArch == "all" || pkgArch == imageArch {
		return name
	}
	return name + ":" + pkgArch
}

// diffPackageSets lists what changed from a to b, sorted by arch and name.
func diffPackageSets(a, b packageSet) []Change {
	var out []Change
	archs := slices.Sorted(maps.Keys(a))
	for arch := range b {
		if _, ok := a[arch]; !ok {
			archs = append(archs, arch)
		}
	}
	for _, arch := range archs {
		before, after := a[arch], b[arch]
		for key, n := range after {
			o, ok := before[key]
			switch {
			case !ok:
				out = append(out, Change{Arch: arch, Name: key, New: n.Version, Suite: n.Suite})
			case o.Version != n.Version || o.SHA256 != "" && n.SHA256 != "" && o.SHA256 != n.SHA256:
				out = append(out, Change{Arch: arch, Name: key, Old: o.Version, New: n.Version, Suite: n.Suite})
			}
		}
		for key, o := range before {
			if _, ok := after[key]; !ok {
				out = append(out, Change{Arch: arch, Name: key, Old: o.Version})
			}
		}
	}
	slices.SortFunc(out, func(x, y Change) int {
		return cmp.Or(cmp.Compare(x.Arch, y.Arch), cmp.Compare(x.Name, y.Name))
	})
	return out
}

// printChanges prints the changes, one a line, and a summary per arch.
func printChanges(w io.Writer, a, b string, changes []Change) {
	if len(changes) == 0 {
		fmt.Fprintf(w, "%s and %s have the same packages\n", a, b)
		return
	}
	type counts struct{ added, removed, changed int }
	per := map[string]*counts{}
	for _, c := range changes {
		fmt.Fprintln(w, diffLine(c))
		n := per[c.Arch]
		if n == nil {
			n = &counts{}
			per[c.Arch] = n
		}
		switch {
		case c.Old == "":
			n.added++
		case c.New == "":
			n.removed++
		default:
			n.changed++
		}
	}
	for _, arch := range slices.Sorted(maps.Keys(per)) {
		n := per[arch]
		fmt.Fprintf(w, "%s: %d added, %d removed, %d changed\n", archLabel(arch), n.added, n.removed, n.changed)
	}
}

// diffLine renders a change as "+ amd64/name 1.0", "- amd64/name 1.0" or
// "~ amd64/name 1.0 -> 1.1", with the suite of the new version when known.
func diffLine(c Change) string {
	var s string
	switch {
	case c.Old == "":
		s = fmt.Sprintf("+ %s/%s %s", archLabel(c.Arch), c.Name, c.New)
	case c.New == "":
		return fmt.Sprintf("- %s/%s %s", archLabel(c.Arch), c.Name, c.Old)
	case c.Old == c.New:
		s = fmt.Sprintf("~ %s/%s %s -> %s (same version, another file)", archLabel(c.Arch), c.Name, c.Old, c.New)
	default:
		s = fmt.Sprintf("~ %s/%s %s -> %s", archLabel(c.Arch), c.Name, c.Old, c.New)
	}
	if c.Suite != "" {
		s += " (" + c.Suite + ")"
	}
	return s
}

func archLabel(arch string) string {
	if arch == "" {
		return "unknown-arch"
	}
	return arch
}
