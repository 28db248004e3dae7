package bootstrap

import (
	"context"
	"fmt"
	"io"

	"github.com/plinth-build/plinth/rootfs/oci"
)

// IndexOptions configure `plinth index`.
type IndexOptions struct {
	// Images are the inputs: oci:DIR[:TAG], docker-archive:FILE[:REF],
	// docker://REF, or a bare directory holding an OCI layout. An input
	// that is itself an index contributes each of its platforms.
	Images []string
	// Output is an image destination: oci:DIR[:TAG], docker-archive:FILE
	// (one file per platform, see oci.WriteIndex) or docker://REF.
	Output string
	// RegistryAuth sends docker login credentials to registries.
	RegistryAuth bool
}

// IndexResult says what Index wrote.
type IndexResult struct {
	Output    string
	Digest    string // the index digest
	Manifests []IndexedImage
}

// IndexedImage is one manifest of the index.
type IndexedImage struct {
	Source   string // the input it came from
	Platform string // os/arch[/variant]
	Digest   string // the manifest digest
}

// Index merges single-architecture images built elsewhere into one OCI
// image index, a platform per manifest, in the order given. Two inputs of
// the same platform are an error naming both.
func Index(ctx context.Context, opts IndexOptions) (*IndexResult, error) {
	if len(opts.Images) == 0 {
		return nil, fmt.Errorf("index needs at least one image")
	}
	dest, err := oci.ParseDestination(opts.Output)
	if err != nil {
		return nil, &OptionError{Flag: "-o", Err: err}
	}
	if !dest.IsImage() {
		return nil, fmt.Errorf("output %s is a root filesystem, but an index is an image: use oci:, docker-archive: or docker://", opts.Output)
	}
	res := &IndexResult{Output: dest.String()}
	var images []oci.Image
	from := map[string]string{} // platform -> input
	for _, in := range opts.Images {
		imgs, err := loadIndexInput(ctx, in)
		if err != nil {
			return nil, err
		}
		for _, img := range imgs {
			m, err := indexedImage(in, img)
			if err != nil {
				return nil, err
			}
			if prev, dup := from[m.Platform]; dup {
				return nil, fmt.Errorf("%s and %s are both %s: give one image per platform", prev, in, m.Platform)
			}
			from[m.Platform] = in
			res.Manifests = append(res.Manifests, m)
			images = append(images, img)
		}
	}
	idx, err := oci.NewIndex(images...)
	if err != nil {
		return nil, err
	}
	d, err := idx.Digest()
	if err != nil {
		return nil, fmt.Errorf("computing the index digest: %w", err)
	}
	res.Digest = d.String()
	if err := oci.WriteIndex(ctx, dest, idx, registryOptions(opts.RegistryAuth)...); err != nil {
		return nil, fmt.Errorf("writing %s: %w", dest, err)
	}
	return res, nil
}

// loadIndexInput loads the images of one input; root filesystems and bare
// files are refused with what to do instead.
func loadIndexInput(ctx context.Context, in string) ([]oci.Image, error) {
	src, err := parseSource(in)
	if err != nil {
		return nil, err
	}
	switch {
	case src.Kind == oci.KindTar && src.String() != in:
		return nil, fmt.Errorf("index input %s: name an image archive docker-archive:%s (or an OCI layout oci:DIR)", in, in)
	case !src.IsImage():
		return nil, fmt.Errorf("index input %s holds a root filesystem, not an image: make it one with plinth import first", in)
	}
	return oci.Load(ctx, src)
}

// indexedImage describes one input image; it must name its platform.
func indexedImage(in string, img oci.Image) (IndexedImage, error) {
	cf, err := img.ConfigFile()
	if err != nil {
		return IndexedImage{}, fmt.Errorf("reading the config of %s: %w", in, err)
	}
	if cf.OS == "" || cf.Architecture == "" {
		return IndexedImage{}, fmt.Errorf("image %s names no os/architecture in its config: an index needs one platform per image", in)
	}
	d, err := img.Digest()
	if err != nil {
		return IndexedImage{}, fmt.Errorf("computing the digest of %s: %w", in, err)
	}
	return IndexedImage{Source: in, Platform: platformString(cf.OS, cf.Architecture, cf.Variant), Digest: d.String()}, nil
}

// PrintIndexSummary prints one line per manifest and the index digest.
func PrintIndexSummary(w io.Writer, res *IndexResult) {
	for _, m := range res.Manifests {
		fmt.Fprintf(w, "%s: %s (%s)\n", m.Platform, m.Digest, m.Source)
	}
	fmt.Fprintf(w, "wrote %s (%s)\n", res.Output, res.Digest)
}
