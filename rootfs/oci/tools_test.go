package oci

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// These tests check the written images with tools nobody here wrote.

// needTool skips the test when name is not installed.
func needTool(t *testing.T, name string) string {
	t.Helper()
	path, err := exec.LookPath(name)
	if err != nil {
		t.Skipf("%s is not installed (apt-get install %s); skipping the cross-check with it", name, name)
	}
	return path
}

func run(t *testing.T, name string, args ...string) []byte {
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

func TestSkopeoInspect(t *testing.T) {
	skopeo := needTool(t, "skopeo")
	ctx := context.Background()
	dir := t.TempDir()
	img := newTestImage(t, arm64Config())
	layout := filepath.Join(dir, "layout")
	archive := filepath.Join(dir, "img.tar")
	if err := Write(ctx, Destination{Kind: KindOCI, Path: layout, Ref: "1"}, img); err != nil {
		t.Fatal(err)
	}
	if err := Write(ctx, Destination{Kind: KindDockerArchive, Path: archive, Ref: "plinth/base:1"}, img); err != nil {
		t.Fatal(err)
	}
	type inspect struct {
		Architecture, Os string
		Env              []string
		Layers           []string
	}
	ls, err := img.Layers()
	if err != nil {
		t.Fatal(err)
	}
	diffID, err := ls[0].DiffID()
	if err != nil {
		t.Fatal(err)
	}
	rawConfig, err := img.RawConfigFile()
	if err != nil {
		t.Fatal(err)
	}
	// A docker archive holds the layer as given, but skopeo names its layers
	// by diff ID (docker load decompresses them).
	for src, layer := range map[string]string{
		"oci:" + layout + ":1":      digestOf(t, ls[0]).String(),
		"docker-archive:" + archive: diffID.String(),
	} {
		t.Run(src, func(t *testing.T) {
			want := inspect{Architecture: "arm64", Os: "linux", Env: arm64Config().Env, Layers: []string{layer}}
			var got inspect
			if err := json.Unmarshal(run(t, skopeo, "inspect", "--override-arch", "arm64", src), &got); err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("skopeo inspect (-want +got):\n%s", diff)
			}
			if got := run(t, skopeo, "inspect", "--raw", "--config", src); !bytes.Equal(got, rawConfig) {
				t.Errorf("skopeo inspect --raw --config:\n%s\nwant\n%s", got, rawConfig)
			}
		})
	}
	t.Run("digest", func(t *testing.T) {
		var got struct{ Digest string }
		if err := json.Unmarshal(run(t, skopeo, "inspect", "oci:"+layout+":1"), &got); err != nil {
			t.Fatal(err)
		}
		if got.Digest != digestOf(t, img).String() {
			t.Errorf("skopeo sees digest %s, want %s", got.Digest, digestOf(t, img))
		}
	})
}

func TestSkopeoInspectIndex(t *testing.T) {
	skopeo := needTool(t, "skopeo")
	idx, err := NewIndex(newTestImage(t, amd64Config()), newTestImage(t, arm64Config()))
	if err != nil {
		t.Fatal(err)
	}
	layout := filepath.Join(t.TempDir(), "layout")
	if err := WriteIndex(context.Background(), Destination{Kind: KindOCI, Path: layout}, idx); err != nil {
		t.Fatal(err)
	}
	raw, err := idx.RawManifest()
	if err != nil {
		t.Fatal(err)
	}
	if got := run(t, skopeo, "inspect", "--raw", "oci:"+layout+":latest"); !bytes.Equal(got, raw) {
		t.Errorf("skopeo inspect --raw:\n%s\nwant\n%s", got, raw)
	}
}

func TestUmociUnpack(t *testing.T) {
	umoci := needTool(t, "umoci")
	dir := t.TempDir()
	layout := filepath.Join(dir, "layout")
	if err := Write(context.Background(), Destination{Kind: KindOCI, Path: layout}, newTestImage(t, amd64Config())); err != nil {
		t.Fatal(err)
	}
	bundle := filepath.Join(dir, "bundle")
	run(t, umoci, "unpack", "--rootless", "--image", layout+":latest", bundle)
	b, err := os.ReadFile(filepath.Join(bundle, "rootfs", "etc", "os-release"))
	if err != nil || string(b) != "ID=plinth\n" {
		t.Errorf("unpacked etc/os-release = %q, %v; want \"ID=plinth\\n\"", b, err)
	}
	if target, err := os.Readlink(filepath.Join(bundle, "rootfs", "bin")); err != nil || target != "usr/bin" {
		t.Errorf("unpacked bin -> %q, %v; want usr/bin", target, err)
	}
	var spec struct {
		Process struct {
			Args []string
			Env  []string
			Cwd  string
		}
	}
	cfg, err := os.ReadFile(filepath.Join(bundle, "config.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(cfg, &spec); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"/bin/sh"}, spec.Process.Args); diff != "" {
		t.Errorf("runtime spec args (-want +got):\n%s", diff)
	}
}
