package oci

import (
	"errors"
	"fmt"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// NewIndex builds an OCI image index of single-architecture images, in the
// order given, each manifest descriptor carrying the platform of its image's
// config. Two images of the same platform are an error.
func NewIndex(images ...v1.Image) (v1.ImageIndex, error) {
	if len(images) == 0 {
		return nil, errors.New("building image index: no images")
	}
	adds := make([]mutate.IndexAddendum, 0, len(images))
	seen := make(map[string]int, len(images))
	for i, img := range images {
		p, err := imagePlatform(img)
		if err != nil {
			return nil, fmt.Errorf("building image index: image %d: %w", i+1, err)
		}
		key := p.String()
		if j, dup := seen[key]; dup {
			return nil, fmt.Errorf("building image index: images %d and %d are both %s; give one image per platform", j+1, i+1, key)
		}
		seen[key] = i
		adds = append(adds, mutate.IndexAddendum{
			Add:        img,
			Descriptor: v1.Descriptor{Platform: p},
		})
	}
	base := mutate.IndexMediaType(empty.Index, types.OCIImageIndex)
	return mutate.AppendManifests(base, adds...), nil
}

// imagePlatform returns the platform named in img's config.
func imagePlatform(img v1.Image) (*v1.Platform, error) {
	cf, err := img.ConfigFile()
	if err != nil {
		return nil, fmt.Errorf("reading image config: %w", err)
	}
	p := cf.Platform()
	if p == nil || p.OS == "" || p.Architecture == "" {
		return nil, errors.New("image config names no os/architecture; an index needs one platform per image")
	}
	return p, nil
}
