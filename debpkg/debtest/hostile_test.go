package debtest_test

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ProtonMail/go-crypto/openpgp"
	"github.com/plinth-build/plinth/debpkg"
	"github.com/plinth-build/plinth/debpkg/apt"
	"github.com/plinth-build/plinth/debpkg/debtest"
)

// hostileCase is one hostile or flaky archive the apt client must refuse
// with a typed error, or get through by retrying.
type hostileCase struct {
	name   string
	tamper debtest.Tamper
	opts   func(a *debtest.Archive, o *apt.Options)
	edit   func(t *testing.T, a *debtest.Archive) // after NewArchive
	failAt string                                 // "Release", "Packages", "Fetch", or "" for success
	is     error                                  // errors.Is target when failing
	as     func() any                             // a new errors.As target when failing
	// counts are how many times paths ending so were requested ("/" at the
	// end: containing so); a negative count means at least -count.
	counts map[string]int
	// check, if set, looks further at the outcome.
	check func(t *testing.T, a *debtest.Archive, cacheDir string, err error, took time.Duration)
}

// setFilename returns a Tamper whose Packages stanzas all have Filename f.
func setFilename(f string) debtest.Tamper {
	return debtest.Tamper{EditStanza: func(_ string, p *debpkg.Paragraph) { p.Set("Filename", f) }}
}

// TestHostileArchive runs Release, Packages and Fetch against archives that
// attack the client's trust or fail the way networks and mirrors do. A
// hostile archive is refused, at the first step that can see it, with a
// typed error; nothing unverified is left in the cache.
func TestHostileArchive(t *testing.T) {
	hashErr := func() any { return new(*apt.HashError) }
	sigErr := func() any { return new(*apt.SignatureError) }
	relErr := func() any { return new(*apt.ReleaseError) }
	for _, tc := range []hostileCase{
		// Trust.
		{name: "InRelease signed by an unpinned key", tamper: debtest.Tamper{WrongKey: true}, failAt: "Release", is: apt.ErrUnknownKey, as: sigErr,
			counts: map[string]int{"/binary-amd64/": 0}},
		{name: "Release.gpg signed by an unpinned key", tamper: debtest.Tamper{WrongKey: true, DetachedOnly: true}, failAt: "Release", is: apt.ErrUnknownKey, as: sigErr},
		{name: "no keyring at all", opts: func(_ *debtest.Archive, o *apt.Options) { o.Keyring = nil },
			failAt: "Release", is: apt.ErrNoKeyring, as: sigErr, counts: map[string]int{"/InRelease": 0}},
		{name: "empty keyring", opts: func(_ *debtest.Archive, o *apt.Options) { o.Keyring = openpgp.EntityList{} },
			failAt: "Release", is: apt.ErrNoKeyring, as: sigErr, counts: map[string]int{"/InRelease": 0}},
		{name: "unsigned text before the signed block", tamper: debtest.Tamper{UnsignedTextBefore: true}, failAt: "Release", is: apt.ErrUnsignedText, as: sigErr},
		{name: "unsigned text after the signature", tamper: debtest.Tamper{UnsignedTextAfter: true}, failAt: "Release", is: apt.ErrUnsignedText, as: sigErr},
		{name: "armor header Comment", tamper: debtest.Tamper{ArmorHeaders: "Comment: x"}, failAt: "Release", is: apt.ErrUnsignedText, as: sigErr},
		{name: "armor header unknown", tamper: debtest.Tamper{ArmorHeaders: "X-Suite: trixie"}, failAt: "Release", is: apt.ErrUnsignedText, as: sigErr},
		{name: "armor header without colon", tamper: debtest.Tamper{ArmorHeaders: "Suite trixie"}, failAt: "Release", is: apt.ErrUnsignedText, as: sigErr},
		{name: "two signed blocks concatenated", tamper: debtest.Tamper{TwoSignedBlocks: true}, failAt: "Release", is: apt.ErrUnsignedText, as: sigErr},
		{name: "SHA-1 signature", tamper: debtest.Tamper{SHA1Signature: true}, failAt: "Release", is: apt.ErrSHA1Signature, as: sigErr},
		{name: "SHA-1 detached signature", tamper: debtest.Tamper{SHA1Signature: true, DetachedOnly: true}, failAt: "Release", is: apt.ErrSHA1Signature, as: sigErr},
		{name: "expired key", tamper: debtest.Tamper{ExpiredKey: true}, failAt: "Release", is: apt.ErrExpiredKey, as: sigErr},
		{name: "Valid-Until past", tamper: debtest.Tamper{ExpiredValidUntil: true}, failAt: "Release", is: apt.ErrExpired, as: relErr},
		{name: "Date in the future", tamper: debtest.Tamper{FutureDate: true}, failAt: "Release", is: apt.ErrFutureDate, as: relErr},
		{name: "wrong Suite and Codename", tamper: debtest.Tamper{WrongSuite: true}, failAt: "Release", is: apt.ErrWrongSuite, as: relErr},
		{name: "only MD5Sum and SHA1, no SHA256", tamper: debtest.Tamper{NoSHA256: true}, failAt: "Release", is: apt.ErrNoSHA256, as: relErr},
		{name: "InRelease redirected to another host signing with an unpinned key", edit: func(t *testing.T, a *debtest.Archive) {
			other := debtest.NewArchive(t, []debtest.Suite{{Name: tamperSuite, Debs: archiveDebs()}}, debtest.Tamper{WrongKey: true})
			a.Redirect("dists/"+tamperSuite+"/InRelease", other.URL+"/dists/"+tamperSuite+"/InRelease")
		}, failAt: "Release", is: apt.ErrUnknownKey, as: sigErr},

		// Indexes.
		{name: "index bigger than declared", tamper: debtest.Tamper{IndexBiggerThanDeclared: true}, failAt: "Packages", is: apt.ErrSizeMismatch, as: hashErr,
			counts: map[string]int{"/by-hash/": 2}},
		{name: "index corrupt", tamper: debtest.Tamper{CorruptIndex: true}, failAt: "Packages", is: apt.ErrHashMismatch, as: hashErr,
			counts: map[string]int{"/by-hash/": 2}},
		{name: "mirror mid-sync, healed on retry", tamper: debtest.Tamper{MidSync: 1},
			counts: map[string]int{"/by-hash/": 2, "/main/binary-amd64/Packages.xz": 1}},
		{name: "mirror mid-sync, 500 first, healed on retry", tamper: debtest.Tamper{MidSync: 1, HTTP500Once: true},
			counts: map[string]int{"/by-hash/": 3, "/main/binary-amd64/Packages.xz": 2}},
		{name: "mirror mid-sync for good", tamper: debtest.Tamper{MidSync: -1}, failAt: "Packages", is: apt.ErrSizeMismatch, as: hashErr,
			counts: map[string]int{"/by-hash/": 2, "/main/binary-amd64/Packages.xz": 2},
			check: func(t *testing.T, _ *debtest.Archive, _ string, err error, _ time.Duration) {
				var he *apt.HashError
				if errors.As(err, &he) && (he.Attempts != 2 || !strings.Contains(err.Error(), "Packages.xz")) {
					t.Errorf("Attempts = %d, error %q; want 2 downloads and the index named", he.Attempts, err)
				}
			}},

		// Pool files.
		{name: ".deb hash mismatch", tamper: debtest.Tamper{CorruptDeb: true}, failAt: "Fetch", is: apt.ErrHashMismatch, as: hashErr,
			counts: map[string]int{"/" + helloDeb: 2}},
		{name: "Filename with ..", tamper: setFilename("pool/../../etc/hello.deb"), failAt: "Fetch", is: apt.ErrBadFilename,
			counts: map[string]int{".deb": 0}},
		{name: "Filename absolute", tamper: setFilename("/etc/hello.deb"), failAt: "Fetch", is: apt.ErrBadFilename, counts: map[string]int{".deb": 0}},
		{name: "Filename is an http URL", tamper: setFilename("http://x/y.deb"), failAt: "Fetch", is: apt.ErrBadFilename, counts: map[string]int{".deb": 0}},
		{name: "Filename is scheme-relative", tamper: setFilename("//host/x"), failAt: "Fetch", is: apt.ErrBadFilename, counts: map[string]int{"/x": 0}},
		{name: "redirect to another host serving tampered bytes", edit: func(t *testing.T, a *debtest.Archive) {
			bad := []byte(string(a.Debs[helloDeb]))
			bad[len(bad)/3] ^= 1
			a.Redirect(helloDeb, serveBytes(t, bad)+"/elsewhere/hello.deb")
		}, failAt: "Fetch", is: apt.ErrHashMismatch, as: hashErr, counts: map[string]int{"/" + helloDeb: 2}},
		{name: "redirect to another host serving the right bytes", edit: func(t *testing.T, a *debtest.Archive) {
			a.Redirect(helloDeb, serveBytes(t, a.Debs[helloDeb])+"/elsewhere/hello.deb")
		}, counts: map[string]int{"/" + helloDeb: 1}},

		// Network faults.
		{name: "connection reset mid-download", tamper: debtest.Tamper{ResetMidBody: true}, counts: map[string]int{"/" + helloDeb: -2}},
		{name: "Range answered with 200", tamper: debtest.Tamper{ResetMidBody: true, RangeIgnored: true}, counts: map[string]int{"/" + helloDeb: -2}},
		{name: "HTTP 500 once per file", tamper: debtest.Tamper{HTTP500Once: true}, counts: map[string]int{"/InRelease": 2, "/by-hash/": 2, "/" + helloDeb: 2}},
		{name: "HTTP 429 with Retry-After 3600 is capped", tamper: debtest.Tamper{TooManyRequestsOnce: true, RetryAfter: "3600"},
			opts:   func(_ *debtest.Archive, o *apt.Options) { o.MaxRetryDelay = 50 * time.Millisecond },
			counts: map[string]int{"/InRelease": 2, "/by-hash/": 2, "/" + helloDeb: 2},
			check: func(t *testing.T, _ *debtest.Archive, _ string, _ error, took time.Duration) {
				// Three capped waits of 50ms, not three hours.
				if took > 10*time.Second {
					t.Errorf("took %v: Retry-After was not capped at MaxRetryDelay", took)
				}
			}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			runHostile(t, tc)
		})
	}
}

// runHostile runs one hostileCase.
func runHostile(t *testing.T, tc hostileCase) {
	a := debtest.NewArchive(t, []debtest.Suite{{Name: tamperSuite, Debs: archiveDebs(), AcquireByHash: true}}, tc.tamper)
	if tc.edit != nil {
		tc.edit(t, a)
	}
	keyring, err := apt.ReadKeyring(a.PublicKey)
	if err != nil {
		t.Fatalf("ReadKeyring: %v", err)
	}
	cacheDir := t.TempDir()
	opts := apt.Options{
		HTTPClient: a.Server.Client(), CacheDir: cacheDir, Keyring: keyring, Now: a.Now,
		Retries: 3, Backoff: 10 * time.Millisecond, Logf: t.Logf,
	}
	if tc.opts != nil {
		tc.opts(a, &opts)
	}
	c := apt.New(opts)
	t.Cleanup(func() { c.Close() })

	start := time.Now()
	step, err := runClient(t, c, a)
	took := time.Since(start)
	t.Logf("outcome after %v: step %q, error: %v", took.Round(time.Millisecond), step, err)
	switch {
	case tc.failAt == "" && err != nil:
		t.Fatalf("%s: %v\nrequests: %q", step, err, a.Requests())
	case tc.failAt != "" && (step != tc.failAt || err == nil):
		t.Fatalf("stopped at %s with %v; want a failure at %s (%v)\nrequests: %q", step, err, tc.failAt, tc.is, a.Requests())
	}
	if tc.is != nil && !errors.Is(err, tc.is) {
		t.Errorf("%s: %v; want errors.Is %v", step, err, tc.is)
	}
	if tc.as != nil {
		if target := tc.as(); !errors.As(err, target) {
			t.Errorf("%s: %v (%T); want errors.As %T", step, err, err, target)
		}
	}
	requests := a.Requests()
	for p, want := range tc.counts {
		n := 0
		for _, r := range requests {
			if strings.HasSuffix(r, p) || strings.HasSuffix(p, "/") && strings.Contains(r, p) {
				n++
			}
		}
		if want >= 0 && n != want || want < 0 && n < -want {
			t.Errorf("%q requested %d times, want %d (negative: at least); requests: %q", p, n, want, requests)
		}
	}
	checkCache(t, cacheDir)
	if tc.check != nil {
		tc.check(t, a, cacheDir, err, took)
	}
}

// checkCache fails when the cache holds a temporary file or an entry whose
// content does not have its name's SHA256.
func checkCache(t *testing.T, cacheDir string) {
	t.Helper()
	dir := filepath.Join(cacheDir, "sha256")
	entries, err := os.ReadDir(dir)
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		t.Fatal(err)
	}
	for _, e := range entries {
		data, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil || sha256Hex(data) != e.Name() {
			t.Errorf("cache entry %s: %v, content SHA256 %s (a temporary file, or unverified)", e.Name(), err, sha256Hex(data))
		}
	}
}

// serveBytes serves data at every path from a second loopback server and
// returns its URL.
func serveBytes(t *testing.T, data []byte) string {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Write(data)
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}
