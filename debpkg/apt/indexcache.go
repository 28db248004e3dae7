package apt

import (
	"bufio"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"os"
	"path/filepath"

	"github.com/plinth-build/plinth/debpkg"
)

// Decompressing Packages.xz is most of the cost of loading an index, so the
// client also keeps the uncompressed index in the cache, content-addressed
// by the SHA256 the Release lists for the plain "Packages" file: a warm
// load verifies that hash and parses, with no decompression.

// plainIndexInfo is the Release entry of the uncompressed index of dir
// ("main/binary-amd64"), if the Release lists one.
func plainIndexInfo(rel *Release, dir string) (FileInfo, bool) {
	fi, ok := rel.Files[dir+"/Packages"]
	return fi, ok && isSHA256(fi.SHA256)
}

// cachedPlainIndex returns the packages of a cached, verified plain index.
func (c *Client) cachedPlainIndex(plain FileInfo) ([]*debpkg.Package, bool) {
	if c.opts.CacheDir == "" {
		return nil, false
	}
	dir, err := c.cacheDir()
	if err != nil {
		return nil, false
	}
	path := filepath.Join(dir, plain.SHA256)
	if err := verifyFile(path, plain); err != nil {
		return nil, false
	}
	pkgs, err := parseIndexFile(path, "Packages")
	if err != nil {
		return nil, false
	}
	return pkgs, true
}

// parseKeepingPlain parses the compressed index at p and, when the
// decompressed bytes match the Release's plain entry, keeps them in the
// cache. A mismatch only means no plain copy: the compressed file was
// verified already.
func (c *Client) parseKeepingPlain(p, name string, plain FileInfo) ([]*debpkg.Package, error) {
	dir, err := c.cacheDir()
	if err != nil || c.opts.CacheDir == "" {
		return parseIndexFile(p, name)
	}
	tmp, err := os.CreateTemp(dir, "."+plain.SHA256[:16]+"-*.tmp")
	if err != nil {
		return parseIndexFile(p, name)
	}
	defer os.Remove(tmp.Name()) // a no-op once renamed
	f, err := os.Open(p)
	if err != nil {
		tmp.Close()
		return nil, err
	}
	defer f.Close()
	r, err := decompress(bufio.NewReaderSize(f, 1<<16), name)
	if err != nil {
		tmp.Close()
		return nil, err
	}
	h := sha256.New()
	w := bufio.NewWriterSize(io.MultiWriter(tmp, h), 1<<20)
	counted := &countingReader{r: io.TeeReader(r, w)}
	pkgs, err := ParsePackages(counted)
	if err != nil {
		tmp.Close()
		return nil, err
	}
	// Drain what the parser left (trailing blank lines) into the copy.
	if _, err := io.Copy(io.Discard, counted); err != nil {
		tmp.Close()
		return nil, err
	}
	ok := w.Flush() == nil && counted.n == plain.Size && hex.EncodeToString(h.Sum(nil)) == plain.SHA256
	if cerr := tmp.Close(); ok && cerr == nil {
		os.Chmod(tmp.Name(), 0o644)
		os.Rename(tmp.Name(), filepath.Join(dir, plain.SHA256))
	}
	return pkgs, nil
}

type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}
