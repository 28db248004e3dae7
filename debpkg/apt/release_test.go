package apt

import (
	"bytes"
	"context"
	"crypto"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/ProtonMail/go-crypto/openpgp"
	"github.com/ProtonMail/go-crypto/openpgp/armor"
	"github.com/ProtonMail/go-crypto/openpgp/packet"
	"github.com/google/go-cmp/cmp"
)

func goodRelease() releaseFields {
	return releaseFields{
		Suite: "stable", Codename: "bookworm", Date: rfc2822(refTime.Add(-time.Hour)),
		ValidUntil: rfc2822(refTime.Add(7 * 24 * time.Hour)), ByHash: true,
		Files: map[string][]byte{"main/binary-amd64/Packages": []byte("x")},
	}
}

func TestSplitClearsigned(t *testing.T) {
	key := newKey(t, "archive", 0)
	good := clearsignText(t, "Suite: stable\n-dash: x\n", crypto.SHA256, refTime, key)
	tests := []struct {
		name string
		data []byte
		want error // nil: success
	}{
		{"good", good, nil},
		{"crlf", bytes.ReplaceAll(good, []byte("\n"), []byte("\r\n")), nil},
		{"text before", append([]byte("Suite: evil\n\n"), good...), ErrUnsignedText},
		{"blank line before", append([]byte("\n"), good...), ErrUnsignedText},
		{"text after", append(append([]byte{}, good...), "Suite: evil\n"...), ErrUnsignedText},
		{"second signed block", append(append([]byte{}, good...), good...), ErrUnsignedText},
		{"unescaped dash line", bytes.Replace(good, []byte("- -dash"), []byte("-dash"), 1), ErrUnsignedText},
		{"no signature block", bytes.SplitAfter(good, []byte("-dash: x\n"))[0], ErrUnsignedText},
		{"not signed", []byte("Suite: stable\n"), ErrNoSignature},
		{"whitespace after is fine", append(append([]byte{}, good...), "\n\n"...), nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cs, err := SplitClearsigned(tt.data)
			if !errors.Is(err, tt.want) || (tt.want == nil) != (err == nil) {
				t.Fatalf("SplitClearsigned: got %v, want %v", err, tt.want)
			}
			if err != nil {
				return
			}
			if diff := cmp.Diff("Suite: stable\n-dash: x\n", string(cs.Plaintext)); diff != "" {
				t.Errorf("Plaintext (-want +got):\n%s", diff)
			}
		})
	}
}

func TestRelease(t *testing.T) {
	trusted := newKey(t, "archive", 0)
	other := newKey(t, "stranger", 0)
	expired := newKey(t, "expired", 60) // expires a minute after creation, a year ago
	revoked := newKey(t, "revoked", 0)
	if err := revoked.RevokeKey(packet.KeyCompromised, "test", keyConfig(refTime.AddDate(0, -1, 0), 0)); err != nil {
		t.Fatal(err)
	}
	keyring := publicKeyring(t, trusted, expired, revoked)
	signedAt := refTime.Add(-time.Hour)
	sign := func(f releaseFields, keys ...*openpgp.Entity) []byte {
		return clearsignText(t, releaseText(f), crypto.SHA256, signedAt, keys...)
	}
	mod := func(change func(*releaseFields)) releaseFields {
		f := goodRelease()
		change(&f)
		return f
	}
	tampered := bytes.Replace(sign(goodRelease(), trusted), []byte("Label: Test"), []byte("Label: Evil"), 1)

	tests := []struct {
		name    string
		suite   string
		inRel   []byte
		opts    func(*Options)
		wantSig error // reason of a *SignatureError
		wantRel error // reason of a *ReleaseError
		signers int
	}{
		{name: "good", inRel: sign(goodRelease(), trusted), signers: 1},
		{name: "by codename", suite: "bookworm", inRel: sign(goodRelease(), trusted), signers: 1},
		{name: "trusted and unknown signer", inRel: sign(goodRelease(), other, trusted), signers: 1},
		{name: "unknown signer only", inRel: sign(goodRelease(), other), wantSig: ErrUnknownKey},
		{name: "empty keyring", inRel: sign(goodRelease(), trusted), opts: func(o *Options) { o.Keyring = nil }, wantSig: ErrNoKeyring},
		{name: "tampered text", inRel: tampered, wantSig: ErrBadSignature},
		{name: "manual sha256 (control)", inRel: clearsignManual(t, releaseText(goodRelease()), crypto.SHA256, signedAt, trusted), signers: 1},
		{name: "sha1", inRel: clearsignManual(t, releaseText(goodRelease()), crypto.SHA1, signedAt, trusted), wantSig: ErrSHA1Signature},
		{name: "expired key", inRel: sign(goodRelease(), expired), wantSig: ErrExpiredKey},
		{name: "revoked key", inRel: sign(goodRelease(), revoked), wantSig: ErrRevokedKey},
		{name: "good and revoked", inRel: sign(goodRelease(), trusted, revoked), wantSig: ErrRevokedKey},
		{name: "unsigned prefix", inRel: append([]byte("Suite: x\n"), sign(goodRelease(), trusted)...), wantSig: ErrUnsignedText},
		{name: "unsigned suffix", inRel: append(sign(goodRelease(), trusted), "Suite: x\n"...), wantSig: ErrUnsignedText},
		{name: "plain text", inRel: []byte(releaseText(goodRelease())), wantSig: ErrNoSignature},
		{name: "wrong suite", suite: "trixie", inRel: sign(goodRelease(), trusted), wantRel: ErrWrongSuite},
		{name: "expired release", inRel: sign(mod(func(f *releaseFields) { f.ValidUntil = rfc2822(refTime.Add(-time.Minute)) }), trusted), wantRel: ErrExpired},
		{name: "expired release ignored", inRel: sign(mod(func(f *releaseFields) { f.ValidUntil = rfc2822(refTime.Add(-time.Minute)) }), trusted),
			opts: func(o *Options) { o.IgnoreValidUntil = true }, signers: 1},
		{name: "future date", inRel: sign(mod(func(f *releaseFields) { f.Date = rfc2822(refTime.Add(time.Hour)) }), trusted), wantRel: ErrFutureDate},
		{name: "date within skew", inRel: sign(mod(func(f *releaseFields) { f.Date = rfc2822(refTime.Add(time.Minute)) }), trusted), signers: 1},
		{name: "no sha256", inRel: sign(mod(func(f *releaseFields) { f.NoSHA256 = true }), trusted), wantRel: ErrNoSHA256},
		{name: "no date", inRel: sign(mod(func(f *releaseFields) { f.Date = "" }), trusted), wantRel: ErrBadRelease},
		{name: "bad date", inRel: sign(mod(func(f *releaseFields) { f.Date = "yesterday" }), trusted), wantRel: ErrBadRelease},
		{name: "rollback", inRel: sign(goodRelease(), trusted), opts: func(o *Options) { o.MinDate = refTime }, wantRel: ErrRollback},
		{name: "not a rollback", inRel: sign(goodRelease(), trusted), opts: func(o *Options) { o.MinDate = refTime.Add(-2 * time.Hour) }, signers: 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			suite := tt.suite
			if suite == "" {
				suite = "stable"
			}
			srv := newTestServer(t, map[string][]byte{"/dists/" + suite + "/InRelease": tt.inRel})
			c := testClient(t, keyring, tt.opts)
			rel, err := c.Release(context.Background(), srv.URL+"/", suite)
			checkErr(t, err, tt.wantSig, tt.wantRel)
			if err != nil {
				return
			}
			if len(rel.SignedBy) != tt.signers {
				t.Errorf("SignedBy = %v, want %d signers", rel.SignedBy, tt.signers)
			}
			want := &Release{
				Mirror: srv.URL + "/", Suite: suite, Origin: "Test", Label: "Test", SuiteField: "stable", Codename: "bookworm",
				Date: rel.Date, ValidUntil: rel.ValidUntil, Architectures: []string{"amd64", "arm64"}, Components: []string{"main", "contrib"},
				AcquireByHash: true, SHA256: sha256hex(tt.inRel), SignedBy: rel.SignedBy,
				Files: map[string]FileInfo{"main/binary-amd64/Packages": {Path: "main/binary-amd64/Packages", Size: 1, SHA256: sha256hex([]byte("x"))}},
			}
			if diff := cmp.Diff(want, rel); diff != "" {
				t.Errorf("Release (-want +got):\n%s", diff)
			}
		})
	}
}

// checkErr checks err is a *SignatureError with reason wantSig, a
// *ReleaseError with reason wantRel, or nil when both are nil.
func checkErr(t *testing.T, err, wantSig, wantRel error) {
	t.Helper()
	var se *SignatureError
	var re *ReleaseError
	switch {
	case wantSig != nil:
		if !errors.As(err, &se) || !errors.Is(err, wantSig) {
			t.Fatalf("got %v, want a SignatureError for %v", err, wantSig)
		}
	case wantRel != nil:
		if !errors.As(err, &re) || !errors.Is(err, wantRel) {
			t.Fatalf("got %v, want a ReleaseError for %v", err, wantRel)
		}
	case err != nil:
		t.Fatalf("unexpected error: %v", err)
	}
	if err != nil && !strings.Contains(err.Error(), "/dists/") {
		t.Errorf("error %q does not name the file", err)
	}
}

func TestReleaseDetached(t *testing.T) {
	trusted := newKey(t, "archive", 0)
	other := newKey(t, "stranger", 0)
	relText := []byte(releaseText(goodRelease()))
	tests := []struct {
		name             string
		files            map[string][]byte
		wantSig, wantRel error
	}{
		{"good", map[string][]byte{"/dists/stable/Release": relText, "/dists/stable/Release.gpg": detachSign(t, relText, trusted)}, nil, nil},
		{"binary signature", map[string][]byte{"/dists/stable/Release": relText, "/dists/stable/Release.gpg": dearmor(t, detachSign(t, relText, trusted))}, nil, nil},
		{"no Release.gpg", map[string][]byte{"/dists/stable/Release": relText}, ErrNoSignature, nil},
		{"unknown key", map[string][]byte{"/dists/stable/Release": relText, "/dists/stable/Release.gpg": detachSign(t, relText, other)}, ErrUnknownKey, nil},
		{"tampered", map[string][]byte{"/dists/stable/Release": append(relText, "X: y\n"...), "/dists/stable/Release.gpg": detachSign(t, relText, trusted)}, ErrBadSignature, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := newTestServer(t, tt.files)
			c := testClient(t, publicKeyring(t, trusted), nil)
			_, err := c.Release(context.Background(), srv.URL, "stable")
			checkErr(t, err, tt.wantSig, tt.wantRel)
		})
	}
	t.Run("InRelease failing otherwise is no fallback", func(t *testing.T) {
		srv := newTestServer(t, map[string][]byte{"/dists/stable/Release": relText, "/dists/stable/Release.gpg": detachSign(t, relText, trusted)})
		srv.hook = func(w http.ResponseWriter, r *http.Request, n int) bool {
			if strings.HasSuffix(r.URL.Path, "InRelease") {
				w.WriteHeader(http.StatusForbidden)
				return true
			}
			return false
		}
		c := testClient(t, publicKeyring(t, trusted), nil)
		_, err := c.Release(context.Background(), srv.URL, "stable")
		var he *HTTPError
		if !errors.As(err, &he) || he.Status != http.StatusForbidden {
			t.Fatalf("got %v, want HTTPError 403", err)
		}
		if got := srv.requests(); len(got) != 1 {
			t.Errorf("requests %v: a 403 is final", got)
		}
	})
}

func dearmor(t testing.TB, data []byte) []byte {
	t.Helper()
	b, err := armor.Decode(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if _, err := out.ReadFrom(b.Body); err != nil {
		t.Fatal(err)
	}
	return out.Bytes()
}

func TestReadKeyring(t *testing.T) {
	a, b := newKey(t, "a", 0), newKey(t, "b", 0)
	armored := func(e *openpgp.Entity) []byte {
		var buf bytes.Buffer
		w, err := armor.Encode(&buf, openpgp.PublicKeyType, nil)
		if err != nil {
			t.Fatal(err)
		}
		if err := e.Serialize(w); err != nil {
			t.Fatal(err)
		}
		w.Close()
		return buf.Bytes()
	}
	binary := func(e *openpgp.Entity) []byte {
		var buf bytes.Buffer
		if err := e.Serialize(&buf); err != nil {
			t.Fatal(err)
		}
		return buf.Bytes()
	}
	tests := []struct {
		name    string
		data    []byte
		want    int
		wantErr bool
	}{
		{"binary", binary(a), 1, false},
		{"binary concatenated", append(binary(a), binary(b)...), 2, false},
		{"armored", armored(a), 1, false},
		{"armored concatenated", append(append(armored(a), '\n'), armored(b)...), 2, false},
		{"empty", nil, 0, true},
		{"garbage", []byte("not a key"), 0, true},
		{"signature block", []byte("-----BEGIN PGP SIGNATURE-----\n\n-----END PGP PUBLIC KEY BLOCK-----\n"), 0, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			kr, err := ReadKeyring(tt.data)
			if (err != nil) != tt.wantErr {
				t.Fatalf("ReadKeyring: %v, wantErr %v", err, tt.wantErr)
			}
			if len(kr) != tt.want {
				t.Errorf("got %d keys, want %d", len(kr), tt.want)
			}
		})
	}
}

func TestParseReleaseDate(t *testing.T) {
	tests := []struct {
		in   string
		want time.Time
		ok   bool
	}{
		{"Sat, 21 Nov 2026 09:54:14 UTC", time.Date(2026, 11, 21, 9, 54, 14, 0, time.UTC), true},
		{"Sat, 21 Nov 2026  9:54:14 UTC", time.Date(2026, 11, 21, 9, 54, 14, 0, time.UTC), true},
		{"Sat, 21 Nov 2026 09:54:14 +0100", time.Date(2026, 11, 21, 8, 54, 14, 0, time.UTC), true},
		{"21 Nov 2026 09:54:14 GMT", time.Date(2026, 11, 21, 9, 54, 14, 0, time.UTC), true},
		{"Sat, 21 Nov 2026 09:54:14 CET", time.Time{}, false},
		{"2026-11-21", time.Time{}, false},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := parseReleaseDate(tt.in)
			if (err == nil) != tt.ok || !got.Equal(tt.want) {
				t.Errorf("parseReleaseDate = %v, %v; want %v (ok %v)", got, err, tt.want, tt.ok)
			}
		})
	}
}

func TestParseReleaseChecksums(t *testing.T) {
	sum := strings.Repeat("ab", 32)
	tests := []struct {
		name    string
		section string
		wantErr bool
	}{
		{"good", "\n " + sum + " 12 main/x", false},
		{"duplicate same", "\n " + sum + " 12 main/x\n " + sum + " 12 main/x", false},
		{"duplicate different", "\n " + sum + " 12 main/x\n " + sum + " 13 main/x", true},
		{"short hash", "\n abcd 12 main/x", true},
		{"upper-case hash", "\n " + strings.ToUpper(sum) + " 12 main/x", true},
		{"negative size", "\n " + sum + " -1 main/x", true},
		{"missing path", "\n " + sum + " 12", true},
		{"empty", "", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseRelease([]byte("Suite: s\nSHA256:" + tt.section + "\n"))
			if (err != nil) != tt.wantErr {
				t.Errorf("ParseRelease: %v, wantErr %v", err, tt.wantErr)
			}
		})
	}
}
