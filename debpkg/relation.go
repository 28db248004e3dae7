package debpkg

import (
	"fmt"
	"strings"
)

// Op is a version relation operator.
type Op int

// The operators of Debian relation fields. OpNone means no version was given.
const (
	OpNone Op = iota
	OpLess
	OpLessEq
	OpEq
	OpGreaterEq
	OpGreater
)

var opNames = [...]string{"", "<<", "<=", "=", ">=", ">>"}

func (o Op) String() string {
	if int(o) < len(opNames) {
		return opNames[o]
	}
	return fmt.Sprintf("Op(%d)", int(o))
}

func parseOp(s string) (Op, bool) {
	switch s {
	case "<<":
		return OpLess, true
	case "<=", "<": // "<" is the obsolete spelling of "<="
		return OpLessEq, true
	case "=":
		return OpEq, true
	case ">=", ">": // ">" is the obsolete spelling of ">="
		return OpGreaterEq, true
	case ">>":
		return OpGreater, true
	}
	return OpNone, false
}

// Dep is one package reference in a relation field: "name[:arch] [(op version)] [arch list] [<profiles>]".
type Dep struct {
	Name string
	// Qualifier is the text after ':' in the name: "any", "native" or an
	// architecture; empty when absent.
	Qualifier string
	Op        Op
	Version   Version
	// Archs is the architecture restriction list ("[amd64 !i386]"), kept as written.
	Archs []string
	// Profiles holds build profile restriction formulas, kept as written.
	Profiles []string
}

// Satisfies reports whether a package (or a Provides entry) at version v
// meets the version constraint of d. With OpNone any version does; with a
// constraint, an unversioned provider (zero v) does not.
func (d Dep) Satisfies(v Version) bool {
	if d.Op == OpNone {
		return true
	}
	if v.IsZero() {
		return false
	}
	c := v.Compare(d.Version)
	switch d.Op {
	case OpLess:
		return c < 0
	case OpLessEq:
		return c <= 0
	case OpEq:
		return c == 0
	case OpGreaterEq:
		return c >= 0
	case OpGreater:
		return c > 0
	}
	return false
}

// AppliesTo reports whether d's architecture restriction list admits arch.
func (d Dep) AppliesTo(arch string) bool {
	if len(d.Archs) == 0 {
		return true
	}
	negated := strings.HasPrefix(d.Archs[0], "!")
	for _, a := range d.Archs {
		if strings.TrimPrefix(a, "!") == arch {
			return !negated
		}
	}
	return negated
}

func (d Dep) String() string {
	var b strings.Builder
	b.WriteString(d.Name)
	if d.Qualifier != "" {
		b.WriteByte(':')
		b.WriteString(d.Qualifier)
	}
	if d.Op != OpNone {
		fmt.Fprintf(&b, " (%s %s)", d.Op, d.Version)
	}
	if len(d.Archs) > 0 {
		fmt.Fprintf(&b, " [%s]", strings.Join(d.Archs, " "))
	}
	for _, p := range d.Profiles {
		fmt.Fprintf(&b, " <%s>", p)
	}
	return b.String()
}

// Alternatives is one comma-separated entry of a relation field: any one of
// its Deps satisfies it ("a | b").
type Alternatives []Dep

func (a Alternatives) String() string {
	parts := make([]string, len(a))
	for i, d := range a {
		parts[i] = d.String()
	}
	return strings.Join(parts, " | ")
}

// Relation is a whole relation field: every entry must hold.
type Relation []Alternatives

func (r Relation) String() string {
	parts := make([]string, len(r))
	for i, a := range r {
		parts[i] = a.String()
	}
	return strings.Join(parts, ", ")
}

// RelationError reports a malformed relation field.
type RelationError struct {
	Text   string
	Reason string
}

func (e *RelationError) Error() string {
	return fmt.Sprintf("relation %q: %s", truncate([]byte(e.Text)), e.Reason)
}

// ParseRelation parses a Depends-style field. An empty field gives a nil Relation.
func ParseRelation(s string) (Relation, error) {
	return scanRelation(s, true)
}

// CheckRelation reports whether ParseRelation accepts s, without building
// the relation (no allocation for most fields).
func CheckRelation(s string) error {
	_, err := scanRelation(s, false)
	return err
}

// scanRelation parses s entry by entry ("," separated, empty ones skipped),
// alternative by alternative ("|" separated); keep builds the Relation.
func scanRelation(s string, keep bool) (Relation, error) {
	var rel Relation
	for rest := s; rest != ""; {
		var entry string
		entry, rest, _ = strings.Cut(rest, ",")
		if entry = strings.TrimSpace(entry); entry == "" {
			continue // dpkg tolerates trailing and doubled commas in Packages files
		}
		var alts Alternatives
		for more, found := entry, true; found; {
			var alt string
			alt, more, found = strings.Cut(more, "|")
			d, err := parseDep(strings.TrimSpace(alt))
			if err != nil {
				return nil, &RelationError{Text: s, Reason: err.Error()}
			}
			if keep {
				alts = append(alts, d)
			}
		}
		if keep {
			rel = append(rel, alts)
		}
	}
	return rel, nil
}

func parseDep(s string) (Dep, error) {
	var d Dep
	name, rest := cutName(s)
	if name == "" {
		return d, fmt.Errorf("missing package name in %q", s)
	}
	if n, q, ok := strings.Cut(name, ":"); ok {
		name, d.Qualifier = n, q
		if q == "" {
			return d, fmt.Errorf("empty architecture qualifier in %q", s)
		}
	}
	if !validPackageName(name) {
		return d, fmt.Errorf("invalid package name %q", name)
	}
	d.Name = name
	var err error
	for rest = strings.TrimSpace(rest); rest != ""; rest = strings.TrimSpace(rest) {
		switch rest[0] {
		case '(':
			rest, err = d.parseVersionPart(rest)
		case '[':
			rest, err = d.parseArchPart(rest)
		case '<':
			end := strings.IndexByte(rest, '>')
			if end < 0 {
				return d, fmt.Errorf("unterminated build profile in %q", s)
			}
			d.Profiles = append(d.Profiles, strings.TrimSpace(rest[1:end]))
			rest = rest[end+1:]
		default:
			return d, fmt.Errorf("unexpected %q after package name in %q", rest, s)
		}
		if err != nil {
			return d, err
		}
	}
	return d, nil
}

func cutName(s string) (name, rest string) {
	i := strings.IndexAny(s, " \t\n([<")
	if i < 0 {
		return s, ""
	}
	return s[:i], s[i:]
}

func (d *Dep) parseVersionPart(s string) (string, error) {
	if d.Op != OpNone {
		return "", fmt.Errorf("two version constraints for %s", d.Name)
	}
	end := strings.IndexByte(s, ')')
	if end < 0 {
		return "", fmt.Errorf("unterminated version constraint for %s", d.Name)
	}
	inner := strings.TrimSpace(s[1:end])
	i := 0
	for i < len(inner) && strings.IndexByte("<=>", inner[i]) >= 0 {
		i++
	}
	op, ok := parseOp(inner[:i])
	if !ok {
		return "", fmt.Errorf("bad version operator %q for %s", inner[:i], d.Name)
	}
	v, err := ParseVersion(strings.TrimSpace(inner[i:]))
	if err != nil {
		return "", fmt.Errorf("bad version for %s: %w", d.Name, err)
	}
	d.Op, d.Version = op, v
	return s[end+1:], nil
}

func (d *Dep) parseArchPart(s string) (string, error) {
	end := strings.IndexByte(s, ']')
	if end < 0 {
		return "", fmt.Errorf("unterminated architecture list for %s", d.Name)
	}
	d.Archs = strings.Fields(s[1:end])
	if len(d.Archs) == 0 {
		return "", fmt.Errorf("empty architecture list for %s", d.Name)
	}
	return s[end+1:], nil
}

// validPackageName follows Debian policy 5.6.1, loosely: lower-case
// letters, digits, '+', '-', '.', starting alphanumeric.
func validPackageName(s string) bool {
	if s == "" || !isAlnum(s[0]) {
		return false
	}
	for _, c := range []byte(s) {
		if !isAlnum(c) && c != '+' && c != '-' && c != '.' && c != '_' {
			return false
		}
	}
	return true
}
