package oci

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/partial"
	"github.com/google/go-containerregistry/pkg/v1/static"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// NewImage builds a single-layer OCI image from the uncompressed layer tar
// that layer opens. The tar is read once, compressed with gzip at GzipLevel
// into an unlinked temporary file (in os.TempDir) and hashed on the way; the
// image's manifest and config are fixed when NewImage returns.
func NewImage(layer Opener, cfg Config) (v1.Image, error) {
	if layer == nil {
		return nil, errors.New("building image: no layer (the Opener is nil)")
	}
	if err := cfg.validate(); err != nil {
		return nil, fmt.Errorf("building image: %w", err)
	}
	l, err := compressLayer(layer)
	if err != nil {
		return nil, fmt.Errorf("building %s image: %w", platformString(cfg.platform()), err)
	}
	core, err := newImageCore(l, cfg)
	if err != nil {
		return nil, fmt.Errorf("building %s image: %w", platformString(cfg.platform()), err)
	}
	return partial.CompressedToImage(core)
}

// imageCore holds the raw config and manifest of a single-layer image.
type imageCore struct {
	layer        *gzipLayer
	rawConfig    []byte
	configDigest v1.Hash
	rawMan       []byte
}

var _ partial.CompressedImageCore = (*imageCore)(nil)

func newImageCore(l *gzipLayer, cfg Config) (*imageCore, error) {
	rawConfig, err := json.Marshal(cfg.configFile(l.diffID))
	if err != nil {
		return nil, fmt.Errorf("encoding the image config: %w", err)
	}
	configDigest, configSize, err := v1.SHA256(bytes.NewReader(rawConfig))
	if err != nil {
		return nil, fmt.Errorf("hashing the image config: %w", err)
	}
	m := v1.Manifest{
		SchemaVersion: 2,
		MediaType:     types.OCIManifestSchema1,
		Config: v1.Descriptor{
			MediaType: types.OCIConfigJSON,
			Size:      configSize,
			Digest:    configDigest,
		},
		Layers: []v1.Descriptor{{
			MediaType: types.OCILayer,
			Size:      l.size,
			Digest:    l.digest,
		}},
	}
	rawMan, err := json.Marshal(m)
	if err != nil {
		return nil, fmt.Errorf("encoding the image manifest: %w", err)
	}
	return &imageCore{layer: l, rawConfig: rawConfig, configDigest: configDigest, rawMan: rawMan}, nil
}

// RawConfigFile returns the image config JSON.
func (c *imageCore) RawConfigFile() ([]byte, error) { return c.rawConfig, nil }

// MediaType returns the OCI manifest media type.
func (c *imageCore) MediaType() (types.MediaType, error) { return types.OCIManifestSchema1, nil }

// RawManifest returns the image manifest JSON.
func (c *imageCore) RawManifest() ([]byte, error) { return c.rawMan, nil }

// LayerByDigest returns the image's only layer, or its config blob, by digest.
func (c *imageCore) LayerByDigest(h v1.Hash) (partial.CompressedLayer, error) {
	switch h {
	case c.layer.digest:
		return c.layer, nil
	case c.configDigest:
		return static.NewLayer(c.rawConfig, types.OCIConfigJSON), nil
	}
	return nil, fmt.Errorf("image has no blob %s (its layer is %s)", h, c.layer.digest)
}

// platformString renders p as os/arch[/variant], "linux/arm64/v8".
func platformString(p v1.Platform) string {
	s := p.OS + "/" + p.Architecture
	if p.Variant != "" {
		s += "/" + p.Variant
	}
	return s
}
