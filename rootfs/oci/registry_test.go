package oci

import (
	"context"
	"errors"
	"io"
	"log"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-containerregistry/pkg/registry"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/validate"
)

// testRegistry serves an in-memory registry on loopback and returns its host.
func testRegistry(t *testing.T) string {
	t.Helper()
	srv := httptest.NewServer(registry.New(registry.Logger(log.New(io.Discard, "", 0))))
	t.Cleanup(srv.Close)
	return strings.TrimPrefix(srv.URL, "http://")
}

func TestPushPullImage(t *testing.T) {
	ctx := context.Background()
	host := testRegistry(t)
	img := newTestImage(t, amd64Config())
	dest, err := ParseDestination("docker://" + host + "/plinth/base:1")
	if err != nil {
		t.Fatal(err)
	}
	if err := Write(ctx, dest, img); err != nil {
		t.Fatalf("Write: %v", err)
	}
	ref, err := parseReference(dest.Ref)
	if err != nil {
		t.Fatal(err)
	}
	pulled, err := remote.Image(ref, remote.WithContext(ctx))
	if err != nil {
		t.Fatalf("remote.Image: %v", err)
	}
	if err := validate.Image(pulled); err != nil {
		t.Errorf("validate.Image of the pulled image: %v", err)
	}
	if a, b := digestOf(t, img), digestOf(t, pulled); a != b {
		t.Errorf("pulled digest %s, pushed %s", b, a)
	}
	loaded, err := Load(ctx, dest)
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	if len(loaded) != 1 || digestOf(t, loaded[0]) != digestOf(t, img) {
		t.Errorf("Load returned %d images, want the pushed one", len(loaded))
	}
}

func TestPushPullIndex(t *testing.T) {
	ctx := context.Background()
	host := testRegistry(t)
	amd, arm := newTestImage(t, amd64Config()), newTestImage(t, arm64Config())
	idx, err := NewIndex(amd, arm)
	if err != nil {
		t.Fatal(err)
	}
	dest := Destination{Kind: KindDocker, Ref: host + "/plinth/multi:latest"}
	if err := WriteIndex(ctx, dest, idx); err != nil {
		t.Fatalf("WriteIndex: %v", err)
	}
	ref, err := parseReference(dest.Ref)
	if err != nil {
		t.Fatal(err)
	}
	pulled, err := remote.Index(ref, remote.WithContext(ctx))
	if err != nil {
		t.Fatalf("remote.Index: %v", err)
	}
	if err := validate.Index(pulled); err != nil {
		t.Errorf("validate.Index of the pulled index: %v", err)
	}
	if a, b := digestOf(t, idx), digestOf(t, pulled); a != b {
		t.Errorf("pulled index digest %s, pushed %s", b, a)
	}
	loaded, err := Load(ctx, dest)
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	var got []v1.Hash
	for _, img := range loaded {
		got = append(got, digestOf(t, img))
	}
	if diff := cmp.Diff([]v1.Hash{digestOf(t, amd), digestOf(t, arm)}, got); diff != "" {
		t.Errorf("loaded images (-want +got):\n%s", diff)
	}
}

func TestPushCancelled(t *testing.T) {
	host := testRegistry(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	err := Write(ctx, Destination{Kind: KindDocker, Ref: host + "/plinth/base:1"}, newTestImage(t, amd64Config()))
	if !errors.Is(err, context.Canceled) {
		t.Errorf("Write with a cancelled context: error %v, want %v", err, context.Canceled)
	}
}
