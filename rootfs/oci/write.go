package oci

import (
	"context"
	"fmt"
	"io"

	v1 "github.com/google/go-containerregistry/pkg/v1"
)

// Write writes one image to an oci:, docker-archive: or docker:// destination.
//
//   - oci:DIR[:TAG] writes an OCI image layout (oci-layout, index.json,
//     blobs/sha256) whose index.json entry for the image carries
//     org.opencontainers.image.ref.name=TAG (default DefaultTag), replacing
//     any entry of that tag. A new layout is built in a temporary directory
//     next to DIR and renamed into place; into an existing layout the blobs
//     are written first, each atomically, then index.json is replaced
//     atomically. Blobs only the replaced entry used are left in place.
//   - docker-archive:FILE[:REF] writes a `docker load` tarball to a temporary
//     file next to FILE and renames it; without REF the image is untagged.
//   - docker://REF pushes to a registry (plain http for a loopback host).
//
// dir: and tar: hold root filesystems, not images: Write returns an error.
// ctx cancels the write; a failed or cancelled write leaves no partial output.
func Write(ctx context.Context, dest Destination, img v1.Image, opts ...Option) error {
	if img == nil {
		return fmt.Errorf("writing %s: no image", dest)
	}
	switch dest.Kind {
	case KindOCI:
		return writeLayout(ctx, dest, layoutImage(img))
	case KindDockerArchive:
		return writeArchive(ctx, dest.Path, dest.Ref, img)
	case KindDocker:
		return push(ctx, dest, img, nil, makeOptions(opts))
	}
	return notImage(dest)
}

// WriteIndex writes a multi-platform image index like Write writes an image.
// A `docker load` tarball holds one platform, so docker-archive:FILE gets one
// file per platform: FILE with "-<arch>" (arm: "-<arch><variant>", e.g.
// "-armv7") inserted before the extension, out.tar -> out-amd64.tar and
// out-arm64.tar. All are written to temporary names first, then renamed.
func WriteIndex(ctx context.Context, dest Destination, idx v1.ImageIndex, opts ...Option) error {
	if idx == nil {
		return fmt.Errorf("writing %s: no image index", dest)
	}
	switch dest.Kind {
	case KindOCI:
		return writeLayout(ctx, dest, layoutIndex(idx))
	case KindDockerArchive:
		return writeArchives(ctx, dest.Path, dest.Ref, idx)
	case KindDocker:
		return push(ctx, dest, nil, idx, makeOptions(opts))
	}
	return notImage(dest)
}

func notImage(dest Destination) error {
	if dest.Kind == KindDir || dest.Kind == KindTar {
		return fmt.Errorf("writing %s: %s: holds a root filesystem, not an image; use oci:, docker-archive: or docker://", dest, dest.Kind)
	}
	return fmt.Errorf("writing %s: unknown destination kind %q (accepted forms: %s)", dest, dest.Kind, DestinationForms)
}

// ctxReader fails reads once ctx is done, so a cancelled copy stops.
type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}

// ctxWriter fails writes once ctx is done, so a cancelled copy stops.
type ctxWriter struct {
	ctx context.Context
	w   io.Writer
}

func (c ctxWriter) Write(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.w.Write(p)
}
