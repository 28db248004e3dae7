package main

// Interrupted and concurrent runs of the plinth binary against a fake,
// signed archive on loopback: SIGKILL at several points then a rerun, two
// builds sharing one cache, and (as root) SIGINT/SIGTERM while maintainer
// scripts run in the chroot.

import (
	"archive/tar"
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/plinth-build/plinth/debpkg/debtest"
	"github.com/plinth-build/plinth/qemu"
)

// fakeRun is a built plinth binary, a fake archive served slowly enough
// that a build takes a while, and a directory of recipes for it.
type fakeRun struct {
	bin     string
	recipes string
	archive *debtest.Archive
}

// plinthBinary builds cmd/plinth once per test.
func plinthBinary(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "plinth")
	cmd := exec.Command("go", "build", "-o", bin, ".")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("building plinth: %v\n%s", err, out)
	}
	return bin
}

// newFakeRun serves debs as bookworm (each .deb answered after delay) and
// writes the recipes: name -> TOML after the [source] section.
func newFakeRun(t *testing.T, debs []debtest.Deb, delay time.Duration, recipes map[string]string) *fakeRun {
	t.Helper()
	a := debtest.NewArchive(t, []debtest.Suite{{Name: "bookworm", Debs: debs, Archs: []string{"amd64"}}}, debtest.Tamper{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, ".deb") {
			select {
			case <-time.After(delay):
			case <-r.Context().Done():
				return
			}
		}
		a.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "archive.asc"), a.PublicKey, 0o644); err != nil {
		t.Fatal(err)
	}
	for name, rest := range recipes {
		body := fmt.Sprintf("format = 1\nname = %q\n[source]\ndistro = \"debian\"\nsuite = \"bookworm\"\nsuites = [\"bookworm\"]\nmirror = %q\nkeyring = \"archive.asc\"\n%s", name, srv.URL, rest)
		if err := os.WriteFile(filepath.Join(dir, name+".toml"), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return &fakeRun{bin: plinthBinary(t), recipes: dir, archive: a}
}

// command returns `plinth build RECIPE -o OUT --cache-dir CACHE` with a
// clean environment.
func (f *fakeRun) command(recipe, out, cache string) (*exec.Cmd, *bytes.Buffer, *bytes.Buffer) {
	cmd := exec.Command(f.bin, "build", filepath.Join(f.recipes, recipe+".toml"), "-o", out, "--cache-dir", cache, "--arch", "amd64")
	cmd.Env = []string{"PATH=/usr/sbin:/usr/bin:/sbin:/bin", "HOME=" + cache, "TMPDIR=" + os.TempDir()}
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	return cmd, &stdout, &stderr
}

var digestRE = regexp.MustCompile(`\((sha256:[0-9a-f]{64})\)`)

// build runs a build to completion and returns the image digest it printed.
func (f *fakeRun) build(t *testing.T, recipe, out, cache string) string {
	t.Helper()
	cmd, stdout, stderr := f.command(recipe, out, cache)
	if err := cmd.Run(); err != nil {
		t.Fatalf("plinth build %s: %v\n%s", recipe, err, stderr)
	}
	m := digestRE.FindStringSubmatch(stdout.String())
	if m == nil {
		t.Fatalf("no digest in the output of plinth build %s:\n%s", recipe, stdout)
	}
	return m[1]
}

// leftovers lists the temporary files and directories under dirs.
func leftovers(t *testing.T, dirs ...string) []string {
	t.Helper()
	var out []string
	for _, dir := range dirs {
		filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				return nil
			}
			name := d.Name()
			if strings.Contains(name, ".tmp-") || strings.HasSuffix(name, ".tmp") || strings.HasPrefix(name, "plinth-chroot-") {
				out = append(out, p)
				if d.IsDir() {
					return filepath.SkipDir
				}
			}
			return nil
		})
	}
	return out
}

// noiseDebs are packages of random (incompressible) content, so that
// fetching, compressing and writing take measurable time.
func noiseDebs(n, size int) []debtest.Deb {
	var debs []debtest.Deb
	for i := range n {
		data := make([]byte, size)
		rand.Read(data)
		debs = append(debs, debtest.Deb{
			Control:     debtest.Control(fmt.Sprintf("noise%d", i), "1.0-1", "amd64"),
			Files:       []debtest.File{{Path: fmt.Sprintf("/usr/share/noise%d/data", i), Data: data}, {Path: fmt.Sprintf("/usr/bin/noise%d", i), Mode: 0o4755, Data: []byte("x")}},
			Compression: "gz",
		})
	}
	return debs
}

func noiseRecipe(n int) string {
	var names []string
	for i := range n {
		names = append(names, fmt.Sprintf("%q", fmt.Sprintf("noise%d", i)))
	}
	return "[packages]\nvariant = \"none\"\ninclude = [" + strings.Join(names, ", ") + "]\n[rootfs]\nconfigure = \"none\"\n"
}

// TestKillAndRerun SIGKILLs a build at several points (fetching,
// unpacking, writing), reruns it over the same cache and output: the rerun
// succeeds with the clean build's digest and no temporary file is left in
// the output's directory or the cache.
func TestKillAndRerun(t *testing.T) {
	const n = 6
	f := newFakeRun(t, noiseDebs(n, 2<<20), 150*time.Millisecond, map[string]string{"noise": noiseRecipe(n)})
	start := time.Now()
	want := f.build(t, "noise", "oci:"+filepath.Join(t.TempDir(), "img"), t.TempDir())
	clean := time.Since(start)
	t.Logf("clean build: %v, %s", clean, want)
	for _, at := range []time.Duration{50 * time.Millisecond, 200 * time.Millisecond, 500 * time.Millisecond, clean * 6 / 10} {
		t.Run(fmt.Sprintf("kill after %v", at.Round(time.Millisecond)), func(t *testing.T) {
			cache, parent := t.TempDir(), t.TempDir()
			out := "oci:" + filepath.Join(parent, "img")
			cmd, _, stderr := f.command("noise", out, cache)
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			time.Sleep(at)
			cmd.Process.Kill()
			err := cmd.Wait()
			var ee *exec.ExitError
			if !errors.As(err, &ee) || ee.ExitCode() != -1 {
				t.Logf("the build ended before the kill (%v): the kill point is too late\n%s", err, stderr)
			}
			t.Logf("left by the kill: %v", leftovers(t, parent, cache))
			if got := f.build(t, "noise", out, cache); got != want {
				t.Errorf("rerun digest %s, want the clean build's %s", got, want)
			}
			if left := leftovers(t, parent, cache); len(left) > 0 {
				t.Errorf("temporary files left after the rerun: %v", left)
			}
		})
	}
}

// TestConcurrentBuildsShareCache runs two builds at once over one cache,
// to two outputs: both succeed with the same digest.
func TestConcurrentBuildsShareCache(t *testing.T) {
	const n = 4
	f := newFakeRun(t, noiseDebs(n, 1<<20), 50*time.Millisecond, map[string]string{"noise": noiseRecipe(n)})
	cache := t.TempDir()
	var wg sync.WaitGroup
	digests := make([]string, 2)
	errs := make([]error, 2)
	for i := range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			cmd, stdout, stderr := f.command("noise", "oci:"+filepath.Join(t.TempDir(), "img"), cache)
			if err := cmd.Run(); err != nil {
				errs[i] = fmt.Errorf("%v\n%s", err, stderr)
				return
			}
			if m := digestRE.FindStringSubmatch(stdout.String()); m != nil {
				digests[i] = m[1]
			}
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("build %d: %v", i, err)
		}
	}
	if digests[0] == "" || digests[0] != digests[1] {
		t.Errorf("digests %q and %q, want one and the same", digests[0], digests[1])
	}
	if left := leftovers(t, cache); len(left) > 0 {
		t.Errorf("temporary files left in the cache: %v", left)
	}
}

// chrootDebs are a chroot in packages: the static test helper as
// /usr/bin/helper, with dpkg, ldconfig and sh links to it (see
// qemu/testdata/chroothelper), and a package whose postinst is script.
func chrootDebs(t *testing.T, script string) []debtest.Deb {
	t.Helper()
	helper := filepath.Join(t.TempDir(), "helper")
	build := exec.Command("go", "build", "-o", helper, "../../qemu/testdata/chroothelper")
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("building the chroot helper: %v\n%s", err, out)
	}
	data, err := os.ReadFile(helper)
	if err != nil {
		t.Fatal(err)
	}
	link := func(p, target string) debtest.File {
		return debtest.File{Path: p, Type: tar.TypeSymlink, Linkname: target}
	}
	return []debtest.Deb{
		{Control: debtest.Control("helper", "1", "amd64", "Essential", "yes"), Compression: "zst", Files: []debtest.File{
			{Path: "/usr/bin/helper", Mode: 0o755, Data: data},
			link("/usr/bin/dpkg", "helper"), link("/usr/bin/sh", "helper"), link("/usr/sbin/ldconfig", "/usr/bin/helper"),
			{Path: "/tmp", Type: tar.TypeDir, Mode: 0o1777},
			{Path: "/etc/hostname", Data: []byte("fake\n")},
		}},
		{Control: debtest.Control("scripted", "1", "amd64", "Depends", "helper"),
			Scripts: map[string]string{"postinst": "#!/usr/bin/helper\n" + script},
			Files:   []debtest.File{{Path: "/usr/share/doc/scripted/copyright", Data: []byte("test\n")}}},
		{Control: debtest.Control("quick", "1", "amd64", "Depends", "helper"),
			Scripts: map[string]string{"postinst": "#!/usr/bin/helper\nexit 0\n"}},
	}
}

// chrootRecipe installs the scripted package, quickRecipe the quick one.
const (
	chrootRecipe = "[packages]\nvariant = \"none\"\ninclude = [\"scripted\"]\n[rootfs]\nconfigure = \"chroot\"\nmerged_usr = true\n"
	quickRecipe  = "[packages]\nvariant = \"none\"\ninclude = [\"quick\"]\n[rootfs]\nconfigure = \"chroot\"\nmerged_usr = true\n"
)

// TestChrootInterrupt sends SIGINT or SIGTERM to plinth while a postinst
// sleeps in the chroot: plinth exits non-zero, kills the script, and leaves
// no mount, no process and no staging directory behind.
func TestChrootInterrupt(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("not root: the chroot stage needs root")
	}
	f := newFakeRun(t, chrootDebs(t, "write /tmp/started yes\nsleep 30\n"), 0, map[string]string{"sleeper": chrootRecipe, "quick": quickRecipe})
	t.Run("SIGKILL then rerun", func(t *testing.T) { killDuringChroot(t, f) })
	for _, sig := range []syscall.Signal{syscall.SIGINT, syscall.SIGTERM} {
		t.Run(sig.String(), func(t *testing.T) {
			cache := t.TempDir()
			out := filepath.Join(t.TempDir(), "out.tar")
			cmd, _, stderr := f.command("sleeper", "tar:"+out, cache)
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			staging, err := waitForScript(ctx, filepath.Join(cache, "staging"))
			if err != nil {
				cmd.Process.Kill()
				cmd.Wait()
				t.Fatalf("%v\n%s", err, stderr)
			}
			mounts, _ := qemu.MountsUnder(staging)
			t.Logf("mounts while the script runs: %v", mounts)
			sent := time.Now()
			cmd.Process.Signal(sig)
			done := make(chan error, 1)
			go func() { done <- cmd.Wait() }()
			select {
			case err = <-done:
			case <-time.After(15 * time.Second):
				cmd.Process.Kill()
				t.Fatalf("plinth still runs 15s after %v", sig)
			}
			t.Logf("exit after %v: %v; stderr: %s", time.Since(sent).Round(time.Millisecond), err, strings.TrimSpace(stderr.String()))
			if err == nil {
				t.Errorf("plinth exited 0 after %v", sig)
			}
			if !strings.Contains(stderr.String(), "stopped ("+sig.String()+" signal received)") {
				t.Errorf("stderr does not say the build was stopped:\n%s", stderr)
			}
			if left, _ := qemu.MountsUnder(cache); len(left) > 0 {
				t.Errorf("mounts left after %v: %v", sig, left)
				qemu.UnmountAll(cache)
			}
			if _, err := os.Stat(staging); !errors.Is(err, fs.ErrNotExist) {
				t.Errorf("staging directory %s left after %v", staging, sig)
			}
			if _, err := os.Stat(out); !errors.Is(err, fs.ErrNotExist) {
				t.Errorf("output %s written by an interrupted build", out)
			}
			if left := leftovers(t, filepath.Dir(out), cache); len(left) > 0 {
				t.Errorf("temporary files left: %v", left)
			}
		})
	}
}

// killDuringChroot SIGKILLs plinth while a postinst sleeps in the chroot
// (nothing can clean up then: the mounts stay, the script runs on), then
// builds another recipe over the same cache: that build undoes the mounts,
// kills the script and removes the staging directory.
func killDuringChroot(t *testing.T, f *fakeRun) {
	cache := t.TempDir()
	cmd, _, stderr := f.command("sleeper", "tar:"+filepath.Join(t.TempDir(), "out.tar"), cache)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	staging, err := waitForScript(ctx, filepath.Join(cache, "staging"))
	cmd.Process.Kill()
	cmd.Wait()
	if err != nil {
		t.Fatalf("%v\n%s", err, stderr)
	}
	t.Cleanup(func() { qemu.UnmountAll(staging) })
	mounts, _ := qemu.MountsUnder(staging)
	t.Logf("left by SIGKILL: %d mounts under %s", len(mounts), staging)
	out := filepath.Join(t.TempDir(), "quick.tar")
	rerun, _, stderr := f.command("quick", "tar:"+out, cache)
	if err := rerun.Run(); err != nil {
		t.Fatalf("rerun: %v\n%s", err, stderr)
	}
	if left, _ := qemu.MountsUnder(cache); len(left) > 0 {
		t.Errorf("mounts left after the rerun: %v", left)
	}
	if _, err := os.Stat(staging); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("the killed build's staging directory %s is still there after the rerun", staging)
	}
}

// waitForScript waits until a postinst has written tmp/started in a
// staging directory under dir, and returns that directory.
func waitForScript(ctx context.Context, dir string) (string, error) {
	for {
		matches, _ := filepath.Glob(filepath.Join(dir, "plinth-chroot-*", "tmp", "started"))
		if len(matches) > 0 {
			return filepath.Dir(filepath.Dir(matches[0])), nil
		}
		select {
		case <-ctx.Done():
			return "", fmt.Errorf("no maintainer script started under %s", dir)
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// TestChrootScriptsConfined: a postinst asking to start a service is told
// no (policy-rc.d exits 101), and one writing /etc by absolute path writes
// the image's /etc, never the host's.
func TestChrootScriptsConfined(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("not root: the chroot stage needs root")
	}
	marker := fmt.Sprintf("/etc/plinth-hardening-%d", os.Getpid())
	script := "status /etc/policy-status /usr/sbin/policy-rc.d foo start\nwrite " + marker + " written by postinst\n"
	f := newFakeRun(t, chrootDebs(t, script), 0, map[string]string{"confined": chrootRecipe})
	out := filepath.Join(t.TempDir(), "out.tar")
	cache := t.TempDir()
	cmd, _, stderr := f.command("confined", "tar:"+out, cache)
	if err := cmd.Run(); err != nil {
		t.Fatalf("plinth build: %v\n%s", err, stderr)
	}
	files := tarFiles(t, out)
	if got := strings.TrimSpace(files["etc/policy-status"]); got != "101" {
		t.Errorf("policy-rc.d foo start exited %q in the chroot, want 101 (services denied)", got)
	}
	if got := files[strings.TrimPrefix(marker, "/")]; got != "written by postinst\n" {
		t.Errorf("%s in the image = %q, want what the postinst wrote", marker, got)
	}
	if _, err := os.Stat(marker); !errors.Is(err, fs.ErrNotExist) {
		os.Remove(marker)
		t.Errorf("the postinst wrote %s on the host", marker)
	}
	if _, ok := files["usr/sbin/policy-rc.d"]; ok {
		t.Error("policy-rc.d is left in the image")
	}
	if left, _ := qemu.MountsUnder(cache); len(left) > 0 {
		t.Errorf("mounts left: %v", left)
	}
}

// tarFiles reads a tar file's regular files by name.
func tarFiles(t *testing.T, path string) map[string]string {
	t.Helper()
	fh, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer fh.Close()
	out := map[string]string{}
	tr := tar.NewReader(fh)
	for {
		hdr, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return out
		}
		if err != nil {
			t.Fatal(err)
		}
		data, _ := io.ReadAll(tr)
		out[hdr.Name] = string(data)
	}
}
