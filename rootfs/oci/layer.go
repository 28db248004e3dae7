package oci

import (
	"crypto/sha256"
	"fmt"
	"hash"
	"io"
	"os"
	"runtime"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/types"
	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/pgzip"
)

// Opener opens the uncompressed layer tar. It may be called more than once,
// e.g. a func returning a fresh reader of a file.
type Opener func() (io.ReadCloser, error)

// GzipLevel is the fixed gzip level of every layer. Changing it changes every
// image digest plinth produces.
const GzipLevel = 6

// gzipBlockSize is the unit of parallel layer compression. Changing it
// changes every layer digest.
const gzipBlockSize = 1 << 20

// gzipLayer is a layer compressed once into an unlinked temporary file: its
// digests are known up front, and its bytes are read back with ReadAt, so any
// number of readers may read it at once. The disk space is released when the
// layer is garbage collected (the *os.File closes itself) or the process ends.
type gzipLayer struct {
	file           *os.File
	size           int64
	digest, diffID v1.Hash
}

var _ v1.Layer = (*gzipLayer)(nil)

// compressLayer streams the tar from open once through gzip into a temporary
// file, hashing the tar (diff ID) and the gzip stream (digest) on the way.
func compressLayer(open Opener) (_ *gzipLayer, err error) {
	tmp, err := os.CreateTemp("", "plinth-layer-*.tar.gz")
	if err != nil {
		return nil, fmt.Errorf("creating the layer's temporary file (set TMPDIR to a writable directory): %w", err)
	}
	// Unlink now: nothing is left behind however this process ends.
	if err := os.Remove(tmp.Name()); err != nil {
		tmp.Close()
		return nil, fmt.Errorf("unlinking the layer's temporary file %s: %w", tmp.Name(), err)
	}
	defer func() {
		if err != nil {
			tmp.Close()
		}
	}()

	diffID, digest := sha256.New(), sha256.New()
	size := &countWriter{}
	if err := gzipTo(io.MultiWriter(tmp, digest, size), diffID, open); err != nil {
		return nil, err
	}
	return &gzipLayer{
		file:   tmp,
		size:   size.n,
		digest: sum(digest),
		diffID: sum(diffID),
	}, nil
}

// gzipTo writes the gzip stream of the tar from open to w and the tar itself
// to tarHash.
func gzipTo(w io.Writer, tarHash io.Writer, open Opener) (err error) {
	rc, err := open()
	if err != nil {
		return fmt.Errorf("opening the layer tar: %w", err)
	}
	defer func() {
		if cerr := rc.Close(); cerr != nil && err == nil {
			err = fmt.Errorf("closing the layer tar: %w", cerr)
		}
	}()
	zw, err := pgzip.NewWriterLevel(w, GzipLevel)
	if err != nil {
		return fmt.Errorf("compressing the layer: %w", err)
	}
	// Blocks of a fixed size, each primed with the previous block's tail, are
	// compressed in parallel: the stream depends on the block size only, never
	// on how many run at once, so digests stay reproducible.
	if err := zw.SetConcurrency(gzipBlockSize, max(2, runtime.GOMAXPROCS(0))); err != nil {
		return fmt.Errorf("compressing the layer: %w", err)
	}
	// No name, and MTIME 0 ("none"): klauspost writes the zero Time's
	// seconds otherwise.
	zw.Name, zw.ModTime = "", time.Unix(0, 0)
	if _, err := io.Copy(zw, io.TeeReader(rc, tarHash)); err != nil {
		return fmt.Errorf("compressing the layer tar: %w", err)
	}
	if err := zw.Close(); err != nil {
		return fmt.Errorf("compressing the layer tar: %w", err)
	}
	return nil
}

// Digest returns the sha256 of the compressed layer.
func (l *gzipLayer) Digest() (v1.Hash, error) { return l.digest, nil }

// DiffID returns the sha256 of the uncompressed layer tar.
func (l *gzipLayer) DiffID() (v1.Hash, error) { return l.diffID, nil }

// Size returns the compressed size in bytes.
func (l *gzipLayer) Size() (int64, error) { return l.size, nil }

// MediaType returns the OCI gzip layer media type.
func (l *gzipLayer) MediaType() (types.MediaType, error) { return types.OCILayer, nil }

// Compressed returns a reader of the gzip stream.
func (l *gzipLayer) Compressed() (io.ReadCloser, error) {
	return io.NopCloser(io.NewSectionReader(l.file, 0, l.size)), nil
}

// Uncompressed returns a reader of the layer tar.
func (l *gzipLayer) Uncompressed() (io.ReadCloser, error) {
	zr, err := gzip.NewReader(io.NewSectionReader(l.file, 0, l.size))
	if err != nil {
		return nil, fmt.Errorf("decompressing the layer: %w", err)
	}
	return zr, nil
}

// countWriter counts the bytes written to it.
type countWriter struct{ n int64 }

func (c *countWriter) Write(p []byte) (int, error) {
	c.n += int64(len(p))
	return len(p), nil
}

// sum returns the v1.Hash of a sha256 hash.
func sum(h hash.Hash) v1.Hash {
	return v1.Hash{Algorithm: "sha256", Hex: fmt.Sprintf("%x", h.Sum(nil))}
}
