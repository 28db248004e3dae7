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
	db := make([]rootfs.InstalledPackage, len(plan.Packages))
	err = debs(func(i int, d decodedDeb) error {
		list, err := tree.Extract(tar.NewReader(bytes.NewReader(d.data)), rootfs.ExtractOptions{
			Package:    d.pkg.Name,
			Exclude:    exclude.Exclude,
			Reinclude:  exclude.Reincluded,
			MayReplace: replaces(d.pkg),
		})
		if err != nil {
			return fmt.Errorf("unpacking %s: %w", d.pkg.Filename, err)
		}
		db[i] = rootfs.InstalledPackage{Control: d.control.Control, Files: list, ControlFiles: d.control.Files}
		if chroot {
			db[i].Status = rootfs.StatusUnpacked
		} else {
			db[i].ControlFiles = withoutDebconf(d.control.Files)
		}
		return nil
	})
	if err != nil {
		return nil, nil, err
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
		// The unpacked tree is dead once materialized; the closure above
		// captured the variable, so hand it over and clear it, or it would
		// stay alive next to the rescanned tree.
		unpacked := tree
		tree = nil
		if tree, err = configureChroot(ctx, unpacked, plan, arch, opts); err != nil {
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

// debSource hands a plan's decoded packages to use, in plan order.
type debSource func(use func(i int, d decodedDeb) error) error

// preparePackages fetches the .debs of the install plan and returns them
// as a source decoding them while they are used; or fetches exactly the
// lockfile's packages and orders them into a plan.
func preparePackages(ctx context.Context, r *recipes.Recipe, a *archive, arch debpkg.Arch, plan *resolve.Plan, lock *Lockfile, rep *reporter) (*resolve.Plan, debSource, error) {
	if lock != nil {
		plan, debs, err := lockedPackages(ctx, r, a, arch, lock, rep)
		if err != nil {
			return nil, nil, err
		}
		return plan, func(use func(i int, d decodedDeb) error) error {
			for i := range debs {
				d := debs[i]
				debs[i] = decodedDeb{} // let each tar go once used
				if err := use(i, d); err != nil {
					return err
				}
			}
			return nil
		}, nil
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
	return plan, func(use func(i int, d decodedDeb) error) error {
		return decodeInOrder(ctx, a.unpacked, files, pkgs, rep.step, use)
	}, nil
}

// decodedDeb is one package's control archive and its decompressed data.tar.
type decodedDeb struct {
	pkg     *debpkg.Package
	control *debpkg.ControlArchive
	data    []byte
}

// decodeDebs decodes every .deb (see decodeInOrder) into a slice.
func decodeDebs(ctx context.Context, cache *unpackCache, files []string, pkgs []*debpkg.Package, step func(item string)) ([]decodedDeb, error) {
	out := make([]decodedDeb, len(files))
	err := decodeInOrder(ctx, cache, files, pkgs, step, func(i int, d decodedDeb) error {
		out[i] = d
		return nil
	})
	return out, err
}

// decodeInOrder decompresses the .debs in parallel, or takes them from the
// unpack cache, and hands them to use one by one in plan order: extraction
// stays sequential, so file ownership is deterministic. At most a few
// decoded packages wait for use at a time, so a build never holds all its
// decompressed tars at once. step gets each package's name once decoded.
func decodeInOrder(ctx context.Context, cache *unpackCache, files []string, pkgs []*debpkg.Package, step func(item string), use func(i int, d decodedDeb) error) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	type result struct {
		d   decodedDeb
		err error
	}
	results := make([]chan result, len(files))
	for i := range results {
		results[i] = make(chan result, 1) // a decoder never blocks on send
	}
	window := make(chan struct{}, runtime.GOMAXPROCS(0)+1)
	go func() {
		for i := range files {
			select {
			case window <- struct{}{}:
			case <-ctx.Done():
				return
			}
			go func() {
				d, err := decodeCached(cache, files[i], pkgs[i])
				if err == nil {
					step(pkgs[i].Name)
				}
				results[i] <- result{d, err}
			}()
		}
	}()
	for i := range files {
		var r result
		select {
		case r = <-results[i]:
		case <-ctx.Done():
			return ctx.Err()
		}
		<-window
		if r.err != nil {
			return r.err
		}
		if err := use(i, r.d); err != nil {
			return err
		}
	}
	return nil
}

// decodeCached returns pkg's decoded .deb from the unpack cache, or
// decodes file and caches the result.
func decodeCached(cache *unpackCache, file string, pkg *debpkg.Package) (decodedDeb, error) {
	if d, ok := cache.get(pkg.SHA256); ok {
		d.pkg = pkg
		return d, nil
	}
	d, err := decodeDeb(file)
	if err != nil {
		return decodedDeb{}, fmt.Errorf("reading %s: %w", pkg.Filename, err)
	}
	cache.put(pkg.SHA256, d) // best effort: a miss next time is only slower
	d.pkg = pkg
	return d, nil
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
	rel := pkg.Replaces()
	return func(owner string) bool {
		for _, alts := range rel {
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
