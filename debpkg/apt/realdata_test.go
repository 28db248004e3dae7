package apt

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ProtonMail/go-crypto/openpgp"
)

// findUp walks up from the working directory looking for rel.
func findUp(t testing.TB, rel string) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		p := filepath.Join(dir, rel)
		if _, err := os.Stat(p); err == nil {
			return p
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return ""
		}
		dir = parent
	}
}

// keyringFile reads the first of paths that exists.
func keyringFile(t testing.TB, paths ...string) openpgp.EntityList {
	t.Helper()
	for _, p := range paths {
		if p == "" {
			continue
		}
		data, err := os.ReadFile(p)
		if errors.Is(err, os.ErrNotExist) {
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		kr, err := ReadKeyring(data)
		if err != nil {
			t.Fatalf("ReadKeyring(%s): %v", p, err)
		}
		return kr
	}
	t.Skipf("no keyring found among %v", paths)
	return nil
}

// requestLog records the paths a test server was asked for.
type requestLog struct {
	mu    sync.Mutex
	paths []string
}

func (l *requestLog) wrap(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		l.mu.Lock()
		l.paths = append(l.paths, r.URL.Path)
		l.mu.Unlock()
		h.ServeHTTP(w, r)
	})
}

func (l *requestLog) has(p string) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, x := range l.paths {
		if x == p {
			return true
		}
	}
	return false
}

func TestUbuntuFixture(t *testing.T) {
	fixtures := findUp(t, "shared/fixtures")
	if fixtures == "" {
		t.Skip("shared/fixtures (the frozen Ubuntu archive) not found above the module; nothing to test against")
	}
	archive := filepath.Join(fixtures, "ubuntu-archive")
	keys := keyringFile(t, filepath.Join(findUp(t, "recipes/keys"), "ubuntu-archive-keyring.gpg"),
		filepath.Join(fixtures, "ubuntu-archive-keyring.gpg"))
	var log requestLog
	srv := httptest.NewServer(log.wrap(http.FileServer(http.Dir(archive))))
	defer srv.Close()

	for _, suite := range []string{"focal", "focal-updates", "focal-security", "jammy", "jammy-updates", "jammy-security"} {
		t.Run(suite, func(t *testing.T) {
			raw, err := os.ReadFile(filepath.Join(archive, "dists", suite, "InRelease"))
			if err != nil {
				t.Fatal(err)
			}
			date := releaseDateOf(t, raw)
			c := New(Options{Keyring: keys, CacheDir: t.TempDir(), Now: func() time.Time { return date }})
			ctx := context.Background()
			rel, err := c.Release(ctx, srv.URL, suite)
			if err != nil {
				t.Fatal(err)
			}
			if rel.SuiteField != suite || !rel.AcquireByHash || len(rel.SignedBy) == 0 {
				t.Errorf("Release = Suite %q, Acquire-By-Hash %v, SignedBy %v", rel.SuiteField, rel.AcquireByHash, rel.SignedBy)
			}
			if strings.HasPrefix(suite, "focal") && len(rel.SignedBy) != 2 {
				t.Errorf("focal's InRelease carries two signatures by keys of this keyring, SignedBy = %v", rel.SignedBy)
			}
			t.Logf("%s: Date %s, signed by %v", suite, rel.Date, rel.SignedBy)
			pkgs, err := c.Packages(ctx, rel, "main", "amd64")
			if err != nil {
				t.Fatal(err)
			}
			if len(pkgs) == 0 {
				t.Fatal("no packages")
			}
			fi := rel.Files["main/binary-amd64/Packages.xz"]
			byHash := "/dists/" + suite + "/main/binary-amd64/by-hash/SHA256/" + fi.SHA256
			if !log.has(byHash) {
				t.Errorf("%s was not requested", byHash)
			}
			for _, p := range pkgs {
				if p.Filename == "" || p.Size <= 0 || !isSHA256(p.SHA256) {
					t.Fatalf("%s: Filename %q, Size %d, SHA256 %q", p.ID(), p.Filename, p.Size, p.SHA256)
				}
			}
			t.Logf("%s main/amd64: %d packages", suite, len(pkgs))

			// Past the archive's own date plus a day, the fixture's keys are
			// still fine, and the missing Valid-Until means nothing expires.
			later := New(Options{Keyring: keys, Now: func() time.Time { return date.Add(24 * time.Hour) }})
			if _, err := later.Release(ctx, srv.URL, suite); err != nil {
				t.Errorf("a day later: %v", err)
			}
			// Before the archive's date, it is from the future.
			earlier := New(Options{Keyring: keys, Now: func() time.Time { return date.Add(-time.Hour) }})
			if _, err := earlier.Release(ctx, srv.URL, suite); !errors.Is(err, ErrFutureDate) {
				t.Errorf("an hour earlier: got %v, want ErrFutureDate", err)
			}
		})
	}
}

// releaseDateOf returns the Date of a clearsigned Release.
func releaseDateOf(t testing.TB, inRelease []byte) time.Time {
	t.Helper()
	cs, err := SplitClearsigned(inRelease)
	if err != nil {
		t.Fatal(err)
	}
	rel, err := ParseRelease(cs.Plaintext)
	if err != nil {
		t.Fatal(err)
	}
	return rel.Date
}
