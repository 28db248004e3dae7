package bootstrap

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"path"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/plinth-build/plinth/debpkg"
	"github.com/plinth-build/plinth/rootfs"
)

// DefaultTopDirs is how many of the largest directories Inspect lists.
const DefaultTopDirs = 15

// InspectOptions select what `plinth inspect` reads and how it prints.
type InspectOptions struct {
	// Source is an image (oci:DIR[:TAG], docker-archive:FILE[:REF],
	// docker://REF) or a root filesystem (dir:DIR, tar:FILE, or a bare
	// directory or tarball path; a bare directory holding an OCI layout is
	// read as oci:DIR). Multi-layer images are read as a runtime would
	// stack them, OCI whiteouts applied.
	Source string
	// JSON prints the report as JSON instead of text.
	JSON bool
	// TopDirs is how many of the largest directories to list; 0 means
	// DefaultTopDirs.
	TopDirs int
}

// Inspection is what `plinth inspect` reports about a source.
type Inspection struct {
	Source string `json:"source"`
	// Kind is "image" or "rootfs".
	Kind string `json:"kind"`
	// Architectures holds one entry per root filesystem: one for a rootfs
	// or single-platform image, one per platform of a multi-arch image.
	Architectures []ArchInspection `json:"architectures"`
}

// ArchInspection describes the root filesystem of one architecture.
type ArchInspection struct {
	// Arch is the Debian architecture (from the image platform or
	// /var/lib/dpkg); "" when nothing says.
	Arch string `json:"architecture"`
	// Image is set for images.
	Image *ImageInfo `json:"image,omitempty"`
	// Packages are the installed packages of /var/lib/dpkg/status (and
	// status.d/*, as distroless images keep them), sorted by name.
	Packages []PackageInfo `json:"packages"`
	Totals   FileTotals    `json:"totals"`
	// LargestDirs are the directories holding the most bytes of regular
	// files below them, largest first.
	LargestDirs []DirSize `json:"largest_directories"`
}

// PackageInfo is one installed package.
type PackageInfo struct {
	Name         string `json:"name"`
	Version      string `json:"version"`
	Architecture string `json:"architecture"`
	// InstalledSize is dpkg's Installed-Size in bytes (the field is KiB).
	InstalledSize int64 `json:"installed_size"`
}

// FileTotals sums up a root filesystem.
type FileTotals struct {
	Packages      int   `json:"packages"`
	InstalledSize int64 `json:"installed_size"` // sum of the packages' InstalledSize
	Files         int   `json:"files"`          // regular files (a group of hardlinks counts once)
	Hardlinks     int   `json:"hardlinks"`      // further names of regular files
	Directories   int   `json:"directories"`    // the root included
	Symlinks      int   `json:"symlinks"`
	Other         int   `json:"other"` // devices and fifos
	Bytes         int64 `json:"bytes"` // content of the regular files
}

// DirSize is the cumulative size of the regular files below a directory.
type DirSize struct {
	Path  string `json:"path"`
	Bytes int64  `json:"bytes"`
	Files int    `json:"files"`
}

// Inspect reads opts.Source and prints its packages and sizes to w, as
// text or (opts.JSON) as JSON.
func Inspect(ctx context.Context, w io.Writer, opts InspectOptions) (*Inspection, error) {
	src, err := parseSource(opts.Source)
	if err != nil {
		return nil, err
	}
	top := opts.TopDirs
	if top <= 0 {
		top = DefaultTopDirs
	}
	in := &Inspection{Source: src.String(), Kind: "rootfs"}
	if src.IsImage() {
		in.Kind = "image"
	}
	err = eachTree(ctx, src, nil, func(st sourceTree) error {
		ai, err := inspectTree(st, top)
		if err != nil {
			return fmt.Errorf("inspecting %s: %w", src, err)
		}
		in.Architectures = append(in.Architectures, ai)
		return nil
	})
	if err != nil {
		return nil, err
	}
	if opts.JSON {
		err = in.WriteJSON(w)
	} else {
		err = in.WriteText(w)
	}
	return in, err
}

func inspectTree(st sourceTree, top int) (ArchInspection, error) {
	pkgs, err := installedPackages(st.Tree)
	if err != nil {
		return ArchInspection{}, err
	}
	ai := ArchInspection{Arch: st.Arch, Image: st.Image, Packages: pkgs}
	if ai.Packages == nil {
		ai.Packages = []PackageInfo{}
	}
	ai.Totals, ai.LargestDirs = treeSizes(st.Tree, top)
	ai.Totals.Packages = len(pkgs)
	for _, p := range pkgs {
		ai.Totals.InstalledSize += p.InstalledSize
	}
	return ai, nil
}

// statusDir is where distroless images keep one status file per package.
const statusDir = rootfs.DpkgAdminDir + "/status.d"

// installedPackages lists the packages dpkg's database records as
// installed (not those removed with only config files left), sorted by
// name and architecture. A tree without a database has none.
func installedPackages(t *rootfs.Tree) ([]PackageInfo, error) {
	paras, err := rootfs.ReadDpkgStatus(t)
	if errors.Is(err, rootfs.ErrNotExist) {
		paras, err = nil, nil
	}
	if err != nil {
		return nil, err
	}
	more, err := statusDirParagraphs(t)
	if err != nil {
		return nil, err
	}
	var out []PackageInfo
	for _, p := range append(paras, more...) {
		if !isInstalled(p.Get("Status")) {
			continue
		}
		kib, _ := strconv.ParseInt(strings.TrimSpace(p.Get("Installed-Size")), 10, 64)
		out = append(out, PackageInfo{
			Name:          p.Get("Package"),
			Version:       p.Get("Version"),
			Architecture:  p.Get("Architecture"),
			InstalledSize: kib * 1024,
		})
	}
	slices.SortFunc(out, func(a, b PackageInfo) int {
		return cmp.Or(cmp.Compare(a.Name, b.Name), cmp.Compare(a.Architecture, b.Architecture))
	})
	return out, nil
}

// statusDirParagraphs reads /var/lib/dpkg/status.d/*, skipping the
// *.md5sums files that sit beside the status files.
func statusDirParagraphs(t *rootfs.Tree) ([]debpkg.Paragraph, error) {
	var out []debpkg.Paragraph
	err := t.Walk(func(p string, n *rootfs.Node) error {
		if path.Dir(p) != statusDir || strings.HasSuffix(p, ".md5sums") {
			return nil
		}
		data, err := t.ReadFile(p)
		if err != nil {
			return nil // a directory or dangling link is no status file
		}
		paras, err := debpkg.ParseParagraphs(bytes.NewReader(data))
		if err != nil {
			return fmt.Errorf("parsing %s: %w", p, err)
		}
		for _, para := range paras {
			if para.Get("Package") != "" {
				out = append(out, para)
			}
		}
		return nil
	})
	return out, err
}

// isInstalled reports whether a dpkg Status ("install ok installed") is
// that of a package whose files are there; no Status (status.d) counts.
func isInstalled(status string) bool {
	f := strings.Fields(status)
	if len(f) != 3 {
		return status == ""
	}
	return f[2] != "not-installed" && f[2] != "config-files"
}

// treeSizes counts a tree's entries and the cumulative size of the regular
// files below every directory but the root, and returns the top largest.
func treeSizes(t *rootfs.Tree, top int) (FileTotals, []DirSize) {
	var tot FileTotals
	dirs := map[string]*DirSize{}
	t.Walk(func(p string, n *rootfs.Node) error {
		switch n.Type {
		case rootfs.TypeDir:
			tot.Directories++
		case rootfs.TypeSymlink:
			tot.Symlinks++
		case rootfs.TypeHardlink:
			tot.Hardlinks++
		case rootfs.TypeReg:
			tot.Files++
			tot.Bytes += int64(len(n.Data))
			for d := path.Dir(p); d != "/"; d = path.Dir(d) {
				ds := dirs[d]
				if ds == nil {
					ds = &DirSize{Path: d}
					dirs[d] = ds
				}
				ds.Bytes += int64(len(n.Data))
				ds.Files++
			}
		default:
			tot.Other++
		}
		return nil
	})
	largest := make([]DirSize, 0, len(dirs))
	for _, d := range dirs {
		largest = append(largest, *d)
	}
	slices.SortFunc(largest, func(a, b DirSize) int {
		return cmp.Or(cmp.Compare(b.Bytes, a.Bytes), cmp.Compare(a.Path, b.Path))
	})
	if len(largest) > top {
		largest = largest[:top]
	}
	return tot, largest
}

// WriteJSON prints the inspection as indented JSON.
func (in *Inspection) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(in)
}

// WriteText prints the inspection for people: per architecture the image
// facts, totals, the package table and the largest directories.
func (in *Inspection) WriteText(w io.Writer) error {
	var b bytes.Buffer
	fmt.Fprintf(&b, "%s (%s)\n", in.Source, in.Kind)
	for _, a := range in.Architectures {
		writeArchText(&b, a)
	}
	_, err := w.Write(b.Bytes())
	return err
}

func writeArchText(b *bytes.Buffer, a ArchInspection) {
	arch := a.Arch
	if arch == "" {
		arch = "unknown architecture"
	}
	fmt.Fprintf(b, "\n== %s ==\n", arch)
	tw := tabwriter.NewWriter(b, 0, 4, 2, ' ', 0)
	if img := a.Image; img != nil {
		fmt.Fprintf(tw, "digest:\t%s\n", img.Digest)
		fmt.Fprintf(tw, "platform:\t%s\n", img.Platform)
		fmt.Fprintf(tw, "layers:\t%d, %s uncompressed\n", img.Layers, humanSize(img.UncompressedSize))
	}
	t := a.Totals
	fmt.Fprintf(tw, "packages:\t%d, %s installed (dpkg Installed-Size)\n", t.Packages, humanSize(t.InstalledSize))
	fmt.Fprintf(tw, "files:\t%d regular (%s), %d hardlinks, %d directories, %d symlinks, %d other\n",
		t.Files, humanSize(t.Bytes), t.Hardlinks, t.Directories, t.Symlinks, t.Other)
	tw.Flush()
	if len(a.Packages) == 0 {
		fmt.Fprintf(b, "\nno packages (no dpkg database at %s)\n", rootfs.DpkgAdminDir)
	} else {
		fmt.Fprintln(b)
		tw = tabwriter.NewWriter(b, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "PACKAGE\tVERSION\tARCH\tINSTALLED-SIZE")
		for _, p := range a.Packages {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", p.Name, p.Version, p.Architecture, humanSize(p.InstalledSize))
		}
		tw.Flush()
	}
	if len(a.LargestDirs) > 0 {
		fmt.Fprintln(b)
		tw = tabwriter.NewWriter(b, 0, 4, 2, ' ', tabwriter.AlignRight)
		fmt.Fprintln(tw, "SIZE\tFILES\t  DIRECTORY")
		for _, d := range a.LargestDirs {
			fmt.Fprintf(tw, "%s\t%d\t  %s\n", humanSize(d.Bytes), d.Files, d.Path)
		}
		tw.Flush()
	}
}

// humanSize renders n bytes in SI units, as plinth's other summaries do.
func humanSize(n int64) string {
	switch {
	case n < 1000:
		return fmt.Sprintf("%d B", n)
	case n < 1000*1000:
		return fmt.Sprintf("%.1f kB", float64(n)/1e3)
	case n < 1000*1000*1000:
		return fmt.Sprintf("%.1f MB", float64(n)/1e6)
	}
	return fmt.Sprintf("%.1f GB", float64(n)/1e9)
}
