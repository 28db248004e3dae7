package debtest_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/plinth-build/plinth/debpkg"
	"github.com/plinth-build/plinth/debpkg/apt"
	"github.com/plinth-build/plinth/debpkg/debtest"
)

const (
	tamperSuite = "bookworm"
	helloDeb    = "pool/main/h/hello/hello_2.10-3_amd64.deb"
)

func archiveDebs() []debtest.Deb {
	return []debtest.Deb{
		{
			Control: debtest.Control("hello", "2.10-3", "amd64", "Depends", "libgreet1"),
			Files:   []debtest.File{{Path: "/usr/bin/hello", Mode: 0o755, Data: bytes.Repeat([]byte("hello\n"), 4096)}},
		},
		{Control: debtest.Control("libgreet1", "1.2-1", "all", "Source", "libgreet")},
	}
}

// TestArchiveTamper runs the apt client against an archive per tamper switch: a
// hostile archive must fail at the given step with the given error, a flaky
// one must succeed after retrying.
func TestArchiveTamper(t *testing.T) {
	for _, tc := range []struct {
		name     string
		tamper   debtest.Tamper
		noByHash bool
		opts     func(a *debtest.Archive, o *apt.Options)
		edit     func(a *debtest.Archive) // after NewArchive
		failAt   string                   // "Release", "Packages", "Fetch", or "" for success
		is       error                    // errors.Is target when failing
		as       any                      // errors.As target when failing
		retried  []string                 // path substrings each requested more than once
		requests []string                 // path suffixes (or, ending in "/", substrings) that must have been requested
	}{
		{name: "clean", requests: []string{"/InRelease", "/main/binary-amd64/by-hash/SHA256/", "/" + helloDeb}},
		{name: "clean without by-hash", noByHash: true, requests: []string{"/main/binary-amd64/Packages.xz"}},
		{name: "WrongKey", tamper: debtest.Tamper{WrongKey: true}, failAt: "Release", is: apt.ErrUnknownKey, as: new(*apt.SignatureError)},
		{name: "UnsignedTextBefore", tamper: debtest.Tamper{UnsignedTextBefore: true}, failAt: "Release", is: apt.ErrUnsignedText, as: new(*apt.SignatureError)},
		{name: "UnsignedTextAfter", tamper: debtest.Tamper{UnsignedTextAfter: true}, failAt: "Release", is: apt.ErrUnsignedText, as: new(*apt.SignatureError)},
		{name: "SHA1Signature", tamper: debtest.Tamper{SHA1Signature: true}, failAt: "Release", is: apt.ErrSHA1Signature, as: new(*apt.SignatureError)},
		{name: "ExpiredKey", tamper: debtest.Tamper{ExpiredKey: true}, failAt: "Release", is: apt.ErrExpiredKey, as: new(*apt.SignatureError)},
		{name: "ExpiredValidUntil", tamper: debtest.Tamper{ExpiredValidUntil: true}, failAt: "Release", is: apt.ErrExpired, as: new(*apt.ReleaseError)},
		{name: "ExpiredValidUntil with IgnoreValidUntil", tamper: debtest.Tamper{ExpiredValidUntil: true},
			opts: func(_ *debtest.Archive, o *apt.Options) { o.IgnoreValidUntil = true }},
		{name: "FutureDate", tamper: debtest.Tamper{FutureDate: true}, failAt: "Release", is: apt.ErrFutureDate, as: new(*apt.ReleaseError)},
		{name: "WrongSuite", tamper: debtest.Tamper{WrongSuite: true}, failAt: "Release", is: apt.ErrWrongSuite, as: new(*apt.ReleaseError)},
		{name: "NoSHA256", tamper: debtest.Tamper{NoSHA256: true}, failAt: "Release", is: apt.ErrNoSHA256, as: new(*apt.ReleaseError)},
		{name: "MinDate after Date (rollback)", failAt: "Release", is: apt.ErrRollback, as: new(*apt.ReleaseError),
			opts: func(a *debtest.Archive, o *apt.Options) { o.MinDate = a.Now() }},
		{name: "CorruptIndex", tamper: debtest.Tamper{CorruptIndex: true}, failAt: "Packages", is: apt.ErrHashMismatch, as: new(*apt.HashError)},
		{name: "WrongIndexSize", tamper: debtest.Tamper{WrongIndexSize: true}, failAt: "Packages", is: apt.ErrSizeMismatch, as: new(*apt.HashError)},
		{name: "IndexBiggerThanDeclared", tamper: debtest.Tamper{IndexBiggerThanDeclared: true}, failAt: "Packages", is: apt.ErrSizeMismatch, as: new(*apt.HashError)},
		{name: "CorruptDeb", tamper: debtest.Tamper{CorruptDeb: true}, failAt: "Fetch", is: apt.ErrHashMismatch, as: new(*apt.HashError)},
		{name: "pool file missing", edit: func(a *debtest.Archive) { a.Delete(helloDeb) }, failAt: "Fetch", as: new(*apt.NotFoundError)},
		{name: "Filename with ..", tamper: debtest.Tamper{EditStanza: func(_ string, p *debpkg.Paragraph) {
			p.Set("Filename", "pool/../../etc/"+p.Get("Package")+".deb")
		}}, failAt: "Fetch", is: apt.ErrBadFilename},
		{name: "DetachedOnly", tamper: debtest.Tamper{DetachedOnly: true}, requests: []string{"/InRelease", "/Release", "/Release.gpg"}},
		{name: "HTTP500Once", tamper: debtest.Tamper{HTTP500Once: true}, retried: []string{"/InRelease", "/by-hash/SHA256/", ".deb"}},
		{name: "TooManyRequestsOnce", tamper: debtest.Tamper{TooManyRequestsOnce: true}, retried: []string{"/InRelease", "/by-hash/SHA256/", ".deb"}},
		{name: "ResetMidBody", tamper: debtest.Tamper{ResetMidBody: true}, retried: []string{".deb"}},
		{name: "ResetMidBody and RangeIgnored", tamper: debtest.Tamper{ResetMidBody: true, RangeIgnored: true}, retried: []string{".deb"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			a := debtest.NewArchive(t, []debtest.Suite{{Name: tamperSuite, Debs: archiveDebs(), AcquireByHash: !tc.noByHash}}, tc.tamper)
			if tc.edit != nil {
				tc.edit(a)
			}
			keyring, err := apt.ReadKeyring(a.PublicKey)
			if err != nil {
				t.Fatalf("ReadKeyring: %v", err)
			}
			opts := apt.Options{
				HTTPClient: a.Server.Client(), CacheDir: t.TempDir(), Keyring: keyring, Now: a.Now,
				Retries: 3, Backoff: 10 * time.Millisecond, Logf: t.Logf,
			}
			if tc.opts != nil {
				tc.opts(a, &opts)
			}
			c := apt.New(opts)
			t.Cleanup(func() { c.Close() })

			step, err := runClient(t, c, a)
			if tc.failAt == "" {
				if err != nil {
					t.Fatalf("%s: %v\nrequests: %q", step, err, a.Requests())
				}
			} else {
				if step != tc.failAt || err == nil {
					t.Fatalf("stopped at %s with %v; want a failure at %s (%v)\nrequests: %q", step, err, tc.failAt, tc.is, a.Requests())
				}
				if tc.is != nil && !errors.Is(err, tc.is) {
					t.Errorf("%s: %v; want errors.Is %v", step, err, tc.is)
				}
				if tc.as != nil && !errors.As(err, tc.as) {
					t.Errorf("%s: %v (%T); want errors.As %T", step, err, err, tc.as)
				}
			}
			requests := a.Requests()
			for _, p := range tc.retried {
				if n := countRequests(requests, p); n < 2 {
					t.Errorf("%q requested %d times, want a retry; requests: %q", p, n, requests)
				}
			}
			for _, p := range tc.requests {
				if !slices.ContainsFunc(requests, func(r string) bool {
					return strings.HasSuffix(r, p) || strings.HasSuffix(p, "/") && strings.Contains(r, p)
				}) {
					t.Errorf("%q not requested; requests: %q", p, requests)
				}
			}
			if tc.name == "clean" {
				if n := countRequests(requests, "/main/binary-amd64/Packages"); n != 0 {
					t.Errorf("the index was fetched by name although the archive is by-hash: %q", requests)
				}
			}
		})
	}
}

// runClient goes through Release, Packages and Fetch of hello, checking what each
// returns, and says at which step it stopped.
func runClient(t *testing.T, c *apt.Client, a *debtest.Archive) (string, error) {
	t.Helper()
	ctx := context.Background()
	rel, err := c.Release(ctx, a.URL, tamperSuite)
	if err != nil {
		return "Release", err
	}
	if rel.Codename != tamperSuite || len(rel.SignedBy) == 0 {
		t.Errorf("Release: codename %q signed by %v", rel.Codename, rel.SignedBy)
	}
	pkgs, err := c.Packages(ctx, rel, "main", "amd64")
	if err != nil {
		return "Packages", err
	}
	var names []string
	var deb *debpkg.Package
	for _, p := range pkgs {
		names = append(names, p.Name)
		if p.Name == "hello" {
			deb = p
		}
	}
	if deb == nil || len(pkgs) != 2 {
		t.Fatalf("Packages: %v, want hello and libgreet1", names)
	}
	path, err := c.Fetch(ctx, a.URL, apt.FileInfo{Path: deb.Filename, Size: deb.Size, SHA256: deb.SHA256})
	if err != nil {
		return "Fetch", err
	}
	got, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("reading the fetched .deb: %v", err)
	}
	want := a.Debs[helloDeb]
	if sha256Hex(got) != sha256Hex(want) {
		t.Errorf("Fetch: %d bytes %s, want the built .deb, %d bytes %s", len(got), sha256Hex(got), len(want), sha256Hex(want))
	}
	return "", nil
}

func countRequests(requests []string, substr string) int {
	n := 0
	for _, r := range requests {
		if strings.Contains(r, substr) {
			n++
		}
	}
	return n
}

func sha256Hex(data []byte) string {
	h := sha256.Sum256(data)
	return hex.EncodeToString(h[:])
}
