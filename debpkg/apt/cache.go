package apt

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"syscall"
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

// mismatchRetries is how many times a download whose size or SHA256 is not
// the declared one is fetched again (after a backoff) before the mismatch
// is final: a mirror in the middle of a sync serves a new Release before
// the files it lists, and a proxy may hand out a stale copy once.
const mismatchRetries = 1

// fetchToCache returns the cache path of f, downloading it from the first
// of urls that exists when it is not cached (or its cached copy no longer
// verifies, in which case the copy is removed first). A download that does
// not match f is tried again once (all of urls) after a backoff.
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
		c.progress(DownloadEvent{URL: urls[0], Path: f.Path, Size: f.Size, Done: f.Size, Cached: true, Finished: true})
		return path, nil
	case !errors.Is(err, os.ErrNotExist):
		c.logf("cached %s does not verify (%v): removing and fetching again", path, err)
		if err := os.Remove(path); err != nil && !errors.Is(err, os.ErrNotExist) {
			return "", fmt.Errorf("removing bad cache entry %s: %w; remove it by hand", path, err)
		}
	}
	for n := 0; ; n++ {
		err := c.downloadFirst(ctx, urls, f, dir, path)
		var he *HashError
		if err == nil {
			return path, nil
		}
		if !errors.As(err, &he) {
			return "", err
		}
		he.Attempts = n + 1
		if n >= mismatchRetries {
			return "", err
		}
		delay := c.retryDelay(n, 0)
		c.logf("%v: the mirror may be mid-sync, fetching again in %v", err, delay)
		if err := sleep(ctx, delay); err != nil {
			return "", fmt.Errorf("fetching %s: %w", f.Path, err)
		}
	}
}

// downloadFirst downloads f into the cache from the first of urls that is
// not 404.
func (c *Client) downloadFirst(ctx context.Context, urls []string, f FileInfo, dir, path string) error {
	var err error
	for _, u := range urls {
		err = c.downloadAtomic(ctx, u, f, dir, path)
		var nf *NotFoundError
		if !errors.As(err, &nf) {
			return err
		}
	}
	return err
}

// downloadAtomic downloads f from url into a temporary file in dir, syncs
// it and, verified, renames it to path. On any failure the temporary file
// is removed: the cache never holds a partial or unverified entry.
func (c *Client) downloadAtomic(ctx context.Context, url string, f FileInfo, dir, path string) (err error) {
	tmp, err := os.CreateTemp(dir, "."+f.SHA256[:16]+"-*.tmp")
	if err != nil {
		return cacheWriteError(url, dir, err)
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
		return cacheWriteError(url, dir, err)
	}
	if err := tmp.Sync(); err != nil {
		return cacheWriteError(url, dir, err)
	}
	if err := tmp.Close(); err != nil {
		return cacheWriteError(url, dir, err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return cacheWriteError(url, dir, err)
	}
	c.progress(DownloadEvent{URL: url, Path: f.Path, Size: f.Size, Done: f.Size, Finished: true})
	return nil
}

// cacheWriteError reports a failure to store url's download in dir, with
// what to do about a full disk.
func cacheWriteError(url, dir string, err error) error {
	hint := ""
	if errors.Is(err, syscall.ENOSPC) {
		hint = "; free some space there or use another cache directory"
	}
	return fmt.Errorf("storing %s in the cache directory %s: %w%s", url, dir, err, hint)
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
