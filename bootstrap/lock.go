package bootstrap

import (
	"context"
	"fmt"
	"io"
	"slices"
	"sort"
	"strings"

	"github.com/plinth-build/plinth/debpkg"
	"github.com/plinth-build/plinth/debpkg/apt"
	"github.com/plinth-build/plinth/debpkg/resolve"
	"github.com/plinth-build/plinth/recipes"
)

// LockOptions select what `plinth lock` and `plinth refresh` resolve.
type LockOptions struct {
	Options
	// Output is where Lock writes; default RECIPE.lock (next to a recipe
	// file, or in the working directory for a built-in).
	Output string
}

// Lock resolves the recipe for its architectures and writes the lockfile.
func Lock(ctx context.Context, opts LockOptions) (*Lockfile, string, error) {
	r, l, err := resolveLock(ctx, &opts.Options)
	if err != nil {
		return nil, "", err
	}
	out := opts.Output
	if out == "" {
		out = r.Name + ".lock"
	}
	if err := l.Write(out); err != nil {
		return nil, "", fmt.Errorf("writing lockfile %s: %w", out, err)
	}
	return l, out, nil
}

// resolveLock resolves the recipe against the live archive into a Lockfile.
func resolveLock(ctx context.Context, opts *Options) (*recipes.Recipe, *Lockfile, error) {
	r, err := recipes.Load(opts.Recipe)
	if err != nil {
		return nil, nil, err
	}
	archs, err := architectures(r, opts.Archs)
	if err != nil {
		return nil, nil, err
	}
	rep := newReporter(opts.Progress)
	rep.start(Stage{Name: "archive"})
	a, err := openArchive(ctx, r, archNames(archs), opts, nil, rep)
	if err != nil {
		return nil, nil, err
	}
	rep.done("archive")
	rep.start(Stage{Name: "resolve"})
	l := &Lockfile{Format: 1, Recipe: r.Name, Distro: r.Source.Distro}
	for _, s := range r.Source.Suites {
		rel := a.releases[s]
		l.Suites = append(l.Suites, LockedSuite{Name: s, InReleaseSHA256: rel.SHA256, Date: rel.Date.UTC()})
	}
	for _, arch := range archs {
		plan, err := resolvePlan(r, a, arch)
		if err != nil {
			return nil, nil, fmt.Errorf("resolving %s for %s: %w", r.Name, arch.Name, err)
		}
		for _, c := range plan.Packages {
			l.Packages = append(l.Packages, LockedPkg{
				Arch: arch.Name, Name: c.Name, Version: c.Version.String(), Architecture: c.Architecture,
				Source: c.Source, Suite: c.Suite, Filename: c.Filename, Size: c.Size, SHA256: c.SHA256,
			})
		}
	}
	rep.done("resolve")
	return r, l, nil
}

// Change is one package difference between a lockfile and the archive.
type Change struct {
	Arch, Name string
	Old, New   string // versions; Old empty when added, New empty when removed
	Suite      string // where New comes from
}

func (c Change) String() string {
	switch {
	case c.Old == "":
		return fmt.Sprintf("+ %s/%s %s (%s)", c.Arch, c.Name, c.New, c.Suite)
	case c.New == "":
		return fmt.Sprintf("- %s/%s %s", c.Arch, c.Name, c.Old)
	}
	return fmt.Sprintf("~ %s/%s %s -> %s (%s)", c.Arch, c.Name, c.Old, c.New, c.Suite)
}

// RefreshOptions configure `plinth refresh`.
type RefreshOptions struct {
	Options
	LockFile string
	Write    bool
}

// Refresh re-resolves the recipe for the lock's architectures, prints the
// package changes to w and, with Write, rewrites the lockfile when
// something changed. It returns the changes.
func Refresh(ctx context.Context, w io.Writer, opts RefreshOptions) ([]Change, error) {
	old, err := ReadLockfile(opts.LockFile)
	if err != nil {
		return nil, err
	}
	if len(opts.Archs) == 0 {
		opts.Archs = old.archs()
	}
	_, fresh, err := resolveLock(ctx, &opts.Options)
	if err != nil {
		return nil, err
	}
	changes := diffLocks(old, fresh)
	if len(changes) == 0 {
		fmt.Fprintf(w, "%s: no package changes\n", opts.LockFile)
		return nil, nil
	}
	for _, c := range changes {
		fmt.Fprintln(w, c)
	}
	if opts.Write {
		if err := fresh.Write(opts.LockFile); err != nil {
			return nil, fmt.Errorf("writing lockfile %s: %w", opts.LockFile, err)
		}
		fmt.Fprintf(w, "wrote %s\n", opts.LockFile)
	}
	return changes, nil
}

func diffLocks(old, fresh *Lockfile) []Change {
	key := func(p LockedPkg) string { return p.Arch + "/" + p.Name }
	before := map[string]LockedPkg{}
	for _, p := range old.Packages {
		before[key(p)] = p
	}
	var out []Change
	seen := map[string]bool{}
	for _, p := range fresh.Packages {
		seen[key(p)] = true
		o, ok := before[key(p)]
		switch {
		case !ok:
			out = append(out, Change{Arch: p.Arch, Name: p.Name, New: p.Version, Suite: p.Suite})
		case o.Version != p.Version || o.SHA256 != p.SHA256:
			out = append(out, Change{Arch: p.Arch, Name: p.Name, Old: o.Version, New: p.Version, Suite: p.Suite})
		}
	}
	for _, p := range old.Packages {
		if !seen[key(p)] {
			out = append(out, Change{Arch: p.Arch, Name: p.Name, Old: p.Version})
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Arch != out[j].Arch {
			return out[i].Arch < out[j].Arch
		}
		return out[i].Name < out[j].Name
	})
	return out
}

// checkLockArchs fails unless the lockfile at path pins packages for
// every architecture of the build.
func checkLockArchs(lock *Lockfile, path, recipe string, archs []debpkg.Arch) error {
	have := lock.archs()
	for _, a := range archs {
		if !slices.Contains(have, a.Name) {
			all := append(slices.Clone(have), a.Name)
			return fmt.Errorf("lockfile %s has no packages for %s (it pins %s): lock every architecture you build, e.g. plinth lock %s --arch %s",
				path, a.Name, strings.Join(have, ", "), recipe, strings.Join(all, ","))
		}
	}
	return nil
}

// lockedPackages fetches exactly the lock's files for arch and rebuilds
// the install plan from their control files: the resolver orders them, and
// may not pick anything else (every package is pinned).
func lockedPackages(ctx context.Context, r *recipes.Recipe, a *archive, arch debpkg.Arch, lock *Lockfile, rep *reporter) (*resolve.Plan, []decodedDeb, error) {
	var entries []LockedPkg
	for _, p := range lock.Packages {
		if p.Arch == arch.Name {
			entries = append(entries, p)
		}
	}
	if len(entries) == 0 {
		return nil, nil, fmt.Errorf("the lockfile has no packages for %s: run plinth lock with --arch %s", arch.Name, arch.Name)
	}
	files := make([]apt.FileInfo, len(entries))
	for i, e := range entries {
		files[i] = apt.FileInfo{Path: e.Filename, Size: e.Size, SHA256: e.SHA256}
	}
	rep.start(Stage{Name: "fetch", Arch: arch.Name, Steps: len(files), Bytes: planBytes(files)})
	paths, err := a.client.FetchAll(ctx, func(i int) string { return a.mirrors[entries[i].Suite] }, files)
	if err != nil {
		return nil, nil, fmt.Errorf("fetching the locked packages (is a package gone from the mirror? point --mirror at a snapshot mirror): %w", err)
	}
	rep.done("fetch")
	rep.start(Stage{Name: "unpack", Arch: arch.Name, Steps: len(entries)})
	locked := make([]*debpkg.Package, len(entries))
	for i, e := range entries {
		locked[i] = &debpkg.Package{Name: e.Name, Filename: e.Filename, Size: e.Size, SHA256: e.SHA256}
	}
	debs, err := decodeDebs(ctx, a.unpacked, paths, locked, rep.step)
	if err != nil {
		return nil, nil, err
	}
	cands := make([]resolve.Candidate, len(entries))
	pins := map[string]string{}
	var names []string
	for i, e := range entries {
		pkg, err := debpkg.ParsePackage(debs[i].control.Control)
		if err != nil {
			return nil, nil, fmt.Errorf("reading %s: %w", e.Filename, err)
		}
		pkg.Filename, pkg.Size, pkg.SHA256 = e.Filename, e.Size, e.SHA256
		debs[i].pkg = pkg
		cands[i] = resolve.Candidate{Package: pkg, Suite: e.Suite, Ref: origin{Mirror: a.mirrors[e.Suite], Suite: e.Suite}}
		pins[e.Name] = e.Version
		names = append(names, e.Name)
	}
	plan, err := resolve.Resolve(cands, resolve.Options{
		Arch: arch.Name, Variant: recipes.VariantNone, Include: names,
		FilesOnly: r.Packages.FilesOnly, Pins: pins,
	})
	if err != nil {
		return nil, nil, fmt.Errorf("ordering the locked packages: %w", err)
	}
	byName := map[string]decodedDeb{}
	for _, d := range debs {
		byName[d.pkg.Name] = d
	}
	ordered := make([]decodedDeb, len(plan.Packages))
	for i, c := range plan.Packages {
		ordered[i] = byName[c.Name]
	}
	return plan, ordered, nil
}
