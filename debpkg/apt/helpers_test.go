package apt

import (
	"bytes"
	"crypto"
	"crypto/sha256"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ProtonMail/go-crypto/openpgp"
	"github.com/ProtonMail/go-crypto/openpgp/armor"
	"github.com/ProtonMail/go-crypto/openpgp/clearsign"
	"github.com/ProtonMail/go-crypto/openpgp/packet"
)

// refTime is the tests' reference "now".
var refTime = time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)

func keyConfig(created time.Time, lifetime uint32) *packet.Config {
	return &packet.Config{
		Algorithm:       packet.PubKeyAlgoEdDSA,
		DefaultHash:     crypto.SHA256,
		Time:            func() time.Time { return created },
		KeyLifetimeSecs: lifetime,
	}
}

// detRand is a deterministic byte stream (SHA256 in counter mode over a
// seed): keys and signatures made with it are the same on every run, so
// fuzz seeds and test data do not change between runs.
type detRand struct {
	seed []byte
	ctr  uint64
	buf  []byte
}

func newDetRand(seed string) *detRand { return &detRand{seed: []byte(seed)} }

func (r *detRand) Read(p []byte) (int, error) {
	for i := range p {
		if len(r.buf) == 0 {
			h := sha256.New()
			h.Write(r.seed)
			fmt.Fprint(h, r.ctr)
			r.buf, r.ctr = h.Sum(nil), r.ctr+1
		}
		p[i], r.buf = r.buf[0], r.buf[1:]
	}
	return len(p), nil
}

// newKey makes a signing key created a year before refTime, the same for
// the same name on every run.
func newKey(t testing.TB, name string, lifetime uint32) *openpgp.Entity {
	t.Helper()
	cfg := keyConfig(refTime.AddDate(-1, 0, 0), lifetime)
	cfg.Rand = newDetRand(name)
	e, err := openpgp.NewEntity(name, "", name+"@example.invalid", cfg)
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// publicKeyring is what a user would pass: the keys' public parts, read back.
func publicKeyring(t testing.TB, keys ...*openpgp.Entity) openpgp.EntityList {
	t.Helper()
	var buf bytes.Buffer
	for _, k := range keys {
		if err := k.Serialize(&buf); err != nil {
			t.Fatal(err)
		}
	}
	kr, err := ReadKeyring(buf.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	return kr
}

// clearsignText clearsigns text with keys at signing time when.
func clearsignText(t testing.TB, text string, hash crypto.Hash, when time.Time, keys ...*openpgp.Entity) []byte {
	t.Helper()
	var privs []*packet.PrivateKey
	for _, k := range keys {
		privs = append(privs, k.PrivateKey)
	}
	var buf bytes.Buffer
	cfg := &packet.Config{DefaultHash: hash, Time: func() time.Time { return when }, Rand: newDetRand(text)}
	w, err := clearsign.EncodeMulti(&buf, privs, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.Write([]byte(text)); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// detachSign makes an armored detached signature of data.
func detachSign(t testing.TB, data []byte, key *openpgp.Entity) []byte {
	t.Helper()
	var buf bytes.Buffer
	cfg := &packet.Config{DefaultHash: crypto.SHA256, Time: func() time.Time { return refTime.Add(-time.Hour) }}
	if err := openpgp.ArmoredDetachSign(&buf, key, bytes.NewReader(data), cfg); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func sha256hex(b []byte) string {
	s := sha256.Sum256(b)
	return fmt.Sprintf("%x", s)
}

// releaseFields are the fields releaseText writes; empty ones are left out.
type releaseFields struct {
	Suite, Codename, Date, ValidUntil string
	ByHash                            bool
	Files                             map[string][]byte // path -> content, for the SHA256 section
	NoSHA256                          bool
}

func releaseText(f releaseFields) string {
	var b strings.Builder
	b.WriteString("Origin: Test\nLabel: Test\n")
	if f.Suite != "" {
		fmt.Fprintf(&b, "Suite: %s\n", f.Suite)
	}
	if f.Codename != "" {
		fmt.Fprintf(&b, "Codename: %s\n", f.Codename)
	}
	if f.Date != "" {
		fmt.Fprintf(&b, "Date: %s\n", f.Date)
	}
	if f.ValidUntil != "" {
		fmt.Fprintf(&b, "Valid-Until: %s\n", f.ValidUntil)
	}
	b.WriteString("Architectures: amd64 arm64\nComponents: main contrib\n")
	if f.ByHash {
		b.WriteString("Acquire-By-Hash: yes\n")
	}
	paths := make([]string, 0, len(f.Files))
	for p := range f.Files {
		paths = append(paths, p)
	}
	sort.Strings(paths)
	b.WriteString("MD5Sum:\n d41d8cd98f00b204e9800998ecf8427e 0 main/binary-amd64/Release\n")
	if !f.NoSHA256 {
		b.WriteString("SHA256:\n")
		for _, p := range paths {
			fmt.Fprintf(&b, " %s %16d %s\n", sha256hex(f.Files[p]), len(f.Files[p]), p)
		}
	}
	return b.String()
}

func rfc2822(t time.Time) string { return t.UTC().Format("Mon, 02 Jan 2006 15:04:05 UTC") }

// testServer serves files from a map, with hooks to misbehave, and records
// every request.
type testServer struct {
	*httptest.Server
	mu    sync.Mutex
	files map[string][]byte
	// hook, when set, may answer a request itself (returning true).
	hook  func(w http.ResponseWriter, r *http.Request, n int) bool
	log   []string // "GET /path [Range]"
	count map[string]int
}

func newTestServer(t testing.TB, files map[string][]byte) *testServer {
	s := &testServer{files: files, count: map[string]int{}}
	s.Server = httptest.NewServer(http.HandlerFunc(s.serve))
	t.Cleanup(s.Close)
	return s
}

func (s *testServer) serve(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	s.count[r.URL.Path]++
	n := s.count[r.URL.Path]
	entry := r.URL.Path
	if rg := r.Header.Get("Range"); rg != "" {
		entry += " " + rg
	}
	s.log = append(s.log, entry)
	data, ok := s.files[r.URL.Path]
	hook := s.hook
	s.mu.Unlock()
	if hook != nil && hook(w, r, n) {
		return
	}
	if !ok {
		http.NotFound(w, r)
		return
	}
	serveRange(w, r, data)
}

// serveRange answers a "bytes=N-" Range with 206, anything else with 200.
func serveRange(w http.ResponseWriter, r *http.Request, data []byte) {
	if rg, ok := strings.CutPrefix(r.Header.Get("Range"), "bytes="); ok && strings.HasSuffix(rg, "-") {
		off, err := strconv.Atoi(strings.TrimSuffix(rg, "-"))
		if err == nil && off < len(data) {
			w.Header().Set("Content-Range", fmt.Sprintf("bytes %d-%d/%d", off, len(data)-1, len(data)))
			w.Header().Set("Content-Length", strconv.Itoa(len(data)-off))
			w.WriteHeader(http.StatusPartialContent)
			w.Write(data[off:])
			return
		}
	}
	w.Header().Set("Content-Length", strconv.Itoa(len(data)))
	w.Write(data)
}

func (s *testServer) requests() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.log...)
}

func (s *testServer) set(path string, data []byte) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.files[path] = data
}

// testClient is a client for srv trusting keys, at refTime, with quick retries.
func testClient(t testing.TB, keys openpgp.EntityList, mod func(*Options)) *Client {
	opts := Options{Keyring: keys, CacheDir: t.TempDir(), Now: func() time.Time { return refTime }, Backoff: time.Millisecond}
	if mod != nil {
		mod(&opts)
	}
	return New(opts)
}

// clearsignManual clearsigns text (lines without trailing white space,
// ending in "\n") with one hand-built signature packet using hash, for
// hashes go-crypto refuses to write (SHA-1).
func clearsignManual(t testing.TB, text string, hash crypto.Hash, when time.Time, key *openpgp.Entity) []byte {
	t.Helper()
	sig := &packet.Signature{
		Version: 4, SigType: packet.SigTypeText, PubKeyAlgo: key.PrimaryKey.PubKeyAlgo, Hash: hash,
		CreationTime: when, IssuerKeyId: &key.PrimaryKey.KeyId, IssuerFingerprint: key.PrimaryKey.Fingerprint,
	}
	h := hash.New()
	signed := strings.ReplaceAll(strings.TrimSuffix(text, "\n"), "\n", "\r\n")
	h.Write([]byte(signed))
	noSalt := false
	if err := sig.Sign(h, key.PrivateKey, &packet.Config{Time: func() time.Time { return when }, NonDeterministicSignaturesViaNotation: &noSalt}); err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	fmt.Fprintf(&buf, "-----BEGIN PGP SIGNED MESSAGE-----\nHash: %s\n\n%s", map[crypto.Hash]string{crypto.SHA1: "SHA1", crypto.SHA256: "SHA256"}[hash], strings.TrimSuffix(text, "\n")+"\n")
	w, err := armor.Encode(&buf, openpgp.SignatureType, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := sig.Serialize(w); err != nil {
		t.Fatal(err)
	}
	w.Close()
	buf.WriteByte('\n')
	return buf.Bytes()
}
