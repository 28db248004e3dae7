package bootstrap

import (
	"archive/tar"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/klauspost/compress/gzip"

	"github.com/plinth-build/plinth/rootfs"
	"github.com/plinth-build/plinth/rootfs/oci"
)

// fxRootDir writes a small root filesystem to a new directory.
func fxRootDir(t *testing.T) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "rootfs")
	files := map[string]string{
		"etc/hostname":         "box\n",
		"usr/bin/hello":        "#!/bin/sh\necho hello\n",
		"var/lib/dpkg/status":  string(fxStatus([]fxPkg{{name: "hello", version: "1.0", arch: "arm64"}})),
		"usr/share/doc/README": "docs",
	}
	for name, content := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Chmod(filepath.Join(dir, "usr/bin/hello"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("usr/bin", filepath.Join(dir, "bin")); err != nil {
		t.Fatal(err)
	}
	// A file time far from the epoch: it must not reach the image.
	if err := os.Chtimes(filepath.Join(dir, "etc/hostname"), time.Now(), time.Now()); err != nil {
		t.Fatal(err)
	}
	return dir
}

// fxLoadOne loads the single image at dest.
func fxLoadOne(t *testing.T, dest string) v1.Image {
	t.Helper()
	d, err := oci.ParseDestination(dest)
	if err != nil {
		t.Fatal(err)
	}
	imgs, err := oci.Load(context.Background(), d)
	if err != nil {
		t.Fatal(err)
	}
	if len(imgs) != 1 {
		t.Fatalf("%s holds %d images, want 1", dest, len(imgs))
	}
	return imgs[0]
}

// fxLayerHeaders reads the headers of an image's only layer.
func fxLayerHeaders(t *testing.T, img v1.Image) map[string]*tar.Header {
	t.Helper()
	layers, err := img.Layers()
	if err != nil || len(layers) != 1 {
		t.Fatalf("image layers: %d, %v; want one", len(layers), err)
	}
	rc, err := layers[0].Uncompressed()
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	out := map[string]*tar.Header{}
	tr := tar.NewReader(rc)
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return out
		}
		if err != nil {
			t.Fatal(err)
		}
		out[h.Name] = h
	}
}

func TestImportReproducible(t *testing.T) {
	dir := fxRootDir(t)
	tarPath := filepath.Join(t.TempDir(), "rootfs.tar.gz")
	if err := os.WriteFile(tarPath, fxGzip(t, fxTar(t, fxTree(t, fxPackages))), 0o644); err != nil {
		t.Fatal(err)
	}
	epoch := time.Unix(1700000000, 0)
	for _, tt := range []struct{ name, src string }{{"directory", dir}, {"tarball", tarPath}} {
		t.Run(tt.name, func(t *testing.T) {
			out := t.TempDir()
			var digests []string
			for i, zone := range []*time.Location{time.UTC, time.FixedZone("UTC+05:30", 5*3600+1800)} {
				restore := time.Local
				time.Local = zone
				res, err := Import(context.Background(), ImportOptions{
					Source: tt.src, Output: "oci:" + filepath.Join(out, "run"+string(rune('0'+i))),
					Arch: "amd64", SourceDateEpoch: &epoch,
				})
				time.Local = restore
				if err != nil {
					t.Fatal(err)
				}
				digests = append(digests, res.Digest)
			}
			if digests[0] != digests[1] {
				t.Errorf("two imports of the same input gave %s and %s", digests[0], digests[1])
			}
			later := epoch.Add(time.Second)
			res, err := Import(context.Background(), ImportOptions{Source: tt.src, Output: "oci:" + filepath.Join(out, "later"), Arch: "amd64", SourceDateEpoch: &later})
			if err != nil {
				t.Fatal(err)
			}
			if res.Digest == digests[0] {
				t.Errorf("another epoch gave the same digest %s", res.Digest)
			}
		})
	}
}

func TestImportDirectory(t *testing.T) {
	dir := fxRootDir(t)
	out := filepath.Join(t.TempDir(), "img")
	res, err := Import(context.Background(), ImportOptions{
		Source:     dir,
		Output:     "oci:" + out + ":v1",
		Cmd:        []string{"/bin/hello"},
		Entrypoint: []string{"/bin/sh", "-c"},
		Env:        []string{"PATH=/bin", "LANG=C", "PATH=/usr/bin"},
		User:       "65532",
		Workdir:    "/srv",
		Labels:     map[string]string{"org.opencontainers.image.title": "hello"},
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Images) != 1 || res.Images[0].Arch != "arm64" || len(res.Images[0].Packages) != 1 {
		t.Fatalf("result images %+v: want one arm64 image (the dpkg arch) with one package", res.Images)
	}
	img := fxLoadOne(t, "oci:"+out+":v1")
	if d, _ := img.Digest(); d.String() != res.Digest {
		t.Errorf("written digest %s, reported %s", d, res.Digest)
	}
	cf, err := img.ConfigFile()
	if err != nil {
		t.Fatal(err)
	}
	want := v1.Config{
		Cmd: []string{"/bin/hello"}, Entrypoint: []string{"/bin/sh", "-c"},
		Env: []string{"LANG=C", "PATH=/usr/bin"}, User: "65532", WorkingDir: "/srv",
		Labels: map[string]string{"org.opencontainers.image.title": "hello"},
	}
	if diff := cmp.Diff(want, cf.Config); diff != "" {
		t.Errorf("image config (-want +got):\n%s", diff)
	}
	if cf.Architecture != "arm64" || cf.Variant != "v8" || !cf.Created.Time.Equal(time.Unix(0, 0)) {
		t.Errorf("config: %s/%s created %s; want arm64/v8 created at the Unix epoch", cf.Architecture, cf.Variant, cf.Created)
	}
	hdrs := fxLayerHeaders(t, img)
	for _, name := range []string{"etc/hostname", "usr/bin/hello", "bin"} {
		h, ok := hdrs[name]
		if !ok {
			t.Errorf("layer lacks %s", name)
			continue
		}
		if h.Uid != os.Getuid() || h.Gid != os.Getgid() || !h.ModTime.Equal(time.Unix(0, 0)) {
			t.Errorf("%s: owner %d:%d, mtime %s; want the on-disk %d:%d and the epoch", name, h.Uid, h.Gid, h.ModTime, os.Getuid(), os.Getgid())
		}
	}
	if h := hdrs["usr/bin/hello"]; h != nil && h.Mode != 0o755 {
		t.Errorf("usr/bin/hello mode %o, want 755", h.Mode)
	}
}

func TestImportImageAndArchive(t *testing.T) {
	dir := t.TempDir()
	src := fxLayout(t, filepath.Join(dir, "src"), map[string]*rootfs.Tree{"arm64": fxTree(t, fxPackages)})
	archive := filepath.Join(dir, "out.tar")
	res, err := Import(context.Background(), ImportOptions{Source: src, Output: "docker-archive:" + archive + ":plinth/test:1"})
	if err != nil {
		t.Fatal(err)
	}
	img := fxLoadOne(t, "docker-archive:"+archive)
	cf, err := img.ConfigFile()
	if err != nil {
		t.Fatal(err)
	}
	if cf.Architecture != "arm64" || res.Images[0].Arch != "arm64" {
		t.Errorf("architecture %q (result %q), want the source image's arm64", cf.Architecture, res.Images[0].Arch)
	}
	st, err := readImage(img, nil)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(fxPaths(t, fxTree(t, fxPackages)), fxPaths(t, st.Tree)); diff != "" {
		t.Errorf("imported tree (-source +imported):\n%s", diff)
	}
}

func TestImportErrors(t *testing.T) {
	dir := t.TempDir()
	multi := fxLayout(t, filepath.Join(dir, "multi"), map[string]*rootfs.Tree{"amd64": rootfs.New(), "arm64": rootfs.New()})
	root := fxRootDir(t)
	out := "oci:" + filepath.Join(dir, "out")
	tests := []struct {
		name string
		opts ImportOptions
		want string
	}{
		{"rootfs output", ImportOptions{Source: root, Output: "dir:" + dir}, "import writes an image"},
		{"bad output", ImportOptions{Source: root, Output: "nowhere"}, "nowhere"},
		{"missing source", ImportOptions{Source: filepath.Join(dir, "none"), Output: out}, filepath.Join(dir, "none")},
		{"unknown arch", ImportOptions{Source: root, Output: out, Arch: "vax"}, `"vax"`},
		{"bad env", ImportOptions{Source: root, Output: out, Env: []string{"=x"}}, `"=x"`},
		{"several platforms", ImportOptions{Source: multi, Output: out}, "2 platforms"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Import(context.Background(), tt.opts)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Import error = %v, want one containing %q", err, tt.want)
			}
		})
	}
	if _, err := os.Stat(filepath.Join(dir, "out")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a failed import left output behind: %v", err)
	}
}

func fxGzip(t *testing.T, data []byte) []byte {
	t.Helper()
	var b bytes.Buffer
	zw := gzip.NewWriter(&b)
	if _, err := zw.Write(data); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// fxTool returns the path of an installed tool, or skips the test.
func fxTool(t *testing.T, name string) string {
	t.Helper()
	path, err := exec.LookPath(name)
	if err != nil {
		t.Skipf("%s is not installed (apt-get install %s); skipping the cross-check with it", name, name)
	}
	return path
}

func fxRunTool(t *testing.T, name string, args ...string) []byte {
	t.Helper()
	var stderr bytes.Buffer
	cmd := exec.Command(name, args...)
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("%s %v: %v\n%s", name, args, err, stderr.String())
	}
	return out
}

// TestImportGNUTar checks `tar -C DIR -c . | plinth import` against
// `plinth import DIR`: GNU tar's view of the directory gives the same image.
func TestImportGNUTar(t *testing.T) {
	gnuTar := fxTool(t, "tar")
	dir := fxRootDir(t)
	tarPath := filepath.Join(t.TempDir(), "rootfs.tar")
	fxRunTool(t, gnuTar, "-C", dir, "-cf", tarPath, "--numeric-owner", ".")
	out := t.TempDir()
	var digests []string
	for i, src := range []string{dir, tarPath} {
		res, err := Import(context.Background(), ImportOptions{Source: src, Output: "oci:" + filepath.Join(out, strconv.Itoa(i))})
		if err != nil {
			t.Fatal(err)
		}
		digests = append(digests, res.Digest)
	}
	if digests[0] != digests[1] {
		t.Errorf("the directory gave %s, GNU tar's tarball of it %s", digests[0], digests[1])
	}
}

// TestImportSkopeo checks an imported image with skopeo.
func TestImportSkopeo(t *testing.T) {
	skopeo := fxTool(t, "skopeo")
	out := filepath.Join(t.TempDir(), "img")
	if _, err := Import(context.Background(), ImportOptions{Source: fxRootDir(t), Output: "oci:" + out + ":v1", Cmd: []string{"/bin/hello"}}); err != nil {
		t.Fatal(err)
	}
	var got struct {
		Architecture string
		Os           string
		Layers       []string
	}
	if err := json.Unmarshal(fxRunTool(t, skopeo, "inspect", "oci:"+out+":v1"), &got); err != nil {
		t.Fatal(err)
	}
	if got.Architecture != "arm64" || got.Os != "linux" || len(got.Layers) != 1 {
		t.Errorf("skopeo sees %+v; want one linux/arm64 layer", got)
	}
}
