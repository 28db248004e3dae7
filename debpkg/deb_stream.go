package debpkg

import "io"

// DataRaw returns the decompressed data.tar member as a byte stream, for
// callers that buffer or re-read the tar themselves. The same limits and
// checks as Data apply; call Close after reading it.
func (d *DebReader) DataRaw() (io.Reader, error) {
	if _, err := d.Data(); err != nil {
		return nil, err
	}
	return d.stream, nil
}
