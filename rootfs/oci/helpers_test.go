package oci

import (
	"archive/tar"
	"bytes"
	"errors"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"
	"testing/iotest"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
)

// epoch is the SOURCE_DATE_EPOCH of the test images.
var epoch = time.Date(2024, 6, 1, 12, 0, 0, 0, time.UTC)

// testTar builds a small root filesystem tar: directories, a text file, an
// incompressible file, a symlink and a setuid binary.
func testTar(t testing.TB) []byte {
	t.Helper()
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	noise := make([]byte, 64<<10)
	rand.NewChaCha8([32]byte{1}).Read(noise)
	entries := []struct {
		hdr  tar.Header
		body []byte
	}{
		{tar.Header{Typeflag: tar.TypeDir, Name: "etc/", Mode: 0o755}, nil},
		{tar.Header{Typeflag: tar.TypeReg, Name: "etc/os-release", Mode: 0o644}, []byte("ID=plinth\n")},
		{tar.Header{Typeflag: tar.TypeDir, Name: "usr/", Mode: 0o755}, nil},
		{tar.Header{Typeflag: tar.TypeDir, Name: "usr/bin/", Mode: 0o755}, nil},
		{tar.Header{Typeflag: tar.TypeReg, Name: "usr/bin/su", Mode: 0o4755}, []byte("#!/bin/true\n")},
		{tar.Header{Typeflag: tar.TypeReg, Name: "usr/lib/noise", Mode: 0o644}, noise},
		{tar.Header{Typeflag: tar.TypeSymlink, Name: "bin", Linkname: "usr/bin", Mode: 0o777}, nil},
	}
	for _, e := range entries {
		h := e.hdr
		h.ModTime = epoch
		h.Size = int64(len(e.body))
		h.Format = tar.FormatPAX
		if err := tw.WriteHeader(&h); err != nil {
			t.Fatal(err)
		}
		if _, err := tw.Write(e.body); err != nil {
			t.Fatal(err)
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// oneFileTar builds a tar holding one file, name, that says name.
func oneFileTar(t testing.TB, name string) []byte {
	t.Helper()
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	h := &tar.Header{Typeflag: tar.TypeReg, Name: name, Mode: 0o644, Size: int64(len(name)), ModTime: epoch}
	if err := tw.WriteHeader(h); err != nil {
		t.Fatal(err)
	}
	if _, err := tw.Write([]byte(name)); err != nil {
		t.Fatal(err)
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// newBrokenImage returns an image, of a layer of its own, whose layer fails
// after a few bytes are read.
func newBrokenImage(t testing.TB) v1.Image {
	t.Helper()
	img, err := NewImage(bytesOpener(oneFileTar(t, "broken")), arm64Config())
	if err != nil {
		t.Fatal(err)
	}
	return brokenImage{img}
}

// bytesOpener opens b.
func bytesOpener(b []byte) Opener {
	return func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(b)), nil }
}

func amd64Config() Config {
	return Config{
		Architecture: "amd64",
		OS:           "linux",
		Cmd:          []string{"/bin/sh"},
		Env:          []string{"LANG=C.UTF-8", "PATH=/usr/bin:/bin"},
		User:         "0",
		WorkingDir:   "/",
		Labels:       map[string]string{"org.opencontainers.image.title": "test"},
		ExposedPorts: []string{"8080/tcp", "53/udp"},
		Created:      epoch,
		History:      "plinth build test",
	}
}

func arm64Config() Config {
	c := amd64Config()
	c.Architecture, c.Variant = "arm64", "v8"
	return c
}

// newTestImage builds an image of the test tar.
func newTestImage(t testing.TB, cfg Config) v1.Image {
	t.Helper()
	img, err := NewImage(bytesOpener(testTar(t)), cfg)
	if err != nil {
		t.Fatalf("NewImage: %v", err)
	}
	return img
}

func digestOf(t testing.TB, d interface{ Digest() (v1.Hash, error) }) v1.Hash {
	t.Helper()
	h, err := d.Digest()
	if err != nil {
		t.Fatal(err)
	}
	return h
}

// errBroken is what brokenImage's layer fails with.
var errBroken = errors.New("disk on fire")

// brokenImage is an image whose layer fails after a few bytes are read.
type brokenImage struct{ v1.Image }

func (b brokenImage) Layers() ([]v1.Layer, error) {
	ls, err := b.Image.Layers()
	if err != nil {
		return nil, err
	}
	out := make([]v1.Layer, len(ls))
	for i, l := range ls {
		out[i] = brokenLayer{l}
	}
	return out, nil
}

type brokenLayer struct{ v1.Layer }

func (b brokenLayer) Compressed() (io.ReadCloser, error) {
	rc, err := b.Layer.Compressed()
	if err != nil {
		return nil, err
	}
	return io.NopCloser(io.MultiReader(io.LimitReader(rc, 1000), iotest.ErrReader(errBroken))), nil
}

// listDir returns the names in dir, sorted.
func listDir(t testing.TB, dir string) []string {
	t.Helper()
	var names []string
	err := filepath.WalkDir(dir, func(p string, _ os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		names = append(names, rel)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return names
}
