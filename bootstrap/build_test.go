package bootstrap

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/plinth-build/plinth/debpkg/resolve"
	"github.com/plinth-build/plinth/rootfs"
)

// readTarTree reads a tar: output back into a tree.
func readTarTree(t *testing.T, path string) *rootfs.Tree {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	tree, err := rootfs.ReadTar(f)
	if err != nil {
		t.Fatalf("reading %s: %v", path, err)
	}
	return tree
}

func dumpLines(tree *rootfs.Tree) string {
	dump := rootfs.TreeDump(tree)
	paths := make([]string, 0, len(dump))
	for p := range dump {
		paths = append(paths, p)
	}
	sort.Strings(paths)
	var b strings.Builder
	for _, p := range paths {
		fmt.Fprintf(&b, "%s\t%s\n", p, dump[p])
	}
	return b.String()
}

// TestBuildGolden builds the static and busybox recipes (extending the
// built-ins) from the fake archive and compares their trees with goldens.
func TestBuildGolden(t *testing.T) {
	a := newTestArchive(t)
	for _, name := range []string{"static", "busybox"} {
		t.Run(name, func(t *testing.T) {
			out := filepath.Join(t.TempDir(), name+".tar")
			res, err := Build(context.Background(), a.options(t, name, "tar:"+out))
			if err != nil {
				t.Fatal(err)
			}
			got := dumpLines(readTarTree(t, out))
			golden := filepath.Join("testdata", name+".golden")
			if *fxUpdate {
				if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run go test -update to create it)", err)
			}
			if diff := cmp.Diff(string(want), got); diff != "" {
				t.Errorf("tree of %s differs from %s (-want +got):\n%s", name, golden, diff)
			}
			if len(res.Images) != 1 || res.Images[0].LayerSize == 0 {
				t.Errorf("result = %+v", res)
			}
		})
	}
}

// TestExtractOnlyBase checks what the stand-ins promise, beyond the golden.
func TestExtractOnlyBase(t *testing.T) {
	a := newTestArchive(t)
	out := filepath.Join(t.TempDir(), "static.tar")
	res, err := Build(context.Background(), a.options(t, "static", "tar:"+out))
	if err != nil {
		t.Fatal(err)
	}
	tree := readTarTree(t, out)
	mustRead := func(p string) string {
		data, err := tree.ReadFile(p)
		if err != nil {
			t.Fatalf("reading %s: %v", p, err)
		}
		return string(data)
	}
	var pkgs []string
	for _, p := range res.Images[0].Packages {
		pkgs = append(pkgs, p.Name+"="+p.Version+"@"+p.Suite)
	}
	sort.Strings(pkgs)
	want := []string{"base-files=12.4+deb12u5@bookworm", "ca-certificates=20230311@bookworm", "netbase=6.4@bookworm", "tzdata=2024b-0+deb12u1@bookworm-updates"}
	if diff := cmp.Diff(want, pkgs); diff != "" {
		t.Errorf("packages (-want +got):\n%s\nfiles_only must keep awk, debconf and openssl out; updates must win", diff)
	}
	checks := []struct {
		name string
		ok   bool
	}{
		{"CA bundle holds both test certificates", strings.Count(mustRead("/etc/ssl/certs/ca-certificates.crt"), "BEGIN CERTIFICATE") == 2},
		{"passwd has root, nonroot and nobody", strings.Contains(mustRead("/etc/passwd"), "nonroot:x:65532:65532") && strings.Contains(mustRead("/etc/passwd"), "nobody:x:65534")},
		{"status lists four installed packages", strings.Count(mustRead("/var/lib/dpkg/status"), "Status: install ok installed") == 4},
		{"no debconf templates without scripts", !exists(tree, "/var/lib/dpkg/info/tzdata.templates")},
		{"zoneinfo right/ pruned by path_exclude", !exists(tree, "/usr/share/zoneinfo/right/Etc/UTC") && exists(tree, "/usr/share/zoneinfo/Etc/UTC")},
		{"pruned files are not in the .list", !strings.Contains(mustRead("/var/lib/dpkg/info/tzdata.list"), "/right/Etc/UTC")},
		{"docs pruned, copyright kept", !exists(tree, "/usr/share/doc/base-files/README") && exists(tree, "/usr/share/doc/ca-certificates/copyright")},
		{"no shell", !exists(tree, "/bin/sh") && !exists(tree, "/usr/bin/sh")},
		{"/bin is merged", isSymlink(tree, "/bin", "usr/bin")},
	}
	for _, c := range checks {
		if !c.ok {
			t.Errorf("%s: no", c.name)
		}
	}
	if n, _ := tree.Get("/tmp"); n == nil || n.Mode != 0o1777 {
		t.Errorf("/tmp = %+v, want mode 1777", n)
	}
}

func exists(t *rootfs.Tree, p string) bool {
	_, ok := t.Get(p)
	return ok
}

func isSymlink(t *rootfs.Tree, p, target string) bool {
	n, ok := t.Get(p)
	return ok && n.Type == rootfs.TypeSymlink && n.Link == target
}

// reproChild is what TestReproducible asks of one child build.
type reproChild struct {
	Recipe, Output, CacheDir, HostRoot string
	Umask                              int
	TarOut                             string
	NowEpoch                           int64
}

// TestReproducible builds the same image three times, each in a child
// process (the test binary itself) with its own cache state, umask, time
// zone and working directory: the digests must match. On a mismatch it
// prints which files differ and how.
func TestReproducible(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: runs three child builds")
	}
	a := newTestArchive(t)
	build := func(t *testing.T, cache string, umask int, tz string) (string, string) {
		t.Helper()
		opts := a.options(t, "busybox", "oci:"+filepath.Join(t.TempDir(), "img"))
		job := reproChild{Recipe: opts.Recipe, Output: opts.Output, CacheDir: cache, HostRoot: opts.HostRoot,
			Umask: umask, TarOut: filepath.Join(t.TempDir(), "rootfs.tar"), NowEpoch: a.Now().Unix()}
		data, err := json.Marshal(job)
		if err != nil {
			t.Fatal(err)
		}
		cmd := exec.Command(os.Args[0], "-test.run=^TestReproducibleChild$", "-test.v")
		cmd.Env = append(os.Environ(), "TZ="+tz, "PLINTH_REPRO_CHILD="+string(data))
		cmd.Dir = t.TempDir()
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("child build: %v\n%s", err, out)
		}
		_, digest, ok := strings.Cut(string(out), "DIGEST=")
		if !ok {
			t.Fatalf("child printed no digest:\n%s", out)
		}
		return strings.Fields(digest)[0], job.TarOut
	}
	cache := t.TempDir()
	d1, tar1 := build(t, cache, 0o022, "UTC")
	d2, tar2 := build(t, cache, 0o077, "Pacific/Kiritimati")
	d3, tar3 := build(t, t.TempDir(), 0o002, "America/Anchorage")
	for i, d := range []struct{ digest, tar string }{{d2, tar2}, {d3, tar3}} {
		if d.digest != d1 {
			t.Errorf("build %d digest %s != first build's %s; tree differences (-first +this):\n%s",
				i+2, d.digest, d1, cmp.Diff(dumpLines(readTarTree(t, tar1)), dumpLines(readTarTree(t, d.tar))))
		}
	}
}

// TestReproducibleChild is one build of TestReproducible, run in a child
// process; it does nothing otherwise.
func TestReproducibleChild(t *testing.T) {
	spec := os.Getenv("PLINTH_REPRO_CHILD")
	if spec == "" {
		t.Skip("a helper of TestReproducible, run in a child process")
	}
	var job reproChild
	if err := json.Unmarshal([]byte(spec), &job); err != nil {
		t.Fatal(err)
	}
	syscall.Umask(job.Umask)
	now := time.Unix(job.NowEpoch, 0)
	opts := Options{Recipe: job.Recipe, Archs: []string{"amd64"}, Output: job.Output, CacheDir: job.CacheDir,
		HostRoot: job.HostRoot, Now: func() time.Time { return now }}
	res, err := Build(context.Background(), opts)
	if err != nil {
		t.Fatal(err)
	}
	opts.Output = "tar:" + job.TarOut
	if _, err := Build(context.Background(), opts); err != nil {
		t.Fatal(err)
	}
	fmt.Printf("DIGEST=%s\n", res.Digest)
}

// TestLockAndRefresh locks, builds from the lock, and refreshes a lock
// whose tzdata was edited back.
func TestLockAndRefresh(t *testing.T) {
	a := newTestArchive(t)
	lockPath := filepath.Join(t.TempDir(), "static.lock")
	opts := a.options(t, "static", "oci:"+filepath.Join(t.TempDir(), "img"))
	l, _, err := Lock(context.Background(), LockOptions{Options: opts, Output: lockPath})
	if err != nil {
		t.Fatal(err)
	}
	if len(l.Packages) != 4 || len(l.Suites) != 3 {
		t.Fatalf("lock has %d packages, %d suites; want 4, 3", len(l.Packages), len(l.Suites))
	}
	free, err := Build(context.Background(), opts)
	if err != nil {
		t.Fatal(err)
	}
	locked := opts
	locked.LockFile = lockPath
	locked.CacheDir = t.TempDir() // empty cache: everything fetched by hash
	locked.Output = "oci:" + filepath.Join(t.TempDir(), "img")
	res, err := Build(context.Background(), locked)
	if err != nil {
		t.Fatal(err)
	}
	if res.Digest != free.Digest {
		t.Errorf("locked build digest %s != unlocked %s", res.Digest, free.Digest)
	}

	var out strings.Builder
	changes, err := Refresh(context.Background(), &out, RefreshOptions{Options: opts, LockFile: lockPath})
	if err != nil || len(changes) != 0 {
		t.Fatalf("refresh of a current lock: %v, %v", changes, err)
	}
	edited := strings.Replace(mustReadFile(t, lockPath), `version = "2024b-0+deb12u1"`, `version = "2024a-0+deb12u1"`, 1)
	os.WriteFile(lockPath, []byte(edited), 0o644)
	out.Reset()
	changes, err = Refresh(context.Background(), &out, RefreshOptions{Options: opts, LockFile: lockPath, Write: true})
	if err != nil {
		t.Fatal(err)
	}
	want := []Change{{Arch: "amd64", Name: "tzdata", Old: "2024a-0+deb12u1", New: "2024b-0+deb12u1", Suite: "bookworm-updates"}}
	if diff := cmp.Diff(want, changes); diff != "" {
		t.Errorf("changes (-want +got):\n%s", diff)
	}
	if !strings.Contains(out.String(), "~ amd64/tzdata 2024a-0+deb12u1 -> 2024b-0+deb12u1 (bookworm-updates)") {
		t.Errorf("refresh printed %q", out.String())
	}
	if !strings.Contains(mustReadFile(t, lockPath), `version = "2024b-0+deb12u1"`) {
		t.Error("--write did not update the lockfile")
	}
}

func TestLockedPackageGone(t *testing.T) {
	a := newTestArchive(t)
	lockPath := filepath.Join(t.TempDir(), "static.lock")
	opts := a.options(t, "static", "oci:"+filepath.Join(t.TempDir(), "img"))
	l, _, err := Lock(context.Background(), LockOptions{Options: opts, Output: lockPath})
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range l.Packages {
		if p.Name == "netbase" {
			a.Delete(p.Filename)
		}
	}
	opts.LockFile = lockPath
	_, err = Build(context.Background(), opts)
	if err == nil || !strings.Contains(err.Error(), "netbase") {
		t.Fatalf("build with a package gone from the mirror: %v, want an error naming netbase", err)
	}
}

func mustReadFile(t *testing.T, p string) string {
	t.Helper()
	data, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

// TestSBOMMatchesStatus checks the SPDX document lists exactly the
// packages of the image's dpkg status, with purls.
func TestSBOMMatchesStatus(t *testing.T) {
	a := newTestArchive(t)
	dir := t.TempDir()
	opts := a.options(t, "busybox", "oci:"+filepath.Join(dir, "img"))
	opts.SBOM = filepath.Join(dir, "sbom.json")
	res, err := Build(context.Background(), opts)
	if err != nil {
		t.Fatal(err)
	}
	var doc spdxDocument
	if err := json.Unmarshal([]byte(mustReadFile(t, opts.SBOM)), &doc); err != nil {
		t.Fatal(err)
	}
	if doc.SPDXVersion != "SPDX-2.3" {
		t.Errorf("spdxVersion = %q", doc.SPDXVersion)
	}
	var got []string
	for _, p := range doc.Packages {
		if p.PrimaryPurpose == "CONTAINER" {
			if p.VersionInfo != res.Digest {
				t.Errorf("image package version %q, want the digest %s", p.VersionInfo, res.Digest)
			}
			continue
		}
		got = append(got, p.Name+" "+p.VersionInfo+" "+p.ExternalRefs[0].Locator)
	}
	sort.Strings(got)
	want := []string{
		"base-files 12.4+deb12u5 pkg:deb/debian/base-files@12.4+deb12u5?arch=amd64",
		"busybox 1:1.35.0-4+b3 pkg:deb/debian/busybox@1:1.35.0-4+b3?arch=amd64",
		"libc6 2.36-9+deb12u4 pkg:deb/debian/libc6@2.36-9+deb12u4?arch=amd64",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("SBOM packages (-want +got):\n%s", diff)
	}
}

func TestBuildErrors(t *testing.T) {
	a := newTestArchive(t)
	bad := filepath.Join(a.dir, "bad.toml")
	os.WriteFile(bad, []byte("format = 1\nextends = \"busybox.toml\"\n[packages]\ninclude = [\"busybox\", \"no-such-package\"]\n"), 0o644)
	tests := []struct {
		name   string
		recipe string
		want   string
		as     any
	}{
		{"unknown package", "bad", "no-such-package", new(*resolve.NotFoundError)},
		{"unknown recipe", "missing", "missing.toml", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Build(context.Background(), a.options(t, tt.recipe, "oci:"+t.TempDir()))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want one naming %s", err, tt.want)
			}
			if tt.as != nil && !errors.As(err, tt.as) {
				t.Errorf("err %T does not unwrap to %T", err, tt.as)
			}
		})
	}
	t.Run("chroot recipe without root", func(t *testing.T) {
		msg := (&NotRootError{Recipe: "bookworm"}).Error()
		for _, w := range []string{"root", "configure = \"none\"", "static"} {
			if !strings.Contains(msg, w) {
				t.Errorf("NotRootError %q does not mention %q", msg, w)
			}
		}
	})
}
