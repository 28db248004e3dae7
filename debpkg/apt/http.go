package apt

import (
	"context"
	"errors"
	"fmt"
	"hash"
	"io"
	"net/http"
	neturl "net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"time"
)

// transientError marks a failure worth retrying; after is the server's
// Retry-After (0 when none).
type transientError struct {
	err   error
	after time.Duration
}

func (e *transientError) Error() string { return e.err.Error() }
func (e *transientError) Unwrap() error { return e.err }

// retry runs attempt until it succeeds, fails for good, the retries are
// spent or ctx is done. It returns the last error without its transient mark.
func (c *Client) retry(ctx context.Context, url string, attempt func(ctx context.Context) error) error {
	for n := 0; ; n++ {
		err := attempt(ctx)
		if err == nil {
			return nil
		}
		if ctx.Err() != nil {
			return fmt.Errorf("fetching %s: %w", url, ctx.Err())
		}
		var te *transientError
		if !errors.As(err, &te) {
			return err
		}
		if n >= c.opts.Retries {
			return te.err
		}
		delay := c.retryDelay(n, te.after)
		c.logf("retrying %s in %v: %v", url, delay, te.err)
		if err := sleep(ctx, delay); err != nil {
			return fmt.Errorf("fetching %s: %w", url, err)
		}
	}
}

// retryDelay is the wait before retry n+1 (n counts from 0): Backoff
// doubled n times, or the server's Retry-After when it gave one, capped at
// MaxRetryDelay either way.
func (c *Client) retryDelay(n int, retryAfter time.Duration) time.Duration {
	if retryAfter > 0 {
		return min(retryAfter, c.opts.MaxRetryDelay)
	}
	d := c.opts.Backoff
	for ; n > 0 && d < c.opts.MaxRetryDelay; n-- {
		d *= 2
	}
	return min(d, c.opts.MaxRetryDelay)
}

// sleep waits for d, or returns ctx's error when ctx is done first.
func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// stallReader cancels its request when Read makes no progress for d.
type stallReader struct {
	r       io.Reader
	d       time.Duration
	timer   *time.Timer
	stalled atomic.Bool
}

func newStallReader(r io.Reader, d time.Duration, cancel context.CancelFunc) *stallReader {
	s := &stallReader{r: r, d: d}
	s.timer = time.AfterFunc(d, func() {
		s.stalled.Store(true)
		cancel()
	})
	return s
}

func (s *stallReader) Read(p []byte) (int, error) {
	n, err := s.r.Read(p)
	if n > 0 {
		s.timer.Reset(s.d)
	}
	return n, err
}

func (s *stallReader) stop() { s.timer.Stop() }

// get sends one GET (with a Range from offset when offset > 0) and returns
// the response when its status is 200 or 206, classifying every failure.
// The caller closes the body.
func (c *Client) get(ctx context.Context, url string, offset int64) (*http.Response, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, fmt.Errorf("fetching %s: %w", url, err)
	}
	// The bytes as stored are what the Release hashes: no transparent
	// decompression of a .gz served with "Content-Encoding: gzip".
	req.Header.Set("Accept-Encoding", "identity")
	if offset > 0 {
		req.Header.Set("Range", fmt.Sprintf("bytes=%d-", offset))
	}
	resp, err := c.http.Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return nil, err
		}
		// *url.Error repeats the URL as `Get "URL": `; keep what it wraps.
		var ue *neturl.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return nil, &transientError{err: &NetworkError{URL: url, Err: err}}
	}
	switch {
	case resp.StatusCode == http.StatusOK || resp.StatusCode == http.StatusPartialContent:
		return resp, nil
	}
	io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	resp.Body.Close()
	switch code := resp.StatusCode; {
	case code == http.StatusNotFound || code == http.StatusGone:
		return nil, &NotFoundError{URL: url}
	case code == http.StatusTooManyRequests || code >= 500 || code == http.StatusRequestedRangeNotSatisfiable:
		return nil, &transientError{err: &HTTPError{URL: url, Status: code}, after: retryAfter(resp.Header.Get("Retry-After"), time.Now())}
	default:
		return nil, &HTTPError{URL: url, Status: code}
	}
}

// maxRetryAfter bounds what retryAfter returns, so that a huge value
// cannot overflow; the client's MaxRetryDelay caps the actual wait.
const maxRetryAfter = 24 * time.Hour

// retryAfter reads a Retry-After value: seconds or an HTTP date.
func retryAfter(v string, now time.Time) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	if s, err := strconv.ParseInt(v, 10, 64); err == nil {
		if s <= 0 {
			return 0
		}
		return min(time.Duration(min(s, int64(maxRetryAfter/time.Second)))*time.Second, maxRetryAfter)
	}
	if t, err := http.ParseTime(v); err == nil && t.After(now) {
		return min(t.Sub(now), maxRetryAfter)
	}
	return 0
}

// getBytes fetches a small file (InRelease, Release, Release.gpg) whole.
func (c *Client) getBytes(ctx context.Context, url string) ([]byte, error) {
	var data []byte
	err := c.retry(ctx, url, func(ctx context.Context) error {
		ctx, cancel := context.WithCancel(ctx)
		defer cancel()
		resp, err := c.get(ctx, url, 0)
		if err != nil {
			return err
		}
		defer resp.Body.Close()
		sr := newStallReader(resp.Body, c.opts.StallTimeout, cancel)
		defer sr.stop()
		data, err = io.ReadAll(io.LimitReader(sr, maxReleaseSize+1))
		if err != nil {
			return bodyError(ctx, url, sr, err)
		}
		if len(data) > maxReleaseSize {
			return fmt.Errorf("fetching %s: larger than %d bytes, not a Release file", url, maxReleaseSize)
		}
		return nil
	})
	return data, err
}

// bodyError classifies a failure reading a response body: a stall or a
// broken connection is transient, the caller's cancellation is not.
func bodyError(ctx context.Context, url string, sr *stallReader, err error) error {
	sr.stop()
	if sr.stalled.Load() {
		return &transientError{err: fmt.Errorf("fetching %s: no data for %v", url, sr.d)}
	}
	if ctx.Err() != nil {
		return fmt.Errorf("fetching %s: %w", url, err)
	}
	return &transientError{err: fmt.Errorf("fetching %s: %w", url, err)}
}

// download writes the file f, fetched from url, to dst, checking its size
// and SHA256 (reading stops at the declared size). A broken transfer is
// resumed with a Range request when the server answers 206, restarted when
// it answers 200.
func (c *Client) download(ctx context.Context, url string, f FileInfo, dst *os.File, h hash.Hash) error {
	var written int64
	pw := c.newProgressWriter(url, f)
	sink := io.MultiWriter(dst, h)
	if pw != nil {
		sink = io.MultiWriter(dst, h, pw)
	}
	restart := func() error {
		written = 0
		h.Reset()
		pw.start()
		if err := dst.Truncate(0); err != nil {
			return err
		}
		_, err := dst.Seek(0, io.SeekStart)
		return err
	}
	if err := restart(); err != nil {
		return cacheWriteError(url, filepath.Dir(dst.Name()), err)
	}
	from := url // where the bytes come from, after redirects
	sizeErr := func(got int64) error {
		return &HashError{URL: from, Path: f.Path, Want: f.SHA256, WantSize: f.Size, GotSize: got}
	}
	err := c.retry(ctx, url, func(ctx context.Context) error {
		ctx, cancel := context.WithCancel(ctx)
		defer cancel()
		resp, err := c.get(ctx, url, written)
		if err != nil {
			return err
		}
		defer resp.Body.Close()
		if resp.Request != nil && resp.Request.URL != nil {
			from = resp.Request.URL.String()
		}
		if resp.StatusCode != http.StatusPartialContent || !rangeStartsAt(resp.Header.Get("Content-Range"), written) {
			if written > 0 {
				c.logf("restarting %s from the start (no resumable range)", url)
			}
			if err := restart(); err != nil {
				return cacheWriteError(url, filepath.Dir(dst.Name()), err)
			}
			if resp.StatusCode == http.StatusPartialContent {
				return &transientError{err: fmt.Errorf("fetching %s: unexpected Content-Range %q", url, resp.Header.Get("Content-Range"))}
			}
		}
		if resp.ContentLength >= 0 && written+resp.ContentLength != f.Size {
			return sizeErr(written + resp.ContentLength)
		}
		sr := newStallReader(resp.Body, c.opts.StallTimeout, cancel)
		defer sr.stop()
		n, err := io.Copy(sink, io.LimitReader(sr, f.Size-written+1))
		written += n
		pw.flush()
		if err != nil {
			var pe *os.PathError
			if errors.As(err, &pe) {
				return cacheWriteError(url, filepath.Dir(dst.Name()), err)
			}
			return bodyError(ctx, url, sr, err)
		}
		if written != f.Size {
			return sizeErr(written)
		}
		return nil
	})
	if err != nil {
		return err
	}
	if got := fmt.Sprintf("%x", h.Sum(nil)); got != f.SHA256 {
		return &HashError{URL: from, Path: f.Path, Want: f.SHA256, Got: got, WantSize: f.Size, GotSize: written}
	}
	return nil
}

// rangeStartsAt reports whether a Content-Range header ("bytes 100-199/200")
// starts at offset.
func rangeStartsAt(cr string, offset int64) bool {
	rest, ok := strings.CutPrefix(strings.TrimSpace(cr), "bytes ")
	if !ok {
		return false
	}
	start, _, ok := strings.Cut(rest, "-")
	n, err := strconv.ParseInt(start, 10, 64)
	return ok && err == nil && n == offset
}
