package debpkg

import (
	"fmt"
	"strconv"
	"strings"
)

// Package is one binary package stanza of a Packages index (or a .deb's
// control file), with the fields plinth decides on parsed.
type Package struct {
	Name         string
	Version      Version
	Architecture string // "amd64", "all", ...
	MultiArch    string // "same", "foreign", "allowed" or ""
	Essential    bool
	Priority     string
	Section      string
	Source       string // source package name; Name when the field is absent
	// SourceVersion is the source version when the Source field gives one
	// ("glibc (2.36-9)"), else Version.
	SourceVersion Version

	// Provides is parsed with the package: resolution indexes every one.
	Provides Relation
	// relations holds the text of the other relation fields, by index
	// from fDepends, checked when the package was parsed and parsed again
	// when asked for (Depends, ...): resolution reads those of a few
	// hundred packages out of tens of thousands, so an index keeps text.
	relations [fProvides - fDepends]string

	Filename      string // pool path relative to the mirror root
	Size          int64
	SHA256        string
	InstalledSize int64 // KiB

	// Paragraph is the stanza as read, every field in order.
	Paragraph Paragraph
}

// Depends, PreDepends, ... parse the relation fields. Their text was
// checked when the package was parsed, by the same parser, so they cannot
// fail.
func (p *Package) Depends() Relation    { return p.relation(fDepends) }
func (p *Package) PreDepends() Relation { return p.relation(fPreDepends) }
func (p *Package) Recommends() Relation { return p.relation(fRecommends) }
func (p *Package) Suggests() Relation   { return p.relation(fSuggests) }
func (p *Package) Conflicts() Relation  { return p.relation(fConflicts) }
func (p *Package) Breaks() Relation     { return p.relation(fBreaks) }
func (p *Package) Replaces() Relation   { return p.relation(fReplaces) }

func (p *Package) relation(field int) Relation {
	r, _ := ParseRelation(p.relations[field-fDepends]) // checked by packageFrom
	return r
}

// PackageError reports a stanza plinth cannot use.
type PackageError struct {
	Package string
	Field   string
	Err     error
}

func (e *PackageError) Error() string {
	name := e.Package
	if name == "" {
		name = "(unnamed)"
	}
	return fmt.Sprintf("package %s: field %s: %v", name, e.Field, e.Err)
}

func (e *PackageError) Unwrap() error { return e.Err }

// The fields ParsePackage reads, by index into a packageFields array.
const (
	fPackage = iota
	fVersion
	fArchitecture
	fMultiArch
	fEssential
	fPriority
	fSection
	fSource
	fDepends
	fPreDepends
	fRecommends
	fSuggests
	fConflicts
	fBreaks
	fReplaces
	fProvides
	fFilename
	fSize
	fSHA256
	fInstalledSize
	numFields
)

var fieldNames = [numFields]string{
	"Package", "Version", "Architecture", "Multi-Arch", "Essential", "Priority", "Section", "Source",
	"Depends", "Pre-Depends", "Recommends", "Suggests", "Conflicts", "Breaks", "Replaces", "Provides",
	"Filename", "Size", "SHA256", "Installed-Size",
}

// packageFields holds a stanza's values of the fields in fieldNames.
type packageFields [numFields]string

// fieldIndex finds name among fieldNames: exact case first (what archives
// write), then case-insensitively as deb822 allows.
func fieldIndex(name string) int {
	for i, n := range fieldNames {
		if n == name {
			return i
		}
	}
	for i, n := range fieldNames {
		if strings.EqualFold(n, name) {
			return i
		}
	}
	return -1
}

// collect picks the known fields out of fields (the first of repeats wins,
// as Paragraph.Get does).
func collect(fields []Field) *packageFields {
	var v packageFields
	var seen [numFields]bool
	for _, f := range fields {
		if i := fieldIndex(f.Name); i >= 0 && !seen[i] {
			v[i], seen[i] = f.Value, true
		}
	}
	return &v
}

// ParsePackage reads the fields of p into a Package. Name, Version and
// Architecture are required; Filename, Size and SHA256 are left empty when
// absent (a .deb's control file has none) and callers that fetch check them.
func ParsePackage(p Paragraph) (*Package, error) {
	pkg, err := packageFrom(collect(p.Fields))
	if err != nil {
		return nil, err
	}
	pkg.Paragraph = p
	return pkg, nil
}

func packageFrom(v *packageFields) (*Package, error) {
	pkg := &Package{}
	var err error
	fail := func(field int, e error) (*Package, error) {
		return nil, &PackageError{Package: pkg.Name, Field: fieldNames[field], Err: e}
	}
	if pkg.Name = v[fPackage]; pkg.Name == "" {
		return fail(fPackage, fmt.Errorf("missing"))
	}
	if pkg.Version, err = ParseVersion(v[fVersion]); err != nil {
		return fail(fVersion, err)
	}
	if pkg.Architecture = v[fArchitecture]; pkg.Architecture == "" {
		return fail(fArchitecture, fmt.Errorf("missing"))
	}
	pkg.MultiArch = v[fMultiArch]
	pkg.Essential = v[fEssential] == "yes"
	pkg.Priority = v[fPriority]
	pkg.Section = v[fSection]
	if err := pkg.parseSource(v[fSource]); err != nil {
		return fail(fSource, err)
	}
	for i := fDepends; i < fProvides; i++ {
		if err := CheckRelation(v[i]); err != nil {
			return fail(i, err)
		}
		pkg.relations[i-fDepends] = v[i]
	}
	if pkg.Provides, err = ParseRelation(v[fProvides]); err != nil {
		return fail(fProvides, err)
	}
	pkg.Filename = v[fFilename]
	pkg.SHA256 = v[fSHA256]
	for _, sz := range []struct {
		field int
		dst   *int64
	}{{fSize, &pkg.Size}, {fInstalledSize, &pkg.InstalledSize}} {
		if s := v[sz.field]; s != "" {
			if *sz.dst, err = strconv.ParseInt(s, 10, 64); err != nil || *sz.dst < 0 {
				return fail(sz.field, fmt.Errorf("not a size: %q", s))
			}
		}
	}
	return pkg, nil
}

// ParsePackageIndex parses the stanzas of a Packages index held in text,
// for dependency resolution: it keeps only the fields Package holds, less
// Recommends and Suggests (which resolution never follows), copied into one
// compact string per call, so text itself is not retained; no Paragraph is
// built (Package.Paragraph stays empty). The syntax is deb822's, as
// ParagraphReader reads it.
func ParsePackageIndex(text string) ([]*Package, error) {
	type span struct{ field, start, end int }
	var keep strings.Builder
	keep.Grow(len(text) / 3)
	var spans []span
	var ends []int // spans[ends[i-1]:ends[i]] are stanza i's fields
	var fields []Field
	flush := func() {
		if len(fields) == 0 {
			return
		}
		var seen [numFields]bool
		for _, f := range fields {
			i := fieldIndex(f.Name)
			if i < 0 || seen[i] || i == fRecommends || i == fSuggests {
				continue
			}
			seen[i] = true
			start := keep.Len()
			keep.WriteString(f.Value)
			spans = append(spans, span{i, start, keep.Len()})
		}
		ends = append(ends, len(spans))
		fields = fields[:0]
	}
	if err := scanStanzas(text, &fields, flush); err != nil {
		return nil, err
	}
	kept := keep.String()
	pkgs := make([]*Package, 0, len(ends))
	from := 0
	for _, end := range ends {
		var v packageFields
		for _, sp := range spans[from:end] {
			v[sp.field] = kept[sp.start:sp.end]
		}
		from = end
		pkg, err := packageFrom(&v)
		if err != nil {
			return nil, err
		}
		pkgs = append(pkgs, pkg)
	}
	return pkgs, nil
}

// scanStanzas reads deb822 text line by line into *fields (values are
// substrings of text), calling flush at the end of each stanza.
func scanStanzas(text string, fields *[]Field, flush func()) error {
	valueStart := -1 // where the last field's value starts in text
	line := 0
	for pos := 0; pos < len(text); {
		end := strings.IndexByte(text[pos:], '\n')
		if end < 0 {
			end = len(text)
		} else {
			end += pos
		}
		l := text[pos:end]
		line++
		switch {
		case strings.TrimSpace(l) == "":
			flush()
		case l[0] == '#':
		case l[0] == ' ' || l[0] == '\t':
			if len(*fields) == 0 {
				return &SyntaxError{Line: line, Reason: "continuation line without a field"}
			}
			(*fields)[len(*fields)-1].Value = strings.TrimRight(text[valueStart:end], "\r")
		default:
			colon := strings.IndexByte(l, ':')
			if colon <= 0 {
				return &SyntaxError{Line: line, Reason: fmt.Sprintf("expected \"Field: value\", got %q", truncate([]byte(l)))}
			}
			value := strings.TrimLeft(l[colon+1:], " \t")
			valueStart = end - len(value)
			*fields = append(*fields, Field{Name: strings.TrimSpace(l[:colon]), Value: strings.TrimSpace(value)})
		}
		pos = end + 1
	}
	flush()
	return nil
}

func (pkg *Package) parseSource(s string) error {
	pkg.Source, pkg.SourceVersion = pkg.Name, pkg.Version
	if s == "" {
		return nil
	}
	name, rest, hasVersion := strings.Cut(s, " ")
	pkg.Source = name
	if !hasVersion {
		return nil
	}
	rest = strings.TrimSpace(rest)
	if !strings.HasPrefix(rest, "(") || !strings.HasSuffix(rest, ")") {
		return fmt.Errorf("expected \"name (version)\", got %q", s)
	}
	v, err := ParseVersion(rest[1 : len(rest)-1])
	if err != nil {
		return err
	}
	pkg.SourceVersion = v
	return nil
}

// ID is "name:arch=version", unique within an archive.
func (pkg *Package) ID() string {
	return pkg.Name + ":" + pkg.Architecture + "=" + pkg.Version.String()
}
