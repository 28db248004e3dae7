package bootstrap

import (
	"context"
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/plinth-build/plinth/debpkg"
	"github.com/plinth-build/plinth/recipes"
)

// ShowOptions select the archive and the packages `plinth show` prints.
type ShowOptions struct {
	Options
	Packages []string
	// Distro and Suite build an ad-hoc recipe when Recipe is empty.
	Distro, Suite string
}

// Show prints, like apt-cache show, every candidate of each package in the
// recipe's verified archive: version, suite, size, SHA256 and Depends.
func Show(ctx context.Context, w io.Writer, opts ShowOptions) error {
	r, err := showRecipe(opts)
	if err != nil {
		return err
	}
	archs, err := architectures(r, opts.Archs)
	if err != nil {
		return err
	}
	rep := newReporter(opts.Progress)
	rep.start(Stage{Name: "archive"})
	a, err := openArchive(ctx, r, archNames(archs), &opts.Options, nil, rep)
	if err != nil {
		return err
	}
	rep.done("archive")
	for _, name := range opts.Packages {
		found := false
		for _, c := range a.cands {
			if c.Name != name {
				continue
			}
			found = true
			printCandidate(w, c.Package, c.Suite)
		}
		if !found {
			return fmt.Errorf("package %s is not in %s %s (%s): check its spelling, and whether it lives in another component than the recipe's (e.g. contrib, universe)", name, r.Source.Distro, strings.Join(r.Source.Suites, ", "), strings.Join(archNames(archs), ","))
		}
	}
	return nil
}

func showRecipe(opts ShowOptions) (*recipes.Recipe, error) {
	if opts.Recipe != "" {
		return recipes.Load(opts.Recipe)
	}
	if opts.Distro == "" || opts.Suite == "" {
		return nil, fmt.Errorf("name a recipe, or give both --distro and --suite")
	}
	r := &recipes.Recipe{Format: 1, Name: opts.Suite, Source: recipes.Source{Distro: opts.Distro, Suite: opts.Suite}, Rootfs: recipes.Rootfs{MergedUsr: true}}
	r.ApplyDefaults()
	if err := r.Validate(); err != nil {
		return nil, err
	}
	return r, nil
}

func printCandidate(w io.Writer, p *debpkg.Package, suite string) {
	fmt.Fprintf(w, "Package: %s\nVersion: %s\nArchitecture: %s\nSuite: %s\n", p.Name, p.Version, p.Architecture, suite)
	if p.Source != p.Name {
		fmt.Fprintf(w, "Source: %s\n", p.Source)
	}
	fmt.Fprintf(w, "Size: %d\nInstalled-Size: %d\nSHA256: %s\nFilename: %s\n", p.Size, p.InstalledSize, p.SHA256, p.Filename)
	for _, f := range []struct {
		name string
		rel  debpkg.Relation
	}{{"Pre-Depends", p.PreDepends()}, {"Depends", p.Depends()}} {
		if len(f.rel) > 0 {
			fmt.Fprintf(w, "%s: %s\n", f.name, f.rel)
		}
	}
	fmt.Fprintln(w)
}

// Recipes lists the built-in recipes, one per line.
func Recipes(w io.Writer) {
	infos := recipes.Builtins()
	sort.Slice(infos, func(i, j int) bool { return infos[i].Name < infos[j].Name })
	for _, in := range infos {
		fmt.Fprintf(w, "%-10s %s\n", in.Name, in.Description)
	}
}
