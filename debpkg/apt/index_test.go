package apt

import (
	"context"
	"crypto"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestIndex(t *testing.T) {
	key := newKey(t, "archive", 0)
	stanza := func(name, arch string) string {
		return fmt.Sprintf("Package: %s\nVersion: 1.0\nArchitecture: %s\nFilename: pool/%s.deb\nSize: 1\nSHA256: %s\n\n", name, arch, name, strings.Repeat("a", 64))
	}
	files := map[string][]byte{}
	addSuite := func(prefix, suite string, comps map[string]string) {
		idx := map[string][]byte{}
		for comp, names := range comps {
			for _, arch := range []string{"amd64", "arm64"} {
				var b strings.Builder
				for _, n := range strings.Fields(names) {
					b.WriteString(stanza(n, arch))
				}
				idx[comp+"/binary-"+arch+"/Packages.xz"] = xzBytes(t, []byte(b.String()))
			}
		}
		f := goodRelease()
		f.Suite, f.Codename, f.Files = suite, suite, idx
		files[prefix+"/dists/"+suite+"/InRelease"] = clearsignText(t, releaseText(f), crypto.SHA256, refTime.Add(-time.Hour), key)
		for p, d := range idx {
			files[prefix+"/dists/"+suite+"/"+p] = d
		}
	}
	addSuite("/debian", "bookworm", map[string]string{"main": "a b", "contrib": "c"})
	addSuite("/debian-security", "bookworm-security", map[string]string{"main": "d"})
	srv := newTestServer(t, files)
	c := testClient(t, publicKeyring(t, key), func(o *Options) { o.Parallel = 3 })
	sources := []Source{
		{Mirror: srv.URL + "/debian", Suite: "bookworm", Components: []string{"main", "contrib"}},
		{Mirror: srv.URL + "/debian-security", Suite: "bookworm-security", Components: []string{"main"}},
	}
	for range 3 { // the order never depends on scheduling
		pkgs, rels, err := c.Index(context.Background(), sources, []string{"amd64", "arm64"})
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, p := range pkgs {
			got = append(got, fmt.Sprintf("%s/%s:%s:%s", p.Suite, p.Component, p.Name, p.Architecture))
		}
		want := []string{
			"bookworm/main:a:amd64", "bookworm/main:b:amd64", "bookworm/main:a:arm64", "bookworm/main:b:arm64",
			"bookworm/contrib:c:amd64", "bookworm/contrib:c:arm64",
			"bookworm-security/main:d:amd64", "bookworm-security/main:d:arm64",
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Fatalf("Index order (-want +got):\n%s", diff)
		}
		if len(rels) != 2 || rels["bookworm-security"].Mirror != sources[1].Mirror {
			t.Errorf("Releases = %v", rels)
		}
	}
	if _, _, err := c.Index(context.Background(), sources, []string{"riscv64"}); err == nil {
		t.Error("Index of a missing architecture succeeded")
	}
}

func TestParsePackagesChunks(t *testing.T) {
	var b strings.Builder
	var want []string
	for i := range 3000 {
		fmt.Fprintf(&b, "Package: p%d\nVersion: 1.%d\nArchitecture: all\nDescription: x\n long\n .\n more\n\n", i, i)
		want = append(want, fmt.Sprintf("p%d:all=1.%d", i, i))
	}
	text := b.String()
	tests := []struct {
		name, in string
		want     []string
		wantErr  string
	}{
		{"many chunks", text, want, ""},
		{"crlf", strings.ReplaceAll(text, "\n", "\r\n"), want, ""},
		{"no final newline", strings.TrimRight(text, "\n"), want, ""},
		{"extra blank lines", strings.ReplaceAll(text, "\n\n", "\n\n\n\n"), want, ""},
		{"empty", "", nil, ""},
		{"bad stanza late", text + "Package: bad\nArchitecture: all\n", nil, "bad"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, size := range []int{1 << 20, 100} {
				var got []string
				pkgs, err := parsePackagesChunked(strings.NewReader(tt.in), size)
				if tt.wantErr != "" {
					if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
						t.Fatalf("chunk %d: got %v, want an error naming %q", size, err, tt.wantErr)
					}
					continue
				}
				if err != nil {
					t.Fatalf("chunk %d: %v", size, err)
				}
				for _, p := range pkgs {
					got = append(got, p.ID())
				}
				if diff := cmp.Diff(tt.want, got); diff != "" {
					t.Fatalf("chunk %d (-want +got):\n%s", size, diff)
				}
			}
		})
	}
}
