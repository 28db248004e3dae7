package bootstrap

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/plinth-build/plinth/debpkg"
	"github.com/plinth-build/plinth/recipes"
	"github.com/plinth-build/plinth/rootfs"
	"github.com/plinth-build/plinth/rootfs/oci"
)

// outputs collects what each architecture's tree leaves for the output, so
// that the tree can go before the next architecture is built: for an image
// destination the layer (in an unlinked temporary file) and the image, for
// a dir: or tar: destination (one architecture) the tree itself; and the
// dpkg status for the SBOM.
type outputs struct {
	dest     oci.Destination
	recipe   *recipes.Recipe
	epoch    time.Time
	sbom     bool
	tree     *rootfs.Tree
	images   []oci.Image
	closers  []func()
	statuses [][]debpkg.Paragraph
}

// add takes one architecture's tree and records its digest and layer size
// in ar; writing an image's layer is that architecture's write stage.
func (o *outputs) add(arch debpkg.Arch, tree *rootfs.Tree, ar *ArchResult, rep *reporter) error {
	if o.sbom {
		st, err := rootfs.ReadDpkgStatus(tree)
		if err != nil {
			return fmt.Errorf("reading the dpkg status of %s: %w", arch.Name, err)
		}
		o.statuses = append(o.statuses, st)
	}
	if !o.dest.IsImage() {
		o.tree = tree
		return nil
	}
	rep.start(Stage{Name: "write", Arch: arch.Name})
	layer, size, closeLayer, err := layerFile(tree, o.epoch)
	if err != nil {
		return err
	}
	o.closers = append(o.closers, closeLayer)
	img, err := oci.NewImage(layer, imageConfig(o.recipe, arch, o.epoch))
	if err != nil {
		return err
	}
	if ar.Digest, err = manifestDigest(img); err != nil {
		return err
	}
	ar.LayerSize = size
	o.images = append(o.images, img)
	rep.done("write")
	return nil
}

// write writes dest: the image (or index) for oci:, docker-archive: and
// docker://, or the tree for dir: and tar:.
func (o *outputs) write(ctx context.Context, res *Result, ropts []oci.Option) error {
	switch o.dest.Kind {
	case "dir":
		if err := materializeAtomic(ctx, o.tree, o.dest.Path); err != nil {
			return fmt.Errorf("writing %s: %w", o.dest, err)
		}
		return nil
	case "tar":
		n, err := writeTarFile(o.tree, o.dest.Path, o.epoch)
		if err != nil {
			return fmt.Errorf("writing %s: %w", o.dest, err)
		}
		res.Images[0].LayerSize = n
		return nil
	}
	if len(o.images) == 1 {
		res.Digest = res.Images[0].Digest
		return oci.Write(ctx, o.dest, o.images[0], ropts...)
	}
	idx, err := oci.NewIndex(o.images...)
	if err != nil {
		return err
	}
	d, err := idx.Digest()
	if err != nil {
		return err
	}
	res.Digest = d.String()
	return oci.WriteIndex(ctx, o.dest, idx, ropts...)
}

// close releases the layers' temporary files.
func (o *outputs) close() {
	for _, c := range o.closers {
		c()
	}
}

// layerFile writes the tree's deterministic tar to a temporary file that
// is unlinked at once (nothing is left behind however plinth ends) and
// returns an opener reading it back, its size and a close func.
func layerFile(tree *rootfs.Tree, epoch time.Time) (oci.Opener, int64, func(), error) {
	f, err := os.CreateTemp("", "plinth-layer-*.tar")
	if err != nil {
		return nil, 0, nil, err
	}
	os.Remove(f.Name())
	n, err := writeTar(tree, f, epoch)
	if err != nil {
		f.Close()
		return nil, 0, nil, err
	}
	open := func() (io.ReadCloser, error) { return io.NopCloser(io.NewSectionReader(f, 0, n)), nil }
	return open, n, func() { f.Close() }, nil
}

func writeTar(tree *rootfs.Tree, w io.Writer, epoch time.Time) (int64, error) {
	cw := &countingWriter{w: w}
	bw := bufio.NewWriterSize(cw, 1<<20)
	if err := tree.WriteTar(bw, rootfs.TarOptions{Epoch: epoch}); err != nil {
		return 0, err
	}
	if err := bw.Flush(); err != nil {
		return 0, err
	}
	return cw.n, nil
}

// writeTarFile writes the rootfs tarball to path atomically.
func writeTarFile(tree *rootfs.Tree, path string, epoch time.Time) (int64, error) {
	var n int64
	err := writeAtomic(path, func(w io.Writer) error {
		var err error
		n, err = writeTar(tree, w, epoch)
		return err
	})
	return n, err
}

// materializeAtomic writes the tree into a new directory next to dir and
// renames it into place; an existing dir must be empty.
func materializeAtomic(ctx context.Context, tree *rootfs.Tree, dir string) error {
	if entries, err := os.ReadDir(dir); err == nil && len(entries) > 0 {
		return fmt.Errorf("directory %s is not empty: remove it or pick another dir: output", dir)
	}
	parent := filepath.Dir(filepath.Clean(dir))
	if err := os.MkdirAll(parent, 0o755); err != nil {
		return err
	}
	tmp, err := os.MkdirTemp(parent, "."+filepath.Base(dir)+".tmp-*")
	if err != nil {
		return err
	}
	if err := tree.Materialize(ctx, tmp); err != nil {
		os.RemoveAll(tmp)
		return err
	}
	os.Remove(dir) // an empty existing directory
	if err := os.Rename(tmp, dir); err != nil {
		os.RemoveAll(tmp)
		return err
	}
	return nil
}

type countingWriter struct {
	w io.Writer
	n int64
}

func (c *countingWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}

func sortedEnv(env map[string]string) []string {
	out := make([]string, 0, len(env))
	for k, v := range env {
		out = append(out, k+"="+v)
	}
	sort.Strings(out)
	return out
}

// logger turns an optional writer into a printf-style line logger, safe
// for concurrent use (apt logs from parallel downloads): whole lines, one
// at a time.
func logger(w io.Writer) func(string, ...any) {
	if w == nil {
		return func(string, ...any) {}
	}
	var mu sync.Mutex
	return func(format string, args ...any) {
		line := fmt.Sprintf(format, args...)
		if !strings.HasSuffix(line, "\n") {
			line += "\n"
		}
		mu.Lock()
		defer mu.Unlock()
		io.WriteString(w, line)
	}
}

// PrintSummary prints one line per architecture and the digest.
func PrintSummary(w io.Writer, res *Result) {
	for _, img := range res.Images {
		fmt.Fprintf(w, "%s %s: %d packages, %.1f MB uncompressed", res.Recipe, img.Arch, len(img.Packages), float64(img.LayerSize)/1e6)
		if img.Digest != "" {
			fmt.Fprintf(w, ", %s", img.Digest)
		}
		fmt.Fprintln(w)
	}
	fmt.Fprintf(w, "wrote %s", res.Output)
	if res.Digest != "" {
		fmt.Fprintf(w, " (%s)", res.Digest)
	}
	fmt.Fprintln(w)
	if len(res.Stages) > 0 {
		writeStages(w, res.Stages)
	}
}
