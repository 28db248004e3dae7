package rootfs

import (
	"errors"
	"path"
	"strings"
)

// Sentinel errors, wrapped in *PathError; test with errors.Is.
var (
	// ErrNotExist means a path (or one of its parents) is not in the tree.
	ErrNotExist = errors.New("no such file or directory")
	// ErrNotDir means a path component that must be a directory is not one.
	ErrNotDir = errors.New("not a directory")
	// ErrIsDir means an operation that needs a non-directory met a directory.
	ErrIsDir = errors.New("is a directory")
	// ErrNotRegular means a path that must be a regular file is something else.
	ErrNotRegular = errors.New("not a regular file")
	// ErrSymlinkLoop means resolving a path followed more than 40 symlinks.
	ErrSymlinkLoop = errors.New("too many levels of symbolic links")
	// ErrInvalid means an argument (a node, a name, a link target) is malformed.
	ErrInvalid = errors.New("invalid argument")
)

// PathError records an error and the operation and tree path that caused it.
type PathError struct {
	Op   string // "resolve", "stat", "write", "mkdir", "symlink", "link", "put", "remove", ...
	Path string // the path as given by the caller
	Err  error
}

func (e *PathError) Error() string { return e.Op + " " + e.Path + ": " + e.Err.Error() }

// Unwrap returns the underlying error.
func (e *PathError) Unwrap() error { return e.Err }

// maxSymlinks bounds the symlinks followed while resolving one path, as
// Linux does (MAXSYMLINKS).
const maxSymlinks = 40

// Clean returns p as a tree path: absolute, cleaned lexically, with ".."
// stopping at "/". Symlinks are not looked at.
func Clean(p string) string {
	return path.Clean("/" + p)
}

// join appends one name to a clean absolute directory path.
func join(dir, name string) string {
	if dir == "/" {
		return "/" + name
	}
	return dir + "/" + name
}

// parentOf returns the directory holding p; "/" for "/".
func parentOf(p string) string {
	i := strings.LastIndexByte(p, '/')
	if i <= 0 {
		return "/"
	}
	return p[:i]
}

// components splits p into its non-empty names, "." and ".." included.
func components(p string) []string {
	parts := strings.Split(p, "/")
	out := parts[:0]
	for _, c := range parts {
		if c != "" {
			out = append(out, c)
		}
	}
	return out
}

// Resolve returns the path p names inside the tree, with chroot semantics:
// symlinks in parent components are always followed, the last one only when
// followLast is set; an absolute symlink target starts again at the root and
// ".." stops at "/", so the result never leaves the tree. Components that do
// not exist are taken as written (they cannot be symlinks), so Resolve also
// tells where a new path would be created. It fails with ErrNotDir when a
// parent component is neither a directory nor a symlink, and with
// ErrSymlinkLoop after following 40 symlinks.
func (t *Tree) Resolve(p string, followLast bool) (string, error) {
	r, err := t.resolve(p, followLast)
	if err != nil {
		return "", &PathError{Op: "resolve", Path: p, Err: err}
	}
	return r, nil
}

// resolve is Resolve without the PathError wrapping.
func (t *Tree) resolve(p string, followLast bool) (string, error) {
	rest := components(p)
	cur := "/"
	hops := 0
	for len(rest) > 0 {
		c := rest[0]
		rest = rest[1:]
		switch c {
		case ".":
			continue
		case "..":
			cur = parentOf(cur)
			continue
		}
		next := join(cur, c)
		n, ok := t.nodes[next]
		switch {
		case !ok || n.Type == TypeDir:
			cur = next
		case n.Type == TypeSymlink && (len(rest) > 0 || followLast):
			hops++
			if hops > maxSymlinks {
				return "", ErrSymlinkLoop
			}
			if strings.HasPrefix(n.Link, "/") {
				cur = "/"
			}
			target := components(n.Link)
			rest = append(target[:len(target):len(target)], rest...)
		case len(rest) > 0: // "file/x", "file/." and "file/.." alike
			return "", ErrNotDir
		default:
			cur = next
		}
	}
	return cur, nil
}
