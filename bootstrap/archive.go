package bootstrap

import (
	"context"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/ProtonMail/go-crypto/openpgp"

	"github.com/plinth-build/plinth/debpkg/apt"
	"github.com/plinth-build/plinth/debpkg/resolve"
	"github.com/plinth-build/plinth/recipes"
)

// archive is a recipe's verified view of its apt archive for some architectures.
type archive struct {
	client   *apt.Client
	unpacked *unpackCache      // nil without a cache dir
	mirrors  map[string]string // suite -> mirror URL
	releases map[string]*apt.Release
	cands    []resolve.Candidate
}

// origin is what a resolve.Candidate carries back to the fetch stage.
type origin struct {
	Mirror    string
	Suite     string
	Component string
}

// openArchive resolves the recipe's mirrors, verifies every suite's Release
// and loads the Packages indexes for archs.
// With a lockfile only the Releases are verified (the lock pins every file
// by hash): each suite's locked Date is a floor against rollback, and Valid-Until is
// not enforced so a snapshot mirror can serve an old lock.
// The downloads are reported to rep (nil: to no one).
func openArchive(ctx context.Context, r *recipes.Recipe, archs []string, opts *Options, lock *Lockfile, rep *reporter) (*archive, error) {
	keyring, err := loadKeyring(r, opts.Keyring)
	if err != nil {
		return nil, err
	}
	mirrors, err := resolveMirrors(r, opts)
	if err != nil {
		return nil, err
	}
	unlock, _, err := lockCache(opts.CacheDir) // Build holds it too, for its downloads after this
	if err != nil {
		return nil, err
	}
	defer unlock()
	aopts := apt.Options{
		CacheDir:         opts.CacheDir,
		Keyring:          keyring,
		Now:              opts.Now,
		IgnoreValidUntil: opts.IgnoreValidUntil,
		Logf:             logger(opts.Log),
		Progress:         rep.downloads(),
	}
	if lock != nil {
		aopts.IgnoreValidUntil = true
	}
	client := apt.New(aopts)
	if lock != nil {
		return lockedArchive(ctx, client, newUnpackCache(opts.CacheDir), mirrors, lock)
	}
	var sources []apt.Source
	for _, s := range r.Source.Suites {
		sources = append(sources, apt.Source{Mirror: mirrors[s], Suite: s, Components: r.Source.Components})
	}
	pkgs, releases, err := client.Index(ctx, sources, archs)
	if err != nil {
		return nil, fmt.Errorf("reading the %s archive: %w", r.Source.Distro, err)
	}
	a := &archive{client: client, unpacked: newUnpackCache(opts.CacheDir), mirrors: mirrors, releases: releases}
	for _, p := range pkgs {
		a.cands = append(a.cands, resolve.Candidate{
			Package: p.Package,
			Suite:   p.Suite,
			Ref:     origin{Mirror: p.Mirror, Suite: p.Suite, Component: p.Component},
		})
	}
	return a, nil
}

// epoch is the newest Release Date: a build timestamp that depends only on
// the archive state, never on the wall clock.
func (a *archive) epoch() time.Time {
	var newest time.Time
	for _, r := range a.releases {
		if r.Date.After(newest) {
			newest = r.Date
		}
	}
	return newest.UTC()
}

// candidatesFor keeps the candidates of one architecture (and "all").
func (a *archive) candidatesFor(arch string) []resolve.Candidate {
	var out []resolve.Candidate
	for _, c := range a.cands {
		if c.Architecture == arch || c.Architecture == "all" {
			out = append(out, c)
		}
	}
	return out
}

func loadKeyring(r *recipes.Recipe, override string) (openpgp.EntityList, error) {
	var data []byte
	var err error
	from := "--keyring" // who named the file, for the hint
	switch {
	case override != "":
		data, err = os.ReadFile(override)
	case r.Source.Keyring != "":
		override, from = r.Source.Keyring, "the recipe's [source] keyring"
		data, err = os.ReadFile(override)
	default:
		override = "the built-in " + r.Source.Distro + " keyring"
		data, err = recipes.Keyring(r.Source.Distro)
	}
	if err != nil {
		return nil, fmt.Errorf("reading keyring: %w; check the file %s names", err, from)
	}
	keys, err := apt.ReadKeyring(data)
	if err != nil {
		return nil, fmt.Errorf("reading keyring %s: %w; %s must name the archive's OpenPGP public keys, armored or binary (gpg --export)", override, err, from)
	}
	return keys, nil
}

func resolveMirrors(r *recipes.Recipe, opts *Options) (map[string]string, error) {
	flag, err := apt.ParseMirrorFlag(opts.Mirrors)
	if err != nil {
		return nil, &OptionError{Flag: "--mirror", Err: err}
	}
	envName := "PLINTH_MIRROR_" + strings.ToUpper(r.Source.Distro)
	var envVals []string
	if v := opts.EnvMirrors[r.Source.Distro]; v != "" {
		envVals = strings.Split(v, ",")
	}
	env, err := apt.ParseMirrorFlag(envVals)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", envName, err)
	}
	root := opts.HostRoot
	if root == "" {
		root = "/"
	}
	host, err := apt.HostSources(root)
	if err != nil {
		return nil, fmt.Errorf("reading the host's apt sources: %w", err)
	}
	cfg := apt.MirrorConfig{
		Distro: r.Source.Distro, Flag: flag, Env: env,
		Recipe: r.Source.Mirror, RecipeBySuite: r.Source.Mirrors, Host: host,
	}
	out := map[string]string{}
	for _, s := range r.Source.Suites {
		m, err := cfg.Resolve(s)
		if err != nil {
			return nil, err
		}
		out[s] = m
	}
	return out, nil
}

func lockedArchive(ctx context.Context, client *apt.Client, unpacked *unpackCache, mirrors map[string]string, lock *Lockfile) (*archive, error) {
	a := &archive{client: client, unpacked: unpacked, mirrors: mirrors, releases: map[string]*apt.Release{}}
	for _, s := range lock.Suites {
		m, ok := mirrors[s.Name]
		if !ok {
			return nil, fmt.Errorf("the lockfile names suite %s, which the recipe does not: regenerate the lock with plinth lock", s.Name)
		}
		rel, err := client.Release(ctx, m, s.Name)
		if err != nil {
			return nil, err
		}
		if rel.Date.Before(s.Date) {
			return nil, fmt.Errorf("suite %s at %s is dated %s, older than the lockfile's %s: the mirror serves an older archive (rollback?); use an up-to-date mirror: %w",
				s.Name, m, rel.Date.UTC().Format(time.RFC3339), s.Date.UTC().Format(time.RFC3339), apt.ErrRollback)
		}
		a.releases[s.Name] = rel
	}
	return a, nil
}
