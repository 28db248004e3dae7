package oci

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/validate"
)

// layoutTags returns the tag -> digest map of the layout's index.json.
func layoutTags(t *testing.T, dir string) map[string]v1.Hash {
	t.Helper()
	p, err := layout.FromPath(dir)
	if err != nil {
		t.Fatalf("layout.FromPath: %v", err)
	}
	idx, err := p.ImageIndex()
	if err != nil {
		t.Fatal(err)
	}
	im, err := idx.IndexManifest()
	if err != nil {
		t.Fatal(err)
	}
	tags := map[string]v1.Hash{}
	for _, d := range im.Manifests {
		tags[d.Annotations[RefNameAnnotation]] = d.Digest
	}
	return tags
}

func TestWriteOCILayout(t *testing.T) {
	ctx := context.Background()
	dir := filepath.Join(t.TempDir(), "out", "bookworm") // parent is created too
	amd, arm := newTestImage(t, amd64Config()), newTestImage(t, arm64Config())

	if err := Write(ctx, Destination{Kind: KindOCI, Path: dir}, amd); err != nil {
		t.Fatalf("Write: %v", err)
	}
	p, err := layout.FromPath(dir)
	if err != nil {
		t.Fatalf("layout.FromPath: %v", err)
	}
	got, err := p.Image(digestOf(t, amd))
	if err != nil {
		t.Fatalf("reading the image back: %v", err)
	}
	if err := validate.Image(got); err != nil {
		t.Errorf("validate.Image of the layout's image: %v", err)
	}
	if diff := cmp.Diff(map[string]v1.Hash{"latest": digestOf(t, amd)}, layoutTags(t, dir)); diff != "" {
		t.Errorf("tags (-want +got):\n%s", diff)
	}

	// A second tag is added; writing a tag again replaces its entry.
	for _, step := range []struct {
		tag string
		img v1.Image
	}{{"arm", arm}, {"latest", arm}, {"arm", amd}} {
		if err := Write(ctx, Destination{Kind: KindOCI, Path: dir, Ref: step.tag}, step.img); err != nil {
			t.Fatalf("Write tag %s: %v", step.tag, err)
		}
	}
	want := map[string]v1.Hash{"latest": digestOf(t, arm), "arm": digestOf(t, amd)}
	if diff := cmp.Diff(want, layoutTags(t, dir)); diff != "" {
		t.Errorf("tags after rewrites (-want +got):\n%s", diff)
	}
	assertNoTemp(t, filepath.Dir(dir))

	imgs, err := Load(ctx, Destination{Kind: KindOCI, Path: dir, Ref: "arm"})
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	if len(imgs) != 1 || digestOf(t, imgs[0]) != digestOf(t, amd) {
		t.Errorf("Load returned %d images, want the amd64 image", len(imgs))
	}
}

func TestWriteIndexOCILayout(t *testing.T) {
	ctx := context.Background()
	dir := filepath.Join(t.TempDir(), "multi")
	if err := os.Mkdir(dir, 0o755); err != nil { // an empty directory is fine
		t.Fatal(err)
	}
	amd, arm := newTestImage(t, amd64Config()), newTestImage(t, arm64Config())
	idx, err := NewIndex(amd, arm)
	if err != nil {
		t.Fatal(err)
	}
	if err := WriteIndex(ctx, Destination{Kind: KindOCI, Path: dir, Ref: "1.0"}, idx); err != nil {
		t.Fatalf("WriteIndex: %v", err)
	}
	p, err := layout.FromPath(dir)
	if err != nil {
		t.Fatal(err)
	}
	got, err := p.ImageIndex()
	if err != nil {
		t.Fatal(err)
	}
	child, err := got.ImageIndex(digestOf(t, idx))
	if err != nil {
		t.Fatalf("reading the index back: %v", err)
	}
	if err := validate.Index(child); err != nil {
		t.Errorf("validate.Index of the layout's index: %v", err)
	}
	imgs, err := Load(ctx, Destination{Kind: KindOCI, Path: dir}) // the only entry
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	var digests []v1.Hash
	for _, img := range imgs {
		digests = append(digests, digestOf(t, img))
	}
	if diff := cmp.Diff([]v1.Hash{digestOf(t, amd), digestOf(t, arm)}, digests); diff != "" {
		t.Errorf("loaded images (-want +got):\n%s", diff)
	}
	if _, err := Load(ctx, Destination{Kind: KindOCI, Path: dir, Ref: "2.0"}); err == nil || !strings.Contains(err.Error(), "tags: 1.0") {
		t.Errorf("Load of a missing tag: error %v, want one listing the tags", err)
	}
}

func TestWriteOCILayoutRefusesOtherDirectory(t *testing.T) {
	dir := t.TempDir()
	keep := filepath.Join(dir, "precious.txt")
	if err := os.WriteFile(keep, []byte("mine"), 0o644); err != nil {
		t.Fatal(err)
	}
	err := Write(context.Background(), Destination{Kind: KindOCI, Path: dir}, newTestImage(t, amd64Config()))
	if err == nil || !strings.Contains(err.Error(), "not an OCI layout") {
		t.Fatalf("Write into a non-layout directory: error %v, want \"not an OCI layout\"", err)
	}
	if diff := cmp.Diff([]string{".", "precious.txt"}, listDir(t, dir)); diff != "" {
		t.Errorf("directory changed (-want +got):\n%s", diff)
	}
}

func TestWriteOCILayoutAtomic(t *testing.T) {
	good := newTestImage(t, amd64Config())
	broken := newBrokenImage(t)
	cancelled, cancel := context.WithCancel(context.Background())
	cancel()

	t.Run("new layout", func(t *testing.T) {
		parent := t.TempDir()
		err := Write(context.Background(), Destination{Kind: KindOCI, Path: filepath.Join(parent, "out")}, broken)
		if !errors.Is(err, errBroken) {
			t.Fatalf("Write: error %v, want %v", err, errBroken)
		}
		if diff := cmp.Diff([]string{"."}, listDir(t, parent)); diff != "" {
			t.Errorf("left behind (-want +got):\n%s", diff)
		}
	})
	t.Run("cancelled", func(t *testing.T) {
		parent := t.TempDir()
		err := Write(cancelled, Destination{Kind: KindOCI, Path: filepath.Join(parent, "out")}, good)
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("Write: error %v, want %v", err, context.Canceled)
		}
		if diff := cmp.Diff([]string{"."}, listDir(t, parent)); diff != "" {
			t.Errorf("left behind (-want +got):\n%s", diff)
		}
	})
	t.Run("existing layout", func(t *testing.T) {
		dir := filepath.Join(t.TempDir(), "out")
		if err := Write(context.Background(), Destination{Kind: KindOCI, Path: dir}, good); err != nil {
			t.Fatal(err)
		}
		before := listDir(t, dir)
		index, err := os.ReadFile(filepath.Join(dir, "index.json"))
		if err != nil {
			t.Fatal(err)
		}
		err = Write(context.Background(), Destination{Kind: KindOCI, Path: dir}, broken)
		if !errors.Is(err, errBroken) {
			t.Fatalf("Write: error %v, want %v", err, errBroken)
		}
		if diff := cmp.Diff(before, listDir(t, dir)); diff != "" {
			t.Errorf("layout files changed (-want +got):\n%s", diff)
		}
		after, err := os.ReadFile(filepath.Join(dir, "index.json"))
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(string(index), string(after)); diff != "" {
			t.Errorf("index.json changed (-want +got):\n%s", diff)
		}
	})
}

// assertNoTemp fails if a temporary file or directory is left under dir.
func assertNoTemp(t *testing.T, dir string) {
	t.Helper()
	for _, name := range listDir(t, dir) {
		if strings.Contains(name, ".tmp-") {
			t.Errorf("temporary file left behind: %s", name)
		}
	}
}
