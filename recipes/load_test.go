package recipes

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// writeFiles writes name -> content under dir.
func writeFiles(t *testing.T, dir string, files map[string]string) {
	t.Helper()
	for name, content := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

const parentRecipe = `format = 1
name = "parent"
description = "the parent"
[source]
distro = "debian"
suite = "bookworm"
suites = ["bookworm", "bookworm-security"]
keyring = "keys/extra.gpg"
mirrors = { bookworm-security = "http://security.example/debian-security" }
[packages]
include = ["ca-certificates", "tzdata"]
[rootfs]
merged_usr = false
prune = ["docs"]
[[rootfs.users]]
name = "app"
uid = 1000
[image]
cmd = ["/bin/bash"]
env = { A = "1", B = "2" }
workdir = "/srv"
`

func TestLoadExtends(t *testing.T) {
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{
		"base/parent.toml": parentRecipe,
		"app/child.toml": `format = 1
extends = "../base/parent.toml"
[packages]
include = ["curl"]
[image]
env = { C = "3" }
user = "app"
`,
		"app/override.toml": `format = 1
name = "over"
extends = "../base/parent.toml"
[source]
suites = ["bookworm"]
mirrors = {}
[rootfs]
merged_usr = true
prune = []
users = []
`,
		"app/on-builtin.toml": `format = 1
extends = "bookworm"
[packages]
include = ["curl"]
[image]
architectures = ["amd64", "arm64"]
`,
	})
	parentKeyring := filepath.Join(dir, "base", "keys", "extra.gpg")
	tests := []struct {
		file string
		want func(r *Recipe) // applied to a copy of wantParent
	}{
		{
			file: "app/child.toml",
			want: func(r *Recipe) {
				r.Name, r.Extends, r.File = "child", "../base/parent.toml", filepath.Join(dir, "app/child.toml")
				r.Packages.Include = []string{"curl"}
				r.Image.Env = map[string]string{"C": "3"}
				r.Image.User = "app"
			},
		},
		{
			file: "app/override.toml",
			want: func(r *Recipe) {
				r.Name, r.Extends, r.File = "over", "../base/parent.toml", filepath.Join(dir, "app/override.toml")
				r.Source.Suites = []string{"bookworm"}
				r.Source.Mirrors = map[string]string{}
				r.Rootfs.MergedUsr = true
				r.Rootfs.Prune = []string{}
				r.Rootfs.Users = []User{}
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			want := &Recipe{
				Format: 1, Description: "the parent",
				Source: Source{
					Distro: "debian", Suite: "bookworm", Suites: []string{"bookworm", "bookworm-security"},
					Components: []string{"main"}, Keyring: parentKeyring,
					Mirrors: map[string]string{"bookworm-security": "http://security.example/debian-security"},
				},
				Packages: Packages{Variant: "minbase", Include: []string{"ca-certificates", "tzdata"}},
				Rootfs: Rootfs{
					Configure: "chroot", MergedUsr: false, Prune: []string{"docs"}, KeepLocales: []string{"C.UTF-8"},
					Users: []User{{Name: "app", UID: 1000, GID: 1000, Home: "/home/app", Shell: "/sbin/nologin"}},
				},
				Image: Image{Cmd: []string{"/bin/bash"}, Env: map[string]string{"A": "1", "B": "2"}, User: "0", Workdir: "/srv"},
			}
			tt.want(want)
			got, err := Load(filepath.Join(dir, tt.file))
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("Load (-want +got):\n%s", diff)
			}
		})
	}

	t.Run("extends a built-in", func(t *testing.T) {
		got, err := Load(filepath.Join(dir, "app/on-builtin.toml"))
		if err != nil {
			t.Fatal(err)
		}
		base, err := Load("bookworm")
		if err != nil {
			t.Fatal(err)
		}
		base.Name, base.Extends, base.File = "on-builtin", "bookworm", filepath.Join(dir, "app/on-builtin.toml")
		base.Packages.Include = []string{"curl"}
		base.Image.Architectures = []string{"amd64", "arm64"}
		if diff := cmp.Diff(base, got); diff != "" {
			t.Errorf("Load (-want +got):\n%s", diff)
		}
	})

	t.Run("relative path from the working directory", func(t *testing.T) {
		t.Chdir(dir)
		got, err := Load("app/child.toml")
		if err != nil {
			t.Fatal(err)
		}
		if want := filepath.Join("base", "keys", "extra.gpg"); got.Source.Keyring != want {
			t.Errorf("Keyring = %q, want %q (relative to the parent recipe)", got.Source.Keyring, want)
		}
	})
}

func TestLoadErrors(t *testing.T) {
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{
		"a.toml":          "format = 1\nextends = \"b.toml\"\n",
		"b.toml":          "format = 1\nextends = \"sub/c.toml\"\n",
		"sub/c.toml":      "format = 1\nextends = \"../a.toml\"\n",
		"self.toml":       "format = 1\nextends = \"./self.toml\"\n",
		"bad-parent.toml": "format = 1\nextends = \"broken.toml\"\n",
		"broken.toml":     "format = 1\n[image]\ncmdd = []\n",
		"unknown.toml":    "format = 1\nextends = \"bookwurm\"\n",
		"missing.toml":    "format = 1\nextends = \"nowhere.toml\"\n",
		"invalid.toml":    "format = 1\nextends = \"bookworm\"\n[source]\ndistro = \"arch\"\n[image]\nworkdir = \"x\"\n",
		"no-format.toml":  "extends = \"bookworm\"\n",
	})
	p := func(name string) string { return filepath.Join(dir, name) }
	tests := []struct {
		name    string
		recipe  string
		want    []string
		unknown bool
	}{
		{
			name:   "cycle",
			recipe: p("a.toml"),
			want:   []string{"recipe " + p("sub/c.toml") + ": extends cycle: " + p("a.toml") + " -> " + p("b.toml") + " -> " + p("sub/c.toml") + " -> " + p("a.toml")},
		},
		{name: "self cycle", recipe: p("self.toml"), want: []string{"extends cycle: " + p("self.toml") + " -> " + p("self.toml")}},
		{name: "parent does not parse", recipe: p("bad-parent.toml"), want: []string{"recipe " + p("broken.toml") + ": line 3: unknown key image.cmdd"}},
		{
			name: "unknown built-in in extends", recipe: p("unknown.toml"), unknown: true,
			want: []string{"recipe " + p("unknown.toml") + ": extends: unknown recipe \"bookwurm\": the built-in recipes are bookworm, busybox, focal, jammy, noble, static, trixie; a recipe file's path must end in .toml or contain '/'"},
		},
		{name: "missing parent", recipe: p("missing.toml"), want: []string{"recipe " + p("missing.toml") + ": reading the recipe it extends: ", "nowhere.toml"}},
		{name: "missing file", recipe: p("nope.toml"), want: []string{"reading recipe: ", "nope.toml"}},
		{
			name: "unknown name", recipe: "bookwurm", unknown: true,
			want: []string{`unknown recipe "bookwurm": the built-in recipes are bookworm, busybox,`, "must end in .toml or contain '/'"},
		},
		{
			name: "validation problems after the merge", recipe: p("invalid.toml"),
			want: []string{"recipe " + p("invalid.toml") + ": 2 problems:\n  - source.distro: must be one of debian, ubuntu, got \"arch\"\n  - image.workdir: \"x\" must be an absolute path"},
		},
		{name: "format is not inherited", recipe: p("no-format.toml"), want: []string{"format: missing"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := Load(tt.recipe)
			if err == nil {
				t.Fatalf("Load = %+v, want an error", r)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q\ndoes not contain %q", err, w)
				}
			}
			if got := errors.Is(err, ErrUnknown); got != tt.unknown {
				t.Errorf("errors.Is(err, ErrUnknown) = %v, want %v", got, tt.unknown)
			}
		})
	}
}

func TestLoadDeepChain(t *testing.T) {
	dir := t.TempDir()
	files := map[string]string{}
	for i := range maxExtendsDepth + 2 {
		files[filepath.Join(strings.Repeat("d/", i), "r.toml")] = "format = 1\nextends = \"d/r.toml\"\n"
	}
	writeFiles(t, dir, files)
	_, err := Load(filepath.Join(dir, "r.toml"))
	if err == nil || !strings.Contains(err.Error(), "extends chain is deeper than 16 recipes") {
		t.Errorf("Load = %v, want a depth error", err)
	}
}
