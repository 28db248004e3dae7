package bootstrap

import (
	"archive/tar"
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
	"github.com/google/go-containerregistry/pkg/v1/types"
	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zstd"
	"github.com/ulikunitz/xz"

	"github.com/plinth-build/plinth/debpkg"
	"github.com/plinth-build/plinth/rootfs"
	"github.com/plinth-build/plinth/rootfs/oci"
)

// fxEpoch is the SOURCE_DATE_EPOCH of the test fixtures.
var fxEpoch = time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC)

// fxPkg is one package of a fixture's dpkg status.
type fxPkg struct {
	name, version, arch string
	kib                 int
	status              string // "" means "install ok installed"
}

func fxStatus(pkgs []fxPkg) []byte {
	var b bytes.Buffer
	for i, p := range pkgs {
		if i > 0 {
			b.WriteString("\n")
		}
		status := p.status
		if status == "" {
			status = "install ok installed"
		}
		fmt.Fprintf(&b, "Package: %s\nStatus: %s\nArchitecture: %s\nVersion: %s\n", p.name, status, p.arch, p.version)
		if p.kib > 0 {
			fmt.Fprintf(&b, "Installed-Size: %d\n", p.kib)
		}
	}
	return b.Bytes()
}

// fxTree builds a small root filesystem with the given packages: files of
// known sizes, a hardlink, a symlink and a device.
func fxTree(t testing.TB, pkgs []fxPkg) *rootfs.Tree {
	t.Helper()
	tree := rootfs.New()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(tree.WriteFile("/var/lib/dpkg/status", fxStatus(pkgs), 0o644, 0, 0))
	must(tree.WriteFile("/usr/bin/tool", bytes.Repeat([]byte("t"), 3000), 0o755, 0, 0))
	must(tree.Link("/usr/bin/tool", "/usr/bin/tool-alias"))
	must(tree.WriteFile("/usr/lib/libx.so", bytes.Repeat([]byte("l"), 5000), 0o644, 0, 0))
	must(tree.WriteFile("/usr/share/doc/x/copyright", bytes.Repeat([]byte("c"), 700), 0o644, 0, 0))
	must(tree.WriteFile("/etc/hostname", []byte("plinth\n"), 0o644, 0, 0))
	must(tree.WriteFile("/home/nonroot/.profile", []byte("# empty\n"), 0o600, 65532, 65532))
	must(tree.Symlink("usr/bin", "/bin"))
	must(tree.Put("/dev/null", &rootfs.Node{Type: rootfs.TypeChar, Mode: 0o666, Devmajor: 1, Devminor: 3}))
	return tree
}

// fxTar returns the deterministic tar of a tree.
func fxTar(t testing.TB, tree *rootfs.Tree) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := tree.WriteTar(&b, rootfs.TarOptions{Epoch: fxEpoch}); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// fxImage builds a single-layer image of tree for a Debian architecture.
func fxImage(t testing.TB, tree *rootfs.Tree, arch string) v1.Image {
	t.Helper()
	a, err := debpkg.LookupArch(arch)
	if err != nil {
		t.Fatal(err)
	}
	layer := fxTar(t, tree)
	img, err := oci.NewImage(func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(layer)), nil },
		oci.Config{Architecture: a.OCIArch, OS: "linux", Variant: a.OCIVariant, Created: fxEpoch, History: "test"})
	if err != nil {
		t.Fatal(err)
	}
	return img
}

// fxLayout writes an OCI layout of one image per tree and returns its oci: source.
func fxLayout(t testing.TB, dir string, trees map[string]*rootfs.Tree) string {
	t.Helper()
	archs := make([]string, 0, len(trees))
	for a := range trees {
		archs = append(archs, a)
	}
	sort.Strings(archs)
	var imgs []v1.Image
	for _, a := range archs {
		imgs = append(imgs, fxImage(t, trees[a], a))
	}
	dest := oci.Destination{Kind: oci.KindOCI, Path: dir}
	var err error
	if len(imgs) == 1 {
		err = oci.Write(context.Background(), dest, imgs[0])
	} else {
		var idx v1.ImageIndex
		if idx, err = oci.NewIndex(imgs...); err == nil {
			err = oci.WriteIndex(context.Background(), dest, idx)
		}
	}
	if err != nil {
		t.Fatal(err)
	}
	return dest.String()
}

// fxEntry is one entry of a hand-made layer tar.
type fxEntry struct {
	name string
	typ  byte
	body string
	link string
}

func fxLayerTar(t testing.TB, entries []fxEntry) []byte {
	t.Helper()
	var b bytes.Buffer
	tw := tar.NewWriter(&b)
	for _, e := range entries {
		h := &tar.Header{Name: e.name, Typeflag: e.typ, Mode: 0o644, Size: int64(len(e.body)), Linkname: e.link, ModTime: fxEpoch}
		if e.typ == tar.TypeDir {
			h.Mode = 0o755
		}
		if e.typ != tar.TypeReg {
			h.Size = 0
		}
		if err := tw.WriteHeader(h); err != nil {
			t.Fatal(err)
		}
		if _, err := tw.Write([]byte(e.body)); err != nil {
			t.Fatal(err)
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// fxLayeredImage stacks hand-made layers into an amd64 image.
func fxLayeredImage(t testing.TB, layers ...[]fxEntry) v1.Image {
	t.Helper()
	img := mutate.MediaType(empty.Image, types.OCIManifestSchema1)
	for _, entries := range layers {
		data := fxLayerTar(t, entries)
		l, err := tarball.LayerFromOpener(func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(data)), nil })
		if err != nil {
			t.Fatal(err)
		}
		if img, err = mutate.AppendLayers(img, l); err != nil {
			t.Fatal(err)
		}
	}
	cf, err := img.ConfigFile()
	if err != nil {
		t.Fatal(err)
	}
	cf = cf.DeepCopy()
	cf.OS, cf.Architecture = "linux", "amd64"
	if img, err = mutate.ConfigFile(img, cf); err != nil {
		t.Fatal(err)
	}
	return img
}

// fxPaths lists a tree's paths with their type and, for files, content.
func fxPaths(t testing.TB, tree *rootfs.Tree) []string {
	t.Helper()
	var out []string
	tree.Walk(func(p string, n *rootfs.Node) error {
		s := p + " " + n.Type.String()
		switch n.Type {
		case rootfs.TypeReg:
			s += " " + string(n.Data)
		case rootfs.TypeSymlink, rootfs.TypeHardlink:
			s += " " + n.Link
		}
		out = append(out, s)
		return nil
	})
	return out
}

func TestParseSource(t *testing.T) {
	dir := t.TempDir()
	layout := filepath.Join(dir, "layout")
	plain := filepath.Join(dir, "plain")
	file := filepath.Join(dir, "rootfs.tar")
	for _, d := range []string{layout, plain} {
		if err := os.Mkdir(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	for _, f := range []string{file, filepath.Join(layout, "oci-layout")} {
		if err := os.WriteFile(f, []byte("{}"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	tests := []struct {
		name, in string
		want     oci.Destination
		wantErr  string
	}{
		{name: "oci", in: "oci:out/x:v1", want: oci.Destination{Kind: oci.KindOCI, Path: "out/x", Ref: "v1"}},
		{name: "docker-archive", in: "docker-archive:x.tar", want: oci.Destination{Kind: oci.KindDockerArchive, Path: "x.tar"}},
		{name: "registry", in: "docker://localhost:5000/x:1", want: oci.Destination{Kind: oci.KindDocker, Ref: "localhost:5000/x:1"}},
		{name: "dir", in: "dir:" + plain, want: oci.Destination{Kind: oci.KindDir, Path: plain}},
		{name: "tar", in: "tar:missing.tar", want: oci.Destination{Kind: oci.KindTar, Path: "missing.tar"}},
		{name: "bare directory", in: plain, want: oci.Destination{Kind: oci.KindDir, Path: plain}},
		{name: "bare OCI layout", in: layout, want: oci.Destination{Kind: oci.KindOCI, Path: layout}},
		{name: "bare file", in: file, want: oci.Destination{Kind: oci.KindTar, Path: file}},
		{name: "missing path", in: filepath.Join(dir, "nope"), wantErr: filepath.Join(dir, "nope")},
		{name: "empty", in: "", wantErr: "empty source"},
		{name: "bad tag", in: "oci:x:-bad-", wantErr: "not a valid OCI reference name"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parseSource(tt.in)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("parseSource(%q) error = %v, want one containing %q", tt.in, err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("parseSource(%q) (-want +got):\n%s", tt.in, diff)
			}
		})
	}
}

func TestReadTarFileCompressed(t *testing.T) {
	plain := fxTar(t, fxTree(t, []fxPkg{{name: "a", version: "1", arch: "amd64"}}))
	compress := map[string]func(io.Writer) (io.WriteCloser, error){
		"plain": func(w io.Writer) (io.WriteCloser, error) { return fxNopWriteCloser{w}, nil },
		"gzip":  func(w io.Writer) (io.WriteCloser, error) { return gzip.NewWriter(w), nil },
		"zstd":  func(w io.Writer) (io.WriteCloser, error) { return zstd.NewWriter(w) },
		"xz":    func(w io.Writer) (io.WriteCloser, error) { return xz.NewWriter(w) },
	}
	want := fxPaths(t, fxTree(t, []fxPkg{{name: "a", version: "1", arch: "amd64"}}))
	for name, c := range compress {
		t.Run(name, func(t *testing.T) {
			var b bytes.Buffer
			w, err := c(&b)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := w.Write(plain); err != nil {
				t.Fatal(err)
			}
			if err := w.Close(); err != nil {
				t.Fatal(err)
			}
			path := filepath.Join(t.TempDir(), "rootfs.tar")
			if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
				t.Fatal(err)
			}
			tree, err := readTarFile(path, nil)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(want, fxPaths(t, tree)); diff != "" {
				t.Errorf("tree read back (-want +got):\n%s", diff)
			}
		})
	}
}

type fxNopWriteCloser struct{ io.Writer }

func (fxNopWriteCloser) Close() error { return nil }

func TestReadRootfsErrors(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "f.tar")
	if err := os.WriteFile(file, []byte("not a tar, but long enough to be read as one? no: it is short"), 0o644); err != nil {
		t.Fatal(err)
	}
	hostile := filepath.Join(dir, "hostile.tar")
	if err := os.WriteFile(hostile, fxLayerTar(t, []fxEntry{{name: "../escape", typ: tar.TypeReg, body: "x"}}), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		src  oci.Destination
		want []string
	}{
		{"missing dir", oci.Destination{Kind: oci.KindDir, Path: filepath.Join(dir, "none")}, []string{"dir:" + filepath.Join(dir, "none")}},
		{"dir is a file", oci.Destination{Kind: oci.KindDir, Path: file}, []string{file, "not a directory", "tar:"}},
		{"tar is a dir", oci.Destination{Kind: oci.KindTar, Path: dir}, []string{dir, "is a directory", "dir:"}},
		{"not a tar", oci.Destination{Kind: oci.KindTar, Path: file}, []string{file}},
		{"hostile tar", oci.Destination{Kind: oci.KindTar, Path: hostile}, []string{hostile, `".." component`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := readRootfs(context.Background(), tt.src, nil)
			if err == nil {
				t.Fatal("readRootfs succeeded, want an error")
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not mention %q", err, w)
				}
			}
		})
	}
}

func TestReadImageLayers(t *testing.T) {
	tests := []struct {
		name   string
		layers [][]fxEntry
		keep   readFilter
		want   []string
	}{{
		name: "whiteouts, opaque directory and replacements",
		layers: [][]fxEntry{
			{
				{name: "etc/", typ: tar.TypeDir},
				{name: "etc/gone", typ: tar.TypeReg, body: "old"},
				{name: "etc/kept", typ: tar.TypeReg, body: "kept"},
				{name: "opq/", typ: tar.TypeDir},
				{name: "opq/lower", typ: tar.TypeReg, body: "lower"},
				{name: "was-dir/", typ: tar.TypeDir},
				{name: "was-dir/x", typ: tar.TypeReg, body: "x"},
				{name: "big", typ: tar.TypeReg, body: "first"},
			},
			{
				// The opaque marker after a sibling: it hides lower entries only.
				{name: "opq/upper", typ: tar.TypeReg, body: "upper"},
				{name: "opq/.wh..wh..opq", typ: tar.TypeReg},
				{name: "etc/.wh.gone", typ: tar.TypeReg},
				{name: "was-dir", typ: tar.TypeReg, body: "now a file"},
				{name: "big", typ: tar.TypeReg, body: "second"},
				{name: "big-link", typ: tar.TypeLink, link: "etc/kept"},
				{name: ".wh..wh.plnk/", typ: tar.TypeDir},
			},
		},
		want: []string{
			"/ dir", "/big file second", "/big-link file kept", "/etc dir", "/etc/kept hardlink /big-link",
			"/opq dir", "/opq/upper file upper", "/was-dir file now a file",
		},
	}, {
		name: "a whiteout in the bottom layer is nothing",
		layers: [][]fxEntry{
			{{name: "a", typ: tar.TypeReg, body: "a"}, {name: ".wh.b", typ: tar.TypeReg}},
		},
		want: []string{"/ dir", "/a file a"},
	}, {
		name: "filtered: a hardlink to a path left out is left out",
		layers: [][]fxEntry{
			{{name: "var/lib/dpkg/status", typ: tar.TypeReg, body: "s"}, {name: "usr/x", typ: tar.TypeReg, body: "x"}},
			{{name: "var/lib/dpkg/x", typ: tar.TypeLink, link: "usr/x"}, {name: "usr/y", typ: tar.TypeReg, body: "y"}},
		},
		keep: func(p string) bool { return strings.HasPrefix(p, "/var/lib/dpkg/") },
		want: []string{"/ dir", "/var dir", "/var/lib dir", "/var/lib/dpkg dir", "/var/lib/dpkg/status file s"},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			img := fxLayeredImage(t, tt.layers...)
			st, err := readImage(img, tt.keep)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, fxPaths(t, st.Tree)); diff != "" {
				t.Errorf("stacked tree (-want +got):\n%s", diff)
			}
			if st.Arch != "amd64" || st.Image.Layers != len(tt.layers) || st.Image.Platform != "linux/amd64" {
				t.Errorf("got arch %q, image %+v; want amd64, %d layers, linux/amd64", st.Arch, st.Image, len(tt.layers))
			}
			var size int64
			for _, l := range tt.layers {
				size += int64(len(fxLayerTar(t, l)))
			}
			if st.Image.UncompressedSize != size {
				t.Errorf("UncompressedSize = %d, want %d", st.Image.UncompressedSize, size)
			}
		})
	}
}

func TestReadImageBrokenLayer(t *testing.T) {
	img := fxLayeredImage(t, []fxEntry{{name: "a", typ: tar.TypeReg, body: "a"}})
	broken, err := mutate.AppendLayers(img, fxRawLayer{data: []byte("this is not a tar stream at all, and it is long enough to fail reading a header: " + strings.Repeat("x", 600))})
	if err != nil {
		t.Fatal(err)
	}
	_, err = readImage(broken, nil)
	if err == nil || !strings.Contains(err.Error(), "layer 2 of 2") {
		t.Fatalf("readImage error = %v, want one naming layer 2 of 2", err)
	}
}

// fxRawLayer is a layer of raw (possibly invalid) uncompressed bytes.
type fxRawLayer struct{ data []byte }

func (l fxRawLayer) Digest() (v1.Hash, error) {
	h, _, err := v1.SHA256(bytes.NewReader(l.data))
	return h, err
}
func (l fxRawLayer) DiffID() (v1.Hash, error)           { return l.Digest() }
func (l fxRawLayer) Compressed() (io.ReadCloser, error) { return l.Uncompressed() }
func (l fxRawLayer) Uncompressed() (io.ReadCloser, error) {
	return io.NopCloser(bytes.NewReader(l.data)), nil
}
func (l fxRawLayer) Size() (int64, error)                { return int64(len(l.data)), nil }
func (l fxRawLayer) MediaType() (types.MediaType, error) { return types.OCIUncompressedLayer, nil }

func TestPlatformArch(t *testing.T) {
	tests := []struct {
		os, arch, variant string
		want              string
	}{
		{"linux", "amd64", "", "amd64"},
		{"linux", "arm64", "v8", "arm64"},
		{"linux", "arm64", "", "arm64"},
		{"linux", "arm", "v7", "armhf"},
		{"linux", "arm", "v5", "armel"},
		{"linux", "ppc64le", "", "ppc64el"},
		{"linux", "sparc", "", "linux/sparc"},
		{"", "", "", ""},
	}
	for _, tt := range tests {
		t.Run(platformString(tt.os, tt.arch, tt.variant), func(t *testing.T) {
			if got := platformArch(tt.os, tt.arch, tt.variant); got != tt.want {
				t.Errorf("platformArch(%q, %q, %q) = %q, want %q", tt.os, tt.arch, tt.variant, got, tt.want)
			}
		})
	}
}

func TestTreeArch(t *testing.T) {
	tests := []struct {
		name  string
		files map[string]string
		want  string
	}{
		{"arch file", map[string]string{"/var/lib/dpkg/arch": "arm64\ni386\n"}, "arm64"},
		{"most packages", map[string]string{"/var/lib/dpkg/status": string(fxStatus([]fxPkg{
			{name: "a", version: "1", arch: "all"}, {name: "b", version: "1", arch: "armhf"},
			{name: "c", version: "1", arch: "armhf"}, {name: "d", version: "1", arch: "i386"},
		}))}, "armhf"},
		{"nothing", nil, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tree := rootfs.New()
			for p, c := range tt.files {
				if err := tree.WriteFile(p, []byte(c), 0o644, 0, 0); err != nil {
					t.Fatal(err)
				}
			}
			if got := treeArch(tree); got != tt.want {
				t.Errorf("treeArch = %q, want %q", got, tt.want)
			}
		})
	}
}

// FuzzApplyLayer feeds arbitrary bytes as an upper layer: applying it may
// fail, but never panics or hangs, and a failure leaves an error.
func FuzzApplyLayer(f *testing.F) {
	f.Add(fxLayerTar(f, []fxEntry{{name: "etc/.wh.x", typ: tar.TypeReg}, {name: "etc/y", typ: tar.TypeReg, body: "y"}}))
	f.Add(fxLayerTar(f, []fxEntry{{name: "opq/.wh..wh..opq", typ: tar.TypeReg}, {name: "l", typ: tar.TypeLink, link: "etc/x"}}))
	f.Add([]byte("garbage"))
	f.Fuzz(func(t *testing.T, data []byte) {
		tree := rootfs.New()
		for _, p := range []string{"/etc/x", "/opq/a"} {
			if err := tree.WriteFile(p, []byte("x"), 0o644, 0, 0); err != nil {
				t.Fatal(err)
			}
		}
		n, err := applyLayer(tree, fxRawLayer{data: data}, false, nil)
		if err == nil && n != int64(len(data)) {
			t.Errorf("applyLayer counted %d bytes of %d", n, len(data))
		}
	})
}

// FuzzReadTarFile feeds arbitrary bytes as a rootfs tarball, plain or
// compressed: reading may fail but never panics, and never writes outside
// the tree (the tree has no path with "..").
func FuzzReadTarFile(f *testing.F) {
	plain := fxLayerTar(f, []fxEntry{{name: "etc/", typ: tar.TypeDir}, {name: "etc/x", typ: tar.TypeReg, body: "x"}})
	f.Add(plain)
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write(plain)
	zw.Close()
	f.Add(gz.Bytes())
	f.Add(append([]byte{0xfd, '7', 'z', 'X', 'Z', 0}, plain...))
	f.Add(append([]byte{0x28, 0xb5, 0x2f, 0xfd}, plain...))
	f.Add([]byte("BZh9"))
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, data []byte) {
		path := filepath.Join(dir, "in.tar")
		if err := os.WriteFile(path, data, 0o644); err != nil {
			t.Fatal(err)
		}
		tree, err := readTarFile(path, nil)
		if err != nil {
			return
		}
		tree.Walk(func(p string, _ *rootfs.Node) error {
			if strings.Contains(p+"/", "/../") {
				t.Errorf("tree holds %q", p)
			}
			return nil
		})
	})
}
