package rootfs

import (
	"archive/tar"
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// sampleTree builds a small rootfs with every node type, in the given
// order of operations.
func sampleTree(t testing.TB, reverse bool) *Tree {
	t.Helper()
	tree := New()
	ops := []func() error{
		func() error { return tree.MergeUsr([]string{"lib64"}) },
		func() error { return tree.MkdirAll("/tmp", 0o1777, 0, 0) },
		func() error { return tree.WriteFile("/usr/bin/su", []byte("su binary"), 0o4755, 0, 0) },
		func() error { return tree.WriteFile("/usr/bin/passwd", []byte("passwd"), 0o4755, 0, 0) },
		func() error { return tree.MkdirAll("/var/mail", 0o2775, 0, 8) },
		func() error { return tree.WriteFile("/home/u/.profile", []byte("x"), 0o600, 1000, 1000) },
		func() error {
			return tree.WriteFile("/usr/share/"+strings.Repeat("long/", 40)+"f", []byte("deep"), 0o644, 0, 0)
		},
		func() error { return tree.WriteFile("/etc/caf\u00e9", []byte("utf8 name"), 0o644, 0, 0) },
		func() error {
			return tree.Put("/dev/null", &Node{Type: TypeChar, Mode: 0o666, Devmajor: 1, Devminor: 3})
		},
		func() error { return tree.Put("/dev/loop0", &Node{Type: TypeBlock, Mode: 0o660, Gid: 6, Devmajor: 7}) },
		func() error { return tree.Put("/run/initctl", &Node{Type: TypeFifo, Mode: 0o600}) },
		func() error { return tree.Symlink("/usr/bin/su", "/etc/alternatives/su") },
		func() error { return tree.Symlink("../../..", "/usr/share/up") },
		func() error { return tree.WriteFile("/empty", nil, 0o644, 0, 0) },
	}
	links := []func() error{
		func() error { return tree.Link("/usr/bin/su", "/usr/bin/su2") },
		func() error { return tree.Link("/usr/bin/su", "/etc/su-hardlink") },
	}
	if reverse {
		for i, j := 1, len(ops)-1; i < j; i, j = i+1, j-1 {
			ops[i], ops[j] = ops[j], ops[i]
		}
		links[0], links[1] = links[1], links[0]
	}
	for _, op := range append(ops, links...) {
		must(t, op())
	}
	return tree
}

func writeTar(t testing.TB, tree *Tree, opts TarOptions) []byte {
	t.Helper()
	var buf bytes.Buffer
	must(t, tree.WriteTar(&buf, opts))
	return buf.Bytes()
}

func TestWriteTarDeterministic(t *testing.T) {
	epoch := time.Date(2024, 5, 6, 7, 8, 9, 123, time.UTC)
	a := writeTar(t, sampleTree(t, false), TarOptions{Epoch: epoch})
	b := writeTar(t, sampleTree(t, false), TarOptions{Epoch: epoch})
	if !bytes.Equal(a, b) {
		t.Fatal("two writes of the same tree differ")
	}
	if c := writeTar(t, sampleTree(t, true), TarOptions{Epoch: epoch}); !bytes.Equal(a, c) {
		t.Fatal("the same tree built in another order gives other bytes")
	}
	// Neither the time zone nor the umask matters.
	local := time.Local
	time.Local = time.FixedZone("test", -7*3600)
	old := syscall.Umask(0o077)
	d := writeTar(t, sampleTree(t, false), TarOptions{Epoch: epoch.In(time.Local)})
	syscall.Umask(old)
	time.Local = local
	if !bytes.Equal(a, d) {
		t.Fatal("time zone or umask changed the tar")
	}
}

func TestWriteTarFormat(t *testing.T) {
	epoch := time.Unix(1700000000, 0)
	tree := sampleTree(t, false)
	tr := tar.NewReader(bytes.NewReader(writeTar(t, tree, TarOptions{Epoch: epoch})))
	var names []string
	for {
		hdr, err := tr.Next()
		if err == io.EOF {
			break
		}
		must(t, err)
		names = append(names, hdr.Name)
		if strings.HasPrefix(hdr.Name, "./") || strings.HasPrefix(hdr.Name, "/") {
			t.Errorf("%s: name not relative without ./", hdr.Name)
		}
		if (hdr.Typeflag == tar.TypeDir) != strings.HasSuffix(hdr.Name, "/") {
			t.Errorf("%s: type %c and trailing slash disagree", hdr.Name, hdr.Typeflag)
		}
		if hdr.Uname != "" || hdr.Gname != "" {
			t.Errorf("%s: uname/gname %q/%q, want none", hdr.Name, hdr.Uname, hdr.Gname)
		}
		if !hdr.ModTime.Equal(epoch) || !hdr.AccessTime.IsZero() || !hdr.ChangeTime.IsZero() {
			t.Errorf("%s: times %v %v %v", hdr.Name, hdr.ModTime, hdr.AccessTime, hdr.ChangeTime)
		}
		if hdr.Format&(tar.FormatUSTAR|tar.FormatPAX) == 0 { // a PAX entry without records reads as USTAR
			t.Errorf("%s: format %v, want PAX (or its USTAR subset)", hdr.Name, hdr.Format)
		}
		switch hdr.Name {
		case "usr/bin/su":
			if hdr.Typeflag != tar.TypeLink || hdr.Linkname != "etc/su-hardlink" {
				t.Errorf("usr/bin/su: %c -> %q, want a hardlink to the first name etc/su-hardlink", hdr.Typeflag, hdr.Linkname)
			}
		case "etc/su-hardlink":
			if hdr.Typeflag != tar.TypeReg || hdr.Mode != 0o4755 || hdr.Size != 9 {
				t.Errorf("etc/su-hardlink: %+v", hdr)
			}
		case "dev/null":
			if hdr.Typeflag != tar.TypeChar || hdr.Devmajor != 1 || hdr.Devminor != 3 || hdr.Mode != 0o666 {
				t.Errorf("dev/null: %+v", hdr)
			}
		case "var/mail/":
			if hdr.Mode != 0o2775 || hdr.Gid != 8 {
				t.Errorf("var/mail: %+v", hdr)
			}
		}
	}
	if names[0] != "bin" || names[1] != "dev/" {
		t.Errorf("first entries %q, want bin, dev/ (no root entry)", names[:2])
	}
	if len(names) != tree.Len()-1 {
		t.Errorf("%d entries, want %d", len(names), tree.Len()-1)
	}
}

func TestTarRoundTrip(t *testing.T) {
	tree := sampleTree(t, false)
	back, err := ReadTar(bytes.NewReader(writeTar(t, tree, TarOptions{})))
	must(t, err)
	checkInvariants(t, back)
	if diff := cmp.Diff(TreeDump(tree), TreeDump(back)); diff != "" {
		t.Errorf("ReadTar(WriteTar(t)) (-want +got):\n%s", diff)
	}
	if !bytes.Equal(writeTar(t, tree, TarOptions{}), writeTar(t, back, TarOptions{})) {
		t.Error("the round-tripped tree writes other bytes")
	}
}

// TestWriteTarGNUTar has GNU tar, which nobody here wrote, unpack the tar
// as root; Rescan must find the model again.
func TestWriteTarGNUTar(t *testing.T) {
	if _, err := exec.LookPath("tar"); err != nil {
		t.Skip("GNU tar not installed")
	}
	if os.Geteuid() != 0 {
		t.Skip("needs root to keep ownership")
	}
	tree := sampleTree(t, false)
	if !canMknod(t) {
		must(t, tree.Remove("/dev/null"))
		must(t, tree.Remove("/dev/loop0"))
	}
	dir := t.TempDir()
	f := filepath.Join(t.TempDir(), "rootfs.tar")
	must(t, os.WriteFile(f, writeTar(t, tree, TarOptions{}), 0o644))
	out, err := exec.Command("tar", "--numeric-owner", "-xpf", f, "-C", dir).CombinedOutput()
	if err != nil {
		t.Fatalf("tar -x: %v\n%s", err, out)
	}
	back, err := Rescan(context.Background(), dir)
	must(t, err)
	if diff := cmp.Diff(TreeDump(tree), TreeDump(back)); diff != "" {
		t.Errorf("GNU tar unpacked something else (-want +got):\n%s", diff)
	}
	out, err = exec.Command("tar", "--numeric-owner", "-tvf", f, "usr/bin/su").CombinedOutput()
	if err != nil || !strings.HasPrefix(string(out), "hrwsr-xr-x 0/0") || !strings.Contains(string(out), "link to etc/su-hardlink") {
		t.Errorf("tar -tv usr/bin/su = %q, %v", out, err)
	}
}

// canMknod reports whether this process may make device nodes.
func canMknod(t testing.TB) bool {
	p := filepath.Join(t.TempDir(), "null")
	err := syscall.Mknod(p, syscall.S_IFCHR|0o666, 1<<8|3)
	return err == nil
}

func BenchmarkWriteTar(b *testing.B) {
	tree := New()
	data := bytes.Repeat([]byte("0123456789abcdef"), 10000/16) // 10 KB, shared
	for i := range 15000 {
		p := fmt.Sprintf("/usr/lib/d%03d/f%05d", i%300, i)
		if err := tree.WriteFile(p, data, 0o644, 0, 0); err != nil {
			b.Fatal(err)
		}
	}
	b.SetBytes(15000 * int64(len(data)))
	b.ResetTimer()
	for b.Loop() {
		if err := tree.WriteTar(io.Discard, TarOptions{}); err != nil {
			b.Fatal(err)
		}
	}
}
