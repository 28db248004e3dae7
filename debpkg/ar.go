package debpkg

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// arMagic opens every ar archive.
const arMagic = "!<arch>\n"

// arHeaderSize is the size of one member header.
const arHeaderSize = 60

// maxBSDNameLen bounds a BSD "#1/N" long member name.
const maxBSDNameLen = 256

// arReader reads the members of an ar archive in order, without seeking.
// It is also the io.Reader (and io.ByteReader) of the current member's data.
type arReader struct {
	r         *bufio.Reader
	maxSize   int64  // largest declared member size accepted
	started   bool   // the global header was read
	name      string // current member
	remaining int64  // unread data bytes of the current member
	pad       int64  // padding byte after the current member (0 or 1)
	hdr       [arHeaderSize]byte
}

func newARReader(r *bufio.Reader, maxSize int64) *arReader {
	return &arReader{r: r, maxSize: maxSize}
}

// Next skips what is left of the current member and returns the name and
// size of the next one, or io.EOF at the end of the archive.
func (a *arReader) Next() (string, int64, error) {
	if !a.started {
		if err := a.readMagic(); err != nil {
			return "", 0, err
		}
		a.started = true
	}
	if err := a.skipRest(); err != nil {
		return "", 0, err
	}
	n, err := io.ReadFull(a.r, a.hdr[:])
	if err == io.EOF {
		return "", 0, io.EOF
	}
	if err != nil {
		return "", 0, &FormatError{Reason: fmt.Sprintf("truncated ar member header after %s (%d of %d bytes): the file ends early (incomplete download?)", a.describe(), n, arHeaderSize), Err: io.ErrUnexpectedEOF}
	}
	name, size, err := a.parseHeader()
	if err != nil {
		return "", 0, err
	}
	a.name, a.remaining = name, size
	return name, size, nil
}

func (a *arReader) readMagic() error {
	var magic [len(arMagic)]byte
	n, err := io.ReadFull(a.r, magic[:])
	if err != nil && err != io.EOF && err != io.ErrUnexpectedEOF {
		return err
	}
	if string(magic[:n]) != arMagic {
		return &FormatError{Reason: `no ar header ("!<arch>"): not a .deb file`}
	}
	return nil
}

// skipRest discards the unread data and padding of the current member.
func (a *arReader) skipRest() error {
	n := a.remaining + a.pad
	if n == 0 {
		return nil
	}
	skipped, err := a.r.Discard(int(min(n, int64(maxInt))))
	a.remaining, a.pad = 0, 0
	if int64(skipped) < n {
		if err == nil || err == io.EOF {
			err = io.ErrUnexpectedEOF
		}
		return truncated(a.describe(), err)
	}
	return nil
}

const maxInt = int(^uint(0) >> 1)

func (a *arReader) describe() string {
	if a.name == "" {
		return "the ar magic"
	}
	return a.name
}

// parseHeader validates a.hdr and returns the member's name and data size.
// BSD long names ("#1/N") are read from the start of the member, so the
// data size is N less than the declared size.
func (a *arReader) parseHeader() (string, int64, error) {
	h := a.hdr[:]
	rawName := strings.TrimRight(string(h[0:16]), " ")
	if string(h[58:60]) != "`\n" {
		return "", 0, &FormatError{Member: printable(rawName), Reason: "bad ar member header terminator (corrupt or truncated archive)"}
	}
	size, err := parseARSize(h[48:58])
	if err != nil {
		return "", 0, &FormatError{Member: printable(rawName), Reason: err.Error()}
	}
	a.pad = size % 2
	if size > a.maxSize {
		return "", 0, fmt.Errorf("ar member %s declares %d bytes, over the limit of %d: %w", printable(rawName), size, a.maxSize, ErrTooLarge)
	}
	if rest, ok := strings.CutPrefix(rawName, "#1/"); ok {
		return a.readBSDName(rest, size)
	}
	name := strings.TrimSuffix(rawName, "/") // GNU ar ends names with '/'
	if name == "" || strings.ContainsAny(name, "/\x00") {
		return "", 0, &FormatError{Member: printable(rawName), Reason: "unsupported ar member name (GNU symbol table or long-name reference)"}
	}
	return name, size, nil
}

func (a *arReader) readBSDName(digits string, size int64) (string, int64, error) {
	n, err := strconv.Atoi(digits)
	if err != nil || n <= 0 || n > maxBSDNameLen || int64(n) > size {
		return "", 0, &FormatError{Member: printable("#1/" + digits), Reason: "bad BSD long member name length"}
	}
	buf := make([]byte, n)
	if _, err := io.ReadFull(a.r, buf); err != nil {
		return "", 0, truncated("BSD long member name", unexpected(err))
	}
	name := strings.TrimRight(string(buf), "\x00")
	if name == "" || strings.ContainsAny(name, "/\x00") {
		return "", 0, &FormatError{Member: printable(name), Reason: "bad BSD long member name"}
	}
	return name, size - int64(n), nil
}

// parseARSize parses the decimal size field: digits, then spaces.
func parseARSize(field []byte) (int64, error) {
	s := strings.TrimRight(string(field), " ")
	if s == "" {
		return 0, errors.New("empty ar member size field")
	}
	for _, c := range []byte(s) {
		if c < '0' || c > '9' {
			return 0, fmt.Errorf("bad ar member size field %q", printable(string(field)))
		}
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("bad ar member size field %q", s)
	}
	return n, nil
}

// Read reads the current member's data.
func (a *arReader) Read(p []byte) (int, error) {
	if a.remaining <= 0 {
		return 0, io.EOF
	}
	if int64(len(p)) > a.remaining {
		p = p[:a.remaining]
	}
	n, err := a.r.Read(p)
	a.remaining -= int64(n)
	if err == io.EOF && a.remaining > 0 {
		return n, truncated(a.name, io.ErrUnexpectedEOF)
	}
	if err == io.EOF {
		err = nil
	}
	return n, err
}

// ReadByte reads one byte of the current member's data.
func (a *arReader) ReadByte() (byte, error) {
	if a.remaining <= 0 {
		return 0, io.EOF
	}
	c, err := a.r.ReadByte()
	if err == io.EOF {
		return 0, truncated(a.name, io.ErrUnexpectedEOF)
	}
	if err != nil {
		return 0, err
	}
	a.remaining--
	return c, nil
}

func truncated(member string, err error) error {
	return &FormatError{Member: member, Reason: "truncated: the file ends early (incomplete download?)", Err: err}
}

func unexpected(err error) error {
	if err == io.EOF {
		return io.ErrUnexpectedEOF
	}
	return err
}

// printable quotes s for an error message if it holds odd bytes.
func printable(s string) string {
	for _, r := range s {
		if r < ' ' || r > '~' {
			return strconv.Quote(s)
		}
	}
	return s
}
