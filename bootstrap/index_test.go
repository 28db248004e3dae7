package bootstrap

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/validate"

	"github.com/plinth-build/plinth/rootfs"
	"github.com/plinth-build/plinth/rootfs/oci"
)

func TestIndex(t *testing.T) {
	dir := t.TempDir()
	amd := fxLayout(t, filepath.Join(dir, "amd64"), map[string]*rootfs.Tree{"amd64": fxTree(t, fxPackages)})
	arm := fxLayout(t, filepath.Join(dir, "arm64"), map[string]*rootfs.Tree{"arm64": fxTree(t, nil)})
	armArchive := filepath.Join(dir, "arm64.tar")
	if err := oci.Write(context.Background(), oci.Destination{Kind: oci.KindDockerArchive, Path: armArchive}, fxImage(t, fxTree(t, nil), "arm64")); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name   string
		inputs []string
	}{
		{"two layouts", []string{amd, arm}},
		{"layout and docker archive", []string{amd, "docker-archive:" + armArchive}},
		{"bare layout directory", []string{filepath.Join(dir, "amd64"), arm}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out := filepath.Join(t.TempDir(), "index")
			res, err := Index(context.Background(), IndexOptions{Images: tt.inputs, Output: "oci:" + out})
			if err != nil {
				t.Fatal(err)
			}
			lp, err := layout.ImageIndexFromPath(out)
			if err != nil {
				t.Fatal(err)
			}
			top, err := lp.IndexManifest()
			if err != nil || len(top.Manifests) != 1 {
				t.Fatalf("index.json: %v, %v; want one entry", top, err)
			}
			if top.Manifests[0].Digest.String() != res.Digest {
				t.Errorf("index.json names %s, Index reported %s", top.Manifests[0].Digest, res.Digest)
			}
			idx, err := lp.ImageIndex(top.Manifests[0].Digest)
			if err != nil {
				t.Fatal(err)
			}
			if err := validate.Index(idx); err != nil {
				t.Errorf("validate.Index: %v", err)
			}
			im, err := idx.IndexManifest()
			if err != nil {
				t.Fatal(err)
			}
			var platforms []string
			for _, m := range im.Manifests {
				platforms = append(platforms, m.Platform.String())
			}
			if diff := cmp.Diff([]string{"linux/amd64", "linux/arm64/v8"}, platforms); diff != "" {
				t.Errorf("index platforms (-want +got):\n%s", diff)
			}
			var summary bytes.Buffer
			PrintIndexSummary(&summary, res)
			if !strings.Contains(summary.String(), "linux/arm64/v8: sha256:") || !strings.Contains(summary.String(), res.Digest) {
				t.Errorf("summary does not list the platforms and digest:\n%s", summary.String())
			}
		})
	}
}

func TestIndexOfIndex(t *testing.T) {
	dir := t.TempDir()
	multi := fxLayout(t, filepath.Join(dir, "multi"), map[string]*rootfs.Tree{"amd64": fxTree(t, nil), "arm64": fxTree(t, nil)})
	armhf := fxLayout(t, filepath.Join(dir, "armhf"), map[string]*rootfs.Tree{"armhf": fxTree(t, nil)})
	res, err := Index(context.Background(), IndexOptions{Images: []string{multi, armhf}, Output: "oci:" + filepath.Join(dir, "out")})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, m := range res.Manifests {
		got = append(got, m.Platform+" "+m.Source)
	}
	want := []string{"linux/amd64 " + multi, "linux/arm64/v8 " + multi, "linux/arm/v7 " + armhf}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("manifests (-want +got):\n%s", diff)
	}
}

func TestIndexErrors(t *testing.T) {
	dir := t.TempDir()
	amd := fxLayout(t, filepath.Join(dir, "amd64"), map[string]*rootfs.Tree{"amd64": fxTree(t, nil)})
	amd2 := fxLayout(t, filepath.Join(dir, "amd64-again"), map[string]*rootfs.Tree{"amd64": fxTree(t, fxPackages)})
	rootDir := filepath.Join(dir, "rootfs")
	if err := os.Mkdir(rootDir, 0o755); err != nil {
		t.Fatal(err)
	}
	bareTar := filepath.Join(dir, "image.tar")
	if err := os.WriteFile(bareTar, []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	noPlatform := filepath.Join(dir, "noplatform")
	img := fxLayeredImage(t, []fxEntry{{name: "a", typ: '0', body: "a"}})
	cf, err := img.ConfigFile()
	if err != nil {
		t.Fatal(err)
	}
	cf = cf.DeepCopy()
	cf.Architecture, cf.OS = "", ""
	lp, err := layout.Write(noPlatform, empty.Index)
	if err != nil {
		t.Fatal(err)
	}
	if err := lp.AppendImage(fxWithConfig(t, img, cf)); err != nil {
		t.Fatal(err)
	}
	out := "oci:" + filepath.Join(dir, "out")
	tests := []struct {
		name   string
		opts   IndexOptions
		wanted []string
	}{
		{"duplicate platform", IndexOptions{Images: []string{amd, amd2}, Output: out}, []string{amd, amd2, "linux/amd64"}},
		{"no images", IndexOptions{Output: out}, []string{"at least one image"}},
		{"rootfs output", IndexOptions{Images: []string{amd}, Output: "tar:x.tar"}, []string{"tar:x.tar", "root filesystem"}},
		{"rootfs input", IndexOptions{Images: []string{rootDir}, Output: out}, []string{rootDir, "plinth import"}},
		{"bare tarball", IndexOptions{Images: []string{bareTar}, Output: out}, []string{"docker-archive:" + bareTar}},
		{"missing input", IndexOptions{Images: []string{"oci:" + filepath.Join(dir, "none")}, Output: out}, []string{filepath.Join(dir, "none")}},
		{"no platform", IndexOptions{Images: []string{"oci:" + noPlatform}, Output: out}, []string{noPlatform, "no os/architecture"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Index(context.Background(), tt.opts)
			if err == nil {
				t.Fatal("Index succeeded, want an error")
			}
			for _, w := range tt.wanted {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not mention %q", err, w)
				}
			}
		})
	}
	if _, err := os.Stat(filepath.Join(dir, "out")); !os.IsNotExist(err) {
		t.Errorf("a failed index left output behind: %v", err)
	}
}

func fxWithConfig(t *testing.T, img v1.Image, cf *v1.ConfigFile) v1.Image {
	t.Helper()
	out, err := mutate.ConfigFile(img, cf)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// TestIndexSkopeo checks a written index with skopeo: both platforms, and
// each one's image readable by platform.
func TestIndexSkopeo(t *testing.T) {
	skopeo := fxTool(t, "skopeo")
	dir := t.TempDir()
	amd := fxLayout(t, filepath.Join(dir, "amd64"), map[string]*rootfs.Tree{"amd64": fxTree(t, nil)})
	arm := fxLayout(t, filepath.Join(dir, "arm64"), map[string]*rootfs.Tree{"arm64": fxTree(t, nil)})
	out := "oci:" + filepath.Join(dir, "index")
	if _, err := Index(context.Background(), IndexOptions{Images: []string{amd, arm}, Output: out}); err != nil {
		t.Fatal(err)
	}
	var raw v1.IndexManifest
	if err := json.Unmarshal(fxRunTool(t, skopeo, "inspect", "--raw", out), &raw); err != nil {
		t.Fatal(err)
	}
	if len(raw.Manifests) != 2 {
		t.Fatalf("skopeo sees %d manifests, want 2", len(raw.Manifests))
	}
	for _, arch := range []string{"amd64", "arm64"} {
		var cfg struct{ Architecture string }
		if err := json.Unmarshal(fxRunTool(t, skopeo, "--override-arch", arch, "inspect", out), &cfg); err != nil {
			t.Fatal(err)
		}
		if cfg.Architecture != arch {
			t.Errorf("skopeo --override-arch %s picked %s", arch, cfg.Architecture)
		}
	}
}
