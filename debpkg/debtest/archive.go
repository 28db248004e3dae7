package debtest

import (
	"bytes"
	"crypto"
	"crypto/md5"
	"crypto/sha1" // SHA1 sections (Tamper.NoSHA256) and SHA-1 signatures (Tamper.SHA1Signature)
	"crypto/sha256"
	_ "crypto/sha512" // SHA-512 signatures
	"embed"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http/httptest"
	"path"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ProtonMail/go-crypto/openpgp"
	"github.com/ProtonMail/go-crypto/openpgp/armor"
	"github.com/ProtonMail/go-crypto/openpgp/packet"
	"github.com/plinth-build/plinth/debpkg"
)

// Suite is one dists/<Name> directory of a fake archive. The zero values
// of everything but Name give a plausible suite.
type Suite struct {
	Name     string // directory under dists/, e.g. "bookworm"
	Codename string // default Name
	// Components of the suite, default ["main"]. Debs go into the first.
	Components []string
	// Archs of the binary-ARCH indexes. Default: the architectures of the
	// debs ("all" aside), or ["amd64"] when there are none. A deb of an
	// architecture not listed here is an error; "all" debs go into every
	// architecture's index.
	Archs []string
	// Debs are the suite's packages, in Components[0]. The Packages stanza
	// of each is the control file of the built .deb (as dpkg-scanpackages
	// reads it), or Deb.Control when the built .deb has no readable control.
	Debs []Deb
	// ByComponent holds packages of other components, by component name;
	// each name must be listed in Components.
	ByComponent map[string][]Deb
	Date        time.Time // default 2024-01-01 UTC (ModTimeUnix); must be after 2020-01-01, when the test keys were made
	ValidUntil  time.Time // zero: no Valid-Until field
	// AcquireByHash writes "Acquire-By-Hash: yes" and serves every index
	// also at its by-hash/SHA256/<hex> path. Off, there are no by-hash
	// files at all, so Requests shows which path a client used.
	AcquireByHash bool
}

// Tamper lists ways to make an archive hostile or flaky. The zero value is
// an honest archive; every switch is independent.
type Tamper struct {
	WrongKey           bool // sign with the unrelated "wrong" key; PublicKey stays the archive key
	UnsignedTextBefore bool // InRelease starts with an unsigned Release paragraph before the signed message
	UnsignedTextAfter  bool // InRelease ends with an unsigned SHA256 section after the signature
	// ArmorHeaders are lines added to InRelease's armor header after its
	// "Hash:" line, e.g. "Comment: x" (several separated by "\n").
	ArmorHeaders string
	// TwoSignedBlocks appends to InRelease a second clearsigned message,
	// validly signed by the same key, whose Release has another Label.
	TwoSignedBlocks   bool
	SHA1Signature     bool // signatures use SHA-1 (otherwise valid)
	ExpiredKey        bool // sign with the expired key; PublicKey is that key
	ExpiredValidUntil bool // Valid-Until is a minute before Now()
	FutureDate        bool // Date is a day after Now()
	WrongSuite        bool // Suite and Codename fields are "wrong-<Name>"
	NoSHA256          bool // Release has MD5Sum and SHA1 but no SHA256 section
	CorruptIndex      bool // every Packages file served has a byte flipped (same size, wrong hash)
	WrongIndexSize    bool // Release declares every index one byte longer than served (hash right)
	// IndexBiggerThanDeclared serves every index with 4 KiB of junk after
	// the bytes Release declares (whose size and hash are right).
	IndexBiggerThanDeclared bool
	CorruptDeb              bool // every .deb served has a byte flipped (same size, wrong hash)
	DetachedOnly            bool // no InRelease: only Release and Release.gpg

	// The switches below fail the first request(s) of every path once,
	// in this order when combined; later requests are served normally.
	HTTP500Once         bool // 500 Internal Server Error
	TooManyRequestsOnce bool // 429 Too Many Requests with "Retry-After: 1" (see RetryAfter)
	// RetryAfter replaces the "1" of TooManyRequestsOnce's Retry-After.
	RetryAfter string
	// MidSync plays a mirror in the middle of a sync, whose InRelease is
	// newer than its indexes: the first MidSync requests of every index
	// (after the failures above) get 404 at its by-hash path and the
	// previous index (without the last package: another size and hash) at
	// its name. -1 keeps it so for good.
	MidSync int
	// ResetMidBody cuts the first full response of every .deb after half
	// its bytes: the connection is hijacked and reset (TCP RST).
	ResetMidBody bool
	// RangeIgnored answers a Range request with 200 and the whole file.
	RangeIgnored bool

	// EditStanza, if set, edits every Packages stanza (after Filename,
	// Size, MD5sum and SHA256 are set) before the indexes are written.
	EditStanza func(suite string, p *debpkg.Paragraph)
	// EditRelease, if set, edits every Release paragraph before signing.
	EditRelease func(suite string, p *debpkg.Paragraph)
}

// Archive is a signed apt archive served on loopback, closed with
// t.Cleanup.
type Archive struct {
	URL       string           // mirror root, "http://127.0.0.1:PORT"
	PublicKey []byte           // armored public key that verifies the archive (see Tamper.WrongKey)
	Server    *httptest.Server // the server behind URL
	// Debs holds the built .deb bytes (untampered) by pool Filename.
	Debs map[string][]byte
	// Packages holds the Packages stanzas (after Tamper.EditStanza) by
	// suite name: every index of the suite in order, so an "all" package
	// appears once per architecture.
	Packages map[string][]debpkg.Paragraph

	now    time.Time
	tamper Tamper

	mu        sync.Mutex
	files     map[string][]byte // served bytes by path without the leading "/"
	stale     map[string][]byte // Tamper.MidSync: the previous index by path
	redirects map[string]string // Redirect: target URL by path
	requests  []string
	seen      map[string]int // requests per path
}

// NewArchive builds suites into a signed archive (see Suite), tampered
// with as tamper says, and serves it on loopback:
//
//	dists/SUITE/{InRelease,Release,Release.gpg}
//	dists/SUITE/COMP/binary-ARCH/{Packages,Packages.gz,Packages.xz}
//	dists/SUITE/COMP/binary-ARCH/by-hash/SHA256/<hex>   (AcquireByHash)
//	pool/COMP/<prefix>/<source>/<name>_<version>_<arch>.deb
//
// Any error is fatal to t.
func NewArchive(t testing.TB, suites []Suite, tamper Tamper) *Archive {
	t.Helper()
	a, err := buildArchive(suites, tamper)
	if err != nil {
		t.Fatalf("building fake archive: %v", err)
	}
	a.Server = httptest.NewServer(a)
	t.Cleanup(a.Server.Close)
	a.URL = a.Server.URL
	return a
}

// Now returns a reference time at which the archive is valid: an hour after
// the latest suite Date, and before every suite's ValidUntil.
func (a *Archive) Now() time.Time { return a.now }

// Requests returns the paths requested so far ("/dists/bookworm/InRelease"),
// in order, failed ones included.
func (a *Archive) Requests() []string {
	a.mu.Lock()
	defer a.mu.Unlock()
	return slices.Clone(a.requests)
}

// Put serves data at path (relative to the mirror root) from now on,
// replacing what was there. Nothing is re-signed or re-hashed.
func (a *Archive) Put(path string, data []byte) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.files[strings.TrimPrefix(path, "/")] = data
}

// Redirect answers requests for path (relative to the mirror root) with a
// 302 to target from now on, e.g. to another server's URL.
func (a *Archive) Redirect(path, target string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.redirects[strings.TrimPrefix(path, "/")] = target
}

// Delete stops serving path: requests for it get 404 from now on.
func (a *Archive) Delete(path string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	delete(a.files, strings.TrimPrefix(path, "/"))
}

// archiveBuilder carries the state of one NewArchive call.
type archiveBuilder struct {
	tamper Tamper
	now    time.Time
	files  map[string][]byte
	stale  map[string][]byte
	debs   map[string][]byte
}

func buildArchive(suites []Suite, tamper Tamper) (*Archive, error) {
	if len(suites) == 0 {
		return nil, fmt.Errorf("no suites: give at least one Suite")
	}
	keys, err := loadKeys()
	if err != nil {
		return nil, err
	}
	signer, trusted := keys.Archive, keys.Archive
	switch {
	case tamper.WrongKey:
		signer = keys.Wrong
	case tamper.ExpiredKey:
		signer, trusted = keys.Expired, keys.Expired
	}
	pub, err := armoredPublicKeys(trusted)
	if err != nil {
		return nil, err
	}
	for i := range suites {
		if suites[i], err = withDefaults(suites[i]); err != nil {
			return nil, err
		}
	}
	b := &archiveBuilder{tamper: tamper, now: referenceTime(suites), files: map[string][]byte{}, stale: map[string][]byte{}, debs: map[string][]byte{}}
	a := &Archive{PublicKey: pub, Debs: b.debs, Packages: map[string][]debpkg.Paragraph{},
		now: b.now, tamper: tamper, seen: map[string]int{}, redirects: map[string]string{}}
	for _, s := range suites {
		if _, dup := a.Packages[s.Name]; dup {
			return nil, fmt.Errorf("suite %s given twice", s.Name)
		}
		stanzas, err := b.suite(s, signer)
		if err != nil {
			return nil, fmt.Errorf("suite %s: %w", s.Name, err)
		}
		a.Packages[s.Name] = stanzas
	}
	a.files, a.stale = b.files, b.stale
	return a, nil
}

// withDefaults fills in a suite's defaults and checks it.
func withDefaults(s Suite) (Suite, error) {
	if s.Name == "" || strings.ContainsAny(s.Name, "/ \n") {
		return s, fmt.Errorf("suite name %q: give a name such as \"bookworm\"", s.Name)
	}
	if s.Codename == "" {
		s.Codename = s.Name
	}
	if len(s.Components) == 0 {
		s.Components = []string{"main"}
	}
	for comp := range s.ByComponent {
		if !slices.Contains(s.Components, comp) {
			return s, fmt.Errorf("suite %s: ByComponent names %q, which is not in Components %v", s.Name, comp, s.Components)
		}
	}
	if s.Date.IsZero() {
		s.Date = time.Unix(ModTimeUnix, 0).UTC()
	}
	return s, nil
}

// referenceTime is an hour after the latest Date, kept before every
// ValidUntil.
func referenceTime(suites []Suite) time.Time {
	var now time.Time
	for _, s := range suites {
		if d := s.Date.Add(time.Hour); d.After(now) {
			now = d
		}
	}
	for _, s := range suites {
		if !s.ValidUntil.IsZero() && !now.Before(s.ValidUntil) {
			now = s.ValidUntil.Add(-time.Second)
		}
	}
	return now.UTC()
}

// builtDeb is one .deb of a suite with its index stanza.
type builtDeb struct {
	component string
	arch      string
	stanza    debpkg.Paragraph
}

// suite writes the pool files, indexes and signed Release files of s and
// returns its stanzas.
func (b *archiveBuilder) suite(s Suite, signer *openpgp.Entity) ([]debpkg.Paragraph, error) {
	var built []builtDeb
	for _, comp := range s.Components {
		debs := s.ByComponent[comp]
		if comp == s.Components[0] {
			debs = append(slices.Clone(s.Debs), debs...)
		}
		for i, d := range debs {
			bd, err := b.pool(s.Name, comp, d)
			if err != nil {
				return nil, fmt.Errorf("component %s, deb %d: %w", comp, i, err)
			}
			built = append(built, bd)
		}
	}
	if len(s.Archs) == 0 {
		s.Archs = debArchs(built)
	}
	for _, bd := range built {
		if bd.arch != "all" && !slices.Contains(s.Archs, bd.arch) {
			return nil, fmt.Errorf("package %s is for %s, which is not in Archs %v", bd.stanza.Get("Package"), bd.arch, s.Archs)
		}
	}
	var entries []releaseEntry
	var stanzas []debpkg.Paragraph
	for _, comp := range s.Components {
		for _, arch := range s.Archs {
			var index []debpkg.Paragraph
			for _, bd := range built {
				if bd.component == comp && (bd.arch == arch || bd.arch == "all") {
					index = append(index, bd.stanza)
				}
			}
			stanzas = append(stanzas, index...)
			es, err := b.indexes(s, comp, arch, index)
			if err != nil {
				return nil, err
			}
			entries = append(entries, es...)
		}
	}
	return stanzas, b.release(s, entries, signer)
}

// debArchs returns the architectures of built, "all" aside, or ["amd64"].
func debArchs(built []builtDeb) []string {
	var archs []string
	for _, bd := range built {
		if bd.arch != "all" && !slices.Contains(archs, bd.arch) {
			archs = append(archs, bd.arch)
		}
	}
	if len(archs) == 0 {
		return []string{"amd64"}
	}
	slices.Sort(archs)
	return archs
}

// pool builds d, stores it at its pool path and returns its stanza.
func (b *archiveBuilder) pool(suite, comp string, d Deb) (builtDeb, error) {
	data, err := d.Build()
	if err != nil {
		return builtDeb{}, err
	}
	control := d.Control
	if c, err := debpkg.NewDebReader(bytes.NewReader(data), debpkg.Limits{}).Control(); err == nil {
		control = c.Control
	}
	stanza := debpkg.Paragraph{Fields: slices.Clone(control.Fields)}
	name, version, arch := stanza.Get("Package"), stanza.Get("Version"), stanza.Get("Architecture")
	if name == "" || version == "" || arch == "" {
		return builtDeb{}, fmt.Errorf("control needs Package, Version and Architecture, got %q %q %q", name, version, arch)
	}
	filename := poolPath(comp, stanza)
	if prev, ok := b.debs[filename]; ok && !bytes.Equal(prev, data) {
		return builtDeb{}, fmt.Errorf("two different .debs at %s: give them different versions", filename)
	}
	b.debs[filename] = data
	b.files[filename] = data
	if b.tamper.CorruptDeb {
		b.files[filename] = flipByte(data)
	}
	md5sum, sha := md5.Sum(data), sha256.Sum256(data)
	stanza.Set("Filename", filename)
	stanza.Set("Size", fmt.Sprint(len(data)))
	stanza.Set("MD5sum", hex.EncodeToString(md5sum[:]))
	stanza.Set("SHA256", hex.EncodeToString(sha[:]))
	if b.tamper.EditStanza != nil {
		b.tamper.EditStanza(suite, &stanza)
	}
	return builtDeb{component: comp, arch: arch, stanza: stanza}, nil
}

// poolPath returns pool/COMP/<prefix>/<source>/<name>_<version>_<arch>.deb,
// the version without its epoch, as Debian's archive lays packages out.
func poolPath(comp string, stanza debpkg.Paragraph) string {
	name := stanza.Get("Package")
	src, _, _ := strings.Cut(stanza.Get("Source"), " ")
	if src == "" {
		src = name
	}
	prefix := src[:1]
	if strings.HasPrefix(src, "lib") && len(src) > 3 {
		prefix = src[:4]
	}
	version := stanza.Get("Version")
	if _, v, ok := strings.Cut(version, ":"); ok {
		version = v
	}
	return path.Join("pool", comp, prefix, src, fmt.Sprintf("%s_%s_%s.deb", name, version, stanza.Get("Architecture")))
}

// releaseEntry is one file line of a Release file.
type releaseEntry struct {
	path   string // relative to dists/SUITE
	size   int64  // as declared
	md5    string
	sha1   string
	sha256 string
}

// indexes writes COMP/binary-ARCH/Packages{,.gz,.xz} (and their by-hash
// copies) and returns their Release entries.
func (b *archiveBuilder) indexes(s Suite, comp, arch string, stanzas []debpkg.Paragraph) ([]releaseEntry, error) {
	text := indexText(stanzas)
	previous := indexText(stanzas[:max(len(stanzas)-1, 0)])
	dir := path.Join(comp, "binary-"+arch)
	var entries []releaseEntry
	for _, compression := range []string{"none", "gz", "xz"} {
		data, err := Compress(compression, text)
		if err != nil {
			return nil, err
		}
		var stale []byte
		if b.tamper.MidSync != 0 {
			if stale, err = Compress(compression, previous); err != nil {
				return nil, err
			}
		}
		md5sum, sha1sum, sha := md5.Sum(data), sha1.Sum(data), sha256.Sum256(data)
		e := releaseEntry{path: path.Join(dir, "Packages"+Ext(compression)), size: int64(len(data)),
			md5: hex.EncodeToString(md5sum[:]), sha1: hex.EncodeToString(sha1sum[:]), sha256: hex.EncodeToString(sha[:])}
		served := b.tamperIndex(data)
		if b.tamper.WrongIndexSize {
			e.size++
		}
		b.files[path.Join("dists", s.Name, e.path)] = served
		if b.tamper.MidSync != 0 {
			b.stale[path.Join("dists", s.Name, e.path)] = stale
		}
		if s.AcquireByHash {
			b.files[path.Join("dists", s.Name, dir, "by-hash", "SHA256", e.sha256)] = served
		}
		entries = append(entries, e)
	}
	return entries, nil
}

// indexText returns the Packages text of stanzas.
func indexText(stanzas []debpkg.Paragraph) []byte {
	var text bytes.Buffer
	for i, p := range stanzas {
		if i > 0 {
			text.WriteByte('\n')
		}
		text.WriteString(p.String())
	}
	return text.Bytes()
}

// tamperIndex returns the bytes served for an index whose Release entry
// describes data.
func (b *archiveBuilder) tamperIndex(data []byte) []byte {
	if b.tamper.CorruptIndex {
		data = flipByte(data)
	}
	if b.tamper.IndexBiggerThanDeclared {
		data = append(slices.Clone(data), bytes.Repeat([]byte("junk\n"), 4096/5+1)[:4096]...)
	}
	return data
}

// flipByte returns a copy of data with its middle byte inverted (an empty
// input gets one byte).
func flipByte(data []byte) []byte {
	if len(data) == 0 {
		return []byte{0xff}
	}
	out := slices.Clone(data)
	out[len(out)/2] ^= 0xff
	return out
}

// releaseDate is the layout of Release dates.
const releaseDate = "Mon, 02 Jan 2006 15:04:05 UTC"

// releaseParagraph returns the Release paragraph of s listing entries.
func (b *archiveBuilder) releaseParagraph(s Suite, entries []releaseEntry) debpkg.Paragraph {
	suite, codename, date, validUntil := s.Name, s.Codename, s.Date, s.ValidUntil
	if b.tamper.WrongSuite {
		suite, codename = "wrong-"+s.Name, "wrong-"+s.Codename
	}
	if b.tamper.FutureDate {
		date = b.now.Add(24 * time.Hour)
	}
	if b.tamper.ExpiredValidUntil {
		validUntil = b.now.Add(-time.Minute)
	}
	var p debpkg.Paragraph
	p.Set("Origin", "plinth-test")
	p.Set("Label", "plinth-test")
	p.Set("Suite", suite)
	p.Set("Codename", codename)
	p.Set("Date", date.UTC().Format(releaseDate))
	if !validUntil.IsZero() {
		p.Set("Valid-Until", validUntil.UTC().Format(releaseDate))
	}
	if s.AcquireByHash {
		p.Set("Acquire-By-Hash", "yes")
	}
	p.Set("Architectures", strings.Join(s.Archs, " "))
	p.Set("Components", strings.Join(s.Components, " "))
	p.Set("Description", "plinth test archive "+s.Name)
	var md5s, shas strings.Builder
	for _, e := range entries {
		fmt.Fprintf(&md5s, "\n %s %8d %s", e.md5, e.size, e.path)
		fmt.Fprintf(&shas, "\n %s %8d %s", e.sha256, e.size, e.path)
	}
	p.Set("MD5Sum", md5s.String())
	if b.tamper.NoSHA256 {
		var sha1s strings.Builder
		for _, e := range entries {
			fmt.Fprintf(&sha1s, "\n %s %8d %s", e.sha1, e.size, e.path)
		}
		p.Set("SHA1", sha1s.String())
	} else {
		p.Set("SHA256", shas.String())
	}
	if b.tamper.EditRelease != nil {
		b.tamper.EditRelease(s.Name, &p)
	}
	return p
}

// release writes dists/SUITE/{Release,Release.gpg,InRelease}.
func (b *archiveBuilder) release(s Suite, entries []releaseEntry, signer *openpgp.Entity) error {
	text := []byte(b.releaseParagraph(s, entries).String())
	hash := crypto.SHA512
	if b.tamper.SHA1Signature {
		hash = crypto.SHA1
	}
	detached, err := detachSign(signer, hash, s.Date, text)
	if err != nil {
		return err
	}
	dir := path.Join("dists", s.Name)
	b.files[path.Join(dir, "Release")] = text
	b.files[path.Join(dir, "Release.gpg")] = detached
	if b.tamper.DetachedOnly {
		return nil
	}
	in, err := clearSign(signer, hash, s.Date, text)
	if err != nil {
		return err
	}
	if h := strings.Trim(b.tamper.ArmorHeaders, "\n"); h != "" {
		in = bytes.Replace(in, []byte("\n\n"), []byte("\n"+h+"\n\n"), 1)
	}
	if b.tamper.TwoSignedBlocks {
		p := b.releaseParagraph(s, entries)
		p.Set("Label", "second block")
		second, err := clearSign(signer, hash, s.Date, []byte(p.String()))
		if err != nil {
			return err
		}
		in = append(in, second...)
	}
	if b.tamper.UnsignedTextBefore {
		in = append([]byte("Origin: unsigned\nSuite: "+s.Name+"\n\n"), in...)
	}
	if b.tamper.UnsignedTextAfter {
		in = append(in, "\nSHA256:\n "+strings.Repeat("0", 64)+" 1 main/binary-amd64/Packages\n"...)
	}
	b.files[path.Join(dir, "InRelease")] = in
	return nil
}

// keyFiles are the committed test keys (see testdata/README.md).
//
//go:embed testdata/archive-key.asc testdata/wrong-key.asc testdata/expired-key.asc
var keyFiles embed.FS

// Keys are the test keys committed in testdata, private parts included.
// Archive signs honest archives; Wrong is unrelated to it; Expired expired
// on 2021-12-31. All are RSA-3072 keys created on 2020-01-01.
type Keys struct {
	Archive, Wrong, Expired *openpgp.Entity
}

// LoadKeys returns the test keys. Any error is fatal to t.
func LoadKeys(t testing.TB) Keys {
	t.Helper()
	k, err := loadKeys()
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func loadKeys() (Keys, error) {
	var k Keys
	for _, f := range []struct {
		name string
		dst  **openpgp.Entity
	}{{"archive", &k.Archive}, {"wrong", &k.Wrong}, {"expired", &k.Expired}} {
		file := "testdata/" + f.name + "-key.asc"
		data, err := keyFiles.ReadFile(file)
		if err != nil {
			return k, fmt.Errorf("reading test key: %w", err)
		}
		el, err := openpgp.ReadArmoredKeyRing(bytes.NewReader(data))
		if err != nil {
			return k, fmt.Errorf("reading test key %s: %w", file, err)
		}
		if len(el) != 1 || el[0].PrivateKey == nil {
			return k, fmt.Errorf("reading test key %s: want one private key, found %d keys", file, len(el))
		}
		*f.dst = el[0]
	}
	return k, nil
}

// ArmoredPublicKeys returns an armored keyring of the public parts of keys.
// Any error is fatal to t.
func ArmoredPublicKeys(t testing.TB, keys ...*openpgp.Entity) []byte {
	t.Helper()
	out, err := armoredPublicKeys(keys...)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func armoredPublicKeys(keys ...*openpgp.Entity) ([]byte, error) {
	var out bytes.Buffer
	w, err := armor.Encode(&out, openpgp.PublicKeyType, nil)
	if err != nil {
		return nil, fmt.Errorf("armoring public keys: %w", err)
	}
	for _, k := range keys {
		if err := k.Serialize(w); err != nil {
			return nil, fmt.Errorf("writing public key %s: %w", k.PrimaryKey.KeyIdString(), err)
		}
	}
	if err := w.Close(); err != nil {
		return nil, fmt.Errorf("armoring public keys: %w", err)
	}
	out.WriteByte('\n')
	return out.Bytes(), nil
}

// ClearSign returns text clear-signed by key's primary key with hash, the
// signature made at date, as an InRelease file is. Expired keys and SHA-1
// are allowed. Any error is fatal to t.
func ClearSign(t testing.TB, key *openpgp.Entity, hash crypto.Hash, date time.Time, text []byte) []byte {
	t.Helper()
	out, err := clearSign(key, hash, date, text)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// DetachSign returns an armored detached binary signature of data by key's
// primary key with hash, made at date, as a Release.gpg file is. Expired
// keys and SHA-1 are allowed. Any error is fatal to t.
func DetachSign(t testing.TB, key *openpgp.Entity, hash crypto.Hash, date time.Time, data []byte) []byte {
	t.Helper()
	out, err := detachSign(key, hash, date, data)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func detachSign(key *openpgp.Entity, hash crypto.Hash, date time.Time, data []byte) ([]byte, error) {
	return signature(key, hash, date, packet.SigTypeBinary, data)
}

// clearSign writes the cleartext signature framework of RFC 4880 7: the
// text dash-escaped, signed as canonical text (CRLF line ends, trailing
// white space and the final line end left out).
func clearSign(key *openpgp.Entity, hash crypto.Hash, date time.Time, text []byte) ([]byte, error) {
	name, ok := map[crypto.Hash]string{crypto.SHA1: "SHA1", crypto.SHA256: "SHA256", crypto.SHA512: "SHA512"}[hash]
	if !ok {
		return nil, fmt.Errorf("clear-signing: hash %v: use SHA1, SHA256 or SHA512", hash)
	}
	var out, canonical bytes.Buffer
	out.WriteString("-----BEGIN PGP SIGNED MESSAGE-----\nHash: " + name + "\n\n")
	for i, line := range strings.Split(strings.TrimSuffix(string(text), "\n"), "\n") {
		if i > 0 {
			canonical.WriteString("\r\n")
		}
		canonical.WriteString(strings.TrimRight(line, " \t\r"))
		if strings.HasPrefix(line, "-") {
			out.WriteString("- ")
		}
		out.WriteString(line)
		out.WriteByte('\n')
	}
	sig, err := signature(key, hash, date, packet.SigTypeText, canonical.Bytes())
	if err != nil {
		return nil, err
	}
	out.Write(sig)
	return out.Bytes(), nil
}

// signature returns an armored v4 signature of data (already canonical for
// SigTypeText) by key's primary key. It signs directly with the key
// packet, so expired keys and SHA-1 work, and deterministically.
func signature(key *openpgp.Entity, hash crypto.Hash, date time.Time, typ packet.SignatureType, data []byte) ([]byte, error) {
	priv := key.PrivateKey
	if priv == nil {
		return nil, errors.New("signing: the key has no private part")
	}
	if !hash.Available() {
		return nil, fmt.Errorf("signing: hash %v is not linked in", hash)
	}
	sig := &packet.Signature{
		Version:      4,
		SigType:      typ,
		PubKeyAlgo:   priv.PubKeyAlgo,
		Hash:         hash,
		CreationTime: date.UTC().Truncate(time.Second),
		IssuerKeyId:  &priv.KeyId,
	}
	h := hash.New()
	h.Write(data)
	deterministic := false
	if err := sig.Sign(h, priv, &packet.Config{NonDeterministicSignaturesViaNotation: &deterministic}); err != nil {
		return nil, fmt.Errorf("signing with key %s: %w", priv.KeyIdString(), err)
	}
	var out bytes.Buffer
	w, err := armor.Encode(&out, "PGP SIGNATURE", nil)
	if err != nil {
		return nil, fmt.Errorf("armoring signature: %w", err)
	}
	if err := sig.Serialize(w); err != nil {
		return nil, fmt.Errorf("writing signature: %w", err)
	}
	if err := w.Close(); err != nil {
		return nil, fmt.Errorf("armoring signature: %w", err)
	}
	out.WriteByte('\n')
	return out.Bytes(), nil
}
