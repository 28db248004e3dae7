package debpkg

import (
	"archive/tar"
	"bufio"
	"bytes"
	"compress/bzip2"
	"errors"
	"fmt"
	"io"
	"path"
	"strings"

	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zstd"
	"github.com/xi2/xz"
)

// ErrTooLarge is wrapped by errors for a .deb that declares or decompresses
// to more than its Limits allow.
var ErrTooLarge = errors.New("over the size limit")

// FormatError reports a malformed .deb: which member is wrong and how.
type FormatError struct {
	Member string // ar member, e.g. "control.tar.xz"; "" for the archive itself
	Reason string
	Err    error // underlying cause, if any
}

// Error says which member is malformed and how.
func (e *FormatError) Error() string {
	if e.Member == "" {
		return "malformed .deb: " + e.Reason
	}
	return fmt.Sprintf("malformed .deb member %s: %s", e.Member, e.Reason)
}

// Unwrap returns the underlying cause.
func (e *FormatError) Unwrap() error { return e.Err }

// Limits caps what a .deb may make plinth read or allocate. A zero field
// takes its DefaultLimits value.
type Limits struct {
	MaxControlSize int64 // decompressed control.tar, default 16 MiB
	MaxDataSize    int64 // decompressed data.tar, default 4 GiB
	MaxMemberSize  int64 // any ar member's declared size, default 2 GiB
}

// DefaultLimits returns limits that every real Debian or Ubuntu package fits.
func DefaultLimits() Limits {
	return Limits{
		MaxControlSize: 16 << 20,
		MaxDataSize:    4 << 30,
		MaxMemberSize:  2 << 30,
	}
}

func (l Limits) withDefaults() Limits {
	def := DefaultLimits()
	if l.MaxControlSize <= 0 {
		l.MaxControlSize = def.MaxControlSize
	}
	if l.MaxDataSize <= 0 {
		l.MaxDataSize = def.MaxDataSize
	}
	if l.MaxMemberSize <= 0 {
		l.MaxMemberSize = def.MaxMemberSize
	}
	return l
}

// Decoder bounds: a window or dictionary over these is refused rather than
// allocated. Both cover the largest presets of xz and zstd (--long=27).
const (
	zstdMaxWindow = 1 << 27
	xzMaxDict     = 1 << 26
)

// maxDebianBinary bounds the debian-binary member ("2.0\n").
const maxDebianBinary = 1024

// ControlArchive is the content of a .deb's control.tar.
type ControlArchive struct {
	Control Paragraph         // the control file
	Files   map[string][]byte // every other file by base name: postinst, md5sums, conffiles, ...
	Modes   map[string]int64  // tar mode of each file, "control" included (scripts are 0755)
}

// DebReader reads a .deb archive in one pass: Control, then Data.
type DebReader struct {
	ar      *arReader
	lim     Limits
	control *ControlArchive
	data    bool      // Data was called
	stream  io.Reader // the decompressed data.tar, for Close to verify its end
	err     error     // sticky: the reader is unusable after an error
	closers []func() error
	xz      *xz.Reader
}

// NewDebReader reads the .deb in r, within lim.
func NewDebReader(r io.Reader, lim Limits) *DebReader {
	lim = lim.withDefaults()
	br := bufio.NewReaderSize(r, 64<<10)
	return &DebReader{ar: newARReader(br, lim.MaxMemberSize), lim: lim}
}

// Control reads debian-binary (which must be "2.x") and the control.tar
// member (uncompressed, .gz, .xz or .zst) and returns the control archive.
// Calling it again returns the same archive.
func (d *DebReader) Control() (*ControlArchive, error) {
	if d.control != nil {
		return d.control, nil
	}
	if d.err != nil {
		return nil, d.err
	}
	c, err := d.readControl()
	if err != nil {
		d.err = err
		return nil, err
	}
	d.control = c
	return c, nil
}

func (d *DebReader) readControl() (*ControlArchive, error) {
	if err := d.readDebianBinary(); err != nil {
		return nil, err
	}
	name, err := d.nextMember("control.tar")
	if err != nil {
		return nil, err
	}
	comp, ok := strings.CutPrefix(name, "control.tar")
	if !ok {
		return nil, &FormatError{Member: name, Reason: "expected control.tar after debian-binary (members out of order?)"}
	}
	if comp == ".bz2" {
		return nil, &FormatError{Member: name, Reason: "control.tar may only be uncompressed, .gz, .xz or .zst"}
	}
	r, err := d.decompress(name, comp, d.lim.MaxControlSize)
	if err != nil {
		return nil, err
	}
	c, err := readControlTar(name, r, d.lim.MaxControlSize)
	if err != nil {
		return nil, err
	}
	// Drain the stream so that its checksum is verified.
	if _, err := io.Copy(io.Discard, r); err != nil {
		return nil, err
	}
	return c, d.closeDecoders()
}

func (d *DebReader) readDebianBinary() error {
	name, size, err := d.ar.Next()
	if err == io.EOF {
		return &FormatError{Reason: "empty ar archive: not a .deb file"}
	}
	if err != nil {
		return err
	}
	if name != "debian-binary" {
		return &FormatError{Member: name, Reason: "the first member must be debian-binary: not a Debian binary package"}
	}
	if size > maxDebianBinary {
		return &FormatError{Member: name, Reason: fmt.Sprintf("%d bytes; expected a short version line such as \"2.0\"", size)}
	}
	buf := make([]byte, size)
	if _, err := io.ReadFull(d.ar, buf); err != nil {
		return err
	}
	line, _, _ := bytes.Cut(buf, []byte("\n"))
	minor, ok := bytes.CutPrefix(line, []byte("2."))
	if !ok || len(minor) == 0 || bytes.ContainsFunc(minor, func(r rune) bool { return r < '0' || r > '9' }) {
		return &FormatError{Member: name, Reason: fmt.Sprintf("unsupported format version %q; only 2.x is supported", printable(string(line)))}
	}
	return nil
}

// nextMember returns the next member's name, skipping the optional
// members whose names start with '_'. want names the expected member.
func (d *DebReader) nextMember(want string) (string, error) {
	for {
		name, _, err := d.ar.Next()
		if err == io.EOF {
			return "", &FormatError{Member: want, Reason: "missing: the archive ends before it"}
		}
		if err != nil {
			return "", err
		}
		if !strings.HasPrefix(name, "_") {
			return name, nil
		}
	}
}

func readControlTar(member string, r io.Reader, max int64) (*ControlArchive, error) {
	c := &ControlArchive{Files: map[string][]byte{}, Modes: map[string]int64{}}
	haveControl := false
	tr := tar.NewReader(r)
	for {
		hdr, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, tarError(member, err)
		}
		name := path.Base(path.Clean("/" + hdr.Name))
		switch {
		case hdr.Typeflag == tar.TypeDir:
			continue
		case !hdr.FileInfo().Mode().IsRegular():
			return nil, &FormatError{Member: member, Reason: fmt.Sprintf("entry %q is not a regular file (type %q)", hdr.Name, hdr.Typeflag)}
		case name == "/" || name == "control" && haveControl || c.Files[name] != nil:
			return nil, &FormatError{Member: member, Reason: fmt.Sprintf("duplicate or unnamed entry %q", hdr.Name)}
		case hdr.Size > max:
			return nil, fmt.Errorf("%s: entry %q declares %d bytes, over the limit of %d: %w", member, hdr.Name, hdr.Size, max, ErrTooLarge)
		}
		buf := make([]byte, hdr.Size)
		if _, err := io.ReadFull(tr, buf); err != nil {
			return nil, tarError(member, unexpected(err))
		}
		c.Modes[name] = hdr.Mode
		if name != "control" {
			c.Files[name] = buf
			continue
		}
		p, err := ParseParagraph(bytes.NewReader(buf))
		if err != nil {
			return nil, &FormatError{Member: member, Reason: "parsing the control file: " + err.Error(), Err: err}
		}
		c.Control, haveControl = p, true
	}
	if !haveControl {
		return nil, &FormatError{Member: member, Reason: "no control file in it"}
	}
	return c, nil
}

func tarError(member string, err error) error {
	var fe *FormatError
	if errors.As(err, &fe) || errors.Is(err, ErrTooLarge) {
		return err
	}
	return &FormatError{Member: member, Reason: "reading tar: " + err.Error(), Err: err}
}

// Data returns a tar reader over the decompressed data.tar member
// (uncompressed, .gz, .xz, .zst or .bz2). It reads the control member
// first if Control was not called. Reading past Limits.MaxDataSize fails
// with an error wrapping ErrTooLarge; a corrupt stream with a *FormatError.
func (d *DebReader) Data() (*tar.Reader, error) {
	if _, err := d.Control(); err != nil {
		return nil, err
	}
	if d.data {
		return nil, errors.New("reading .deb data: Data was already called on this DebReader")
	}
	d.data = true
	name, err := d.nextMember("data.tar")
	if err != nil {
		d.err = err
		return nil, err
	}
	comp, ok := strings.CutPrefix(name, "data.tar")
	if !ok {
		d.err = &FormatError{Member: name, Reason: "expected data.tar after the control member (members out of order?)"}
		return nil, d.err
	}
	r, err := d.decompress(name, comp, d.lim.MaxDataSize)
	if err != nil {
		d.err = err
		return nil, err
	}
	d.stream = r
	return tar.NewReader(r), nil
}

// verifyWindow bounds how much of the data stream Close reads past the end
// of the tar archive (tar pads to a 10 KiB record) to check its checksum.
const verifyWindow = 1 << 20

// Close verifies the end of the data member when its tar was read to the
// end: a tar reader stops at the end-of-archive blocks, before the
// compressor's trailing checksum and the end of the ar member, so a
// truncated or corrupt tail is only detected here. It then releases the
// decompressors' resources (zstd decoder goroutines). Call it, and check
// its error, after reading the data.
func (d *DebReader) Close() error {
	var err error
	if d.stream != nil && d.err == nil {
		err = drain(d.stream)
		d.stream = nil
	}
	return errors.Join(err, d.closeDecoders())
}

// drain reads r to its end, unless more than verifyWindow bytes are left:
// then the caller stopped reading early and there is nothing to verify.
func drain(r io.Reader) error {
	_, err := io.CopyN(io.Discard, r, verifyWindow)
	if err == io.EOF {
		return nil
	}
	return err
}

func (d *DebReader) closeDecoders() error {
	var errs []error
	for _, c := range d.closers {
		errs = append(errs, c())
	}
	d.closers = nil
	return errors.Join(errs...)
}

// decompress returns the decompressed stream of the current member, capped
// at max bytes. comp is the member name's extension.
func (d *DebReader) decompress(member, comp string, max int64) (io.Reader, error) {
	var (
		r   io.Reader
		err error
	)
	switch comp {
	case "":
		r = d.ar
	case ".gz":
		var zr *gzip.Reader
		zr, err = gzip.NewReader(bufio.NewReaderSize(d.ar, 32<<10))
		if err == nil {
			d.closers = append(d.closers, zr.Close)
			r = zr
		}
	case ".xz":
		// One reader for both members: Reset keeps its dictionary buffer.
		if d.xz == nil {
			d.xz, err = xz.NewReader(d.ar, xzMaxDict)
		} else {
			err = d.xz.Reset(d.ar)
		}
		r = d.xz
	case ".zst":
		var zr *zstd.Decoder
		zr, err = zstd.NewReader(d.ar,
			zstd.WithDecoderConcurrency(1),
			zstd.WithDecoderMaxWindow(zstdMaxWindow),
			zstd.WithDecoderMaxMemory(zstdMaxWindow))
		if err == nil {
			d.closers = append(d.closers, func() error { zr.Close(); return nil })
			r = zr
		}
	case ".bz2":
		r = bzip2.NewReader(bufio.NewReaderSize(d.ar, 32<<10))
	default:
		return nil, &FormatError{Member: member, Reason: fmt.Sprintf("unsupported compression %q", comp)}
	}
	if err != nil {
		return nil, decodeError(member, err)
	}
	return &cappedReader{r: r, n: max, max: max, member: member}, nil
}

// cappedReader stops a decompressed stream at max bytes and turns the
// decompressor's errors into *FormatError.
type cappedReader struct {
	r      io.Reader
	n      int64 // bytes left before the cap
	max    int64
	member string
}

func (c *cappedReader) Read(p []byte) (int, error) {
	if c.n <= 0 {
		return 0, c.probe()
	}
	if int64(len(p)) > c.n {
		p = p[:c.n]
	}
	n, err := c.r.Read(p)
	c.n -= int64(n)
	if err != nil && err != io.EOF {
		err = decodeError(c.member, err)
	}
	return n, err
}

// probe tells a stream that ends exactly at the cap from one that goes on.
func (c *cappedReader) probe() error {
	var b [1]byte
	n, err := io.ReadFull(c.r, b[:])
	if n > 0 {
		return fmt.Errorf("%s decompresses to more than %d bytes: %w", c.member, c.max, ErrTooLarge)
	}
	if err == io.EOF {
		return io.EOF
	}
	return decodeError(c.member, err)
}

func decodeError(member string, err error) error {
	var fe *FormatError
	if errors.As(err, &fe) || errors.Is(err, ErrTooLarge) {
		return err
	}
	return &FormatError{Member: member, Reason: "decompressing: " + err.Error(), Err: err}
}
