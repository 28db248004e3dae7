package qemu

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// helperChroot builds testdata/chroothelper (static) into a fresh chroot
// directory as /usr/bin/helper, with /usr/bin/dpkg and /sbin/ldconfig
// links to it, and writes scripts (name -> body) under /scripts.
func helperChroot(t *testing.T, scripts map[string]string) string {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("not root: chroot and mounts need root")
	}
	dir := t.TempDir()
	for _, d := range []string{"usr/bin", "sbin", "scripts", "tmp"} {
		if err := os.MkdirAll(filepath.Join(dir, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	helper, err := os.ReadFile(buildStaticHelper(t))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "usr/bin/helper"), helper, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, l := range [][2]string{{"helper", "usr/bin/dpkg"}, {"/usr/bin/helper", "sbin/ldconfig"}} {
		if err := os.Symlink(l[0], filepath.Join(dir, l[1])); err != nil {
			t.Fatal(err)
		}
	}
	for name, body := range scripts {
		if err := os.WriteFile(filepath.Join(dir, "scripts", name), []byte("#!/usr/bin/helper\n"+body), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func openChroot(t *testing.T, dir string) *Chroot {
	t.Helper()
	c, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

func checkNoMounts(t *testing.T, dir string) {
	t.Helper()
	mounts, err := MountsUnder(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(mounts) > 0 {
		t.Errorf("mounts left under %s: %v", dir, mounts)
		UnmountAll(dir)
	}
}

func checkNoProcesses(t *testing.T, dir string) {
	t.Helper()
	pids, err := processesInside(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(pids) > 0 {
		t.Errorf("processes left running inside %s: %v", dir, pids)
	}
}

// TestChrootCancelDuringScript cancels a long-running script (what SIGINT
// and SIGTERM do to plinth's context): Run returns at once, its process
// group is dead, and Close leaves no mount.
func TestChrootCancelDuringScript(t *testing.T) {
	dir := helperChroot(t, map[string]string{"long": "write /tmp/started yes\nsleep 30\n"})
	c := openChroot(t, dir)
	if mounts, _ := MountsUnder(dir); len(mounts) != 4 {
		t.Fatalf("after Open: mounts %v, want proc, sys, dev, dev/pts", mounts)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	start := time.Now()
	go func() { done <- c.Run(ctx, nil, "/scripts/long") }()
	waitFor(t, filepath.Join(dir, "tmp/started"))
	cancel()
	select {
	case err := <-done:
		var se *ScriptError
		if !errors.As(err, &se) {
			t.Errorf("Run after cancel = %v, want a *ScriptError", err)
		}
		if d := time.Since(start); d > 10*time.Second {
			t.Errorf("Run took %v after cancel", d)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Run did not return within 10s of cancel")
	}
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	checkNoMounts(t, dir)
	checkNoProcesses(t, dir)
}

// TestChrootCloseKillsDaemons: a script that starts a daemon in its own
// session (out of reach of the process-group kill) does not keep it
// running, nor the mounts busy, after Close.
func TestChrootCloseKillsDaemons(t *testing.T) {
	dir := helperChroot(t, map[string]string{"daemon": "daemon 30\n"})
	c := openChroot(t, dir)
	if err := c.Run(context.Background(), nil, "/scripts/daemon"); err != nil {
		t.Fatal(err)
	}
	if pids, _ := processesInside(dir); len(pids) == 0 {
		t.Fatal("the daemon is not running inside the chroot: the test cannot tell Close kills it")
	}
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	checkNoMounts(t, dir)
	checkNoProcesses(t, dir)
}

// TestChrootFindsProgramsInside: a bare program name is looked up in the
// chroot's PATH, never the host's.
func TestChrootFindsProgramsInside(t *testing.T) {
	dir := helperChroot(t, nil)
	c := openChroot(t, dir)
	var out strings.Builder
	c.Stdout = &out
	if err := c.Run(context.Background(), nil, "ldconfig"); err != nil {
		t.Errorf("ldconfig (a symlink to an absolute path inside the chroot): %v", err)
	}
	// sh exists on every host, not in this chroot.
	err := c.Run(context.Background(), nil, "sh", "-c", "true")
	var se *ScriptError
	if !errors.As(err, &se) || !strings.Contains(err.Error(), "not found in the chroot's PATH") {
		t.Errorf("running sh, which only the host has: %v, want a *ScriptError saying it is not in the chroot", err)
	}
	if err := c.Run(context.Background(), nil); err == nil {
		t.Error("Run with no argv succeeded")
	}
}

// TestChrootRefusesSymlinkedMountTarget: a tree whose /proc is a symlink to
// somewhere on the host gets no mount there.
func TestChrootRefusesSymlinkedMountTarget(t *testing.T) {
	dir := helperChroot(t, nil)
	outside := t.TempDir()
	if err := os.Symlink(outside, filepath.Join(dir, "sys")); err != nil {
		t.Fatal(err)
	}
	if c, err := Open(dir); err == nil {
		c.Close()
		t.Fatal("Open succeeded with /sys a symlink out of the chroot")
	} else {
		t.Logf("Open: %v", err)
	}
	checkNoMounts(t, dir)
	checkNoMounts(t, outside)
}

// TestUnmountAllAfterKill plays a plinth killed before Close could run (the
// Chroot is dropped, a daemon still runs): UnmountAll clears both.
func TestUnmountAllAfterKill(t *testing.T) {
	dir := helperChroot(t, map[string]string{"daemon": "daemon 30\n"})
	c, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Run(context.Background(), nil, "/scripts/daemon"); err != nil {
		c.Close()
		t.Fatal(err)
	}
	if err := UnmountAll(dir); err != nil {
		t.Fatal(err)
	}
	checkNoMounts(t, dir)
	checkNoProcesses(t, dir)
	if err := c.Close(); err != nil { // a late Close is harmless
		t.Errorf("Close after UnmountAll: %v", err)
	}
	if err := UnmountAll(filepath.Join(dir, "missing")); err != nil {
		t.Errorf("UnmountAll of a missing dir: %v", err)
	}
}

func TestProcessesInsideRootRefused(t *testing.T) {
	if _, err := processesInside("/"); err == nil {
		t.Error("processesInside(/) listed processes: Close or UnmountAll would kill the host")
	}
}

func TestUnescapeMountinfo(t *testing.T) {
	for in, want := range map[string]string{
		`/plain`:              "/plain",
		`/with\040space`:      "/with space",
		`/tab\011and\134back`: "/tab\tand\\back",
		`/trailing\`:          `/trailing\`,
		`/bad\9xy`:            `/bad\9xy`,
	} {
		if diff := cmp.Diff(want, unescapeMountinfo(in)); diff != "" {
			t.Errorf("unescapeMountinfo(%q) (-want +got):\n%s", in, diff)
		}
	}
}

func waitFor(t *testing.T, path string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		if _, err := os.Stat(path); err == nil {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("%s did not appear within 10s", path)
}
