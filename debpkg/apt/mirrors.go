package apt

import (
	"fmt"
	"slices"
	"strings"
)

// MirrorConfig holds every place a mirror may be configured, for one
// distribution. Maps are keyed by suite; the "" key applies to every suite.
type MirrorConfig struct {
	Distro        string            // "debian" | "ubuntu"
	Flag          map[string]string // from --mirror (see ParseMirrorFlag)
	Env           map[string]string // from PLINTH_MIRROR_<DISTRO>, same shape
	Recipe        string            // the recipe's mirror, for every suite
	RecipeBySuite map[string]string // the recipe's per-suite mirrors
	Host          []SourceEntry     // the host's apt sources (HostSources)
}

// NoMirrorError says no mirror is configured for a suite, and how to give one.
type NoMirrorError struct {
	Distro, Suite string
}

func (e *NoMirrorError) Error() string {
	env := "PLINTH_MIRROR_" + strings.ToUpper(e.Distro)
	if e.Distro == "" {
		env = "PLINTH_MIRROR_DEBIAN / PLINTH_MIRROR_UBUNTU"
	}
	return fmt.Sprintf("no %s mirror for suite %q: pass --mirror URL (or --mirror %s=URL), set %s, set the recipe's mirror, or add a \"deb\" entry for %s to /etc/apt/sources.list(.d)",
		e.Distro, e.Suite, e.Suite, env, e.Suite)
}

// Resolve returns the mirror URL for suite, from the first of: the flag
// (suite, then global), the environment (suite, then global), the recipe
// (suite, then global), then the first enabled "deb" host entry listing the
// suite. Without one it returns a *NoMirrorError.
func (m MirrorConfig) Resolve(suite string) (string, error) {
	for _, src := range []struct {
		bySuite map[string]string
		global  string
	}{
		{m.Flag, m.Flag[""]},
		{m.Env, m.Env[""]},
		{m.RecipeBySuite, m.Recipe},
	} {
		if u := src.bySuite[suite]; u != "" {
			return strings.TrimRight(u, "/"), nil
		}
		if src.global != "" {
			return strings.TrimRight(src.global, "/"), nil
		}
	}
	for _, e := range m.Host {
		if !e.Enabled || !slices.Contains(e.Types, "deb") || !slices.Contains(e.Suites, suite) {
			continue
		}
		for _, u := range e.URIs {
			if _, err := mirrorBase(u); err == nil {
				return strings.TrimRight(u, "/"), nil
			}
		}
	}
	return "", &NoMirrorError{Distro: m.Distro, Suite: suite}
}

// ParseMirrorFlag parses --mirror values: "URL" (every suite) or
// "SUITE=URL" (that suite). A value is a URL when what precedes its first
// "=" contains ":" or "/". Each URL must be http(s); a suite may be given once.
func ParseMirrorFlag(values []string) (map[string]string, error) {
	out := make(map[string]string, len(values))
	for _, v := range values {
		suite, u := "", strings.TrimSpace(v)
		if k, rest, ok := strings.Cut(u, "="); ok && !strings.ContainsAny(k, ":/") {
			suite, u = strings.TrimSpace(k), strings.TrimSpace(rest)
			if suite == "" {
				return nil, fmt.Errorf("mirror %q: empty suite before \"=\"; want URL or SUITE=URL", v)
			}
		}
		if _, err := mirrorBase(u); err != nil {
			return nil, fmt.Errorf("mirror %q: %w; want URL or SUITE=URL", v, ErrBadMirror)
		}
		if _, dup := out[suite]; dup {
			if suite == "" {
				return nil, fmt.Errorf("mirror %q: a mirror for every suite is already given", v)
			}
			return nil, fmt.Errorf("mirror %q: suite %s already has a mirror", v, suite)
		}
		out[suite] = strings.TrimRight(u, "/")
	}
	return out, nil
}
