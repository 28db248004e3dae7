package rootfs

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/pem"
	"math/big"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

var (
	oidCN = asn1.ObjectIdentifier{2, 5, 4, 3}
	oidO  = asn1.ObjectIdentifier{2, 5, 4, 10}
	oidC  = asn1.ObjectIdentifier{2, 5, 4, 6}
	oidDC = asn1.ObjectIdentifier{0, 9, 2342, 19200300, 100, 1, 25}
)

// atv is one attribute of a test subject, its value as a raw ASN.1 string.
func atv(oid asn1.ObjectIdentifier, tag int, value []byte) pkix.AttributeTypeAndValue {
	return pkix.AttributeTypeAndValue{Type: oid, Value: asn1.RawValue{Tag: tag, Bytes: value}}
}

func bmp(s string) []byte {
	var b []byte
	for _, r := range s {
		b = append(b, byte(r>>8), byte(r))
	}
	return b
}

// testCert makes a self-signed PEM certificate with the given subject.
func testCert(t testing.TB, subject pkix.RDNSequence, serial int64) []byte {
	t.Helper()
	raw, err := asn1.Marshal(subject)
	if err != nil {
		t.Fatal(err)
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(serial), RawSubject: raw,
		NotBefore: time.Unix(1704067200, 0), NotAfter: time.Unix(1704067200, 0).AddDate(10, 0, 0),
		IsCA: true, BasicConstraintsValid: true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
}

func pemDER(t testing.TB, data []byte) []byte {
	t.Helper()
	b, _ := pem.Decode(data)
	if b == nil {
		t.Fatal("no PEM block")
	}
	return b.Bytes
}

// subjectHashCases have hashes "openssl x509 -subject_hash" printed.
var subjectHashCases = []struct {
	name    string
	subject pkix.RDNSequence
	want    string
}{
	{"printable CN", pkix.RDNSequence{{atv(oidCN, asn1.TagPrintableString, []byte("Test Root"))}}, "2faabc7f"},
	{"case and spaces", pkix.RDNSequence{
		{atv(oidC, asn1.TagPrintableString, []byte("DE"))},
		{atv(oidO, asn1.TagUTF8String, []byte("  Plinth   TEST\tOrg "))},
		{atv(oidCN, asn1.TagUTF8String, []byte("Ärger Root CA"))},
	}, "67448946"},
	{"same canonical form (only ASCII is lowercased)", pkix.RDNSequence{
		{atv(oidC, asn1.TagPrintableString, []byte("de"))},
		{atv(oidO, asn1.TagPrintableString, []byte("plinth test org"))},
		{atv(oidCN, asn1.TagBMPString, bmp("Ärger root ca"))},
	}, "67448946"},
	{"multi-valued RDN", pkix.RDNSequence{
		{atv(oidO, asn1.TagUTF8String, []byte("Zeta")), atv(oidCN, asn1.TagUTF8String, []byte("Alpha"))},
	}, "94184468"},
	{"IA5 domain component", pkix.RDNSequence{
		{atv(oidDC, asn1.TagIA5String, []byte("Example"))}, {atv(oidCN, asn1.TagT61String, []byte("T61 \xe9"))},
	}, "7ef66ca0"},
	{"numeric string kept", pkix.RDNSequence{{atv(oidCN, asn1.TagNumericString, []byte("0 1  2"))}}, "03ac87f9"},
}

func TestSubjectHash(t *testing.T) {
	openssl, _ := exec.LookPath("openssl")
	for i, tt := range subjectHashCases {
		t.Run(tt.name, func(t *testing.T) {
			cert := testCert(t, tt.subject, int64(i+1))
			got, err := SubjectHash(pemDER(t, cert))
			if err != nil {
				t.Fatal(err)
			}
			if openssl != "" {
				cmd := exec.Command(openssl, "x509", "-noout", "-subject_hash")
				cmd.Stdin = bytes.NewReader(cert)
				out, err := cmd.Output()
				if err != nil {
					t.Fatalf("openssl x509 -subject_hash: %v", err)
				}
				if want := strings.TrimSpace(string(out)); got != want {
					t.Errorf("SubjectHash = %s, openssl says %s", got, want)
				}
			}
			if got != tt.want {
				t.Errorf("SubjectHash = %s, want %s", got, tt.want)
			}
		})
	}
}

func TestSubjectHashErrors(t *testing.T) {
	for name, der := range map[string][]byte{
		"empty":     nil,
		"not a seq": {0x02, 0x01, 0x00},
		"short tbs": {0x30, 0x05, 0x30, 0x03, 0x02, 0x01, 0x01},
	} {
		t.Run(name, func(t *testing.T) {
			if _, err := SubjectHash(der); err == nil {
				t.Error("no error")
			}
		})
	}
}

func TestBuildCABundle(t *testing.T) {
	cn := func(s string) pkix.RDNSequence { return pkix.RDNSequence{{atv(oidCN, asn1.TagUTF8String, []byte(s))}} }
	certA := testCert(t, cn("Root A"), 1)
	certB1 := testCert(t, cn("Root B"), 2)
	certB2 := testCert(t, cn("root   b"), 3) // same subject hash as certB1
	local := testCert(t, cn("Local"), 4)
	hashA, _ := SubjectHash(pemDER(t, certA))
	hashB, _ := SubjectHash(pemDER(t, certB1))
	hashL, _ := SubjectHash(pemDER(t, local))

	setup := func(t *testing.T) *Tree {
		tree := New()
		mustDo(t, tree.WriteFile("/usr/share/ca-certificates/mozilla/Root_A.crt", certA, 0o644, 0, 0))
		mustDo(t, tree.WriteFile("/usr/share/ca-certificates/mozilla/Root B (2020), X.crt", bytes.TrimSuffix(certB1, []byte("\n")), 0o644, 0, 0))
		mustDo(t, tree.WriteFile("/usr/share/ca-certificates/other/Root_B2.crt", certB2, 0o644, 0, 0))
		mustDo(t, tree.WriteFile("/usr/share/ca-certificates/other/Dup_of_A.crt", certA, 0o644, 0, 0))
		mustDo(t, tree.WriteFile("/usr/share/ca-certificates/other/readme.txt", []byte("not a cert"), 0o644, 0, 0))
		mustDo(t, tree.WriteFile("/usr/local/share/ca-certificates/corp/Local.crt", local, 0o644, 0, 0))
		mustDo(t, tree.Symlink("gone.pem", "/etc/ssl/certs/0badc0de.0"))
		return tree
	}
	tests := []struct {
		name      string
		conf      string // "" for none
		wantCount int
		bundle    [][]byte
		links     map[string]string
	}{
		{
			name: "no configuration", wantCount: 5,
			bundle: [][]byte{certB1, certA, certA, certB2, local},
			links: map[string]string{
				"/etc/ssl/certs/Root_A.pem":           "/usr/share/ca-certificates/mozilla/Root_A.crt",
				"/etc/ssl/certs/Root_B_=2020=__X.pem": "/usr/share/ca-certificates/mozilla/Root B (2020), X.crt",
				"/etc/ssl/certs/Root_B2.pem":          "/usr/share/ca-certificates/other/Root_B2.crt",
				"/etc/ssl/certs/Dup_of_A.pem":         "/usr/share/ca-certificates/other/Dup_of_A.crt",
				"/etc/ssl/certs/Local.pem":            "/usr/local/share/ca-certificates/corp/Local.crt",
				"/etc/ssl/certs/" + hashA + ".0":      "Dup_of_A.pem", // first by name; Root_A.pem is a duplicate
				"/etc/ssl/certs/" + hashB + ".0":      "Root_B2.pem",
				"/etc/ssl/certs/" + hashB + ".1":      "Root_B_=2020=__X.pem",
				"/etc/ssl/certs/" + hashL + ".0":      "Local.pem",
			},
		},
		{
			name:      "configuration deselects and orders",
			conf:      "# comment\nother/Root_B2.crt\n!mozilla/Root_A.crt\n\n  mozilla/Root_A.crt  \nmissing/Nope.crt\n../../../etc/passwd\n",
			wantCount: 3,
			bundle:    [][]byte{certB2, certA, local},
			links: map[string]string{
				"/etc/ssl/certs/Root_A.pem":      "/usr/share/ca-certificates/mozilla/Root_A.crt",
				"/etc/ssl/certs/Root_B2.pem":     "/usr/share/ca-certificates/other/Root_B2.crt",
				"/etc/ssl/certs/Local.pem":       "/usr/local/share/ca-certificates/corp/Local.crt",
				"/etc/ssl/certs/" + hashA + ".0": "Root_A.pem",
				"/etc/ssl/certs/" + hashB + ".0": "Root_B2.pem",
				"/etc/ssl/certs/" + hashL + ".0": "Local.pem",
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tree := setup(t)
			if tt.conf != "" {
				mustDo(t, tree.WriteFile(caCertsConf, []byte(tt.conf), 0o644, 0, 0))
			}
			n, err := BuildCABundle(tree)
			if err != nil {
				t.Fatal(err)
			}
			if n != tt.wantCount {
				t.Errorf("BuildCABundle = %d, want %d", n, tt.wantCount)
			}
			got, err := tree.ReadFile(caBundle)
			if err != nil {
				t.Fatal(err)
			}
			if want := bytes.Join(tt.bundle, nil); !bytes.Equal(got, want) {
				t.Errorf("bundle:\n%s\nwant:\n%s", got, want)
			}
			links := map[string]string{}
			_ = tree.Walk(func(p string, n *Node) error {
				if strings.HasPrefix(p, sslCertsDir+"/") && n.Type == TypeSymlink {
					links[p] = n.Link
				}
				return nil
			})
			if diff := cmp.Diff(tt.links, links); diff != "" {
				t.Errorf("links in /etc/ssl/certs (-want +got):\n%s", diff)
			}
			conf, err := tree.ReadFile(caCertsConf)
			if err != nil {
				t.Fatal(err)
			}
			if tt.conf == "" {
				want := caCertsConfHeader + "mozilla/Root B (2020), X.crt\nmozilla/Root_A.crt\nother/Dup_of_A.crt\nother/Root_B2.crt\n"
				if string(conf) != want {
					t.Errorf("written %s:\n%s\nwant:\n%s", caCertsConf, conf, want)
				}
			} else if string(conf) != tt.conf {
				t.Errorf("%s was rewritten", caCertsConf)
			}
		})
	}
}

// TestBuildCABundleHost rebuilds the host's bundle and hash links from the
// host's certificates and configuration and compares.
func TestBuildCABundleHost(t *testing.T) {
	hostBundle, err := os.ReadFile(caBundle)
	if err != nil {
		t.Skipf("no host CA bundle: %v", err)
	}
	tree := New()
	for _, dir := range []string{caCertsDir, caLocalCertsDir} {
		copyHostDir(t, tree, dir)
	}
	conf, err := os.ReadFile(caCertsConf)
	if err != nil {
		t.Skipf("no host %s: %v", caCertsConf, err)
	}
	mustDo(t, tree.WriteFile(caCertsConf, conf, 0o644, 0, 0))
	n, err := BuildCABundle(tree)
	if err != nil {
		t.Fatal(err)
	}
	if n < 100 {
		t.Errorf("only %d certificates", n)
	}
	got, err := tree.ReadFile(caBundle)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(pemSet(t, got), pemSet(t, hostBundle)) {
		t.Logf("host bundle holds other certificates than the host's ca-certificates files (changed by hand?); not comparing bytes")
	} else if !bytes.Equal(got, hostBundle) {
		t.Errorf("bundle differs from the host's %s", caBundle)
	}
	compareHashLinks(t, tree)
}

// compareHashLinks checks every hash link the host has for a .pem that
// links to the same certificate file in tree.
func compareHashLinks(t *testing.T, tree *Tree) {
	entries, err := os.ReadDir(sslCertsDir)
	if err != nil {
		t.Fatal(err)
	}
	checked := 0
	for _, e := range entries {
		if !hashLinkName.MatchString(e.Name()) {
			continue
		}
		hostTarget, err := os.Readlink(filepath.Join(sslCertsDir, e.Name()))
		if err != nil {
			continue
		}
		hostCert, _ := os.Readlink(filepath.Join(sslCertsDir, hostTarget))
		pemNode, ok := tree.Get(sslCertsDir + "/" + hostTarget)
		if !ok || pemNode.Type != TypeSymlink || pemNode.Link != hostCert {
			continue // a .pem not made from ca-certificates' files
		}
		n, ok := tree.Get(sslCertsDir + "/" + e.Name())
		if !ok || n.Link != hostTarget {
			t.Errorf("%s: host links to %s, plinth has %+v", e.Name(), hostTarget, n)
		}
		checked++
	}
	if checked < 100 {
		t.Errorf("compared only %d hash links with the host's", checked)
	}
	t.Logf("%d hash links agree with the host's", checked)
}

// TestBuildCABundleDeb builds the bundle from the archive's current
// ca-certificates package, and compares with the host when the host has the
// same certificates.
func TestBuildCABundleDeb(t *testing.T) {
	tree := extractDebToTree(t, aptDownload(t, "ca-certificates"))
	n, err := BuildCABundle(tree)
	if err != nil {
		t.Fatal(err)
	}
	if n <= 100 {
		t.Errorf("BuildCABundle = %d certificates, want > 100", n)
	}
	got, err := tree.ReadFile(caBundle)
	if err != nil {
		t.Fatal(err)
	}
	if len(pemSet(t, got)) != n {
		t.Errorf("bundle holds %d certificates, want %d", len(pemSet(t, got)), n)
	}
	hostBundle, err := os.ReadFile(caBundle)
	if err != nil {
		t.Skipf("no host bundle to compare with: %v", err)
	}
	if !slices.Equal(pemSet(t, got), pemSet(t, hostBundle)) {
		t.Skip("the host enables other certificates than the downloaded package has; not comparing bytes")
	}
	if !bytes.Equal(got, hostBundle) {
		t.Errorf("bundle differs from the host's %s", caBundle)
	}
}

// pemSet returns the sorted DER certificates of a bundle.
func pemSet(t testing.TB, data []byte) []string {
	var out []string
	for {
		var b *pem.Block
		b, data = pem.Decode(data)
		if b == nil {
			break
		}
		out = append(out, string(b.Bytes))
	}
	slices.Sort(out)
	return out
}

// copyHostDir copies the regular files under a host directory into tree.
func copyHostDir(t *testing.T, tree *Tree, dir string) {
	t.Helper()
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil || !d.Type().IsRegular() {
			return err
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return tree.WriteFile(p, data, 0o644, 0, 0)
	})
	if err != nil && !os.IsNotExist(err) {
		t.Fatal(err)
	}
}
