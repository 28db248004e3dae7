package debpkg_test

import (
	"archive/tar"
	"bytes"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/plinth-build/plinth/debpkg"
	"github.com/plinth-build/plinth/debpkg/debtest"
)

// FuzzDebReader feeds arbitrary bytes to DebReader, seeded with small .debs
// of every compression: it must never panic, and must stay within Limits.
func FuzzDebReader(f *testing.F) {
	for _, comp := range []string{"gz", "xz", "zst", "bz2", "none"} {
		deb, err := debtest.Deb{
			Control: debtest.Control("fuzz", "1.0", "all"),
			Scripts: map[string]string{"postinst": "#!/bin/sh\n"},
			Files: []debtest.File{
				{Path: "/usr/bin/f", Mode: 0o755, Data: []byte("#!/bin/sh\necho f\n")},
				{Path: "/usr/bin/g", Type: tar.TypeSymlink, Linkname: "f"},
			},
			Compression: comp,
		}.Build()
		if err != nil {
			f.Fatal(err)
		}
		f.Add(deb)
	}
	fixtures, _ := filepath.Glob(filepath.Join("testdata", "deb", "*.deb"))
	for _, name := range fixtures {
		b, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	lim := debpkg.Limits{MaxControlSize: 1 << 20, MaxDataSize: 4 << 20, MaxMemberSize: 1 << 20}
	f.Fuzz(func(t *testing.T, deb []byte) {
		d := debpkg.NewDebReader(bytes.NewReader(deb), lim)
		defer d.Close()
		c, err := d.Control()
		if err != nil {
			return
		}
		if c.Files == nil || c.Modes == nil {
			t.Fatal("Control() succeeded with nil maps")
		}
		tr, err := d.Data()
		if err != nil {
			return
		}
		var total int64
		for {
			if _, err := tr.Next(); err != nil {
				return
			}
			n, err := io.Copy(io.Discard, tr)
			total += n
			if total > lim.MaxDataSize {
				t.Fatalf("read %d bytes of data, over MaxDataSize %d", total, lim.MaxDataSize)
			}
			if err != nil {
				return
			}
		}
	})
}
