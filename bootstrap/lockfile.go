package bootstrap

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"time"

	"github.com/BurntSushi/toml"
)

// Lockfile pins everything a build reads from the archive: per suite the
// InRelease it was resolved against, per architecture every package file.
type Lockfile struct {
	Format   int           `toml:"format"`
	Recipe   string        `toml:"recipe"`
	Distro   string        `toml:"distro"`
	Suites   []LockedSuite `toml:"suites"`
	Packages []LockedPkg   `toml:"packages"`
}

// LockedSuite is one verified Release.
type LockedSuite struct {
	Name            string    `toml:"name"`
	InReleaseSHA256 string    `toml:"inrelease_sha256"`
	Date            time.Time `toml:"date"`
}

// LockedPkg is one package file of one image architecture.
type LockedPkg struct {
	Arch         string `toml:"arch"` // the image's architecture
	Name         string `toml:"name"`
	Version      string `toml:"version"`
	Architecture string `toml:"architecture"` // the package's ("all" or Arch)
	Source       string `toml:"source"`
	Suite        string `toml:"suite"`
	Filename     string `toml:"filename"`
	Size         int64  `toml:"size"`
	SHA256       string `toml:"sha256"`
}

const lockHeader = "# plinth lockfile: written by `plinth lock` or `plinth refresh --write`.\n# `plinth build --lock` fetches exactly these files, by hash.\n\n"

// ReadLockfile reads and checks a lockfile.
func ReadLockfile(path string) (*Lockfile, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("reading lockfile: %w", err)
	}
	return ParseLockfile(path, data)
}

// ParseLockfile decodes and checks a lockfile's bytes; path names it in errors.
func ParseLockfile(path string, data []byte) (*Lockfile, error) {
	var l Lockfile
	md, err := toml.Decode(string(data), &l)
	if err != nil {
		return nil, fmt.Errorf("lockfile %s: %w", path, err)
	}
	if keys := md.Undecoded(); len(keys) > 0 {
		return nil, fmt.Errorf("lockfile %s: unknown key %s", path, keys[0])
	}
	if l.Format != 1 {
		return nil, fmt.Errorf("lockfile %s: format %d is not 1: regenerate it with plinth lock", path, l.Format)
	}
	for i, p := range l.Packages {
		if p.Name == "" || p.Version == "" || p.Filename == "" || p.Size <= 0 || len(p.SHA256) != 64 || p.Arch == "" {
			return nil, fmt.Errorf("lockfile %s: package entry %d (%s) lacks name, version, arch, filename, size or sha256", path, i+1, p.Name)
		}
	}
	return &l, nil
}

// Write writes the lockfile atomically, entries sorted.
func (l *Lockfile) Write(path string) error {
	sort.Slice(l.Suites, func(i, j int) bool { return l.Suites[i].Name < l.Suites[j].Name })
	sort.Slice(l.Packages, func(i, j int) bool {
		a, b := l.Packages[i], l.Packages[j]
		if a.Arch != b.Arch {
			return a.Arch < b.Arch
		}
		return a.Name < b.Name
	})
	var buf bytes.Buffer
	buf.WriteString(lockHeader)
	if err := toml.NewEncoder(&buf).Encode(l); err != nil {
		return err
	}
	return writeFileAtomic(path, buf.Bytes())
}

// newest is the lock's newest suite Date: the build epoch and rollback floor.
func (l *Lockfile) newest() time.Time {
	var t time.Time
	for _, s := range l.Suites {
		if s.Date.After(t) {
			t = s.Date
		}
	}
	return t.UTC()
}

// archs lists the lock's image architectures, in first-seen order.
func (l *Lockfile) archs() []string {
	var out []string
	seen := map[string]bool{}
	for _, p := range l.Packages {
		if !seen[p.Arch] {
			seen[p.Arch] = true
			out = append(out, p.Arch)
		}
	}
	return out
}

func writeFileAtomic(path string, data []byte) error {
	return writeAtomic(path, func(w io.Writer) error {
		_, err := w.Write(data)
		return err
	})
}

// writeAtomic writes path through fill into a temporary file next to it,
// syncs it and renames it into place: readers see the old file or the
// whole new one, and a failure leaves nothing behind.
func writeAtomic(path string, fill func(io.Writer) error) error {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	f, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return err
	}
	err = fill(f)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Chmod(f.Name(), 0o644)
	}
	if err == nil {
		err = os.Rename(f.Name(), path)
	}
	if err != nil {
		os.Remove(f.Name())
	}
	return err
}
