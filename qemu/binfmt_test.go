package qemu

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/plinth-build/plinth/debpkg"
)

const aarch64Def = `:qemu-aarch64:M::\x7f\x45\x4c\x46\x02\x01\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x02\x00\xb7\x00:\xff\xff\xff\xff\xff\xff\xff\x00\xff\xff\xff\xff\xff\xff\xff\xff\xfe\xff\xff\xff:/usr/libexec/qemu-binfmt/aarch64-binfmt-P:OPF`

const aarch64Entry = `enabled
interpreter /usr/libexec/qemu-binfmt/aarch64-binfmt-P
flags: %s
offset 0
magic 7f454c460201010000000000000000000200b700
mask ffffffffffffff00fffffffffffffffffeffffff
`

func arch(t *testing.T, name string) debpkg.Arch {
	t.Helper()
	a, err := debpkg.LookupArch(name)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func TestParseDefinitionMatches(t *testing.T) {
	e, err := ParseDefinition(aarch64Def)
	if err != nil {
		t.Fatal(err)
	}
	if e.Name != "qemu-aarch64" || e.Interpreter != "/usr/libexec/qemu-binfmt/aarch64-binfmt-P" || e.Flags != "OPF" {
		t.Errorf("parsed %+v", e)
	}
	tests := []struct {
		arch string
		want bool
	}{{"arm64", true}, {"amd64", false}, {"armhf", false}, {"s390x", false}}
	for _, tt := range tests {
		t.Run(tt.arch, func(t *testing.T) {
			if got := e.matches(arch(t, tt.arch)); got != tt.want {
				t.Errorf("matches(%s) = %v, want %v", tt.arch, got, tt.want)
			}
		})
	}
	for _, bad := range []string{"", ":x:E::txt::/bin/x:", ":short:M:"} {
		if _, err := ParseDefinition(bad); err == nil {
			t.Errorf("ParseDefinition(%q) accepted", bad)
		}
	}
}

func TestCheck(t *testing.T) {
	host := arch(t, "amd64")
	tests := []struct {
		name    string
		entry   string // "" = no entry file
		arch    string
		wantErr bool
	}{
		{"native needs nothing", "", "amd64", false},
		{"no entry", "", "arm64", true},
		{"entry with F", fmt.Sprintf(aarch64Entry, "OPF"), "arm64", false},
		{"entry without F", fmt.Sprintf(aarch64Entry, "OP"), "arm64", true},
		{"disabled entry", strings.Replace(fmt.Sprintf(aarch64Entry, "OPF"), "enabled", "disabled", 1), "arm64", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			os.WriteFile(filepath.Join(dir, "register"), nil, 0o200)
			os.WriteFile(filepath.Join(dir, "status"), []byte("enabled\n"), 0o644)
			if tt.entry != "" {
				os.WriteFile(filepath.Join(dir, "qemu-aarch64"), []byte(tt.entry), 0o644)
			}
			err := Binfmt{Mount: dir, Host: &host}.Check(arch(t, tt.arch))
			if (err != nil) != tt.wantErr {
				t.Fatalf("Check = %v, want error %v", err, tt.wantErr)
			}
			var ne *NoEmulationError
			if err != nil && !errors.As(err, &ne) {
				t.Errorf("error %T is not a *NoEmulationError", err)
			}
		})
	}
}

func TestDefinitionLookup(t *testing.T) {
	dir := t.TempDir()
	interp := filepath.Join(dir, "qemu-aarch64-static")
	os.WriteFile(interp, []byte("#!/bin/false\n"), 0o755)
	def := `:qemu-aarch64:M::\x7f\x45\x4c\x46\x02\x01\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x02\x00\xb7\x00:\xff\xff\xff\xff\xff\xff\xff\x00\xff\xff\xff\xff\xff\xff\xff\xff\xfe\xff\xff\xff:` + interp + `:OP`
	os.WriteFile(filepath.Join(dir, "qemu-aarch64.conf"), []byte(def+"\n"), 0o644)
	b := Binfmt{Definitions: []string{dir}}
	got, err := b.definition(arch(t, "arm64"))
	if err != nil {
		t.Fatal(err)
	}
	if got != def+"F" {
		t.Errorf("definition = %q, want the F flag added", got)
	}
	if _, err := b.definition(arch(t, "riscv64")); err == nil {
		t.Error("missing definition accepted")
	}
	os.Remove(interp)
	if _, err := b.definition(arch(t, "arm64")); err == nil {
		t.Error("definition with a missing interpreter accepted")
	}
}

func FuzzParseEntry(f *testing.F) {
	f.Add([]byte(fmt.Sprintf(aarch64Entry, "OPF")))
	f.Fuzz(func(t *testing.T, data []byte) {
		e, err := ParseEntry("x", data)
		if err == nil {
			e.matches(debpkg.HostArch())
		}
		ParseDefinition(string(data))
	})
}
