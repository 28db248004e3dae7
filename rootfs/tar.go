package rootfs

import (
	"archive/tar"
	"bufio"
	"fmt"
	"io"
	"time"
)

// TarOptions control WriteTar.
type TarOptions struct {
	// Epoch is every entry's modification time (SOURCE_DATE_EPOCH), whole
	// seconds; the zero time means the Unix epoch.
	Epoch time.Time
}

// WriteTar writes the tree as a deterministic tar stream: entries sorted by
// path (parents first), PAX format, names relative without "./" ("usr/bin/x",
// directories with a trailing "/"), the root itself left out, numeric uid
// and gid only, every mtime set to opts.Epoch, no atime or ctime. Hardlinks
// are TypeLink entries naming the first path of their group; devices and
// fifos are exact. The same tree always gives the same bytes.
func (t *Tree) WriteTar(w io.Writer, opts TarOptions) error {
	mtime := time.Unix(0, 0)
	if !opts.Epoch.IsZero() {
		mtime = time.Unix(opts.Epoch.Unix(), 0)
	}
	bw := bufio.NewWriterSize(w, 1<<16)
	tw := tar.NewWriter(bw)
	for _, p := range t.paths() {
		if p == "/" {
			continue
		}
		n := t.nodes[p]
		hdr, err := t.header(p, n, mtime)
		if err != nil {
			return err
		}
		if err := tw.WriteHeader(hdr); err != nil {
			return fmt.Errorf("writing tar header for %s: %w", p, err)
		}
		if n.Type == TypeReg && len(n.Data) > 0 {
			if _, err := tw.Write(n.Data); err != nil {
				return fmt.Errorf("writing %s to the tar: %w", p, err)
			}
		}
	}
	if err := tw.Close(); err != nil {
		return fmt.Errorf("finishing the tar: %w", err)
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("writing the tar: %w", err)
	}
	return nil
}

// header returns the tar header of node n at path p.
func (t *Tree) header(p string, n *Node, mtime time.Time) (*tar.Header, error) {
	hdr := &tar.Header{
		Name:    p[1:],
		Mode:    n.Mode,
		Uid:     n.Uid,
		Gid:     n.Gid,
		ModTime: mtime,
		Format:  tar.FormatPAX,
	}
	switch n.Type {
	case TypeReg:
		hdr.Typeflag, hdr.Size = tar.TypeReg, int64(len(n.Data))
	case TypeDir:
		hdr.Typeflag = tar.TypeDir
		hdr.Name += "/"
	case TypeSymlink:
		hdr.Typeflag, hdr.Linkname = tar.TypeSymlink, n.Link
	case TypeHardlink:
		d, ok := t.nodes[n.Link]
		if !ok || d.Type != TypeReg || len(n.Link) < 2 {
			return nil, fmt.Errorf("writing tar entry %s: hardlink target %s is not a regular file in the tree", p, n.Link)
		}
		hdr.Typeflag, hdr.Linkname = tar.TypeLink, n.Link[1:]
		hdr.Mode, hdr.Uid, hdr.Gid = d.Mode, d.Uid, d.Gid
	case TypeChar:
		hdr.Typeflag, hdr.Devmajor, hdr.Devminor = tar.TypeChar, n.Devmajor, n.Devminor
	case TypeBlock:
		hdr.Typeflag, hdr.Devmajor, hdr.Devminor = tar.TypeBlock, n.Devmajor, n.Devminor
	case TypeFifo:
		hdr.Typeflag = tar.TypeFifo
	default:
		return nil, fmt.Errorf("writing tar entry %s: unknown node type %d", p, n.Type)
	}
	return hdr, nil
}
