package debtest

import (
	"bytes"
	"cmp"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// ServeHTTP serves the archive's files, records every request and plays
// the flaky-server switches of its Tamper.
func (a *Archive) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	name := strings.TrimPrefix(r.URL.Path, "/")
	a.mu.Lock()
	a.requests = append(a.requests, r.URL.Path)
	n := a.seen[r.URL.Path]
	a.seen[r.URL.Path]++
	data, ok := a.files[name]
	stale, isIndex := a.stale[name]
	target, redirect := a.redirects[name]
	a.mu.Unlock()

	var failures []int
	if a.tamper.HTTP500Once {
		failures = append(failures, http.StatusInternalServerError)
	}
	if a.tamper.TooManyRequestsOnce {
		failures = append(failures, http.StatusTooManyRequests)
	}
	if n < len(failures) {
		if failures[n] == http.StatusTooManyRequests {
			w.Header().Set("Retry-After", cmp.Or(a.tamper.RetryAfter, "1"))
		}
		http.Error(w, http.StatusText(failures[n]), failures[n])
		return
	}
	n -= len(failures)
	if redirect {
		http.Redirect(w, r, target, http.StatusFound)
		return
	}
	if ms := a.tamper.MidSync; ms < 0 || n < ms {
		switch {
		case strings.Contains(name, "/by-hash/"):
			ok = false
		case isIndex:
			data = stale
		}
	}
	if !ok {
		http.NotFound(w, r)
		return
	}
	if a.tamper.ResetMidBody && n == 0 && strings.HasSuffix(r.URL.Path, ".deb") && r.Method == http.MethodGet {
		resetMidBody(w, data)
		return
	}
	if a.tamper.RangeIgnored {
		r.Header.Del("Range")
		r.Header.Del("If-Range")
	}
	http.ServeContent(w, r, r.URL.Path, time.Time{}, bytes.NewReader(data))
}

// resetMidBody announces all of data, sends half of it and resets the
// connection (SO_LINGER 0: the close sends a TCP RST, not a FIN).
func resetMidBody(w http.ResponseWriter, data []byte) {
	hj, ok := w.(http.Hijacker)
	if !ok {
		http.Error(w, "cannot hijack the connection", http.StatusInternalServerError)
		return
	}
	conn, buf, err := hj.Hijack()
	if err != nil {
		http.Error(w, "hijacking: "+err.Error(), http.StatusInternalServerError)
		return
	}
	defer conn.Close()
	fmt.Fprintf(buf, "HTTP/1.1 200 OK\r\nContent-Type: application/vnd.debian.binary-package\r\nContent-Length: %d\r\n\r\n", len(data))
	buf.Write(data[:len(data)/2])
	buf.Flush()
	if tc, ok := conn.(*net.TCPConn); ok {
		tc.SetLinger(0)
	}
}

// ServeDir serves dir (e.g. the frozen Ubuntu fixture) on loopback and
// returns its URL. The server is closed with t.Cleanup.
func ServeDir(t testing.TB, dir string) string {
	t.Helper()
	if fi, err := os.Stat(dir); err != nil || !fi.IsDir() {
		t.Fatalf("serving %s: not a directory", dir)
	}
	srv := httptest.NewServer(http.FileServer(http.Dir(dir)))
	t.Cleanup(srv.Close)
	return srv.URL
}

// SharedFixtures returns the shared/fixtures directory next to the
// repository (../shared/fixtures from its root), found by walking up from
// the working directory, or "" when there is none.
func SharedFixtures() string {
	dir, err := os.Getwd()
	if err != nil {
		return ""
	}
	for {
		candidate := filepath.Join(dir, "shared", "fixtures")
		if fi, err := os.Stat(candidate); err == nil && fi.IsDir() {
			return candidate
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return ""
		}
		dir = parent
	}
}
