package rootfs

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"syscall"

	"golang.org/x/sys/unix"
)

// Materialize writes the tree under dir, which must be empty or not exist
// yet. Every write goes through an os.Root opened on dir, so no symlink, in
// the tree or planted by anyone else, can send a write outside it. Run as
// root, ownership is set (lchown) and device nodes are made; unprivileged,
// ownership and device nodes are skipped without error (WriteTar keeps them
// exact from the model) and everything else is written. dir itself takes
// the mode (and, as root, the owner) of the tree's root.
func (t *Tree) Materialize(ctx context.Context, dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("materializing the rootfs: %w", err)
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return fmt.Errorf("materializing the rootfs: %w", err)
	}
	if len(entries) > 0 {
		return fmt.Errorf("materializing the rootfs into %s: the directory is not empty (choose a new or empty one)", dir)
	}
	root, err := os.OpenRoot(dir)
	if err != nil {
		return fmt.Errorf("materializing the rootfs: %w", err)
	}
	defer root.Close()
	m := &materializer{root: root, chown: true, devices: true}
	var dirs []string
	for i, p := range t.paths() {
		if i%256 == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		n := t.nodes[p]
		if n.Type == TypeDir {
			dirs = append(dirs, p)
		}
		if p == "/" {
			continue
		}
		if err := m.write(p[1:], n); err != nil {
			return fmt.Errorf("materializing %s into %s: %w", p, dir, err)
		}
	}
	// Directories were made 0700 so that read-only ones could be filled;
	// set their owners and modes last, deepest first.
	for _, p := range slices.Backward(dirs) {
		n := t.nodes[p]
		rel := "." + p
		if err := m.own(rel, n); err != nil {
			return fmt.Errorf("materializing %s into %s: %w", p, dir, err)
		}
		if err := root.Chmod(rel, fileMode(n.Mode)); err != nil {
			return fmt.Errorf("materializing %s into %s: %w", p, dir, err)
		}
	}
	return nil
}

// materializer writes nodes below root, remembering what it may not do.
type materializer struct {
	root    *os.Root
	chown   bool // lchown works (we are root)
	devices bool // device nodes can be made
}

// write creates the node n at rel (relative to the root).
func (m *materializer) write(rel string, n *Node) error {
	switch n.Type {
	case TypeDir:
		return m.root.Mkdir(rel, 0o700)
	case TypeReg:
		f, err := m.root.OpenFile(rel, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
		if err != nil {
			return err
		}
		if _, err := f.Write(n.Data); err != nil {
			f.Close()
			return err
		}
		if err := f.Close(); err != nil {
			return err
		}
	case TypeSymlink:
		if err := m.root.Symlink(n.Link, rel); err != nil {
			return err
		}
		return m.own(rel, n)
	case TypeHardlink:
		return m.root.Link(n.Link[1:], rel)
	case TypeChar, TypeBlock, TypeFifo:
		made, err := m.mknod(rel, n)
		if err != nil || !made {
			return err
		}
	default:
		return fmt.Errorf("unknown node type %d", n.Type)
	}
	if err := m.own(rel, n); err != nil {
		return err
	}
	return m.root.Chmod(rel, fileMode(n.Mode)) // after chown, which clears setuid
}

// own sets rel's owner, unless a first attempt showed we may not.
func (m *materializer) own(rel string, n *Node) error {
	if !m.chown {
		return nil
	}
	err := m.root.Lchown(rel, n.Uid, n.Gid)
	if errors.Is(err, fs.ErrPermission) || errors.Is(err, syscall.EINVAL) {
		m.chown = false // unprivileged (or ids unmapped): the tar keeps ownership
		return nil
	}
	return err
}

// mknod makes a device node or fifo; made is false when devices cannot be
// made here (no CAP_MKNOD).
func (m *materializer) mknod(rel string, n *Node) (made bool, err error) {
	mode := uint32(unix.S_IFIFO)
	switch n.Type {
	case TypeChar:
		mode = unix.S_IFCHR
	case TypeBlock:
		mode = unix.S_IFBLK
	}
	if mode != unix.S_IFIFO && !m.devices {
		return false, nil
	}
	d, err := m.root.Open(filepath.Dir(rel))
	if err != nil {
		return false, err
	}
	defer d.Close()
	dev := unix.Mkdev(uint32(n.Devmajor), uint32(n.Devminor))
	err = unix.Mknodat(int(d.Fd()), filepath.Base(rel), mode|0o600, int(dev))
	if mode != unix.S_IFIFO && (errors.Is(err, unix.EPERM) || errors.Is(err, unix.EACCES)) {
		m.devices = false
		return false, nil
	}
	if err != nil {
		return false, &os.PathError{Op: "mknod", Path: rel, Err: err}
	}
	return true, nil
}

// fileMode converts permission bits (07777) to an os.FileMode.
func fileMode(mode int64) os.FileMode {
	m := os.FileMode(mode & 0o777)
	if mode&0o4000 != 0 {
		m |= os.ModeSetuid
	}
	if mode&0o2000 != 0 {
		m |= os.ModeSetgid
	}
	if mode&0o1000 != 0 {
		m |= os.ModeSticky
	}
	return m
}

// permBits converts an os.FileMode's permissions back to 07777 bits.
func permBits(m os.FileMode) int64 {
	mode := int64(m.Perm())
	if m&os.ModeSetuid != 0 {
		mode |= 0o4000
	}
	if m&os.ModeSetgid != 0 {
		mode |= 0o2000
	}
	if m&os.ModeSticky != 0 {
		mode |= 0o1000
	}
	return mode
}

// Rescan reads the directory dir back into a tree, without following
// symlinks: types, permission bits, numeric owners, device numbers,
// symlink targets and file content, with files sharing an inode as
// hardlinks. dir's own metadata is not read (the root stays 0755 0:0);
// sockets are skipped (a tar cannot hold them).
func Rescan(ctx context.Context, dir string) (*Tree, error) {
	root, err := os.OpenRoot(dir)
	if err != nil {
		return nil, fmt.Errorf("rescanning the rootfs: %w", err)
	}
	defer root.Close()
	s := &scanner{ctx: ctx, root: root, t: New(), inodes: map[[2]uint64]string{}}
	if err := s.dir("/"); err != nil {
		return nil, fmt.Errorf("rescanning the rootfs in %s: %w", dir, err)
	}
	return s.t, nil
}

// scanner reads a directory tree into t.
type scanner struct {
	ctx    context.Context
	root   *os.Root
	t      *Tree
	inodes map[[2]uint64]string // (dev, ino) -> first path seen
	count  int
}

// dir reads the entries of the directory p (a tree path) recursively.
func (s *scanner) dir(p string) error {
	f, err := s.root.Open("." + p)
	if err != nil {
		return err
	}
	names, err := f.Readdirnames(-1)
	f.Close()
	if err != nil {
		return fmt.Errorf("reading %s: %w", p, err)
	}
	slices.Sort(names)
	for _, name := range names {
		s.count++
		if s.count%256 == 0 {
			if err := s.ctx.Err(); err != nil {
				return err
			}
		}
		if err := s.entry(join(p, name)); err != nil {
			return err
		}
	}
	return nil
}

// entry reads one path (lstat) into the tree.
func (s *scanner) entry(p string) error {
	rel := "." + p
	info, err := s.root.Lstat(rel)
	if err != nil {
		return err
	}
	st, ok := info.Sys().(*syscall.Stat_t)
	if !ok {
		return fmt.Errorf("reading %s: no stat data on this system", p)
	}
	n := &Node{Mode: permBits(info.Mode()), Uid: int(st.Uid), Gid: int(st.Gid)}
	switch info.Mode().Type() {
	case fs.ModeDir:
		n.Type = TypeDir
		s.t.set(p, n)
		return s.dir(p)
	case 0:
		key := [2]uint64{uint64(st.Dev), uint64(st.Ino)}
		if first, ok := s.inodes[key]; ok && st.Nlink > 1 {
			s.t.set(p, &Node{Type: TypeHardlink, Link: first})
			return nil
		}
		s.inodes[key] = p
		n.Type = TypeReg
		if n.Data, err = s.root.ReadFile(rel); err != nil {
			return err
		}
		if len(n.Data) == 0 {
			n.Data = nil
		}
	case fs.ModeSymlink:
		n.Type = TypeSymlink
		if n.Link, err = s.root.Readlink(rel); err != nil {
			return err
		}
	case fs.ModeDevice | fs.ModeCharDevice, fs.ModeDevice:
		n.Type = TypeBlock
		if info.Mode()&fs.ModeCharDevice != 0 {
			n.Type = TypeChar
		}
		n.Devmajor, n.Devminor = int64(unix.Major(uint64(st.Rdev))), int64(unix.Minor(uint64(st.Rdev)))
	case fs.ModeNamedPipe:
		n.Type = TypeFifo
	default:
		return nil // sockets and the like
	}
	s.t.set(p, n)
	return nil
}
