package resolve

import (
	"github.com/plinth-build/plinth/debpkg"
)

// plan orders the chosen packages for installation.
func (s *solver) plan() *Plan {
	p := &Plan{Why: make(map[string]string, len(s.chosen))}
	for _, n := range s.installOrder() {
		e := s.chosen[n]
		p.Packages = append(p.Packages, *e.c)
		p.Why[n] = e.why
	}
	return p
}

// Edge strengths in installOrder.
const (
	depEdge = 1
	preEdge = 2
)

// installOrder sorts the chosen names so that each comes after the
// packages meeting its Pre-Depends and Depends. Among the ready ones,
// Essential first, then by name; a cycle is broken by placing the first
// name without unplaced Pre-Depends, else the first name.
func (s *solver) installOrder() []string {
	names := sortedKeys(s.chosen)
	// needs[n][m] is the strongest edge by which n must follow m.
	needs := make(map[string]map[string]int, len(names))
	users := map[string][]string{}
	for _, n := range names {
		needs[n] = s.edges(s.chosen[n].c)
		for m := range needs[n] {
			users[m] = append(users[m], n)
		}
	}
	placed := make(map[string]bool, len(names))
	var out []string
	for len(out) < len(names) {
		next := s.pick(names, needs, placed)
		placed[next] = true
		out = append(out, next)
		for _, u := range users[next] {
			delete(needs[u], next)
		}
	}
	return out
}

// pick returns the next name to place.
func (s *solver) pick(names []string, needs map[string]map[string]int, placed map[string]bool) string {
	var ready, noPre, first string
	for _, n := range names {
		if placed[n] {
			continue
		}
		if first == "" {
			first = n
		}
		if len(needs[n]) == 0 {
			if s.chosen[n].c.Essential {
				return n
			}
			if ready == "" {
				ready = n
			}
			continue
		}
		if noPre == "" && !hasPre(needs[n]) {
			noPre = n
		}
	}
	switch {
	case ready != "":
		return ready
	case noPre != "":
		return noPre
	}
	return first
}

func hasPre(m map[string]int) bool {
	for _, k := range m {
		if k == preEdge {
			return true
		}
	}
	return false
}

// edges returns the chosen packages c must follow: for each entry of its
// Pre-Depends and Depends, the package that meets its first alternative
// met. A files-only package has none.
func (s *solver) edges(c *Candidate) map[string]int {
	out := map[string]int{}
	if s.cfg.filesOnly[c.Name] {
		return out
	}
	for _, f := range []struct {
		kind int
		rel  debpkg.Relation
	}{{preEdge, c.PreDepends()}, {depEdge, c.Depends()}} {
		for _, alts := range f.rel {
			for _, d := range s.applicable(alts) {
				if m := s.metBy(d); m != "" {
					if m != c.Name && out[m] < f.kind {
						out[m] = f.kind
					}
					break
				}
			}
		}
	}
	return out
}
