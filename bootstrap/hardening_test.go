package bootstrap

// Faults at the pipeline level, offline against the fake archive: a full
// disk while writing the output, and a corrupted download cache.

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/plinth-build/plinth/debpkg/debtest"
	"github.com/plinth-build/plinth/rootfs/oci"
)

// bigArchive is the test archive plus a package of 3 MiB of random bytes
// (incompressible) and recipes "small" (netbase) and "big" (that package).
func bigArchive(t *testing.T) *testArchive {
	t.Helper()
	noise := make([]byte, 3<<20)
	rand.Read(noise)
	debs := append(fakeDebs(t), debtest.Deb{Control: debtest.Control("bigdata", "1", "all"),
		Files: []debtest.File{{Path: "/usr/share/bigdata/noise", Data: noise}}, Compression: "none"})
	a := debtest.NewArchive(t, []debtest.Suite{{Name: "bookworm", Debs: debs, Archs: []string{"amd64"}}}, debtest.Tamper{})
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "archive.asc"), a.PublicKey, 0o644); err != nil {
		t.Fatal(err)
	}
	for name, pkg := range map[string]string{"small": "netbase", "big": "bigdata"} {
		body := fmt.Sprintf(`format = 1
name = %q
[source]
distro = "debian"
suite = "bookworm"
suites = ["bookworm"]
mirror = %q
keyring = "archive.asc"
[packages]
variant = "none"
include = [%q]
[rootfs]
configure = "none"
`, name, a.URL, pkg)
		if err := os.WriteFile(filepath.Join(dir, name+".toml"), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return &testArchive{Archive: a, dir: dir}
}

// smallDisk mounts a 1 MiB tmpfs for the test.
func smallDisk(t *testing.T) string {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("not root: mounting a small tmpfs to fill needs root")
	}
	dir := t.TempDir()
	if err := unix.Mount("tmpfs", dir, "tmpfs", unix.MS_NOSUID|unix.MS_NODEV, "size=1m,mode=0755"); err != nil {
		t.Skipf("mounting a tmpfs: %v", err)
	}
	t.Cleanup(func() { unix.Unmount(dir, unix.MNT_DETACH) })
	return dir
}

// snapshot maps every path under dir to its type and content hash.
func snapshot(t *testing.T, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		if d.IsDir() {
			out[rel] = "dir"
			return nil
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		out[rel] = fmt.Sprintf("%x", sha256.Sum256(data))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// TestDiskFullOutput fills the disk while writing each kind of output:
// the build fails naming ENOSPC, leaves no temporary file or half layout,
// and an earlier output at the same place is left exactly as it was.
func TestDiskFullOutput(t *testing.T) {
	a := bigArchive(t)
	for _, kind := range []string{"tar", "oci", "dir"} {
		t.Run(kind, func(t *testing.T) {
			disk := smallDisk(t)
			out := filepath.Join(disk, "out")
			if kind == "tar" {
				out += ".tar"
			}
			if kind != "dir" { // a dir: output must be new or empty: nothing to keep
				if _, err := Build(context.Background(), a.options(t, "small", kind+":"+out)); err != nil {
					t.Fatalf("the small build does not fit the small disk: %v", err)
				}
			}
			before := snapshot(t, disk)
			_, err := Build(context.Background(), a.options(t, "big", kind+":"+out))
			if err == nil {
				t.Fatal("building 3 MiB onto a 1 MiB disk succeeded")
			}
			t.Logf("error: %v", err)
			if !strings.Contains(err.Error(), "no space left on device") || !strings.Contains(err.Error(), "writing "+kind+":") {
				t.Errorf("error %q does not say the output and ENOSPC", err)
			}
			if !errorsIsENOSPC(err) {
				t.Errorf("error %v does not wrap ENOSPC", err)
			}
			if diff := cmpMaps(before, snapshot(t, disk)); diff != "" {
				t.Errorf("the disk changed after the failed build:\n%s", diff)
			}
		})
	}
}

func errorsIsENOSPC(err error) bool {
	for e := err; e != nil; {
		if e == syscall.ENOSPC {
			return true
		}
		switch u := e.(type) {
		case interface{ Unwrap() error }:
			e = u.Unwrap()
		case interface{ Unwrap() []error }:
			for _, x := range u.Unwrap() {
				if errorsIsENOSPC(x) {
					return true
				}
			}
			return false
		default:
			return false
		}
	}
	return false
}

func cmpMaps(want, got map[string]string) string {
	var keys []string
	seen := map[string]bool{}
	for k := range want {
		keys, seen[k] = append(keys, k), true
	}
	for k := range got {
		if !seen[k] {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	var b strings.Builder
	for _, k := range keys {
		if want[k] != got[k] {
			fmt.Fprintf(&b, "  %s: %q -> %q\n", k, want[k], got[k])
		}
	}
	return b.String()
}

// TestCorruptCachedDeb flips a bit in every cached .deb (and truncates
// one): the next build notices, fetches them again and gives the same
// image.
func TestCorruptCachedDeb(t *testing.T) {
	a := newTestArchive(t)
	opts := a.options(t, "busybox", "oci:"+filepath.Join(t.TempDir(), "img"))
	first, err := Build(context.Background(), opts)
	if err != nil {
		t.Fatal(err)
	}
	debs := cachedDebs(t, opts.CacheDir)
	if len(debs) < 2 {
		t.Fatalf("found %d cached .debs, want the busybox recipe's (>= 2)", len(debs))
	}
	for i, p := range debs {
		data, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		if i == 0 {
			data = data[:len(data)-7]
		} else {
			data[len(data)/2] ^= 0x10
		}
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	requests := len(a.Requests())
	var log bytes.Buffer
	opts.Log = &log
	opts.Output = "oci:" + filepath.Join(t.TempDir(), "img")
	second, err := Build(context.Background(), opts)
	if err != nil {
		t.Fatalf("build over a corrupted cache: %v", err)
	}
	if second.Digest != first.Digest {
		t.Errorf("digest %s over a corrupted cache, want %s", second.Digest, first.Digest)
	}
	refetched := 0
	for _, r := range a.Requests()[requests:] {
		if strings.HasSuffix(r, ".deb") {
			refetched++
		}
	}
	if refetched != len(debs) {
		t.Errorf("%d .debs fetched again, want %d (every corrupted one)", refetched, len(debs))
	}
	if n := strings.Count(log.String(), "does not verify"); n != len(debs) {
		t.Errorf("log says %d cached files do not verify, want %d:\n%s", n, len(debs), log.String())
	}
	for _, p := range cachedDebs(t, opts.CacheDir) {
		data, _ := os.ReadFile(p)
		if fmt.Sprintf("%x", sha256.Sum256(data)) != filepath.Base(p) {
			t.Errorf("cache entry %s does not hold its hash after the rebuild", p)
		}
	}
}

// TestCorruptUnpackCache flips a bit in every entry of the unpack cache:
// the next build notices, decodes the .debs again and gives the same image.
func TestCorruptUnpackCache(t *testing.T) {
	a := newTestArchive(t)
	opts := a.options(t, "busybox", "oci:"+filepath.Join(t.TempDir(), "img"))
	first, err := Build(context.Background(), opts)
	if err != nil {
		t.Fatal(err)
	}
	entries, _ := filepath.Glob(filepath.Join(opts.CacheDir, "unpacked", "*"))
	if len(entries) == 0 {
		t.Skip("no unpack cache entries: nothing to corrupt")
	}
	for _, p := range entries {
		data, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		data[len(data)-1] ^= 0x01
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	opts.Output = "oci:" + filepath.Join(t.TempDir(), "img")
	second, err := Build(context.Background(), opts)
	if err != nil {
		t.Fatalf("build over a corrupted unpack cache: %v", err)
	}
	if second.Digest != first.Digest {
		t.Errorf("digest %s over a corrupted unpack cache, want %s", second.Digest, first.Digest)
	}
}

// cachedDebs lists the .debs (ar archives) in the download cache.
func cachedDebs(t *testing.T, cache string) []string {
	t.Helper()
	entries, err := os.ReadDir(filepath.Join(cache, "sha256"))
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range entries {
		p := filepath.Join(cache, "sha256", e.Name())
		data, err := os.ReadFile(p)
		if err == nil && bytes.HasPrefix(data, []byte("!<arch>\n")) {
			out = append(out, p)
		}
	}
	return out
}

// TestLockCacheSweeps: the first plinth on a cache removes what killed
// runs left there and next to its output; one that finds the cache in use
// leaves everything alone, since the temporary files may be live.
func TestLockCacheSweeps(t *testing.T) {
	cache, outDir := t.TempDir(), t.TempDir()
	busy, alone, err := lockCache(cache) // another plinth, running
	if err != nil || !alone {
		t.Fatalf("lockCache on an unused cache = %v, alone %v", err, alone)
	}
	stale := []string{
		filepath.Join(cache, "sha256", ".0123456789abcdef-42.tmp"),
		filepath.Join(cache, "unpacked", ".tmp-42"),
		filepath.Join(outDir, ".img.tmp-42", "oci-layout"),
		filepath.Join(outDir, "img", "blobs", "sha256", ".abc.tmp-42"),
	}
	kept := []string{
		filepath.Join(cache, "sha256", "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"),
		filepath.Join(outDir, ".other.tmp-42"),
		filepath.Join(outDir, "img", "index.json"),
	}
	for _, p := range append(append([]string{}, stale...), kept...) {
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte("x"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	dest, err := oci.ParseDestination("oci:" + filepath.Join(outDir, "img"))
	if err != nil {
		t.Fatal(err)
	}
	unlock, alone, err := lockCache(cache)
	if err != nil || alone {
		t.Fatalf("lockCache on a cache in use = %v, alone %v; want not alone", err, alone)
	}
	unlock()
	busy()
	for _, p := range append(append([]string{}, stale...), kept...) {
		if _, err := os.Stat(p); err != nil {
			t.Errorf("%s was removed while another plinth held the cache: %v", p, err)
		}
	}
	unlock, alone, err = lockCache(cache)
	if err != nil || !alone {
		t.Fatalf("lockCache after both released = %v, alone %v", err, alone)
	}
	defer unlock()
	sweepOutput(dest)
	for _, p := range stale {
		if _, err := os.Stat(p); !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("stale %s is still there", p)
		}
	}
	for _, p := range kept {
		if _, err := os.Stat(p); err != nil {
			t.Errorf("%s was removed: %v", p, err)
		}
	}
}
