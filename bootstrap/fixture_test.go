package bootstrap

import (
	"archive/tar"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/plinth-build/plinth/debpkg/debtest"
)

// testArchive is a fake, signed bookworm archive with what the static and
// busybox recipes install, plus a recipe directory whose recipes extend the
// built-ins and point at it.
type testArchive struct {
	*debtest.Archive
	dir string // recipes and the archive key
}

func reg(path string, data string, mode int64) debtest.File {
	return debtest.File{Path: path, Data: []byte(data), Mode: mode}
}

func link(path, target string) debtest.File {
	return debtest.File{Path: path, Type: tar.TypeSymlink, Linkname: target}
}

func testCerts(t *testing.T) []debtest.File {
	t.Helper()
	dir := "../rootfs/testdata/standins/certs"
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var files []debtest.File
	for _, e := range entries {
		data, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, reg("/usr/share/ca-certificates/mozilla/"+e.Name(), string(data), 0o644))
	}
	return files
}

// fakeDebs are small stand-ins of Debian's packages with the shapes that
// matter: merged-/usr paths, docs and locales to prune, Multi-Arch: same,
// dependencies that files_only must not follow, debconf templates.
func fakeDebs(t *testing.T) []debtest.Deb {
	busybox := debtest.ELF(".rodata", debtest.BusyboxTable(
		[]string{"[", "[[", "cat", "ls", "sh", "wget"},
		[]string{"/usr/bin", "/usr/bin", "/bin", "/bin", "/bin", "/usr/bin"}))
	return []debtest.Deb{
		{Control: debtest.Control("base-files", "12.4+deb12u5", "amd64", "Essential", "yes", "Priority", "required", "Pre-Depends", "awk"),
			Scripts: map[string]string{"conffiles": "/etc/issue\n"},
			Files: []debtest.File{
				reg("/etc/issue", "Debian GNU/Linux 12 \\n \\l\n", 0o644),
				reg("/usr/lib/os-release", "PRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\nID=debian\nVERSION_ID=\"12\"\n", 0o644),
				link("/etc/os-release", "../usr/lib/os-release"),
				{Path: "/tmp", Type: tar.TypeDir, Mode: 0o1777},
				reg("/usr/share/common-licenses/GPL-3", "GPL\n", 0o644),
				reg("/usr/share/doc/base-files/README", "readme\n", 0o644),
			}, Compression: "gz"},
		{Control: debtest.Control("netbase", "6.4", "all"),
			Files: []debtest.File{reg("/etc/services", "http 80/tcp\n", 0o644), reg("/etc/protocols", "ip 0 IP\n", 0o644)}, Compression: "zst"},
		{Control: debtest.Control("tzdata", "2024a-0+deb12u1", "all", "Priority", "required", "Depends", "debconf (>= 0.5) | debconf-2.0"),
			Scripts: map[string]string{"templates": "Template: tzdata/Areas\nType: select\n", "postinst": "#!/bin/sh\nexit 0\n"},
			Files: []debtest.File{
				reg("/usr/share/zoneinfo/Etc/UTC", "TZif2-utc", 0o644),
				reg("/usr/share/zoneinfo/right/Etc/UTC", "TZif2-right-utc", 0o644),
				link("/usr/share/zoneinfo/UTC", "Etc/UTC"),
			}, Compression: "gz"},
		{Control: debtest.Control("ca-certificates", "20230311", "all", "Depends", "openssl (>= 1.1.1), debconf (>= 0.5) | debconf-2.0"),
			Files: append(testCerts(t), reg("/usr/share/doc/ca-certificates/copyright", "MPL-2.0\n", 0o644),
				reg("/usr/share/man/man8/update-ca-certificates.8.gz", "man", 0o644)), Compression: "gz"},
		{Control: debtest.Control("libc6", "2.36-9+deb12u4", "amd64", "Multi-Arch", "same", "Priority", "optional", "Source", "glibc"),
			Files: []debtest.File{
				reg("/usr/lib/x86_64-linux-gnu/libc.so.6", "\x7fELF-libc", 0o755),
				reg("/usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2", "\x7fELF-ld", 0o755),
				link("/lib64/ld-linux-x86-64.so.2", "/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2"),
				reg("/usr/lib/x86_64-linux-gnu/gconv/UTF-16.so", "gconv", 0o644),
				reg("/usr/share/locale/de/LC_MESSAGES/libc.mo", "mo", 0o644),
				reg("/usr/share/doc/libc6/copyright", "LGPL\n", 0o644),
				reg("/usr/share/doc/libc6/changelog.Debian.gz", "changes", 0o644),
			}, Compression: "zst"},
		{Control: debtest.Control("busybox", "1:1.35.0-4+b3", "amd64", "Depends", "libc6 (>= 2.34)"),
			Files: []debtest.File{{Path: "/bin/busybox", Data: busybox, Mode: 0o755}}, Compression: "gz"},
	}
}

// newTestArchive serves the fake packages as bookworm, with a newer tzdata
// in bookworm-updates, and an empty bookworm-security.
func newTestArchive(t *testing.T) *testArchive {
	t.Helper()
	debs := fakeDebs(t)
	newTZ := debs[2]
	newTZ.Control = newTZ.Control.Clone()
	newTZ.Control.Set("Version", "2024b-0+deb12u1")
	date := time.Date(2024, 6, 1, 0, 0, 0, 0, time.UTC)
	a := debtest.NewArchive(t, []debtest.Suite{
		{Name: "bookworm", Debs: debs, Date: date, Archs: []string{"amd64"}},
		{Name: "bookworm-updates", Debs: []debtest.Deb{newTZ}, Date: date.Add(24 * time.Hour), Archs: []string{"amd64"}},
		{Name: "bookworm-security", Date: date, Archs: []string{"amd64"}},
	}, debtest.Tamper{})
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "archive.asc"), a.PublicKey, 0o644); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"static", "busybox"} {
		body := "format = 1\nname = \"" + name + "\"\nextends = \"" + name + "\"\n\n[source]\nmirror = \"" + a.URL + "\"\nkeyring = \"archive.asc\"\n"
		if err := os.WriteFile(filepath.Join(dir, name+".toml"), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return &testArchive{Archive: a, dir: dir}
}

// options builds opts for recipe in the test archive, with its own cache
// and no host apt sources.
func (a *testArchive) options(t *testing.T, recipe, output string) Options {
	return Options{
		Recipe:   filepath.Join(a.dir, recipe+".toml"),
		Archs:    []string{"amd64"},
		Output:   output,
		CacheDir: t.TempDir(),
		HostRoot: t.TempDir(),
		Now:      a.Now,
	}
}
