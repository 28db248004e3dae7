package recipes

import (
	"bytes"
	"fmt"
	"strings"
	"testing"

	"github.com/ProtonMail/go-crypto/openpgp"
	"github.com/google/go-cmp/cmp"
)

func TestBuiltins(t *testing.T) {
	var names []string
	for _, b := range Builtins() {
		names = append(names, b.Name)
	}
	want := []string{"bookworm", "busybox", "focal", "jammy", "noble", "static", "trixie"}
	if diff := cmp.Diff(want, names); diff != "" {
		t.Fatalf("Builtins names (-want +got):\n%s", diff)
	}
	for _, b := range Builtins() {
		t.Run(b.Name, func(t *testing.T) {
			data, ok := Builtin(b.Name)
			if !ok {
				t.Fatalf("Builtin(%q) not found", b.Name)
			}
			if !bytes.HasPrefix(data, []byte("# "+b.Name+": ")) {
				t.Errorf("recipe does not start with a comment block %q", "# "+b.Name+": ")
			}
			if bytes.Contains(data, []byte("://")) {
				t.Errorf("recipe holds a URL; mirrors are configuration")
			}
			r, err := Load(b.Name)
			if err != nil {
				t.Fatal(err)
			}
			if r.Name != b.Name || r.File != "builtin:"+b.Name {
				t.Errorf("Name, File = %q, %q; want %q, %q", r.Name, r.File, b.Name, "builtin:"+b.Name)
			}
			if r.Description == "" || r.Description != b.Description {
				t.Errorf("Description = %q, Info says %q", r.Description, b.Description)
			}
			if len(r.Image.Architectures) != 0 {
				t.Errorf("Architectures = %v, want empty (the caller's default)", r.Image.Architectures)
			}
			wantSuites := []string{r.Source.Suite, r.Source.Suite + "-updates", r.Source.Suite + "-security"}
			if diff := cmp.Diff(wantSuites, r.Source.Suites); diff != "" {
				t.Errorf("Suites (-want +got):\n%s", diff)
			}
			if _, err := Keyring(r.Source.Distro); err != nil {
				t.Errorf("Keyring(%q): %v", r.Source.Distro, err)
			}
		})
	}
}

func TestBuiltinShapes(t *testing.T) {
	tests := []struct {
		name  string
		check func(r *Recipe) string
	}{
		{"bookworm", minbase("debian", "bookworm")},
		{"trixie", minbase("debian", "trixie")},
		{"focal", minbase("ubuntu", "focal")},
		{"jammy", minbase("ubuntu", "jammy")},
		{"noble", minbase("ubuntu", "noble")},
		{"static", func(r *Recipe) string {
			got := words(r.Source.Suite, r.Packages.Variant, r.Packages.Include, r.Packages.FilesOnly, r.Rootfs.Configure, r.Rootfs.Users, r.Image.Cmd, r.Image.User)
			return cmp.Diff("bookworm none [base-files netbase tzdata ca-certificates] [base-files tzdata ca-certificates] none [{nonroot 65532 65532 /home/nonroot /sbin/nologin}] [] 0", got)
		}},
		{"busybox", func(r *Recipe) string {
			got := words(r.Source.Suite, r.Packages.Variant, r.Packages.Include, r.Rootfs.Configure, r.Image.Cmd)
			return cmp.Diff("bookworm none [busybox base-files] none [/bin/sh]", got)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := Load(tt.name)
			if err != nil {
				t.Fatal(err)
			}
			if diff := tt.check(r); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

// words prints values separated by single spaces.
func words(v ...any) string { return strings.TrimSpace(fmt.Sprintln(v...)) }

// minbase checks the shape of a dpkg-and-apt base.
func minbase(distro, suite string) func(r *Recipe) string {
	return func(r *Recipe) string {
		got := words(r.Source.Distro, r.Source.Suite, r.Source.Components, r.Packages.Variant, r.Rootfs.Configure, r.Rootfs.MergedUsr, r.Image.Cmd)
		return cmp.Diff(words(distro, suite, "[main] minbase chroot true [/bin/bash]"), got)
	}
}

func TestBuiltinRejectsOddNames(t *testing.T) {
	for _, name := range []string{"", "../bookworm", "bookworm.toml", "keys/README", "BOOKWORM"} {
		t.Run(name, func(t *testing.T) {
			if _, ok := Builtin(name); ok {
				t.Errorf("Builtin(%q) found a recipe", name)
			}
		})
	}
}

func TestKeyring(t *testing.T) {
	tests := []struct {
		distro string
		want   []string // key ids, in file order
	}{
		{"debian", []string{
			"73A4F27B8DD47936", "A48449044AAD5C5D", "605C66F00D6C9793", // bullseye
			"F8D2585B8783D481", "B7C5D7D6350947F8", "254CF3B5AEC0A8F0", // bookworm
			"225629DF75B188BD", "9904613D4CCE68C6", "762F67A0B2C39DE4", // trixie
		}},
		{"ubuntu", []string{"3B4FE6ACC0B21F32", "D94AA3F0EFE21092", "871920D1991BC93C"}},
	}
	for _, tt := range tests {
		t.Run(tt.distro, func(t *testing.T) {
			data, err := Keyring(tt.distro)
			if err != nil {
				t.Fatal(err)
			}
			keys, err := openpgp.ReadKeyRing(bytes.NewReader(data))
			if err != nil {
				t.Fatalf("ReadKeyRing: %v", err)
			}
			var ids []string
			for _, k := range keys {
				ids = append(ids, k.PrimaryKey.KeyIdString())
				if len(k.Identities) == 0 {
					t.Errorf("key %s has no user id", k.PrimaryKey.KeyIdString())
				}
			}
			if diff := cmp.Diff(tt.want, ids); diff != "" {
				t.Errorf("key ids (-want +got):\n%s", diff)
			}
		})
	}
	t.Run("unknown distro", func(t *testing.T) {
		_, err := Keyring("arch")
		if err == nil || !strings.Contains(err.Error(), `"arch"`) || !strings.Contains(err.Error(), "--keyring") {
			t.Errorf("Keyring(arch) = %v, want an error naming the distro and --keyring", err)
		}
	})
}
