package apt

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
)

// cacheDir returns the directory holding content-addressed files:
// CacheDir/sha256, or a temporary directory when CacheDir is "".
func (c *Client) cacheDir() (string, error) {
	if c.opts.CacheDir != "" {
		dir := filepath.Join(c.opts.CacheDir, "sha256")
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return "", fmt.Errorf("creating cache directory: %w", err)
		}
		return dir, nil
	}
	c.tmpMu.Lock()
	defer c.tmpMu.Unlock()
	if c.tmpDir == "" {
		dir, err := os.MkdirTemp("", "plinth-apt-")
		if err != nil {
			return "", fmt.Errorf("creating a temporary download directory: %w", err)
		}
		c.tmpDir = dir
	}
	return c.tmpDir, nil
}

// fetchToCache returns the cache path of f, downloading it from the first
// of urls that exists when it is not cached (or its cached copy no longer
// verifies, in which case the copy is removed first).
func (c *Client) fetchToCache(ctx context.Context, urls []string, f FileInfo) (string, error) {
	if !isSHA256(f.SHA256) || f.Size < 0 {
		return "", fmt.Errorf("fetching %s: SHA256 %q, size %d: %w", f.Path, trunc(f.SHA256), f.Size, ErrBadDigest)
	}
	dir, err := c.cacheDir()
	if err != nil {
		return "", err
	}
	path := filepath.Join(dir, f.SHA256)
	switch err := verifyFile(path, f); {
	case err == nil:
		return path, nil
	case !errors.Is(err, os.ErrNotExist):
		c.logf("cached %s does not verify (%v): removing and fetching again", path, err)
		if err := os.Remove(path); err != nil && !errors.Is(err, os.ErrNotExist) {
			return "", fmt.Errorf("removing bad cache entry: %w", err)
		}
	}
	var last error
	for _, u := range urls {
		last = c.downloadAtomic(ctx, u, f, dir, path)
		var nf *NotFoundError
		if !errors.As(last, &nf) {
			break
		}
	}
	if last != nil {
		return "", last
	}
	return path, nil
}

// downloadAtomic downloads f from url into a temporary file in dir, syncs
// it and, verified, renames it to path.
func (c *Client) downloadAtomic(ctx context.Context, url string, f FileInfo, dir, path string) (err error) {
	tmp, err := os.CreateTemp(dir, "."+f.SHA256[:16]+"-*.tmp")
	if err != nil {
		return fmt.Errorf("downloading %s: %w", url, err)
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	if err := c.download(ctx, url, f, tmp, sha256.New()); err != nil {
		return err
	}
	if err := tmp.Chmod(0o644); err != nil {
		return fmt.Errorf("downloading %s: %w", url, err)
	}
	if err := tmp.Sync(); err != nil {
		return fmt.Errorf("downloading %s: %w", url, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("downloading %s: %w", url, err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("storing %s in the cache: %w", url, err)
	}
	c.logf("fetched %s (%d bytes)", url, f.Size)
	return nil
}

// verifyFile checks that the file at path has f's size and SHA256.
func verifyFile(path string, f FileInfo) error {
	fh, err := os.Open(path)
	if err != nil {
		return err
	}
	defer fh.Close()
	st, err := fh.Stat()
	if err != nil {
		return err
	}
	if st.Size() != f.Size {
		return &HashError{URL: path, Path: f.Path, Want: f.SHA256, WantSize: f.Size, GotSize: st.Size()}
	}
	h := sha256.New()
	if _, err := io.Copy(h, fh); err != nil {
		return err
	}
	if got := fmt.Sprintf("%x", h.Sum(nil)); got != f.SHA256 {
		return &HashError{URL: path, Path: f.Path, Want: f.SHA256, Got: got, WantSize: f.Size, GotSize: f.Size}
	}
	return nil
}
