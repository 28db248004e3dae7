package apt

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestHostSources(t *testing.T) {
	root := t.TempDir()
	write := func(rel, content string) {
		p := filepath.Join(root, rel)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("etc/apt/sources.list", `# comment
deb http://mirror.example/debian bookworm main contrib # trailing
deb-src http://mirror.example/debian bookworm main

deb [ arch=amd64 signed-by=/usr/share/keyrings/x.gpg ] http://mirror.example/security bookworm-security main
`)
	write("etc/apt/sources.list.d/extra.list", "deb [signed-by=/k.gpg] https://other.example/apt stable main\n")
	write("etc/apt/sources.list.d/ignored.list.disabled", "deb http://nope.example/ x y\n")
	write("etc/apt/sources.list.d/debian.sources", `Types: deb
# a comment inside
URIs: http://mirror.example/debian
Suites: bookworm bookworm-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb deb-src
URIs: http://off.example/debian
Suites: trixie
Components: main
Enabled: no
`)
	got, err := HostSources(root)
	if err != nil {
		t.Fatal(err)
	}
	list, extra, deb822 := filepath.Join(root, "etc/apt/sources.list"), filepath.Join(root, "etc/apt/sources.list.d/extra.list"), filepath.Join(root, "etc/apt/sources.list.d/debian.sources")
	want := []SourceEntry{
		{Types: []string{"deb"}, URIs: []string{"http://mirror.example/debian"}, Suites: []string{"bookworm"}, Components: []string{"main", "contrib"}, File: list, Enabled: true},
		{Types: []string{"deb-src"}, URIs: []string{"http://mirror.example/debian"}, Suites: []string{"bookworm"}, Components: []string{"main"}, File: list, Enabled: true},
		{Types: []string{"deb"}, URIs: []string{"http://mirror.example/security"}, Suites: []string{"bookworm-security"}, Components: []string{"main"}, SignedBy: "/usr/share/keyrings/x.gpg", File: list, Enabled: true},
		{Types: []string{"deb"}, URIs: []string{"https://other.example/apt"}, Suites: []string{"stable"}, Components: []string{"main"}, SignedBy: "/k.gpg", File: extra, Enabled: true},
		{Types: []string{"deb"}, URIs: []string{"http://mirror.example/debian"}, Suites: []string{"bookworm", "bookworm-updates"}, Components: []string{"main"}, SignedBy: "/usr/share/keyrings/debian-archive-keyring.gpg", File: deb822, Enabled: true},
		{Types: []string{"deb", "deb-src"}, URIs: []string{"http://off.example/debian"}, Suites: []string{"trixie"}, Components: []string{"main"}, File: deb822, Enabled: false},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("HostSources (-want +got):\n%s", diff)
	}

	empty, err := HostSources(t.TempDir())
	if err != nil || len(empty) != 0 {
		t.Errorf("HostSources(empty root) = %v, %v", empty, err)
	}
	write("etc/apt/sources.list.d/broken.list", "deb [arch=amd64 http://x y\n")
	if _, err := HostSources(root); err == nil || !strings.Contains(err.Error(), "broken.list") {
		t.Errorf("broken file: got %v, want an error naming it", err)
	}
}

func TestResolve(t *testing.T) {
	host := []SourceEntry{
		{Types: []string{"deb-src"}, URIs: []string{"http://src.example/debian"}, Suites: []string{"bookworm"}, Enabled: true},
		{Types: []string{"deb"}, URIs: []string{"http://off.example/debian"}, Suites: []string{"bookworm"}, Enabled: false},
		{Types: []string{"deb"}, URIs: []string{"cdrom:[x]/"}, Suites: []string{"bookworm"}, Enabled: true},
		{Types: []string{"deb"}, URIs: []string{"http://host.example/debian/"}, Suites: []string{"bookworm", "bookworm-updates"}, Enabled: true},
		{Types: []string{"deb"}, URIs: []string{"http://host.example/debian-security"}, Suites: []string{"bookworm-security"}, Enabled: true},
	}
	tests := []struct {
		name  string
		cfg   MirrorConfig
		suite string
		want  string
	}{
		{"flag suite beats flag global", MirrorConfig{Flag: map[string]string{"": "http://flag/", "bookworm": "http://flag-bw"}}, "bookworm", "http://flag-bw"},
		{"flag global", MirrorConfig{Flag: map[string]string{"": "http://flag/"}, Env: map[string]string{"bookworm": "http://env"}}, "bookworm", "http://flag"},
		{"env suite", MirrorConfig{Env: map[string]string{"bookworm": "http://env-bw", "": "http://env"}, Recipe: "http://recipe"}, "bookworm", "http://env-bw"},
		{"env global", MirrorConfig{Env: map[string]string{"": "http://env"}, Recipe: "http://recipe"}, "bookworm", "http://env"},
		{"recipe suite", MirrorConfig{Recipe: "http://recipe", RecipeBySuite: map[string]string{"bookworm-security": "http://recipe-sec"}, Host: host}, "bookworm-security", "http://recipe-sec"},
		{"recipe global", MirrorConfig{Recipe: "http://recipe", Host: host}, "bookworm", "http://recipe"},
		{"host", MirrorConfig{Host: host}, "bookworm", "http://host.example/debian"},
		{"host per suite", MirrorConfig{Host: host}, "bookworm-security", "http://host.example/debian-security"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.cfg.Resolve(tt.suite)
			if err != nil || got != tt.want {
				t.Errorf("Resolve(%q) = %q, %v; want %q", tt.suite, got, err, tt.want)
			}
		})
	}
	_, err := MirrorConfig{Distro: "ubuntu", Host: host}.Resolve("focal")
	var nm *NoMirrorError
	if !errors.As(err, &nm) || nm.Suite != "focal" {
		t.Fatalf("got %v, want NoMirrorError for focal", err)
	}
	for _, s := range []string{"--mirror", "PLINTH_MIRROR_UBUNTU", "recipe", "/etc/apt/sources.list", "focal", "ubuntu"} {
		if !strings.Contains(err.Error(), s) {
			t.Errorf("error %q does not mention %s", err, s)
		}
	}
}

func TestParseMirrorFlag(t *testing.T) {
	tests := []struct {
		name    string
		in      []string
		want    map[string]string
		wantErr bool
	}{
		{"global", []string{"http://m.example/debian/"}, map[string]string{"": "http://m.example/debian"}, false},
		{"per suite", []string{"http://m/debian", "bookworm-security=http://m/debian-security"},
			map[string]string{"": "http://m/debian", "bookworm-security": "http://m/debian-security"}, false},
		{"url with =", []string{"http://m/debian;x=y"}, map[string]string{"": "http://m/debian;x=y"}, false},
		{"none", nil, map[string]string{}, false},
		{"two globals", []string{"http://a", "http://b"}, nil, true},
		{"suite twice", []string{"s=http://a", "s=http://b"}, nil, true},
		{"not a url", []string{"mirror.example/debian"}, nil, true},
		{"ftp", []string{"ftp://m/debian"}, nil, true},
		{"empty suite", []string{"=http://m"}, nil, true},
		{"suite without url", []string{"bookworm="}, nil, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseMirrorFlag(tt.in)
			if (err != nil) != tt.wantErr {
				t.Fatalf("ParseMirrorFlag: %v, wantErr %v", err, tt.wantErr)
			}
			if err == nil {
				if diff := cmp.Diff(tt.want, got); diff != "" {
					t.Errorf("(-want +got):\n%s", diff)
				}
			}
		})
	}
}
