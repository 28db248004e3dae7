package apt

import (
	"bytes"
	"context"
	"crypto"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// pipeNet serves an http.Handler over in-memory, unbuffered connections
// (net.Pipe): a handler's Write blocks until the client reads the bytes,
// so what a handler managed to write is what the client read, give or
// take the few KiB the two HTTP stacks buffer. It is a net.Listener.
type pipeNet struct {
	conns chan net.Conn
	done  chan struct{}
	once  sync.Once
}

// newPipeClient serves h over a pipeNet and returns a client for it; any
// host name in a URL reaches h.
func newPipeClient(t testing.TB, h http.Handler) *http.Client {
	pn := &pipeNet{conns: make(chan net.Conn), done: make(chan struct{})}
	srv := &http.Server{Handler: h}
	go srv.Serve(pn)
	tr := &http.Transport{DialContext: pn.dial}
	t.Cleanup(func() {
		tr.CloseIdleConnections()
		srv.Close()
	})
	return &http.Client{Transport: tr}
}

func (p *pipeNet) dial(ctx context.Context, _, _ string) (net.Conn, error) {
	client, server := net.Pipe()
	select {
	case p.conns <- server:
		return client, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	case <-p.done:
		return nil, net.ErrClosed
	}
}

func (p *pipeNet) Accept() (net.Conn, error) {
	select {
	case c := <-p.conns:
		return c, nil
	case <-p.done:
		return nil, net.ErrClosed
	}
}

func (p *pipeNet) Close() error {
	p.once.Do(func() { close(p.done) })
	return nil
}

func (p *pipeNet) Addr() net.Addr { return pipeAddr{} }

type pipeAddr struct{}

func (pipeAddr) Network() string { return "pipe" }
func (pipeAddr) String() string  { return "pipe" }

// junkHandler serves data followed by up to junk bytes of junk, and counts
// what each response managed to write.
type junkHandler struct {
	data          []byte
	junk          int
	contentLength bool // announce the whole length (else: chunked, no length)

	running sync.WaitGroup // responses being written
	mu      sync.Mutex
	written []int64 // per request
}

func (h *junkHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	// Before the response starts, so the client cannot be done first.
	h.running.Add(1)
	defer h.running.Done()
	if h.contentLength {
		w.Header().Set("Content-Length", strconv.Itoa(len(h.data)+h.junk))
	}
	var n int64
	defer func() {
		h.mu.Lock()
		h.written = append(h.written, n)
		h.mu.Unlock()
	}()
	m, err := w.Write(h.data)
	n += int64(m)
	chunk := bytes.Repeat([]byte("junk\n"), 1024/5+1)[:1024]
	for sent := 0; err == nil && sent < h.junk; sent += len(chunk) {
		m, err = w.Write(chunk)
		n += int64(m)
	}
}

// counts waits for the responses under way and returns what each wrote.
func (h *junkHandler) counts() []int64 {
	h.running.Wait()
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]int64(nil), h.written...)
}

// TestHardeningIndexBiggerThanDeclared serves an index whose declared bytes
// are followed by 64 MiB of junk: the client must stop reading at the
// declared size, whatever the server announces.
func TestHardeningIndexBiggerThanDeclared(t *testing.T) {
	const junk = 64 << 20
	const slack = 64 << 10 // both HTTP stacks' buffers, a chunk in flight
	index := bytes.Repeat([]byte("Package: x\nVersion: 1\nArchitecture: all\n\n"), 100)
	for _, tc := range []struct {
		name          string
		contentLength bool
	}{
		{"chunked without a length", false},
		{"Content-Length announcing the junk", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := &junkHandler{data: index, junk: junk, contentLength: tc.contentLength}
			c := testClient(t, nil, func(o *Options) { o.HTTPClient = newPipeClient(t, h) })
			fi := FileInfo{Path: "dists/stable/main/binary-amd64/Packages", Size: int64(len(index)), SHA256: sha256hex(index)}
			_, err := c.fetchToCache(context.Background(), []string{"http://archive.invalid/" + fi.Path}, fi)
			var he *HashError
			if !errors.Is(err, ErrSizeMismatch) || !errors.As(err, &he) {
				t.Fatalf("got %v, want a HashError for ErrSizeMismatch", err)
			}
			counts := h.counts()
			if len(counts) != 1+mismatchRetries {
				t.Errorf("%d requests, want %d (one retry of a mismatch)", len(counts), 1+mismatchRetries)
			}
			for i, n := range counts {
				if n > fi.Size+slack {
					t.Errorf("request %d: the server wrote %d bytes, want at most the %d declared + %d", i+1, n, fi.Size, slack)
				}
			}
			t.Logf("declared %d bytes, offered %d more; the server got to write %v", fi.Size, junk, counts)
			checkNoEntries(t, c)
		})
	}
}

// checkNoEntries fails unless the client's cache directory is empty (no
// entry, no temporary file).
func checkNoEntries(t *testing.T, c *Client) {
	t.Helper()
	entries, err := os.ReadDir(filepath.Join(c.opts.CacheDir, "sha256"))
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		t.Fatal(err)
	}
	for _, e := range entries {
		t.Errorf("cache holds %s after a failed download", e.Name())
	}
}

// TestHardeningPoolFileMismatch covers a .deb whose bytes are not the
// declared ones: in the cache, from the server, or both.
func TestHardeningPoolFileMismatch(t *testing.T) {
	data, fi := poolFile(20000)
	bad := bytes.Clone(data)
	bad[len(bad)/2] ^= 0x10
	urlPath := "/" + fi.Path
	t.Run("purged, refetched once, then a clear error", func(t *testing.T) {
		srv := newTestServer(t, map[string][]byte{urlPath: bad})
		c := testClient(t, nil, nil)
		entry := filepath.Join(c.opts.CacheDir, "sha256", fi.SHA256)
		if err := os.MkdirAll(filepath.Dir(entry), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(entry, bad, 0o644); err != nil {
			t.Fatal(err)
		}
		_, err := c.Fetch(context.Background(), srv.URL, fi)
		var he *HashError
		if !errors.Is(err, ErrHashMismatch) || !errors.As(err, &he) || he.Attempts != 2 {
			t.Fatalf("got %v, want a HashError for ErrHashMismatch after 2 downloads", err)
		}
		if !strings.Contains(err.Error(), fi.Path) || !strings.Contains(err.Error(), "the same on 2 downloads") {
			t.Errorf("error %q does not name the file and the retry", err)
		}
		if diff := cmp.Diff([]string{urlPath, urlPath}, srv.requests()); diff != "" {
			t.Errorf("requests (-want +got):\n%s", diff)
		}
		checkNoEntries(t, c)
	})
	t.Run("wrong once, then right", func(t *testing.T) {
		srv := newTestServer(t, map[string][]byte{urlPath: data})
		srv.hook = func(w http.ResponseWriter, r *http.Request, n int) bool {
			if n == 1 {
				w.Write(bad)
				return true
			}
			return false
		}
		c := testClient(t, nil, nil)
		p, err := c.Fetch(context.Background(), srv.URL, fi)
		if err != nil {
			t.Fatalf("a mismatch followed by the right bytes should succeed: %v", err)
		}
		if got, _ := os.ReadFile(p); !bytes.Equal(got, data) {
			t.Error("cached file is not the right bytes")
		}
	})
	t.Run("bit flipped in the cached file is refetched", func(t *testing.T) {
		srv := newTestServer(t, map[string][]byte{urlPath: data})
		c := testClient(t, nil, nil)
		p, err := c.Fetch(context.Background(), srv.URL, fi)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, bad, 0o644); err != nil { // same size, one bit off
			t.Fatal(err)
		}
		p2, err := c.Fetch(context.Background(), srv.URL, fi)
		if err != nil || p2 != p {
			t.Fatalf("second Fetch: %s, %v", p2, err)
		}
		if got, _ := os.ReadFile(p); !bytes.Equal(got, data) {
			t.Error("the flipped cache entry was not replaced")
		}
		if n := len(srv.requests()); n != 2 {
			t.Errorf("%d requests, want 2 (the flip detected and refetched)", n)
		}
		entries, _ := os.ReadDir(filepath.Dir(p))
		if len(entries) != 1 {
			t.Errorf("cache holds %d entries, want 1", len(entries))
		}
	})
}

// TestHardeningRetryAfterCap checks that a server's Retry-After is obeyed
// only up to MaxRetryDelay.
func TestHardeningRetryAfterCap(t *testing.T) {
	data, fi := poolFile(1000)
	const limit = 100 * time.Millisecond
	for _, tc := range []struct{ name, retryAfter string }{
		{"Retry-After 3600", "3600"},
		{"Retry-After a day ahead as a date", time.Now().Add(24 * time.Hour).UTC().Format(http.TimeFormat)},
		{"Retry-After overflowing", "99999999999999999"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := newTestServer(t, map[string][]byte{"/" + fi.Path: data})
			srv.hook = failFirst(1, http.StatusTooManyRequests, tc.retryAfter)
			c := testClient(t, nil, func(o *Options) { o.MaxRetryDelay = limit })
			start := time.Now()
			if _, err := c.Fetch(context.Background(), srv.URL, fi); err != nil {
				t.Fatal(err)
			}
			if d := time.Since(start); d < limit || d > limit+5*time.Second {
				t.Errorf("took %v, want about the %v cap", d, limit)
			}
		})
	}
}

// TestHardeningCancel cancels the context at points of a download: the
// call must return promptly, with the context's error, leaving nothing in
// the cache.
func TestHardeningCancel(t *testing.T) {
	data, fi := poolFile(100000)
	for _, tc := range []struct {
		name string
		// hook answers requests; cancel cancels the Fetch.
		hook func(cancel context.CancelFunc) func(http.ResponseWriter, *http.Request, int) bool
		opts func(*Options)
	}{
		{"mid-body", func(cancel context.CancelFunc) func(http.ResponseWriter, *http.Request, int) bool {
			return func(w http.ResponseWriter, r *http.Request, _ int) bool {
				w.Header().Set("Content-Length", strconv.Itoa(len(data)))
				w.Write(data[:len(data)/2])
				w.(http.Flusher).Flush()
				time.Sleep(20 * time.Millisecond) // let the client write what it got
				cancel()
				<-r.Context().Done()
				return true
			}
		}, nil},
		{"during a Retry-After wait", func(cancel context.CancelFunc) func(http.ResponseWriter, *http.Request, int) bool {
			return func(w http.ResponseWriter, r *http.Request, _ int) bool {
				time.AfterFunc(50*time.Millisecond, cancel)
				w.Header().Set("Retry-After", "3600")
				w.WriteHeader(http.StatusServiceUnavailable)
				return true
			}
		}, nil},
		{"during the backoff after a mismatch", func(cancel context.CancelFunc) func(http.ResponseWriter, *http.Request, int) bool {
			return func(w http.ResponseWriter, r *http.Request, _ int) bool {
				time.AfterFunc(50*time.Millisecond, cancel)
				w.Write(bytes.Repeat([]byte{'x'}, len(data)))
				return true
			}
		}, func(o *Options) { o.Backoff = time.Hour }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			srv := newTestServer(t, map[string][]byte{"/" + fi.Path: data})
			srv.hook = tc.hook(cancel)
			c := testClient(t, nil, tc.opts)
			start := time.Now()
			_, err := c.Fetch(ctx, srv.URL, fi)
			if !errors.Is(err, context.Canceled) {
				t.Errorf("got %v, want context.Canceled", err)
			}
			if d := time.Since(start); d > 3*time.Second {
				t.Errorf("returned %v after the start, want promptly after the cancel", d)
			}
			checkNoEntries(t, c)
		})
	}
}

// TestHardeningSharedCache has two clients (as two processes would) fetch
// the same files into one cache directory at the same time.
func TestHardeningSharedCache(t *testing.T) {
	files := map[string][]byte{}
	var infos []FileInfo
	for i := range 8 {
		data := bytes.Repeat([]byte(fmt.Sprintf("file %d\n", i)), 8000+i)
		fi := FileInfo{Path: fmt.Sprintf("pool/main/f/f%d.deb", i), Size: int64(len(data)), SHA256: sha256hex(data)}
		files["/"+fi.Path] = data
		infos = append(infos, fi)
	}
	srv := newTestServer(t, files)
	srv.hook = func(w http.ResponseWriter, r *http.Request, _ int) bool {
		data := files[r.URL.Path] // slow: both clients are mid-download together
		w.Header().Set("Content-Length", strconv.Itoa(len(data)))
		w.Write(data[:len(data)/2])
		w.(http.Flusher).Flush()
		time.Sleep(20 * time.Millisecond)
		w.Write(data[len(data)/2:])
		return true
	}
	cacheDir := t.TempDir()
	var clients []*Client
	for range 2 {
		clients = append(clients, testClient(t, nil, func(o *Options) { o.CacheDir = cacheDir }))
	}
	paths := make([][]string, len(clients))
	errs := make([]error, len(clients))
	var wg sync.WaitGroup
	for i, c := range clients {
		wg.Go(func() {
			paths[i], errs[i] = c.FetchAll(context.Background(), func(int) string { return srv.URL }, infos)
		})
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("client %d: %v", i, err)
		}
	}
	if diff := cmp.Diff(paths[0], paths[1]); diff != "" {
		t.Errorf("the clients' paths differ (-0 +1):\n%s", diff)
	}
	for i, p := range paths[0] {
		if got, err := os.ReadFile(p); err != nil || !bytes.Equal(got, files["/"+infos[i].Path]) {
			t.Errorf("%s: %v, or not the right bytes", p, err)
		}
	}
	entries, _ := os.ReadDir(filepath.Join(cacheDir, "sha256"))
	if len(entries) != len(infos) {
		var names []string
		for _, e := range entries {
			names = append(names, e.Name())
		}
		t.Errorf("cache holds %v, want the %d entries and no temporary file", names, len(infos))
	}
	if n := len(srv.requests()); n < len(infos) || n > 2*len(infos) {
		t.Errorf("%d requests for %d files and 2 clients", n, len(infos))
	}
}

// TestHardeningContentEncoding serves a .gz file with "Content-Encoding:
// gzip", as some web servers do: the bytes stored are the file's, not
// their decompression.
func TestHardeningContentEncoding(t *testing.T) {
	plain := packagesText()
	gz := gzBytes(plain)
	fi := FileInfo{Path: "dists/stable/main/binary-amd64/Packages.gz", Size: int64(len(gz)), SHA256: sha256hex(gz)}
	var acceptEncoding []string
	var mu sync.Mutex
	srv := newTestServer(t, nil)
	srv.hook = func(w http.ResponseWriter, r *http.Request, _ int) bool {
		mu.Lock()
		acceptEncoding = append(acceptEncoding, r.Header.Get("Accept-Encoding"))
		mu.Unlock()
		w.Header().Set("Content-Encoding", "gzip")
		w.Header().Set("Content-Length", strconv.Itoa(len(gz)))
		w.Write(gz)
		return true
	}
	c := testClient(t, nil, nil)
	p, err := c.fetchToCache(context.Background(), []string{srv.URL + "/" + fi.Path}, fi)
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := os.ReadFile(p); !bytes.Equal(got, gz) {
		t.Error("the cached file is not the .gz as served")
	}
	if diff := cmp.Diff([]string{"identity"}, acceptEncoding); diff != "" {
		t.Errorf("Accept-Encoding (-want +got):\n%s", diff)
	}
}

// TestHardeningRedirect follows a redirect to a second server: the bytes
// are checked against the declared hash all the same, and InRelease's
// signature too.
func TestHardeningRedirect(t *testing.T) {
	data, fi := poolFile(5000)
	bad := bytes.Clone(data)
	bad[10] ^= 1
	key := newKey(t, "archive", 0)
	stranger := newKey(t, "stranger", 0)
	for _, tc := range []struct {
		name   string
		served []byte // by the second server, at /x/<Filename>
		want   error
	}{
		{"tampered bytes are refused", bad, ErrHashMismatch},
		{"the right bytes are accepted", data, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			other := newTestServer(t, map[string][]byte{"/x/" + fi.Path: tc.served})
			srv := newTestServer(t, nil)
			srv.hook = func(w http.ResponseWriter, r *http.Request, _ int) bool {
				http.Redirect(w, r, other.URL+"/x"+r.URL.Path, http.StatusFound)
				return true
			}
			c := testClient(t, nil, nil)
			_, err := c.Fetch(context.Background(), srv.URL, fi)
			checkFetchErr(t, err, tc.want)
			if err != nil && !strings.Contains(err.Error(), other.URL) {
				t.Errorf("error %q does not name where the bytes came from", err)
			}
		})
	}
	t.Run("InRelease signed by an unpinned key elsewhere", func(t *testing.T) {
		inRel := clearsignText(t, releaseText(goodRelease()), crypto.SHA256, refTime.Add(-time.Hour), stranger)
		other := newTestServer(t, map[string][]byte{"/dists/stable/InRelease": inRel})
		srv := newTestServer(t, nil)
		srv.hook = func(w http.ResponseWriter, r *http.Request, _ int) bool {
			http.Redirect(w, r, other.URL+r.URL.Path, http.StatusFound)
			return true
		}
		c := testClient(t, publicKeyring(t, key), nil)
		_, err := c.Release(context.Background(), srv.URL, "stable")
		checkErr(t, err, ErrUnknownKey, nil)
	})
}

// TestTestKeysDeterministic guards the fuzz targets' seeds: the test keys
// and signatures must be the same on every run.
func TestTestKeysDeterministic(t *testing.T) {
	a, b := newKey(t, "fuzz", 0), newKey(t, "fuzz", 0)
	if !bytes.Equal(a.PrimaryKey.Fingerprint, b.PrimaryKey.Fingerprint) {
		t.Fatal("newKey made two different keys for one name")
	}
	sa := clearsignText(t, "Suite: stable\n", crypto.SHA256, refTime, a)
	sb := clearsignText(t, "Suite: stable\n", crypto.SHA256, refTime, b)
	if !bytes.Equal(sa, sb) {
		t.Errorf("two signatures of one text differ:\n%s\n%s", sa, sb)
	}
}
