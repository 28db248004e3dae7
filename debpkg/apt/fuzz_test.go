package apt

import (
	"bytes"
	"crypto"
	"net/url"
	"path"
	"strings"
	"testing"
	"time"
)

func FuzzParseRelease(f *testing.F) {
	f.Add([]byte(releaseText(goodRelease())))
	f.Add([]byte("Suite: s\nDate: Sat, 21 Nov 2026  9:54:14 UTC\nSHA256:\n " + strings.Repeat("a", 64) + " 1 x\n"))
	f.Add([]byte("SHA256: x\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		rel, err := ParseRelease(data)
		if err != nil {
			return
		}
		for p, fi := range rel.Files {
			if p != fi.Path || !isSHA256(fi.SHA256) || fi.Size < 0 {
				t.Fatalf("bad file entry %q: %+v", p, fi)
			}
		}
	})
}

func FuzzClearsigned(f *testing.F) {
	key := newKey(f, "fuzz", 0)
	good := clearsignText(f, "Suite: stable\n- x\n", crypto.SHA256, refTime, key)
	f.Add(good)
	f.Add(append([]byte("x\n"), good...))
	f.Add(append(bytes.Clone(good), good...))
	f.Add([]byte("-----BEGIN PGP SIGNED MESSAGE-----\n\n-----BEGIN PGP SIGNATURE-----\n\n-----END PGP SIGNATURE-----\n"))
	f.Add(bytes.Replace(good, []byte("\n\n"), []byte("\nComment: x\n\n"), 1))
	f.Add(bytes.Replace(good, []byte("Hash: SHA256\n"), []byte("Hash: SHA256\nSuite: evil\n"), 1))
	keyring := publicKeyring(f, key)
	f.Fuzz(func(t *testing.T, data []byte) {
		cs, err := SplitClearsigned(data)
		if err != nil {
			return
		}
		if !bytes.HasPrefix(data, []byte(beginSigned)) {
			t.Fatalf("accepted data not starting with %s", beginSigned)
		}
		if _, err := verifySignatures(keyring, cs.Signed, cs.Signature, refTime.Add(time.Hour)); err == nil {
			// Only the original signed text can carry a good signature.
			if string(cs.Plaintext) != "Suite: stable\n- x\n" && string(cs.Plaintext) != "Suite: stable\n- x" {
				t.Fatalf("good signature over different text %q", cs.Plaintext)
			}
		}
	})
}

func FuzzCheckFilename(f *testing.F) {
	for _, s := range []string{"pool/main/h/hello/hello_1_amd64.deb", "pool/../x", "/etc/passwd", "http://x/y.deb", "//host/x", "a/./b", `a\b`, "x?y", "%2e%2e/x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, name string) {
		if checkFilename(name) != nil {
			return
		}
		if path.IsAbs(name) || path.Clean(name) != name || name == ".." || strings.HasPrefix(name, "../") || strings.Contains(name, "://") {
			t.Fatalf("accepted %q, which can leave the mirror root", name)
		}
		u, err := url.Parse("http://mirror.invalid/root/" + escapePath(name))
		if err != nil || u.Host != "mirror.invalid" || !strings.HasPrefix(u.Path, "/root/") {
			t.Fatalf("accepted %q, which makes the URL %v (%v)", name, u, err)
		}
	})
}

func FuzzRetryAfter(f *testing.F) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for _, s := range []string{"", "3", "3600", "-1", "99999999999999999999", "Thu, 01 Jan 2026 00:00:10 GMT", "soon"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, v string) {
		if d := retryAfter(v, now); d < 0 || d > maxRetryAfter {
			t.Fatalf("retryAfter(%q) = %v, want within [0, %v]", v, d, maxRetryAfter)
		}
		c := New(Options{MaxRetryDelay: time.Second})
		if d := c.retryDelay(0, retryAfter(v, now)); d < 0 || d > time.Second {
			t.Fatalf("retryDelay with Retry-After %q = %v, want within the 1s cap", v, d)
		}
	})
}

// FuzzHostSources feeds the host apt sources parsers (one-line and deb822)
// and the --mirror parser: no panics, and what parses names only suites
// and URIs it was given.
func FuzzHostSources(f *testing.F) {
	f.Add([]byte("deb [arch=amd64 signed-by=/k.gpg] http://127.0.0.1/debian bookworm main contrib\n# c\ndeb-src http://x y z\n"))
	f.Add([]byte("Types: deb\nURIs: http://127.0.0.1/debian\nSuites: bookworm bookworm-updates\nComponents: main\nEnabled: no\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, parse := range []func([]byte) ([]SourceEntry, error){ParseOneLineSources, ParseDeb822Sources} {
			entries, err := parse(data)
			if err != nil {
				continue
			}
			for _, e := range entries {
				for _, s := range e.Suites {
					if !bytes.Contains(data, []byte(s)) {
						t.Fatalf("suite %q is not in the input", s)
					}
				}
			}
		}
		ParseMirrorFlag(strings.Split(string(data), "\n"))
	})
}
