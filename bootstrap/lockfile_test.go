package bootstrap

import (
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestLockfileRoundTrip(t *testing.T) {
	l := &Lockfile{
		Format: 1, Recipe: "static", Distro: "debian",
		Suites: []LockedSuite{{Name: "bookworm-updates", InReleaseSHA256: strings.Repeat("b", 64), Date: time.Date(2024, 6, 2, 0, 0, 0, 0, time.UTC)},
			{Name: "bookworm", InReleaseSHA256: strings.Repeat("a", 64), Date: time.Date(2024, 6, 1, 0, 0, 0, 0, time.UTC)}},
		Packages: []LockedPkg{
			{Arch: "arm64", Name: "tzdata", Version: "2024b-0+deb12u1", Architecture: "all", Source: "tzdata", Suite: "bookworm-updates", Filename: "pool/main/t/tzdata/tzdata_2024b-0+deb12u1_all.deb", Size: 10, SHA256: strings.Repeat("c", 64)},
			{Arch: "amd64", Name: "tzdata", Version: "2024b-0+deb12u1", Architecture: "all", Source: "tzdata", Suite: "bookworm-updates", Filename: "pool/main/t/tzdata/tzdata_2024b-0+deb12u1_all.deb", Size: 10, SHA256: strings.Repeat("c", 64)},
		},
	}
	path := filepath.Join(t.TempDir(), "x.lock")
	if err := l.Write(path); err != nil {
		t.Fatal(err)
	}
	got, err := ReadLockfile(path)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(l, got); diff != "" {
		t.Errorf("round trip (-want +got):\n%s", diff)
	}
	if got.Packages[0].Arch != "amd64" || got.Suites[0].Name != "bookworm" {
		t.Errorf("entries not sorted: %+v", got)
	}
	if !got.newest().Equal(time.Date(2024, 6, 2, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("newest = %v", got.newest())
	}
}

func TestParseLockfileErrors(t *testing.T) {
	tests := []struct {
		name, data, want string
	}{
		{"not toml", "format = ", "x.lock"},
		{"unknown key", "format = 1\ncolour = 1\n", "unknown key colour"},
		{"old format", "format = 2\n", "format 2 is not 1"},
		{"incomplete package", "format = 1\n[[packages]]\nname = \"a\"\n", "package entry 1 (a)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseLockfile("x.lock", []byte(tt.data))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want one containing %q", err, tt.want)
			}
		})
	}
}

func FuzzParseLockfile(f *testing.F) {
	f.Add([]byte("format = 1\nrecipe = \"static\"\n[[suites]]\nname = \"bookworm\"\ndate = 2024-06-01T00:00:00Z\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		l, err := ParseLockfile("fuzz.lock", data)
		if err != nil {
			return
		}
		l.newest()
		l.archs()
	})
}
