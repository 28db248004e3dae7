package rootfs

import (
	"context"
	"flag"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestMaterializeRescan(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root for exact ownership; TestMaterializeUnprivileged covers the rest")
	}
	tree := sampleTree(t, false)
	must(t, tree.MkdirAll("/ro/sub", 0o555, 0, 0))
	must(t, tree.WriteFile("/ro/sub/f", []byte("in a read-only dir"), 0o444, 0, 0))
	if !canMknod(t) {
		t.Log("no CAP_MKNOD here: device nodes are left out of the comparison")
		must(t, tree.Remove("/dev/null"))
		must(t, tree.Remove("/dev/loop0"))
	}
	dir := filepath.Join(t.TempDir(), "rootfs")
	must(t, tree.Materialize(context.Background(), dir))
	back, err := Rescan(context.Background(), dir)
	must(t, err)
	checkInvariants(t, back)
	if diff := cmp.Diff(TreeDump(tree), TreeDump(back)); diff != "" {
		t.Errorf("Rescan(Materialize(t)) (-want +got):\n%s", diff)
	}
	if fi, err := os.Stat(dir); err != nil || fi.Mode().Perm() != 0o755 {
		t.Errorf("rootfs dir mode = %v, %v; want 0755", fi.Mode(), err)
	}
	var a, b syscall.Stat_t
	must(t, syscall.Stat(filepath.Join(dir, "etc/su-hardlink"), &a))
	must(t, syscall.Stat(filepath.Join(dir, "usr/bin/su2"), &b))
	if a.Ino != b.Ino {
		t.Error("hardlinks materialized as separate files")
	}
}

func TestMaterializeStaysInside(t *testing.T) {
	top := t.TempDir()
	outside := filepath.Join(top, "outside")
	must(t, os.Mkdir(outside, 0o755))
	tree := New()
	// Symlinks pointing out, by absolute path (the host's view) and by "..".
	must(t, tree.Symlink(outside, "/abs"))
	must(t, tree.Symlink("../../../../../../"+outside, "/rel"))
	must(t, tree.Symlink("/", "/root"))
	must(t, tree.WriteFile("/abs-x/f", []byte("x"), 0o644, 0, 0))
	must(t, tree.WriteFile("/rel/f", []byte("x"), 0o644, 0, 0)) // replaced: written inside, through chroot semantics
	dir := filepath.Join(top, "rootfs")
	must(t, tree.Materialize(context.Background(), dir))
	if entries, _ := os.ReadDir(outside); len(entries) != 0 {
		t.Errorf("Materialize wrote outside the rootfs: %v", entries)
	}
	back, err := Rescan(context.Background(), dir)
	must(t, err)
	if diff := cmp.Diff(TreeDump(tree), TreeDump(back)); diff != "" {
		t.Errorf("Rescan (-want +got):\n%s", diff)
	}
}

func TestMaterializeErrors(t *testing.T) {
	dir := t.TempDir()
	must(t, os.WriteFile(filepath.Join(dir, "x"), nil, 0o644))
	if err := New().Materialize(context.Background(), dir); err == nil || !strings.Contains(err.Error(), "not empty") {
		t.Errorf("Materialize into a non-empty dir: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := sampleTree(t, false).Materialize(ctx, filepath.Join(t.TempDir(), "r")); err != context.Canceled {
		t.Errorf("Materialize with a canceled context: %v", err)
	}
	if _, err := Rescan(context.Background(), filepath.Join(dir, "missing")); err == nil {
		t.Error("Rescan of a missing dir succeeded")
	}
}

var helperDir = flag.String("rootfs.materialize-helper", "", "internal: materialize the sample tree into this dir and exit (run unprivileged by TestMaterializeUnprivileged)")

// TestMaterializeUnprivileged re-runs this test binary as nobody to
// materialize the sample tree: ownership and devices are skipped, the rest
// is written.
func TestMaterializeUnprivileged(t *testing.T) {
	if *helperDir != "" {
		must(t, sampleTree(t, false).Materialize(context.Background(), *helperDir))
		return
	}
	if os.Geteuid() != 0 {
		t.Skip("needs root to switch to an unprivileged user")
	}
	exe, err := os.Executable()
	must(t, err)
	top := t.TempDir()
	must(t, os.Chmod(top, 0o777))
	must(t, os.Chmod(filepath.Dir(top), 0o755))
	bin := filepath.Join(top, "rootfs.test")
	data, err := os.ReadFile(exe)
	must(t, err)
	must(t, os.WriteFile(bin, data, 0o755))
	dir := filepath.Join(top, "rootfs")
	cmd := exec.Command(bin, "-test.run=^TestMaterializeUnprivileged$", "-rootfs.materialize-helper="+dir)
	cmd.Dir = top
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: 65534, Gid: 65534}}
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("materializing as nobody: %v\n%s", err, out)
	}
	back, err := Rescan(context.Background(), dir)
	must(t, err)
	got := TreeDump(back)
	want := TreeDump(sampleTree(t, false))
	for p, w := range want {
		g := got[p]
		switch {
		case strings.HasPrefix(w, "char") || strings.HasPrefix(w, "block"):
			if g != "" {
				t.Errorf("%s: %q, want it skipped", p, g)
			}
		case strings.HasPrefix(w, "hardlink"):
			if g != w {
				t.Errorf("%s: %q, want %q", p, g, w)
			}
		case p != "/":
			// Same type, mode and content; owner is nobody's.
			wf, gf := strings.Fields(w), strings.Fields(g)
			if len(gf) < 3 || wf[0] != gf[0] || wf[1] != gf[1] || gf[2] != "65534:65534" || strings.Join(wf[3:], " ") != strings.Join(gf[3:], " ") {
				t.Errorf("%s: %q, want %q as 65534:65534", p, g, w)
			}
		}
	}
}
