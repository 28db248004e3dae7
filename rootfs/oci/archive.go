package oci

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
)

// writeArchive writes img as a `docker load` tarball to path, tagged ref
// (untagged when ref is empty).
func writeArchive(ctx context.Context, path, ref string, img v1.Image) error {
	dest := Destination{Kind: KindDockerArchive, Path: path, Ref: ref}
	if err := writeAtomic(path, archiveFiller(ctx, ref, img)); err != nil {
		return fmt.Errorf("writing %s: %w", dest, err)
	}
	return nil
}

// writeArchives writes each image of idx to its own `docker load` tarball,
// named by ArchivePath. All are staged before any is renamed into place.
func writeArchives(ctx context.Context, path, ref string, idx v1.ImageIndex) (err error) {
	dest := Destination{Kind: KindDockerArchive, Path: path, Ref: ref}
	im, err := idx.IndexManifest()
	if err != nil {
		return fmt.Errorf("writing %s: reading image index: %w", dest, err)
	}
	var staged, finals []string
	defer func() {
		if err != nil {
			for _, tmp := range staged {
				os.Remove(tmp)
			}
		}
	}()
	for _, desc := range im.Manifests {
		img, p, err := indexImage(idx, desc)
		if err != nil {
			return fmt.Errorf("writing %s: %w", dest, err)
		}
		final := ArchivePath(path, p)
		for _, f := range finals {
			if f == final {
				return fmt.Errorf("writing %s: two images would both be written to %s; give one image per platform", dest, final)
			}
		}
		tmp, err := stage(final, archiveFiller(ctx, ref, img))
		if err != nil {
			return fmt.Errorf("writing %s: %w", dest, err)
		}
		staged, finals = append(staged, tmp), append(finals, final)
	}
	for i := range staged {
		if err := commit(staged[i], finals[i]); err != nil {
			return fmt.Errorf("writing %s: %w", dest, err)
		}
	}
	return nil
}

// indexImage returns the image desc points at in idx and its platform.
func indexImage(idx v1.ImageIndex, desc v1.Descriptor) (v1.Image, v1.Platform, error) {
	if !desc.MediaType.IsImage() {
		return nil, v1.Platform{}, fmt.Errorf("index entry %s is a %s, not an image; a docker archive holds images only", desc.Digest, desc.MediaType)
	}
	img, err := idx.Image(desc.Digest)
	if err != nil {
		return nil, v1.Platform{}, fmt.Errorf("reading image %s: %w", desc.Digest, err)
	}
	p := desc.Platform
	if p == nil {
		if p, err = imagePlatform(img); err != nil {
			return nil, v1.Platform{}, fmt.Errorf("image %s: %w", desc.Digest, err)
		}
	}
	return img, *p, nil
}

// ArchivePath names the docker-archive file of one platform of a
// multi-platform write to path: "-<arch>" is inserted before the extension
// (".tar", ".tar.gz", ...), with the variant appended for variants other than
// arm64's v8: out.tar -> out-amd64.tar, out-arm64.tar, out-armv7.tar.
func ArchivePath(path string, p v1.Platform) string {
	suffix := p.Architecture
	if p.Variant != "" && !(p.Architecture == "arm64" && p.Variant == "v8") {
		suffix += p.Variant
	}
	dir, base := filepath.Split(path)
	ext := filepath.Ext(base)
	stem := strings.TrimSuffix(base, ext)
	if inner := filepath.Ext(stem); inner == ".tar" {
		stem, ext = strings.TrimSuffix(stem, inner), inner+ext
	}
	return dir + stem + "-" + suffix + ext
}

// archiveFiller writes img as a `docker load` tarball.
func archiveFiller(ctx context.Context, ref string, img v1.Image) func(io.Writer) error {
	return func(w io.Writer) error {
		r, err := archiveRef(ref, img)
		if err != nil {
			return err
		}
		return tarball.Write(r, img, ctxWriter{ctx: ctx, w: w})
	}
}

// archiveRef returns the tag to write, or for an untagged image a digest
// reference, which tarball writes with no RepoTags.
func archiveRef(ref string, img v1.Image) (name.Reference, error) {
	if ref != "" {
		return name.NewTag(ref)
	}
	d, err := img.Digest()
	if err != nil {
		return nil, fmt.Errorf("hashing image: %w", err)
	}
	return name.NewDigest("untagged@" + d.String())
}
