package apt

import (
	"bytes"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/plinth-build/plinth/debpkg"
)

// MaxClockSkew is how far a Release's Date (or a signature's time) may lie
// ahead of the reference time before it is refused as ErrFutureDate: mirrors
// and this machine may disagree on the time by a little.
const MaxClockSkew = 5 * time.Minute

// FileInfo names one file of the archive with its verified size and SHA256
// (lower-case hex). Path is relative to the Release's directory for index
// files and to the mirror root for pool files.
type FileInfo struct {
	Path   string
	Size   int64
	SHA256 string
}

// Release is a suite's verified Release file.
type Release struct {
	Mirror, Suite string // what was asked

	Origin, Label, SuiteField, Codename, Version string
	Date, ValidUntil                             time.Time // ValidUntil is zero when absent
	Architectures, Components                    []string
	AcquireByHash                                bool
	// Files is the SHA256 section, keyed by path ("main/binary-amd64/Packages.xz").
	Files map[string]FileInfo
	// SHA256 is the hex SHA256 of the InRelease (or Release) bytes as fetched.
	SHA256 string
	// SignedBy holds the fingerprints of the trusted keys whose good signatures were found.
	SignedBy []string
}

// ParseRelease parses the text of a Release file (the verified plaintext of
// an InRelease). It checks syntax only; policy (suite, dates, SHA256
// presence) is checked by Client.Release. Mirror, Suite, SHA256 and SignedBy
// are left for the caller.
func ParseRelease(data []byte) (*Release, error) {
	p, err := debpkg.ParseParagraph(bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrBadRelease, err)
	}
	r := &Release{
		Origin:        p.Get("Origin"),
		Label:         p.Get("Label"),
		SuiteField:    p.Get("Suite"),
		Codename:      p.Get("Codename"),
		Version:       p.Get("Version"),
		Architectures: strings.Fields(p.Get("Architectures")),
		Components:    strings.Fields(p.Get("Components")),
		AcquireByHash: p.Get("Acquire-By-Hash") == "yes",
	}
	if s := p.Get("Date"); s != "" {
		if r.Date, err = parseReleaseDate(s); err != nil {
			return nil, fmt.Errorf("%w: Date: %v", ErrBadRelease, err)
		}
	}
	if s := p.Get("Valid-Until"); s != "" {
		if r.ValidUntil, err = parseReleaseDate(s); err != nil {
			return nil, fmt.Errorf("%w: Valid-Until: %v", ErrBadRelease, err)
		}
	}
	if s, ok := p.Lookup("SHA256"); ok {
		if r.Files, err = parseChecksums(s); err != nil {
			return nil, fmt.Errorf("%w: SHA256: %v", ErrBadRelease, err)
		}
	}
	return r, nil
}

// parseChecksums reads a Release checksum section: one "HEX SIZE PATH" line
// per file.
func parseChecksums(s string) (map[string]FileInfo, error) {
	files := make(map[string]FileInfo)
	for _, line := range strings.Split(s, "\n") {
		f := strings.Fields(line)
		if len(f) == 0 {
			continue
		}
		if len(f) != 3 {
			return nil, fmt.Errorf("expected \"sha256 size path\", got %q", trunc(strings.TrimSpace(line)))
		}
		if !isSHA256(f[0]) {
			return nil, fmt.Errorf("%s: bad SHA256 %q", f[2], trunc(f[0]))
		}
		size, err := strconv.ParseInt(f[1], 10, 64)
		if err != nil || size < 0 {
			return nil, fmt.Errorf("%s: bad size %q", f[2], trunc(f[1]))
		}
		fi := FileInfo{Path: f[2], Size: size, SHA256: f[0]}
		if old, dup := files[fi.Path]; dup && old != fi {
			return nil, fmt.Errorf("%s listed twice with different checksums", fi.Path)
		}
		files[fi.Path] = fi
	}
	if len(files) == 0 {
		return nil, fmt.Errorf("empty")
	}
	return files, nil
}

// isSHA256 reports whether s is 64 lower-case hex digits.
func isSHA256(s string) bool {
	if len(s) != 64 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}

// releaseDateLayouts are the RFC 2822 forms archives write ("Sat, 21 Nov
// 2026 09:54:14 UTC"; Ubuntu also writes " 9:54:14" with a single-digit
// hour), after runs of spaces are collapsed.
var releaseDateLayouts = []string{
	"Mon, 2 Jan 2006 15:04:05 MST",
	"Mon, 2 Jan 2006 15:04:05 -0700",
	"2 Jan 2006 15:04:05 MST",
	"2 Jan 2006 15:04:05 -0700",
}

func parseReleaseDate(s string) (time.Time, error) {
	norm := strings.Join(strings.Fields(s), " ")
	for _, layout := range releaseDateLayouts {
		t, err := time.Parse(layout, norm)
		if err != nil {
			continue
		}
		if strings.HasSuffix(layout, "MST") {
			if zone, _ := t.Zone(); zone != "UTC" && zone != "GMT" && zone != "Z" {
				return time.Time{}, fmt.Errorf("time zone %q: want UTC or a numeric offset", zone)
			}
		}
		return t.UTC(), nil
	}
	return time.Time{}, fmt.Errorf("not an RFC 2822 date: %q", trunc(s))
}

// check applies the trust policy to a parsed Release fetched from url for
// the asked suite.
func (r *Release) check(url, suite string, opts *Options) error {
	fail := func(reason error) error { return &ReleaseError{URL: url, Reason: reason} }
	now := opts.Now()
	switch {
	case r.SuiteField != suite && r.Codename != suite:
		return fail(fmt.Errorf("%w: asked for %q, got Suite %q, Codename %q", ErrWrongSuite, suite, r.SuiteField, r.Codename))
	case len(r.Files) == 0:
		return fail(ErrNoSHA256)
	case r.Date.IsZero():
		return fail(fmt.Errorf("%w: no Date field", ErrBadRelease))
	case r.Date.After(now.Add(MaxClockSkew)):
		return fail(fmt.Errorf("%w: Date %s, now %s", ErrFutureDate, r.Date.Format(time.RFC3339), now.UTC().Format(time.RFC3339)))
	case !r.ValidUntil.IsZero() && now.After(r.ValidUntil) && !opts.IgnoreValidUntil:
		return fail(fmt.Errorf("%w: Valid-Until %s, now %s", ErrExpired, r.ValidUntil.Format(time.RFC3339), now.UTC().Format(time.RFC3339)))
	case r.Date.Before(opts.MinDate):
		return fail(fmt.Errorf("%w: Date %s, pinned %s", ErrRollback, r.Date.Format(time.RFC3339), opts.MinDate.UTC().Format(time.RFC3339)))
	}
	return nil
}
