package oci

import (
	"context"
	"fmt"
	"net"
	"strings"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/remote"
)

// Option configures access to registries (docker:// destinations).
type Option func(*options)

type options struct {
	keychain authn.Keychain
}

// WithDockerKeychain authenticates to registries with the credentials docker
// and podman use: ~/.docker/config.json, $DOCKER_CONFIG, $REGISTRY_AUTH_FILE,
// the containers auth.json and credential helpers. Without it registries are
// accessed anonymously. (The command line opts in; this package reads no
// environment of its own.)
func WithDockerKeychain() Option {
	return func(o *options) { o.keychain = authn.DefaultKeychain }
}

func makeOptions(opts []Option) options {
	o := options{keychain: authn.NewMultiKeychain()} // anonymous
	for _, opt := range opts {
		opt(&o)
	}
	return o
}

func (o options) remote(ctx context.Context) []remote.Option {
	return []remote.Option{remote.WithContext(ctx), remote.WithAuthFromKeychain(o.keychain)}
}

// parseReference parses an image reference; a registry on a loopback host
// (localhost, 127.0.0.0/8, ::1) is spoken to over plain http.
func parseReference(s string) (name.Reference, error) {
	if s == "" {
		return nil, fmt.Errorf("docker://: needs an image reference like registry.example/name:tag")
	}
	ref, err := name.ParseReference(s)
	if err != nil {
		return nil, fmt.Errorf("docker://%s: %w", s, err)
	}
	if isLoopback(ref.Context().RegistryStr()) {
		return name.ParseReference(s, name.Insecure)
	}
	return ref, nil
}

// isLoopback reports whether a registry host[:port] is on this machine.
func isLoopback(registry string) bool {
	host := registry
	if h, _, err := net.SplitHostPort(registry); err == nil {
		host = h
	}
	host = strings.Trim(host, "[]")
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// push writes an image or index to a registry.
func push(ctx context.Context, dest Destination, img v1.Image, idx v1.ImageIndex, o options) error {
	ref, err := parseReference(dest.Ref)
	if err != nil {
		return err
	}
	if idx != nil {
		err = remote.WriteIndex(ref, idx, o.remote(ctx)...)
	} else {
		err = remote.Write(ref, img, o.remote(ctx)...)
	}
	if err != nil {
		return fmt.Errorf("pushing to %s: %w", dest, err)
	}
	return nil
}
