package debpkg_test

import (
	"archive/tar"
	"bytes"
	"crypto/md5"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/plinth-build/plinth/debpkg"
	"github.com/plinth-build/plinth/debpkg/debtest"
)

// entry is what a test compares of one data.tar entry.
type entry struct {
	Name, Linkname     string
	Type               byte
	Mode               int64
	Uid, Gid           int
	Uname, Gname       string
	Devmajor, Devminor int64
	Data               string
}

// readDeb reads a whole .deb: its control archive and every data entry.
func readDeb(deb []byte, lim debpkg.Limits) (*debpkg.ControlArchive, []entry, error) {
	d := debpkg.NewDebReader(bytes.NewReader(deb), lim)
	defer d.Close()
	c, err := d.Control()
	if err != nil {
		return nil, nil, err
	}
	tr, err := d.Data()
	if err != nil {
		return c, nil, err
	}
	var out []entry
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return c, out, d.Close()
		}
		if err != nil {
			return c, out, err
		}
		data, err := io.ReadAll(tr)
		if err != nil {
			return c, out, err
		}
		out = append(out, entry{
			Name: h.Name, Linkname: h.Linkname, Type: h.Typeflag, Mode: h.Mode,
			Uid: h.Uid, Gid: h.Gid, Uname: h.Uname, Gname: h.Gname,
			Devmajor: h.Devmajor, Devminor: h.Devminor, Data: string(data),
		})
	}
}

// sampleDeb has an entry of every type, setuid bits, owners and scripts.
func sampleDeb(compression string) debtest.Deb {
	return debtest.Deb{
		Control: debtest.Control("hello", "1:2.10-3+b1", "amd64", "Depends", "libc6 (>= 2.36)"),
		Scripts: map[string]string{
			"postinst":  "#!/bin/sh\nset -e\necho configured\n",
			"prerm":     "#!/bin/sh\nexit 0\n",
			"conffiles": "/etc/hello.conf\n",
			"triggers":  "interest-noawait /usr/share/hello\n",
		},
		Files: []debtest.File{
			{Path: "/etc/hello.conf", Data: []byte("greeting=hi\n")},
			{Path: "/usr/bin/hello", Mode: 0o4755, Data: []byte("\x7fELF binary")},
			{Path: "/usr/bin/hi", Type: tar.TypeSymlink, Linkname: "hello"},
			{Path: "./usr/bin/hello2", Type: tar.TypeLink, Linkname: "/usr/bin/hello"},
			{Path: "/var/mail", Type: tar.TypeDir, Mode: 0o2775, Gid: 8, Gname: "mail"},
			{Path: "/dev/null", Type: tar.TypeChar, Mode: 0o666, Devmajor: 1, Devminor: 3},
			{Path: "/dev/loop0", Type: tar.TypeBlock, Mode: 0o660, Gid: 6, Gname: "disk", Devmajor: 7},
			{Path: "/run/initctl", Type: tar.TypeFifo, Mode: 0o600},
			{Path: "/home/user/.profile", Uid: 1000, Gid: 1000, Uname: "user", Gname: "user", Data: []byte("PATH=/bin\n")},
		},
		Compression: compression,
	}
}

func dir(name string, mode int64) entry {
	return entry{Name: name, Type: tar.TypeDir, Mode: mode, Uname: "root", Gname: "root"}
}

// sampleEntries is the data.tar debtest writes for sampleDeb.
func sampleEntries() []entry {
	return []entry{
		dir("./", 0o755),
		dir("./etc/", 0o755),
		{Name: "./etc/hello.conf", Type: tar.TypeReg, Mode: 0o644, Uname: "root", Gname: "root", Data: "greeting=hi\n"},
		dir("./usr/", 0o755),
		dir("./usr/bin/", 0o755),
		{Name: "./usr/bin/hello", Type: tar.TypeReg, Mode: 0o4755, Uname: "root", Gname: "root", Data: "\x7fELF binary"},
		{Name: "./usr/bin/hi", Type: tar.TypeSymlink, Mode: 0o777, Uname: "root", Gname: "root", Linkname: "hello"},
		{Name: "./usr/bin/hello2", Type: tar.TypeLink, Mode: 0o644, Uname: "root", Gname: "root", Linkname: "./usr/bin/hello"},
		dir("./var/", 0o755),
		{Name: "./var/mail/", Type: tar.TypeDir, Mode: 0o2775, Gid: 8, Uname: "root", Gname: "mail"},
		dir("./dev/", 0o755),
		{Name: "./dev/null", Type: tar.TypeChar, Mode: 0o666, Uname: "root", Gname: "root", Devmajor: 1, Devminor: 3},
		{Name: "./dev/loop0", Type: tar.TypeBlock, Mode: 0o660, Gid: 6, Uname: "root", Gname: "disk", Devmajor: 7},
		dir("./run/", 0o755),
		{Name: "./run/initctl", Type: tar.TypeFifo, Mode: 0o600, Uname: "root", Gname: "root"},
		dir("./home/", 0o755),
		dir("./home/user/", 0o755),
		{Name: "./home/user/.profile", Type: tar.TypeReg, Mode: 0o644, Uid: 1000, Gid: 1000, Uname: "user", Gname: "user", Data: "PATH=/bin\n"},
	}
}

func TestDebReaderRoundTrip(t *testing.T) {
	for _, tc := range []struct {
		data, control string
	}{
		{"gz", ""}, {"xz", ""}, {"zst", ""}, {"bz2", ""}, {"none", ""},
		{"none", "none"}, {"gz", "xz"}, {"xz", "zst"}, {"zst", "gz"},
	} {
		t.Run(tc.data+"/control-"+tc.control, func(t *testing.T) {
			d := sampleDeb(tc.data)
			d.ControlCompression = tc.control
			deb, err := d.Build()
			if err != nil {
				t.Fatal(err)
			}
			c, entries, err := readDeb(deb, debpkg.DefaultLimits())
			if err != nil {
				t.Fatalf("reading: %v", err)
			}
			wantControl := &debpkg.ControlArchive{
				Control: d.Control,
				Files: map[string][]byte{
					"postinst":  []byte(d.Scripts["postinst"]),
					"prerm":     []byte(d.Scripts["prerm"]),
					"conffiles": []byte(d.Scripts["conffiles"]),
					"triggers":  []byte(d.Scripts["triggers"]),
					"md5sums":   []byte(md5sums(t, d.Files)),
				},
				Modes: map[string]int64{
					"control": 0o644, "md5sums": 0o644, "conffiles": 0o644, "triggers": 0o644,
					"postinst": 0o755, "prerm": 0o755,
				},
			}
			if diff := cmp.Diff(wantControl, c); diff != "" {
				t.Errorf("control archive (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(sampleEntries(), entries); diff != "" {
				t.Errorf("data entries (-want +got):\n%s", diff)
			}
		})
	}
}

// md5sums computes the md5sums file independently of debtest.
func md5sums(t *testing.T, files []debtest.File) string {
	t.Helper()
	var b strings.Builder
	for _, f := range files {
		if f.Type == 0 || f.Type == tar.TypeReg {
			fmt.Fprintf(&b, "%x  %s\n", md5.Sum(f.Data), strings.TrimPrefix(strings.TrimPrefix(f.Path, "."), "/"))
		}
	}
	return b.String()
}

func TestDebReaderControlTwiceAndDataFirst(t *testing.T) {
	deb, err := sampleDeb("zst").Build()
	if err != nil {
		t.Fatal(err)
	}
	t.Run("Control twice returns the same archive", func(t *testing.T) {
		d := debpkg.NewDebReader(bytes.NewReader(deb), debpkg.Limits{})
		defer d.Close()
		a, err := d.Control()
		if err != nil {
			t.Fatal(err)
		}
		b, err := d.Control()
		if err != nil || a != b {
			t.Fatalf("second Control() = %p, %v; want %p, nil", b, err, a)
		}
	})
	t.Run("Data without Control reads the control member first", func(t *testing.T) {
		d := debpkg.NewDebReader(bytes.NewReader(deb), debpkg.Limits{})
		defer d.Close()
		tr, err := d.Data()
		if err != nil {
			t.Fatal(err)
		}
		h, err := tr.Next()
		if err != nil || h.Name != "./" {
			t.Fatalf("first entry = %v, %v; want ./", h, err)
		}
		if _, err := d.Data(); err == nil {
			t.Error("second Data() succeeded; want an error")
		}
	})
}

// TestDebReaderVariants covers archives that are unusual but valid.
func TestDebReaderVariants(t *testing.T) {
	base := debtest.Deb{
		Control: debtest.Control("v", "1", "all"),
		Files:   []debtest.File{{Path: "/f", Data: []byte("odd")}},
	}
	for _, tc := range []struct {
		name string
		deb  func(d *debtest.Deb)
	}{
		{"debian-binary 2.1", func(d *debtest.Deb) { d.DebianBinary = "2.1\n" }},
		{"debian-binary without newline", func(d *debtest.Deb) { d.DebianBinary = "2.0" }},
		{"underscore members are skipped", func(d *debtest.Deb) {
			d.Tamper = func(m []debtest.Member) []debtest.Member {
				return []debtest.Member{m[0], {Name: "_gpgorigin", Data: []byte("sig")}, m[1], {Name: "_extra", Data: []byte("x")}, m[2]}
			}
		}},
		{"GNU names end in a slash", func(d *debtest.Deb) {
			d.Tamper = func(m []debtest.Member) []debtest.Member {
				for i := range m {
					m[i].Name += "/"
				}
				return m
			}
		}},
		{"BSD long names", func(d *debtest.Deb) {
			d.Tamper = func(m []debtest.Member) []debtest.Member {
				return []debtest.Member{m[0], m[1], {Name: "_a member name longer than sixteen", Data: []byte("x")}, m[2]}
			}
		}},
		{"members after data.tar are ignored", func(d *debtest.Deb) {
			d.Tamper = func(m []debtest.Member) []debtest.Member {
				return append(m, debtest.Member{Name: "trailer", Data: []byte("junk")})
			}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := base
			tc.deb(&d)
			deb, err := d.Build()
			if err != nil {
				t.Fatal(err)
			}
			c, entries, err := readDeb(deb, debpkg.Limits{})
			if err != nil {
				t.Fatal(err)
			}
			if got := c.Control.Get("Package"); got != "v" {
				t.Errorf("Package = %q, want v", got)
			}
			if len(entries) != 2 || entries[1].Data != "odd" {
				t.Errorf("entries = %+v, want ./ and ./f", entries)
			}
		})
	}
}

// errKind is the error a malformed input must give.
type errKind int

const (
	formatErr errKind = iota // *debpkg.FormatError
	tooLarge                 // wraps debpkg.ErrTooLarge
	tarErr                   // an error from archive/tar (bad data.tar content)
)

func TestDebReaderMalformed(t *testing.T) {
	good := func(t *testing.T, d debtest.Deb) []byte {
		t.Helper()
		if d.Control.Fields == nil {
			d.Control = debtest.Control("m", "1", "all")
		}
		if d.Files == nil {
			d.Files = []debtest.File{{Path: "/usr/share/m/data", Data: bytes.Repeat([]byte("plinth "), 2000)}}
		}
		b, err := d.Build()
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	tamper := func(f func([]debtest.Member) []debtest.Member) debtest.Deb {
		return debtest.Deb{Tamper: f}
	}
	rawTar := func(files ...debtest.File) []byte {
		b, err := debtest.Tar(files...)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	for _, tc := range []struct {
		name   string
		deb    func(t *testing.T) []byte
		lim    debpkg.Limits
		want   errKind
		member string // the FormatError's Member, when want is formatErr
	}{
		{name: "empty input", deb: func(t *testing.T) []byte { return nil }},
		{name: "bad magic", deb: func(t *testing.T) []byte { return []byte("PK\x03\x04 this is a zip file") }},
		{name: "magic only", deb: func(t *testing.T) []byte { return []byte("!<arch>\n") }},
		{name: "truncated magic", deb: func(t *testing.T) []byte { return []byte("!<ar") }},
		{name: "truncated member header", deb: func(t *testing.T) []byte { return good(t, debtest.Deb{})[:8+30] }},
		{name: "truncated debian-binary", member: "debian-binary", deb: func(t *testing.T) []byte { return good(t, debtest.Deb{})[:8+60+2] }},
		{name: "truncated control member", member: "control.tar.xz", deb: func(t *testing.T) []byte { return good(t, debtest.Deb{})[:8+60+4+60+40] }},
		{name: "truncated data member", member: "data.tar.xz", deb: func(t *testing.T) []byte {
			b := good(t, debtest.Deb{})
			return b[:len(b)-20]
		}},
		{name: "truncated uncompressed data member", member: "data.tar", deb: func(t *testing.T) []byte {
			b := good(t, debtest.Deb{Compression: "none"})
			return b[:len(b)-8000]
		}},
		{name: "bad size field", member: "control.tar.xz", deb: func(t *testing.T) []byte {
			return good(t, tamper(func(m []debtest.Member) []debtest.Member { m[1].Size = "12x"; return m }))
		}},
		{name: "negative size field", member: "control.tar.xz", deb: func(t *testing.T) []byte {
			return good(t, tamper(func(m []debtest.Member) []debtest.Member { m[1].Size = "-1"; return m }))
		}},
		{name: "empty size field", member: "data.tar.xz", deb: func(t *testing.T) []byte {
			return good(t, tamper(func(m []debtest.Member) []debtest.Member { m[2].Size = " "; return m }))
		}},
		{name: "size field past the end", member: "data.tar.xz", deb: func(t *testing.T) []byte {
			return good(t, tamper(func(m []debtest.Member) []debtest.Member { m[2].Size = "999999"; return m }))
		}},
		{name: "member larger than MaxMemberSize", want: tooLarge, lim: debpkg.Limits{MaxMemberSize: 1000}, deb: func(t *testing.T) []byte {
			return good(t, debtest.Deb{Compression: "none"})
		}},
		{name: "bad header terminator", member: "debian-binary", deb: func(t *testing.T) []byte {
			b := good(t, debtest.Deb{})
			b[8+58] = 'X'
			return b
		}},
		{name: "GNU long name reference", member: "/0", deb: func(t *testing.T) []byte {
			return good(t, tamper(func(m []debtest.Member) []debtest.Member { m[1].Name = "/0"; return m }))
		}},
		{name: "BSD long name longer than the member", member: "#1/23", deb: func(t *testing.T) []byte {
			return good(t, tamper(func(m []debtest.Member) []debtest.Member {
				return []debtest.Member{m[0], {Name: "_long name that is long", Size: "3"}, m[1], m[2]}
			}))
		}},
		{name: "not a deb: first member", member: "control.tar.xz", deb: func(t *testing.T) []byte {
			return good(t, tamper(func(m []debtest.Member) []debtest.Member { return m[1:] }))
		}},
		{name: "debian-binary 3.0", member: "debian-binary", deb: func(t *testing.T) []byte {
			return good(t, debtest.Deb{DebianBinary: "3.0\n"})
		}},
		{name: "debian-binary 2.", member: "debian-binary", deb: func(t *testing.T) []byte {
			return good(t, debtest.Deb{DebianBinary: "2.\n"})
		}},
		{name: "debian-binary too long", member: "debian-binary", deb: func(t *testing.T) []byte {
			return good(t, debtest.Deb{DebianBinary: "2.0\n" + strings.Repeat("x", 2000)})
		}},
		{name: "data before control", member: "data.tar.xz", deb: func(t *testing.T) []byte {
			return good(t, tamper(func(m []debtest.Member) []debtest.Member { return []debtest.Member{m[0], m[2], m[1]} }))
		}},
		{name: "two control members", member: "control.tar.xz", deb: func(t *testing.T) []byte {
			return good(t, tamper(func(m []debtest.Member) []debtest.Member { return []debtest.Member{m[0], m[1], m[1], m[2]} }))
		}},
		{name: "missing control member", member: "control.tar", deb: func(t *testing.T) []byte {
			return good(t, tamper(func(m []debtest.Member) []debtest.Member { return m[:1] }))
		}},
		{name: "missing data member", member: "data.tar", deb: func(t *testing.T) []byte {
			return good(t, tamper(func(m []debtest.Member) []debtest.Member { return m[:2] }))
		}},
		{name: "unknown data compression", member: "data.tar.lz4", deb: func(t *testing.T) []byte {
			return good(t, tamper(func(m []debtest.Member) []debtest.Member { m[2].Name = "data.tar.lz4"; return m }))
		}},
		{name: "bzip2 control member", member: "control.tar.bz2", deb: func(t *testing.T) []byte {
			return good(t, debtest.Deb{Compression: "bz2", ControlCompression: "bz2"})
		}},
		{name: "compression does not match the name", member: "control.tar.zst", deb: func(t *testing.T) []byte {
			return good(t, tamper(func(m []debtest.Member) []debtest.Member { m[1].Name = "control.tar.zst"; return m }))
		}},
		{name: "corrupt xz data", member: "data.tar.xz", deb: func(t *testing.T) []byte {
			b := good(t, debtest.Deb{})
			b[len(b)-100] ^= 0xff
			return b
		}},
		{name: "corrupt gzip checksum", member: "data.tar.gz", deb: func(t *testing.T) []byte {
			return good(t, debtest.Deb{Compression: "gz", Tamper: func(m []debtest.Member) []debtest.Member {
				m[2].Data[len(m[2].Data)-8] ^= 0xff // CRC-32
				return m
			}})
		}},
		{name: "corrupt zstd data", member: "data.tar.zst", deb: func(t *testing.T) []byte {
			b := good(t, debtest.Deb{Compression: "zst"})
			b[len(b)-30] ^= 0xff
			return b
		}},
		{name: "corrupt bzip2 checksum", member: "data.tar.bz2", deb: func(t *testing.T) []byte {
			return good(t, debtest.Deb{Compression: "bz2", Tamper: func(m []debtest.Member) []debtest.Member {
				m[2].Data[len(m[2].Data)-2] ^= 0xff // stream CRC
				return m
			}})
		}},
		{name: "garbage after the gzip stream", member: "data.tar.gz", deb: func(t *testing.T) []byte {
			return good(t, debtest.Deb{Compression: "gz", Tamper: func(m []debtest.Member) []debtest.Member {
				m[2].Data = append(m[2].Data, "garbage"...)
				return m
			}})
		}},
		{name: "no control file", member: "control.tar.xz", deb: func(t *testing.T) []byte {
			return good(t, debtest.Deb{RawControlTar: rawTar(debtest.File{Path: "./postinst", Data: []byte("#!/bin/sh\n")})})
		}},
		{name: "control file is a symlink", member: "control.tar.xz", deb: func(t *testing.T) []byte {
			return good(t, debtest.Deb{RawControlTar: rawTar(debtest.File{Path: "./control", Type: tar.TypeSymlink, Linkname: "/etc/shadow"})})
		}},
		{name: "duplicate control file", member: "control.tar.xz", deb: func(t *testing.T) []byte {
			f := debtest.File{Path: "./control", Data: []byte("Package: a\n")}
			return good(t, debtest.Deb{RawControlTar: rawTar(f, f)})
		}},
		{name: "control file not deb822", member: "control.tar.xz", deb: func(t *testing.T) []byte {
			return good(t, debtest.Deb{RawControlTar: rawTar(debtest.File{Path: "./control", Data: []byte("not a field\n")})})
		}},
		{name: "control.tar is not a tar", member: "control.tar.xz", deb: func(t *testing.T) []byte {
			return good(t, debtest.Deb{RawControlTar: bytes.Repeat([]byte("garbage!"), 200)})
		}},
		{name: "control bomb past MaxControlSize", want: tooLarge, lim: debpkg.Limits{MaxControlSize: 64 << 10}, deb: func(t *testing.T) []byte {
			scripts := map[string]string{}
			for i := range 8 { // each entry is under the cap, all of them are not
				scripts[fmt.Sprint("file", i)] = strings.Repeat("\x00", 30<<10)
			}
			return good(t, debtest.Deb{Scripts: scripts})
		}},
		{name: "control entry declaring more than MaxControlSize", want: tooLarge, lim: debpkg.Limits{MaxControlSize: 4 << 10}, deb: func(t *testing.T) []byte {
			return good(t, debtest.Deb{Scripts: map[string]string{"templates": strings.Repeat("x", 5<<10)}})
		}},
		{name: "data bomb past MaxDataSize", want: tooLarge, lim: debpkg.Limits{MaxDataSize: 1 << 20}, deb: func(t *testing.T) []byte {
			return good(t, debtest.Deb{Compression: "zst", Files: []debtest.File{{Path: "/zeros", Data: make([]byte, 8<<20)}}})
		}},
		{name: "data bomb in xz", want: tooLarge, lim: debpkg.Limits{MaxDataSize: 1 << 20}, deb: func(t *testing.T) []byte {
			return good(t, debtest.Deb{Files: []debtest.File{{Path: "/zeros", Data: make([]byte, 4<<20)}}})
		}},
		{name: "data.tar is not a tar", want: tarErr, deb: func(t *testing.T) []byte {
			return good(t, debtest.Deb{RawDataTar: bytes.Repeat([]byte("garbage!"), 200)})
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := readDeb(tc.deb(t), tc.lim)
			if err == nil {
				t.Fatal("read succeeded; want an error")
			}
			t.Logf("error: %v", err)
			var fe *debpkg.FormatError
			switch tc.want {
			case formatErr:
				if !errors.As(err, &fe) {
					t.Fatalf("error %v (%T) is not a *FormatError", err, err)
				}
				if fe.Member != tc.member {
					t.Errorf("FormatError.Member = %q, want %q", fe.Member, tc.member)
				}
			case tooLarge:
				if !errors.Is(err, debpkg.ErrTooLarge) {
					t.Fatalf("error %v does not wrap ErrTooLarge", err)
				}
			case tarErr:
				if errors.Is(err, debpkg.ErrTooLarge) {
					t.Fatalf("error %v wraps ErrTooLarge; want a tar error", err)
				}
			}
		})
	}
}

// TestDebReaderFixtures reads .debs that dpkg-deb built (see testdata/deb/README.md).
func TestDebReaderFixtures(t *testing.T) {
	wantEntries := []string{
		"./", "./etc/", "./etc/hello.conf", "./usr/", "./usr/bin/", "./usr/bin/hello",
		"./usr/share/", "./usr/share/doc/", "./usr/share/doc/hello/",
		"./usr/share/doc/hello/copyright", "./usr/bin/hi",
	}
	for _, name := range []string{"hello_xz.deb", "hello_zstd.deb", "hello_gzip.deb"} {
		t.Run(name, func(t *testing.T) {
			b, err := os.ReadFile(filepath.Join("testdata", "deb", name))
			if err != nil {
				t.Fatal(err)
			}
			c, entries, err := readDeb(b, debpkg.Limits{})
			if err != nil {
				t.Fatal(err)
			}
			var names []string
			for _, e := range entries {
				names = append(names, e.Name)
			}
			checkHello(t, c, entries, wantEntries, names)
		})
	}
}

func checkHello(t *testing.T, c *debpkg.ControlArchive, entries []entry, wantEntries, names []string) {
	t.Helper()
	if got := c.Control.Get("Depends"); got != "libc6 (>= 2.36)" {
		t.Errorf("Depends = %q", got)
	}
	if got := c.Control.Get("Description"); got != "fixture built by dpkg-deb\n A tiny package for the .deb reader tests." {
		t.Errorf("Description = %q", got)
	}
	if got := string(c.Files["postinst"]); got != "#!/bin/sh\nset -e\necho configured\n" {
		t.Errorf("postinst = %q", got)
	}
	if c.Modes["postinst"] != 0o755 {
		t.Errorf("postinst mode = %o, want 755", c.Modes["postinst"])
	}
	if got := string(c.Files["conffiles"]); got != "/etc/hello.conf\n" {
		t.Errorf("conffiles = %q", got)
	}
	for _, e := range entries {
		switch e.Name {
		case "./usr/bin/hello":
			if e.Data != "#!/bin/sh\necho hello\n" || e.Mode != 0o755 || e.Uname != "root" {
				t.Errorf("./usr/bin/hello = %+v", e)
			}
		case "./usr/bin/hi":
			if e.Type != tar.TypeSymlink || e.Linkname != "hello" {
				t.Errorf("./usr/bin/hi = %+v", e)
			}
		}
	}
	if diff := cmp.Diff(wantEntries, names); diff != "" {
		t.Errorf("entries (-want +got):\n%s", diff)
	}
}

// dpkgDeb returns the path of dpkg-deb, or skips the test.
func dpkgDeb(t *testing.T) string {
	t.Helper()
	p, err := exec.LookPath("dpkg-deb")
	if err != nil {
		t.Skip("dpkg-deb is not installed (apt-get install dpkg): skipping the cross-check with dpkg")
	}
	return p
}

// TestDpkgDebReadsDebtest checks that dpkg-deb reads what debtest builds
// exactly as DebReader does.
func TestDpkgDebReadsDebtest(t *testing.T) {
	dpkg := dpkgDeb(t)
	for _, comp := range []string{"gz", "xz", "zst", "bz2", "none"} {
		t.Run(comp, func(t *testing.T) {
			d := sampleDeb(comp)
			b, err := d.Build()
			if err != nil {
				t.Fatal(err)
			}
			deb := filepath.Join(t.TempDir(), "hello.deb")
			if err := os.WriteFile(deb, b, 0o644); err != nil {
				t.Fatal(err)
			}
			run := func(args ...string) []byte {
				t.Helper()
				cmd := exec.Command(dpkg, args...)
				var stderr bytes.Buffer
				cmd.Stderr = &stderr
				out, err := cmd.Output()
				if err != nil {
					t.Fatalf("dpkg-deb %s: %v\n%s", strings.Join(args, " "), err, stderr.Bytes())
				}
				return out
			}
			if info := string(run("--info", deb)); !strings.Contains(info, "Package: hello") || !strings.Contains(info, "postinst") {
				t.Errorf("dpkg-deb --info shows neither the control file nor postinst:\n%s", info)
			}
			if got := string(run("--field", deb, "Version")); got != "1:2.10-3+b1\n" {
				t.Errorf("dpkg-deb --field Version = %q", got)
			}
			c, entries, err := readDeb(b, debpkg.DefaultLimits())
			if err != nil {
				t.Fatal(err)
			}
			// dpkg's decompression of the data member gives the same entries.
			if diff := cmp.Diff(entries, tarEntries(t, run("--fsys-tarfile", deb))); diff != "" {
				t.Errorf("dpkg-deb --fsys-tarfile (-DebReader +dpkg):\n%s", diff)
			}
			ctl := tarEntries(t, run("--ctrl-tarfile", deb))
			if len(ctl) != len(c.Files)+2 { // "./" and "./control"
				t.Errorf("dpkg-deb --ctrl-tarfile has %d entries, DebReader %d files", len(ctl), len(c.Files))
			}
			for _, e := range ctl {
				name := strings.TrimPrefix(e.Name, "./")
				if e.Type == tar.TypeReg && name != "control" && (string(c.Files[name]) != e.Data || c.Modes[name] != e.Mode) {
					t.Errorf("control file %s: dpkg reads %q mode %o; DebReader %q mode %o", name, e.Data, e.Mode, c.Files[name], c.Modes[name])
				}
			}
			contents := strings.Split(strings.TrimSpace(string(run("--contents", deb))), "\n")
			if len(contents) != len(entries) {
				t.Errorf("dpkg-deb --contents lists %d entries, want %d:\n%s", len(contents), len(entries), strings.Join(contents, "\n"))
			}
			for i, line := range contents {
				if i < len(entries) && !strings.Contains(line, " "+entries[i].Name) {
					t.Errorf("dpkg-deb --contents line %d = %q, want entry %s", i, line, entries[i].Name)
				}
			}
		})
	}
}

func tarEntries(t *testing.T, b []byte) []entry {
	t.Helper()
	tr := tar.NewReader(bytes.NewReader(b))
	var out []entry
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return out
		}
		if err != nil {
			t.Fatalf("reading dpkg-deb's tar: %v", err)
		}
		data, err := io.ReadAll(tr)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, entry{
			Name: h.Name, Linkname: h.Linkname, Type: h.Typeflag, Mode: h.Mode,
			Uid: h.Uid, Gid: h.Gid, Uname: h.Uname, Gname: h.Gname,
			Devmajor: h.Devmajor, Devminor: h.Devminor, Data: string(data),
		})
	}
}

// TestDebReaderReadsDpkgDeb builds the testdata package with dpkg-deb
// --build, with every compressor this dpkg-deb has, and reads it.
func TestDebReaderReadsDpkgDeb(t *testing.T) {
	dpkg := dpkgDeb(t)
	root := filepath.Join(t.TempDir(), "pkg")
	files := []struct {
		path string
		mode os.FileMode
		data string
	}{
		{"DEBIAN/control", 0o644, "Package: hello\nVersion: 1.0-1\nArchitecture: all\n" +
			"Maintainer: plinth tests <tests@plinth.invalid>\nDepends: libc6 (>= 2.36)\n" +
			"Description: fixture built by dpkg-deb\n A tiny package for the .deb reader tests.\n"},
		{"DEBIAN/postinst", 0o755, "#!/bin/sh\nset -e\necho configured\n"},
		{"DEBIAN/conffiles", 0o644, "/etc/hello.conf\n"},
		{"etc/hello.conf", 0o644, "greeting=hi\n"},
		{"usr/bin/hello", 0o755, "#!/bin/sh\necho hello\n"},
		{"usr/share/doc/hello/copyright", 0o644, "copyright\n"},
	}
	for _, f := range files {
		p := filepath.Join(root, f.path)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(f.data), f.mode); err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(p, f.mode); err != nil { // whatever the umask
			t.Fatal(err)
		}
	}
	if err := os.Symlink("hello", filepath.Join(root, "usr/bin/hi")); err != nil {
		t.Fatal(err)
	}
	for _, d := range []string{"", "DEBIAN", "etc", "usr", "usr/bin", "usr/share", "usr/share/doc", "usr/share/doc/hello"} {
		if err := os.Chmod(filepath.Join(root, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	for _, z := range []string{"gzip", "xz", "zstd", "none"} {
		t.Run(z, func(t *testing.T) {
			deb := filepath.Join(t.TempDir(), "hello.deb")
			out, err := exec.Command(dpkg, "--root-owner-group", "-Z"+z, "--build", root, deb).CombinedOutput()
			if err != nil {
				if bytes.Contains(out, []byte("unknown compress")) {
					t.Skipf("this dpkg-deb cannot compress with %s: %s", z, out)
				}
				t.Fatalf("dpkg-deb --build -Z%s: %v\n%s", z, err, out)
			}
			b, err := os.ReadFile(deb)
			if err != nil {
				t.Fatal(err)
			}
			c, entries, err := readDeb(b, debpkg.DefaultLimits())
			if err != nil {
				t.Fatal(err)
			}
			var names []string
			for _, e := range entries {
				names = append(names, e.Name)
			}
			slices.Sort(names) // dpkg-deb's order follows the file system
			checkHello(t, c, entries, []string{
				"./", "./etc/", "./etc/hello.conf", "./usr/", "./usr/bin/", "./usr/bin/hello", "./usr/bin/hi",
				"./usr/share/", "./usr/share/doc/", "./usr/share/doc/hello/", "./usr/share/doc/hello/copyright",
			}, names)
		})
	}
}

// BenchmarkDebExtract reads a .deb with a ~20 MB data.tar through DebReader.
func BenchmarkDebExtract(b *testing.B) {
	files, size := benchFiles()
	for _, comp := range []string{"gz", "xz", "zst"} {
		d := debtest.Deb{Control: debtest.Control("big", "1", "amd64"), Files: files, Compression: comp}
		if comp == "xz" {
			d.Compression, d.ControlCompression, d.Tamper = "none", "xz", xzWithLiblzma(b)
		}
		deb, err := d.Build()
		if err != nil {
			b.Fatal(err)
		}
		b.Run(comp, func(b *testing.B) {
			b.SetBytes(size)
			b.ReportAllocs()
			buf := make([]byte, 128<<10)
			for b.Loop() {
				d := debpkg.NewDebReader(bytes.NewReader(deb), debpkg.Limits{})
				tr, err := d.Data()
				if err != nil {
					b.Fatal(err)
				}
				for {
					if _, err := tr.Next(); err == io.EOF {
						break
					} else if err != nil {
						b.Fatal(err)
					}
					if _, err := io.CopyBuffer(io.Discard, tr, buf); err != nil {
						b.Fatal(err)
					}
				}
				if err := d.Close(); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// xzWithLiblzma compresses the data member with the xz command when it is
// installed, so that the benchmark decodes what real packages hold (and its
// setup does not wait for the slower pure-Go encoder), else with debtest.
func xzWithLiblzma(b *testing.B) func([]debtest.Member) []debtest.Member {
	return func(m []debtest.Member) []debtest.Member {
		var out []byte
		var err error
		if _, lookErr := exec.LookPath("xz"); lookErr == nil {
			cmd := exec.Command("xz", "-6", "--threads=1", "--stdout")
			cmd.Stdin = bytes.NewReader(m[2].Data)
			out, err = cmd.Output()
		} else {
			out, err = debtest.Compress("xz", m[2].Data)
		}
		if err != nil {
			b.Fatalf("compressing data.tar with xz: %v", err)
		}
		m[2] = debtest.Member{Name: "data.tar.xz", Data: out}
		return m
	}
}

// benchFiles makes ~20 MB of files that compress about as well as a
// package's binaries and text do (about 3:1), and their total size.
func benchFiles() ([]debtest.File, int64) {
	rng := rand.New(rand.NewPCG(1, 2))
	words := make([][]byte, 1024)
	for i := range words {
		w := make([]byte, 2+rng.IntN(10))
		for j := range w {
			w[j] = byte('a' + rng.IntN(26))
		}
		words[i] = w
	}
	var files []debtest.File
	var total int64
	for i := 0; total < 20<<20; i++ {
		var data []byte
		for len(data) < 256<<10 {
			if rng.IntN(24) == 0 { // a run of noise, like machine code
				for range 24 {
					data = append(data, byte(rng.Uint32()))
				}
			}
			data = append(data, words[rng.IntN(len(words))]...)
			data = append(data, ' ')
		}
		files = append(files, debtest.File{Path: fmt.Sprintf("/usr/lib/big/f%03d", i), Data: data})
		total += int64(len(data))
	}
	return files, total
}
