package qemu

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestChrootRunsAndUnmounts runs a static program in a chroot and checks the
// mounts are gone afterwards. It needs root and a static busybox.
func TestChrootRunsAndUnmounts(t *testing.T) {
	if os.Geteuid() != 0 {
		if _, err := Open(t.TempDir()); !errors.Is(err, ErrNotRoot) {
			t.Fatalf("Open as non-root = %v, want ErrNotRoot", err)
		}
		t.Skip("not root: chroot and mounts need root")
	}
	bb, err := exec.LookPath("busybox")
	if err != nil {
		t.Skip("busybox not installed: no static program to run in the chroot")
	}
	dir := t.TempDir()
	os.MkdirAll(filepath.Join(dir, "bin"), 0o755)
	data, err := os.ReadFile(bb)
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(dir, "bin/busybox"), data, 0o755)
	c, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	var out strings.Builder
	c.Stdout = &out
	if err := c.Run(context.Background(), nil, "/bin/busybox", "sh", "-c", "test -c /dev/null && test -r /proc/self/status && echo ok"); err != nil {
		t.Fatal(err)
	}
	if strings.TrimSpace(out.String()) != "ok" {
		t.Errorf("output %q", out.String())
	}
	err = c.Run(context.Background(), nil, "/bin/busybox", "sh", "-c", "echo boom >&2; exit 3")
	var se *ScriptError
	if !errors.As(err, &se) || !strings.Contains(se.Error(), "boom") {
		t.Errorf("failing script error = %v, want *ScriptError with its output", err)
	}
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	mounts, _ := os.ReadFile("/proc/self/mounts")
	if strings.Contains(string(mounts), dir) {
		t.Errorf("mounts left under %s after Close", dir)
	}
}

// TestFastPointerAuth keeps QEMU_CPU only when the probe runs with it.
// Natively the variable means nothing, so a program of the chroot stands
// for a qemu-user that accepts it and a missing one for one that refuses.
func TestFastPointerAuth(t *testing.T) {
	c := openChroot(t, helperChroot(t, nil))
	want := "QEMU_CPU=" + fastArm64CPU
	if c.FastPointerAuth(context.Background(), "no-such-probe") || contains(c.Env, want) {
		t.Errorf("a probe that fails kept %s: %q", want, c.Env)
	}
	if !c.FastPointerAuth(context.Background(), "ldconfig") || !contains(c.Env, want) {
		t.Errorf("a probe that runs did not keep %s: %q", want, c.Env)
	}
}
