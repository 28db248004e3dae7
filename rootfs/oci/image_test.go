package oci

import (
	"bytes"
	"compress/gzip"
	"errors"
	"io"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"testing/iotest"
	"time"

	"github.com/google/go-cmp/cmp"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/types"
	"github.com/google/go-containerregistry/pkg/v1/validate"
)

func TestNewImageValidates(t *testing.T) {
	img := newTestImage(t, amd64Config())
	if err := validate.Image(img); err != nil {
		t.Fatalf("validate.Image: %v", err)
	}
	m, err := img.Manifest()
	if err != nil {
		t.Fatal(err)
	}
	got := []types.MediaType{m.MediaType, m.Config.MediaType, m.Layers[0].MediaType}
	want := []types.MediaType{types.OCIManifestSchema1, types.OCIConfigJSON, types.OCILayer}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("media types (-want +got):\n%s", diff)
	}
	if len(m.Layers) != 1 {
		t.Errorf("got %d layers, want 1", len(m.Layers))
	}
}

func TestNewImageConfig(t *testing.T) {
	img := newTestImage(t, arm64Config())
	cf, err := img.ConfigFile()
	if err != nil {
		t.Fatal(err)
	}
	ls, err := img.Layers()
	if err != nil {
		t.Fatal(err)
	}
	diffID, err := ls[0].DiffID()
	if err != nil {
		t.Fatal(err)
	}
	tarDigest, _, err := v1.SHA256(bytes.NewReader(testTar(t)))
	if err != nil {
		t.Fatal(err)
	}
	if diffID != tarDigest {
		t.Errorf("diff_id %s, want sha256 of the tar %s", diffID, tarDigest)
	}
	created := v1.Time{Time: epoch}
	want := &v1.ConfigFile{
		Architecture: "arm64", OS: "linux", Variant: "v8",
		Created: created,
		History: []v1.History{{Created: created, CreatedBy: "plinth build test"}},
		RootFS:  v1.RootFS{Type: "layers", DiffIDs: []v1.Hash{tarDigest}},
		Config: v1.Config{
			Cmd:          []string{"/bin/sh"},
			Env:          []string{"LANG=C.UTF-8", "PATH=/usr/bin:/bin"},
			User:         "0",
			WorkingDir:   "/",
			Labels:       map[string]string{"org.opencontainers.image.title": "test"},
			ExposedPorts: map[string]struct{}{"8080/tcp": {}, "53/udp": {}},
		},
	}
	if diff := cmp.Diff(want, cf); diff != "" {
		t.Errorf("config (-want +got):\n%s", diff)
	}
	raw, err := img.RawConfigFile()
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(raw, []byte(`"created":"2024-06-01T12:00:00Z"`)) {
		t.Errorf("config does not hold the UTC creation time: %s", raw)
	}
}

func TestNewImageLayerRoundTrip(t *testing.T) {
	tarball := testTar(t)
	img := newTestImage(t, amd64Config())
	ls, err := img.Layers()
	if err != nil {
		t.Fatal(err)
	}
	for i := range 2 { // twice: readers are independent
		rc, err := ls[0].Uncompressed()
		if err != nil {
			t.Fatal(err)
		}
		got, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, tarball) {
			t.Fatalf("read %d: uncompressed layer differs from the tar (%d vs %d bytes)", i, len(got), len(tarball))
		}
	}
	rc, err := ls[0].Compressed()
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	gz, err := io.ReadAll(rc)
	if err != nil {
		t.Fatal(err)
	}
	// The gzip header: magic, deflate, no flags (no name), mtime 0.
	if !bytes.Equal(gz[:8], []byte{0x1f, 0x8b, 8, 0, 0, 0, 0, 0}) {
		t.Errorf("gzip header % x carries a name, flags or mtime", gz[:10])
	}
	zr, err := gzip.NewReader(bytes.NewReader(gz)) // the stdlib reader agrees
	if err != nil {
		t.Fatal(err)
	}
	if got, err := io.ReadAll(zr); err != nil || !bytes.Equal(got, tarball) {
		t.Errorf("compress/gzip reads back %d bytes, err %v; want the tar", len(got), err)
	}
}

// The golden digests pin the layer compression and the config encoding:
// they change only when GzipLevel, klauspost/compress's deflate, the config
// layout or archive/tar's output changes, and never with the host.
func TestNewImageGoldenDigests(t *testing.T) {
	if v := os.Getenv("PLINTH_OCI_TEST_UMASK"); v != "" { // set by TestDigestsIgnoreHost
		mask, err := strconv.ParseUint(v, 8, 32)
		if err != nil {
			t.Fatal(err)
		}
		syscall.Umask(int(mask))
	}
	cfg := amd64Config()
	cfg.Created = time.Unix(epoch.Unix(), 0) // in time.Local, which TZ sets
	img := newTestImage(t, cfg)
	m, err := img.Manifest()
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{
		"layer":    m.Layers[0].Digest.String(),
		"config":   m.Config.Digest.String(),
		"manifest": digestOf(t, img).String(),
	}
	want := map[string]string{
		"layer":    "sha256:eb80dd67996e98402777d640e7ee140313b71d1b92e01b5698542a3537730b72",
		"config":   "sha256:d0191315e0c6159da6e32225a912537fd065d5a4f35a6a826f1a673f1f3734d2",
		"manifest": "sha256:374ab514718e2dd84719e847da79871e2643f6732658f4f2dd972a7e2de024ea",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("digests (-want +got):\n%s", diff)
	}
}

// TestDigestsIgnoreHost reruns the golden test in processes with other time
// zones and umasks.
func TestDigestsIgnoreHost(t *testing.T) {
	if testing.Short() {
		t.Skip("spawns test processes")
	}
	for _, env := range [][]string{
		{"TZ=Pacific/Kiritimati", "PLINTH_OCI_TEST_UMASK=077"},
		{"TZ=America/St_Johns", "PLINTH_OCI_TEST_UMASK=000"},
		{"TZ=", "PLINTH_OCI_TEST_UMASK=022"},
	} {
		t.Run(strings.Join(env, " "), func(t *testing.T) {
			cmd := exec.Command(os.Args[0], "-test.run=^TestNewImageGoldenDigests$", "-test.count=1", "-test.v")
			cmd.Env = append(os.Environ(), env...)
			out, err := cmd.CombinedOutput()
			if err != nil || !bytes.Contains(out, []byte("--- PASS: TestNewImageGoldenDigests")) {
				t.Errorf("golden digests differ under %v: %v\n%s", env, err, out)
			}
		})
	}
}

func TestNewImageDeterministic(t *testing.T) {
	base := digestOf(t, newTestImage(t, amd64Config()))
	zones := []*time.Location{
		time.FixedZone("UTC+14", 14*3600),
		time.FixedZone("UTC-11", -11*3600),
		time.UTC,
	}
	for _, loc := range zones {
		t.Run(loc.String(), func(t *testing.T) {
			cfg := amd64Config()
			cfg.Created = epoch.In(loc)
			if got := digestOf(t, newTestImage(t, cfg)); got != base {
				t.Errorf("digest %s with Created in %s, want %s", got, loc, base)
			}
		})
	}
	t.Run("rebuild", func(t *testing.T) {
		if got := digestOf(t, newTestImage(t, amd64Config())); got != base {
			t.Errorf("second build digest %s, want %s", got, base)
		}
	})
	t.Run("different config differs", func(t *testing.T) {
		if got := digestOf(t, newTestImage(t, arm64Config())); got == base {
			t.Errorf("arm64 image has the amd64 digest %s", got)
		}
	})
}

// The compressed bytes must not depend on how the source tar is chunked
// (a file, a pipe, a network stream all read differently).
func TestLayerIndependentOfReadSizes(t *testing.T) {
	tarball := testTar(t)
	readers := map[string]func(io.Reader) io.Reader{
		"whole":    func(r io.Reader) io.Reader { return r },
		"one byte": iotest.OneByteReader,
		"half":     iotest.HalfReader,
		"data err": iotest.DataErrReader,
	}
	var want v1.Hash
	for name, wrap := range readers {
		t.Run(name, func(t *testing.T) {
			l, err := compressLayer(func() (io.ReadCloser, error) {
				return io.NopCloser(wrap(bytes.NewReader(tarball))), nil
			})
			if err != nil {
				t.Fatal(err)
			}
			if want == (v1.Hash{}) {
				want = l.digest
			}
			if l.digest != want {
				t.Errorf("digest %s, want %s", l.digest, want)
			}
		})
	}
}

func TestNewImageErrors(t *testing.T) {
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp) // the layer's temporary file goes here
	errOpen := errors.New("no such tar")
	tests := []struct {
		name   string
		opener Opener
		cfg    Config
		want   string
		is     error
	}{
		{name: "nil opener", cfg: amd64Config(), want: "Opener is nil"},
		{
			name:   "open fails",
			opener: func() (io.ReadCloser, error) { return nil, errOpen },
			cfg:    amd64Config(), is: errOpen,
		},
		{
			name: "read fails midway",
			opener: func() (io.ReadCloser, error) {
				r := io.MultiReader(bytes.NewReader(testTar(t)[:4096]), iotest.ErrReader(errBroken))
				return io.NopCloser(r), nil
			},
			cfg: amd64Config(), is: errBroken,
		},
		{name: "no architecture", opener: bytesOpener(testTar(t)), cfg: Config{OS: "linux"}, want: "architecture and os are required"},
		{name: "bad env", opener: bytesOpener(testTar(t)), cfg: func() Config { c := amd64Config(); c.Env = []string{"=x"}; return c }(), want: "not KEY=VALUE"},
		{name: "bad port", opener: bytesOpener(testTar(t)), cfg: func() Config { c := amd64Config(); c.ExposedPorts = []string{"80/xtp"}; return c }(), want: "exposed port"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			img, err := NewImage(tt.opener, tt.cfg)
			if err == nil {
				t.Fatalf("NewImage succeeded with digest %s, want an error", digestOf(t, img))
			}
			if tt.is != nil && !errors.Is(err, tt.is) {
				t.Errorf("error %v, want one wrapping %v", err, tt.is)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q, want it to contain %q", err, tt.want)
			}
			if left, _ := os.ReadDir(tmp); len(left) != 0 {
				t.Errorf("temporary files left behind: %v", left)
			}
		})
	}
}

func TestValidPort(t *testing.T) {
	for p, want := range map[string]bool{
		"8080/tcp": true, "53/udp": true, "9000-9010/sctp": true, "80": true,
		"0": false, "65536": false, "80/xtp": false, "9010-9000": false, "": false, "/tcp": false, "+80": false,
	} {
		if got := validPort(p); got != want {
			t.Errorf("validPort(%q) = %v, want %v", p, got, want)
		}
	}
}
