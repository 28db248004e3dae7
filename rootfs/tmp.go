package rootfs

import (
	"fmt"
	"path"
)

// EnsureTmp makes /tmp and /var/tmp directories of mode 1777 owned by
// root, creating them (and /var) when missing. A symlink there is
// followed and its target fixed instead.
func EnsureTmp(t *Tree) error {
	for _, dir := range []string{"/tmp", "/var/tmp"} {
		real, err := t.Resolve(dir, true)
		if err != nil {
			return fmt.Errorf("resolving %s: %w", dir, err)
		}
		// MkdirAll gives missing parents the mode too: make them 0755 first.
		if err := t.MkdirAll(path.Dir(real), 0o755, 0, 0); err != nil {
			return fmt.Errorf("creating the parent of %s: %w", dir, err)
		}
		if err := t.MkdirAll(real, 0o1777, 0, 0); err != nil {
			return fmt.Errorf("creating %s: %w", dir, err)
		}
		n, ok := t.Get(real)
		if !ok || n.Type != TypeDir {
			return fmt.Errorf("making %s world-writable: %s is not a directory", dir, real)
		}
		n.Mode, n.Uid, n.Gid = 0o1777, 0, 0
	}
	return nil
}
