package recipes

import (
	"bytes"
	"strings"
	"testing"

	"github.com/BurntSushi/toml"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// minimal is the smallest recipe that validates.
const minimal = `format = 1
[source]
distro = "debian"
suite = "bookworm"
`

func TestParseRejects(t *testing.T) {
	tests := []struct {
		name string
		toml string
		want []string // substrings of the error
		not  []string // substrings the error must not hold
	}{
		{
			name: "unknown key in a table",
			toml: minimal + "[image]\ncmdd = [\"/bin/sh\"]\n",
			want: []string{"recipe my.toml: line 6: unknown key image.cmdd", "([image] takes architectures, cmd, entrypoint"},
		},
		{
			name: "unknown top-level key",
			toml: "format = 1\nnmae = \"x\"\n",
			want: []string{"recipe my.toml: line 2: unknown key nmae", "(the top level takes format, name, description, extends"},
		},
		{
			name: "unknown table reported once",
			toml: minimal + "[imagee]\ncmd = [\"x\"]\nuser = \"0\"\n",
			want: []string{"line 5: unknown key imagee "},
			not:  []string{"imagee.cmd", "imagee.user"},
		},
		{
			name: "every unknown key at once",
			toml: minimal + "suitez = []\n[packages]\nincludes = []\n",
			want: []string{"line 5: unknown key source.suitez", "line 7: unknown key packages.includes"},
		},
		{
			name: "unknown key in an array of tables",
			toml: minimal + "[[rootfs.users]]\nname = \"a\"\nuid = 1\nuidd = 2\n",
			want: []string{"line 8: unknown key rootfs.users.uidd", "([rootfs.users] takes name, uid, gid, home, shell)"},
		},
		{
			name: "unknown key in an inline table has no line",
			toml: "format = 1\nimage = { cmdd = [] }\n",
			want: []string{"recipe my.toml: unknown key image.cmdd"},
		},
		{
			name: "wrong type",
			toml: minimal + "[image]\ncmd = \"/bin/sh\"\n",
			want: []string{"recipe my.toml: line 6: image.cmd: want an array, got a string"},
		},
		{
			name: "wrong type for a table",
			toml: "format = 1\nsource = 3\n",
			want: []string{"recipe my.toml: line 2: source: want a table, got an integer"},
		},
		{
			name: "wrong type in a list",
			toml: minimal + "[packages]\ninclude = [1]\n",
			want: []string{"recipe my.toml:", "packages.include", "want a string, got an integer"},
		},
		{
			name: "syntax error",
			toml: "format = 1\n[source\n",
			want: []string{"recipe my.toml: line 3: expected '.' or ']' to end table name"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse("my.toml", []byte(tt.toml))
			if err == nil {
				t.Fatal("Parse succeeded, want an error")
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not contain %q", err, w)
				}
			}
			for _, n := range tt.not {
				if strings.Contains(err.Error(), n) {
					t.Errorf("error %q contains %q", err, n)
				}
			}
		})
	}
}

func TestParseDecodes(t *testing.T) {
	tests := []struct {
		name string
		toml string
		want *Recipe
	}{
		{
			name: "minimal: only what the file says, merged_usr true",
			toml: minimal,
			want: &Recipe{
				Format: 1, File: "my.toml",
				Source: Source{Distro: "debian", Suite: "bookworm"},
				Rootfs: Rootfs{MergedUsr: true},
			},
		},
		{
			name: "merged_usr false, empty lists stay empty, not nil",
			toml: minimal + "[rootfs]\nmerged_usr = false\nprune = []\nkeep_locales = []\n",
			want: &Recipe{
				Format: 1, File: "my.toml",
				Source: Source{Distro: "debian", Suite: "bookworm"},
				Rootfs: Rootfs{MergedUsr: false, Prune: []string{}, KeepLocales: []string{}},
			},
		},
		{
			name: "omitted gid is the uid, gid 0 stays 0",
			toml: minimal + "[[rootfs.users]]\nname = \"a\"\nuid = 1000\n[[rootfs.users]]\nname = \"b\"\nuid = 1001\ngid = 0\n[[rootfs.users]]\nname = \"c\"\nuid = 1002\ngid = 50\n",
			want: &Recipe{
				Format: 1, File: "my.toml",
				Source: Source{Distro: "debian", Suite: "bookworm"},
				Rootfs: Rootfs{MergedUsr: true, Users: []User{
					{Name: "a", UID: 1000, GID: 1000},
					{Name: "b", UID: 1001, GID: 0},
					{Name: "c", UID: 1002, GID: 50},
				}},
			},
		},
		{
			name: "every key",
			toml: `format = 1
name = "app"
description = "d"
extends = "bookworm"
[source]
distro = "ubuntu"
suite = "jammy"
suites = ["jammy", "jammy-updates"]
components = ["main", "universe"]
mirror = "http://mirror.example/ubuntu"
mirrors = { jammy-updates = "https://other.example/ubuntu" }
keyring = "keys.gpg"
[packages]
variant = "essential"
include = ["a"]
exclude = ["b"]
files_only = ["c"]
[rootfs]
configure = "none"
merged_usr = true
prune = ["docs"]
keep_locales = ["en_US.UTF-8"]
users = [{ name = "u", uid = 7, gid = 8, home = "/h", shell = "/bin/sh" }]
groups = [{ name = "g", gid = 9 }]
[image]
architectures = ["arm64"]
cmd = ["c"]
entrypoint = ["e"]
env = { A = "1" }
user = "u"
workdir = "/w"
labels = { "org.opencontainers.image.title" = "t" }
exposed_ports = ["80/tcp"]
`,
			want: &Recipe{
				Format: 1, Name: "app", Description: "d", Extends: "bookworm", File: "my.toml",
				Source: Source{
					Distro: "ubuntu", Suite: "jammy", Suites: []string{"jammy", "jammy-updates"},
					Components: []string{"main", "universe"}, Mirror: "http://mirror.example/ubuntu",
					Mirrors: map[string]string{"jammy-updates": "https://other.example/ubuntu"}, Keyring: "keys.gpg",
				},
				Packages: Packages{Variant: "essential", Include: []string{"a"}, Exclude: []string{"b"}, FilesOnly: []string{"c"}},
				Rootfs: Rootfs{
					Configure: "none", MergedUsr: true, Prune: []string{"docs"}, KeepLocales: []string{"en_US.UTF-8"},
					Users:  []User{{Name: "u", UID: 7, GID: 8, Home: "/h", Shell: "/bin/sh"}},
					Groups: []Group{{Name: "g", GID: 9}},
				},
				Image: Image{
					Architectures: []string{"arm64"}, Cmd: []string{"c"}, Entrypoint: []string{"e"},
					Env: map[string]string{"A": "1"}, User: "u", Workdir: "/w",
					Labels:       map[string]string{"org.opencontainers.image.title": "t"},
					ExposedPorts: []string{"80/tcp"},
				},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Parse("my.toml", []byte(tt.toml))
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Parse (-want +got):\n%s", diff)
			}
		})
	}
}

func TestKeyLines(t *testing.T) {
	data := "a = 1\n# b = 2\n[t]\n  \"c\" = 3\nd.e = 4\n[[u.v]]\nw=5\n"
	got := keyLines([]byte(data))
	want := map[string]int{
		keyID([]string{"a"}): 1,
		keyID([]string{"t"}): 3, keyID([]string{"t", "c"}): 4,
		keyID([]string{"t", "d"}): 5, keyID([]string{"t", "d", "e"}): 5,
		keyID([]string{"u"}): 6, keyID([]string{"u", "v"}): 6, keyID([]string{"u", "v", "w"}): 7,
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("keyLines (-want +got):\n%s", diff)
	}
}

// FuzzParse checks that no input makes Parse, ApplyDefaults or Validate
// panic, and that what Parse accepts survives a TOML round trip.
func FuzzParse(f *testing.F) {
	for _, b := range Builtins() {
		data, _ := Builtin(b.Name)
		f.Add(data)
	}
	f.Add([]byte(minimal + "[[rootfs.users]]\nname = \"a\"\nuid = 1\n[image]\nenv = { \"\" = \"x\" }\n"))
	f.Add([]byte("[image]\ncmdd = 1\n[x.y]\nz = 2\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		r, err := Parse("fuzz.toml", data)
		if err != nil {
			return
		}
		var buf bytes.Buffer
		if err := toml.NewEncoder(&buf).Encode(r); err != nil {
			t.Skipf("encoding: %v", err) // the encoder's limits, not Parse's
		}
		again, err := Parse("fuzz.toml", buf.Bytes())
		if err != nil {
			t.Fatalf("re-parsing the encoded recipe: %v\n%s", err, buf.Bytes())
		}
		if diff := cmp.Diff(r, again, cmpopts.EquateEmpty()); diff != "" {
			t.Errorf("round trip (-parsed +re-parsed):\n%s", diff)
		}
		r.ApplyDefaults()
		_ = r.Validate()
	})
}
