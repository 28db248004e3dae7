package bootstrap

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/plinth-build/plinth/rootfs"
)

var fxUpdate = flag.Bool("update", false, "rewrite the golden files in testdata")

// fxPackages are the packages of the inspect fixtures.
var fxPackages = []fxPkg{
	{name: "zlib1g", version: "1:1.2.13.dfsg-1", arch: "amd64", kib: 164},
	{name: "base-files", version: "12.4+deb12u5", arch: "amd64", kib: 341},
	{name: "tzdata", version: "2024a-0+deb12u1", arch: "all", kib: 2000},
	{name: "oldpkg", version: "1", arch: "amd64", kib: 5, status: "deinstall ok config-files"},
}

// fxGolden compares got with testdata/name, or rewrites it with -update.
func fxGolden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *fxUpdate {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("reading the golden file (run go test -update to write it): %v", err)
	}
	if diff := cmp.Diff(string(want), string(got)); diff != "" {
		t.Errorf("output differs from %s (-want +got; go test -update rewrites it):\n%s", path, diff)
	}
}

func TestInspectGolden(t *testing.T) {
	dir := t.TempDir()
	arm := fxTree(t, []fxPkg{
		{name: "base-files", version: "12.4+deb12u5", arch: "arm64", kib: 341},
		{name: "tzdata", version: "2024a-0+deb12u1", arch: "all", kib: 2000},
	})
	if err := arm.WriteFile("/usr/lib/aarch64/big", bytes.Repeat([]byte("b"), 20000), 0o644, 0, 0); err != nil {
		t.Fatal(err)
	}
	src := fxLayout(t, filepath.Join(dir, "multi"), map[string]*rootfs.Tree{"amd64": fxTree(t, fxPackages), "arm64": arm})
	tests := []struct {
		name string
		json bool
		top  int
	}{
		{"inspect_text.golden", false, 0},
		{"inspect_json.golden", true, 0},
		{"inspect_top3.golden", false, 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out bytes.Buffer
			in, err := Inspect(context.Background(), &out, InspectOptions{Source: src, JSON: tt.json, TopDirs: tt.top})
			if err != nil {
				t.Fatal(err)
			}
			if len(in.Architectures) != 2 {
				t.Fatalf("got %d architectures, want 2", len(in.Architectures))
			}
			fxGolden(t, tt.name, bytes.ReplaceAll(out.Bytes(), []byte(dir), []byte("TMP")))
			if tt.json {
				var back Inspection
				if err := json.Unmarshal(out.Bytes(), &back); err != nil {
					t.Fatalf("the JSON output does not read back: %v", err)
				}
				if diff := cmp.Diff(*in, back); diff != "" {
					t.Errorf("JSON round trip (-printed +read):\n%s", diff)
				}
			}
		})
	}
}

func TestInspectSources(t *testing.T) {
	dir := t.TempDir()
	tree := fxTree(t, fxPackages)
	tarPath := filepath.Join(dir, "rootfs.tar")
	if err := os.WriteFile(tarPath, fxTar(t, tree), 0o644); err != nil {
		t.Fatal(err)
	}
	rootDir := filepath.Join(dir, "rootfs")
	if err := tree.Materialize(context.Background(), rootDir); err != nil {
		t.Fatal(err)
	}
	layout := fxLayout(t, filepath.Join(dir, "layout"), map[string]*rootfs.Tree{"amd64": tree})
	wantPkgs := []string{"base-files", "tzdata", "zlib1g"}
	tests := []struct {
		name, src string
		kind      string
		image     bool
	}{
		{"bare tarball", tarPath, "rootfs", false},
		{"tar:", "tar:" + tarPath, "rootfs", false},
		{"bare directory", rootDir, "rootfs", false},
		{"oci:", layout, "image", true},
		{"bare OCI layout", filepath.Join(dir, "layout"), "image", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in, err := Inspect(context.Background(), &bytes.Buffer{}, InspectOptions{Source: tt.src})
			if err != nil {
				t.Fatal(err)
			}
			if in.Kind != tt.kind || len(in.Architectures) != 1 {
				t.Fatalf("got kind %q with %d architectures, want %q with 1", in.Kind, len(in.Architectures), tt.kind)
			}
			a := in.Architectures[0]
			var names []string
			for _, p := range a.Packages {
				names = append(names, p.Name)
			}
			if diff := cmp.Diff(wantPkgs, names); diff != "" {
				t.Errorf("packages (-want +got):\n%s", diff)
			}
			if (a.Image != nil) != tt.image {
				t.Errorf("Image = %+v, want set: %v", a.Image, tt.image)
			}
			if a.Arch != "amd64" {
				t.Errorf("Arch = %q, want amd64", a.Arch)
			}
			if a.Totals.Files != 6 || a.Totals.Hardlinks != 1 || a.Totals.Bytes != int64(3000+5000+700+7+8+len(fxStatus(fxPackages))) {
				t.Errorf("Totals = %+v, want 6 files, 1 hardlink and their bytes", a.Totals)
			}
		})
	}
}

func TestInspectErrors(t *testing.T) {
	dir := t.TempDir()
	tests := []struct {
		name, src string
		want      string
	}{
		{"missing path", filepath.Join(dir, "nope"), filepath.Join(dir, "nope")},
		{"missing layout", "oci:" + filepath.Join(dir, "none"), filepath.Join(dir, "none")},
		{"missing archive", "docker-archive:" + filepath.Join(dir, "x.tar"), filepath.Join(dir, "x.tar")},
		{"bad kind", "dir:", "needs a path"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Inspect(context.Background(), &bytes.Buffer{}, InspectOptions{Source: tt.src})
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Inspect(%q) error = %v, want one naming %q", tt.src, err, tt.want)
			}
		})
	}
}

func TestInstalledPackages(t *testing.T) {
	tests := []struct {
		name    string
		files   map[string]string
		want    []PackageInfo
		wantErr string
	}{{
		name: "status, removed packages left out",
		files: map[string]string{"/var/lib/dpkg/status": string(fxStatus([]fxPkg{
			{name: "b", version: "2", arch: "amd64", kib: 2},
			{name: "a", version: "1", arch: "all", kib: 1},
			{name: "gone", version: "1", arch: "amd64", status: "purge ok not-installed"},
			{name: "conf", version: "1", arch: "amd64", status: "deinstall ok config-files"},
			{name: "half", version: "1", arch: "amd64", status: "install ok unpacked"},
		}))},
		want: []PackageInfo{
			{Name: "a", Version: "1", Architecture: "all", InstalledSize: 1024},
			{Name: "b", Version: "2", Architecture: "amd64", InstalledSize: 2048},
			{Name: "half", Version: "1", Architecture: "amd64"},
		},
	}, {
		name: "distroless status.d",
		files: map[string]string{
			"/var/lib/dpkg/status.d/base":         "Package: base-files\nVersion: 12\nArchitecture: amd64\n",
			"/var/lib/dpkg/status.d/base.md5sums": "d41d8cd98f00b204e9800998ecf8427e  etc/x\n",
			"/var/lib/dpkg/status.d/tz":           "Package: tzdata\nVersion: 2024a\nArchitecture: all\nInstalled-Size: 3\n",
		},
		want: []PackageInfo{
			{Name: "base-files", Version: "12", Architecture: "amd64"},
			{Name: "tzdata", Version: "2024a", Architecture: "all", InstalledSize: 3072},
		},
	}, {
		name:  "no database",
		files: map[string]string{"/etc/hostname": "x"},
	}, {
		name:    "paragraph without Package",
		files:   map[string]string{"/var/lib/dpkg/status": "Version: 1\n"},
		wantErr: "/var/lib/dpkg/status",
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tree := rootfs.New()
			for p, c := range tt.files {
				if err := tree.WriteFile(p, []byte(c), 0o644, 0, 0); err != nil {
					t.Fatal(err)
				}
			}
			got, err := installedPackages(tree)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error = %v, want one containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("packages (-want +got):\n%s", diff)
			}
		})
	}
}

func TestTreeSizes(t *testing.T) {
	tree := rootfs.New()
	for p, n := range map[string]int{"/a/x": 10, "/a/b/y": 20, "/c/z": 30, "/d/w": 30, "/top": 100} {
		if err := tree.WriteFile(p, bytes.Repeat([]byte("."), n), 0o644, 0, 0); err != nil {
			t.Fatal(err)
		}
	}
	if err := tree.Link("/a/b/y", "/c/y-again"); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		top  int
		want []DirSize
	}{
		{"all", 10, []DirSize{{"/a", 30, 2}, {"/c", 30, 1}, {"/d", 30, 1}, {"/a/b", 20, 1}}},
		{"ties by path, then cut", 2, []DirSize{{"/a", 30, 2}, {"/c", 30, 1}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tot, got := treeSizes(tree, tt.top)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("largest directories (-want +got):\n%s", diff)
			}
			want := FileTotals{Files: 5, Hardlinks: 1, Directories: 5, Bytes: 190}
			if diff := cmp.Diff(want, tot); diff != "" {
				t.Errorf("totals (-want +got):\n%s", diff)
			}
		})
	}
}

func TestHumanSize(t *testing.T) {
	for n, want := range map[int64]string{0: "0 B", 999: "999 B", 1000: "1.0 kB", 1536000: "1.5 MB", 2e9: "2.0 GB"} {
		if got := humanSize(n); got != want {
			t.Errorf("humanSize(%d) = %q, want %q", n, got, want)
		}
	}
}
