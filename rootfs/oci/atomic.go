package oci

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
)

// writeFileAtomic writes data to path through a temporary file; see writeAtomic.
func writeFileAtomic(path string, data []byte) error {
	return writeAtomic(path, func(w io.Writer) error {
		_, err := w.Write(data)
		return err
	})
}

// writeAtomic writes path, mode 0644, through fill into a temporary file next
// to it, synced and renamed into place. On error no file is left.
func writeAtomic(path string, fill func(io.Writer) error) error {
	tmp, err := stage(path, fill)
	if err != nil {
		return err
	}
	return commit(tmp, path)
}

// stage writes a file through fill into a temporary file next to path and
// syncs it; it returns the temporary name. On error no file is left.
func stage(path string, fill func(io.Writer) error) (_ string, err error) {
	dir, base := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	f, err := os.CreateTemp(dir, "."+base+".tmp-*")
	if err != nil {
		return "", fmt.Errorf("creating a temporary file for %s: %w", path, err)
	}
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(f.Name())
		}
	}()
	if err := fill(f); err != nil {
		return "", fmt.Errorf("writing %s: %w", path, err)
	}
	if err := f.Chmod(0o644); err != nil {
		return "", fmt.Errorf("writing %s: %w", path, err)
	}
	if err := f.Sync(); err != nil {
		return "", fmt.Errorf("syncing %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return "", fmt.Errorf("closing %s: %w", path, err)
	}
	return f.Name(), nil
}

// commit renames a staged temporary file to path, removing it on failure.
func commit(tmp, path string) error {
	if err := os.Rename(tmp, path); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("renaming %s into place: %w", path, err)
	}
	return nil
}
