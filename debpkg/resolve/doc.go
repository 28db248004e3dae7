// Package resolve turns the candidate packages of an archive into an ordered
// install plan: the seeds a variant and a recipe ask for, closed under
// Depends and Pre-Depends, checked for Conflicts and Breaks, and sorted so
// that every package comes after what it pre-depends and depends on.
//
// It follows apt's choices where a bootstrap meets them, deterministically
// where apt would ask:
//
//   - Candidate selection: per name, the highest version across all suites;
//     under a version constraint, the highest version that meets it. One
//     version per name is installed. The same version in several suites:
//     the candidate that comes first in the input wins (the only way input
//     order changes a plan), which is why callers pass the base suite before
//     its -updates and -security pockets, or the other way round, on purpose.
//   - Only Depends and Pre-Depends are followed; Recommends and Suggests never.
//   - Alternatives ("a | b"): an alternative that a package already in the
//     plan meets (seeds are in the plan before any dependency is followed)
//     wins; else the first alternative that can be installed with all its
//     dependencies, in order, skipping Options.Avoid names while another
//     alternative works.
//   - Virtual packages: Provides satisfy unversioned dependencies; only
//     versioned Provides ("foo (= 1.2)") satisfy versioned ones. When several
//     packages could satisfy a name: one already in the plan, else the real
//     package of that name, else the providers by ascending name (apt would
//     ask the user; resolve picks the lowest name).
//   - Conflicts and Breaks, also through Provides (a package never conflicts
//     with itself): a choice that conflicts is undone and the next
//     alternative tried; when the clash is with a package chosen earlier in
//     another branch, resolution restarts with that package avoided, a
//     bounded number of times. When nothing avoids it: a *ConflictError.
//   - Multi-Arch: only Options.Arch and "all" packages are candidates, so
//     ":native" and unqualified dependencies are met by any of them, ":any"
//     by Multi-Arch: allowed (and foreign) packages, and a qualifier naming
//     another architecture by nothing. Multi-Arch: foreign is recorded but
//     changes nothing with one architecture; plans mixing architectures are
//     out of scope.
//
// The same candidates and options always give the same plan, whatever the
// order of the candidates (but for the suite tie above).
package resolve
