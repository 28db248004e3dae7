package apt

import (
	"bytes"
	"context"
	"crypto"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/klauspost/compress/gzip"
	"github.com/ulikunitz/xz"
)

const stanzas = `Package: hello
Version: 2.10-3
Architecture: amd64
Depends: libc6 (>= 2.34)
Filename: pool/main/h/hello/hello_2.10-3_amd64.deb
Size: 53000
SHA256: %[1]s
Description: hi
 long text

Package: libc6
Version: 2.36-9
Architecture: amd64
Multi-Arch: same
Filename: pool/main/g/glibc/libc6_2.36-9_amd64.deb
Size: 2800000
SHA256: %[1]s
`

func packagesText() []byte { return []byte(fmt.Sprintf(stanzas, strings.Repeat("0", 64))) }

func xzBytes(t testing.TB, b []byte) []byte {
	var buf bytes.Buffer
	w, err := xz.NewWriter(&buf)
	if err != nil {
		t.Fatal(err)
	}
	w.Write(b)
	w.Close()
	return buf.Bytes()
}

func gzBytes(b []byte) []byte {
	var buf bytes.Buffer
	w := gzip.NewWriter(&buf)
	w.Write(b)
	w.Close()
	return buf.Bytes()
}

// archiveFixture is a small signed archive: suite "stable" with
// main/binary-amd64 Packages in the given forms (".xz", ".gz", "").
type archiveFixture struct {
	srv     *testServer
	client  *Client
	indexes map[string][]byte // Release path -> content
}

func newArchive(t *testing.T, byHash bool, forms ...string) *archiveFixture {
	key := newKey(t, "archive", 0)
	plain := packagesText()
	indexes := map[string][]byte{}
	for _, f := range forms {
		switch f {
		case ".xz":
			indexes["main/binary-amd64/Packages.xz"] = xzBytes(t, plain)
		case ".gz":
			indexes["main/binary-amd64/Packages.gz"] = gzBytes(plain)
		case "":
			indexes["main/binary-amd64/Packages"] = plain
		}
	}
	f := goodRelease()
	f.ByHash, f.Files = byHash, indexes
	files := map[string][]byte{"/dists/stable/InRelease": clearsignText(t, releaseText(f), crypto.SHA256, refTime.Add(-time.Hour), key)}
	for p, data := range indexes {
		files["/dists/stable/"+p] = data
		files["/dists/stable/main/binary-amd64/by-hash/SHA256/"+sha256hex(data)] = data
	}
	srv := newTestServer(t, files)
	return &archiveFixture{srv: srv, client: testClient(t, publicKeyring(t, key), nil), indexes: indexes}
}

func TestPackages(t *testing.T) {
	tests := []struct {
		name    string
		byHash  bool
		forms   []string
		wantGet string
	}{
		{"xz by hash", true, []string{".xz", ".gz", ""}, "by-hash/SHA256/" + sha256hex(xzBytes(t, packagesText()))},
		{"xz by name", false, []string{".xz", ".gz", ""}, "/dists/stable/main/binary-amd64/Packages.xz"},
		{"gz", false, []string{".gz", ""}, "/dists/stable/main/binary-amd64/Packages.gz"},
		{"plain", false, []string{""}, "/dists/stable/main/binary-amd64/Packages"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := newArchive(t, tt.byHash, tt.forms...)
			ctx := context.Background()
			rel, err := a.client.Release(ctx, a.srv.URL, "stable")
			if err != nil {
				t.Fatal(err)
			}
			pkgs, err := a.client.Packages(ctx, rel, "main", "amd64")
			if err != nil {
				t.Fatal(err)
			}
			var names []string
			for _, p := range pkgs {
				names = append(names, p.ID())
			}
			if diff := cmp.Diff([]string{"hello:amd64=2.10-3", "libc6:amd64=2.36-9"}, names); diff != "" {
				t.Errorf("packages (-want +got):\n%s", diff)
			}
			reqs := a.srv.requests()
			if len(reqs) != 2 || !strings.HasSuffix(reqs[1], tt.wantGet) {
				t.Errorf("requests %v, want the second to end in %s", reqs, tt.wantGet)
			}
			// A second load comes from the cache.
			if _, err := a.client.Packages(ctx, rel, "main", "amd64"); err != nil {
				t.Fatal(err)
			}
			if got := len(a.srv.requests()); got != 2 {
				t.Errorf("cached index fetched again: %v", a.srv.requests())
			}
			if _, err := a.client.Packages(ctx, rel, "main", "arm64"); !errors.Is(err, ErrNoIndex) {
				t.Errorf("arm64: got %v, want ErrNoIndex", err)
			}
		})
	}
}

func TestPackagesTampered(t *testing.T) {
	idx := "/dists/stable/main/binary-amd64/Packages.xz"
	tests := []struct {
		name   string
		byHash bool
		change func(a *archiveFixture)
		want   error
	}{
		{"hash mismatch", false, func(a *archiveFixture) {
			d := bytes.Clone(a.srv.files[idx])
			d[len(d)/2] ^= 1
			a.srv.set(idx, d)
		}, ErrHashMismatch},
		{"too long", false, func(a *archiveFixture) { a.srv.set(idx, append(bytes.Clone(a.srv.files[idx]), 0)) }, ErrSizeMismatch},
		{"too short", false, func(a *archiveFixture) { d := a.srv.files[idx]; a.srv.set(idx, d[:len(d)-1]) }, ErrSizeMismatch},
		{"by-hash missing falls back to name", true, func(a *archiveFixture) {
			for p := range a.srv.files {
				if strings.Contains(p, "by-hash") {
					delete(a.srv.files, p)
				}
			}
		}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := newArchive(t, tt.byHash, ".xz")
			tt.change(a)
			ctx := context.Background()
			rel, err := a.client.Release(ctx, a.srv.URL, "stable")
			if err != nil {
				t.Fatal(err)
			}
			_, err = a.client.Packages(ctx, rel, "main", "amd64")
			var he *HashError
			if tt.want == nil {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if !errors.Is(err, tt.want) || !errors.As(err, &he) || !strings.Contains(err.Error(), "Packages.xz") {
				t.Fatalf("got %v, want a HashError %v naming the index", err, tt.want)
			}
			if entries, _ := os.ReadDir(filepath.Join(a.client.opts.CacheDir, "sha256")); len(entries) != 0 {
				t.Errorf("cache holds %d entries after a failed download", len(entries))
			}
		})
	}
}

func poolFile(size int) ([]byte, FileInfo) {
	data := bytes.Repeat([]byte("0123456789abcdef"), size/16+1)[:size]
	return data, FileInfo{Path: "pool/main/h/hello/hello_1.0_amd64.deb", Size: int64(size), SHA256: sha256hex(data)}
}

func TestFetch(t *testing.T) {
	data, fi := poolFile(100000)
	path := "/" + fi.Path
	tests := []struct {
		name     string
		hook     func(w http.ResponseWriter, r *http.Request, n int) bool
		f        func(FileInfo) FileInfo
		want     error // errors.Is target; nil = success
		wantReqs []string
	}{
		{name: "good", wantReqs: []string{path}},
		{name: "retry 503 then ok", hook: failFirst(1, http.StatusServiceUnavailable, ""), wantReqs: []string{path, path}},
		{name: "429 with Retry-After", hook: failFirst(2, http.StatusTooManyRequests, "0"), wantReqs: []string{path, path, path}},
		{name: "500 until retries are spent", hook: failFirst(100, http.StatusInternalServerError, ""), want: &HTTPError{Status: 500},
			wantReqs: []string{path, path, path, path, path}},
		{name: "403 is final", hook: failFirst(100, http.StatusForbidden, ""), want: &HTTPError{Status: 403}, wantReqs: []string{path}},
		{name: "404", hook: failFirst(100, http.StatusNotFound, ""), want: &NotFoundError{}, wantReqs: []string{path}},
		{name: "cut mid-body resumes with Range", hook: cutFirst(data, 40000, true), wantReqs: []string{path, path + " bytes=40000-"}},
		{name: "cut mid-body, no Range support, starts over", hook: cutFirst(data, 40000, false), wantReqs: []string{path, path + " bytes=40000-"}},
		{name: "wrong hash", f: func(f FileInfo) FileInfo { f.SHA256 = strings.Repeat("1", 64); return f }, want: ErrHashMismatch, wantReqs: []string{path, path}},
		{name: "wrong size", f: func(f FileInfo) FileInfo { f.Size--; return f }, want: ErrSizeMismatch, wantReqs: []string{path, path}},
		{name: "bad digest", f: func(f FileInfo) FileInfo { f.SHA256 = "../../etc/passwd"; return f }, want: ErrBadDigest},
		{name: "dotdot", f: func(f FileInfo) FileInfo { f.Path = "pool/../../x.deb"; return f }, want: ErrBadFilename},
		{name: "absolute", f: func(f FileInfo) FileInfo { f.Path = "/etc/passwd"; return f }, want: ErrBadFilename},
		{name: "url", f: func(f FileInfo) FileInfo { f.Path = "http://evil.invalid/x.deb"; return f }, want: ErrBadFilename},
		{name: "scheme-relative", f: func(f FileInfo) FileInfo { f.Path = "//evil.invalid/x.deb"; return f }, want: ErrBadFilename},
		{name: "query", f: func(f FileInfo) FileInfo { f.Path = "pool/x.deb?y"; return f }, want: ErrBadFilename},
		{name: "empty", f: func(f FileInfo) FileInfo { f.Path = ""; return f }, want: ErrBadFilename},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := newTestServer(t, map[string][]byte{path: data})
			srv.hook = tt.hook
			c := testClient(t, nil, nil)
			f := fi
			if tt.f != nil {
				f = tt.f(fi)
			}
			got, err := c.Fetch(context.Background(), srv.URL, f)
			checkFetchErr(t, err, tt.want)
			if diff := cmp.Diff(tt.wantReqs, srv.requests()); diff != "" {
				t.Errorf("requests (-want +got):\n%s", diff)
			}
			if err != nil {
				return
			}
			if b, err := os.ReadFile(got); err != nil || !bytes.Equal(b, data) {
				t.Errorf("cached file %s: %v, content equal %v", got, err, bytes.Equal(b, data))
			}
			if want := filepath.Join(c.opts.CacheDir, "sha256", fi.SHA256); got != want {
				t.Errorf("path %s, want %s", got, want)
			}
		})
	}
}

func checkFetchErr(t *testing.T, err, want error) {
	t.Helper()
	switch w := want.(type) {
	case nil:
		if err != nil {
			t.Fatalf("unexpected error: %v", err)
		}
	case *HTTPError:
		var he *HTTPError
		if !errors.As(err, &he) || he.Status != w.Status {
			t.Fatalf("got %v, want HTTP status %d", err, w.Status)
		}
	case *NotFoundError:
		var nf *NotFoundError
		if !errors.As(err, &nf) {
			t.Fatalf("got %v, want NotFoundError", err)
		}
	default:
		if !errors.Is(err, want) {
			t.Fatalf("got %v, want %v", err, want)
		}
	}
}

// failFirst answers the first n requests with status (and Retry-After).
func failFirst(n, status int, retryAfter string) func(http.ResponseWriter, *http.Request, int) bool {
	return func(w http.ResponseWriter, r *http.Request, i int) bool {
		if i > n {
			return false
		}
		if retryAfter != "" {
			w.Header().Set("Retry-After", retryAfter)
		}
		w.WriteHeader(status)
		return true
	}
}

// cutFirst breaks the first response after cut bytes; later ones honour
// Range (206) when ranges is set, else answer 200 with everything.
func cutFirst(data []byte, cut int, ranges bool) func(http.ResponseWriter, *http.Request, int) bool {
	return func(w http.ResponseWriter, r *http.Request, i int) bool {
		switch {
		case i == 1:
			w.Header().Set("Content-Length", strconv.Itoa(len(data)))
			w.Write(data[:cut])
			w.(http.Flusher).Flush()
			panic(http.ErrAbortHandler)
		case ranges:
			serveRange(w, r, data)
		default:
			w.Write(data)
		}
		return true
	}
}

func TestFetchCache(t *testing.T) {
	data, fi := poolFile(5000)
	srv := newTestServer(t, map[string][]byte{"/" + fi.Path: data})
	c := testClient(t, nil, nil)
	ctx := context.Background()
	p, err := c.Fetch(ctx, srv.URL, fi)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Fetch(ctx, srv.URL, fi); err != nil || len(srv.requests()) != 1 {
		t.Fatalf("second fetch: %v, requests %v (want the cache to answer)", err, srv.requests())
	}
	if err := os.WriteFile(p, []byte("corrupt"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Fetch(ctx, srv.URL, fi); err != nil || len(srv.requests()) != 2 {
		t.Fatalf("after corruption: %v, requests %v (want one refetch)", err, srv.requests())
	}
	if b, _ := os.ReadFile(p); !bytes.Equal(b, data) {
		t.Error("corrupt cache entry not replaced")
	}
	entries, _ := os.ReadDir(filepath.Dir(p))
	if len(entries) != 1 {
		t.Errorf("cache dir holds %d entries, want 1 (no temp files left)", len(entries))
	}
}

func TestFetchAll(t *testing.T) {
	files := map[string][]byte{}
	var infos []FileInfo
	for i := range 10 {
		data := []byte(strings.Repeat(strconv.Itoa(i), 100+i))
		fi := FileInfo{Path: fmt.Sprintf("pool/f%d.deb", i), Size: int64(len(data)), SHA256: sha256hex(data)}
		files["/"+fi.Path] = data
		infos = append(infos, fi)
	}
	srv := newTestServer(t, files)
	c := testClient(t, nil, func(o *Options) { o.CacheDir = ""; o.Parallel = 3 })
	defer c.Close()
	paths, err := c.FetchAll(context.Background(), func(int) string { return srv.URL }, infos)
	if err != nil {
		t.Fatal(err)
	}
	for i, p := range paths {
		if b, err := os.ReadFile(p); err != nil || !bytes.Equal(b, files["/"+infos[i].Path]) {
			t.Errorf("paths[%d] = %s: wrong content (%v)", i, p, err)
		}
	}
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(paths[0]); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("Close left %s behind", paths[0])
	}

	// One missing file fails the lot and names it.
	infos[4].Path = "pool/missing.deb"
	_, err = c.FetchAll(context.Background(), func(int) string { return srv.URL }, infos)
	var nf *NotFoundError
	if !errors.As(err, &nf) || !strings.Contains(err.Error(), "missing.deb") {
		t.Errorf("got %v, want NotFoundError naming missing.deb", err)
	}
}

func TestFetchCancel(t *testing.T) {
	data, fi := poolFile(1000)
	srv := newTestServer(t, map[string][]byte{"/" + fi.Path: data})
	srv.hook = func(w http.ResponseWriter, r *http.Request, n int) bool {
		w.Header().Set("Content-Length", "1000")
		w.Write(data[:10])
		w.(http.Flusher).Flush()
		<-r.Context().Done()
		return true
	}
	c := testClient(t, nil, nil)
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := c.Fetch(ctx, srv.URL, fi)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("got %v, want context.DeadlineExceeded", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("cancellation took %v", d)
	}
}

func TestFetchStall(t *testing.T) {
	data, fi := poolFile(1000)
	srv := newTestServer(t, map[string][]byte{"/" + fi.Path: data})
	srv.hook = func(w http.ResponseWriter, r *http.Request, n int) bool {
		if n > 1 {
			serveRange(w, r, data)
			return true
		}
		w.Header().Set("Content-Length", "1000")
		w.Write(data[:10])
		w.(http.Flusher).Flush()
		<-r.Context().Done()
		return true
	}
	c := testClient(t, nil, func(o *Options) { o.StallTimeout = 100 * time.Millisecond })
	if _, err := c.Fetch(context.Background(), srv.URL, fi); err != nil {
		t.Fatalf("a stalled response should be retried: %v", err)
	}
	if got := srv.requests(); len(got) != 2 || got[1] != "/"+fi.Path+" bytes=10-" {
		t.Errorf("requests %v, want a resume from byte 10", got)
	}
}

func TestRetryAfter(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		in   string
		want time.Duration
	}{
		{"", 0}, {"3", 3 * time.Second}, {"-1", 0}, {"600", 600 * time.Second}, {"99999999999999", maxRetryAfter}, {"soon", 0},
		{now.Add(10 * time.Second).Format(http.TimeFormat), 10 * time.Second},
		{now.Add(-10 * time.Second).Format(http.TimeFormat), 0},
	}
	for _, tt := range tests {
		if got := retryAfter(tt.in, now); got != tt.want {
			t.Errorf("retryAfter(%q) = %v, want %v", tt.in, got, tt.want)
		}
	}
}

func TestFetchRetryAfterAndRedirect(t *testing.T) {
	data, fi := poolFile(3000)
	srv := newTestServer(t, map[string][]byte{"/other/" + fi.Path: data})
	srv.hook = func(w http.ResponseWriter, r *http.Request, n int) bool {
		if strings.HasPrefix(r.URL.Path, "/other/") {
			return false
		}
		if n == 1 {
			w.Header().Set("Retry-After", "1")
			w.WriteHeader(http.StatusTooManyRequests)
			return true
		}
		http.Redirect(w, r, "/other"+r.URL.Path, http.StatusFound)
		return true
	}
	c := testClient(t, nil, nil) // Backoff is 1ms: only Retry-After explains a wait
	start := time.Now()
	if _, err := c.Fetch(context.Background(), srv.URL, fi); err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d < time.Second {
		t.Errorf("retried after %v, want Retry-After's 1s", d)
	}
	want := []string{"/" + fi.Path, "/" + fi.Path, "/other/" + fi.Path}
	if diff := cmp.Diff(want, srv.requests()); diff != "" {
		t.Errorf("requests (-want +got):\n%s", diff)
	}
}
