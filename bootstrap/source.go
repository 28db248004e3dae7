package bootstrap

import (
	"archive/tar"
	"bufio"
	"bytes"
	"compress/bzip2"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"strings"

	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zstd"
	"github.com/xi2/xz"

	"github.com/plinth-build/plinth/debpkg"
	"github.com/plinth-build/plinth/rootfs"
	"github.com/plinth-build/plinth/rootfs/oci"
)

// This file reads images and root filesystems back, for inspect, diff,
// import and index.

// sourceForms lists what a source may be, for error messages.
const sourceForms = "oci:DIR[:TAG], docker-archive:FILE, docker://REF, dir:DIR, tar:FILE, or a directory or tarball path"

// ImageInfo describes one single-platform image read back.
type ImageInfo struct {
	Digest           string `json:"digest"`            // the manifest digest
	Platform         string `json:"platform"`          // os/arch[/variant]
	Layers           int    `json:"layers"`            // number of layers
	UncompressedSize int64  `json:"uncompressed_size"` // bytes of the layers' tar streams
}

// sourceTree is one root filesystem read back from a source.
type sourceTree struct {
	Arch  string // Debian architecture; "" when nothing says
	Tree  *rootfs.Tree
	Image *ImageInfo // nil for a root filesystem
}

// parseSource reads a source argument: the KIND: forms of
// oci.ParseDestination, or a bare path. A bare directory holding an OCI
// image layout (an oci-layout file) is oci:DIR, another directory dir:DIR,
// and a file tar:FILE.
func parseSource(s string) (oci.Destination, error) {
	if s == "" {
		return oci.Destination{}, fmt.Errorf("empty source: give one of %s", sourceForms)
	}
	if kind, _, ok := strings.Cut(s, ":"); (ok && isDestinationKind(kind)) || strings.HasPrefix(s, "docker://") {
		return oci.ParseDestination(s)
	}
	info, err := os.Stat(s)
	if err != nil {
		return oci.Destination{}, fmt.Errorf("reading %s: %w (a source is one of %s)", s, err, sourceForms)
	}
	switch {
	case info.IsDir() && isOCILayout(s):
		return oci.Destination{Kind: oci.KindOCI, Path: s}, nil
	case info.IsDir():
		return oci.Destination{Kind: oci.KindDir, Path: s}, nil
	case info.Mode().IsRegular():
		return oci.Destination{Kind: oci.KindTar, Path: s}, nil
	}
	return oci.Destination{}, fmt.Errorf("reading %s: not a directory or a regular file (a source is one of %s)", s, sourceForms)
}

func isDestinationKind(kind string) bool {
	switch kind {
	case oci.KindOCI, oci.KindDockerArchive, oci.KindDocker, oci.KindDir, oci.KindTar:
		return true
	}
	return false
}

func isOCILayout(dir string) bool {
	info, err := os.Stat(filepath.Join(dir, "oci-layout"))
	return err == nil && info.Mode().IsRegular()
}

// readFilter, when set, says which paths (as named in a tar, "/etc/passwd")
// of a tarball or image layer are worth reading; directories are always
// read, and so is all of a dir: source. nil reads everything.
type readFilter func(path string) bool

// eachTree calls fn with every root filesystem src holds, one at a time:
// the one of dir: or tar:, or one per platform of an image.
func eachTree(ctx context.Context, src oci.Destination, keep readFilter, fn func(sourceTree) error) error {
	switch src.Kind {
	case oci.KindDir, oci.KindTar:
		t, err := readRootfs(ctx, src, keep)
		if err != nil {
			return err
		}
		return fn(sourceTree{Arch: treeArch(t), Tree: t})
	}
	images, err := oci.Load(ctx, src)
	if err != nil {
		return err
	}
	for _, img := range images {
		st, err := readImage(img, keep)
		if err != nil {
			return fmt.Errorf("reading %s: %w", src, err)
		}
		if err := fn(st); err != nil {
			return err
		}
	}
	return nil
}

// readRootfs reads a dir: or tar: root filesystem.
func readRootfs(ctx context.Context, src oci.Destination, keep readFilter) (*rootfs.Tree, error) {
	info, err := os.Stat(src.Path)
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", src, err)
	}
	if src.Kind == oci.KindDir {
		if !info.IsDir() {
			return nil, fmt.Errorf("reading %s: %s is not a directory (name a tarball tar:%s)", src, src.Path, src.Path)
		}
		return rootfs.Rescan(ctx, src.Path)
	}
	if info.IsDir() {
		return nil, fmt.Errorf("reading %s: %s is a directory (name it dir:%s)", src, src.Path, src.Path)
	}
	t, err := readTarFile(src.Path, keep)
	if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, tar.ErrHeader) {
		return nil, fmt.Errorf("reading %s: %w: %s is not a tarball (plain, gzip, xz, zstd or bzip2) or is cut short", src, err, src.Path)
	}
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", src, err)
	}
	return t, nil
}

// readTarFile reads a root filesystem tarball, plain or compressed with
// gzip, xz, zstd or bzip2 (recognized by their magic numbers).
func readTarFile(name string, keep readFilter) (*rootfs.Tree, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	r, closeFn, err := decompress(f)
	if err != nil {
		return nil, fmt.Errorf("decompressing %s: %w", name, err)
	}
	defer closeFn()
	t := rootfs.New()
	if _, err := t.Extract(tar.NewReader(r), rootfs.ExtractOptions{Exclude: keep.exclude()}); err != nil {
		return nil, err
	}
	return t, nil
}

func (keep readFilter) exclude() func(string) bool {
	if keep == nil {
		return nil
	}
	return func(p string) bool { return !keep(p) }
}

// Magic numbers of the compressed formats decompress recognizes.
var (
	magicGzip  = []byte{0x1f, 0x8b}
	magicXz    = []byte{0xfd, '7', 'z', 'X', 'Z', 0}
	magicZstd  = []byte{0x28, 0xb5, 0x2f, 0xfd}
	magicBzip2 = []byte("BZh")
)

// decompress returns r decompressed as its magic number says, or r itself.
func decompress(r io.Reader) (io.Reader, func(), error) {
	br := bufio.NewReaderSize(r, 64<<10)
	magic, _ := br.Peek(6)
	switch {
	case bytes.HasPrefix(magic, magicGzip):
		zr, err := gzip.NewReader(br)
		if err != nil {
			return nil, nil, err
		}
		return zr, func() { zr.Close() }, nil
	case bytes.HasPrefix(magic, magicXz):
		zr, err := xz.NewReader(br, 0)
		return zr, func() {}, err
	case bytes.HasPrefix(magic, magicZstd):
		zr, err := zstd.NewReader(br, zstd.WithDecoderConcurrency(1))
		if err != nil {
			return nil, nil, err
		}
		return zr, zr.Close, nil
	case bytes.HasPrefix(magic, magicBzip2):
		return bzip2.NewReader(br), func() {}, nil
	}
	return br, func() {}, nil
}

// treeArch is the dpkg architecture of a root filesystem: the first line
// of /var/lib/dpkg/arch, else the architecture most of its packages have
// (other than "all"), else "".
func treeArch(t *rootfs.Tree) string {
	if data, err := t.ReadFile(path.Join(rootfs.DpkgAdminDir, "arch")); err == nil {
		if first, _, _ := strings.Cut(string(data), "\n"); strings.TrimSpace(first) != "" {
			return strings.TrimSpace(first)
		}
	}
	pkgs, err := installedPackages(t)
	if err != nil {
		return ""
	}
	count := map[string]int{}
	best := ""
	for _, p := range pkgs {
		if p.Architecture == "all" || p.Architecture == "" {
			continue
		}
		count[p.Architecture]++
		if c := count[p.Architecture]; c > count[best] || c == count[best] && p.Architecture < best {
			best = p.Architecture
		}
	}
	return best
}

// platformArch is the Debian architecture of an OCI platform, or the
// platform itself ("linux/mips") when plinth knows no Debian name for it.
func platformArch(osName, arch, variant string) string {
	if arch == "" {
		return ""
	}
	var fallback string
	for _, name := range debpkg.ArchNames() {
		a, err := debpkg.LookupArch(name)
		if err != nil || a.OCIArch != arch {
			continue
		}
		if a.OCIVariant == variant {
			return a.Name
		}
		if fallback == "" && (variant == "" || a.OCIVariant == "") {
			fallback = a.Name
		}
	}
	if fallback != "" {
		return fallback
	}
	return platformString(osName, arch, variant)
}

// platformString renders a platform as os/arch[/variant].
func platformString(osName, arch, variant string) string {
	s := osName + "/" + arch
	if variant != "" {
		s += "/" + variant
	}
	return s
}

// readImage applies img's layers in order into one tree and describes it.
func readImage(img oci.Image, keep readFilter) (sourceTree, error) {
	info := &ImageInfo{}
	d, err := img.Digest()
	if err != nil {
		return sourceTree{}, fmt.Errorf("computing the image digest: %w", err)
	}
	info.Digest = d.String()
	cf, err := img.ConfigFile()
	if err != nil {
		return sourceTree{}, fmt.Errorf("reading the config of image %s: %w", info.Digest, err)
	}
	if cf.Architecture != "" {
		info.Platform = platformString(cf.OS, cf.Architecture, cf.Variant)
	}
	layers, err := img.Layers()
	if err != nil {
		return sourceTree{}, fmt.Errorf("listing the layers of image %s: %w", info.Digest, err)
	}
	info.Layers = len(layers)
	t := rootfs.New()
	for i, l := range layers {
		n, err := applyLayer(t, l, i == 0, keep)
		if err != nil {
			return sourceTree{}, fmt.Errorf("image %s: layer %d of %d: %w", info.Digest, i+1, len(layers), err)
		}
		info.UncompressedSize += n
	}
	arch := platformArch(cf.OS, cf.Architecture, cf.Variant)
	if arch == "" {
		arch = treeArch(t)
	}
	return sourceTree{Arch: arch, Tree: t, Image: info}, nil
}

// imageLayer is what applyLayer needs of an image layer.
type imageLayer interface {
	// Uncompressed opens the layer's tar stream, anew on every call.
	Uncompressed() (io.ReadCloser, error)
}

// applyLayer applies one layer to t as a container runtime would and
// returns its uncompressed size. An upper layer's OCI whiteouts remove what
// lower layers put there (.wh.NAME the path NAME, .wh..wh..opq everything
// in its directory), and its non-directories replace lower directories; both
// are read in a first pass over the layer, so they apply to lower layers
// only, whatever the entry order.
func applyLayer(t *rootfs.Tree, l imageLayer, bottom bool, keep readFilter) (int64, error) {
	if !bottom {
		if err := applyWhiteouts(t, l); err != nil {
			return 0, err
		}
	}
	rc, err := l.Uncompressed()
	if err != nil {
		return 0, fmt.Errorf("opening: %w", err)
	}
	defer rc.Close()
	cr := &countingReader{r: rc}
	pr, pw := io.Pipe()
	done := make(chan struct{})
	go func() {
		defer close(done)
		pw.CloseWithError(copyLayerEntries(pw, cr, keep))
	}()
	_, err = t.Extract(tar.NewReader(pr), rootfs.ExtractOptions{Exclude: keep.exclude()})
	pr.Close()
	<-done
	if err != nil {
		return 0, err
	}
	if _, err := io.Copy(io.Discard, cr); err != nil {
		return 0, fmt.Errorf("reading: %w", err)
	}
	return cr.n, nil
}

// copyLayerEntries re-writes the layer tar r to w without whiteouts, global
// headers and (with keep) hardlinks to paths keep leaves out.
func copyLayerEntries(w io.Writer, r io.Reader, keep readFilter) error {
	tr := tar.NewReader(r)
	tw := tar.NewWriter(w)
	for {
		hdr, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return tw.Close()
		}
		if err != nil {
			return err
		}
		if hdr.Typeflag == tar.TypeXGlobalHeader || strings.HasPrefix(path.Base(hdr.Name), ".wh.") {
			continue
		}
		if keep != nil && hdr.Typeflag == tar.TypeLink && !keep(layerPath(hdr.Linkname)) {
			continue
		}
		hdr.Format = tar.FormatPAX
		if err := tw.WriteHeader(hdr); err != nil {
			return fmt.Errorf("entry %q: %w", hdr.Name, err)
		}
		if _, err := io.Copy(tw, tr); err != nil {
			return fmt.Errorf("entry %q: %w", hdr.Name, err)
		}
	}
}

// applyWhiteouts reads a layer's whiteouts and non-directory names and
// removes from t what they hide or replace.
func applyWhiteouts(t *rootfs.Tree, l imageLayer) error {
	rc, err := l.Uncompressed()
	if err != nil {
		return fmt.Errorf("opening: %w", err)
	}
	defer rc.Close()
	var remove []string
	opaque := map[string]bool{}
	tr := tar.NewReader(rc)
	for {
		hdr, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return fmt.Errorf("reading whiteouts: %w", err)
		}
		p := layerPath(hdr.Name)
		dir, base := path.Split(p)
		switch {
		case base == ".wh..wh..opq":
			if r, err := t.Resolve(dir, true); err == nil {
				opaque[r] = true
			}
		case strings.HasPrefix(base, ".wh..wh."):
			// aufs bookkeeping (.wh..wh.plnk), not a path
		case strings.HasPrefix(base, ".wh."):
			remove = append(remove, path.Join(dir, base[len(".wh."):]))
		case hdr.Typeflag != tar.TypeDir:
			if r, err := t.Resolve(p, false); err == nil && r != "/" {
				if n, ok := t.Get(r); ok && n.Type == rootfs.TypeDir {
					remove = append(remove, r)
				}
			}
		}
	}
	if len(opaque) > 0 {
		err := t.Walk(func(p string, _ *rootfs.Node) error {
			if p != "/" && opaque[path.Dir(p)] {
				remove = append(remove, p)
			}
			return nil
		})
		if err != nil {
			return err
		}
	}
	for _, p := range remove {
		if err := t.Remove(p); err != nil && !errors.Is(err, rootfs.ErrNotExist) {
			return fmt.Errorf("applying whiteout of %s: %w", p, err)
		}
	}
	return nil
}

// layerPath turns a tar entry name into a clean absolute path.
func layerPath(name string) string {
	return path.Clean("/" + name)
}

type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}
