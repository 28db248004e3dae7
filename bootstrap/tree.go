package bootstrap

import (
	"archive/tar"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime"

	"golang.org/x/sync/errgroup"

	"github.com/plinth-build/plinth/debpkg"
	"github.com/plinth-build/plinth/debpkg/apt"
	"github.com/plinth-build/plinth/debpkg/resolve"
	"github.com/plinth-build/plinth/recipes"
	"github.com/plinth-build/plinth/rootfs"
)

// buildTree resolves, fetches and unpacks the recipe for one architecture
// and finishes the tree as the recipe's configure mode says.
func buildTree(ctx context.Context, r *recipes.Recipe, a *archive, arch debpkg.Arch, plan *resolve.Plan, lock *Lockfile, opts *Options, rep *reporter) (*rootfs.Tree, []InstalledPackage, error) {
	plan, debs, err := preparePackages(ctx, r, a, arch, plan, lock, rep)
	if err != nil {
		return nil, nil, err
	}
	tree := rootfs.New()
	if r.Rootfs.MergedUsr {
		if err := tree.MergeUsr(arch.LibDirs); err != nil {
			return nil, nil, fmt.Errorf("merging /usr: %w", err)
		}
	}
	exclude, err := rootfs.PruneFilter(r.Rootfs.Prune, r.Rootfs.KeepLocales, r.Rootfs.PathExclude...)
	if err != nil {
		return nil, nil, err
	}
	chroot := r.Rootfs.Configure == recipes.ConfigureChroot
	db := make([]rootfs.InstalledPackage, len(debs))
	for i, d := range debs {
		list, err := tree.Extract(tar.NewReader(bytes.NewReader(d.data)), rootfs.ExtractOptions{
			Package:    d.pkg.Name,
			Exclude:    exclude.Exclude,
			Reinclude:  exclude.Reincluded,
			MayReplace: replaces(d.pkg),
		})
		if err != nil {
			return nil, nil, fmt.Errorf("unpacking %s: %w", d.pkg.Filename, err)
		}
		debs[i].data = nil // the tree holds copies: let the tar go
		db[i] = rootfs.InstalledPackage{Control: d.control.Control, Files: list, ControlFiles: d.control.Files}
		if chroot {
			db[i].Status = rootfs.StatusUnpacked
		} else {
			db[i].ControlFiles = withoutDebconf(d.control.Files)
		}
	}
	rep.done("unpack")
	if err := finishExtractOnly(tree, r, plan); err != nil {
		return nil, nil, err
	}
	if err := rootfs.WriteDpkgDatabase(tree, db, rootfs.DpkgOptions{Arch: arch.Name, KeepScripts: chroot}); err != nil {
		return nil, nil, fmt.Errorf("writing the dpkg database: %w", err)
	}
	if chroot {
		if err := writeSystemConfig(tree, r, a.mirrors); err != nil {
			return nil, nil, err
		}
		rep.start(Stage{Name: "configure", Arch: arch.Name})
		if tree, err = configureChroot(ctx, tree, plan, arch, opts); err != nil {
			return nil, nil, err
		}
		rep.done("configure")
		if len(r.Rootfs.Users)+len(r.Rootfs.Groups) > 0 {
			if err := rootfs.WriteAccounts(tree, accounts(r.Rootfs.Users), groups(r.Rootfs.Groups)); err != nil {
				return nil, nil, fmt.Errorf("adding the recipe's users: %w", err)
			}
		}
	}
	return tree, installedList(plan), nil
}

func resolvePlan(r *recipes.Recipe, a *archive, arch debpkg.Arch) (*resolve.Plan, error) {
	ropts := resolve.Options{
		Arch:      arch.Name,
		Variant:   r.Packages.Variant,
		Include:   r.Packages.Include,
		Exclude:   r.Packages.Exclude,
		FilesOnly: r.Packages.FilesOnly,
	}
	if r.Rootfs.MergedUsr {
		// plinth merges /usr itself: usr-is-merged says so without usrmerge's perl.
		ropts.Avoid = []string{"usrmerge"}
	}
	plan, err := resolve.Resolve(a.candidatesFor(arch.Name), ropts)
	if err != nil {
		return nil, withResolveHint(err) // the callers name the recipe and arch
	}
	return plan, nil
}

// withResolveHint adds the next step to an unsatisfiable dependency whose
// message says only what is missing.
func withResolveHint(err error) error {
	var ue *resolve.UnsatisfiableError
	if errors.As(err, &ue) && ue.Reason == "" {
		return fmt.Errorf("%w; check the recipe's suites, components and mirror (plinth show lists what the archive has), or drop what needs it from [packages] include", err)
	}
	return err
}

func fetchPlan(ctx context.Context, a *archive, arch string, plan *resolve.Plan, rep *reporter) ([]string, error) {
	files := make([]apt.FileInfo, len(plan.Packages))
	for i, c := range plan.Packages {
		files[i] = apt.FileInfo{Path: c.Filename, Size: c.Size, SHA256: c.SHA256}
	}
	rep.start(Stage{Name: "fetch", Arch: arch, Steps: len(files), Bytes: planBytes(files)})
	mirror := func(i int) string { return plan.Packages[i].Ref.(origin).Mirror }
	paths, err := a.client.FetchAll(ctx, mirror, files)
	if err != nil {
		return nil, fmt.Errorf("downloading packages: %w", err)
	}
	return paths, nil
}

// resolveAll resolves the recipe for every architecture, then lets the
// archive's index go: it is the biggest thing in memory and the rest of the
// build needs only the plans. With a lockfile there is nothing to resolve.
func resolveAll(r *recipes.Recipe, a *archive, archs []debpkg.Arch, lock *Lockfile) ([]*resolve.Plan, error) {
	plans := make([]*resolve.Plan, len(archs))
	if lock != nil {
		return plans, nil
	}
	for i, arch := range archs {
		plan, err := resolvePlan(r, a, arch)
		if err != nil {
			return nil, fmt.Errorf("resolving %s for %s: %w", r.Name, arch.Name, err)
		}
		plans[i] = plan
	}
	a.cands = nil
	return plans, nil
}

// preparePackages reads the .debs of the install plan, or fetches exactly
// the lockfile's packages and orders them into a plan.
func preparePackages(ctx context.Context, r *recipes.Recipe, a *archive, arch debpkg.Arch, plan *resolve.Plan, lock *Lockfile, rep *reporter) (*resolve.Plan, []decodedDeb, error) {
	if lock != nil {
		return lockedPackages(ctx, r, a, arch, lock, rep)
	}
	files, err := fetchPlan(ctx, a, arch.Name, plan, rep)
	if err != nil {
		return nil, nil, err
	}
	rep.done("fetch")
	rep.start(Stage{Name: "unpack", Arch: arch.Name, Steps: len(plan.Packages)})
	pkgs := make([]*debpkg.Package, len(plan.Packages))
	for i, c := range plan.Packages {
		pkgs[i] = c.Package
	}
	debs, err := decodeDebs(ctx, a.unpacked, files, pkgs, rep.step)
	if err != nil {
		return nil, nil, err
	}
	return plan, debs, nil
}

// decodedDeb is one package's control archive and its decompressed data.tar.
type decodedDeb struct {
	pkg     *debpkg.Package
	control *debpkg.ControlArchive
	data    []byte
}

// decodeDebs decompresses the .debs in parallel, or takes them from the
// unpack cache; extraction into the tree stays sequential, in plan order,
// so file ownership is deterministic. step gets each package's name once
// it is decoded.
func decodeDebs(ctx context.Context, cache *unpackCache, files []string, pkgs []*debpkg.Package, step func(item string)) ([]decodedDeb, error) {
	out := make([]decodedDeb, len(files))
	g, ctx := errgroup.WithContext(ctx)
	g.SetLimit(runtime.GOMAXPROCS(0))
	for i := range files {
		g.Go(func() error {
			if err := ctx.Err(); err != nil {
				return err
			}
			if d, ok := cache.get(pkgs[i].SHA256); ok {
				d.pkg = pkgs[i]
				out[i] = d
				step(pkgs[i].Name)
				return nil
			}
			d, err := decodeDeb(files[i])
			if err != nil {
				return fmt.Errorf("reading %s: %w", pkgs[i].Filename, err)
			}
			cache.put(pkgs[i].SHA256, d) // best effort: a miss next time is only slower
			d.pkg = pkgs[i]
			out[i] = d
			step(pkgs[i].Name)
			return nil
		})
	}
	return out, g.Wait()
}

func decodeDeb(path string) (decodedDeb, error) {
	f, err := os.Open(path)
	if err != nil {
		return decodedDeb{}, err
	}
	defer f.Close()
	r := debpkg.NewDebReader(f, debpkg.DefaultLimits())
	ctl, err := r.Control()
	if err != nil {
		r.Close()
		return decodedDeb{}, err
	}
	data, err := r.DataRaw()
	if err != nil {
		r.Close()
		return decodedDeb{}, err
	}
	var buf bytes.Buffer
	if _, err := io.Copy(&buf, data); err != nil {
		r.Close()
		return decodedDeb{}, fmt.Errorf("decompressing data.tar: %w", err)
	}
	// Close checks the compressor's trailer and the end of the member.
	if err := r.Close(); err != nil {
		return decodedDeb{}, err
	}
	return decodedDeb{control: ctl, data: buf.Bytes()}, nil
}

// replaces reports which other packages' files pkg may overwrite.
func replaces(pkg *debpkg.Package) func(owner string) bool {
	return func(owner string) bool {
		for _, alts := range pkg.Replaces {
			for _, d := range alts {
				if d.Name == owner {
					return true
				}
			}
		}
		return false
	}
}

func installedList(plan *resolve.Plan) []InstalledPackage {
	out := make([]InstalledPackage, len(plan.Packages))
	for i, c := range plan.Packages {
		out[i] = InstalledPackage{Name: c.Name, Version: c.Version.String(), Architecture: c.Architecture, Source: c.Source, Suite: c.Suite}
	}
	return out
}

// writeSystemConfig writes what a maintainable base carries beyond its
// packages: the apt sources of the build and the pruning rules as dpkg
// path-excludes, so images built FROM it stay slim.
func writeSystemConfig(tree *rootfs.Tree, r *recipes.Recipe, mirrors map[string]string) error {
	files := map[string]string{
		"/etc/apt/sources.list.d/" + r.Source.Distro + ".sources": sourcesFile(r, mirrors),
	}
	if ex := rootfs.DpkgExcludes(r.Rootfs.Prune, r.Rootfs.KeepLocales, r.Rootfs.PathExclude...); ex != "" {
		files["/etc/dpkg/dpkg.cfg.d/plinth-minimize"] = ex
	}
	for path, content := range files {
		if err := tree.WriteFile(path, []byte(content), 0o644, 0, 0); err != nil {
			return fmt.Errorf("writing %s: %w", path, err)
		}
	}
	return nil
}

// withoutDebconf drops the debconf templates and config script: with no
// scripts run, nothing reads them (tzdata's templates alone are 285 KB).
func withoutDebconf(files map[string][]byte) map[string][]byte {
	out := make(map[string][]byte, len(files))
	for name, data := range files {
		if name != "templates" && name != "config" {
			out[name] = data
		}
	}
	return out
}
