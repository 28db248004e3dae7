package debpkg

import (
	"fmt"
	"strconv"
	"strings"
)

// Version is a Debian package version: [epoch:]upstream[-revision].
type Version struct {
	Epoch    uint64
	Upstream string
	Revision string
}

// VersionError reports a version string dpkg would refuse.
type VersionError struct {
	Version string
	Reason  string
}

func (e *VersionError) Error() string {
	return fmt.Sprintf("version %q: %s", e.Version, e.Reason)
}

// ParseVersion parses s with dpkg's rules (lib/dpkg/parsehelp.c).
func ParseVersion(s string) (Version, error) {
	orig := s
	s = strings.TrimSpace(s)
	if s == "" {
		return Version{}, &VersionError{orig, "empty"}
	}
	if strings.ContainsAny(s, " \t\n") {
		return Version{}, &VersionError{orig, "contains white space"}
	}
	var v Version
	if i := strings.IndexByte(s, ':'); i >= 0 {
		e, err := strconv.ParseUint(s[:i], 10, 31)
		if err != nil {
			return Version{}, &VersionError{orig, "epoch is not a small number"}
		}
		v.Epoch = e
		s = s[i+1:]
	}
	if i := strings.LastIndexByte(s, '-'); i >= 0 {
		v.Revision = s[i+1:]
		s = s[:i]
		if v.Revision == "" {
			return Version{}, &VersionError{orig, "empty revision"}
		}
	}
	v.Upstream = s
	if s == "" {
		return Version{}, &VersionError{orig, "empty upstream version"}
	}
	if s[0] < '0' || s[0] > '9' {
		return Version{}, &VersionError{orig, "upstream version must start with a digit"}
	}
	for _, c := range []byte(v.Upstream) {
		if !isAlnum(c) && !strings.ContainsRune(".-+~:", rune(c)) {
			return Version{}, &VersionError{orig, fmt.Sprintf("invalid character %q in upstream version", c)}
		}
	}
	for _, c := range []byte(v.Revision) {
		if !isAlnum(c) && !strings.ContainsRune(".+~", rune(c)) {
			return Version{}, &VersionError{orig, fmt.Sprintf("invalid character %q in revision", c)}
		}
	}
	return v, nil
}

// String renders the version as dpkg prints it.
func (v Version) String() string {
	var b strings.Builder
	// An upstream version with a colon needs its epoch, even 0, to parse back.
	if v.Epoch > 0 || strings.ContainsRune(v.Upstream, ':') {
		b.WriteString(strconv.FormatUint(v.Epoch, 10))
		b.WriteByte(':')
	}
	b.WriteString(v.Upstream)
	if v.Revision != "" {
		b.WriteByte('-')
		b.WriteString(v.Revision)
	}
	return b.String()
}

// IsZero reports whether v is the zero Version (no version given).
func (v Version) IsZero() bool { return v == Version{} }

// Compare returns -1, 0 or +1 as v sorts before, equal to or after o.
func (v Version) Compare(o Version) int {
	if v.Epoch != o.Epoch {
		if v.Epoch < o.Epoch {
			return -1
		}
		return 1
	}
	if c := compareFragment(v.Upstream, o.Upstream); c != 0 {
		return c
	}
	return compareFragment(v.Revision, o.Revision)
}

// CompareVersions parses and compares two version strings.
func CompareVersions(a, b string) (int, error) {
	va, err := ParseVersion(a)
	if err != nil {
		return 0, err
	}
	vb, err := ParseVersion(b)
	if err != nil {
		return 0, err
	}
	return va.Compare(vb), nil
}

func isAlnum(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

func isAlpha(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }

// order is dpkg's character weight: '~' before everything, then the end of
// the string, then letters, then everything else.
func order(c int) int {
	switch {
	case c == 0:
		return 0
	case isDigit(byte(c)):
		return 0
	case isAlpha(byte(c)):
		return c
	case c == '~':
		return -1
	default:
		return c + 256
	}
}

// compareFragment is dpkg's verrevcmp.
func compareFragment(a, b string) int {
	i, j := 0, 0
	for i < len(a) || j < len(b) {
		firstDiff := 0
		for (i < len(a) && !isDigit(a[i])) || (j < len(b) && !isDigit(b[j])) {
			ac, bc := 0, 0
			if i < len(a) {
				ac = order(int(a[i]))
			}
			if j < len(b) {
				bc = order(int(b[j]))
			}
			if ac != bc {
				return sign(ac - bc)
			}
			i++
			j++
		}
		for i < len(a) && a[i] == '0' {
			i++
		}
		for j < len(b) && b[j] == '0' {
			j++
		}
		for i < len(a) && isDigit(a[i]) && j < len(b) && isDigit(b[j]) {
			if firstDiff == 0 {
				firstDiff = int(a[i]) - int(b[j])
			}
			i++
			j++
		}
		if i < len(a) && isDigit(a[i]) {
			return 1
		}
		if j < len(b) && isDigit(b[j]) {
			return -1
		}
		if firstDiff != 0 {
			return sign(firstDiff)
		}
	}
	return 0
}

func sign(n int) int {
	switch {
	case n < 0:
		return -1
	case n > 0:
		return 1
	}
	return 0
}
