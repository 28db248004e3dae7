package resolve

import (
	"slices"

	"github.com/plinth-build/plinth/debpkg"
)

// index holds the candidates of one architecture by name and by what they
// provide.
type index struct {
	arch string
	// byName lists each name's candidates, highest version first; equal
	// versions keep their input order.
	byName map[string][]*Candidate
	// providers lists, per provided name, the candidates providing it by
	// ascending provider name, then as byName orders them.
	providers map[string][]provider
	names     []string // real package names, sorted
}

// provider is one Provides entry of a candidate; version is zero for an
// unversioned Provides.
type provider struct {
	c       *Candidate
	version debpkg.Version
}

func newIndex(cands []Candidate, arch string) *index {
	idx := &index{arch: arch, byName: map[string][]*Candidate{}, providers: map[string][]provider{}}
	for i := range cands {
		c := &cands[i]
		if c.Package == nil || c.Name == "" || (c.Architecture != arch && c.Architecture != "all") {
			continue
		}
		idx.byName[c.Name] = append(idx.byName[c.Name], c)
	}
	idx.names = make([]string, 0, len(idx.byName))
	for name, cs := range idx.byName {
		if len(cs) > 1 {
			slices.SortStableFunc(cs, func(a, b *Candidate) int { return b.Version.Compare(a.Version) })
		}
		idx.names = append(idx.names, name)
	}
	slices.Sort(idx.names)
	for _, name := range idx.names {
		for _, c := range idx.byName[name] {
			for _, alts := range c.Provides {
				for _, d := range alts {
					p := provider{c: c}
					if d.Op == debpkg.OpEq {
						p.version = d.Version
					}
					idx.providers[d.Name] = append(idx.providers[d.Name], p)
				}
			}
		}
	}
	return idx
}

// provides returns the version at which c provides name: ok is false when it
// does not, version is zero for an unversioned Provides.
func provides(c *Candidate, name string) (v debpkg.Version, ok bool) {
	for _, alts := range c.Provides {
		for _, d := range alts {
			if d.Name != name {
				continue
			}
			if d.Op == debpkg.OpEq {
				return d.Version, true
			}
			ok = true
		}
	}
	return debpkg.Version{}, ok
}
