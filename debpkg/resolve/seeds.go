package resolve

import (
	"fmt"
	"sort"
	"strings"

	"github.com/plinth-build/plinth/debpkg"
)

// config is Options made ready for lookups.
type config struct {
	idx       *index
	exclude   map[string]bool
	filesOnly map[string]bool
	avoid     map[string]bool
	pins      map[string]debpkg.Version
	pinFrom   map[string]string // "pin" or "include"
	variant   string
	include   []string // names of Include, in order, without versions
}

func newConfig(idx *index, opts Options) (*config, error) {
	cfg := &config{
		idx:       idx,
		exclude:   set(opts.Exclude),
		filesOnly: set(opts.FilesOnly),
		avoid:     set(opts.Avoid),
		pins:      map[string]debpkg.Version{},
		pinFrom:   map[string]string{},
		variant:   opts.Variant,
	}
	switch opts.Variant {
	case "", VariantNone, VariantEssential, VariantMinbase:
	default:
		return nil, fmt.Errorf("resolving: unknown variant %q (want %s, %s or %s)", opts.Variant, VariantNone, VariantEssential, VariantMinbase)
	}
	names := make([]string, 0, len(opts.Pins))
	for name := range opts.Pins {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		if err := cfg.pin(name, opts.Pins[name], "pin"); err != nil {
			return nil, err
		}
	}
	for _, inc := range opts.Include {
		name, ver, pinned := strings.Cut(strings.TrimSpace(inc), "=")
		if name == "" {
			return nil, fmt.Errorf("resolving: empty name in include %q", inc)
		}
		if pinned {
			if err := cfg.pin(name, ver, "include"); err != nil {
				return nil, err
			}
		}
		cfg.include = append(cfg.include, name)
	}
	if err := cfg.checkPins(); err != nil {
		return nil, err
	}
	return cfg, nil
}

// pin records that name must be at version s.
func (cfg *config) pin(name, s, from string) error {
	v, err := debpkg.ParseVersion(s)
	if err != nil {
		return fmt.Errorf("resolving: %s %s=%s: %w", from, name, s, err)
	}
	if old, ok := cfg.pins[name]; ok && old.Compare(v) != 0 {
		return fmt.Errorf("resolving: %s is pinned to both %s and %s; keep one", name, old, v)
	}
	cfg.pins[name] = v
	if cfg.pinFrom[name] == "" {
		cfg.pinFrom[name] = from
	}
	return nil
}

// checkPins fails on a pin no candidate of that name meets, whether or not
// the package would be installed: a lockfile that names versions the
// archive lost is stale.
func (cfg *config) checkPins() error {
	names := make([]string, 0, len(cfg.pins))
	for name := range cfg.pins {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		cs := cfg.idx.byName[name]
		if cfg.best(name, debpkg.Dep{Name: name}) == nil {
			d := cfg.pinnedDep(name)
			if cfg.pinFrom[name] == "include" {
				return &UnsatisfiableError{Dep: d.String(), Chain: []string{"include"}, Have: have(cs)}
			}
			return &UnsatisfiableError{Dep: d.String(), Have: have(cs),
				Reason: fmt.Sprintf("the pinned version of %s is not in the archive: resolve again to update the pins", name)}
		}
	}
	return nil
}

// best returns the highest candidate named name that meets d and its pin,
// or nil.
func (cfg *config) best(name string, d debpkg.Dep) *Candidate {
	pin, pinned := cfg.pins[name]
	for _, c := range cfg.idx.byName[name] {
		if pinned && c.Version.Compare(pin) != 0 {
			continue
		}
		if d.Satisfies(c.Version) {
			return c
		}
	}
	return nil
}

// seed is a package the options ask for by itself.
type seed struct {
	c   *Candidate
	why string
}

// seeds returns the packages the variant, Include and FilesOnly ask for, by
// name, and the Include names only Provides can meet, as dependencies.
func (cfg *config) seeds() ([]seed, []debpkg.Dep, error) {
	why := map[string]string{}
	add := func(name, reason string) {
		if _, ok := why[name]; !ok && !cfg.exclude[name] {
			why[name] = reason
		}
	}
	var virtual []debpkg.Dep
	for _, name := range cfg.include {
		switch {
		case len(cfg.idx.byName[name]) > 0:
			add(name, "seed: include")
		case len(cfg.idx.providers[name]) > 0:
			if !cfg.exclude[name] {
				virtual = append(virtual, cfg.pinnedDep(name))
			}
		default:
			return nil, nil, cfg.notFound(name)
		}
	}
	for _, name := range sortedKeys(cfg.filesOnly) {
		if len(cfg.idx.byName[name]) == 0 {
			return nil, nil, cfg.notFound(name)
		}
		add(name, "seed: files only")
	}
	if cfg.variant == VariantEssential || cfg.variant == VariantMinbase {
		minbase := cfg.variant == VariantMinbase
		for _, name := range cfg.idx.names {
			c := cfg.best(name, debpkg.Dep{Name: name})
			switch {
			case c == nil:
			case c.Essential:
				add(name, "seed: Essential")
			case minbase && c.Priority == "required":
				add(name, "seed: Priority required")
			}
		}
		if minbase && len(cfg.idx.byName["apt"]) > 0 {
			add("apt", "seed: minbase")
		}
	}
	var out []seed
	for _, name := range sortedKeys(why) {
		// checkPins made sure every pinned real name has its version.
		if c := cfg.best(name, debpkg.Dep{Name: name}); c != nil {
			out = append(out, seed{c: c, why: why[name]})
		}
	}
	return out, virtual, nil
}

// pinnedDep is "name", or "name (= pin)" when name is pinned.
func (cfg *config) pinnedDep(name string) debpkg.Dep {
	d := debpkg.Dep{Name: name}
	if v, ok := cfg.pins[name]; ok {
		d.Op, d.Version = debpkg.OpEq, v
	}
	return d
}

// notFound builds the error for a name the archive lacks, with close names.
func (cfg *config) notFound(name string) error {
	return &NotFoundError{Name: name, Arch: cfg.idx.arch, Suggestions: suggest(name, cfg.idx)}
}

func set(names []string) map[string]bool {
	m := make(map[string]bool, len(names))
	for _, n := range names {
		if n = strings.TrimSpace(n); n != "" {
			m[n] = true
		}
	}
	return m
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// have lists candidates as "name version (suite)", for messages.
func have(cs []*Candidate) []string {
	var out []string
	for _, c := range cs {
		out = append(out, c.String())
	}
	return out
}
