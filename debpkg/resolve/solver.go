package resolve

import (
	"fmt"
	"sort"
	"strings"

	"github.com/plinth-build/plinth/debpkg"
)

// maxAttempts bounds the packages all passes together try to add, so that
// no input makes the search run for long.
const maxAttempts = 200000

// solver is one pass of the search: the packages chosen so far, in the
// order chosen, with what undoing a failed alternative needs.
type solver struct {
	cfg    *config
	idx    *index
	banned map[string]bool // avoided after a conflict in an earlier pass

	chosen map[string]*entry
	order  []string // chosen names, oldest first: the undo trail
	// provided maps a virtual name to the chosen packages providing it.
	provided map[string][]string
	// against maps a name to the chosen packages' Conflicts and Breaks on it.
	against map[string][]rule
	// attempts counts adds across passes; gaveUp is set once it passes maxAttempts.
	attempts *int
	gaveUp   error
}

// entry is a chosen package and why.
type entry struct {
	c      *Candidate
	label  string // "name version", set by chain when first needed
	why    string
	parent string // the package that needed it, "" for a seed
	seed   bool
}

// rule is one Conflicts or Breaks entry of a chosen package.
type rule struct {
	owner string
	field string
	dep   debpkg.Dep
}

func newSolver(cfg *config, banned map[string]bool, attempts *int) *solver {
	return &solver{
		cfg: cfg, idx: cfg.idx, banned: banned, attempts: attempts,
		chosen:   map[string]*entry{},
		provided: map[string][]string{},
		against:  map[string][]rule{},
	}
}

// solve puts the seeds in the plan, then follows their dependencies and
// meets the Include names only Provides can meet.
func (s *solver) solve(seeds []seed, virtual []debpkg.Dep) error {
	for _, sd := range seeds {
		if err := s.add(&entry{c: sd.c, why: sd.why, seed: true}); err != nil {
			return err
		}
	}
	for _, d := range virtual {
		why := "include"
		if err := s.satisfy(debpkg.Alternatives{d}, "", why); err != nil {
			return err
		}
	}
	for _, sd := range seeds {
		if err := s.follow(sd.c); err != nil {
			return err
		}
	}
	return nil
}

// follow meets the Pre-Depends, then the Depends of c.
func (s *solver) follow(c *Candidate) error {
	if s.cfg.filesOnly[c.Name] {
		return nil
	}
	for _, f := range []struct {
		field string
		rel   debpkg.Relation
	}{{"Pre-Depends", c.PreDepends()}, {"Depends", c.Depends()}} {
		for _, alts := range f.rel {
			if err := s.satisfy(alts, c.Name, f.field+" of "+name(c)); err != nil {
				return err
			}
		}
	}
	return nil
}

// satisfy meets one relation entry of parent (or of an Include when parent
// is ""): by a chosen package when one does, else by trying each option in
// turn, undoing the ones that fail. why is the reason recorded for the
// package chosen.
func (s *solver) satisfy(alts debpkg.Alternatives, parent, why string) error {
	alts = s.applicable(alts)
	if len(alts) == 0 {
		return nil
	}
	for _, d := range alts {
		if s.metBy(d) != "" {
			return nil
		}
	}
	opts := s.options(alts)
	if len(opts) == 0 {
		return s.unsatisfiable(alts, parent)
	}
	var first error
	for _, o := range opts {
		e := &entry{c: o.c, why: why, parent: parent}
		if o.via != "" {
			e.why = "Provides " + o.via + " for " + why
		}
		mark := len(s.order)
		err := s.add(e)
		if err == nil {
			if err = s.follow(o.c); err == nil {
				return nil
			}
			s.undo(mark)
		}
		if s.gaveUp != nil {
			return s.gaveUp
		}
		if first == nil {
			first = err
		}
	}
	return first
}

// applicable drops the alternatives whose architecture list excludes ours.
func (s *solver) applicable(alts debpkg.Alternatives) debpkg.Alternatives {
	out := alts[:0:0]
	for _, d := range alts {
		if d.AppliesTo(s.idx.arch) {
			out = append(out, d)
		}
	}
	return out
}

// metBy returns the name of a chosen package that meets d, or "".
func (s *solver) metBy(d debpkg.Dep) string {
	if e := s.chosen[d.Name]; e != nil && s.archOK(e.c, d) && d.Satisfies(e.c.Version) {
		return d.Name
	}
	for _, p := range s.provided[d.Name] {
		c := s.chosen[p].c
		if v, _ := provides(c, d.Name); s.archOK(c, d) && d.Satisfies(v) {
			return p
		}
	}
	return ""
}

// archOK reports whether c meets d's architecture qualifier. Every
// candidate is native or "all", so only ":any" and foreign qualifiers
// need a look.
func (s *solver) archOK(c *Candidate, d debpkg.Dep) bool {
	switch d.Qualifier {
	case "", "native", s.idx.arch:
		return true
	case "any":
		return c.MultiArch == "allowed" || c.MultiArch == "foreign"
	}
	return false
}

// option is a candidate that could meet an entry; via is the virtual name
// it provides, "" for the real package.
type option struct {
	c    *Candidate
	via  string
	rank int // 0, 1 for an Avoid name, 2 for a name avoided after a conflict
}

// options lists the candidates that could meet alts, in the order to try:
// alternatives in order, each by its real package then its providers by
// name; Avoid names, then names banned after a conflict, last.
func (s *solver) options(alts debpkg.Alternatives) []option {
	var out []option
	seen := map[*Candidate]bool{}
	try := func(c *Candidate, via string) {
		if c == nil || seen[c] || s.chosen[c.Name] != nil || s.cfg.exclude[c.Name] {
			return
		}
		seen[c] = true
		o := option{c: c, via: via}
		switch {
		case s.banned[c.Name]:
			o.rank = 2
		case s.cfg.avoid[c.Name]:
			o.rank = 1
		}
		out = append(out, o)
	}
	for _, d := range alts {
		if c := s.cfg.best(d.Name, d); c != nil && s.archOK(c, d) {
			try(c, "")
		}
		for _, p := range s.idx.providers[d.Name] {
			if p.c.Name == d.Name || !d.Satisfies(p.version) || !s.archOK(p.c, d) {
				continue
			}
			if pin, ok := s.cfg.pins[p.c.Name]; ok && pin.Compare(p.c.Version) != 0 {
				continue
			}
			try(p.c, d.Name)
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].rank < out[j].rank })
	return out
}

// add puts e in the plan unless it conflicts with a package already there.
func (s *solver) add(e *entry) error {
	if *s.attempts++; *s.attempts > maxAttempts && s.gaveUp == nil {
		s.gaveUp = &TooComplexError{Attempts: maxAttempts}
	}
	if s.gaveUp != nil {
		return s.gaveUp
	}
	if err := s.conflict(e); err != nil {
		return err
	}
	c := e.c
	s.chosen[c.Name] = e
	s.order = append(s.order, c.Name)
	for _, alts := range c.Provides {
		for _, d := range alts {
			s.provided[d.Name] = append(s.provided[d.Name], c.Name)
		}
	}
	s.eachRule(c, func(r rule) { s.against[r.dep.Name] = append(s.against[r.dep.Name], r) })
	return nil
}

// undo removes the packages chosen after the first mark, newest first.
func (s *solver) undo(mark int) {
	for i := len(s.order) - 1; i >= mark; i-- {
		c := s.chosen[s.order[i]].c
		s.eachRule(c, func(r rule) { s.against[r.dep.Name] = s.against[r.dep.Name][:len(s.against[r.dep.Name])-1] })
		for _, alts := range c.Provides {
			for _, d := range alts {
				s.provided[d.Name] = s.provided[d.Name][:len(s.provided[d.Name])-1]
			}
		}
		delete(s.chosen, c.Name)
	}
	s.order = s.order[:mark]
}

// eachRule calls fn for each Conflicts and Breaks entry of c that applies
// to our architecture.
func (s *solver) eachRule(c *Candidate, fn func(rule)) {
	for _, f := range []struct {
		field string
		rel   debpkg.Relation
	}{{"Conflicts", c.Conflicts()}, {"Breaks", c.Breaks()}} {
		for _, alts := range f.rel {
			for _, d := range alts {
				if d.AppliesTo(s.idx.arch) {
					fn(rule{owner: c.Name, field: f.field, dep: d})
				}
			}
		}
	}
}

// conflict returns a *ConflictError when e's package and a chosen one
// exclude each other, in either direction, by name or through Provides.
func (s *solver) conflict(e *entry) error {
	c := e.c
	var err error
	// c's own rules against the chosen packages.
	s.eachRule(c, func(r rule) {
		if err != nil {
			return
		}
		if o := s.chosen[r.dep.Name]; o != nil && o.c.Name != c.Name && r.dep.Satisfies(o.c.Version) {
			err = s.conflictError(e, r, o, false)
			return
		}
		for _, p := range s.provided[r.dep.Name] {
			o := s.chosen[p]
			if v, _ := provides(o.c, r.dep.Name); p != c.Name && r.dep.Satisfies(v) {
				err = s.conflictError(e, r, o, false)
				return
			}
		}
	})
	if err != nil {
		return err
	}
	// The chosen packages' rules against c, its name and what it provides.
	check := func(name string, v debpkg.Version) error {
		for _, r := range s.against[name] {
			if r.owner != c.Name && r.dep.Satisfies(v) {
				return s.conflictError(e, r, s.chosen[r.owner], true)
			}
		}
		return nil
	}
	if err := check(c.Name, c.Version); err != nil {
		return err
	}
	for _, alts := range c.Provides {
		for _, d := range alts {
			v, _ := provides(c, d.Name)
			if err := check(d.Name, v); err != nil {
				return err
			}
		}
	}
	return nil
}

// conflictError describes rule r between the new entry e and the chosen o;
// ownedByOld says whether r is o's.
func (s *solver) conflictError(e *entry, r rule, o *entry, ownedByOld bool) error {
	ce := &ConflictError{Field: r.field, Dep: r.dep.String()}
	a, b := e, o
	if ownedByOld {
		a, b = o, e
	}
	ce.A, ce.WhyA = name(a.c), a.why
	ce.B, ce.WhyB = name(b.c), b.why
	if !o.seed {
		ce.movable = o.c.Name
	}
	return ce
}

// unsatisfiable explains why no candidate meets alts.
func (s *solver) unsatisfiable(alts debpkg.Alternatives, parent string) error {
	ue := &UnsatisfiableError{Dep: alts.String(), Chain: s.chain(parent)}
	var reasons []string
	for _, d := range alts {
		have, reason := s.why(d)
		ue.Have = append(ue.Have, have...)
		if reason != "" {
			reasons = append(reasons, reason)
		}
	}
	ue.Reason = strings.Join(reasons, "; ")
	return ue
}

// why explains why d has no option: what the archive has, or a reason.
func (s *solver) why(d debpkg.Dep) (offered []string, reason string) {
	n := d.Name
	switch {
	case s.cfg.exclude[n]:
		return nil, n + " is excluded"
	case d.Qualifier != "" && d.Qualifier != "any" && d.Qualifier != "native" && d.Qualifier != s.idx.arch:
		return nil, fmt.Sprintf("%s is for another architecture than %s (not supported)", d, s.idx.arch)
	case s.chosen[n] != nil:
		o := s.chosen[n]
		if d.Qualifier == "any" && !s.archOK(o.c, d) {
			return nil, fmt.Sprintf("%s is Multi-Arch: %q, not allowed", name(o.c), o.c.MultiArch)
		}
		return nil, fmt.Sprintf("%s is already in the plan (%s)", name(o.c), o.why)
	}
	cs := s.idx.byName[n]
	if pin, ok := s.cfg.pins[n]; ok && len(cs) > 0 {
		reason = fmt.Sprintf("%s is pinned to %s", n, pin)
	}
	if d.Qualifier == "any" && len(cs) > 0 {
		reason = fmt.Sprintf("%s is not Multi-Arch: allowed", n)
	}
	if len(cs) == 0 {
		switch {
		case len(s.idx.providers[n]) == 0:
			reason = "the archive has no " + n
		case d.Op != debpkg.OpNone:
			reason = "no package provides " + d.String()
		default:
			reason = "no provider of " + n + " can be installed"
		}
	}
	return have(cs), reason
}

// chain lists who needed name, nearest first: "bar 1.0-1", ..., "seed baz".
func (s *solver) chain(n string) []string {
	if n == "" {
		return []string{"include"}
	}
	var out []string
	for i := 0; n != "" && i <= len(s.order); i++ {
		e := s.chosen[n]
		if e == nil {
			break
		}
		if e.seed {
			out = append(out, "seed "+n)
			break
		}
		if e.label == "" {
			e.label = name(e.c)
		}
		out = append(out, e.label)
		n = e.parent
	}
	return out
}

// name is "name version".
func name(c *Candidate) string { return c.Name + " " + c.Version.String() }
