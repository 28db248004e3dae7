package debpkg

import (
	"errors"
	"github.com/google/go-cmp/cmp"
	"strings"
	"testing"
)

func TestParsePackage(t *testing.T) {
	const stanza = `Package: libc6
Source: glibc (2.36-9+deb12u4)
Version: 2.36-9+deb12u7
Installed-Size: 12988
Architecture: amd64
Multi-Arch: same
Priority: optional
Depends: libgcc-s1
Breaks: hurd (<< 1:0.9.git20170910-1)
Filename: pool/main/g/glibc/libc6_2.36-9+deb12u7_amd64.deb
Size: 2757936
SHA256: 0123
`
	p, err := ParseParagraph(strings.NewReader(stanza))
	if err != nil {
		t.Fatal(err)
	}
	pkg, err := ParsePackage(p)
	if err != nil {
		t.Fatal(err)
	}
	if pkg.ID() != "libc6:amd64=2.36-9+deb12u7" {
		t.Errorf("ID = %q", pkg.ID())
	}
	if pkg.Source != "glibc" || pkg.SourceVersion.String() != "2.36-9+deb12u4" {
		t.Errorf("source = %s %s", pkg.Source, pkg.SourceVersion)
	}
	if pkg.Size != 2757936 || pkg.InstalledSize != 12988 || pkg.MultiArch != "same" || len(pkg.Breaks()) != 1 {
		t.Errorf("fields not parsed: %+v", pkg)
	}
}

func TestParsePackageErrors(t *testing.T) {
	tests := []struct {
		name, stanza, field string
	}{
		{"no name", "Version: 1\nArchitecture: all\n", "Package"},
		{"bad version", "Package: a\nVersion: x\nArchitecture: all\n", "Version"},
		{"no arch", "Package: a\nVersion: 1\n", "Architecture"},
		{"bad depends", "Package: a\nVersion: 1\nArchitecture: all\nDepends: b (>= )\n", "Depends"},
		{"bad size", "Package: a\nVersion: 1\nArchitecture: all\nSize: -1\n", "Size"},
		{"bad source", "Package: a\nVersion: 1\nArchitecture: all\nSource: s 1.0\n", "Source"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := ParseParagraph(strings.NewReader(tt.stanza))
			if err != nil {
				t.Fatal(err)
			}
			_, err = ParsePackage(p)
			var pe *PackageError
			if !errors.As(err, &pe) || pe.Field != tt.field {
				t.Fatalf("got %v, want *PackageError for field %s", err, tt.field)
			}
		})
	}
}

// slowIndex parses text the general way, for comparison.
func slowIndex(text string) ([]*Package, error) {
	ps, err := ParseParagraphs(strings.NewReader(text))
	if err != nil {
		return nil, err
	}
	var out []*Package
	for _, p := range ps {
		pkg, err := ParsePackage(p)
		if err != nil {
			return nil, err
		}
		pkg.Paragraph = Paragraph{}
		pkg.relations[fRecommends-fDepends], pkg.relations[fSuggests-fDepends] = "", "" // ParsePackageIndex leaves them out
		out = append(out, pkg)
	}
	return out, nil
}

const indexSample = `Package: libc6
Source: glibc (2.36-9+deb12u4)
Version: 2.36-9+deb12u7
Installed-Size: 12988
Architecture: amd64
Multi-Arch: same
Depends: libgcc-s1,
 libcrypt1 (>= 1:4.4.10-10~)
Breaks: hurd (<< 1:0.9.git20170910-1)
Description: GNU C Library: Shared libraries
 Contains the standard libraries.
 .
 More.
Filename: pool/main/g/glibc/libc6_2.36-9+deb12u7_amd64.deb
Size: 2757936
SHA256: 0123

package: lower-case-names
version: 1.0
architecture: all
provides: x (= 1.0)


Package: last
Version: 1:2
Architecture: all
Essential: yes`

func TestParsePackageIndex(t *testing.T) {
	want, err := slowIndex(indexSample)
	if err != nil {
		t.Fatal(err)
	}
	got, err := ParsePackageIndex(indexSample)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, got, cmp.AllowUnexported(Package{})); diff != "" {
		t.Errorf("fast parse differs from ParsePackage (-slow +fast):\n%s", diff)
	}
	if len(got) != 3 || got[0].Depends().String() != "libgcc-s1, libcrypt1 (>= 1:4.4.10-10~)" || !got[2].Essential {
		t.Errorf("parsed %+v", got)
	}
	for _, bad := range []string{" continuation\n", "Package: a\nno colon\n", "Package: a\nVersion: x\nArchitecture: all\n"} {
		if _, err := ParsePackageIndex(bad); err == nil {
			t.Errorf("ParsePackageIndex(%q) accepted", bad)
		}
	}
}

func FuzzParsePackageIndex(f *testing.F) {
	f.Add(indexSample)
	f.Fuzz(func(t *testing.T, text string) {
		fast, ferr := ParsePackageIndex(text)
		slow, serr := slowIndex(text)
		if (ferr == nil) != (serr == nil) {
			return // the line-length cap and CR handling differ on purpose
		}
		if ferr == nil && len(fast) != len(slow) {
			t.Fatalf("fast parse found %d packages, ParsePackage %d", len(fast), len(slow))
		}
	})
}

func BenchmarkParsePackageIndex(b *testing.B) {
	text := strings.Repeat(indexSample+"\n\n", 2000)
	b.SetBytes(int64(len(text)))
	for b.Loop() {
		if _, err := ParsePackageIndex(text); err != nil {
			b.Fatal(err)
		}
	}
}
