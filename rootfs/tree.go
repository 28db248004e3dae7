package rootfs

import (
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"slices"
	"strings"
)

// Type is the kind of a Node.
type Type uint8

// The node types, one per tar entry type plinth keeps.
const (
	TypeReg      Type = iota // regular file
	TypeDir                  // directory
	TypeSymlink              // symbolic link
	TypeHardlink             // another name for a regular file
	TypeChar                 // character device
	TypeBlock                // block device
	TypeFifo                 // named pipe
)

// String returns the name TreeDump uses: "file", "dir", "symlink", ...
func (t Type) String() string {
	switch t {
	case TypeReg:
		return "file"
	case TypeDir:
		return "dir"
	case TypeSymlink:
		return "symlink"
	case TypeHardlink:
		return "hardlink"
	case TypeChar:
		return "char"
	case TypeBlock:
		return "block"
	case TypeFifo:
		return "fifo"
	}
	return fmt.Sprintf("type(%d)", uint8(t))
}

// Node is one path in a Tree. Nodes returned by Get and Stat belong to the
// tree: a caller may change Mode, Uid, Gid and Owner in place, but must use
// Put to change Type or Link, and must never modify Data's bytes.
type Node struct {
	Type               Type
	Mode               int64  // permission bits incl. setuid/setgid/sticky (07777)
	Uid, Gid           int    // numeric owner
	Link               string // symlink: target as written; hardlink: absolute tree path of the regular file it links to
	Data               []byte // regular files: the content (shared, never mutated in place)
	Devmajor, Devminor int64  // character and block devices
	Owner              string // package that installed it ("" for plinth-made)
}

// Tree is a root filesystem in memory. Paths are absolute and clean ("/",
// "/usr/bin/su"); the parent of every path is a directory in the tree.
// Within a group of hardlinks, the regular file is the one with the
// smallest path and the others link to it, so a tree written in sorted
// order always has a link's target before the link. A Tree is not safe for
// concurrent use.
type Tree struct {
	nodes  map[string]*Node
	kids   map[string]map[string]struct{} // directory -> paths of its entries
	links  map[string]map[string]struct{} // regular file -> paths of its hardlinks
	sorted []string                       // every path, sorted; nil when stale
}

// New returns a tree holding only the root directory (0755, 0:0).
func New() *Tree {
	return &Tree{
		nodes: map[string]*Node{"/": {Type: TypeDir, Mode: 0o755}},
		kids:  map[string]map[string]struct{}{"/": {}},
		links: map[string]map[string]struct{}{},
	}
}

// Len returns the number of paths in the tree, the root included.
func (t *Tree) Len() int { return len(t.nodes) }

// Get returns the node at exactly path p, cleaned lexically; no symlink is
// followed. A hardlink is returned as itself (TypeHardlink).
func (t *Tree) Get(p string) (*Node, bool) {
	n, ok := t.nodes[Clean(p)]
	return n, ok
}

// Stat returns the node p names after following every symlink, as stat(2)
// does; for a hardlink it returns the regular file holding the content.
func (t *Tree) Stat(p string) (*Node, error) {
	return t.stat("stat", p)
}

func (t *Tree) stat(op, p string) (*Node, error) {
	r, err := t.resolve(p, true)
	if err != nil {
		return nil, &PathError{Op: op, Path: p, Err: err}
	}
	n, ok := t.nodes[r]
	if !ok {
		return nil, &PathError{Op: op, Path: p, Err: ErrNotExist}
	}
	return t.data(n), nil
}

// data returns the node holding a hardlink's content, or n itself.
func (t *Tree) data(n *Node) *Node {
	if n.Type == TypeHardlink {
		if d, ok := t.nodes[n.Link]; ok {
			return d
		}
	}
	return n
}

// ReadFile returns the content of the regular file p names, following
// symlinks. The slice is shared with the tree and must not be modified.
func (t *Tree) ReadFile(p string) ([]byte, error) {
	n, err := t.stat("read", p)
	if err != nil {
		return nil, err
	}
	switch n.Type {
	case TypeReg:
		return n.Data, nil
	case TypeDir:
		return nil, &PathError{Op: "read", Path: p, Err: ErrIsDir}
	default:
		return nil, &PathError{Op: "read", Path: p, Err: ErrNotRegular}
	}
}

// WriteFile creates or replaces the regular file p. Parent symlinks are
// followed (chroot semantics) and missing parents are created (0755, 0:0);
// a symlink or file at p itself is replaced, not followed, and keeps its
// Owner. data is kept, not copied: the caller must not modify it afterwards.
func (t *Tree) WriteFile(p string, data []byte, mode int64, uid, gid int) error {
	return t.create("write", p, &Node{Type: TypeReg, Mode: mode, Uid: uid, Gid: gid, Data: data})
}

// Symlink creates or replaces p as a symlink to target, which is stored as
// written (absolute targets are relative to the tree's root when resolved).
func (t *Tree) Symlink(target, p string) error {
	return t.create("symlink", p, &Node{Type: TypeSymlink, Mode: 0o777, Link: target})
}

// Link makes p another name (a hardlink) for the regular file existing.
// Parent symlinks of both are followed; existing may itself be a hardlink.
func (t *Tree) Link(existing, p string) error {
	return t.create("link", p, &Node{Type: TypeHardlink, Link: existing})
}

// create is WriteFile, Symlink and Link: replace a non-directory, keeping
// its Owner.
func (t *Tree) create(op, p string, n *Node) error {
	err := t.insert(p, n, func(old *Node) error {
		if old.Type == TypeDir {
			return ErrIsDir
		}
		n.Owner = old.Owner
		return nil
	})
	if err != nil {
		return &PathError{Op: op, Path: p, Err: err}
	}
	return nil
}

// Put inserts a copy of n at p, replacing what is there (a directory only
// if it is empty or n is a directory too: a directory's entries stay).
// Parent symlinks are followed and missing parents created (0755, 0:0). For a
// hardlink, n.Link names an existing regular file (or a hardlink to one).
func (t *Tree) Put(p string, n *Node) error {
	if n == nil {
		return &PathError{Op: "put", Path: p, Err: ErrInvalid}
	}
	c := *n
	err := t.insert(p, &c, func(*Node) error { return nil })
	if err != nil {
		return &PathError{Op: "put", Path: p, Err: err}
	}
	return nil
}

// insert validates n, resolves p's parents, creates missing ones and sets
// n at the resolved path; replace vets (and may adjust n for) a node that is
// already there.
func (t *Tree) insert(p string, n *Node, replace func(old *Node) error) error {
	if err := validNode(n); err != nil {
		return err
	}
	r, err := t.resolve(p, false)
	if err != nil {
		return err
	}
	if r == "/" {
		return ErrIsDir
	}
	if n.Type == TypeHardlink {
		d, err := t.linkTarget(n.Link)
		if err != nil {
			return err
		}
		if d == r {
			return nil // already that file
		}
		n.Link = d
	}
	if err := t.mkparents(parentOf(r)); err != nil {
		return err
	}
	if old, ok := t.nodes[r]; ok {
		if old.Type == TypeHardlink && n.Type == TypeHardlink && old.Link == n.Link {
			return nil
		}
		if err := replace(old); err != nil {
			return err
		}
		if old.Type == TypeDir && n.Type != TypeDir && len(t.kids[r]) > 0 {
			return ErrIsDir
		}
	}
	t.set(r, n)
	return nil
}

// linkTarget resolves a hardlink's target (parent symlinks followed, the
// last name not) to the path of the regular file holding the content.
func (t *Tree) linkTarget(p string) (string, error) {
	r, err := t.resolve(p, false)
	if err != nil {
		return "", err
	}
	n, ok := t.nodes[r]
	if !ok {
		return "", ErrNotExist
	}
	if n.Type == TypeHardlink {
		r, n = n.Link, t.data(n)
	}
	if n.Type != TypeReg {
		return "", ErrNotRegular
	}
	return r, nil
}

// validNode checks the fields a node of its type needs.
func validNode(n *Node) error {
	switch {
	case n.Type > TypeFifo:
		return fmt.Errorf("%w: unknown node type %d", ErrInvalid, n.Type)
	case n.Mode&^0o7777 != 0:
		return fmt.Errorf("%w: mode %#o has bits outside 07777", ErrInvalid, n.Mode)
	case n.Uid < 0 || n.Gid < 0:
		return fmt.Errorf("%w: negative uid or gid %d:%d", ErrInvalid, n.Uid, n.Gid)
	case (n.Type == TypeSymlink || n.Type == TypeHardlink) && (n.Link == "" || strings.IndexByte(n.Link, 0) >= 0):
		return fmt.Errorf("%w: %s needs a link target without NUL bytes", ErrInvalid, n.Type)
	case n.Devmajor < 0 || n.Devminor < 0:
		return fmt.Errorf("%w: negative device number", ErrInvalid)
	}
	return nil
}

// MkdirAll creates directory p and any missing parents with mode, uid and
// gid, following symlinks (also a last one, as mkdir -p does). Existing
// directories are left as they are.
func (t *Tree) MkdirAll(p string, mode int64, uid, gid int) error {
	if err := validNode(&Node{Type: TypeDir, Mode: mode, Uid: uid, Gid: gid}); err != nil {
		return &PathError{Op: "mkdir", Path: p, Err: err}
	}
	r, err := t.resolve(p, true)
	if err == nil {
		err = t.mkdirs(r, func() *Node { return &Node{Type: TypeDir, Mode: mode, Uid: uid, Gid: gid} })
	}
	if err != nil {
		return &PathError{Op: "mkdir", Path: p, Err: err}
	}
	return nil
}

// mkparents creates the missing directories of resolved path dir, 0755 0:0.
func (t *Tree) mkparents(dir string) error {
	return t.mkdirs(dir, func() *Node { return &Node{Type: TypeDir, Mode: 0o755} })
}

// mkdirs creates each missing directory along a resolved path.
func (t *Tree) mkdirs(dir string, mk func() *Node) error {
	if n := t.nodes[dir]; n != nil && n.Type == TypeDir {
		return nil // the common case: nothing to create
	}
	cur := "/"
	for _, c := range components(dir) {
		cur = join(cur, c)
		n, ok := t.nodes[cur]
		switch {
		case !ok:
			t.set(cur, mk())
		case n.Type != TypeDir:
			return ErrNotDir
		}
	}
	return nil
}

// set puts n at the resolved path r, whose parent is a directory, keeping
// the directory and hardlink indexes right. A replaced directory keeps its
// entries if n is a directory; otherwise it must be empty.
func (t *Tree) set(r string, n *Node) {
	old, exists := t.nodes[r]
	if exists {
		t.detach(r, old)
	} else {
		t.kids[parentOf(r)][r] = struct{}{}
		t.sorted = nil
	}
	switch {
	case n.Type == TypeDir && t.kids[r] == nil:
		t.kids[r] = map[string]struct{}{}
	case n.Type != TypeDir:
		delete(t.kids, r)
	}
	if n.Type == TypeHardlink {
		t.addLink(r, n)
		return
	}
	t.nodes[r] = n
}

// detach drops old (at r) from the hardlink index; when old holds content
// other names share, the first of them takes it over.
func (t *Tree) detach(r string, old *Node) {
	switch old.Type {
	case TypeHardlink:
		if set := t.links[old.Link]; set != nil {
			delete(set, r)
			if len(set) == 0 {
				delete(t.links, old.Link)
			}
		}
	case TypeReg:
		set := t.links[r]
		if len(set) == 0 {
			return
		}
		delete(t.links, r)
		names := slices.Sorted(maps.Keys(set))
		first := names[0]
		t.nodes[first] = &Node{Type: TypeReg, Mode: old.Mode, Uid: old.Uid, Gid: old.Gid, Data: old.Data, Owner: t.nodes[first].Owner}
		t.relink(first, names[1:])
	}
}

// addLink sets hardlink n at r, moving the content to r when r sorts
// before the file that holds it now.
func (t *Tree) addLink(r string, n *Node) {
	d := n.Link
	dn := t.nodes[d]
	if dn.Type == TypeHardlink { // named through another link
		d, dn = dn.Link, t.nodes[dn.Link]
	}
	if d < r {
		t.nodes[r] = hardlink(d, dn, n.Owner)
		if t.links[d] == nil {
			t.links[d] = map[string]struct{}{}
		}
		t.links[d][r] = struct{}{}
		return
	}
	names := append(slices.Collect(maps.Keys(t.links[d])), d)
	delete(t.links, d)
	t.nodes[r] = &Node{Type: TypeReg, Mode: dn.Mode, Uid: dn.Uid, Gid: dn.Gid, Data: dn.Data, Owner: n.Owner}
	t.relink(r, names)
}

// relink points each of names at the regular file r.
func (t *Tree) relink(r string, names []string) {
	if len(names) == 0 {
		return
	}
	dn := t.nodes[r]
	set := make(map[string]struct{}, len(names))
	for _, h := range names {
		t.nodes[h] = hardlink(r, dn, t.nodes[h].Owner)
		set[h] = struct{}{}
	}
	t.links[r] = set
}

// hardlink returns a hardlink node to the file d (node dn).
func hardlink(d string, dn *Node, owner string) *Node {
	return &Node{Type: TypeHardlink, Link: d, Mode: dn.Mode, Uid: dn.Uid, Gid: dn.Gid, Owner: owner}
}

// Remove deletes p (not following a last symlink), with everything under it
// if it is a directory. A removed file's hardlinks keep its content.
func (t *Tree) Remove(p string) error {
	r, err := t.resolve(p, false)
	if err == nil && r == "/" {
		err = fmt.Errorf("%w: the root cannot be removed", ErrInvalid)
	}
	if err != nil {
		return &PathError{Op: "remove", Path: p, Err: err}
	}
	n, ok := t.nodes[r]
	if !ok {
		return &PathError{Op: "remove", Path: p, Err: ErrNotExist}
	}
	t.remove(r, n)
	return nil
}

func (t *Tree) remove(r string, n *Node) {
	if n.Type == TypeDir {
		for _, k := range slices.Sorted(maps.Keys(t.kids[r])) {
			if kn, ok := t.nodes[k]; ok {
				t.remove(k, kn)
			}
		}
		delete(t.kids, r)
	}
	t.detach(r, t.nodes[r])
	delete(t.nodes, r)
	delete(t.kids[parentOf(r)], r)
	t.sorted = nil
}

// paths returns every path, sorted by bytes (so parents come first).
func (t *Tree) paths() []string {
	if t.sorted == nil {
		t.sorted = slices.Sorted(maps.Keys(t.nodes))
	}
	return t.sorted
}

// Walk calls fn for every path, the root first, sorted by path bytes
// (parents before their entries). fn may change the tree: paths removed
// before being visited are skipped, paths added are not visited. Returning
// fs.SkipDir for a directory skips its entries; fs.SkipAll stops the walk;
// any other error stops it and is returned.
func (t *Tree) Walk(fn func(p string, n *Node) error) error {
	skip := ""
	for _, p := range t.paths() {
		if skip != "" && strings.HasPrefix(p, skip) {
			continue
		}
		n, ok := t.nodes[p]
		if !ok {
			continue
		}
		err := fn(p, n)
		switch {
		case err == nil:
		case errors.Is(err, fs.SkipAll):
			return nil
		case errors.Is(err, fs.SkipDir) && n.Type == TypeDir:
			skip = strings.TrimSuffix(p, "/") + "/"
		default:
			return err
		}
	}
	return nil
}
