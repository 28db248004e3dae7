package oci

import (
	"archive/tar"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
	"github.com/google/go-containerregistry/pkg/v1/validate"
)

// sameContent fails unless got has want's config and layers.
func sameContent(t *testing.T, want, got v1.Image) {
	t.Helper()
	if err := validate.Image(got); err != nil {
		t.Errorf("validate.Image: %v", err)
	}
	wantCfg, err := want.ConfigName()
	if err != nil {
		t.Fatal(err)
	}
	gotCfg, err := got.ConfigName()
	if err != nil {
		t.Fatal(err)
	}
	if gotCfg != wantCfg {
		t.Errorf("config %s, want %s", gotCfg, wantCfg)
	}
	wl, _ := want.Layers()
	gl, err := got.Layers()
	if err != nil || len(gl) != len(wl) {
		t.Fatalf("got %d layers (err %v), want %d", len(gl), err, len(wl))
	}
	for i := range wl {
		if a, b := digestOf(t, wl[i]), digestOf(t, gl[i]); a != b {
			t.Errorf("layer %d: digest %s, want %s", i, b, a)
		}
	}
}

// repoTags reads the RepoTags of a docker archive's manifest.json.
func repoTags(t *testing.T, path string) [][]string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	tr := tar.NewReader(f)
	for {
		h, err := tr.Next()
		if err != nil {
			t.Fatalf("no manifest.json in %s: %v", path, err)
		}
		if h.Name != "manifest.json" {
			continue
		}
		var m []struct{ RepoTags []string }
		if err := json.NewDecoder(tr).Decode(&m); err != nil {
			t.Fatal(err)
		}
		var tags [][]string
		for _, e := range m {
			tags = append(tags, e.RepoTags)
		}
		return tags
	}
}

func TestWriteDockerArchive(t *testing.T) {
	ctx := context.Background()
	img := newTestImage(t, amd64Config())
	tests := []struct {
		name, ref string
		tags      [][]string
	}{
		{"tagged", "plinth/bookworm:1", [][]string{{"plinth/bookworm:1"}}},
		{"untagged", "", [][]string{nil}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, "img.tar")
			if err := Write(ctx, Destination{Kind: KindDockerArchive, Path: path, Ref: tt.ref}, img); err != nil {
				t.Fatalf("Write: %v", err)
			}
			var tag *name.Tag
			if tt.ref != "" {
				tg, err := name.NewTag(tt.ref)
				if err != nil {
					t.Fatal(err)
				}
				tag = &tg
			}
			got, err := tarball.ImageFromPath(path, tag)
			if err != nil {
				t.Fatalf("tarball.ImageFromPath: %v", err)
			}
			sameContent(t, img, got)
			if diff := cmp.Diff(tt.tags, repoTags(t, path)); diff != "" {
				t.Errorf("RepoTags (-want +got):\n%s", diff)
			}
			loaded, err := Load(ctx, Destination{Kind: KindDockerArchive, Path: path, Ref: tt.ref})
			if err != nil {
				t.Fatalf("Load: %v", err)
			}
			sameContent(t, img, loaded[0])
			assertNoTemp(t, dir)
		})
	}
}

func TestWriteIndexDockerArchive(t *testing.T) {
	amd, arm := newTestImage(t, amd64Config()), newTestImage(t, arm64Config())
	idx, err := NewIndex(amd, arm)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := WriteIndex(context.Background(), Destination{Kind: KindDockerArchive, Path: filepath.Join(dir, "base.tar"), Ref: "base:1"}, idx); err != nil {
		t.Fatalf("WriteIndex: %v", err)
	}
	if diff := cmp.Diff([]string{".", "base-amd64.tar", "base-arm64.tar"}, listDir(t, dir)); diff != "" {
		t.Fatalf("files (-want +got):\n%s", diff)
	}
	for file, want := range map[string]v1.Image{"base-amd64.tar": amd, "base-arm64.tar": arm} {
		got, err := tarball.ImageFromPath(filepath.Join(dir, file), nil)
		if err != nil {
			t.Fatalf("%s: %v", file, err)
		}
		sameContent(t, want, got)
	}
}

func TestWriteDockerArchiveAtomic(t *testing.T) {
	good := newTestImage(t, amd64Config())
	idx, err := NewIndex(good, newBrokenImage(t))
	if err != nil {
		t.Fatal(err)
	}
	cancelled, cancel := context.WithCancel(context.Background())
	cancel()
	tests := []struct {
		name  string
		write func(dest Destination) error
		is    error
	}{
		{"broken layer", func(d Destination) error { return Write(context.Background(), d, newBrokenImage(t)) }, errBroken},
		{"cancelled", func(d Destination) error { return Write(cancelled, d, good) }, context.Canceled},
		{"index with a broken image", func(d Destination) error { return WriteIndex(context.Background(), d, idx) }, errBroken},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			old := filepath.Join(dir, "img.tar")
			if err := os.WriteFile(old, []byte("previous build"), 0o644); err != nil {
				t.Fatal(err)
			}
			err := tt.write(Destination{Kind: KindDockerArchive, Path: old})
			if !errors.Is(err, tt.is) {
				t.Fatalf("error %v, want %v", err, tt.is)
			}
			if diff := cmp.Diff([]string{".", "img.tar"}, listDir(t, dir)); diff != "" {
				t.Errorf("files (-want +got):\n%s", diff)
			}
			if b, _ := os.ReadFile(old); string(b) != "previous build" {
				t.Errorf("previous output was overwritten")
			}
		})
	}
}

func TestWriteNotAnImage(t *testing.T) {
	img := newTestImage(t, amd64Config())
	for _, d := range []Destination{{Kind: KindDir, Path: "x"}, {Kind: KindTar, Path: "x.tar"}, {Kind: "zip", Path: "x"}} {
		if err := Write(context.Background(), d, img); err == nil {
			t.Errorf("Write(%s) succeeded, want an error", d)
		}
		if _, err := Load(context.Background(), d); err == nil {
			t.Errorf("Load(%s) succeeded, want an error", d)
		}
	}
}
