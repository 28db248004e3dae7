package bootstrap

import (
	"bytes"
	"crypto/sha256"
	"encoding/gob"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/plinth-build/plinth/debpkg"
)

// The unpack cache keeps every .deb's control archive and decompressed
// data.tar under CACHE/unpacked/<sha256 of the .deb>, so a warm build
// decompresses nothing (xz decoding is most of a cold build's CPU time).
// An entry is "PLUNPK01", the SHA256 of the rest, then a gob of
// unpackedEntry; it is checked on every read and rewritten when bad.
const unpackMagic = "PLUNPK01"

type unpackedEntry struct {
	Control debpkg.Paragraph
	Files   map[string][]byte
	Modes   map[string]int64
	Data    []byte
}

type unpackCache struct{ dir string }

func newUnpackCache(cacheDir string) *unpackCache {
	if cacheDir == "" {
		return nil
	}
	return &unpackCache{dir: filepath.Join(cacheDir, "unpacked")}
}

func (c *unpackCache) path(debSHA256 string) string { return filepath.Join(c.dir, debSHA256) }

// get returns the cached entry of a .deb, or false when absent or damaged
// (a damaged entry is removed).
func (c *unpackCache) get(debSHA256 string) (decodedDeb, bool) {
	if c == nil || !validHex(debSHA256) {
		return decodedDeb{}, false
	}
	raw, err := os.ReadFile(c.path(debSHA256))
	if err != nil {
		return decodedDeb{}, false
	}
	e, err := decodeUnpacked(raw)
	if err != nil {
		os.Remove(c.path(debSHA256))
		return decodedDeb{}, false
	}
	return decodedDeb{control: &debpkg.ControlArchive{Control: e.Control, Files: e.Files, Modes: e.Modes}, data: e.Data}, true
}

func decodeUnpacked(raw []byte) (*unpackedEntry, error) {
	if len(raw) < len(unpackMagic)+sha256.Size || string(raw[:len(unpackMagic)]) != unpackMagic {
		return nil, errors.New("not an unpack cache entry")
	}
	sum := raw[len(unpackMagic) : len(unpackMagic)+sha256.Size]
	body := raw[len(unpackMagic)+sha256.Size:]
	if got := sha256.Sum256(body); !bytes.Equal(got[:], sum) {
		return nil, errors.New("unpack cache entry is damaged")
	}
	var e unpackedEntry
	if err := gob.NewDecoder(bytes.NewReader(body)).Decode(&e); err != nil {
		return nil, err
	}
	return &e, nil
}

// put stores d atomically; a failure only costs the next build time.
func (c *unpackCache) put(debSHA256 string, d decodedDeb) error {
	if c == nil || !validHex(debSHA256) {
		return nil
	}
	var body bytes.Buffer
	e := unpackedEntry{Control: d.control.Control, Files: d.control.Files, Modes: d.control.Modes, Data: d.data}
	if err := gob.NewEncoder(&body).Encode(&e); err != nil {
		return err
	}
	sum := sha256.Sum256(body.Bytes())
	if err := os.MkdirAll(c.dir, 0o755); err != nil {
		return err
	}
	f, err := os.CreateTemp(c.dir, ".tmp-*")
	if err != nil {
		return err
	}
	_, err = f.Write([]byte(unpackMagic))
	if err == nil {
		_, err = f.Write(sum[:])
	}
	if err == nil {
		_, err = f.Write(body.Bytes())
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(f.Name(), c.path(debSHA256))
	}
	if err != nil {
		os.Remove(f.Name())
		return fmt.Errorf("caching the unpacked %s: %w", debSHA256, err)
	}
	return nil
}

func validHex(s string) bool {
	if len(s) != 64 {
		return false
	}
	for _, c := range s {
		if (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}
