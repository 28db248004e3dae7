package oci

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/types"
	"github.com/google/go-containerregistry/pkg/v1/validate"
)

func TestNewIndex(t *testing.T) {
	amd, arm := newTestImage(t, amd64Config()), newTestImage(t, arm64Config())
	idx, err := NewIndex(amd, arm)
	if err != nil {
		t.Fatal(err)
	}
	if err := validate.Index(idx); err != nil {
		t.Fatalf("validate.Index: %v", err)
	}
	im, err := idx.IndexManifest()
	if err != nil {
		t.Fatal(err)
	}
	if im.MediaType != types.OCIImageIndex {
		t.Errorf("index media type %s, want %s", im.MediaType, types.OCIImageIndex)
	}
	type entry struct {
		Digest    v1.Hash
		MediaType types.MediaType
		Platform  v1.Platform
	}
	var got []entry
	for _, d := range im.Manifests {
		got = append(got, entry{d.Digest, d.MediaType, *d.Platform})
	}
	want := []entry{
		{digestOf(t, amd), types.OCIManifestSchema1, v1.Platform{OS: "linux", Architecture: "amd64"}},
		{digestOf(t, arm), types.OCIManifestSchema1, v1.Platform{OS: "linux", Architecture: "arm64", Variant: "v8"}},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("index entries (-want +got):\n%s", diff)
	}

	again, err := NewIndex(newTestImage(t, amd64Config()), newTestImage(t, arm64Config()))
	if err != nil {
		t.Fatal(err)
	}
	if a, b := digestOf(t, idx), digestOf(t, again); a != b {
		t.Errorf("index digest %s on the first build, %s on the second", a, b)
	}
}

func TestNewIndexErrors(t *testing.T) {
	amd := newTestImage(t, amd64Config())
	tests := []struct {
		name   string
		images []v1.Image
		want   string
	}{
		{"none", nil, "no images"},
		{"same platform twice", []v1.Image{amd, newTestImage(t, amd64Config())}, "are both linux/amd64"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := NewIndex(tt.images...)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("NewIndex error %v, want one containing %q", err, tt.want)
			}
		})
	}
}
