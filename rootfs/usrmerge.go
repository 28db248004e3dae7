package rootfs

import (
	"fmt"
	"strings"
)

// MergeUsr lays out merged /usr before any package is unpacked: the
// directories /usr/bin, /usr/sbin, /usr/lib and /usr/DIR for each of
// libDirs ("lib64", "lib32", "libx32", ...), and the symlinks /bin -> usr/bin,
// /sbin -> usr/sbin, /lib -> usr/lib and /DIR -> usr/DIR. Packages shipping
// /bin/x then land in /usr/bin/x. Running it again is harmless; a /bin that
// is already a directory is an error.
func (t *Tree) MergeUsr(libDirs []string) error {
	dirs := append([]string{"bin", "sbin", "lib"}, libDirs...)
	for _, d := range dirs {
		if d == "" || d == "." || d == ".." || strings.ContainsAny(d, "/\x00") {
			return fmt.Errorf("merging /usr: %q is not a directory name (want e.g. lib64)", d)
		}
	}
	if err := t.MkdirAll("/usr", 0o755, 0, 0); err != nil {
		return fmt.Errorf("merging /usr: %w", err)
	}
	for _, d := range dirs {
		if err := t.mergeDir(d); err != nil {
			return fmt.Errorf("merging /usr: %w", err)
		}
	}
	return nil
}

// mergeDir makes /usr/d and the symlink /d -> usr/d.
func (t *Tree) mergeDir(d string) error {
	target := "usr/" + d
	if n, ok := t.nodes["/"+d]; ok {
		if n.Type == TypeSymlink && n.Link == target {
			return t.MkdirAll("/"+target, 0o755, 0, 0)
		}
		return fmt.Errorf("/%s already exists as a %s; merged /usr must be laid out before packages are unpacked", d, n.Type)
	}
	if err := t.MkdirAll("/"+target, 0o755, 0, 0); err != nil {
		return err
	}
	return t.Symlink(target, "/"+d)
}
