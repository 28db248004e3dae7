package rootfs

import "fmt"

// ExtractError rejects one entry of a package's data.tar (or of a tar given
// to ReadTar): a hostile or malformed name, link or type.
type ExtractError struct {
	Package string // "" for ReadTar
	Entry   string // the entry's name as written in the tar
	Reason  string
	Err     error // underlying cause, if any
}

func (e *ExtractError) Error() string {
	s := fmt.Sprintf("tar entry %q: %s", e.Entry, e.Reason)
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
