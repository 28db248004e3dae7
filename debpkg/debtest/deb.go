package debtest

import (
	"archive/tar"
	"bytes"
	"crypto/md5"
	"fmt"
	"io"
	"path"
	"slices"
	"strings"
	"time"

	"github.com/dsnet/compress/bzip2"
	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zstd"
	"github.com/plinth-build/plinth/debpkg"
	"github.com/ulikunitz/xz"
)

// ModTimeUnix is the modification time (2024-01-01 UTC) of every entry and
// member Deb, Tar and Ar write unless Deb.ModTime says otherwise, so builds
// are reproducible.
const ModTimeUnix = 1704067200

// File is one data.tar entry.
type File struct {
	Path         string // "/usr/bin/foo" or "./usr/bin/foo"
	Type         byte   // tar.TypeReg (default), TypeDir, TypeSymlink, TypeLink, TypeChar, TypeBlock, TypeFifo
	Mode         int64  // permission bits incl. setuid (default 0644, 0755 dirs, 0777 symlinks)
	Uid, Gid     int
	Uname, Gname string // default "root" for id 0
	Linkname     string // symlink target as given; hard link target as a path in the package
	Data         []byte
	Devmajor     int64
	Devminor     int64
}

// Member is one ar member of a .deb.
type Member struct {
	Name string
	Data []byte
	Size string // if set, written verbatim as the header's size field (10 bytes at most)
}

// Deb describes a .deb to build. The zero values give a well-formed
// package; the fields after Compression tamper with it.
type Deb struct {
	Control     debpkg.Paragraph  // see Control for a quick one
	Scripts     map[string]string // other control files by name: "postinst", "conffiles", "triggers", "md5sums" (replaces the generated one), ...
	Files       []File            // data.tar entries; parent directories are added (0755 root) unless listed
	Compression string            // data.tar: "gz", "xz" (default), "zst", "bz2" or "none"
	// ControlCompression overrides the control.tar compression, which is
	// otherwise Compression when that is "xz" or "zst" and "gz" if not.
	ControlCompression string
	ModTime            time.Time // of every tar entry; default ModTimeUnix

	// Tamper switches for hostile tests.
	DebianBinary  string                  // content of debian-binary; default "2.0\n"
	RawControlTar []byte                  // if set, used verbatim as the (uncompressed) control.tar
	RawDataTar    []byte                  // if set, used verbatim as the (uncompressed) data.tar
	Tamper        func([]Member) []Member // rewrites the ar members (reorder, drop, insert, corrupt) before they are written
}

// Control returns a control paragraph for a package: Package, Version,
// Architecture, a Maintainer, then extra as name/value pairs ("Depends",
// "libc6 (>= 2.36)", ...; a trailing unpaired name is ignored) and a
// Description unless extra gives one.
func Control(name, version, arch string, extra ...string) debpkg.Paragraph {
	var p debpkg.Paragraph
	p.Set("Package", name)
	p.Set("Version", version)
	p.Set("Architecture", arch)
	p.Set("Maintainer", "plinth tests <tests@plinth.invalid>")
	for i := 0; i+1 < len(extra); i += 2 {
		p.Set(extra[i], extra[i+1])
	}
	if _, ok := p.Lookup("Description"); !ok {
		p.Set("Description", "test package "+name)
	}
	return p
}

// Build returns the .deb's bytes.
func (d Deb) Build() ([]byte, error) {
	dataComp := d.Compression
	if dataComp == "" {
		dataComp = "xz"
	}
	ctlComp := d.ControlCompression
	if ctlComp == "" {
		ctlComp = "gz"
		if dataComp == "xz" || dataComp == "zst" {
			ctlComp = dataComp
		}
	}
	dataTar, md5sums := d.RawDataTar, ""
	if dataTar == nil {
		var err error
		if dataTar, md5sums, err = d.dataTar(); err != nil {
			return nil, fmt.Errorf("building data.tar: %w", err)
		}
	}
	controlTar := d.RawControlTar
	if controlTar == nil {
		var err error
		if controlTar, err = d.controlTar(md5sums); err != nil {
			return nil, fmt.Errorf("building control.tar: %w", err)
		}
	}
	cz, err := Compress(ctlComp, controlTar)
	if err != nil {
		return nil, err
	}
	dz, err := Compress(dataComp, dataTar)
	if err != nil {
		return nil, err
	}
	version := d.DebianBinary
	if version == "" {
		version = "2.0\n"
	}
	members := []Member{
		{Name: "debian-binary", Data: []byte(version)},
		{Name: "control.tar" + Ext(ctlComp), Data: cz},
		{Name: "data.tar" + Ext(dataComp), Data: dz},
	}
	if d.Tamper != nil {
		members = d.Tamper(members)
	}
	return Ar(members...), nil
}

func (d Deb) modTime() time.Time {
	if d.ModTime.IsZero() {
		return time.Unix(ModTimeUnix, 0).UTC()
	}
	return d.ModTime
}

// isMaintainerScript tells the control files written executable.
func isMaintainerScript(name string) bool {
	switch name {
	case "preinst", "postinst", "prerm", "postrm", "config":
		return true
	}
	return false
}

// controlTar writes ./control, ./md5sums and the scripts.
func (d Deb) controlTar(md5sums string) ([]byte, error) {
	files := map[string]string{}
	if md5sums != "" {
		files["md5sums"] = md5sums
	}
	for name, s := range d.Scripts {
		files[name] = s
	}
	names := []string{}
	for name := range files {
		names = append(names, name)
	}
	slices.Sort(names)
	entries := []File{
		{Path: "./", Type: tar.TypeDir},
		{Path: "./control", Data: []byte(d.Control.String())},
	}
	for _, name := range names {
		f := File{Path: "./" + name, Data: []byte(files[name])}
		if isMaintainerScript(name) {
			f.Mode = 0o755
		}
		entries = append(entries, f)
	}
	return writeTar(entries, d.modTime(), tar.FormatGNU)
}

// dataTar writes the data entries, each parent directory before its
// children, and returns the md5sums of the regular files.
func (d Deb) dataTar() ([]byte, string, error) {
	explicitDirs := map[string]File{}
	for _, f := range d.Files {
		if f.Type == tar.TypeDir {
			explicitDirs[cleanPath(f.Path)] = f
		}
	}
	done := map[string]bool{}
	var entries []File
	var md5sums strings.Builder
	addDir := func(p string) {
		if done[p] {
			return
		}
		done[p] = true
		f, ok := explicitDirs[p]
		if !ok {
			f = File{Type: tar.TypeDir}
		}
		f.Path = tarName(p, true)
		entries = append(entries, f)
	}
	addDir("/")
	for _, f := range d.Files {
		p := cleanPath(f.Path)
		for _, parent := range parents(p) {
			addDir(parent)
		}
		if f.Type == tar.TypeDir {
			addDir(p)
			continue
		}
		f.Path = tarName(p, false)
		if f.Type == tar.TypeLink {
			f.Linkname = tarName(cleanPath(f.Linkname), false)
		}
		if f.Type == 0 || f.Type == tar.TypeReg {
			fmt.Fprintf(&md5sums, "%x  %s\n", md5.Sum(f.Data), p[1:])
		}
		entries = append(entries, f)
	}
	b, err := writeTar(entries, d.modTime(), tar.FormatGNU)
	return b, md5sums.String(), err
}

// cleanPath turns "./usr/bin/foo", "usr/bin/foo" or "/usr/bin/foo" into "/usr/bin/foo".
func cleanPath(p string) string {
	return path.Clean("/" + strings.TrimPrefix(p, "./"))
}

// tarName turns "/usr/bin" into "./usr/bin" ("./usr/bin/" for a directory).
func tarName(p string, dir bool) string {
	if p == "/" {
		return "./"
	}
	if dir {
		return "." + p + "/"
	}
	return "." + p
}

// parents returns the directories above p, outermost first, "/" excluded.
func parents(p string) []string {
	var out []string
	for dir := path.Dir(p); dir != "/"; dir = path.Dir(dir) {
		out = append(out, dir)
	}
	slices.Reverse(out)
	return out
}

// Tar returns a tar stream of files written exactly as given: paths are
// not cleaned, no parent directories are added, any Type byte is kept, and
// long names use PAX records. Use it for hostile entries such as
// "../../x", "/etc/shadow", a 10 KB path or an unknown typeflag, and put
// the result in Deb.RawDataTar.
func Tar(files ...File) ([]byte, error) {
	return writeTar(files, time.Unix(ModTimeUnix, 0).UTC(), tar.FormatUnknown)
}

func writeTar(files []File, mtime time.Time, format tar.Format) ([]byte, error) {
	var b bytes.Buffer
	tw := tar.NewWriter(&b)
	for _, f := range files {
		hdr := header(f, mtime, format)
		if err := tw.WriteHeader(hdr); err != nil {
			return nil, fmt.Errorf("writing tar header %q: %w", f.Path, err)
		}
		if hdr.Size > 0 {
			if _, err := tw.Write(f.Data); err != nil {
				return nil, fmt.Errorf("writing tar entry %q: %w", f.Path, err)
			}
		}
	}
	if err := tw.Close(); err != nil {
		return nil, fmt.Errorf("closing tar: %w", err)
	}
	return b.Bytes(), nil
}

func header(f File, mtime time.Time, format tar.Format) *tar.Header {
	typ := f.Type
	if typ == 0 {
		typ = tar.TypeReg
	}
	hdr := &tar.Header{
		Typeflag: typ,
		Name:     f.Path,
		Linkname: f.Linkname,
		Mode:     f.Mode,
		Uid:      f.Uid,
		Gid:      f.Gid,
		Uname:    f.Uname,
		Gname:    f.Gname,
		Size:     int64(len(f.Data)),
		ModTime:  mtime,
		Format:   format,
	}
	if hdr.Mode == 0 {
		hdr.Mode = defaultMode(typ)
	}
	if hdr.Uname == "" && hdr.Uid == 0 {
		hdr.Uname = "root"
	}
	if hdr.Gname == "" && hdr.Gid == 0 {
		hdr.Gname = "root"
	}
	if typ == tar.TypeChar || typ == tar.TypeBlock {
		hdr.Devmajor, hdr.Devminor = f.Devmajor, f.Devminor
	}
	return hdr
}

func defaultMode(typ byte) int64 {
	switch typ {
	case tar.TypeDir:
		return 0o755
	case tar.TypeSymlink:
		return 0o777
	default:
		return 0o644
	}
}

// Ext returns the file name extension of a compression: ".gz", ".xz",
// ".zst", ".bz2", or "" for "none" (or any unknown name, which Compress
// refuses).
func Ext(compression string) string {
	switch compression {
	case "gz", "xz", "zst", "bz2":
		return "." + compression
	}
	return ""
}

// Compress compresses data with "gz", "xz", "zst" or "bz2", or returns it
// as is for "none". The output is deterministic.
func Compress(compression string, data []byte) ([]byte, error) {
	var b bytes.Buffer
	var w io.WriteCloser
	var err error
	switch compression {
	case "none":
		return data, nil
	case "gz":
		w = gzip.NewWriter(&b)
	case "xz":
		w, err = xz.NewWriter(&b)
	case "zst":
		w, err = zstd.NewWriter(&b, zstd.WithEncoderConcurrency(1))
	case "bz2":
		w, err = bzip2.NewWriter(&b, nil)
	default:
		return nil, fmt.Errorf("compressing: unknown compression %q (want gz, xz, zst, bz2 or none)", compression)
	}
	if err != nil {
		return nil, fmt.Errorf("compressing with %s: %w", compression, err)
	}
	if _, err := w.Write(data); err != nil {
		return nil, fmt.Errorf("compressing with %s: %w", compression, err)
	}
	if err := w.Close(); err != nil {
		return nil, fmt.Errorf("compressing with %s: %w", compression, err)
	}
	return b.Bytes(), nil
}

// Ar returns an ar archive of members, in the layout dpkg-deb writes. A
// name longer than 16 bytes (or with a space) is written BSD style
// ("#1/N", the name before the data).
func Ar(members ...Member) []byte {
	var b bytes.Buffer
	b.WriteString("!<arch>\n")
	for _, m := range members {
		name, data := m.Name, m.Data
		if len(name) > 16 || strings.Contains(name, " ") {
			name = fmt.Sprintf("#1/%d", len(m.Name))
			data = append([]byte(m.Name), data...)
		}
		size := m.Size
		if size == "" {
			size = fmt.Sprint(len(data))
		}
		fmt.Fprintf(&b, "%-16s%-12d%-6d%-6d%-8s%-10.10s`\n", name, ModTimeUnix, 0, 0, "100644", size)
		b.Write(data)
		if len(data)%2 == 1 {
			b.WriteByte('\n')
		}
	}
	return b.Bytes()
}
