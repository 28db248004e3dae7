package oci

import v1 "github.com/google/go-containerregistry/pkg/v1"

// Image and Index name go-containerregistry's types for callers, so that
// this package stays the only one importing go-containerregistry.
type (
	Image = v1.Image
	Index = v1.ImageIndex
)
