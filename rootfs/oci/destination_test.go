package oci

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	v1 "github.com/google/go-containerregistry/pkg/v1"
)

func TestParseDestination(t *testing.T) {
	good := []struct {
		in   string
		want Destination
	}{
		{"oci:./out/bookworm", Destination{Kind: "oci", Path: "./out/bookworm"}},
		{"oci:/tmp/out:v1.2", Destination{Kind: "oci", Path: "/tmp/out", Ref: "v1.2"}},
		{"oci:out:example.com/base:1", Destination{Kind: "oci", Path: "out", Ref: "example.com/base:1"}},
		{"docker-archive:img.tar", Destination{Kind: "docker-archive", Path: "img.tar"}},
		{"docker-archive:img.tar:plinth/bookworm:latest", Destination{Kind: "docker-archive", Path: "img.tar", Ref: "plinth/bookworm:latest"}},
		{"docker-archive:img.tar:bookworm", Destination{Kind: "docker-archive", Path: "img.tar", Ref: "bookworm"}},
		{"docker://127.0.0.1:5000/plinth/base:1", Destination{Kind: "docker", Ref: "127.0.0.1:5000/plinth/base:1"}},
		{"docker://registry.example/base@sha256:" + strings.Repeat("a", 64), Destination{Kind: "docker", Ref: "registry.example/base@sha256:" + strings.Repeat("a", 64)}},
		{"docker://busybox", Destination{Kind: "docker", Ref: "busybox"}},
		{"dir:./rootfs", Destination{Kind: "dir", Path: "./rootfs"}},
		{"tar:rootfs.tar.xz", Destination{Kind: "tar", Path: "rootfs.tar.xz"}},
	}
	for _, tt := range good {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParseDestination(tt.in)
			if err != nil {
				t.Fatalf("ParseDestination: %v", err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
			if s := got.String(); s != tt.in {
				t.Errorf("String() = %q, want %q", s, tt.in)
			}
		})
	}
	bad := []struct{ in, want string }{
		{"", "no KIND: prefix"},
		{"./out", "no KIND: prefix"},
		{"oci:", "needs a directory"},
		{"oci::tag", "needs a directory"},
		{"oci:out:", "not a valid OCI reference name"},
		{"oci:out:bad tag", "not a valid OCI reference name"},
		{"oci:out:-x", "not a valid OCI reference name"},
		{"docker-archive:", "needs a file"},
		{"docker-archive:f.tar:UPPER/Case", "REF must be a tag"},
		{"docker-archive:f.tar:", "REF must be a tag"},
		{"docker://", "needs an image reference"},
		{"docker://Bad/Name", "docker://Bad/Name"},
		{"docker:busybox", "written docker://REF"},
		{"dir:", "needs a path"},
		{"tar:", "needs a path"},
		{"zip:out.zip", `unknown kind "zip"`},
	}
	for _, tt := range bad {
		t.Run("bad/"+tt.in, func(t *testing.T) {
			d, err := ParseDestination(tt.in)
			if err == nil {
				t.Fatalf("ParseDestination(%q) = %+v, want an error", tt.in, d)
			}
			for _, want := range []string{tt.want, DestinationForms} {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("error %q, want it to contain %q", err, want)
				}
			}
		})
	}
}

func TestValidRefName(t *testing.T) {
	for s, want := range map[string]bool{
		"latest": true, "v1.2.3": true, "a--b": true, "example.com/base:1": true, "a@b+c": true,
		"": false, "-a": false, "a-": false, "a..b": false, "a/": false, "a//b": false, "a---b": false, "a b": false, "ä": false,
	} {
		if got := validRefName(s); got != want {
			t.Errorf("validRefName(%q) = %v, want %v", s, got, want)
		}
	}
}

func TestArchivePath(t *testing.T) {
	tests := []struct {
		path string
		p    v1.Platform
		want string
	}{
		{"out.tar", v1.Platform{Architecture: "amd64"}, "out-amd64.tar"},
		{"dir/out.tar", v1.Platform{Architecture: "arm64", Variant: "v8"}, "dir/out-arm64.tar"},
		{"out.tar.gz", v1.Platform{Architecture: "arm", Variant: "v7"}, "out-armv7.tar.gz"},
		{"out", v1.Platform{Architecture: "arm", Variant: "v6"}, "out-armv6"},
		{"a.b/out.docker", v1.Platform{Architecture: "s390x"}, "a.b/out-s390x.docker"},
	}
	for _, tt := range tests {
		if got := ArchivePath(tt.path, tt.p); got != tt.want {
			t.Errorf("ArchivePath(%q, %v) = %q, want %q", tt.path, tt.p, got, tt.want)
		}
	}
}

func TestIsLoopback(t *testing.T) {
	for reg, want := range map[string]bool{
		"localhost": true, "localhost:5000": true, "127.0.0.1:5000": true, "127.1.2.3": true, "[::1]:5000": true,
		"index.docker.io": false, "10.0.0.1:5000": false, "localhost.example:5000": false,
	} {
		if got := isLoopback(reg); got != want {
			t.Errorf("isLoopback(%q) = %v, want %v", reg, got, want)
		}
	}
}

func FuzzParseDestination(f *testing.F) {
	for _, s := range []string{"oci:out:tag", "docker-archive:f.tar:a/b:c", "docker://localhost:5000/a:b", "dir:x", "tar:y", "oci:a:b:c", "docker:x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, err := ParseDestination(s)
		if err != nil {
			return
		}
		again, err := ParseDestination(d.String())
		if err != nil {
			t.Fatalf("ParseDestination(%q) = %+v, whose String %q does not parse: %v", s, d, d.String(), err)
		}
		if again != d {
			t.Fatalf("round trip of %q: %+v then %+v", s, d, again)
		}
	})
}
