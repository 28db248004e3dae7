package debpkg_test

import (
	"bytes"
	"io"
	"os"
	"os/exec"
	"testing"
	"time"

	"github.com/plinth-build/plinth/debpkg"
	"github.com/plinth-build/plinth/debpkg/debtest"
	"github.com/xi2/xz"
)

func TestZZCompare(t *testing.T) {
	files, size := benchFiles()
	var tarb []byte
	debtest.Deb{Control: debtest.Control("big", "1", "amd64"), Files: files, Compression: "none", Tamper: func(m []debtest.Member) []debtest.Member { tarb = m[2].Data; return m }}.Build()
	cmd := exec.Command("xz", "-6", "-T1", "-c")
	cmd.Stdin = bytes.NewReader(tarb)
	z, err := cmd.Output()
	if err != nil { t.Fatal(err) }
	os.WriteFile("/tmp/data.tar.xz", z, 0o644)
	t.Logf("tar %d xz %d", len(tarb), len(z))
	deb := debtest.Ar(debtest.Member{Name: "debian-binary", Data: []byte("2.0\n")}, debtest.Member{Name: "control.tar", Data: mustTar()}, debtest.Member{Name: "data.tar.xz", Data: z})
	for i := 0; i < 2; i++ {
		st := time.Now()
		r, _ := xz.NewReader(bytes.NewReader(z), 0)
		n, _ := io.Copy(io.Discard, r)
		t.Logf("xi2 raw: %d bytes %v %.1f MB/s", n, time.Since(st), float64(n)/time.Since(st).Seconds()/1e6)
		st = time.Now()
		d := debpkg.NewDebReader(bytes.NewReader(deb), debpkg.Limits{})
		tr, err := d.Data()
		if err != nil { t.Fatal(err) }
		n = 0
		for { if _, err := tr.Next(); err != nil { break }; m, _ := io.Copy(io.Discard, tr); n += m }
		t.Logf("DebReader: %d bytes %v %.1f MB/s", n, time.Since(st), float64(size)/time.Since(st).Seconds()/1e6)
		st = time.Now()
		c := exec.Command("xz", "-dc", "/tmp/data.tar.xz"); c.Stdout = io.Discard; c.Run()
		t.Logf("xz C: %v %.1f MB/s", time.Since(st), float64(len(tarb))/time.Since(st).Seconds()/1e6)
	}
}

func mustTar() []byte {
	b, _ := debtest.Tar(debtest.File{Path: "./control", Data: []byte("Package: big\n")})
	return b
}
