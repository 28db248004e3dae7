package apt

import (
	"bufio"
	"context"
	"io"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/plinth-build/plinth/debpkg"
)

// debianClient finds the host's bookworm mirror and returns a client for it,
// caching under the user cache directory; it skips when the mirror cannot be
// reached.
func debianClient(tb testing.TB) (*Client, string) {
	tb.Helper()
	if testing.Short() {
		tb.Skip("real Debian archive: skipped under -short")
	}
	host, err := HostSources("/")
	if err != nil {
		tb.Fatal(err)
	}
	mirror, err := MirrorConfig{Distro: "debian", Host: host}.Resolve("bookworm")
	if err != nil {
		tb.Skipf("real Debian archive: no bookworm mirror in this host's apt sources: %v", err)
	}
	u, err := url.Parse(mirror)
	if err != nil {
		tb.Fatal(err)
	}
	addr := u.Host
	if u.Port() == "" {
		addr = net.JoinHostPort(u.Hostname(), map[string]string{"http": "80", "https": "443"}[u.Scheme])
	}
	conn, err := net.DialTimeout("tcp", addr, 3*time.Second)
	if err != nil {
		tb.Skipf("real Debian archive: network absent, cannot reach the host's mirror %s: %v", u.Host, err)
	}
	conn.Close()
	keys := keyringFile(tb, filepath.Join(findUp(tb, "recipes/keys"), "debian-archive-keyring.gpg"),
		"/usr/share/keyrings/debian-archive-keyring.gpg")
	cache := tb.TempDir()
	if dir, err := os.UserCacheDir(); err == nil {
		cache = filepath.Join(dir, "plinth")
	}
	return New(Options{Keyring: keys, CacheDir: cache, Logf: tb.Logf}), mirror
}

func TestRealDebianArchive(t *testing.T) {
	c, mirror := debianClient(t)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	rel, err := c.Release(ctx, mirror, "bookworm")
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("bookworm: Date %s, Valid-Until %v, signed by %v", rel.Date, rel.ValidUntil, rel.SignedBy)
	for _, arch := range []string{"amd64", "arm64"} {
		pkgs, err := c.Packages(ctx, rel, "main", arch)
		if err != nil {
			t.Fatal(err)
		}
		if len(pkgs) <= 60000 {
			t.Errorf("%s: %d packages, want more than 60000", arch, len(pkgs))
		}
		for _, p := range pkgs {
			if p.Filename == "" || p.Size <= 0 || !isSHA256(p.SHA256) {
				t.Fatalf("%s: %s: Filename %q, Size %d, SHA256 %q", arch, p.ID(), p.Filename, p.Size, p.SHA256)
			}
		}
		t.Logf("bookworm main/%s: %d packages", arch, len(pkgs))
	}
}

// BenchmarkParseBookwormPackages measures decompressing and parsing the
// verified bookworm main/amd64 Packages.xz (fetched once into the cache):
// "xz" only decompresses (the floor), "parse" is what Packages does. Besides
// wall time it reports the process CPU time per op (cpu-ns/op), which stays
// meaningful on a loaded machine.
func BenchmarkParseBookwormPackages(b *testing.B) {
	c, mirror := debianClient(b)
	ctx := context.Background()
	rel, err := c.Release(ctx, mirror, "bookworm")
	if err != nil {
		b.Fatal(err)
	}
	fi, urls, err := indexURLs(rel, "main", "amd64")
	if err != nil {
		b.Fatal(err)
	}
	path, err := c.fetchToCache(ctx, urls, fi)
	if err != nil {
		b.Fatal(err)
	}
	b.Run("xz", func(b *testing.B) {
		cpu := cpuTime()
		for b.Loop() {
			f, err := os.Open(path)
			if err != nil {
				b.Fatal(err)
			}
			r, err := decompress(bufio.NewReaderSize(f, 1<<16), fi.Path)
			if err != nil {
				b.Fatal(err)
			}
			if _, err := io.Copy(io.Discard, r); err != nil {
				b.Fatal(err)
			}
			f.Close()
		}
		b.ReportMetric(float64(cpuTime()-cpu)/float64(b.N), "cpu-ns/op")
	})
	b.Run("cached-plain", func(b *testing.B) {
		// What a warm build does: the verified uncompressed index from the
		// cache, hashed and parsed (see indexcache.go).
		plain, ok := plainIndexInfo(rel, "main/binary-amd64")
		if !ok {
			b.Skip("the Release lists no uncompressed Packages")
		}
		if _, err := c.Packages(ctx, rel, "main", "amd64"); err != nil { // fills the plain cache
			b.Fatal(err)
		}
		cpu := cpuTime()
		for b.Loop() {
			if _, ok := c.cachedPlainIndex(plain); !ok {
				b.Fatal("plain index not cached")
			}
		}
		b.ReportMetric(float64(cpuTime()-cpu)/float64(b.N), "cpu-ns/op")
	})
	b.Run("parse", func(b *testing.B) {
		var pkgs []*debpkg.Package
		cpu := cpuTime()
		for b.Loop() {
			if pkgs, err = parseIndexFile(path, fi.Path); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(cpuTime()-cpu)/float64(b.N), "cpu-ns/op")
		b.ReportMetric(float64(len(pkgs)), "packages")
	})
}

// cpuTime is the process's user+system CPU time in nanoseconds.
func cpuTime() int64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return ru.Utime.Nano() + ru.Stime.Nano()
}
