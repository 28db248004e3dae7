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

	Depends    Relation
	PreDepends Relation
	Recommends Relation
	Suggests   Relation
	Conflicts  Relation
	Breaks     Relation
	Replaces   Relation
	Provides   Relation

	Filename      string // pool path relative to the mirror root
	Size          int64
	SHA256        string
	InstalledSize int64 // KiB

	// Paragraph is the stanza as read, every field in order.
	Paragraph Paragraph
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

// ParsePackage reads the fields of p into a Package. Name, Version and
// Architecture are required; Filename, Size and SHA256 are left empty when
// absent (a .deb's control file has none) and callers that fetch check them.
func ParsePackage(p Paragraph) (*Package, error) {
	pkg := &Package{Paragraph: p}
	var err error
	fail := func(field string, e error) (*Package, error) {
		return nil, &PackageError{Package: pkg.Name, Field: field, Err: e}
	}
	pkg.Name = p.Get("Package")
	if pkg.Name == "" {
		return fail("Package", fmt.Errorf("missing"))
	}
	if pkg.Version, err = ParseVersion(p.Get("Version")); err != nil {
		return fail("Version", err)
	}
	if pkg.Architecture = p.Get("Architecture"); pkg.Architecture == "" {
		return fail("Architecture", fmt.Errorf("missing"))
	}
	pkg.MultiArch = p.Get("Multi-Arch")
	pkg.Essential = p.Get("Essential") == "yes"
	pkg.Priority = p.Get("Priority")
	pkg.Section = p.Get("Section")
	if err := pkg.parseSource(p.Get("Source")); err != nil {
		return fail("Source", err)
	}
	rels := []struct {
		field string
		dst   *Relation
	}{
		{"Depends", &pkg.Depends}, {"Pre-Depends", &pkg.PreDepends},
		{"Recommends", &pkg.Recommends}, {"Suggests", &pkg.Suggests},
		{"Conflicts", &pkg.Conflicts}, {"Breaks", &pkg.Breaks},
		{"Replaces", &pkg.Replaces}, {"Provides", &pkg.Provides},
	}
	for _, r := range rels {
		if *r.dst, err = ParseRelation(p.Get(r.field)); err != nil {
			return fail(r.field, err)
		}
	}
	pkg.Filename = p.Get("Filename")
	pkg.SHA256 = p.Get("SHA256")
	if s := p.Get("Size"); s != "" {
		if pkg.Size, err = strconv.ParseInt(s, 10, 64); err != nil || pkg.Size < 0 {
			return fail("Size", fmt.Errorf("not a size: %q", s))
		}
	}
	if s := p.Get("Installed-Size"); s != "" {
		if pkg.InstalledSize, err = strconv.ParseInt(s, 10, 64); err != nil || pkg.InstalledSize < 0 {
			return fail("Installed-Size", fmt.Errorf("not a size: %q", s))
		}
	}
	return pkg, nil
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
