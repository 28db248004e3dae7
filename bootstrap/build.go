package bootstrap

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/plinth-build/plinth/debpkg"
	"github.com/plinth-build/plinth/recipes"
	"github.com/plinth-build/plinth/rootfs/oci"
)

// Result says what a build produced.
type Result struct {
	Recipe string
	Output string
	// Digest is the manifest (one arch) or index (several) digest; empty for dir: and tar: outputs.
	Digest string
	Images []ArchResult
	// Stages is the wall time of each pipeline stage.
	Stages []StageTime
}

// ArchResult describes the root filesystem built for one architecture.
type ArchResult struct {
	Arch      string
	Packages  []InstalledPackage
	LayerSize int64 // uncompressed tar bytes
	Digest    string
}

// InstalledPackage is one package in the built tree.
type InstalledPackage struct {
	Name, Version, Architecture, Source, Suite string
}

// Build runs the whole pipeline for opts.Recipe and writes opts.Output.
func Build(ctx context.Context, opts Options) (*Result, error) {
	r, err := recipes.Load(opts.Recipe)
	if err != nil {
		return nil, err
	}
	var lock *Lockfile
	if opts.LockFile != "" {
		if lock, err = ReadLockfile(opts.LockFile); err != nil {
			return nil, err
		}
		if len(opts.Archs) == 0 {
			opts.Archs = lock.archs()
		}
	}
	archs, err := architectures(r, opts.Archs)
	if err != nil {
		return nil, err
	}
	if lock != nil {
		if err := checkLockArchs(lock, opts.LockFile, opts.Recipe, archs); err != nil {
			return nil, err
		}
	}
	out := opts.Output
	if out == "" {
		out = "oci:out/" + r.Name
	}
	dest, err := oci.ParseDestination(out)
	if err != nil {
		return nil, &OptionError{Flag: "-o", Err: err}
	}
	if err := preflight(r, archs, dest, &opts); err != nil {
		return nil, err
	}
	unlock, alone, err := lockCache(opts.CacheDir)
	if err != nil {
		return nil, err
	}
	defer unlock()
	if alone {
		sweepOutput(dest)
	}
	rep := newReporter(opts.Progress)
	rep.start(Stage{Name: "archive"})
	a, err := openArchive(ctx, r, archNames(archs), &opts, lock, rep)
	if err != nil {
		return nil, err
	}
	epoch := buildEpoch(a, lock, &opts)
	rep.done("archive")
	res := &Result{Recipe: r.Name, Output: out}
	rep.start(Stage{Name: "resolve"})
	plans, err := resolveAll(r, a, archs, lock)
	if err != nil {
		return nil, err
	}
	rep.done("resolve")
	outs := &outputs{dest: dest, recipe: r, epoch: epoch, sbom: opts.SBOM != ""}
	defer outs.close()
	for i, arch := range archs {
		tree, installed, err := buildTree(ctx, r, a, arch, plans[i], lock, &opts, rep)
		if err != nil {
			return nil, fmt.Errorf("building %s for %s: %w", r.Name, arch.Name, err)
		}
		res.Images = append(res.Images, ArchResult{Arch: arch.Name, Packages: installed})
		if err := outs.add(arch, tree, &res.Images[i], rep); err != nil {
			return nil, err
		}
	}
	rep.start(Stage{Name: "write"})
	if err := outs.write(ctx, res, registryOptions(opts.RegistryAuth)); err != nil {
		return nil, err // oci and the tar/dir writers name the destination
	}
	rep.done("write")
	if opts.SBOM != "" {
		if err := writeSBOM(opts.SBOM, r, opts.Version, epoch, outs.statuses, res); err != nil {
			return nil, fmt.Errorf("writing the SBOM %s: %w", opts.SBOM, err)
		}
	}
	res.Stages = rep.times()
	return res, nil
}

// preflight refuses, before anything is downloaded, what cannot work: several
// architectures into one rootfs, maintainer scripts without root, foreign
// architectures the kernel cannot run.
func preflight(r *recipes.Recipe, archs []debpkg.Arch, dest oci.Destination, opts *Options) error {
	if !dest.IsImage() && len(archs) > 1 {
		return fmt.Errorf("output %s holds one root filesystem, but %d architectures were asked: build them one at a time (--arch)", dest, len(archs))
	}
	if r.Rootfs.Configure != recipes.ConfigureChroot {
		return nil
	}
	if os.Geteuid() != 0 {
		return &NotRootError{Recipe: r.Name}
	}
	for _, arch := range archs {
		if err := opts.binfmt().Ensure(arch); err != nil {
			return err
		}
	}
	return nil
}

// buildEpoch is the image timestamp: --source-date-epoch or
// SOURCE_DATE_EPOCH, else the lockfile's newest suite Date, else the
// archive's newest Release Date; never the wall clock.
func buildEpoch(a *archive, lock *Lockfile, opts *Options) time.Time {
	switch {
	case opts.SourceDateEpoch != nil:
		return opts.SourceDateEpoch.UTC()
	case lock != nil:
		return lock.newest()
	}
	return a.epoch()
}

func architectures(r *recipes.Recipe, override []string) ([]debpkg.Arch, error) {
	names := override
	if len(names) == 0 {
		names = r.Image.Architectures
	}
	if len(names) == 0 {
		return []debpkg.Arch{debpkg.HostArch()}, nil
	}
	var out []debpkg.Arch
	seen := map[string]bool{}
	for _, n := range names {
		if seen[n] {
			continue
		}
		seen[n] = true
		a, err := debpkg.LookupArch(n)
		if err != nil {
			if len(override) > 0 {
				return nil, &OptionError{Flag: "--arch", Err: err}
			}
			return nil, err
		}
		out = append(out, a)
	}
	return out, nil
}

func archNames(archs []debpkg.Arch) []string {
	out := make([]string, len(archs))
	for i, a := range archs {
		out[i] = a.Name
	}
	return out
}

// imageConfig turns the recipe's image section into an OCI config for arch.
func imageConfig(r *recipes.Recipe, arch debpkg.Arch, epoch time.Time) oci.Config {
	env := map[string]string{"PATH": "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"}
	for k, v := range r.Image.Env {
		env[k] = v
	}
	return oci.Config{
		Architecture: arch.OCIArch,
		OS:           "linux",
		Variant:      arch.OCIVariant,
		Cmd:          r.Image.Cmd,
		Entrypoint:   r.Image.Entrypoint,
		Env:          sortedEnv(env),
		User:         r.Image.User,
		WorkingDir:   r.Image.Workdir,
		Labels:       r.Image.Labels,
		ExposedPorts: r.Image.ExposedPorts,
		Created:      epoch,
		History:      "plinth build " + r.Name,
	}
}

func manifestDigest(img oci.Image) (string, error) {
	d, err := img.Digest()
	if err != nil {
		return "", err
	}
	return d.String(), nil
}

func writeSBOM(path string, r *recipes.Recipe, version string, epoch time.Time, statuses [][]debpkg.Paragraph, res *Result) error {
	images := make([]sbomImage, len(statuses))
	for i, st := range statuses {
		images[i] = sbomImage{Arch: res.Images[i].Arch, Digest: res.Images[i].Digest, Status: st}
	}
	doc, err := buildSBOM(r.Name, r.Source.Distro, version, epoch, images)
	if err != nil {
		return err
	}
	return writeFileAtomic(path, doc)
}
