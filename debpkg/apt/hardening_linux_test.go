package apt

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// TestHardeningDiskFull fetches into a cache on a 1 MiB tmpfs: a file that
// does not fit fails with ENOSPC, says what to do, is not retried and
// leaves no partial entry; a file that fits is fetched afterwards.
func TestHardeningDiskFull(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("simulating a full disk mounts a 1 MiB tmpfs, which needs root")
	}
	cacheDir := t.TempDir()
	if err := syscall.Mount("tmpfs", cacheDir, "tmpfs", 0, "size=1m"); err != nil {
		t.Skipf("mounting a 1 MiB tmpfs on %s: %v (no CAP_SYS_ADMIN here)", cacheDir, err)
	}
	t.Cleanup(func() {
		if err := syscall.Unmount(cacheDir, 0); err != nil {
			t.Errorf("unmounting %s: %v", cacheDir, err)
		}
	})
	big, bigInfo := poolFile(2 << 20)
	small := bytes.Repeat([]byte("s"), 100<<10)
	smallInfo := FileInfo{Path: "pool/main/s/small.deb", Size: int64(len(small)), SHA256: sha256hex(small)}
	srv := newTestServer(t, map[string][]byte{"/" + bigInfo.Path: big, "/" + smallInfo.Path: small})
	c := testClient(t, nil, func(o *Options) { o.CacheDir = cacheDir })

	_, err := c.Fetch(context.Background(), srv.URL, bigInfo)
	if !errors.Is(err, syscall.ENOSPC) {
		t.Fatalf("got %v, want ENOSPC", err)
	}
	if !strings.Contains(err.Error(), cacheDir) || !strings.Contains(err.Error(), "free some space") {
		t.Errorf("error %q does not name the cache directory and what to do", err)
	}
	if n := len(srv.requests()); n != 1 {
		t.Errorf("%d requests, want 1: a full disk is not the mirror's fault", n)
	}
	checkNoEntries(t, c)

	p, err := c.Fetch(context.Background(), srv.URL, smallInfo)
	if err != nil {
		t.Fatalf("a file that fits, after the failure: %v", err)
	}
	if got, _ := os.ReadFile(p); !bytes.Equal(got, small) {
		t.Error("small file: wrong bytes")
	}
	entries, _ := os.ReadDir(filepath.Join(cacheDir, "sha256"))
	if len(entries) != 1 {
		t.Errorf("cache holds %d entries, want 1", len(entries))
	}
}
