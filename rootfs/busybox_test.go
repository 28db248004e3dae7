package rootfs

import (
	"bytes"
	"debug/elf"
	"encoding/binary"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/plinth-build/plinth/debpkg/debtest"
)

// fakeELF builds a minimal little-endian ELF64 file whose .rodata is
// rodata (the section is named name).
func fakeELF(t testing.TB, name string, rodata []byte) []byte {
	t.Helper()
	return debtest.ELF(name, rodata)
}

// overlappingELF is fakeELF with n more PROGBITS sections over the
// whole file, as a hostile binary may have.
func overlappingELF(t testing.TB, n int) []byte {
	t.Helper()
	data := fakeELF(t, ".rdata", appletTable(testApplets))
	var hdr elf.Header64
	if err := binary.Read(bytes.NewReader(data), binary.LittleEndian, &hdr); err != nil {
		t.Fatal(err)
	}
	sections := make([]elf.Section64, int(hdr.Shnum), int(hdr.Shnum)+n)
	if err := binary.Read(bytes.NewReader(data[hdr.Shoff:]), binary.LittleEndian, sections); err != nil {
		t.Fatal(err)
	}
	for range n {
		sections = append(sections, elf.Section64{Type: uint32(elf.SHT_PROGBITS), Flags: uint64(elf.SHF_ALLOC), Size: hdr.Shoff})
	}
	hdr.Shnum = uint16(len(sections))
	var b bytes.Buffer
	for _, v := range []any{hdr, data[64:hdr.Shoff], sections} {
		if err := binary.Write(&b, binary.LittleEndian, v); err != nil {
			t.Fatal(err)
		}
	}
	return b.Bytes()
}

// appletTable renders applet_names and applet_install_loc for applets
// (Dir "" leaves the location table out), with some noise around them.
func appletTable(applets []Applet) []byte {
	var names, dirs []string
	for _, a := range applets {
		names = append(names, a.Name)
		if a.Dir != "" {
			dirs = append(dirs, a.Dir)
		}
	}
	return debtest.BusyboxTable(names, dirs)
}

var testApplets = []Applet{
	{"[", "/usr/bin"}, {"[[", "/usr/bin"}, {"awk", "/usr/bin"}, {"cat", "/bin"},
	{"chroot", "/usr/sbin"}, {"ifconfig", "/sbin"}, {"linuxrc", "/"}, {"ls", "/bin"}, {"sh", "/bin"},
}

func withoutDirs(applets []Applet) []Applet {
	out := make([]Applet, len(applets))
	for i, a := range applets {
		out[i] = Applet{Name: a.Name}
	}
	return out
}

func TestReadBusyboxApplets(t *testing.T) {
	tests := []struct {
		name    string
		binary  []byte
		want    []Applet
		wantErr error
	}{
		{name: "with install locations", binary: fakeELF(t, ".rodata", appletTable(testApplets)), want: testApplets},
		{name: "odd count", binary: fakeELF(t, ".rodata", appletTable(testApplets[:8])), want: testApplets[:8]},
		{name: "without install locations", binary: fakeELF(t, ".rodata", appletTable(withoutDirs(testApplets))), want: withoutDirs(testApplets)},
		{name: "section not named .rodata", binary: fakeELF(t, ".rdata", appletTable(testApplets)), want: testApplets},
		{name: "no applet table", binary: fakeELF(t, ".rodata", []byte("hello\x00world\x00")), wantErr: ErrNoApplets},
		{name: "unsorted names", binary: fakeELF(t, ".rodata", []byte("[\x00[[\x00ls\x00cat\x00\x00")), wantErr: ErrNoApplets},
		{name: "only the marker", binary: fakeELF(t, ".rodata", []byte("[\x00\x00")), wantErr: ErrNoApplets},
		{name: "overlapping sections", binary: overlappingELF(t, 60000), wantErr: errAny},
		{name: "not ELF", binary: []byte("#!/bin/sh\n[\x00[[\x00ls\x00\x00"), wantErr: errAny},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ReadBusyboxApplets(tt.binary)
			if tt.wantErr != nil {
				if err == nil || tt.wantErr != errAny && !errors.Is(err, tt.wantErr) {
					t.Fatalf("err = %v, want %v", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("applets (-want +got):\n%s", diff)
			}
		})
	}
}

// errAny marks a test case that expects some error.
var errAny = errors.New("any error")

func TestBusyboxAppletsAmbiguousLocations(t *testing.T) {
	// Two different location tables that both fit: locations are unknown.
	table := appletTable(testApplets)
	other := append([]Applet(nil), testApplets...)
	other[1].Dir = "/bin"
	table = append(table, appletTable(other)[len(appletTable(nil)):]...)
	got, err := ReadBusyboxApplets(fakeELF(t, ".rodata", table))
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(withoutDirs(testApplets), got); diff != "" {
		t.Errorf("applets (-want +got):\n%s", diff)
	}
}

func TestInstallBusyboxLinks(t *testing.T) {
	tests := []struct {
		name     string
		applets  []Applet
		existing map[string]string // symlinks made before
		want     map[string]string // path -> dump line, for the paths checked
		created  int
	}{
		{
			name:     "merged usr with locations",
			applets:  testApplets,
			existing: map[string]string{"/usr/bin/cat": "/bin/true"},
			want: map[string]string{
				"/usr/bin/[":         "symlink 0777 0:0 -> busybox",
				"/usr/bin/awk":       "symlink 0777 0:0 -> busybox",
				"/usr/bin/cat":       "symlink 0777 0:0 -> /bin/true",
				"/usr/bin/ls":        "symlink 0777 0:0 -> busybox",
				"/usr/bin/sh":        "symlink 0777 0:0 -> busybox",
				"/usr/sbin/chroot":   "symlink 0777 0:0 -> ../bin/busybox",
				"/usr/sbin/ifconfig": "symlink 0777 0:0 -> ../bin/busybox",
				"/bin":               "symlink 0777 0:0 -> usr/bin",
			},
			created: 7, // 9 applets, linuxrc skipped, cat exists
		},
		{
			name:    "unknown locations",
			applets: withoutDirs(testApplets),
			want: map[string]string{
				"/usr/bin/ifconfig": "symlink 0777 0:0 -> busybox",
				"/usr/bin/linuxrc":  "symlink 0777 0:0 -> busybox",
				"/usr/bin/sh":       "symlink 0777 0:0 -> busybox",
			},
			created: 9, // /bin/sh is /usr/bin/sh here
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tree := New()
			mustDo(t, tree.MkdirAll("/usr/bin", 0o755, 0, 0))
			mustDo(t, tree.MkdirAll("/usr/sbin", 0o755, 0, 0))
			mustDo(t, tree.Symlink("usr/bin", "/bin"))
			mustDo(t, tree.Symlink("usr/sbin", "/sbin"))
			mustDo(t, tree.WriteFile("/usr/bin/busybox", fakeELF(t, ".rodata", appletTable(tt.applets)), 0o755, 0, 0))
			for p, target := range tt.existing {
				mustDo(t, tree.Symlink(target, p))
			}
			n, err := InstallBusyboxLinks(tree, "/bin/busybox")
			if err != nil {
				t.Fatal(err)
			}
			if n != tt.created {
				t.Errorf("created %d links, want %d", n, tt.created)
			}
			dump := TreeDump(tree)
			got := map[string]string{}
			for p := range tt.want {
				got[p] = dump[p]
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("tree (-want +got):\n%s", diff)
			}
			if _, ok := dump["/linuxrc"]; ok {
				t.Error("/linuxrc was created")
			}
			if n2, err := InstallBusyboxLinks(tree, "/bin/busybox"); err != nil || n2 != 0 {
				t.Errorf("second run created %d links (err %v), want 0", n2, err)
			}
		})
	}
}

func TestInstallBusyboxLinksErrors(t *testing.T) {
	tree := New()
	mustDo(t, tree.WriteFile("/bin/busybox", []byte("not elf"), 0o755, 0, 0))
	if _, err := InstallBusyboxLinks(tree, "/bin/busybox"); err == nil || !strings.Contains(err.Error(), "/bin/busybox") {
		t.Errorf("err = %v, want one naming /bin/busybox", err)
	}
	if _, err := InstallBusyboxLinks(tree, "/bin/missing"); !errors.Is(err, ErrNotExist) {
		t.Errorf("err = %v, want ErrNotExist", err)
	}
}

func TestRelativeLink(t *testing.T) {
	tests := []struct{ dir, target, want string }{
		{"/usr/bin", "/usr/bin/busybox", "busybox"},
		{"/usr/sbin", "/usr/bin/busybox", "../bin/busybox"},
		{"/sbin", "/bin/busybox", "../bin/busybox"},
		{"/", "/bin/busybox", "bin/busybox"},
		{"/usr/local/bin", "/bin/busybox", "../../../bin/busybox"},
	}
	for _, tt := range tests {
		t.Run(tt.dir, func(t *testing.T) {
			if got := relativeLink(tt.dir, tt.target); got != tt.want {
				t.Errorf("relativeLink(%q, %q) = %q, want %q", tt.dir, tt.target, got, tt.want)
			}
		})
	}
}

// TestBusyboxAppletsReal compares with "busybox --list-full" on Debian's
// busybox binary: the host's, or one apt-get downloads (host architecture).
func TestBusyboxAppletsReal(t *testing.T) {
	bin := realBusybox(t)
	data, err := os.ReadFile(bin)
	if err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(bin, "--list-full").Output()
	if err != nil {
		t.Skipf("%s --list-full: %v", bin, err)
	}
	var want []Applet
	for _, line := range strings.Fields(string(out)) {
		dir, name := filepath.Split(line)
		want = append(want, Applet{Name: name, Dir: "/" + strings.TrimSuffix(dir, "/")})
	}
	got, err := ReadBusyboxApplets(data)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) < 100 {
		t.Errorf("only %d applets", len(got))
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("applets of %s (-busybox --list-full +ReadBusyboxApplets):\n%s", bin, diff)
	}
}

// realBusybox returns a busybox binary runnable here, or skips.
func realBusybox(t *testing.T) string {
	t.Helper()
	if p, err := exec.LookPath("busybox"); err == nil {
		return p
	}
	if testing.Short() {
		t.Skip("no busybox on the host; -short skips downloading one")
	}
	debPath := aptDownload(t, "busybox")
	root := extractDebToTree(t, debPath)
	data, err := root.ReadFile("/bin/busybox")
	if err != nil {
		t.Fatalf("busybox .deb has no /bin/busybox: %v", err)
	}
	if runtime.GOOS != "linux" {
		t.Skip("cannot run a Linux busybox here")
	}
	bin := filepath.Join(t.TempDir(), "busybox")
	if err := os.WriteFile(bin, data, 0o755); err != nil {
		t.Fatal(err)
	}
	return bin
}

func mustDo(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func FuzzBusyboxApplets(f *testing.F) {
	f.Add(fakeELF(f, ".rodata", appletTable(testApplets)))
	f.Add(fakeELF(f, ".rodata", appletTable(withoutDirs(testApplets))))
	f.Add(fakeELF(f, ".text", []byte("[\x00[[\x00a\x00\x00\x33")))
	f.Add([]byte("\x7fELF"))
	f.Fuzz(func(t *testing.T, data []byte) {
		applets, err := ReadBusyboxApplets(data)
		if err != nil {
			if applets != nil {
				t.Fatal("applets with an error")
			}
			return
		}
		for i, a := range applets {
			if !validAppletName(a.Name) || i > 0 && a.Name <= applets[i-1].Name {
				t.Fatalf("bad applet list %q", applets)
			}
		}
		names, err := BusyboxApplets(data)
		if err != nil || len(names) != len(applets) {
			t.Fatalf("BusyboxApplets disagrees: %v %v", names, err)
		}
	})
}
