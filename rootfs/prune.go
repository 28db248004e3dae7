package rootfs

import (
	"fmt"
	"slices"
	"strings"
)

// PruneRule names a group of paths a container never needs.
type PruneRule string

// The prune rules a recipe's rootfs.prune may list.
const (
	PruneDocs    PruneRule = "docs"    // /usr/share/doc (copyright files stay), doc-base, gtk-doc
	PruneMan     PruneRule = "man"     // /usr/share/man
	PruneInfo    PruneRule = "info"    // /usr/share/info
	PruneLocales PruneRule = "locales" // translations and compiled locales, but locale.alias, C.utf8 and the kept locales
	PruneKernel  PruneRule = "kernel"  // /boot kernels and initrds, modules, firmware
	PruneCaches  PruneRule = "caches"  // files packages ship under /var/cache (directories stay)
	PruneLintian PruneRule = "lintian" // lintian (and linda) overrides
)

// PruneRules returns every prune rule, in the order filters are written.
func PruneRules() []PruneRule {
	return []PruneRule{PruneDocs, PruneMan, PruneInfo, PruneLocales, PruneKernel, PruneCaches, PruneLintian}
}

// pathFilter is one dpkg path-exclude or path-include line.
type pathFilter struct {
	include bool
	glob    string // dpkg glob: '*' matches any bytes, '/' included; '?' any one byte
	prefix  string // glob's literal start, for a quick reject
}

// PruneFilter returns the exclude function Extract takes for the given
// rules, with dpkg's path-exclude/path-include semantics (the last matching
// filter decides; paths are as named in packages, "/usr/share/doc/x").
// keepLocales (e.g. "C.UTF-8", "de_DE.UTF-8") keep their translations and
// compiled locale under the locales rule. An unknown rule or a locale name
// that is not one is an error naming it. excludes are extra dpkg globs
// ("/usr/lib/*/gconv/*") applied after the rules; each must be absolute.
func PruneFilter(rules []string, keepLocales []string, excludes ...string) (*Filter, error) {
	filters, err := buildFilters(rules, keepLocales, true, excludes...)
	if err != nil {
		return nil, err
	}
	slices.Reverse(filters) // the last match decides: look from the end
	return &Filter{filters: filters}, nil
}

// Filter decides which package paths are left out, as dpkg's path-exclude
// and path-include options do.
type Filter struct {
	filters []pathFilter // last first
}

// Exclude reports whether path is left out: the last filter it matches
// decides.
func (f *Filter) Exclude(p string) bool {
	for _, pf := range f.filters {
		if strings.HasPrefix(p, pf.prefix) && globMatch(pf.glob, p) {
			return !pf.include
		}
	}
	return false
}

// Reincluded reports whether dpkg keeps an excluded directory or symlink
// at path because a path-include pattern may match below it: its path
// starts with the pattern's literal part (up to the first wildcard, less a
// trailing slash). So /usr/share/doc/libgcc-s1 -> gcc-12-base stays, and
// /usr/share/doc/libgcc-s1/copyright resolves.
func (f *Filter) Reincluded(p string) bool {
	for _, pf := range f.filters {
		if !pf.include {
			continue
		}
		if strings.HasPrefix(p, strings.TrimRight(pf.prefix, "/")) {
			return true
		}
	}
	return false
}

// DpkgExcludes renders the same rules as a dpkg configuration file for
// /etc/dpkg/dpkg.cfg.d/, so that packages installed later in the image are
// pruned alike. Validate rules with PruneFilter first: unknown rules and
// invalid locale names are left out here.
func DpkgExcludes(rules []string, keepLocales []string, excludes ...string) string {
	filters, _ := buildFilters(rules, keepLocales, false, excludes...)
	var b strings.Builder
	b.WriteString("# Written by plinth: paths pruned from this image (" + strings.Join(knownRules(rules), ", ") + ").\n")
	b.WriteString("# dpkg leaves them out of packages installed later too.\n")
	for _, f := range filters {
		if f.include {
			b.WriteString("path-include=" + f.glob + "\n")
		} else {
			b.WriteString("path-exclude=" + f.glob + "\n")
		}
	}
	return b.String()
}

// knownRules returns rules that exist, in canonical order, without repeats.
func knownRules(rules []string) []string {
	var out []string
	for _, r := range PruneRules() {
		if slices.Contains(rules, string(r)) {
			out = append(out, string(r))
		}
	}
	return out
}

// buildFilters returns the filters of rules in canonical order. strict
// makes unknown rules and bad locale names errors rather than skipped.
func buildFilters(rules []string, keepLocales []string, strict bool, excludes ...string) ([]pathFilter, error) {
	if strict {
		for _, g := range excludes {
			if !strings.HasPrefix(g, "/") {
				return nil, fmt.Errorf("path_exclude %q: a glob must be an absolute path", g)
			}
		}
		for _, r := range rules {
			if !slices.Contains(PruneRules(), PruneRule(r)) {
				return nil, fmt.Errorf("unknown prune rule %q (known: %s)", r, strings.Join(knownRules(allRuleNames()), ", "))
			}
		}
		for _, l := range keepLocales {
			if !validLocale(l) {
				return nil, fmt.Errorf("keep_locales: %q is not a locale name (want e.g. C.UTF-8 or de_DE.UTF-8)", l)
			}
		}
	}
	var out []pathFilter
	add := func(include bool, globs ...string) {
		for _, g := range globs {
			out = append(out, pathFilter{include: include, glob: g, prefix: g[:strings.IndexAny(g+"*", "*?")]})
		}
	}
	for _, r := range knownRules(rules) {
		switch PruneRule(r) {
		case PruneDocs:
			add(false, "/usr/share/doc/*")
			add(true, "/usr/share/doc/*/copyright")
			add(false, "/usr/share/doc-base/*", "/usr/share/gtk-doc/*")
		case PruneMan:
			add(false, "/usr/share/man/*")
		case PruneInfo:
			add(false, "/usr/share/info/*")
		case PruneLocales:
			add(false, "/usr/share/locale/*")
			add(true, "/usr/share/locale/locale.alias")
			add(false, "/usr/lib/locale/*")
			add(true, "/usr/lib/locale/C.utf8/*")
			for _, c := range localeDirs(keepLocales) {
				add(true, "/usr/share/locale/"+c+"/*", "/usr/lib/locale/"+c+"/*")
			}
		case PruneKernel:
			add(false, "/boot/vmlinuz*", "/boot/vmlinux*", "/boot/initrd*", "/boot/System.map*", "/boot/config-*",
				"/lib/modules/*", "/usr/lib/modules/*", "/lib/firmware/*", "/usr/lib/firmware/*")
		case PruneCaches:
			add(false, "/var/cache/*")
		case PruneLintian:
			add(false, "/usr/share/lintian/*", "/usr/share/linda/*")
		}
	}
	for _, g := range excludes {
		if strings.HasPrefix(g, "/") {
			add(false, g)
		}
	}
	return out, nil
}

func allRuleNames() []string {
	var out []string
	for _, r := range PruneRules() {
		out = append(out, string(r))
	}
	return out
}

// validLocale reports whether l looks like a locale name: letters, digits
// and "_.@-", nothing a glob or a path would read.
func validLocale(l string) bool {
	if l == "" || len(l) > 64 || l[0] == '.' || l[0] == '-' {
		return false
	}
	for _, c := range l {
		ok := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.ContainsRune("_.@-", c)
		if !ok {
			return false
		}
	}
	return true
}

// localeDirs returns the directory names under /usr/share/locale and
// /usr/lib/locale that keep the given locales, the way glibc looks them
// up: "de_DE.UTF-8@euro" gives de_DE.UTF-8@euro, de_DE.utf8@euro,
// de_DE@euro, de_DE.UTF-8, de_DE.utf8, de_DE, de@euro, de, ...
func localeDirs(locales []string) []string {
	var out []string
	for _, l := range locales {
		if !validLocale(l) {
			continue
		}
		rest, mod, _ := strings.Cut(l, "@")
		rest, cs, _ := strings.Cut(rest, ".")
		lang, _, hasTerr := strings.Cut(rest, "_")
		terrs := []string{lang}
		if hasTerr {
			terrs = append(terrs, rest)
		}
		codesets := []string{""}
		if cs != "" {
			codesets = append(codesets, "."+cs, "."+normCodeset(cs))
		}
		mods := []string{""}
		if mod != "" {
			mods = append(mods, "@"+mod)
		}
		for _, t := range terrs {
			for _, c := range codesets {
				for _, m := range mods {
					out = append(out, t+c+m)
				}
			}
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// normCodeset normalizes a codeset as glibc names locale directories:
// lower case, letters and digits only ("UTF-8" -> "utf8").
func normCodeset(cs string) string {
	var b strings.Builder
	for _, c := range strings.ToLower(cs) {
		if c >= 'a' && c <= 'z' || c >= '0' && c <= '9' {
			b.WriteRune(c)
		}
	}
	return b.String()
}

// globMatch matches name against a dpkg filter glob as fnmatch(3) without
// flags does: '*' matches any bytes including '/', '?' any one byte.
func globMatch(glob, name string) bool {
	g, n := 0, 0
	starG, starN := -1, 0
	for n < len(name) {
		switch {
		case g < len(glob) && glob[g] == '*':
			starG, starN = g, n
			g++
		case g < len(glob) && (glob[g] == '?' || glob[g] == name[n]):
			g++
			n++
		case starG >= 0:
			starN++
			g, n = starG+1, starN
		default:
			return false
		}
	}
	for g < len(glob) && glob[g] == '*' {
		g++
	}
	return g == len(glob)
}
