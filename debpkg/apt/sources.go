package apt

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/plinth-build/plinth/debpkg"
)

// SourceEntry is one entry of the host's apt sources.
type SourceEntry struct {
	Types, URIs, Suites, Components []string
	// SignedBy is the Signed-By option as written: key file paths or
	// fingerprints, or an inline armored key (deb822 only).
	SignedBy string
	// File is the file the entry came from (under the root given to HostSources).
	File string
	// Enabled is false for a deb822 entry with "Enabled: no".
	Enabled bool
}

// HostSources reads the apt sources of the system rooted at root ("/"
// normally): etc/apt/sources.list and sources.list.d/*.list in the one-line
// format (with [options]), and sources.list.d/*.sources in deb822 format,
// in that order (the .d files sorted by name). Missing files are fine.
func HostSources(root string) ([]SourceEntry, error) {
	aptDir := filepath.Join(root, "etc", "apt")
	files := []string{filepath.Join(aptDir, "sources.list")}
	lists, _ := filepath.Glob(filepath.Join(aptDir, "sources.list.d", "*.list"))
	deb822s, _ := filepath.Glob(filepath.Join(aptDir, "sources.list.d", "*.sources"))
	sort.Strings(lists)
	sort.Strings(deb822s)
	files = append(files, lists...)
	files = append(files, deb822s...)
	var out []SourceEntry
	for _, f := range files {
		data, err := os.ReadFile(f)
		if errors.Is(err, os.ErrNotExist) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("reading apt sources: %w", err)
		}
		var entries []SourceEntry
		if strings.HasSuffix(f, ".sources") {
			entries, err = ParseDeb822Sources(data)
		} else {
			entries, err = ParseOneLineSources(data)
		}
		if err != nil {
			return nil, fmt.Errorf("reading apt sources %s: %w", f, err)
		}
		for i := range entries {
			entries[i].File = f
		}
		out = append(out, entries...)
	}
	return out, nil
}

// ParseOneLineSources parses the one-line sources.list format:
// "deb [opt=value ...] URI SUITE [COMPONENT...]", with # comments.
func ParseOneLineSources(data []byte) ([]SourceEntry, error) {
	var out []SourceEntry
	for n, line := range strings.Split(string(data), "\n") {
		if i := strings.IndexByte(line, '#'); i >= 0 {
			line = line[:i]
		}
		fields := strings.Fields(line)
		if len(fields) == 0 {
			continue
		}
		e, err := parseOneLine(fields)
		if err != nil {
			return nil, fmt.Errorf("line %d: %w", n+1, err)
		}
		out = append(out, e)
	}
	return out, nil
}

func parseOneLine(fields []string) (SourceEntry, error) {
	e := SourceEntry{Types: fields[:1], Enabled: true}
	rest := fields[1:]
	if len(rest) > 0 && strings.HasPrefix(rest[0], "[") {
		// Options: "[a=b c=d]", possibly spread over several fields.
		opts := strings.Join(rest, " ")
		end := strings.IndexByte(opts, ']')
		if end < 0 {
			return SourceEntry{}, fmt.Errorf("unterminated [options]")
		}
		for _, o := range strings.Fields(opts[1:end]) {
			k, v, _ := strings.Cut(o, "=")
			if strings.EqualFold(k, "signed-by") {
				e.SignedBy = v
			}
		}
		rest = strings.Fields(opts[end+1:])
	}
	if len(rest) < 2 {
		return SourceEntry{}, fmt.Errorf("expected \"%s URI SUITE [COMPONENT...]\"", e.Types[0])
	}
	e.URIs, e.Suites, e.Components = rest[:1], rest[1:2], rest[2:]
	return e, nil
}

// ParseDeb822Sources parses the deb822 .sources format.
func ParseDeb822Sources(data []byte) ([]SourceEntry, error) {
	pr := debpkg.NewParagraphReader(bytes.NewReader(data))
	var out []SourceEntry
	for {
		p, err := pr.Next()
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return nil, err
		}
		e := SourceEntry{
			Types:      strings.Fields(p.Get("Types")),
			URIs:       strings.Fields(p.Get("URIs")),
			Suites:     strings.Fields(p.Get("Suites")),
			Components: strings.Fields(p.Get("Components")),
			SignedBy:   strings.TrimSpace(p.Get("Signed-By")),
			Enabled:    !strings.EqualFold(strings.TrimSpace(p.Get("Enabled")), "no"),
		}
		if len(e.Types) == 0 || len(e.URIs) == 0 || len(e.Suites) == 0 {
			return nil, fmt.Errorf("entry %d: Types, URIs and Suites are required", len(out)+1)
		}
		out = append(out, e)
	}
}
