package apt

import (
	"bytes"
	"crypto"
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
