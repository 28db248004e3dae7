package debtest_test

import (
	"archive/tar"
	"bytes"
	"compress/bzip2"
	"compress/gzip"
	"crypto/md5"
	"fmt"
	"io"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/klauspost/compress/zstd"
	"github.com/plinth-build/plinth/debpkg"
	"github.com/plinth-build/plinth/debpkg/debtest"
	"github.com/xi2/xz"
)

type member struct {
	Name, Header string
	Data         []byte
}

// splitAr parses an ar archive independently of debpkg.
func splitAr(t *testing.T, b []byte) []member {
	t.Helper()
	if !bytes.HasPrefix(b, []byte("!<arch>\n")) {
		t.Fatalf("no ar magic: %q", b[:min(8, len(b))])
	}
	b = b[8:]
	var out []member
	for len(b) > 0 {
		if len(b) < 60 {
			t.Fatalf("short header %q", b)
		}
		h := string(b[:60])
		size, err := strconv.Atoi(strings.TrimSpace(h[48:58]))
		if err != nil || h[58:] != "`\n" {
			t.Fatalf("bad header %q", h)
		}
		b = b[60:]
		out = append(out, member{Name: strings.TrimSpace(h[:16]), Header: h, Data: b[:size]})
		b = b[size+size%2:]
	}
	return out
}

func decompress(t *testing.T, name string, b []byte) []byte {
	t.Helper()
	var r io.Reader
	var err error
	switch {
	case strings.HasSuffix(name, ".gz"):
		r, err = gzip.NewReader(bytes.NewReader(b))
	case strings.HasSuffix(name, ".xz"):
		r, err = xz.NewReader(bytes.NewReader(b), 0)
	case strings.HasSuffix(name, ".zst"):
		var d *zstd.Decoder
		d, err = zstd.NewReader(bytes.NewReader(b))
		if err == nil {
			defer d.Close()
			r = d
		}
	case strings.HasSuffix(name, ".bz2"):
		r = bzip2.NewReader(bytes.NewReader(b))
	default:
		return b
	}
	if err != nil {
		t.Fatalf("decompressing %s: %v", name, err)
	}
	out, err := io.ReadAll(r)
	if err != nil {
		t.Fatalf("decompressing %s: %v", name, err)
	}
	return out
}

type tarEntry struct {
	Name     string
	Type     byte
	Mode     int64
	Uid, Gid int
	Uname    string
	Gname    string
	Linkname string
	Data     string
}

func readTar(t *testing.T, b []byte) []tarEntry {
	t.Helper()
	tr := tar.NewReader(bytes.NewReader(b))
	var out []tarEntry
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return out
		}
		if err != nil {
			t.Fatalf("reading tar: %v", err)
		}
		data, err := io.ReadAll(tr)
		if err != nil {
			t.Fatalf("reading tar entry %s: %v", h.Name, err)
		}
		out = append(out, tarEntry{h.Name, h.Typeflag, h.Mode, h.Uid, h.Gid, h.Uname, h.Gname, h.Linkname, string(data)})
	}
}

func TestBuildMembers(t *testing.T) {
	for _, tc := range []struct {
		compression, control string
		want                 []string
	}{
		{"", "", []string{"debian-binary", "control.tar.xz", "data.tar.xz"}},
		{"xz", "", []string{"debian-binary", "control.tar.xz", "data.tar.xz"}},
		{"zst", "", []string{"debian-binary", "control.tar.zst", "data.tar.zst"}},
		{"gz", "", []string{"debian-binary", "control.tar.gz", "data.tar.gz"}},
		{"bz2", "", []string{"debian-binary", "control.tar.gz", "data.tar.bz2"}},
		{"none", "", []string{"debian-binary", "control.tar.gz", "data.tar"}},
		{"none", "none", []string{"debian-binary", "control.tar", "data.tar"}},
	} {
		t.Run(tc.compression+"/"+tc.control, func(t *testing.T) {
			d := debtest.Deb{
				Control:            debtest.Control("a", "1", "all"),
				Files:              []debtest.File{{Path: "/a", Data: []byte("odd")}},
				Compression:        tc.compression,
				ControlCompression: tc.control,
			}
			b, err := d.Build()
			if err != nil {
				t.Fatal(err)
			}
			members := splitAr(t, b)
			var names []string
			for _, m := range members {
				names = append(names, m.Name)
				if got := m.Header[16:48]; got != fmt.Sprintf("%-12d%-6d%-6d%-8s", debtest.ModTimeUnix, 0, 0, "100644") {
					t.Errorf("%s: header fields %q", m.Name, got)
				}
				decompress(t, m.Name, m.Data) // every member decodes
			}
			if diff := cmp.Diff(tc.want, names); diff != "" {
				t.Errorf("members (-want +got):\n%s", diff)
			}
			if string(members[0].Data) != "2.0\n" {
				t.Errorf("debian-binary = %q", members[0].Data)
			}
			again, err := d.Build()
			if err != nil || !bytes.Equal(b, again) {
				t.Errorf("a second Build differs (err %v): builds are not reproducible", err)
			}
		})
	}
}

func TestBuildTars(t *testing.T) {
	d := debtest.Deb{
		Control: debtest.Control("hello", "1.0", "amd64", "Depends", "libc6"),
		Scripts: map[string]string{"postinst": "#!/bin/sh\n", "conffiles": "/etc/h.conf\n"},
		Files: []debtest.File{
			{Path: "/usr/bin/hello", Mode: 0o755, Data: []byte("bin")},
			{Path: "usr/bin/hi", Type: tar.TypeSymlink, Linkname: "hello"},
			{Path: "./usr/bin/hello2", Type: tar.TypeLink, Linkname: "usr/bin/hello"},
			{Path: "/etc/h.conf", Data: []byte("x=1\n")},
			{Path: "/var/mail/", Type: tar.TypeDir, Mode: 0o2775, Gid: 8, Gname: "mail"},
			{Path: "/var/mail/root", Uid: 0, Gid: 8, Gname: "mail", Mode: 0o660},
		},
		Compression: "gz",
	}
	b, err := d.Build()
	if err != nil {
		t.Fatal(err)
	}
	members := splitAr(t, b)
	dir := func(name string) tarEntry {
		return tarEntry{Name: name, Type: tar.TypeDir, Mode: 0o755, Uname: "root", Gname: "root"}
	}
	reg := func(name string, mode int64, data string) tarEntry {
		return tarEntry{Name: name, Type: tar.TypeReg, Mode: mode, Uname: "root", Gname: "root", Data: data}
	}
	t.Run("control.tar", func(t *testing.T) {
		md5sums := fmt.Sprintf("%x  usr/bin/hello\n%x  etc/h.conf\n%x  var/mail/root\n",
			md5.Sum([]byte("bin")), md5.Sum([]byte("x=1\n")), md5.Sum(nil))
		want := []tarEntry{
			dir("./"),
			reg("./control", 0o644, "Package: hello\nVersion: 1.0\nArchitecture: amd64\n"+
				"Maintainer: plinth tests <tests@plinth.invalid>\nDepends: libc6\nDescription: test package hello\n"),
			reg("./conffiles", 0o644, "/etc/h.conf\n"),
			reg("./md5sums", 0o644, md5sums),
			reg("./postinst", 0o755, "#!/bin/sh\n"),
		}
		got := readTar(t, decompress(t, members[1].Name, members[1].Data))
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("control.tar (-want +got):\n%s", diff)
		}
	})
	t.Run("data.tar", func(t *testing.T) {
		want := []tarEntry{
			dir("./"), dir("./usr/"), dir("./usr/bin/"),
			reg("./usr/bin/hello", 0o755, "bin"),
			{Name: "./usr/bin/hi", Type: tar.TypeSymlink, Mode: 0o777, Uname: "root", Gname: "root", Linkname: "hello"},
			{Name: "./usr/bin/hello2", Type: tar.TypeLink, Mode: 0o644, Uname: "root", Gname: "root", Linkname: "./usr/bin/hello"},
			dir("./etc/"),
			reg("./etc/h.conf", 0o644, "x=1\n"),
			dir("./var/"),
			{Name: "./var/mail/", Type: tar.TypeDir, Mode: 0o2775, Gid: 8, Uname: "root", Gname: "mail"},
			{Name: "./var/mail/root", Type: tar.TypeReg, Mode: 0o660, Gid: 8, Uname: "root", Gname: "mail"},
		}
		got := readTar(t, decompress(t, members[2].Name, members[2].Data))
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("data.tar (-want +got):\n%s", diff)
		}
	})
}

func TestBuildReadsBack(t *testing.T) {
	d := debtest.Deb{
		Control: debtest.Control("a", "1", "all"),
		Scripts: map[string]string{"md5sums": "given\n"},
		Files:   []debtest.File{{Path: "/a", Data: []byte("a")}},
	}
	b, err := d.Build()
	if err != nil {
		t.Fatal(err)
	}
	r := debpkg.NewDebReader(bytes.NewReader(b), debpkg.DefaultLimits())
	defer r.Close()
	c, err := r.Control()
	if err != nil {
		t.Fatal(err)
	}
	if got := string(c.Files["md5sums"]); got != "given\n" {
		t.Errorf("md5sums = %q; Scripts[\"md5sums\"] should replace the generated one", got)
	}
}

func TestTamper(t *testing.T) {
	b, err := debtest.Deb{
		Control:      debtest.Control("a", "1", "all"),
		DebianBinary: "3.0\n",
		RawDataTar:   []byte("not a tar"),
		Compression:  "none",
		Tamper: func(m []debtest.Member) []debtest.Member {
			m[1].Size = "77"
			return append(m, debtest.Member{Name: "a name longer than sixteen bytes", Data: []byte("x")})
		},
	}.Build()
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(b, []byte("debian-binary   1704067200  0     0     100644  4         `\n3.0\n")) {
		t.Error("DebianBinary not written")
	}
	if !bytes.Contains(b, []byte("100644  77        `\n")) {
		t.Error("Member.Size not written verbatim")
	}
	if !bytes.Contains(b, []byte("data.tar        ")) || !bytes.Contains(b, []byte("`\nnot a tar")) {
		t.Error("RawDataTar not written verbatim")
	}
	if !bytes.Contains(b, []byte("#1/32           ")) || !bytes.HasSuffix(b, []byte("a name longer than sixteen bytesx\n")) {
		t.Error("long member name not written BSD style")
	}
}

func TestTarHostile(t *testing.T) {
	long := "./" + strings.Repeat("d/", 5000) + "f"
	files := []debtest.File{
		{Path: "../../etc/passwd", Data: []byte("root::0:0::/:/bin/sh\n")},
		{Path: "/etc/shadow", Data: []byte("x")},
		{Path: long, Data: []byte("deep")},
		{Path: "./weird", Type: 'Z', Data: []byte("??")},
		{Path: "./link", Type: tar.TypeSymlink, Linkname: "../../../../etc/passwd"},
		{Path: "./dup", Data: []byte("1")},
		{Path: "./dup", Data: []byte("2")},
	}
	b, err := debtest.Tar(files...)
	if err != nil {
		t.Fatal(err)
	}
	got := readTar(t, b)
	var want []tarEntry
	for _, f := range files {
		typ := f.Type
		if typ == 0 {
			typ = tar.TypeReg
		}
		mode := int64(0o644)
		if typ == tar.TypeSymlink {
			mode = 0o777
		}
		want = append(want, tarEntry{f.Path, typ, mode, 0, 0, "root", "root", f.Linkname, string(f.Data)})
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("entries (-want +got):\n%s", diff)
	}
}

func TestCompress(t *testing.T) {
	data := bytes.Repeat([]byte("plinth builds base images\n"), 1000)
	for _, c := range []string{"gz", "xz", "zst", "bz2", "none"} {
		t.Run(c, func(t *testing.T) {
			z, err := debtest.Compress(c, data)
			if err != nil {
				t.Fatal(err)
			}
			if got := decompress(t, "x"+debtest.Ext(c), z); !bytes.Equal(got, data) {
				t.Errorf("round trip through %s changed the data", c)
			}
		})
	}
	if _, err := debtest.Compress("lz4", data); err == nil {
		t.Error("Compress(lz4) succeeded; want an error")
	}
}

func TestControl(t *testing.T) {
	got := debtest.Control("libfoo1", "2.0-1", "arm64", "Multi-Arch", "same", "Description", "foo library", "Depends").String()
	want := "Package: libfoo1\nVersion: 2.0-1\nArchitecture: arm64\nMaintainer: plinth tests <tests@plinth.invalid>\n" +
		"Multi-Arch: same\nDescription: foo library\n"
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Control (-want +got):\n%s", diff)
	}
}
