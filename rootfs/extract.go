package rootfs

import (
	"archive/tar"
	"errors"
	"fmt"
	"io"
	"strings"
)

// Limits on names, as Linux has them (PATH_MAX - 1, NAME_MAX).
const (
	maxPathLen = 4095
	maxNameLen = 255
)

// ExtractOptions says who is unpacking and what to leave out.
type ExtractOptions struct {
	// Package is the owner recorded on the nodes written ("" for none).
	Package string
	// Exclude, if set, reports paths (as named in the package, "/usr/share/doc/x")
	// not to unpack, as dpkg's path-exclude does: an excluded entry is neither
	// written nor listed, and neither is a hardlink to it. Directories are
	// always unpacked. See PruneFilter.
	Exclude func(path string) bool
	// Reinclude, if set, keeps an excluded symlink anyway, as dpkg keeps
	// symlinks on the way to a path-include (see Filter.Reincluded).
	Reinclude func(path string) bool
	// MayReplace reports whether this package may overwrite a file owned by
	// another package (it declares Replaces on it). nil: never.
	MayReplace func(owner string) bool
}

// mayReplace reports whether the package may overwrite a node of owner.
func (o ExtractOptions) mayReplace(owner string) bool {
	return owner == "" || owner == o.Package || (o.MayReplace != nil && o.MayReplace(owner))
}

// Extract unpacks a package's data.tar into the tree and returns the paths
// the way dpkg's info/<package>.list records them: "/." first, then every
// entry as named in the package ("/bin/bash", even where merged /usr puts it
// at /usr/bin/bash), excluded ones left out.
//
// Parent directories resolve with chroot semantics, so nothing lands outside
// the tree; names that are absolute or have ".." components, OCI whiteouts
// (".wh."), hardlinks to anything but an existing regular file and unknown
// entry types are rejected with *ExtractError. A non-directory replaces one
// of the same package, a plinth-made one or one of an owner MayReplace
// allows; anything else is a *ConflictError. A directory the tree already
// has is kept as it is (a plinth-made one takes the package's mode and
// owner), also behind a symlink (merged /usr); a symlink where the tree has a
// directory leaves the directory, as dpkg does; any other non-directory over
// a directory is an error.
func (t *Tree) Extract(tr *tar.Reader, opts ExtractOptions) ([]string, error) {
	list := []string{"/."}
	excluded := map[string]bool{}
	for {
		hdr, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return list, nil
		}
		if err != nil {
			return nil, fmt.Errorf("reading %s: %w", opts.what(), err)
		}
		name, reason := entryName(hdr.Name)
		if reason != "" {
			return nil, &ExtractError{Package: opts.Package, Entry: hdr.Name, Reason: reason}
		}
		if name == "/" {
			continue // the root is plinth's
		}
		if hdr.Typeflag != tar.TypeDir && opts.Exclude != nil && opts.Exclude(name) &&
			(hdr.Typeflag != tar.TypeSymlink || opts.Reinclude == nil || !opts.Reinclude(name)) {
			excluded[name] = true
			continue
		}
		if hdr.Typeflag == tar.TypeLink {
			if target, reason := entryName(hdr.Linkname); reason == "" && excluded[target] {
				excluded[name] = true // its content was left out
				continue
			}
		}
		if err := t.extractEntry(tr, hdr, name, opts); err != nil {
			return nil, err
		}
		list = append(list, name)
	}
}

// what names the tar being read, for error messages.
func (o ExtractOptions) what() string {
	if o.Package == "" {
		return "tar"
	}
	return "the data of package " + o.Package
}

// entryName turns a tar entry's name into a tree path ("./usr/bin/x" and
// "usr/bin/x" are "/usr/bin/x"; "./" is "/"), or says why it is refused.
func entryName(name string) (string, string) {
	switch {
	case name == "":
		return "", "empty name"
	case strings.IndexByte(name, 0) >= 0:
		return "", "NUL byte in name"
	case strings.HasPrefix(name, "/"):
		return "", "absolute name (package paths are relative, \"./usr/...\")"
	case len(name) > maxPathLen:
		return "", fmt.Sprintf("name longer than %d bytes", maxPathLen)
	}
	var b strings.Builder
	for _, c := range components(name) {
		switch {
		case c == ".":
			continue
		case c == "..":
			return "", `".." component in name`
		case len(c) > maxNameLen:
			return "", fmt.Sprintf("name component longer than %d bytes", maxNameLen)
		case strings.HasPrefix(c, ".wh."):
			return "", "OCI whiteout name (.wh.*)"
		}
		b.WriteByte('/')
		b.WriteString(c)
	}
	if b.Len() == 0 {
		return "/", ""
	}
	return b.String(), ""
}

// extractEntry writes one entry named name (validated, not the root).
func (t *Tree) extractEntry(tr *tar.Reader, hdr *tar.Header, name string, opts ExtractOptions) error {
	bad := func(reason string, err error) error {
		return &ExtractError{Package: opts.Package, Entry: hdr.Name, Reason: reason, Err: err}
	}
	if hdr.Uid < 0 || hdr.Gid < 0 {
		return bad(fmt.Sprintf("negative owner %d:%d", hdr.Uid, hdr.Gid), nil)
	}
	if sparse(hdr) {
		return bad("sparse files are not supported (packages never hold them)", nil)
	}
	n := &Node{Mode: hdr.Mode & 0o7777, Uid: hdr.Uid, Gid: hdr.Gid, Owner: opts.Package}
	switch hdr.Typeflag {
	case tar.TypeReg, tar.TypeRegA: //lint:ignore SA1019 old packages still use the V7 '\x00' type for files
		n.Type = TypeReg
		data, err := readData(tr, hdr.Size)
		if err != nil {
			return fmt.Errorf("reading %s: entry %q: %w", opts.what(), hdr.Name, err)
		}
		n.Data = data
	case tar.TypeDir:
		n.Type = TypeDir
		return t.extractDir(name, n, opts, bad)
	case tar.TypeSymlink:
		n.Type, n.Link = TypeSymlink, hdr.Linkname
		if n.Link == "" || strings.IndexByte(n.Link, 0) >= 0 || len(n.Link) > maxPathLen {
			return bad("symlink target is empty, too long or has a NUL byte", nil)
		}
	case tar.TypeLink:
		target, reason := entryName(hdr.Linkname)
		if reason != "" {
			return bad(fmt.Sprintf("hardlink target %q: %s", hdr.Linkname, reason), nil)
		}
		d, err := t.linkTarget(target)
		if err != nil {
			return bad(fmt.Sprintf("hardlink target %q is not an existing regular file", hdr.Linkname), err)
		}
		n.Type, n.Link = TypeHardlink, d
	case tar.TypeChar, tar.TypeBlock:
		n.Type = TypeChar
		if hdr.Typeflag == tar.TypeBlock {
			n.Type = TypeBlock
		}
		if hdr.Devmajor < 0 || hdr.Devminor < 0 {
			return bad("negative device number", nil)
		}
		n.Devmajor, n.Devminor = hdr.Devmajor, hdr.Devminor
	case tar.TypeFifo:
		n.Type = TypeFifo
	default:
		return bad(fmt.Sprintf("unsupported entry type %q", hdr.Typeflag), nil)
	}
	r, err := t.resolve(name, false)
	if err != nil {
		return bad("resolving its parent directories", err)
	}
	if old, ok := t.nodes[r]; ok {
		switch {
		case old.Type == TypeDir && n.Type == TypeSymlink:
			return nil // dpkg keeps a directory a symlink would replace
		case old.Type == TypeDir:
			return bad(fmt.Sprintf("would replace directory %s with a %s", r, n.Type), nil)
		case !opts.mayReplace(old.Owner):
			return &ConflictError{Path: r, Package: opts.Package, Owner: old.Owner}
		}
	}
	if n.Type == TypeHardlink && n.Link == r {
		return bad("hardlink to itself", nil)
	}
	if err := t.mkparents(parentOf(r)); err != nil {
		return bad("creating its parent directories", err)
	}
	t.set(r, n)
	return nil
}

// extractDir unpacks a directory entry: a directory already there (also
// behind a symlink) is kept.
func (t *Tree) extractDir(name string, n *Node, opts ExtractOptions, bad func(string, error) error) error {
	r, err := t.resolve(name, false)
	if err != nil {
		return bad("resolving its parent directories", err)
	}
	old, ok := t.nodes[r]
	if ok && old.Type == TypeSymlink {
		if rr, err := t.resolve(name, true); err == nil {
			if d, ok := t.nodes[rr]; ok && d.Type == TypeDir {
				r, old = rr, d
			}
		}
	}
	switch {
	case !ok:
	case old.Type == TypeDir:
		if old.Owner == "" && r != "/" {
			old.Mode, old.Uid, old.Gid, old.Owner = n.Mode, n.Uid, n.Gid, n.Owner
		}
		return nil
	case !opts.mayReplace(old.Owner):
		return &ConflictError{Path: r, Package: opts.Package, Owner: old.Owner}
	}
	if err := t.mkparents(parentOf(r)); err != nil {
		return bad("creating its parent directories", err)
	}
	t.set(r, n)
	return nil
}

// sparse reports whether hdr is a GNU sparse file, whose holes the tar
// reader would expand to any size the header claims.
func sparse(hdr *tar.Header) bool {
	if hdr.Typeflag == tar.TypeGNUSparse {
		return true
	}
	for k := range hdr.PAXRecords {
		if strings.HasPrefix(k, "GNU.sparse.") {
			return true
		}
	}
	return false
}

// readData reads a regular file's content; an empty file has nil Data.
func readData(r io.Reader, size int64) ([]byte, error) {
	const prealloc = 32 << 20 // trust the header's size up to this much
	if size <= 0 {
		return nil, nil
	}
	if size <= prealloc {
		buf := make([]byte, size)
		if _, err := io.ReadFull(r, buf); err != nil {
			return nil, err
		}
		return buf, nil
	}
	return io.ReadAll(r)
}

// ReadTar builds a tree from a tar stream (a rootfs tarball, `plinth
// import`), with Extract's safety: entries that would escape are refused,
// later entries replace earlier ones, nothing gets an Owner.
func ReadTar(r io.Reader) (*Tree, error) {
	t := New()
	if _, err := t.Extract(tar.NewReader(r), ExtractOptions{}); err != nil {
		return nil, err
	}
	return t, nil
}

// ExtractError rejects one entry of a package's data.tar (or of a tar given
// to ReadTar): a hostile or malformed name, link or type.
type ExtractError struct {
	Package string // "" for ReadTar
	Entry   string // the entry's name as written in the tar
	Reason  string
	Err     error // underlying cause, if any
}

func (e *ExtractError) Error() string {
	s := fmt.Sprintf("tar entry %q: %s", shorten(e.Entry), e.Reason)
	if e.Package != "" {
		s = "package " + e.Package + ": " + s
	}
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

// Unwrap returns the underlying cause.
func (e *ExtractError) Unwrap() error { return e.Err }

// shorten keeps a hostile name (up to the tar format's megabytes) from
// flooding an error message: its first and last 100 bytes are enough to
// find the entry.
func shorten(name string) string {
	const keep = 100
	if len(name) <= 2*keep+16 {
		return name
	}
	return fmt.Sprintf("%s...(%d bytes)...%s", name[:keep], len(name)-2*keep, name[len(name)-keep:])
}

// ConflictError reports that a package ships a path another package already
// installed, without declaring that it replaces it.
type ConflictError struct {
	Path    string // the path in the tree, after resolving parent symlinks
	Package string // the package being extracted
	Owner   string // the package that owns Path
}

func (e *ConflictError) Error() string {
	return fmt.Sprintf("package %s: trying to overwrite %s, which is also in package %s (exclude one of them, or check %s's Replaces)",
		e.Package, e.Path, e.Owner, e.Package)
}
