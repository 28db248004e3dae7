package oci

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/partial"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// RefNameAnnotation names an image in an OCI layout's index.json.
const RefNameAnnotation = "org.opencontainers.image.ref.name"

const layoutVersionFile = `{"imageLayoutVersion":"1.0.0"}`

// layoutEntry is what an index.json entry points at: its descriptor and a
// way to write its blobs.
type layoutEntry struct {
	describe func() (*v1.Descriptor, error)
	write    func(blobWriter) error
}

func layoutImage(img v1.Image) layoutEntry {
	return layoutEntry{
		describe: func() (*v1.Descriptor, error) {
			desc, err := partial.Descriptor(img)
			if err != nil {
				return nil, err
			}
			if desc.Platform, err = imagePlatform(img); err != nil {
				return nil, err
			}
			return desc, nil
		},
		write: func(w blobWriter) error { return w.image(img) },
	}
}

func layoutIndex(idx v1.ImageIndex) layoutEntry {
	return layoutEntry{
		describe: func() (*v1.Descriptor, error) { return partial.Descriptor(idx) },
		write:    func(w blobWriter) error { return w.index(idx) },
	}
}

// writeLayout writes e into the OCI layout dest.Path under dest.Ref.
func writeLayout(ctx context.Context, dest Destination, e layoutEntry) error {
	desc, err := e.describe()
	if err != nil {
		return fmt.Errorf("writing %s: describing the image: %w", dest, err)
	}
	tag := dest.Ref
	if tag == "" {
		tag = DefaultTag
	}
	desc.Annotations = map[string]string{RefNameAnnotation: tag}

	isLayout, err := layoutState(dest.Path)
	if err != nil {
		return fmt.Errorf("writing %s: %w", dest, err)
	}
	if isLayout {
		err = updateLayout(ctx, dest.Path, *desc, e)
	} else {
		err = createLayout(ctx, dest.Path, *desc, e)
	}
	if err != nil {
		return fmt.Errorf("writing %s: %w", dest, err)
	}
	return nil
}

// layoutState reports whether dir is an existing OCI layout (true), or
// missing or empty (false); anything else is an error.
func layoutState(dir string) (bool, error) {
	entries, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("reading output directory: %w", err)
	}
	if len(entries) == 0 {
		return false, nil
	}
	b, err := os.ReadFile(filepath.Join(dir, "oci-layout"))
	if err != nil {
		return false, fmt.Errorf("%s exists and is not an OCI layout (no oci-layout file); remove it or choose another directory", dir)
	}
	var l struct {
		Version string `json:"imageLayoutVersion"`
	}
	if err := json.Unmarshal(b, &l); err != nil || l.Version != "1.0.0" {
		return false, fmt.Errorf("%s: oci-layout is not image layout version 1.0.0; remove the directory or choose another", dir)
	}
	return true, nil
}

// createLayout builds a new layout in a temporary directory next to dir and
// renames it to dir (which is missing or an empty directory).
func createLayout(ctx context.Context, dir string, desc v1.Descriptor, e layoutEntry) (err error) {
	parent, base := filepath.Split(filepath.Clean(dir))
	if parent == "" {
		parent = "."
	}
	if err := os.MkdirAll(parent, 0o755); err != nil {
		return fmt.Errorf("creating parent directory: %w", err)
	}
	tmp, err := os.MkdirTemp(parent, "."+base+".tmp-*")
	if err != nil {
		return fmt.Errorf("creating temporary layout directory: %w", err)
	}
	defer func() {
		if err != nil {
			os.RemoveAll(tmp)
		}
	}()
	if err := os.Chmod(tmp, 0o755); err != nil {
		return err
	}
	if err := writeFileAtomic(filepath.Join(tmp, "oci-layout"), []byte(layoutVersionFile)); err != nil {
		return err
	}
	if err := e.write(blobWriter{ctx: ctx, root: tmp}); err != nil {
		return err
	}
	index := v1.IndexManifest{SchemaVersion: 2, MediaType: types.OCIImageIndex, Manifests: []v1.Descriptor{desc}}
	if err := writeIndexJSON(tmp, &index); err != nil {
		return err
	}
	// An empty directory gives way (os.Rename never replaces a directory);
	// os.Remove refuses if something appeared in it meanwhile.
	if err := os.Remove(dir); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("replacing empty directory: %w", err)
	}
	if err := os.Rename(tmp, dir); err != nil {
		return fmt.Errorf("moving the layout into place: %w", err)
	}
	return nil
}

// updateLayout adds the blobs of e to the layout in dir, then replaces its
// index.json with one whose entry for desc's tag is desc.
func updateLayout(ctx context.Context, dir string, desc v1.Descriptor, e layoutEntry) error {
	raw, err := os.ReadFile(filepath.Join(dir, "index.json"))
	if err != nil {
		return fmt.Errorf("reading the layout's index.json: %w", err)
	}
	index, err := v1.ParseIndexManifest(bytes.NewReader(raw))
	if err != nil {
		return fmt.Errorf("parsing the layout's index.json: %w", err)
	}
	if err := e.write(blobWriter{ctx: ctx, root: dir}); err != nil {
		return err
	}
	tag := desc.Annotations[RefNameAnnotation]
	kept := index.Manifests[:0]
	for _, m := range index.Manifests {
		if m.Annotations[RefNameAnnotation] != tag {
			kept = append(kept, m)
		}
	}
	index.Manifests = append(kept, desc)
	return writeIndexJSON(dir, index)
}

func writeIndexJSON(dir string, index *v1.IndexManifest) error {
	b, err := json.MarshalIndent(index, "", "  ")
	if err != nil {
		return fmt.Errorf("encoding index.json: %w", err)
	}
	return writeFileAtomic(filepath.Join(dir, "index.json"), append(b, '\n'))
}

// blobWriter writes content-addressed blobs under root/blobs/sha256, each
// verified against its digest and size and renamed into place.
type blobWriter struct {
	ctx  context.Context
	root string
}

// image writes an image's layers, config and manifest.
func (w blobWriter) image(img v1.Image) error {
	layers, err := img.Layers()
	if err != nil {
		return fmt.Errorf("listing layers: %w", err)
	}
	for _, l := range layers {
		d, err := l.Digest()
		if err != nil {
			return fmt.Errorf("hashing layer: %w", err)
		}
		size, err := l.Size()
		if err != nil {
			return fmt.Errorf("sizing layer %s: %w", d, err)
		}
		if err := w.blob(d, size, l.Compressed); err != nil {
			return err
		}
	}
	rawConfig, err := img.RawConfigFile()
	if err != nil {
		return fmt.Errorf("reading image config: %w", err)
	}
	configName, err := img.ConfigName()
	if err != nil {
		return fmt.Errorf("hashing image config: %w", err)
	}
	if err := w.bytes(configName, rawConfig); err != nil {
		return err
	}
	return w.manifest(img)
}

// index writes an index's images (and nested indexes), then its manifest.
func (w blobWriter) index(idx v1.ImageIndex) error {
	im, err := idx.IndexManifest()
	if err != nil {
		return fmt.Errorf("reading image index: %w", err)
	}
	for _, desc := range im.Manifests {
		if err := w.child(idx, desc); err != nil {
			return err
		}
	}
	return w.manifest(idx)
}

// child writes the image or index that desc in idx points at.
func (w blobWriter) child(idx v1.ImageIndex, desc v1.Descriptor) error {
	switch {
	case desc.MediaType.IsIndex():
		child, err := idx.ImageIndex(desc.Digest)
		if err != nil {
			return fmt.Errorf("reading nested index %s: %w", desc.Digest, err)
		}
		return w.index(child)
	case desc.MediaType.IsImage():
		img, err := idx.Image(desc.Digest)
		if err != nil {
			return fmt.Errorf("reading image %s: %w", desc.Digest, err)
		}
		return w.image(img)
	}
	return fmt.Errorf("index entry %s has media type %q, which plinth does not write", desc.Digest, desc.MediaType)
}

// manifest writes the raw manifest of an image or index.
func (w blobWriter) manifest(m interface {
	Digest() (v1.Hash, error)
	RawManifest() ([]byte, error)
}) error {
	raw, err := m.RawManifest()
	if err != nil {
		return fmt.Errorf("reading manifest: %w", err)
	}
	d, err := m.Digest()
	if err != nil {
		return fmt.Errorf("hashing manifest: %w", err)
	}
	return w.bytes(d, raw)
}

func (w blobWriter) bytes(d v1.Hash, b []byte) error {
	return w.blob(d, int64(len(b)), func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(b)), nil })
}

// blob writes the blob d of the given size unless a file of that size is
// already there.
func (w blobWriter) blob(d v1.Hash, size int64, open func() (io.ReadCloser, error)) error {
	if d.Algorithm != "sha256" {
		return fmt.Errorf("blob %s: only sha256 digests are supported", d)
	}
	dir := filepath.Join(w.root, "blobs", "sha256")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("creating %s: %w", dir, err)
	}
	path := filepath.Join(dir, d.Hex)
	if fi, err := os.Stat(path); err == nil && fi.Mode().IsRegular() && fi.Size() == size {
		return nil
	}
	rc, err := open()
	if err != nil {
		return fmt.Errorf("reading blob %s: %w", d, err)
	}
	defer rc.Close()
	return writeAtomic(path, func(f io.Writer) error {
		h := sha256.New()
		n, err := io.Copy(io.MultiWriter(f, h), ctxReader{ctx: w.ctx, r: rc})
		if err != nil {
			return fmt.Errorf("copying: %w", err)
		}
		if got := sum(h); n != size || got != d {
			return fmt.Errorf("blob %s: got %d bytes with digest %s, want %d bytes", d, n, got, size)
		}
		return nil
	})
}
