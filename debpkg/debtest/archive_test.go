package debtest

import (
	"bytes"
	"crypto"
	"crypto/md5"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/ProtonMail/go-crypto/openpgp"
	"github.com/ProtonMail/go-crypto/openpgp/armor"
	"github.com/ProtonMail/go-crypto/openpgp/clearsign"
	"github.com/ProtonMail/go-crypto/openpgp/packet"
	"github.com/google/go-cmp/cmp"
	"github.com/klauspost/compress/gzip"
	"github.com/plinth-build/plinth/debpkg"
	"github.com/xi2/xz"
)

var genKeys = flag.Bool("debtest.genkeys", false, "regenerate the test keys in testdata (then commit them)")

// TestGenerateKeys writes testdata/{archive,wrong,expired}-key{,.pub}.asc.
// It runs only with -debtest.genkeys.
func TestGenerateKeys(t *testing.T) {
	if !*genKeys {
		t.Skip("regenerates the committed test keys; run with -debtest.genkeys")
	}
	created := time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)
	for _, k := range []struct {
		name     string
		lifetime uint32
	}{{"archive", 0}, {"wrong", 0}, {"expired", 2 * 365 * 24 * 3600}} {
		cfg := &packet.Config{
			Algorithm:       packet.PubKeyAlgoRSA,
			RSABits:         3072,
			DefaultHash:     crypto.SHA512,
			Time:            func() time.Time { return created },
			KeyLifetimeSecs: k.lifetime,
		}
		e, err := openpgp.NewEntity("plinth test "+k.name+" key", "tests only", k.name+"@plinth.invalid", cfg)
		if err != nil {
			t.Fatal(err)
		}
		writeArmored(t, filepath.Join("testdata", k.name+"-key.asc"), openpgp.PrivateKeyType, func(w *bytes.Buffer) error {
			return e.SerializePrivateWithoutSigning(w, cfg)
		})
		writeArmored(t, filepath.Join("testdata", k.name+"-key.pub.asc"), openpgp.PublicKeyType, func(w *bytes.Buffer) error {
			return e.Serialize(w)
		})
	}
}

func writeArmored(t *testing.T, file, blockType string, write func(*bytes.Buffer) error) {
	t.Helper()
	var raw, out bytes.Buffer
	if err := write(&raw); err != nil {
		t.Fatal(err)
	}
	w, err := armor.Encode(&out, blockType, nil)
	if err != nil {
		t.Fatal(err)
	}
	w.Write(raw.Bytes())
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	out.WriteByte('\n')
	if err := os.WriteFile(file, out.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

// defaultDate is a Suite's Date when it gives none.
var defaultDate = time.Unix(ModTimeUnix, 0).UTC()

// testDebs returns an amd64 package, an "all" library package with a
// source and an epoch.
func testDebs() []Deb {
	return []Deb{
		{
			Control: Control("hello", "2.10-3", "amd64", "Depends", "libgreet1 (>= 1.0)"),
			Files:   []File{{Path: "/usr/bin/hello", Mode: 0o755, Data: []byte("#!/bin/sh\necho hello\n")}},
		},
		{
			Control: Control("libgreet1", "1:1.2-1", "all", "Source", "libgreet (1:1.2-1)", "Multi-Arch", "foreign"),
			Files:   []File{{Path: "/usr/share/greet/greeting", Data: []byte("hello\n")}},
		},
	}
}

// get fetches path from the archive and returns its status and body.
func get(t *testing.T, a *Archive, path string, header ...string) (int, []byte, http.Header) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, a.URL+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := a.Server.Client().Do(req)
	if err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("GET %s: reading body: %v", path, err)
	}
	return resp.StatusCode, body, resp.Header
}

// mustGet fetches path and fails unless it is served with 200.
func mustGet(t *testing.T, a *Archive, path string) []byte {
	t.Helper()
	status, body, _ := get(t, a, path)
	if status != http.StatusOK {
		t.Fatalf("GET %s: status %d, want 200", path, status)
	}
	return body
}

// releaseFiles parses the SHA256 (or MD5Sum) section of a Release.
func releaseFiles(t *testing.T, rel debpkg.Paragraph, field string) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, line := range strings.Split(strings.TrimSpace(rel.Get(field)), "\n") {
		f := strings.Fields(line)
		if len(f) != 3 {
			t.Fatalf("Release %s line %q: want \"hash size path\"", field, line)
		}
		out[f[2]] = f[0] + " " + f[1]
	}
	return out
}

func sum(data []byte) string {
	h := sha256.Sum256(data)
	return hex.EncodeToString(h[:])
}

func TestNewArchiveLayout(t *testing.T) {
	date := time.Date(2024, 3, 1, 12, 0, 0, 0, time.UTC)
	a := NewArchive(t, []Suite{{
		Name: "bookworm", Codename: "bookworm", Debs: testDebs(), Date: date,
		ValidUntil: date.Add(7 * 24 * time.Hour), AcquireByHash: true,
	}}, Tamper{})

	keyring, err := openpgp.ReadArmoredKeyRing(bytes.NewReader(a.PublicKey))
	if err != nil {
		t.Fatalf("reading PublicKey: %v", err)
	}
	inRelease := mustGet(t, a, "/dists/bookworm/InRelease")
	block, rest := clearsign.Decode(inRelease)
	if block == nil || len(bytes.TrimSpace(rest)) != 0 {
		t.Fatalf("InRelease is not one clearsigned message:\n%s", inRelease)
	}
	if _, err := block.VerifySignature(keyring, &packet.Config{Time: a.Now}); err != nil {
		t.Fatalf("verifying InRelease: %v", err)
	}
	release := mustGet(t, a, "/dists/bookworm/Release")
	if got := append(slices.Clone(block.Plaintext), '\n'); !bytes.Equal(got, release) {
		t.Errorf("InRelease's signed text differs from Release:\n%s", cmp.Diff(string(release), string(got)))
	}
	sig := mustGet(t, a, "/dists/bookworm/Release.gpg")
	if _, err := openpgp.CheckArmoredDetachedSignature(keyring, bytes.NewReader(release), bytes.NewReader(sig), &packet.Config{Time: a.Now}); err != nil {
		t.Fatalf("verifying Release.gpg: %v", err)
	}

	rel, err := debpkg.ParseParagraph(bytes.NewReader(release))
	if err != nil {
		t.Fatalf("parsing Release: %v", err)
	}
	want := map[string]string{
		"Suite": "bookworm", "Codename": "bookworm", "Date": "Fri, 01 Mar 2024 12:00:00 UTC",
		"Valid-Until": "Fri, 08 Mar 2024 12:00:00 UTC", "Acquire-By-Hash": "yes",
		"Architectures": "amd64", "Components": "main",
	}
	for field, v := range want {
		if got := rel.Get(field); got != v {
			t.Errorf("Release %s = %q, want %q", field, got, v)
		}
	}
	if now := a.Now(); !now.After(date) || !now.Before(date.Add(7*24*time.Hour)) {
		t.Errorf("Now() = %v, want between Date and Valid-Until", now)
	}

	shas, md5s := releaseFiles(t, rel, "SHA256"), releaseFiles(t, rel, "MD5Sum")
	wantPaths := []string{"main/binary-amd64/Packages", "main/binary-amd64/Packages.gz", "main/binary-amd64/Packages.xz"}
	var indexes [][]byte
	for _, p := range wantPaths {
		data := mustGet(t, a, "/dists/bookworm/"+p)
		if got, want := shas[p], fmt.Sprintf("%s %d", sum(data), len(data)); got != want {
			t.Errorf("Release SHA256 of %s = %q, want %q", p, got, want)
		}
		m := md5.Sum(data)
		if got, want := md5s[p], fmt.Sprintf("%s %d", hex.EncodeToString(m[:]), len(data)); got != want {
			t.Errorf("Release MD5Sum of %s = %q, want %q", p, got, want)
		}
		if byHash := mustGet(t, a, "/dists/bookworm/main/binary-amd64/by-hash/SHA256/"+sum(data)); !bytes.Equal(byHash, data) {
			t.Errorf("by-hash copy of %s differs", p)
		}
		indexes = append(indexes, data)
	}
	if len(shas) != len(wantPaths) {
		t.Errorf("Release lists %d files, want %d: %v", len(shas), len(wantPaths), shas)
	}
	zr, err := gzip.NewReader(bytes.NewReader(indexes[1]))
	if err != nil {
		t.Fatal(err)
	}
	gunzipped, err := io.ReadAll(zr)
	if err != nil {
		t.Fatalf("decompressing Packages.gz: %v", err)
	}
	xr, err := xz.NewReader(bytes.NewReader(indexes[2]), 0)
	if err != nil {
		t.Fatal(err)
	}
	unxzed, err := io.ReadAll(xr)
	if err != nil {
		t.Fatalf("decompressing Packages.xz: %v", err)
	}
	if !bytes.Equal(gunzipped, indexes[0]) || !bytes.Equal(unxzed, indexes[0]) {
		t.Errorf("Packages.gz or Packages.xz decompress to other bytes than Packages")
	}

	stanzas, err := debpkg.ParseParagraphs(bytes.NewReader(indexes[0]))
	if err != nil {
		t.Fatalf("parsing Packages: %v", err)
	}
	if diff := cmp.Diff(a.Packages["bookworm"], stanzas); diff != "" {
		t.Errorf("Archive.Packages differs from the served index (-want +got):\n%s", diff)
	}
	wantFiles := []string{
		"pool/main/h/hello/hello_2.10-3_amd64.deb",
		"pool/main/libg/libgreet/libgreet1_1.2-1_all.deb",
	}
	var gotFiles []string
	for _, p := range stanzas {
		pkg, err := debpkg.ParsePackage(p)
		if err != nil {
			t.Fatalf("parsing stanza: %v", err)
		}
		gotFiles = append(gotFiles, pkg.Filename)
		deb := mustGet(t, a, "/"+pkg.Filename)
		if !bytes.Equal(deb, a.Debs[pkg.Filename]) {
			t.Errorf("%s: served bytes differ from Archive.Debs", pkg.Filename)
		}
		m := md5.Sum(deb)
		if pkg.Size != int64(len(deb)) || pkg.SHA256 != sum(deb) || p.Get("MD5sum") != hex.EncodeToString(m[:]) {
			t.Errorf("%s: stanza says size %d sha256 %s md5 %s; served %d bytes %s", pkg.Filename, pkg.Size, pkg.SHA256, p.Get("MD5sum"), len(deb), sum(deb))
		}
		if p.Get("Maintainer") == "" || p.Get("Description") == "" {
			t.Errorf("%s: stanza lacks control fields:\n%s", pkg.Filename, p)
		}
	}
	if diff := cmp.Diff(wantFiles, gotFiles); diff != "" {
		t.Errorf("pool Filenames (-want +got):\n%s", diff)
	}
}

func TestNewArchiveSuites(t *testing.T) {
	debs := testDebs()
	a := NewArchive(t, []Suite{
		{Name: "bookworm", Debs: debs[:1], Archs: []string{"amd64", "arm64"}},
		{Name: "bookworm-updates", Codename: "bookworm-updates", Components: []string{"main", "contrib"},
			ByComponent: map[string][]Deb{"contrib": debs[1:]}, Date: defaultDate.Add(48 * time.Hour)},
	}, Tamper{})
	if want := defaultDate.Add(49 * time.Hour); !a.Now().Equal(want) {
		t.Errorf("Now() = %v, want %v (an hour after the latest Date)", a.Now(), want)
	}
	for path, wantStatus := range map[string]int{
		"/dists/bookworm/main/binary-amd64/Packages.xz":                200,
		"/dists/bookworm/main/binary-arm64/Packages.xz":                200, // empty index
		"/dists/bookworm-updates/main/binary-amd64/Packages":           200,
		"/dists/bookworm-updates/contrib/binary-amd64/Packages":        200,
		"/pool/contrib/libg/libgreet/libgreet1_1.2-1_all.deb":          200,
		"/dists/bookworm/main/binary-amd64/by-hash/SHA256/" + sum(nil): 404, // AcquireByHash off
	} {
		if status, _, _ := get(t, a, path); status != wantStatus {
			t.Errorf("GET %s: %d, want %d", path, status, wantStatus)
		}
	}
	rel, err := debpkg.ParseParagraph(bytes.NewReader(mustGet(t, a, "/dists/bookworm/Release")))
	if err != nil {
		t.Fatal(err)
	}
	if got := rel.Get("Architectures"); got != "amd64 arm64" {
		t.Errorf("Architectures = %q", got)
	}
	if _, ok := rel.Lookup("Acquire-By-Hash"); ok {
		t.Errorf("Release has Acquire-By-Hash although AcquireByHash is off")
	}
	if _, ok := rel.Lookup("Valid-Until"); ok {
		t.Errorf("Release has Valid-Until although ValidUntil is zero")
	}
	if n := len(a.Packages["bookworm"]); n != 1 {
		t.Errorf("bookworm has %d stanzas, want 1", n)
	}
}

func TestNewArchiveErrors(t *testing.T) {
	for _, tc := range []struct {
		name   string
		suites []Suite
		want   string
	}{
		{"no suites", nil, "no suites"},
		{"unnamed suite", []Suite{{}}, "give a name"},
		{"arch not listed", []Suite{{Name: "s", Archs: []string{"arm64"}, Debs: testDebs()}}, "not in Archs"},
		{"unknown component", []Suite{{Name: "s", ByComponent: map[string][]Deb{"contrib": testDebs()}}}, "not in Components"},
		{"duplicate suite", []Suite{{Name: "s"}, {Name: "s"}}, "given twice"},
		{"same pool path, other bytes", []Suite{{Name: "s", Debs: []Deb{
			{Control: Control("a", "1", "amd64")},
			{Control: Control("a", "1", "amd64", "Description", "other")},
		}}}, "two different .debs"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := buildArchive(tc.suites, Tamper{})
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("buildArchive: %v, want an error containing %q", err, tc.want)
			}
		})
	}
}

// TestTamperFiles checks what each content switch does to the served
// files, independently of any client.
func TestTamperFiles(t *testing.T) {
	const pkgs = "/dists/bookworm/main/binary-amd64/Packages"
	const deb = "/pool/main/h/hello/hello_2.10-3_amd64.deb"
	clean := NewArchive(t, []Suite{{Name: "bookworm", Debs: testDebs()}}, Tamper{})
	cleanIndex := mustGet(t, clean, pkgs)
	keys := LoadKeys(t)
	for _, tc := range []struct {
		name   string
		tamper Tamper
		check  func(t *testing.T, a *Archive, rel debpkg.Paragraph)
	}{
		{"WrongKey", Tamper{WrongKey: true}, func(t *testing.T, a *Archive, _ debpkg.Paragraph) {
			if !bytes.Equal(a.PublicKey, clean.PublicKey) {
				t.Error("PublicKey is not the archive key")
			}
			wantIssuer(t, a, keys.Wrong)
		}},
		{"ExpiredKey", Tamper{ExpiredKey: true}, func(t *testing.T, a *Archive, _ debpkg.Paragraph) {
			if !bytes.Equal(a.PublicKey, ArmoredPublicKeys(t, keys.Expired)) {
				t.Error("PublicKey is not the expired key")
			}
			wantIssuer(t, a, keys.Expired)
		}},
		{"SHA1Signature", Tamper{SHA1Signature: true}, func(t *testing.T, a *Archive, _ debpkg.Paragraph) {
			in := mustGet(t, a, "/dists/bookworm/InRelease")
			if !bytes.Contains(in, []byte("\nHash: SHA1\n")) {
				t.Error("InRelease has no \"Hash: SHA1\" header")
			}
			for _, s := range signatures(t, a) {
				if s.Hash != crypto.SHA1 {
					t.Errorf("signature hash %v, want SHA1", s.Hash)
				}
			}
		}},
		{"UnsignedTextBefore", Tamper{UnsignedTextBefore: true}, func(t *testing.T, a *Archive, _ debpkg.Paragraph) {
			if in := mustGet(t, a, "/dists/bookworm/InRelease"); !bytes.HasPrefix(in, []byte("Origin: unsigned\n")) {
				t.Errorf("InRelease starts %q", in[:40])
			}
		}},
		{"UnsignedTextAfter", Tamper{UnsignedTextAfter: true}, func(t *testing.T, a *Archive, _ debpkg.Paragraph) {
			_, rest := clearsign.Decode(mustGet(t, a, "/dists/bookworm/InRelease"))
			if !bytes.Contains(rest, []byte("SHA256:")) {
				t.Errorf("nothing after the signature: %q", rest)
			}
		}},
		{"ExpiredValidUntil", Tamper{ExpiredValidUntil: true}, func(t *testing.T, a *Archive, rel debpkg.Paragraph) {
			if vu, err := time.Parse(releaseDate, rel.Get("Valid-Until")); err != nil || !vu.Before(a.Now()) {
				t.Errorf("Valid-Until %q (%v), want before Now() %v", rel.Get("Valid-Until"), err, a.Now())
			}
		}},
		{"FutureDate", Tamper{FutureDate: true}, func(t *testing.T, a *Archive, rel debpkg.Paragraph) {
			if d, err := time.Parse(releaseDate, rel.Get("Date")); err != nil || !d.After(a.Now().Add(time.Hour)) {
				t.Errorf("Date %q (%v), want well after Now() %v", rel.Get("Date"), err, a.Now())
			}
		}},
		{"WrongSuite", Tamper{WrongSuite: true}, func(t *testing.T, a *Archive, rel debpkg.Paragraph) {
			if rel.Get("Suite") == "bookworm" || rel.Get("Codename") == "bookworm" {
				t.Errorf("Suite %q Codename %q", rel.Get("Suite"), rel.Get("Codename"))
			}
		}},
		{"NoSHA256", Tamper{NoSHA256: true}, func(t *testing.T, a *Archive, rel debpkg.Paragraph) {
			if _, ok := rel.Lookup("SHA256"); ok || rel.Get("MD5Sum") == "" || rel.Get("SHA1") == "" {
				t.Errorf("Release:\n%s", rel)
			}
			sha1s := releaseFiles(t, rel, "SHA1")
			if got, want := sha1s["main/binary-amd64/Packages"], fmt.Sprintf("%x %d", sha1.Sum(cleanIndex), len(cleanIndex)); got != want {
				t.Errorf("SHA1 entry %q, want %q", got, want)
			}
		}},
		{"ArmorHeaders", Tamper{ArmorHeaders: "Comment: x\nX-Unknown: y"}, func(t *testing.T, a *Archive, _ debpkg.Paragraph) {
			in := mustGet(t, a, "/dists/bookworm/InRelease")
			if !bytes.HasPrefix(in, []byte("-----BEGIN PGP SIGNED MESSAGE-----\nHash: SHA512\nComment: x\nX-Unknown: y\n\nOrigin: ")) {
				t.Errorf("InRelease starts %q", in[:100])
			}
		}},
		{"TwoSignedBlocks", Tamper{TwoSignedBlocks: true}, func(t *testing.T, a *Archive, _ debpkg.Paragraph) {
			first, rest := clearsign.Decode(mustGet(t, a, "/dists/bookworm/InRelease"))
			if first == nil {
				t.Fatal("InRelease does not start with a clearsigned message")
			}
			second, rest := clearsign.Decode(rest)
			if second == nil || len(rest) != 0 {
				t.Fatalf("no second clearsigned message, or %d bytes after it", len(rest))
			}
			if !bytes.Contains(second.Plaintext, []byte("Label: second block\n")) || bytes.Equal(first.Plaintext, second.Plaintext) {
				t.Errorf("second block:\n%s", second.Plaintext)
			}
			keyring, err := openpgp.ReadArmoredKeyRing(bytes.NewReader(a.PublicKey))
			if err != nil {
				t.Fatal(err)
			}
			if _, err := second.VerifySignature(keyring, &packet.Config{Time: a.Now}); err != nil {
				t.Errorf("second block not validly signed: %v", err)
			}
		}},
		{"CorruptIndex", Tamper{CorruptIndex: true}, func(t *testing.T, a *Archive, rel debpkg.Paragraph) {
			got := mustGet(t, a, pkgs)
			if len(got) != len(cleanIndex) || bytes.Equal(got, cleanIndex) {
				t.Error("index not corrupted in place")
			}
			if releaseFiles(t, rel, "SHA256")["main/binary-amd64/Packages"] != fmt.Sprintf("%s %d", sum(cleanIndex), len(cleanIndex)) {
				t.Error("Release does not declare the clean index")
			}
		}},
		{"WrongIndexSize", Tamper{WrongIndexSize: true}, func(t *testing.T, a *Archive, rel debpkg.Paragraph) {
			if got := mustGet(t, a, pkgs); !bytes.Equal(got, cleanIndex) {
				t.Error("index content changed")
			}
			if got, want := releaseFiles(t, rel, "SHA256")["main/binary-amd64/Packages"], fmt.Sprintf("%s %d", sum(cleanIndex), len(cleanIndex)+1); got != want {
				t.Errorf("Release declares %q, want %q", got, want)
			}
		}},
		{"IndexBiggerThanDeclared", Tamper{IndexBiggerThanDeclared: true}, func(t *testing.T, a *Archive, _ debpkg.Paragraph) {
			if got := mustGet(t, a, pkgs); !bytes.HasPrefix(got, cleanIndex) || len(got) != len(cleanIndex)+4096 {
				t.Errorf("served %d bytes, want the %d declared + 4096", len(got), len(cleanIndex))
			}
		}},
		{"CorruptDeb", Tamper{CorruptDeb: true}, func(t *testing.T, a *Archive, _ debpkg.Paragraph) {
			got, want := mustGet(t, a, deb), a.Debs[strings.TrimPrefix(deb, "/")]
			if len(got) != len(want) || bytes.Equal(got, want) {
				t.Error(".deb not corrupted in place")
			}
		}},
		{"DetachedOnly", Tamper{DetachedOnly: true}, func(t *testing.T, a *Archive, _ debpkg.Paragraph) {
			if status, _, _ := get(t, a, "/dists/bookworm/InRelease"); status != http.StatusNotFound {
				t.Errorf("InRelease: %d, want 404", status)
			}
		}},
		{"EditStanza and EditRelease", Tamper{
			EditStanza:  func(_ string, p *debpkg.Paragraph) { p.Set("Filename", "../../etc/passwd") },
			EditRelease: func(_ string, p *debpkg.Paragraph) { p.Set("Origin", "edited") },
		}, func(t *testing.T, a *Archive, rel debpkg.Paragraph) {
			if !bytes.Contains(mustGet(t, a, pkgs), []byte("Filename: ../../etc/passwd\n")) || rel.Get("Origin") != "edited" {
				t.Error("edits not applied")
			}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a := NewArchive(t, []Suite{{Name: "bookworm", Debs: testDebs()}}, tc.tamper)
			rel, err := debpkg.ParseParagraph(bytes.NewReader(mustGet(t, a, "/dists/bookworm/Release")))
			if err != nil {
				t.Fatal(err)
			}
			tc.check(t, a, rel)
		})
	}
}

// signatures returns the signature packets of Release.gpg and InRelease
// (when served).
func signatures(t *testing.T, a *Archive) []*packet.Signature {
	t.Helper()
	block, err := armor.Decode(bytes.NewReader(mustGet(t, a, "/dists/bookworm/Release.gpg")))
	if err != nil {
		t.Fatalf("decoding Release.gpg: %v", err)
	}
	bodies := []io.Reader{block.Body}
	if status, in, _ := get(t, a, "/dists/bookworm/InRelease"); status == http.StatusOK {
		cs, _ := clearsign.Decode(in)
		if cs == nil {
			t.Fatal("InRelease is not clearsigned")
		}
		bodies = append(bodies, cs.ArmoredSignature.Body)
	}
	var out []*packet.Signature
	for _, body := range bodies {
		p, err := packet.Read(body)
		if err != nil {
			t.Fatalf("reading signature: %v", err)
		}
		sig, ok := p.(*packet.Signature)
		if !ok {
			t.Fatalf("packet %T, want a signature", p)
		}
		out = append(out, sig)
	}
	return out
}

func wantIssuer(t *testing.T, a *Archive, key *openpgp.Entity) {
	t.Helper()
	for _, s := range signatures(t, a) {
		if s.IssuerKeyId == nil || *s.IssuerKeyId != key.PrimaryKey.KeyId {
			t.Errorf("signature issuer %v, want %s", s.IssuerKeyId, key.PrimaryKey.KeyIdString())
		}
	}
}

func TestServerSwitches(t *testing.T) {
	const deb = "/pool/main/h/hello/hello_2.10-3_amd64.deb"
	t.Run("HTTP500Once and TooManyRequestsOnce", func(t *testing.T) {
		a := NewArchive(t, []Suite{{Name: "bookworm", Debs: testDebs()}}, Tamper{HTTP500Once: true, TooManyRequestsOnce: true})
		var statuses []int
		var retryAfter string
		for range 3 {
			status, _, h := get(t, a, "/dists/bookworm/InRelease")
			statuses = append(statuses, status)
			if status == http.StatusTooManyRequests {
				retryAfter = h.Get("Retry-After")
			}
		}
		if diff := cmp.Diff([]int{500, 429, 200}, statuses); diff != "" {
			t.Errorf("statuses (-want +got):\n%s", diff)
		}
		if retryAfter != "1" {
			t.Errorf("Retry-After = %q, want 1", retryAfter)
		}
		if status, _, _ := get(t, a, deb); status != 500 {
			t.Errorf("first GET of another path: %d, want 500", status)
		}
		want := []string{"/dists/bookworm/InRelease", "/dists/bookworm/InRelease", "/dists/bookworm/InRelease", deb}
		if diff := cmp.Diff(want, a.Requests()); diff != "" {
			t.Errorf("Requests (-want +got):\n%s", diff)
		}
	})
	t.Run("ResetMidBody", func(t *testing.T) {
		a := NewArchive(t, []Suite{{Name: "bookworm", Debs: testDebs()}}, Tamper{ResetMidBody: true})
		resp, err := a.Server.Client().Get(a.URL + deb)
		if err != nil {
			t.Fatal(err)
		}
		body, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if !errors.Is(err, syscall.ECONNRESET) || len(body) > len(a.Debs[deb[1:]])/2 {
			t.Errorf("first GET: %d bytes, %v; want at most half the .deb and a connection reset", len(body), err)
		}
		if got := mustGet(t, a, deb); !bytes.Equal(got, a.Debs[deb[1:]]) {
			t.Error("second GET: not the whole .deb")
		}
		if got := mustGet(t, a, "/dists/bookworm/Release"); len(got) == 0 {
			t.Error("Release not served whole")
		}
	})
	t.Run("RetryAfter", func(t *testing.T) {
		a := NewArchive(t, []Suite{{Name: "bookworm"}}, Tamper{TooManyRequestsOnce: true, RetryAfter: "3600"})
		if status, _, h := get(t, a, "/dists/bookworm/InRelease"); status != http.StatusTooManyRequests || h.Get("Retry-After") != "3600" {
			t.Errorf("first GET: %d, Retry-After %q; want 429, 3600", status, h.Get("Retry-After"))
		}
	})
	t.Run("MidSync", func(t *testing.T) {
		for _, tc := range []struct {
			name    string
			midSync int
		}{{"once", 1}, {"twice", 2}, {"for good", -1}} {
			t.Run(tc.name, func(t *testing.T) {
				a := NewArchive(t, []Suite{{Name: "bookworm", Debs: testDebs(), AcquireByHash: true}}, Tamper{MidSync: tc.midSync})
				rel, err := debpkg.ParseParagraph(bytes.NewReader(mustGet(t, a, "/dists/bookworm/Release")))
				if err != nil {
					t.Fatal(err)
				}
				byName := "/dists/bookworm/main/binary-amd64/Packages"
				byHash := "/dists/bookworm/main/binary-amd64/by-hash/SHA256/" + strings.Fields(releaseFiles(t, rel, "SHA256")["main/binary-amd64/Packages"])[0]
				stale := mustGet(t, a, byName)
				if !bytes.Contains(stale, []byte("Package: hello\n")) || bytes.Contains(stale, []byte("Package: libgreet1\n")) {
					t.Errorf("first GET by name: want the index without its last package, got\n%s", stale)
				}
				for n := range 3 {
					status, body, _ := get(t, a, byHash)
					healed := tc.midSync >= 0 && n >= tc.midSync
					switch {
					case healed && (status != http.StatusOK || !bytes.Contains(body, []byte("Package: libgreet1\n"))):
						t.Errorf("GET %d by hash: %d, want 200 and the current index", n+1, status)
					case !healed && status != http.StatusNotFound:
						t.Errorf("GET %d by hash: %d, want 404", n+1, status)
					}
				}
			})
		}
	})
	t.Run("Redirect", func(t *testing.T) {
		a := NewArchive(t, []Suite{{Name: "bookworm", Debs: testDebs()}}, Tamper{})
		a.Redirect(deb, "http://127.0.0.1:9/elsewhere.deb")
		client := a.Server.Client()
		client.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
		resp, err := client.Get(a.URL + deb)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusFound || resp.Header.Get("Location") != "http://127.0.0.1:9/elsewhere.deb" {
			t.Errorf("GET: %d, Location %q; want 302 to the target", resp.StatusCode, resp.Header.Get("Location"))
		}
	})
	t.Run("Range honoured", func(t *testing.T) {
		a := NewArchive(t, []Suite{{Name: "bookworm", Debs: testDebs()}}, Tamper{})
		status, body, _ := get(t, a, deb, "Range", "bytes=10-")
		if status != http.StatusPartialContent || !bytes.Equal(body, a.Debs[deb[1:]][10:]) {
			t.Errorf("Range: %d, %d bytes; want 206 and the tail", status, len(body))
		}
	})
	t.Run("RangeIgnored", func(t *testing.T) {
		a := NewArchive(t, []Suite{{Name: "bookworm", Debs: testDebs()}}, Tamper{RangeIgnored: true})
		status, body, _ := get(t, a, deb, "Range", "bytes=10-")
		if status != http.StatusOK || !bytes.Equal(body, a.Debs[deb[1:]]) {
			t.Errorf("Range: %d, %d bytes; want 200 and the whole file", status, len(body))
		}
	})
	t.Run("Put, Delete, methods", func(t *testing.T) {
		a := NewArchive(t, []Suite{{Name: "bookworm"}}, Tamper{})
		a.Put("/extra", []byte("x"))
		if got := mustGet(t, a, "/extra"); string(got) != "x" {
			t.Errorf("Put: got %q", got)
		}
		a.Delete("dists/bookworm/InRelease")
		if status, _, _ := get(t, a, "/dists/bookworm/InRelease"); status != http.StatusNotFound {
			t.Errorf("after Delete: %d", status)
		}
		resp, err := a.Server.Client().Post(a.URL+"/extra", "text/plain", nil)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusMethodNotAllowed {
			t.Errorf("POST: %d, want 405", resp.StatusCode)
		}
	})
}

func TestSigningHelpers(t *testing.T) {
	keys := LoadKeys(t)
	keyring := openpgp.EntityList{keys.Archive}
	cfg := &packet.Config{Time: func() time.Time { return defaultDate.Add(time.Hour) }}
	text := []byte("Origin: x\n-dash line\ntrailing space   \n\nlast\n")
	signed := ClearSign(t, keys.Archive, crypto.SHA256, defaultDate, text)
	block, rest := clearsign.Decode(signed)
	if block == nil || len(rest) != 0 {
		t.Fatalf("not one clearsigned message:\n%s", signed)
	}
	if want := "Origin: x\n-dash line\ntrailing space\n\nlast"; string(block.Plaintext) != want {
		t.Errorf("plaintext %q, want %q", block.Plaintext, want)
	}
	if !bytes.Contains(signed, []byte("\n- -dash line\n")) {
		t.Errorf("the line starting with a dash is not dash-escaped:\n%s", signed)
	}
	if _, err := block.VerifySignature(keyring, cfg); err != nil {
		t.Errorf("clearsigned text: %v", err)
	}
	sig := DetachSign(t, keys.Archive, crypto.SHA512, defaultDate, text)
	if _, err := openpgp.CheckArmoredDetachedSignature(keyring, bytes.NewReader(text), bytes.NewReader(sig), cfg); err != nil {
		t.Errorf("detached signature: %v", err)
	}
	if _, err := openpgp.CheckArmoredDetachedSignature(openpgp.EntityList{keys.Wrong}, bytes.NewReader(text), bytes.NewReader(sig), cfg); err == nil {
		t.Error("the wrong key verifies the archive key's signature")
	}
	if _, err := clearSign(keys.Archive, crypto.MD5, defaultDate, text); err == nil {
		t.Error("clearSign with MD5: no error")
	}
}

func TestServeDir(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "f"), []byte("data"), 0o644); err != nil {
		t.Fatal(err)
	}
	url := ServeDir(t, dir)
	resp, err := http.Get(url + "/f")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if body, _ := io.ReadAll(resp.Body); string(body) != "data" {
		t.Errorf("GET /f: %q", body)
	}
}

func TestSharedFixtures(t *testing.T) {
	dir := SharedFixtures()
	if dir == "" {
		t.Skip("no ../shared/fixtures next to this checkout")
	}
	if fi, err := os.Stat(dir); err != nil || !fi.IsDir() || filepath.Base(dir) != "fixtures" {
		t.Errorf("SharedFixtures() = %q (%v)", dir, err)
	}
}

// binaryKeyring writes the archive's public key, dearmored (gpgv and apt
// want it so), to a temporary file.
func binaryKeyring(t *testing.T, a *Archive) string {
	t.Helper()
	block, err := armor.Decode(bytes.NewReader(a.PublicKey))
	if err != nil {
		t.Fatalf("dearmoring PublicKey: %v", err)
	}
	data, err := io.ReadAll(block.Body)
	if err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "archive.gpg")
	if err := os.WriteFile(file, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return file
}

// TestGpgv checks the signatures with GnuPG's own verifier, by the status
// line it prints. gpgv exits 0 for an expired key's and for a SHA-1 good
// signature; apt refuses both (TestAptGet).
func TestGpgv(t *testing.T) {
	gpgv, err := exec.LookPath("gpgv")
	if err != nil {
		t.Skip("gpgv not installed (Debian package gpgv)")
	}
	for _, tc := range []struct {
		name   string
		tamper Tamper
		status string // in gpgv's --status-fd output
	}{
		{"clean", Tamper{}, "[GNUPG:] GOODSIG 8F352F5B48F48988 "},
		{"WrongKey", Tamper{WrongKey: true}, "[GNUPG:] NO_PUBKEY FE1F364E491FA260"},
		{"ExpiredKey", Tamper{ExpiredKey: true}, "[GNUPG:] EXPKEYSIG CB406AA2E745434D "},
		// A good signature but for its hash (2 = SHA-1 in the VALIDSIG line).
		{"SHA1Signature", Tamper{SHA1Signature: true}, " 0 4 0 1 2 0"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a := NewArchive(t, []Suite{{Name: "bookworm", Debs: testDebs()}}, tc.tamper)
			keyring := binaryKeyring(t, a)
			dir := t.TempDir()
			for _, f := range []string{"InRelease", "Release", "Release.gpg"} {
				if err := os.WriteFile(filepath.Join(dir, f), mustGet(t, a, "/dists/bookworm/"+f), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			for _, args := range [][]string{{"InRelease"}, {"Release.gpg", "Release"}} {
				cmd := exec.Command(gpgv, append([]string{"--status-fd", "1", "--keyring", keyring}, args...)...)
				cmd.Dir = dir
				out, err := cmd.CombinedOutput()
				if !bytes.Contains(out, []byte(tc.status)) {
					t.Errorf("gpgv %v (%v) does not say %q:\n%s", args, err, tc.status, out)
				}
				if ok := !strings.Contains(tc.status, "NO_PUBKEY"); ok != (err == nil) {
					t.Errorf("gpgv %v: %v, want success %v\n%s", args, err, ok, out)
				}
			}
		})
	}
}

// TestGpgvClearSign checks ClearSign's dash escapes and canonical text
// (trailing white space, line ends) with gpgv.
func TestGpgvClearSign(t *testing.T) {
	gpgv, err := exec.LookPath("gpgv")
	if err != nil {
		t.Skip("gpgv not installed (Debian package gpgv)")
	}
	keys := LoadKeys(t)
	dir := t.TempDir()
	block, err := armor.Decode(bytes.NewReader(ArmoredPublicKeys(t, keys.Archive)))
	if err != nil {
		t.Fatal(err)
	}
	pub, _ := io.ReadAll(block.Body)
	text := []byte("Origin: x\n-dash line\n--- more dashes\ntrailing space \t \n\n\tlast\n")
	for name, data := range map[string][]byte{
		"key.gpg":   pub,
		"InRelease": ClearSign(t, keys.Archive, crypto.SHA256, defaultDate, text),
	} {
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	cmd := exec.Command(gpgv, "--keyring", "./key.gpg", "--output", "out", "InRelease")
	cmd.Dir = dir
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("gpgv: %v\n%s", err, out)
	}
	// gpgv writes the text as signed: without trailing white space.
	want := bytes.ReplaceAll(text, []byte(" \t \n"), []byte("\n"))
	if got, _ := os.ReadFile(filepath.Join(dir, "out")); !bytes.Equal(got, want) {
		t.Errorf("gpgv's plaintext %q, want %q", got, want)
	}
}

// TestAptGet has apt-get update and download from the archive, in a
// private apt directory tree, and refuse tampered archives.
func TestAptGet(t *testing.T) {
	aptGet, err := exec.LookPath("apt-get")
	if err != nil {
		t.Skip("apt-get not installed")
	}
	for _, tc := range []struct {
		name   string
		tamper Tamper
		fails  string // "update", "download" or "" for neither
		want   string // in apt-get's output when it fails
	}{
		{"clean", Tamper{}, "", ""},
		{"DetachedOnly", Tamper{DetachedOnly: true}, "", ""},
		{"WrongKey", Tamper{WrongKey: true}, "update", "NO_PUBKEY"},
		{"UnsignedTextBefore", Tamper{UnsignedTextBefore: true}, "update", "NOSPLIT"},
		{"UnsignedTextAfter", Tamper{UnsignedTextAfter: true}, "update", "into data and signature failed"},
		{"SHA1Signature", Tamper{SHA1Signature: true}, "update", "signatures were invalid"}, // TestGpgv shows they are good but for the hash
		{"ExpiredKey", Tamper{ExpiredKey: true}, "update", "EXPKEYSIG"},
		{"ExpiredValidUntil", Tamper{ExpiredValidUntil: true}, "update", "is expired"},
		{"CorruptIndex", Tamper{CorruptIndex: true}, "update", "Hash Sum mismatch"},
		{"WrongIndexSize", Tamper{WrongIndexSize: true}, "update", "unexpected size"},
		{"IndexBiggerThanDeclared", Tamper{IndexBiggerThanDeclared: true}, "update", "unexpected size"},
		{"CorruptDeb", Tamper{CorruptDeb: true}, "download", "Hash Sum mismatch"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a := NewArchive(t, []Suite{{Name: "bookworm", Debs: testDebs(), AcquireByHash: true}}, tc.tamper)
			root := aptRoot(t, a)
			run := func(step string, args ...string) bool {
				t.Helper()
				cmd := exec.Command(aptGet, append([]string{"-q", "-o", "Debug::NoLocking=true", step}, args...)...)
				cmd.Dir = root
				cmd.Env = append(os.Environ(), "APT_CONFIG="+filepath.Join(root, "apt.conf"), "LC_ALL=C")
				out, err := cmd.CombinedOutput()
				// apt-get update exits 0 on some errors; "E:" lines say it failed.
				failed := err != nil || bytes.Contains(out, []byte("\nE: ")) || bytes.HasPrefix(out, []byte("E: "))
				switch {
				case failed && tc.fails != step:
					t.Fatalf("apt-get %s: %v\n%s", step, err, out)
				case !failed && tc.fails == step:
					t.Fatalf("apt-get %s accepted the tampered archive:\n%s", step, out)
				case failed && !bytes.Contains(out, []byte(tc.want)):
					t.Fatalf("apt-get %s failed without %q:\n%s", step, tc.want, out)
				case !failed && bytes.Contains(out, []byte("W: ")):
					t.Errorf("apt-get %s warns:\n%s", step, out)
				}
				return !failed
			}
			if !run("update") || !run("download", "hello", "libgreet1") {
				return
			}
			for file, want := range a.Debs {
				got, err := os.ReadFile(filepath.Join(root, strings.Replace(filepath.Base(file), "_1.2-1_", "_1%3a1.2-1_", 1)))
				if err != nil || !bytes.Equal(got, want) {
					t.Errorf("downloaded %s: %v", file, err)
				}
			}
			if !tc.tamper.DetachedOnly && !slices.ContainsFunc(a.Requests(), func(p string) bool { return strings.Contains(p, "/by-hash/SHA256/") }) {
				t.Errorf("apt did not fetch by hash: %v", a.Requests())
			}
		})
	}
}

// aptRoot makes a private apt configuration and state tree trusting a.
func aptRoot(t *testing.T, a *Archive) string {
	t.Helper()
	root := t.TempDir()
	for _, d := range []string{"etc/apt/apt.conf.d", "etc/apt/preferences.d", "etc/apt/sources.list.d", "etc/apt/trusted.gpg.d",
		"var/lib/apt/lists/partial", "var/cache/apt/archives/partial", "var/lib/dpkg", "var/log/apt"} {
		if err := os.MkdirAll(filepath.Join(root, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	files := map[string]string{
		"var/lib/dpkg/status":  "",
		"etc/apt/sources.list": fmt.Sprintf("deb [signed-by=%s arch=amd64] %s bookworm main\n", binaryKeyring(t, a), a.URL),
		"apt.conf": fmt.Sprintf(`Dir "%s/";
Dir::State::status "%s/var/lib/dpkg/status";
APT::Architecture "amd64";
APT::Architectures { "amd64"; };
APT::Sandbox::User "root";
Acquire::Languages "none";
Acquire::http::Proxy "DIRECT";
`, root, root),
	}
	for name, content := range files {
		if err := os.WriteFile(filepath.Join(root, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return root
}
