package debpkg

import (
	"errors"
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
	if pkg.Size != 2757936 || pkg.InstalledSize != 12988 || pkg.MultiArch != "same" || len(pkg.Breaks) != 1 {
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
