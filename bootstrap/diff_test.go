package bootstrap

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/plinth-build/plinth/rootfs"
)

// fxLock writes a lockfile of packages "arch/name=version[@sha-char]".
func fxLock(t *testing.T, path string, entries ...string) string {
	t.Helper()
	l := &Lockfile{Format: 1, Recipe: "test", Distro: "debian"}
	for _, e := range entries {
		archName, rest, _ := strings.Cut(e, "=")
		arch, name, _ := strings.Cut(archName, "/")
		version, sha, _ := strings.Cut(rest, "@")
		if sha == "" {
			sha = "a"
		}
		l.Packages = append(l.Packages, LockedPkg{
			Arch: arch, Name: name, Version: version, Architecture: arch, Suite: "bookworm",
			Filename: "pool/main/" + name + ".deb", Size: 100, SHA256: strings.Repeat(sha, 64),
		})
	}
	if err := l.Write(path); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestDiffLockfiles(t *testing.T) {
	dir := t.TempDir()
	a := fxLock(t, filepath.Join(dir, "a.lock"), "amd64/bash=5.2-1", "amd64/gone=1", "amd64/libc6=2.36-9", "amd64/same=1", "arm64/bash=5.2-1")
	b := fxLock(t, filepath.Join(dir, "b.lock"), "amd64/bash=5.2-1@b", "amd64/libc6=2.36-9+deb12u4", "amd64/new=3", "amd64/same=1", "arm64/bash=5.2-1")
	var out bytes.Buffer
	got, err := Diff(context.Background(), &out, DiffOptions{A: a, B: b})
	if err != nil {
		t.Fatal(err)
	}
	want := []Change{
		{Arch: "amd64", Name: "bash", Old: "5.2-1", New: "5.2-1", Suite: "bookworm"},
		{Arch: "amd64", Name: "gone", Old: "1"},
		{Arch: "amd64", Name: "libc6", Old: "2.36-9", New: "2.36-9+deb12u4", Suite: "bookworm"},
		{Arch: "amd64", Name: "new", New: "3", Suite: "bookworm"},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("changes (-want +got):\n%s", diff)
	}
	wantOut := `~ amd64/bash 5.2-1 -> 5.2-1 (same version, another file) (bookworm)
- amd64/gone 1
~ amd64/libc6 2.36-9 -> 2.36-9+deb12u4 (bookworm)
+ amd64/new 3 (bookworm)
amd64: 1 added, 1 removed, 2 changed
`
	if diff := cmp.Diff(wantOut, out.String()); diff != "" {
		t.Errorf("output (-want +got):\n%s", diff)
	}
}

func TestDiffImages(t *testing.T) {
	dir := t.TempDir()
	old := fxLayout(t, filepath.Join(dir, "old"), map[string]*rootfs.Tree{
		"amd64": fxTree(t, []fxPkg{{name: "bash", version: "5.2-1", arch: "amd64"}, {name: "tzdata", version: "2024a", arch: "all"}}),
		"arm64": fxTree(t, []fxPkg{{name: "bash", version: "5.2-1", arch: "arm64"}}),
	})
	newer := fxLayout(t, filepath.Join(dir, "new"), map[string]*rootfs.Tree{
		"amd64": fxTree(t, []fxPkg{
			{name: "bash", version: "5.2-2", arch: "amd64"}, {name: "tzdata", version: "2024a", arch: "all"},
			{name: "libc6", version: "2.36", arch: "i386"},
		}),
	})
	rootTar := filepath.Join(dir, "new.tar")
	if err := os.WriteFile(rootTar, fxTar(t, fxTree(t, []fxPkg{{name: "bash", version: "5.2-2", arch: "amd64"}})), 0o644); err != nil {
		t.Fatal(err)
	}
	lock := fxLock(t, filepath.Join(dir, "x.lock"), "amd64/bash=5.2-1", "amd64/tzdata=2024a")
	tests := []struct {
		name, a, b string
		want       []Change
		wantOut    string
	}{{
		name: "image to image",
		a:    old, b: newer,
		want: []Change{
			{Arch: "amd64", Name: "bash", Old: "5.2-1", New: "5.2-2"},
			{Arch: "amd64", Name: "libc6:i386", New: "2.36"},
			{Arch: "arm64", Name: "bash", Old: "5.2-1"},
		},
		wantOut: "~ amd64/bash 5.2-1 -> 5.2-2\n+ amd64/libc6:i386 2.36\n- arm64/bash 5.2-1\namd64: 1 added, 0 removed, 1 changed\narm64: 0 added, 1 removed, 0 changed\n",
	}, {
		name: "same image",
		a:    old, b: old,
		wantOut: old + " and " + old + " have the same packages\n",
	}, {
		name: "lockfile to rootfs tarball",
		a:    lock, b: rootTar,
		want: []Change{
			{Arch: "amd64", Name: "bash", Old: "5.2-1", New: "5.2-2"},
			{Arch: "amd64", Name: "tzdata", Old: "2024a"},
		},
		wantOut: "~ amd64/bash 5.2-1 -> 5.2-2\n- amd64/tzdata 2024a\namd64: 0 added, 1 removed, 1 changed\n",
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out bytes.Buffer
			got, err := Diff(context.Background(), &out, DiffOptions{A: tt.a, B: tt.b})
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("changes (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.wantOut, out.String()); diff != "" {
				t.Errorf("output (-want +got):\n%s", diff)
			}
		})
	}
}

func TestDiffErrors(t *testing.T) {
	dir := t.TempDir()
	good := fxLock(t, filepath.Join(dir, "good.lock"), "amd64/a=1")
	bad := filepath.Join(dir, "bad.lock")
	if err := os.WriteFile(bad, []byte("format = 7\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, a, b string
		want       string
	}{
		{"missing lockfile", filepath.Join(dir, "none.lock"), good, "none.lock"},
		{"bad lockfile", good, bad, bad},
		{"missing image", good, "oci:" + filepath.Join(dir, "none"), filepath.Join(dir, "none")},
		{"missing path", filepath.Join(dir, "nothing"), good, filepath.Join(dir, "nothing")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Diff(context.Background(), &bytes.Buffer{}, DiffOptions{A: tt.a, B: tt.b})
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Diff error = %v, want one naming %q", err, tt.want)
			}
		})
	}
}

func TestPackageKey(t *testing.T) {
	tests := []struct{ name, pkgArch, imageArch, want string }{
		{"bash", "amd64", "amd64", "bash"},
		{"tzdata", "all", "amd64", "tzdata"},
		{"libc6", "i386", "amd64", "libc6:i386"},
		{"x", "", "amd64", "x"},
	}
	for _, tt := range tests {
		t.Run(tt.want, func(t *testing.T) {
			if got := packageKey(tt.name, tt.pkgArch, tt.imageArch); got != tt.want {
				t.Errorf("packageKey(%q, %q, %q) = %q, want %q", tt.name, tt.pkgArch, tt.imageArch, got, tt.want)
			}
		})
	}
}
