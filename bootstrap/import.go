package bootstrap

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/plinth-build/plinth/debpkg"
	"github.com/plinth-build/plinth/rootfs"
	"github.com/plinth-build/plinth/rootfs/oci"
)

// ImportOptions configure `plinth import`: a root filesystem in, a
// single-layer image out, with the config given here.
type ImportOptions struct {
	// Source is the root filesystem: a directory or tarball path (plain,
	// gzip, xz, zstd or bzip2), dir:DIR or tar:FILE. A single-platform
	// image is accepted too: its layers are flattened into one (its config
	// is not kept).
	Source string
	// Output is an image destination: oci:DIR[:TAG], docker-archive:FILE[:REF]
	// or docker://REF.
	Output string
	// Arch is the image's Debian architecture; "" means the source image's,
	// else the dpkg architecture recorded in the tree, else the host's.
	Arch string
	// Cmd, Entrypoint, User, Workdir and Labels go into the image config.
	Cmd, Entrypoint []string
	User, Workdir   string
	Labels          map[string]string
	// Env holds KEY=VALUE entries; a later one for the same KEY wins.
	Env []string
	// SourceDateEpoch is the image's timestamp and every file's mtime; nil
	// means the Unix epoch (0), so the same input gives the same digest.
	SourceDateEpoch *time.Time
}

// Import reads a root filesystem and writes it as a single-layer image, as
// `tar -C DIR -c . | docker import - NAME` would, without a daemon and
// reproducibly: the layer is plinth's deterministic tar (sorted, numeric
// owners as on disk or in the tarball, mtimes clamped to the epoch), so the
// same input and epoch give the same digest whatever the host, user, umask
// or time zone. A directory's own metadata is not read (the root is 0755
// 0:0); sockets are skipped.
func Import(ctx context.Context, opts ImportOptions) (*Result, error) {
	dest, err := oci.ParseDestination(opts.Output)
	if err != nil {
		return nil, &OptionError{Flag: "-o", Err: err}
	}
	if !dest.IsImage() {
		return nil, fmt.Errorf("output %s is a root filesystem, but import writes an image: use oci:, docker-archive: or docker://", opts.Output)
	}
	env, err := envList(opts.Env)
	if err != nil {
		return nil, err
	}
	src, err := parseSource(opts.Source)
	if err != nil {
		return nil, err
	}
	st, err := importTree(ctx, src)
	if err != nil {
		return nil, err
	}
	arch, err := importArch(opts.Arch, st)
	if err != nil {
		return nil, err
	}
	var epoch time.Time
	if opts.SourceDateEpoch != nil {
		epoch = opts.SourceDateEpoch.UTC()
	}
	cfg := oci.Config{
		Architecture: arch.OCIArch, OS: "linux", Variant: arch.OCIVariant,
		Cmd: opts.Cmd, Entrypoint: opts.Entrypoint, Env: env,
		User: opts.User, WorkingDir: opts.Workdir, Labels: opts.Labels,
		Created: epoch, History: "plinth import",
	}
	res := &Result{Recipe: opts.Source, Output: dest.String()}
	ar, img, err := importImage(st.Tree, cfg, epoch)
	if err != nil {
		return nil, fmt.Errorf("importing %s: %w", opts.Source, err)
	}
	ar.Arch = arch.Name
	res.Images, res.Digest = []ArchResult{ar}, ar.Digest
	if err := oci.Write(ctx, dest, img); err != nil {
		return nil, fmt.Errorf("writing %s: %w", dest, err)
	}
	return res, nil
}

// importTree reads the import's source: a root filesystem, or the only
// platform of an image.
func importTree(ctx context.Context, src oci.Destination) (sourceTree, error) {
	var trees []sourceTree
	err := eachTree(ctx, src, nil, func(st sourceTree) error {
		trees = append(trees, st)
		return nil
	})
	if err != nil {
		return sourceTree{}, err
	}
	if len(trees) != 1 {
		var archs []string
		for _, st := range trees {
			archs = append(archs, st.Arch)
		}
		return sourceTree{}, fmt.Errorf("importing %s: it holds %d platforms (%s), import takes one: name a single-platform image or root filesystem",
			src, len(trees), strings.Join(archs, ", "))
	}
	return trees[0], nil
}

// importArch picks the image architecture: the option, the source's, or
// the host's.
func importArch(name string, st sourceTree) (debpkg.Arch, error) {
	if name == "" {
		name = st.Arch
	}
	if name == "" {
		return debpkg.HostArch(), nil
	}
	a, err := debpkg.LookupArch(name)
	if err != nil {
		return debpkg.Arch{}, fmt.Errorf("image architecture: %w (set it with --arch)", err)
	}
	return a, nil
}

// importImage builds the image of tree; the layer's temporary file is
// removed once the image holds its compressed copy.
func importImage(tree *rootfs.Tree, cfg oci.Config, epoch time.Time) (ArchResult, oci.Image, error) {
	layer, size, closeLayer, err := layerFile(tree, epoch)
	if err != nil {
		return ArchResult{}, nil, fmt.Errorf("writing the layer: %w", err)
	}
	defer closeLayer()
	img, err := oci.NewImage(layer, cfg)
	if err != nil {
		return ArchResult{}, nil, err
	}
	digest, err := manifestDigest(img)
	if err != nil {
		return ArchResult{}, nil, err
	}
	pkgs, err := installedPackages(tree)
	if err != nil {
		return ArchResult{}, nil, err
	}
	ar := ArchResult{LayerSize: size, Digest: digest}
	for _, p := range pkgs {
		ar.Packages = append(ar.Packages, InstalledPackage{Name: p.Name, Version: p.Version, Architecture: p.Architecture})
	}
	return ar, img, nil
}

// envList checks KEY=VALUE entries and returns them sorted, a later entry
// for a KEY replacing an earlier one.
func envList(entries []string) ([]string, error) {
	if len(entries) == 0 {
		return nil, nil
	}
	env := map[string]string{}
	for _, e := range entries {
		k, v, ok := strings.Cut(e, "=")
		if !ok || k == "" {
			return nil, fmt.Errorf("env entry %q is not KEY=VALUE", e)
		}
		env[k] = v
	}
	return sortedEnv(env), nil
}
