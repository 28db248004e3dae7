package oci

import (
	"errors"
	"fmt"
	"strings"

	"github.com/google/go-containerregistry/pkg/name"
)

// Destination kinds, the prefixes of a destination string.
const (
	KindOCI           = "oci"            // oci:DIR[:TAG], an OCI image layout directory
	KindDockerArchive = "docker-archive" // docker-archive:FILE[:REF], a `docker load` tarball
	KindDocker        = "docker"         // docker://REF, a registry
	KindDir           = "dir"            // dir:DIR, an unpacked root filesystem (not an image)
	KindTar           = "tar"            // tar:FILE, a root filesystem tarball (not an image)
)

// DefaultTag is the tag of an oci: destination written without one.
const DefaultTag = "latest"

// DestinationForms lists the accepted destination forms, for help texts.
const DestinationForms = "oci:DIR[:TAG] | docker-archive:FILE[:REF] | docker://REF | dir:DIR | tar:FILE"

// Destination is a parsed output (or input) location.
type Destination struct {
	// Kind is one of KindOCI, KindDockerArchive, KindDocker, KindDir, KindTar.
	Kind string
	// Path is the directory or file; empty for KindDocker.
	Path string
	// Ref is the TAG of oci: (empty: DefaultTag when writing), the REF of
	// docker-archive: (empty: untagged) or the image reference of docker://.
	Ref string
}

// ParseDestination parses one of
//
//	oci:DIR[:TAG]  docker-archive:FILE[:REF]  docker://REF  dir:DIR  tar:FILE
//
// As in skopeo, DIR and FILE end at their first colon; what follows is the
// TAG or REF.
func ParseDestination(s string) (Destination, error) {
	d, err := parseDestination(s)
	if err != nil {
		return Destination{}, fmt.Errorf("parsing destination %q: %w (accepted forms: %s)", s, err, DestinationForms)
	}
	return d, nil
}

func parseDestination(s string) (Destination, error) {
	if rest, ok := strings.CutPrefix(s, "docker://"); ok {
		if _, err := parseReference(rest); err != nil {
			return Destination{}, err
		}
		return Destination{Kind: KindDocker, Ref: rest}, nil
	}
	kind, rest, ok := strings.Cut(s, ":")
	if !ok {
		return Destination{}, errors.New("no KIND: prefix")
	}
	switch kind {
	case KindOCI:
		return parseOCI(rest)
	case KindDockerArchive:
		return parseDockerArchive(rest)
	case KindDir, KindTar:
		if rest == "" {
			return Destination{}, fmt.Errorf("%s: needs a path", kind)
		}
		return Destination{Kind: kind, Path: rest}, nil
	case KindDocker:
		return Destination{}, errors.New("a registry destination is written docker://REF")
	}
	return Destination{}, fmt.Errorf("unknown kind %q", kind)
}

func parseOCI(rest string) (Destination, error) {
	dir, tag, hasTag := strings.Cut(rest, ":")
	if dir == "" {
		return Destination{}, errors.New("oci: needs a directory")
	}
	if hasTag && !validRefName(tag) {
		return Destination{}, fmt.Errorf("oci: tag %q is not a valid OCI reference name (letters, digits, and . _ - : @ + / between them)", tag)
	}
	return Destination{Kind: KindOCI, Path: dir, Ref: tag}, nil
}

func parseDockerArchive(rest string) (Destination, error) {
	file, ref, hasRef := strings.Cut(rest, ":")
	if file == "" {
		return Destination{}, errors.New("docker-archive: needs a file")
	}
	if hasRef {
		if _, err := name.NewTag(ref); err != nil {
			return Destination{}, fmt.Errorf("docker-archive: REF must be a tag reference like name:tag: %w", err)
		}
	}
	return Destination{Kind: KindDockerArchive, Path: file, Ref: ref}, nil
}

// String renders d in the form ParseDestination accepts.
func (d Destination) String() string {
	switch d.Kind {
	case KindDocker:
		return "docker://" + d.Ref
	case KindOCI, KindDockerArchive:
		if d.Ref != "" {
			return d.Kind + ":" + d.Path + ":" + d.Ref
		}
	}
	return d.Kind + ":" + d.Path
}

// IsImage reports whether d holds an image (oci:, docker-archive:, docker://)
// rather than a root filesystem (dir:, tar:).
func (d Destination) IsImage() bool {
	return d.Kind == KindOCI || d.Kind == KindDockerArchive || d.Kind == KindDocker
}

// validRefName reports whether s matches the grammar of the OCI annotation
// org.opencontainers.image.ref.name: components of alphanumerics joined by
// separators (- . _ : @ + or --), separated by "/".
func validRefName(s string) bool {
	for _, comp := range strings.Split(s, "/") {
		if !validRefComponent(comp) {
			return false
		}
	}
	return true
}

func validRefComponent(c string) bool {
	if c == "" || !isAlnum(c[0]) || !isAlnum(c[len(c)-1]) {
		return false
	}
	for i := 1; i < len(c); i++ {
		if isAlnum(c[i]) {
			continue
		}
		// A separator: one of -._:@+, or "--"; never two others in a row.
		if !strings.ContainsRune("-._:@+", rune(c[i])) {
			return false
		}
		if !isAlnum(c[i-1]) && !(c[i] == '-' && c[i-1] == '-' && i >= 2 && isAlnum(c[i-2])) {
			return false
		}
	}
	return true
}

func isAlnum(b byte) bool {
	return b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z' || b >= '0' && b <= '9'
}
