package resolve

import (
	"errors"

	"github.com/plinth-build/plinth/debpkg"
)

// Candidate is one package an archive offers.
type Candidate struct {
	*debpkg.Package
	// Suite is the pocket the package came from ("focal-updates"), for
	// messages and lockfiles.
	Suite string
	// Ref is opaque caller data (mirror, component...), carried into the
	// plan untouched.
	Ref any
}

// String is "name version (suite)", as messages show a candidate.
func (c Candidate) String() string {
	if c.Package == nil {
		return "(nil package)"
	}
	if c.Suite == "" {
		return c.Name + " " + c.Version.String()
	}
	return c.Name + " " + c.Version.String() + " (" + c.Suite + ")"
}

// Variants of Options.Variant.
const (
	VariantNone      = "none"      // only Include
	VariantEssential = "essential" // every Essential: yes package
	VariantMinbase   = "minbase"   // essential + Priority: required + apt
)

// Options says what to install.
type Options struct {
	// Arch is the native architecture, e.g. "amd64"; packages of other
	// architectures except "all" are ignored.
	Arch string
	// Variant is "none" (or ""), "essential" or "minbase"; see the Variant constants.
	Variant string
	// Include names packages to install, optionally "name=version" to pin
	// one version. A virtual name installs one provider, chosen as for a
	// dependency.
	Include []string
	// Exclude names packages never installed: they are dropped from the
	// seeds (Exclude wins over Include and FilesOnly), and a dependency only
	// they can meet fails with its chain.
	Exclude []string
	// FilesOnly names packages that are installed (they are seeds) but whose
	// Depends and Pre-Depends are not followed: a distroless base takes
	// ca-certificates' files without openssl.
	FilesOnly []string
	// Avoid names packages that alternatives skip when another alternative
	// can be met: "usrmerge" when plinth merges /usr itself, so that
	// "usrmerge | usr-is-merged" takes usr-is-merged and perl stays out.
	Avoid []string
	// Pins maps a name to the exact version it must have (lockfile builds).
	// A pin the archive cannot meet is an *UnsatisfiableError naming it,
	// whether or not the package would be installed.
	Pins map[string]string
}

// Plan is the outcome of Resolve.
type Plan struct {
	// Packages is the install order. A package comes after the packages
	// that meet its Pre-Depends and Depends; cycles are broken by placing
	// first, by name, a package with no unplaced Pre-Depends (else any, by
	// name). Among the packages ready to go, Essential ones come first, then
	// by name.
	Packages []Candidate
	// Why maps each name in Packages to a short reason: "seed: Priority
	// required", "Depends of apt 2.6.1", "Provides mail-transport-agent for
	// Depends of bsd-mailx 8.1.2-0.2".
	Why map[string]string
}

// maxPasses bounds the restarts that avoid a package which conflicts with
// a later choice.
const maxPasses = 32

// Resolve computes the install plan of opts from cands. Errors are
// *NotFoundError (an unknown Include name), *UnsatisfiableError (a
// dependency, include or pin the archive cannot meet), *ConflictError, or
// plain errors for bad options.
func Resolve(cands []Candidate, opts Options) (*Plan, error) {
	if opts.Arch == "" {
		return nil, errors.New("resolving: no architecture given (Options.Arch)")
	}
	idx := newIndex(cands, opts.Arch)
	cfg, err := newConfig(idx, opts)
	if err != nil {
		return nil, err
	}
	seeds, virtual, err := cfg.seeds()
	if err != nil {
		return nil, err
	}
	banned := map[string]bool{}
	attempts := 0
	var firstErr error
	for pass := 0; pass < maxPasses; pass++ {
		s := newSolver(cfg, banned, &attempts)
		err := s.solve(seeds, virtual)
		if err == nil {
			return s.plan(), nil
		}
		var tc *TooComplexError
		if errors.As(err, &tc) {
			tc.First = firstErr
			return nil, tc
		}
		if firstErr == nil {
			firstErr = err
		}
		var ce *ConflictError
		if !errors.As(err, &ce) || ce.movable == "" || banned[ce.movable] {
			break
		}
		// The clash is with a package an earlier branch chose: try again
		// with that package as a last resort.
		banned[ce.movable] = true
	}
	return nil, firstErr
}
