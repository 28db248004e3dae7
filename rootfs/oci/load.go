package oci

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
)

// Load reads the images at src, one per platform, in index order; a single
// image gives a slice of one. Nested indexes are flattened, and entries that
// are not images (and attestation manifests of platform unknown/unknown) are
// skipped.
//
//   - oci:DIR[:TAG] reads the index.json entry tagged TAG; without TAG, the
//     only entry, else the one tagged DefaultTag.
//   - docker-archive:FILE[:REF] reads the image tagged REF, or the only one.
//   - docker://REF reads from a registry (plain http for a loopback host).
//
// Images from a registry are fetched lazily, with ctx.
func Load(ctx context.Context, src Destination, opts ...Option) ([]v1.Image, error) {
	imgs, err := load(ctx, src, makeOptions(opts))
	if err != nil {
		return nil, fmt.Errorf("loading %s: %w", src, err)
	}
	if len(imgs) == 0 {
		return nil, fmt.Errorf("loading %s: it holds no images", src)
	}
	return imgs, nil
}

func load(ctx context.Context, src Destination, o options) ([]v1.Image, error) {
	switch src.Kind {
	case KindOCI:
		return loadLayout(src.Path, src.Ref)
	case KindDockerArchive:
		return loadArchive(src.Path, src.Ref)
	case KindDocker:
		return loadRemote(ctx, src.Ref, o)
	case KindDir, KindTar:
		return nil, fmt.Errorf("%s: holds a root filesystem, not an image", src.Kind)
	}
	return nil, fmt.Errorf("unknown destination kind %q (accepted forms: %s)", src.Kind, DestinationForms)
}

func loadLayout(dir, tag string) ([]v1.Image, error) {
	idx, err := layout.ImageIndexFromPath(dir)
	if err != nil {
		return nil, fmt.Errorf("reading OCI layout: %w", err)
	}
	im, err := idx.IndexManifest()
	if err != nil {
		return nil, fmt.Errorf("reading index.json: %w", err)
	}
	desc, err := pickEntry(im.Manifests, tag)
	if err != nil {
		return nil, err
	}
	return resolve(idx, desc)
}

// pickEntry selects the index.json entry tagged tag (see Load).
func pickEntry(entries []v1.Descriptor, tag string) (v1.Descriptor, error) {
	if tag == "" && len(entries) == 1 {
		return entries[0], nil
	}
	want := tag
	if want == "" {
		want = DefaultTag
	}
	var tags []string
	for _, e := range entries {
		t := e.Annotations[RefNameAnnotation]
		if t == want {
			return e, nil
		}
		if t != "" {
			tags = append(tags, t)
		}
	}
	sort.Strings(tags)
	return v1.Descriptor{}, fmt.Errorf("no image tagged %q (tags: %s); name one as oci:DIR:TAG", want, strings.Join(tags, ", "))
}

// resolve returns the images desc in idx stands for.
func resolve(idx v1.ImageIndex, desc v1.Descriptor) ([]v1.Image, error) {
	switch {
	case desc.MediaType.IsIndex():
		child, err := idx.ImageIndex(desc.Digest)
		if err != nil {
			return nil, fmt.Errorf("reading index %s: %w", desc.Digest, err)
		}
		return flatten(child)
	case desc.MediaType.IsImage():
		img, err := idx.Image(desc.Digest)
		if err != nil {
			return nil, fmt.Errorf("reading image %s: %w", desc.Digest, err)
		}
		return []v1.Image{img}, nil
	}
	return nil, nil
}

// flatten returns the images of idx and of its nested indexes.
func flatten(idx v1.ImageIndex) ([]v1.Image, error) {
	im, err := idx.IndexManifest()
	if err != nil {
		return nil, fmt.Errorf("reading image index: %w", err)
	}
	var imgs []v1.Image
	for _, desc := range im.Manifests {
		if p := desc.Platform; p != nil && p.OS == "unknown" && p.Architecture == "unknown" {
			continue // an attestation, not a runnable image
		}
		got, err := resolve(idx, desc)
		if err != nil {
			return nil, err
		}
		imgs = append(imgs, got...)
	}
	return imgs, nil
}

func loadArchive(path, ref string) ([]v1.Image, error) {
	var tag *name.Tag
	if ref != "" {
		t, err := name.NewTag(ref)
		if err != nil {
			return nil, fmt.Errorf("parsing REF %q: %w", ref, err)
		}
		tag = &t
	}
	img, err := tarball.ImageFromPath(path, tag)
	if err != nil {
		return nil, fmt.Errorf("reading docker archive: %w", err)
	}
	return []v1.Image{img}, nil
}

func loadRemote(ctx context.Context, s string, o options) ([]v1.Image, error) {
	ref, err := parseReference(s)
	if err != nil {
		return nil, err
	}
	desc, err := remote.Get(ref, o.remote(ctx)...)
	if err != nil {
		return nil, fmt.Errorf("fetching %s: %w", ref, err)
	}
	if desc.MediaType.IsIndex() {
		idx, err := desc.ImageIndex()
		if err != nil {
			return nil, fmt.Errorf("reading index %s: %w", ref, err)
		}
		return flatten(idx)
	}
	img, err := desc.Image()
	if err != nil {
		return nil, fmt.Errorf("reading image %s: %w", ref, err)
	}
	return []v1.Image{img}, nil
}
