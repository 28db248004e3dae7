package recipes

import (
	"fmt"
	"maps"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// ValidationError lists every problem found in one recipe.
type ValidationError struct {
	// File is the recipe the problems were found in.
	File string
	// Problems are "key: what is wrong" lines, in schema order.
	Problems []string
}

// Error lists the problems, one a line.
func (e *ValidationError) Error() string {
	var b strings.Builder
	noun := "problems"
	if len(e.Problems) == 1 {
		noun = "problem"
	}
	fmt.Fprintf(&b, "recipe %s: %d %s:", e.File, len(e.Problems), noun)
	for _, p := range e.Problems {
		b.WriteString("\n  - ")
		b.WriteString(p)
	}
	return b.String()
}

// Largest user or group id: (uid_t)-1 is reserved.
const maxID = 1<<32 - 2

var (
	nameRE    = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]*$`)
	packageRE = regexp.MustCompile(`^[a-z0-9][a-z0-9+.-]+$`)
	accountRE = regexp.MustCompile(`^[a-z_][a-z0-9_-]{0,31}$`)
	portRE    = regexp.MustCompile(`^([0-9]{1,5})(/(tcp|udp))?$`)
)

// Validate checks the recipe and reports every problem at once as a
// *ValidationError. Empty fields that have defaults are accepted, so it can
// run before or after ApplyDefaults.
func (r *Recipe) Validate() error {
	var p problems
	switch {
	case r.Format == 0:
		p.add("format", "missing: start the file with format = %d", FormatVersion)
	case r.Format != FormatVersion:
		p.add("format", "must be %d, got %d", FormatVersion, r.Format)
	}
	if r.Name != "" && !nameRE.MatchString(r.Name) {
		p.add("name", "%q: use letters, digits, '.', '_' and '-', starting with a letter or digit", r.Name)
	}
	r.Source.validate(&p)
	r.Packages.validate(&p)
	r.Rootfs.validate(&p)
	r.Image.validate(&p)
	if len(p) == 0 {
		return nil
	}
	return &ValidationError{File: r.File, Problems: p}
}

// problems collects "key: message" lines.
type problems []string

func (p *problems) add(key, format string, args ...any) {
	*p = append(*p, key+": "+fmt.Sprintf(format, args...))
}

// oneOf checks an optional enumerated value.
func (p *problems) oneOf(key, value string, valid []string) {
	if value != "" && !slices.Contains(valid, value) {
		p.add(key, "must be one of %s, got %q", strings.Join(valid, ", "), value)
	}
}

// list checks every entry of a list with ok and reports duplicates.
func (p *problems) list(key string, values []string, ok func(string) string) {
	seen := map[string]bool{}
	for i, v := range values {
		k := fmt.Sprintf("%s[%d]", key, i)
		if msg := ok(v); msg != "" {
			p.add(k, "%s", msg)
		} else if seen[v] {
			p.add(k, "%q is listed twice", v)
		}
		seen[v] = true
	}
}

func (s *Source) validate(p *problems) {
	switch {
	case s.Distro == "":
		p.add("source.distro", "missing: set debian or ubuntu")
	default:
		p.oneOf("source.distro", s.Distro, []string{DistroDebian, DistroUbuntu})
	}
	if s.Suite == "" {
		p.add("source.suite", "missing: set the release codename, e.g. bookworm or noble")
	}
	p.list("source.suites", s.Suites, func(v string) string {
		if strings.TrimSpace(v) == "" {
			return "empty suite name"
		}
		if strings.ContainsAny(v, " \t/") {
			return fmt.Sprintf("%q: a suite is one word, like bookworm-updates", v)
		}
		return ""
	})
	suites := s.Suites
	if len(suites) == 0 {
		suites = []string{s.Suite}
	}
	if len(s.Suites) > 0 && s.Suite != "" && !slices.Contains(s.Suites, s.Suite) {
		p.add("source.suites", "must include the main suite %q", s.Suite)
	}
	p.list("source.components", s.Components, func(v string) string {
		if strings.TrimSpace(v) == "" || strings.ContainsAny(v, " \t") {
			return fmt.Sprintf("%q: a component is one word, like main", v)
		}
		return ""
	})
	if s.Mirror != "" {
		if msg := checkURL(s.Mirror); msg != "" {
			p.add("source.mirror", "%s", msg)
		}
	}
	for _, suite := range slices.Sorted(maps.Keys(s.Mirrors)) {
		key := "source.mirrors." + strconv.Quote(suite)
		if !slices.Contains(suites, suite) {
			p.add(key, "%q is not among source.suites (%s)", suite, strings.Join(suites, ", "))
		}
		if msg := checkURL(s.Mirrors[suite]); msg != "" {
			p.add(key, "%s", msg)
		}
	}
}

// checkURL says what is wrong with a mirror URL, or "".
func checkURL(s string) string {
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Sprintf("%q is not an http(s) URL, like http://HOST/debian", s)
	}
	return ""
}

func (pk *Packages) validate(p *problems) {
	p.oneOf("packages.variant", pk.Variant, []string{VariantNone, VariantEssential, VariantMinbase})
	checkPackage := func(v string) string {
		if !packageRE.MatchString(v) {
			return fmt.Sprintf("%q is not a package name (lower case letters, digits, '+', '-', '.')", v)
		}
		return ""
	}
	p.list("packages.include", pk.Include, checkPackage)
	p.list("packages.exclude", pk.Exclude, checkPackage)
	p.list("packages.files_only", pk.FilesOnly, checkPackage)
	for _, name := range pk.Exclude {
		if slices.Contains(pk.Include, name) {
			p.add("packages.exclude", "%q is also in packages.include", name)
		}
		if slices.Contains(pk.FilesOnly, name) {
			p.add("packages.exclude", "%q is also in packages.files_only", name)
		}
	}
	if pk.Variant == VariantNone && len(pk.Include) == 0 && len(pk.FilesOnly) == 0 {
		p.add("packages", `variant "none" installs only what include and files_only name, and both are empty`)
	}
}

func (fs *Rootfs) validate(p *problems) {
	p.oneOf("rootfs.configure", fs.Configure, []string{ConfigureChroot, ConfigureNone})
	p.list("rootfs.prune", fs.Prune, func(v string) string {
		if !slices.Contains(PruneNames(), v) {
			return fmt.Sprintf("%q: must be one of %s", v, strings.Join(PruneNames(), ", "))
		}
		return ""
	})
	p.list("rootfs.keep_locales", fs.KeepLocales, func(v string) string {
		if strings.TrimSpace(v) == "" || strings.ContainsAny(v, " \t/") {
			return fmt.Sprintf("%q is not a locale name, like C.UTF-8 or en_US.UTF-8", v)
		}
		return ""
	})
	p.list("rootfs.path_exclude", fs.PathExclude, func(v string) string {
		if !strings.HasPrefix(v, "/") || strings.ContainsAny(v, " \t\n") {
			return fmt.Sprintf("%q: must be an absolute path glob without spaces, like /usr/lib/*/gconv/*", v)
		}
		return ""
	})
	validateUsers(p, fs.Users)
	validateGroups(p, fs.Groups)
}

func validateUsers(p *problems, users []User) {
	names, uids := map[string]bool{}, map[int]bool{}
	for i, u := range users {
		key := fmt.Sprintf("rootfs.users[%d]", i)
		switch {
		case !accountRE.MatchString(u.Name):
			p.add(key+".name", "%q: use up to 32 lower case letters, digits, '_' and '-', not starting with a digit", u.Name)
		case u.Name == "root" || u.Name == "nobody":
			p.add(key+".name", "%q always exists; do not declare it", u.Name)
		case names[u.Name]:
			p.add(key+".name", "user %q is declared twice", u.Name)
		}
		switch {
		case u.UID <= 0 || u.UID > maxID:
			p.add(key+".uid", "%d: must be between 1 and %d (root, uid 0, always exists)", u.UID, maxID)
		case uids[u.UID]:
			p.add(key+".uid", "uid %d is used twice", u.UID)
		}
		if u.GID < 0 || u.GID > maxID {
			p.add(key+".gid", "%d: must be between 0 and %d", u.GID, maxID)
		}
		if u.Home != "" && !strings.HasPrefix(u.Home, "/") {
			p.add(key+".home", "%q must be an absolute path", u.Home)
		}
		if u.Shell != "" && !strings.HasPrefix(u.Shell, "/") {
			p.add(key+".shell", "%q must be an absolute path", u.Shell)
		}
		names[u.Name], uids[u.UID] = true, true
	}
}

func validateGroups(p *problems, groups []Group) {
	names, gids := map[string]bool{}, map[int]bool{}
	for i, g := range groups {
		key := fmt.Sprintf("rootfs.groups[%d]", i)
		switch {
		case !accountRE.MatchString(g.Name):
			p.add(key+".name", "%q: use up to 32 lower case letters, digits, '_' and '-', not starting with a digit", g.Name)
		case names[g.Name]:
			p.add(key+".name", "group %q is declared twice", g.Name)
		}
		switch {
		case g.GID <= 0 || g.GID > maxID:
			p.add(key+".gid", "%d: must be between 1 and %d (root, gid 0, always exists)", g.GID, maxID)
		case gids[g.GID]:
			p.add(key+".gid", "gid %d is used twice", g.GID)
		}
		names[g.Name], gids[g.GID] = true, true
	}
}

func (im *Image) validate(p *problems) {
	p.list("image.architectures", im.Architectures, func(v string) string {
		if !slices.Contains(Architectures(), v) {
			return fmt.Sprintf("%q: must be one of %s", v, strings.Join(Architectures(), ", "))
		}
		return ""
	})
	for _, k := range slices.Sorted(maps.Keys(im.Env)) {
		if k == "" || strings.ContainsAny(k, "=\x00") {
			p.add("image.env", "%q is not a variable name (non-empty, no '=')", k)
		}
	}
	for _, k := range slices.Sorted(maps.Keys(im.Labels)) {
		if k == "" {
			p.add("image.labels", "a label has an empty name")
		}
	}
	p.list("image.exposed_ports", im.ExposedPorts, func(v string) string {
		m := portRE.FindStringSubmatch(v)
		if m == nil {
			return fmt.Sprintf("%q: write PORT, PORT/tcp or PORT/udp, like 8080/tcp", v)
		}
		if n, _ := strconv.Atoi(m[1]); n < 1 || n > 65535 {
			return fmt.Sprintf("%q: port must be between 1 and 65535", v)
		}
		return ""
	})
	if strings.ContainsAny(im.User, " \t\n") {
		p.add("image.user", "%q: write USER, UID, USER:GROUP or UID:GID", im.User)
	}
	if im.Workdir != "" && !strings.HasPrefix(im.Workdir, "/") {
		p.add("image.workdir", "%q must be an absolute path", im.Workdir)
	}
}
