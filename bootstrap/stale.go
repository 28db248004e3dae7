package bootstrap

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"golang.org/x/sys/unix"

	"github.com/plinth-build/plinth/qemu"
	"github.com/plinth-build/plinth/rootfs/oci"
)

// cacheLockName is the lock file every plinth using a cache holds shared
// while it may write there.
const cacheLockName = ".lock"

// lockCache takes a shared lock on the cache dir for as long as the caller
// may write temporary files there, and returns its release. A plinth that
// finds no other holder (alone) first removes what killed runs left: the
// download cache's temporary files and chroot staging directories (their
// mounts undone). Nothing live is ever swept: every writer holds the lock.
// With no cache dir there is nothing to lock.
func lockCache(dir string) (unlock func(), alone bool, err error) {
	if dir == "" {
		return func() {}, false, nil
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, false, fmt.Errorf("creating the cache directory: %w", err)
	}
	f, err := os.OpenFile(filepath.Join(dir, cacheLockName), os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, false, fmt.Errorf("locking the cache %s: %w", dir, err)
	}
	unlock = func() { f.Close() }
	fd := int(f.Fd())
	if err := unix.Flock(fd, unix.LOCK_EX|unix.LOCK_NB); err == nil {
		alone = true
		sweepCache(dir)
	} else if !errors.Is(err, unix.EWOULDBLOCK) {
		f.Close()
		return nil, false, fmt.Errorf("locking the cache %s: %w", dir, err)
	}
	// Shared from here on (converting the exclusive lock, or waiting for a
	// sweeping plinth to finish).
	if err := unix.Flock(fd, unix.LOCK_SH); err != nil {
		f.Close()
		return nil, false, fmt.Errorf("locking the cache %s: %w", dir, err)
	}
	return unlock, alone, nil
}

// sweepCache removes the temporary downloads and staging directories of
// runs that died before cleaning up. Best effort: what cannot be removed
// stays for the next run.
func sweepCache(dir string) {
	tmps, _ := filepath.Glob(filepath.Join(dir, "sha256", ".*.tmp"))
	unpacked, _ := filepath.Glob(filepath.Join(dir, "unpacked", ".tmp-*"))
	for _, p := range append(tmps, unpacked...) {
		os.Remove(p)
	}
	stagings, _ := filepath.Glob(filepath.Join(dir, "staging", "plinth-chroot-*"))
	for _, p := range stagings {
		// A plinth killed during the chroot stage left its mounts: undo
		// them, and never remove a tree that still has one.
		if qemu.UnmountAll(p) != nil {
			continue
		}
		if mounts, err := qemu.MountsUnder(p); err == nil && len(mounts) == 0 {
			os.RemoveAll(p)
		}
	}
}

// sweepOutput removes the temporary files and directories a killed build
// left next to a file or directory output (".NAME.tmp-*"). Only a build
// alone on its cache sweeps: another build writing the same output at the
// same time holds the cache lock.
func sweepOutput(dest oci.Destination) {
	switch dest.Kind {
	case oci.KindOCI, oci.KindDir, oci.KindTar, oci.KindDockerArchive:
	default:
		return
	}
	clean := filepath.Clean(dest.Path)
	parent, base := filepath.Dir(clean), filepath.Base(clean)
	if base == "." || base == "/" || strings.ContainsAny(base, "*?[\\") {
		return
	}
	olds, _ := filepath.Glob(filepath.Join(parent, "."+base+".tmp-*"))
	if dest.Kind == oci.KindOCI { // an existing layout being updated: its blobs and index
		blobs, _ := filepath.Glob(filepath.Join(clean, "blobs", "sha256", ".*.tmp-*"))
		index, _ := filepath.Glob(filepath.Join(clean, ".index.json.tmp-*"))
		olds = append(append(olds, blobs...), index...)
	}
	for _, p := range olds {
		os.RemoveAll(p)
	}
}
