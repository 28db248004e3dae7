package rootfs

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"maps"
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

// installDeb unpacks a .deb into tree and returns what the dpkg database
// records for it.
func installDeb(t testing.TB, tree *Tree, deb []byte) InstalledPackage {
	t.Helper()
	r := debpkg.NewDebReader(bytes.NewReader(deb), debpkg.Limits{})
	defer r.Close()
	ctl, err := r.Control()
	if err != nil {
		t.Fatal(err)
	}
	tr, err := r.Data()
	if err != nil {
		t.Fatal(err)
	}
	name := ctl.Control.Get("Package")
	files, err := tree.Extract(tr, ExtractOptions{Package: name})
	if err != nil {
		t.Fatalf("extracting %s: %v", name, err)
	}
	return InstalledPackage{Control: ctl.Control, Files: files, ControlFiles: ctl.Files}
}

func buildDeb(t testing.TB, d debtest.Deb) []byte {
	t.Helper()
	data, err := d.Build()
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// sampleSystem unpacks a handful of packages covering what the database
// records: conffiles, Multi-Arch: same, triggers, shlibs, scripts, a
// foreign architecture, a package without md5sums and an unpacked one.
func sampleSystem(t testing.TB) (*Tree, []InstalledPackage) {
	tree := New()
	debs := []debtest.Deb{
		{
			Control: debtest.Control("base-files", "12.4+deb12u5", "amd64",
				"Essential", "yes", "Priority", "required", "Section", "admin", "Installed-Size", "392",
				"Multi-Arch", "foreign", "Replaces", "base,\n dpkg (<= 1.15.0)", "Pre-Depends", "awk",
				"Breaks", "initscripts (<< 2.88dsf-13.3)", "Homepage", "https://example.invalid/"),
			Files: []debtest.File{
				{Path: "/etc/debian_version", Data: []byte("12.5\n")},
				{Path: "/etc/host.conf", Data: []byte("multi on\n")},
				{Path: "/usr/lib/os-release", Data: []byte("ID=debian\n")},
				{Path: "/etc/os-release", Type: '2', Linkname: "../usr/lib/os-release"},
			},
			Scripts: map[string]string{
				"conffiles": "/etc/debian_version\n/etc/host.conf\nremove-on-upgrade /etc/gone.conf\n",
				"postinst":  "#!/bin/sh\nexit 0\n",
			},
		},
		{
			Control: debtest.Control("libc6", "2.36-9+deb12u7", "amd64",
				"Multi-Arch", "same", "Priority", "optional", "Section", "libs", "Source", "glibc",
				"Depends", "libgcc-s1", "Protected", "no"),
			Files: []debtest.File{
				{Path: "/usr/lib/x86_64-linux-gnu/libc.so.6", Data: []byte("\x7fELF libc")},
				{Path: "/usr/lib/x86_64-linux-gnu/libc.so.6.hard", Type: '1', Linkname: "/usr/lib/x86_64-linux-gnu/libc.so.6"},
			},
			Scripts: map[string]string{
				"triggers": "# comment\ninterest-await ldconfig\ninterest-noawait /usr/lib/x86_64-linux-gnu/gconv\nactivate-noawait ldconfig\n",
				"shlibs":   "libc 6 libc6 (>= 2.36)\n",
				"symbols":  "libc.so.6 libc6 #MINVER#\n",
				"postinst": "#!/bin/sh\n",
			},
		},
		{
			Control: debtest.Control("libc6", "2.36-9+deb12u7", "arm64", "Multi-Arch", "same", "Source", "glibc"),
			Files: []debtest.File{
				{Path: "/usr/lib/aarch64-linux-gnu/libc.so.6", Data: []byte("\x7fELF libc arm64")},
			},
		},
		{
			Control: debtest.Control("nomd5", "1.0", "all", "Description", "no md5sums\n A package built without md5sums."),
			Files: []debtest.File{
				{Path: "/usr/share/nomd5/a", Data: []byte("a\n")},
				{Path: "/usr/share/nomd5/b", Type: '2', Linkname: "a"},
				{Path: "/etc/nomd5.conf", Data: []byte("x=1\n")},
			},
			Scripts: map[string]string{"conffiles": "/etc/nomd5.conf\n"},
		},
		{
			Control: debtest.Control("unpacked", "0.1", "amd64", "Depends", "libc6 (>= 2.36),\n  base-files"),
			Files: []debtest.File{
				{Path: "/etc/unpacked.conf", Data: []byte("y\n")},
			},
			Scripts: map[string]string{"conffiles": "/etc/unpacked.conf\n", "preinst": "#!/bin/sh\n", "templates": "Template: x\n"},
		},
	}
	var pkgs []InstalledPackage
	for _, d := range debs {
		p := installDeb(t, tree, buildDeb(t, d))
		switch p.Control.Get("Package") {
		case "nomd5":
			delete(p.ControlFiles, "md5sums")
		case "unpacked":
			p.Status = StatusUnpacked
		}
		pkgs = append(pkgs, p)
	}
	// The list is deliberately not sorted: the database sorts it.
	slices.Reverse(pkgs)
	return tree, pkgs
}

func TestWriteDpkgDatabaseGolden(t *testing.T) {
	for _, keep := range []bool{false, true} {
		t.Run(fmt.Sprintf("KeepScripts=%v", keep), func(t *testing.T) {
			tree, pkgs := sampleSystem(t)
			if err := WriteDpkgDatabase(tree, pkgs, DpkgOptions{Arch: "amd64", KeepScripts: keep}); err != nil {
				t.Fatal(err)
			}
			checkGolden(t, fmt.Sprintf("dpkgdb-keepscripts-%v.golden", keep), dumpUnder(tree, DpkgAdminDir))
		})
	}
}

// dumpUnder renders every path under dir: its dump line and, for regular
// files, the content, indented.
func dumpUnder(tree *Tree, dir string) []byte {
	var b bytes.Buffer
	_ = tree.Walk(func(p string, n *Node) error {
		if p != dir && !strings.HasPrefix(p, dir+"/") {
			return nil
		}
		fmt.Fprintf(&b, "%s: %s\n", p, dumpLine(n))
		if n.Type == TypeReg {
			for _, line := range strings.SplitAfter(string(n.Data), "\n") {
				if line != "" {
					b.WriteString("\t| " + strings.TrimSuffix(line, "\n") + "\n")
				}
			}
		}
		return nil
	})
	return b.Bytes()
}

func TestWriteDpkgDatabaseStatus(t *testing.T) {
	tree, pkgs := sampleSystem(t)
	if err := WriteDpkgDatabase(tree, pkgs, DpkgOptions{Arch: "amd64"}); err != nil {
		t.Fatal(err)
	}
	paras, err := ReadDpkgStatus(tree)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, p := range paras {
		got = append(got, p.Get("Package")+":"+p.Get("Architecture")+" "+p.Get("Status"))
	}
	want := []string{
		"base-files:amd64 install ok installed",
		"libc6:amd64 install ok installed",
		"libc6:arm64 install ok installed",
		"nomd5:all install ok installed",
		"unpacked:amd64 install ok unpacked",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("status entries (-want +got):\n%s", diff)
	}
	checks := []struct{ pkg, field, want string }{
		{"base-files", "Conffiles", "\n /etc/debian_version " + md5Hex([]byte("12.5\n")) + "\n /etc/host.conf " + md5Hex([]byte("multi on\n"))},
		{"base-files", "Replaces", "base, dpkg (<= 1.15.0)"},
		{"base-files", "Essential", "yes"},
		{"libc6", "Protected", ""},
		{"unpacked", "Conffiles", "\n /etc/unpacked.conf 009520053b00386d1173f3988c55d192"},
		{"unpacked", "Depends", "libc6 (>= 2.36), base-files"},
	}
	for _, c := range checks {
		t.Run(c.pkg+"/"+c.field, func(t *testing.T) {
			i := slices.IndexFunc(paras, func(p debpkg.Paragraph) bool { return p.Get("Package") == c.pkg })
			got := paras[i].Get(c.field)
			if got != c.want {
				t.Errorf("%s of %s = %q, want %q", c.field, c.pkg, got, c.want)
			}
		})
	}
}

func TestStatusFieldOrder(t *testing.T) {
	ctl := debpkg.Paragraph{Fields: []debpkg.Field{
		{Name: "Description", Value: "d"}, {Name: "Homepage", Value: "h"}, {Name: "depends", Value: "a"},
		{Name: "Version", Value: "1"}, {Name: "Built-Using", Value: "b"}, {Name: "Architecture", Value: "all"},
		{Name: "Status", Value: "purge ok not-installed"}, {Name: "Package", Value: "p"}, {Name: "Essential", Value: "no"},
		{Name: "Size", Value: "12"}, {Name: "Filename", Value: "pool/p.deb"}, {Name: "Pre-Depends", Value: "c"},
	}}
	got, err := statusParagraph(New(), InstalledPackage{Control: ctl, Status: StatusInstalled})
	if err != nil {
		t.Fatal(err)
	}
	want := "Package: p\nStatus: install ok installed\nArchitecture: all\nVersion: 1\nDepends: a\n" +
		"Pre-Depends: c\nDescription: d\nHomepage: h\nBuilt-Using: b\n"
	if diff := cmp.Diff(want, got.String()); diff != "" {
		t.Errorf("status paragraph (-want +got):\n%s", diff)
	}
}

// TestStatusFieldOrderHost reorders every paragraph of the host's dpkg
// status and checks that orderFields restores dpkg's own order.
func TestStatusFieldOrderHost(t *testing.T) {
	data, err := os.ReadFile("/var/lib/dpkg/status")
	if err != nil {
		t.Skipf("no host dpkg status to compare with: %v", err)
	}
	paras, err := debpkg.ParseParagraphs(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range paras {
		shuffled := debpkg.Paragraph{Fields: slices.Clone(p.Fields)}
		// Known fields in reverse; unknown ones keep their relative order.
		slices.Reverse(shuffled.Fields)
		var unknown, known []debpkg.Field
		for _, f := range shuffled.Fields {
			if slices.Contains(statusFieldOrder, f.Name) {
				known = append(known, f)
			} else {
				unknown = append(unknown, f)
			}
		}
		slices.Reverse(unknown)
		shuffled.Fields = append(unknown, known...)
		if diff := cmp.Diff(p.String(), orderFields(shuffled).String()); diff != "" {
			t.Fatalf("package %s (-host +plinth):\n%s", p.Get("Package"), diff)
		}
	}
	t.Logf("checked %d host paragraphs", len(paras))
}

func TestWriteDpkgDatabaseErrors(t *testing.T) {
	ok := debtest.Control("a", "1", "all")
	tests := []struct {
		name string
		pkgs []InstalledPackage
		opts DpkgOptions
		want string
	}{
		{"no arch", []InstalledPackage{{Control: ok}}, DpkgOptions{}, "no native architecture"},
		{"no version", []InstalledPackage{{Control: debpkg.Paragraph{Fields: []debpkg.Field{{Name: "Package", Value: "a"}, {Name: "Architecture", Value: "all"}}}}}, DpkgOptions{Arch: "amd64"}, "no Version field"},
		{"twice", []InstalledPackage{{Control: ok}, {Control: ok}}, DpkgOptions{Arch: "amd64"}, "listed twice"},
		{"bad status", []InstalledPackage{{Control: ok, Status: "install ok"}}, DpkgOptions{Arch: "amd64"}, "invalid Status"},
		{"bad name", []InstalledPackage{{Control: debtest.Control("a/b", "1", "all")}}, DpkgOptions{Arch: "amd64"}, "invalid package name"},
		{"newline in file", []InstalledPackage{{Control: ok, Files: []string{"/.", "/a\nb"}}}, DpkgOptions{Arch: "amd64"}, "contains a newline"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := WriteDpkgDatabase(New(), tt.pkgs, tt.opts)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("err = %v, want one containing %q", err, tt.want)
			}
		})
	}
}

func TestWriteDpkgDatabaseKeepsExistingFiles(t *testing.T) {
	tree := New()
	mustDo(t, tree.WriteFile("/var/lib/dpkg/diversions", []byte("/bin/sh\n/bin/sh.distrib\ndash\n"), 0o644, 0, 0))
	if err := WriteDpkgDatabase(tree, nil, DpkgOptions{Arch: "amd64"}); err != nil {
		t.Fatal(err)
	}
	got, err := tree.ReadFile("/var/lib/dpkg/diversions")
	if err != nil || string(got) != "/bin/sh\n/bin/sh.distrib\ndash\n" {
		t.Errorf("diversions = %q, %v; want them kept", got, err)
	}
	if _, err := tree.Stat("/var/lib/dpkg/arch"); !errors.Is(err, ErrNotExist) {
		t.Errorf("arch file written without foreign packages (err %v)", err)
	}
	status, err := tree.ReadFile("/var/lib/dpkg/status")
	if err != nil || len(status) != 0 {
		t.Errorf("status = %q, %v; want empty", status, err)
	}
}

func TestReadDpkgStatusErrors(t *testing.T) {
	tests := []struct {
		name, status string
		wantErr      bool
	}{
		{"missing", "", true},
		{"no package", "Version: 1\n", true},
		{"syntax", "Package: a\n broken\nno colon\n", true},
		{"two", "Package: a\nStatus: install ok installed\n\nPackage: b\n", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tree := New()
			if tt.name != "missing" {
				mustDo(t, tree.WriteFile("/var/lib/dpkg/status", []byte(tt.status), 0o644, 0, 0))
			}
			_, err := ReadDpkgStatus(tree)
			if (err != nil) != tt.wantErr {
				t.Errorf("err = %v, want error %v", err, tt.wantErr)
			}
			if tt.name == "missing" && !errors.Is(err, ErrNotExist) {
				t.Errorf("err = %v, want ErrNotExist", err)
			}
		})
	}
}

// TestDpkgReadsDatabase has the host's dpkg read the database and verify
// the unpacked files against it.
func TestDpkgReadsDatabase(t *testing.T) {
	if _, err := exec.LookPath("dpkg-query"); err != nil {
		t.Skip("dpkg-query not installed")
	}
	tree, pkgs := sampleSystem(t)
	if err := WriteDpkgDatabase(tree, pkgs, DpkgOptions{Arch: "amd64"}); err != nil {
		t.Fatal(err)
	}
	root := t.TempDir()
	if err := tree.Materialize(context.Background(), root); err != nil {
		t.Fatal(err)
	}
	admin := filepath.Join(root, "var/lib/dpkg")
	out := runTool(t, "dpkg-query", "--admindir="+admin, "-W", "-f=${Package}:${Architecture} ${Version} ${Status}\n")
	want := "base-files:amd64 12.4+deb12u5 install ok installed\n" +
		"libc6:amd64 2.36-9+deb12u7 install ok installed\n" +
		"libc6:arm64 2.36-9+deb12u7 install ok installed\n" +
		"nomd5:all 1.0 install ok installed\n" +
		"unpacked:amd64 0.1 install ok unpacked\n"
	if diff := cmp.Diff(want, out); diff != "" {
		t.Errorf("dpkg-query -W (-want +got):\n%s", diff)
	}
	out = runTool(t, "dpkg-query", "--admindir="+admin, "-L", "libc6:arm64")
	if !strings.Contains(out, "/usr/lib/aarch64-linux-gnu/libc.so.6") {
		t.Errorf("dpkg-query -L libc6:arm64 = %q", out)
	}
	out = runTool(t, "dpkg-query", "--admindir="+admin, "-S", "/etc/host.conf")
	if out != "base-files: /etc/host.conf\n" {
		t.Errorf("dpkg-query -S = %q", out)
	}
	// --audit reports only the package left unpacked on purpose.
	cmd := exec.Command("dpkg", "--admindir="+admin, "--audit")
	audit, _ := cmd.CombinedOutput()
	if !strings.Contains(string(audit), "unpacked") || strings.Contains(string(audit), "base-files") || strings.Contains(string(audit), "missing") {
		t.Errorf("dpkg --audit:\n%s", audit)
	}
	// --verify checks every md5sum (given or computed) against the files.
	for _, p := range []string{"base-files", "libc6:amd64", "nomd5"} {
		if out := runTool(t, "dpkg", "--root="+root, "--admindir="+admin, "--verify", p); out != "" {
			t.Errorf("dpkg --verify %s:\n%s", p, out)
		}
	}
	if out, err := exec.Command("dpkg", "--admindir="+admin, "--print-foreign-architectures").Output(); err != nil || string(out) != "arm64\n" {
		t.Errorf("dpkg --print-foreign-architectures = %q, %v; want arm64", out, err)
	}
	t.Run("apt", func(t *testing.T) {
		if _, err := exec.LookPath("apt-cache"); err != nil {
			t.Skip("apt-cache not installed")
		}
		aptDir := t.TempDir()
		for _, d := range []string{"etc/apt/sources.list.d", "etc/apt/preferences.d", "etc/apt/apt.conf.d"} {
			mustDo(t, os.MkdirAll(filepath.Join(aptDir, d), 0o755))
		}
		mustDo(t, os.WriteFile(filepath.Join(aptDir, "etc/apt/sources.list"), nil, 0o644))
		out := runTool(t, "apt-cache", "-o", "Dir="+aptDir, "-o", "Dir::State::status="+filepath.Join(admin, "status"),
			"-o", "APT::Architecture=amd64", "-o", "APT::Architectures::=arm64", "policy", "libc6:arm64", "unpacked")
		for _, want := range []string{"libc6:arm64:\n  Installed: 2.36-9+deb12u7", "unpacked:\n  Installed: 0.1"} {
			if !strings.Contains(out, want) {
				t.Errorf("apt-cache policy does not say %q:\n%s", want, out)
			}
		}
	})
}

func runTool(t *testing.T, name string, args ...string) string {
	t.Helper()
	cmd := exec.Command(name, args...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, stderr.String())
	}
	if stderr.Len() > 0 {
		t.Errorf("%s %s warned:\n%s", name, strings.Join(args, " "), stderr.String())
	}
	return string(out)
}

// aptDownload fetches a package of the host's archive into a temporary
// directory with apt-get download, or skips.
func aptDownload(t *testing.T, name string) string {
	t.Helper()
	if testing.Short() {
		t.Skipf("-short: not downloading %s", name)
	}
	if _, err := exec.LookPath("apt-get"); err != nil {
		t.Skip("apt-get not installed")
	}
	dir := t.TempDir()
	cmd := exec.Command("apt-get", "download", "-q", name)
	cmd.Dir = dir
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Skipf("apt-get download %s failed (offline?): %v\n%s", name, err, out)
	}
	matches, _ := filepath.Glob(filepath.Join(dir, name+"_*.deb"))
	if len(matches) != 1 {
		t.Skipf("apt-get download %s left %v", name, matches)
	}
	return matches[0]
}

// extractDebToTree unpacks the .deb at debPath into a new tree.
func extractDebToTree(t *testing.T, debPath string) *Tree {
	t.Helper()
	data, err := os.ReadFile(debPath)
	if err != nil {
		t.Fatal(err)
	}
	tree := New()
	installDeb(t, tree, data)
	return tree
}

// updateGolden reports -update: rewrite golden files instead of comparing
// with them. dump_test.go defines the same flag; whichever file initializes
// first defines it and the other shares it.
var updateGolden = sharedUpdateFlag()

func sharedUpdateFlag() func() bool {
	if f := flag.Lookup("update"); f != nil {
		return func() bool { return f.Value.String() == "true" }
	}
	p := flag.Bool("update", false, "rewrite the golden files under testdata")
	return func() bool { return *p }
}

// checkGolden compares got with testdata/standins/name.
func checkGolden(t *testing.T, name string, got []byte) {
	t.Helper()
	file := filepath.Join("testdata", "standins", name)
	if updateGolden() {
		if err := os.MkdirAll(filepath.Dir(file), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(file, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(file)
	if err != nil {
		t.Fatalf("reading golden file (run go test -update to create it): %v", err)
	}
	if diff := cmp.Diff(string(want), string(got)); diff != "" {
		t.Errorf("%s differs (-want +got; go test -update rewrites it):\n%s", file, diff)
	}
}

func FuzzReadDpkgStatus(f *testing.F) {
	f.Add([]byte("Package: a\nStatus: install ok installed\nVersion: 1\n\nPackage: b\nDescription: x\n y\n .\n"))
	f.Add([]byte("Package: a\n\n\n\nVersion: 1\n"))
	f.Add([]byte("# comment\n"))
	f.Add([]byte(" continuation\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		tree := New()
		mustDo(t, tree.WriteFile("/var/lib/dpkg/status", data, 0o644, 0, 0))
		paras, err := ReadDpkgStatus(tree)
		if err != nil {
			return
		}
		// What was read must survive a rewrite through the database writer.
		var pkgs []InstalledPackage
		for _, p := range paras {
			if p.Get("Version") == "" || p.Get("Architecture") == "" {
				return
			}
			pkgs = append(pkgs, InstalledPackage{Control: p})
		}
		if err := WriteDpkgDatabase(tree, pkgs, DpkgOptions{Arch: "amd64"}); err != nil {
			return
		}
		again, err := ReadDpkgStatus(tree)
		if err != nil {
			t.Fatalf("rereading a written status: %v", err)
		}
		if len(again) != len(paras) {
			t.Fatalf("wrote %d paragraphs, read %d", len(paras), len(again))
		}
	})
}

// TestStandinsGolden applies every stand-in to a small extract-only base,
// as a "static" recipe would, and pins the whole resulting tree.
func TestStandinsGolden(t *testing.T) {
	tree := New()
	mustDo(t, tree.MkdirAll("/usr/bin", 0o755, 0, 0))
	mustDo(t, tree.Symlink("usr/bin", "/bin"))
	var pkgs []InstalledPackage
	certs, err := filepath.Glob(filepath.Join("testdata", "standins", "certs", "*.crt"))
	if err != nil || len(certs) == 0 {
		t.Fatalf("no test certificates: %v", err)
	}
	var files []debtest.File
	for _, c := range certs {
		data, err := os.ReadFile(c)
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, debtest.File{Path: "/usr/share/ca-certificates/test/" + filepath.Base(c), Data: data})
	}
	pkgs = append(pkgs, installDeb(t, tree, buildDeb(t, debtest.Deb{
		Control: debtest.Control("ca-certificates", "20230311", "all", "Multi-Arch", "foreign"),
		Files:   files,
		Scripts: map[string]string{"triggers": "interest-noawait update-ca-certificates\n", "postinst": "#!/bin/sh\n"},
	})))
	pkgs = append(pkgs, installDeb(t, tree, buildDeb(t, debtest.Deb{
		Control: debtest.Control("busybox", "1:1.35.0-4", "amd64"),
		Files:   []debtest.File{{Path: "/bin/busybox", Mode: 0o755, Data: fakeELF(t, ".rodata", appletTable(testApplets))}},
	})))
	if _, err := InstallBusyboxLinks(tree, "/bin/busybox"); err != nil {
		t.Fatal(err)
	}
	if _, err := BuildCABundle(tree); err != nil {
		t.Fatal(err)
	}
	if err := WriteAccounts(tree, []Account{{Name: "app", UID: 1000}}, nil); err != nil {
		t.Fatal(err)
	}
	if err := EnsureTmp(tree); err != nil {
		t.Fatal(err)
	}
	if err := WriteDpkgDatabase(tree, pkgs, DpkgOptions{Arch: "amd64"}); err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	dump := TreeDump(tree)
	for _, p := range slices.Sorted(maps.Keys(dump)) {
		fmt.Fprintf(&b, "%s\t%s\n", p, dump[p])
	}
	checkGolden(t, "static-base.golden", b.Bytes())
}
