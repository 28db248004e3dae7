package resolve

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// resolveCase is one named run of Resolve: either want (the install order
// as "name=version") or wantErr (the exact message).
type resolveCase struct {
	name    string
	cands   []Candidate
	opts    Options // Arch defaults to amd64
	want    []string
	why     map[string]string // checked entries of Plan.Why
	suites  map[string]string // checked Suite of plan entries
	wantErr string
}

func runCases(t *testing.T, cases []resolveCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if tc.opts.Arch == "" {
				tc.opts.Arch = "amd64"
			}
			plan, err := Resolve(tc.cands, tc.opts)
			if tc.wantErr != "" {
				if err == nil {
					t.Fatalf("Resolve() = %v, want error %q", names(plan), tc.wantErr)
				}
				if err.Error() != tc.wantErr {
					t.Fatalf("Resolve() error:\n got %s\nwant %s", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("Resolve(): %v", err)
			}
			if diff := cmp.Diff(tc.want, names(plan)); diff != "" {
				t.Errorf("install order (-want +got):\n%s", diff)
			}
			if len(plan.Why) != len(plan.Packages) {
				t.Errorf("Why has %d entries for %d packages", len(plan.Why), len(plan.Packages))
			}
			for n, want := range tc.why {
				if got := plan.Why[n]; got != want {
					t.Errorf("Why[%s] = %q, want %q", n, got, want)
				}
			}
			for _, c := range plan.Packages {
				if want, ok := tc.suites[c.Name]; ok && c.Suite != want {
					t.Errorf("%s from suite %q, want %q", c.Name, c.Suite, want)
				}
				if c.Ref != c.Suite+"/"+c.Name {
					t.Errorf("%s: Ref %v not carried", c.Name, c.Ref)
				}
			}
		})
	}
}

func TestCandidateSelection(t *testing.T) {
	focal := suite(t, "focal", `
Package: foo
Version: 1.0-1
`)
	updates := suite(t, "focal-updates", `
Package: foo
Version: 1.0-1ubuntu0.1
`)
	libs := suite(t, "s", `
Package: app
Version: 1
Depends: lib (<< 2)

Package: lib
Version: 1.0

Package: lib
Version: 2.0

Package: lib
Version: 1.5
`)
	dup1 := suite(t, "bookworm", "Package: foo\nVersion: 1.0-1\n")
	dup2 := suite(t, "bookworm-updates", "Package: foo\nVersion: 1.0-1\n")
	arches := suite(t, "s", `
Package: foo
Version: 2
Architecture: i386

Package: foo
Version: 1
Architecture: amd64

Package: bar
Version: 1
Architecture: all

Package: only-arm
Version: 1
Architecture: arm64
`)
	epoch := suite(t, "s", "Package: foo\nVersion: 1:0.5\n\nPackage: foo\nVersion: 2.0\n")
	runCases(t, []resolveCase{{
		name:   "highest version across suites",
		cands:  archive(focal, updates),
		opts:   Options{Include: []string{"foo"}},
		want:   []string{"foo=1.0-1ubuntu0.1"},
		suites: map[string]string{"foo": "focal-updates"},
	}, {
		name:   "highest version whatever the suite order",
		cands:  archive(updates, focal),
		opts:   Options{Include: []string{"foo"}},
		want:   []string{"foo=1.0-1ubuntu0.1"},
		suites: map[string]string{"foo": "focal-updates"},
	}, {
		name:  "constraint takes the highest version meeting it",
		cands: libs,
		opts:  Options{Include: []string{"app"}},
		want:  []string{"lib=1.5", "app=1"},
	}, {
		name:   "same version in two suites: first in input wins",
		cands:  archive(dup1, dup2),
		opts:   Options{Include: []string{"foo"}},
		want:   []string{"foo=1.0-1"},
		suites: map[string]string{"foo": "bookworm"},
	}, {
		name:   "same version in two suites: first in input wins, reversed",
		cands:  archive(dup2, dup1),
		opts:   Options{Include: []string{"foo"}},
		want:   []string{"foo=1.0-1"},
		suites: map[string]string{"foo": "bookworm-updates"},
	}, {
		name:  "other architectures ignored, all accepted",
		cands: arches,
		opts:  Options{Include: []string{"foo", "bar"}},
		want:  []string{"bar=1", "foo=1"},
	}, {
		name:    "package of another architecture only is not found",
		cands:   arches,
		opts:    Options{Include: []string{"only-arm"}},
		wantErr: "package only-arm not found in the archive for amd64; check the name and the recipe's suites and components",
	}, {
		name:  "epoch wins",
		cands: epoch,
		opts:  Options{Include: []string{"foo"}},
		want:  []string{"foo=1:0.5"},
	}})
}

func TestClosure(t *testing.T) {
	fields := suite(t, "s", `
Package: a
Version: 1
Pre-Depends: b
Depends: c
Recommends: d
Suggests: e

Package: b
Version: 1

Package: c
Version: 1
Depends: f

Package: d
Version: 1

Package: e
Version: 1

Package: f
Version: 1
`)
	cycle := suite(t, "s", `
Package: a
Version: 1
Depends: b, a

Package: b
Version: 1
Depends: a
`)
	runCases(t, []resolveCase{{
		name:  "Depends and Pre-Depends followed, Recommends and Suggests not",
		cands: fields,
		opts:  Options{Include: []string{"a"}},
		want:  []string{"b=1", "f=1", "c=1", "a=1"},
		why: map[string]string{
			"a": "seed: include", "b": "Pre-Depends of a 1",
			"c": "Depends of a 1", "f": "Depends of c 1",
		},
	}, {
		name:  "dependency cycle and self-dependency end",
		cands: cycle,
		opts:  Options{Include: []string{"a"}},
		want:  []string{"a=1", "b=1"},
	}})
}

func TestAlternatives(t *testing.T) {
	cands := suite(t, "s", `
Package: first
Version: 1
Depends: missing | c | b

Package: b
Version: 1

Package: c
Version: 1

Package: either
Version: 1
Depends: b | c

Package: two
Version: 1
Depends: x, y

Package: x
Version: 1
Depends: c

Package: y
Version: 1
Depends: b | c

Package: init
Version: 1
Depends: usrmerge | usr-is-merged

Package: usrmerge
Version: 1
Depends: perl

Package: perl
Version: 1

Package: usr-is-merged
Version: 1

Package: only-avoided
Version: 1
Depends: usrmerge | nothere

Package: deep
Version: 1
Depends: broken | c

Package: broken
Version: 1
Depends: gone

Package: versioned
Version: 1
Depends: b (>= 2) | c
`)
	runCases(t, []resolveCase{{
		name:  "first satisfiable alternative",
		cands: cands,
		opts:  Options{Include: []string{"first"}},
		want:  []string{"c=1", "first=1"},
	}, {
		name:  "alternative in the seed set preferred",
		cands: cands,
		opts:  Options{Include: []string{"either", "c"}},
		want:  []string{"c=1", "either=1"},
	}, {
		name:  "alternative chosen by another branch preferred",
		cands: cands,
		opts:  Options{Include: []string{"two"}},
		want:  []string{"c=1", "x=1", "y=1", "two=1"},
	}, {
		name:  "first alternative without Avoid",
		cands: cands,
		opts:  Options{Include: []string{"init"}},
		want:  []string{"perl=1", "usrmerge=1", "init=1"},
	}, {
		name:  "Avoid skips an alternative another one replaces",
		cands: cands,
		opts:  Options{Include: []string{"init"}, Avoid: []string{"usrmerge"}},
		want:  []string{"usr-is-merged=1", "init=1"},
		why:   map[string]string{"usr-is-merged": "Depends of init 1"},
	}, {
		name:  "Avoid name taken when nothing else meets the dependency",
		cands: cands,
		opts:  Options{Include: []string{"only-avoided"}, Avoid: []string{"usrmerge"}},
		want:  []string{"perl=1", "usrmerge=1", "only-avoided=1"},
	}, {
		name:  "Avoid name already in the plan is used",
		cands: cands,
		opts:  Options{Include: []string{"init", "usrmerge"}, Avoid: []string{"usrmerge"}},
		want:  []string{"perl=1", "usrmerge=1", "init=1"},
	}, {
		name:  "alternative failing deeper down is backed out",
		cands: cands,
		opts:  Options{Include: []string{"deep"}},
		want:  []string{"c=1", "deep=1"},
	}, {
		name:  "alternative with an unmet version skipped",
		cands: cands,
		opts:  Options{Include: []string{"versioned"}},
		want:  []string{"c=1", "versioned=1"},
	}})
}

func TestVirtualPackages(t *testing.T) {
	cands := suite(t, "s", `
Package: mailer
Version: 1
Depends: mta

Package: postfix
Version: 3
Provides: mta

Package: exim
Version: 4
Provides: mta

Package: wants-v
Version: 1
Depends: libx (>= 2)

Package: libx-impl
Version: 1
Provides: libx (= 2.5)

Package: wants-plain-v
Version: 1
Depends: plain (>= 1)

Package: plain-impl
Version: 1
Provides: plain
`)
	real := suite(t, "s", `
Package: mailer
Version: 1
Depends: mta

Package: aaa-mail
Version: 1
Provides: mta

Package: mta
Version: 1
`)
	runCases(t, []resolveCase{{
		name:  "unversioned Provides meets an unversioned dependency, lowest provider name",
		cands: cands,
		opts:  Options{Include: []string{"mailer"}},
		want:  []string{"exim=4", "mailer=1"},
		why:   map[string]string{"exim": "Provides mta for Depends of mailer 1"},
	}, {
		name:  "provider already in the plan preferred",
		cands: cands,
		opts:  Options{Include: []string{"mailer", "postfix"}},
		want:  []string{"postfix=3", "mailer=1"},
	}, {
		name:  "real package of the name preferred to providers",
		cands: real,
		opts:  Options{Include: []string{"mailer"}},
		want:  []string{"mta=1", "mailer=1"},
	}, {
		name:  "versioned Provides meets a versioned dependency",
		cands: cands,
		opts:  Options{Include: []string{"wants-v"}},
		want:  []string{"libx-impl=1", "wants-v=1"},
	}, {
		name:    "unversioned Provides never meets a versioned dependency",
		cands:   cands,
		opts:    Options{Include: []string{"wants-plain-v"}},
		wantErr: "plain (>= 1) needed by seed wants-plain-v, but no package provides plain (>= 1)",
	}, {
		name:  "include of a virtual name installs one provider",
		cands: cands,
		opts:  Options{Include: []string{"mta"}},
		want:  []string{"exim=4"},
		why:   map[string]string{"exim": "Provides mta for include"},
	}, {
		name:  "Exclude skips a provider",
		cands: cands,
		opts:  Options{Include: []string{"mailer"}, Exclude: []string{"exim"}},
		want:  []string{"postfix=3", "mailer=1"},
	}})
}

func TestConflicts(t *testing.T) {
	cands := suite(t, "s", `
Package: a
Version: 1
Depends: b | c

Package: b
Version: 1
Provides: mta

Package: c
Version: 1

Package: hates-b
Version: 1
Conflicts: b

Package: hates-mta
Version: 1
Conflicts: mta

Package: postfix
Version: 1
Provides: mta
Conflicts: mta
Replaces: mta

Package: hates-old-b
Version: 1
Conflicts: b (<< 1)

Package: hates-old-mta
Version: 1
Conflicts: mta (<< 2)

Package: breaks-b
Version: 1
Breaks: b (<< 2)

Package: both
Version: 1
Depends: b, hates-b

Package: s1
Version: 1
Depends: x | y

Package: s2
Version: 1
Depends: z

Package: x
Version: 1

Package: y
Version: 1

Package: z
Version: 1
Conflicts: x
`)
	runCases(t, []resolveCase{{
		name:  "Conflicts avoided by the next alternative",
		cands: cands,
		opts:  Options{Include: []string{"a", "hates-b"}},
		want:  []string{"c=1", "a=1", "hates-b=1"},
	}, {
		name:  "Conflicts through Provides",
		cands: cands,
		opts:  Options{Include: []string{"a", "hates-mta"}},
		want:  []string{"c=1", "a=1", "hates-mta=1"},
	}, {
		name:  "package never conflicts with itself",
		cands: cands,
		opts:  Options{Include: []string{"postfix"}},
		want:  []string{"postfix=1"},
	}, {
		name:  "versioned Conflicts not met",
		cands: cands,
		opts:  Options{Include: []string{"b", "hates-old-b"}},
		want:  []string{"b=1", "hates-old-b=1"},
	}, {
		name:  "unversioned Provides do not meet a versioned Conflicts",
		cands: cands,
		opts:  Options{Include: []string{"b", "hates-old-mta"}},
		want:  []string{"b=1", "hates-old-mta=1"},
	}, {
		name:    "Breaks between seeds",
		cands:   cands,
		opts:    Options{Include: []string{"b", "breaks-b"}},
		wantErr: "breaks-b 1 Breaks: b (<< 2), so it cannot be installed with b 1 (breaks-b 1: seed: include; b 1: seed: include); exclude one of them or include another alternative",
	}, {
		name:    "Conflicts no alternative avoids",
		cands:   cands,
		opts:    Options{Include: []string{"both"}},
		wantErr: "hates-b 1 Conflicts: b, so it cannot be installed with b 1 (hates-b 1: Depends of both 1; b 1: Depends of both 1); exclude one of them or include another alternative",
	}, {
		name:  "Conflicts with an earlier branch's choice restarts without it",
		cands: cands,
		opts:  Options{Include: []string{"s1", "s2"}},
		want:  []string{"y=1", "s1=1", "z=1", "s2=1"},
	}})
}

func TestMultiArch(t *testing.T) {
	cands := suite(t, "s", `
Package: a
Version: 1
Depends: python3:any

Package: python3
Version: 3.11
Multi-Arch: allowed

Package: b
Version: 1
Depends: tool:any

Package: tool
Version: 1
Multi-Arch: foreign

Package: c
Version: 1
Depends: lib:any

Package: lib
Version: 1
Multi-Arch: same

Package: d
Version: 1
Depends: lib:native, tool:amd64

Package: e
Version: 1
Depends: lib:i386

Package: f
Version: 1
Depends: nothere [!amd64], lib [amd64]
`)
	runCases(t, []resolveCase{{
		name:  ":any met by Multi-Arch: allowed",
		cands: cands,
		opts:  Options{Include: []string{"a"}},
		want:  []string{"python3=3.11", "a=1"},
	}, {
		name:  ":any met by Multi-Arch: foreign",
		cands: cands,
		opts:  Options{Include: []string{"b"}},
		want:  []string{"tool=1", "b=1"},
	}, {
		name:    ":any not met by Multi-Arch: same",
		cands:   cands,
		opts:    Options{Include: []string{"c"}},
		wantErr: "lib:any needed by seed c, but the archive has lib 1 (s); lib is not Multi-Arch: allowed",
	}, {
		name:  ":native and the native architecture qualifier",
		cands: cands,
		opts:  Options{Include: []string{"d"}},
		want:  []string{"lib=1", "tool=1", "d=1"},
	}, {
		name:    "another architecture's qualifier is out of scope",
		cands:   cands,
		opts:    Options{Include: []string{"e"}},
		wantErr: "lib:i386 needed by seed e, but lib:i386 is for another architecture than amd64 (not supported)",
	}, {
		name:  "architecture restriction lists",
		cands: cands,
		opts:  Options{Include: []string{"f"}},
		want:  []string{"lib=1", "f=1"},
	}})
}

func TestSeeds(t *testing.T) {
	cands := suite(t, "s", `
Package: base-files
Version: 12
Essential: yes
Priority: required

Package: bash
Version: 5.2
Essential: yes
Priority: required
Pre-Depends: libtinfo6

Package: libtinfo6
Version: 6.4
Priority: required

Package: mawk
Version: 1.3
Priority: required

Package: apt
Version: 2.6.1
Priority: important
Depends: libapt

Package: libapt
Version: 2.6.1
Priority: optional

Package: vim
Version: 9
Priority: optional

Package: ca-certificates
Version: 2023
Depends: openssl

Package: openssl
Version: 3
Depends: libssl3

Package: libssl3
Version: 3

Package: old-essential
Version: 2
Priority: optional

Package: old-essential
Version: 1
Essential: yes
`)
	runCases(t, []resolveCase{{
		name:  "variant none installs only Include",
		cands: cands,
		opts:  Options{Variant: VariantNone, Include: []string{"vim"}},
		want:  []string{"vim=9"},
	}, {
		name:  "empty variant is none",
		cands: cands,
		opts:  Options{Include: []string{"vim"}},
		want:  []string{"vim=9"},
	}, {
		name:  "variant essential: Essential packages of the best candidates and their dependencies",
		cands: cands,
		opts:  Options{Variant: VariantEssential},
		want:  []string{"base-files=12", "libtinfo6=6.4", "bash=5.2"},
		why:   map[string]string{"base-files": "seed: Essential", "libtinfo6": "Pre-Depends of bash 5.2"},
	}, {
		name:  "variant minbase: essential, Priority required and apt",
		cands: cands,
		opts:  Options{Variant: VariantMinbase},
		want:  []string{"base-files=12", "libapt=2.6.1", "apt=2.6.1", "libtinfo6=6.4", "bash=5.2", "mawk=1.3"},
		why: map[string]string{
			"apt": "seed: minbase", "mawk": "seed: Priority required",
			"libtinfo6": "seed: Priority required", "libapt": "Depends of apt 2.6.1",
		},
	}, {
		name:  "Exclude removes a seed",
		cands: cands,
		opts:  Options{Variant: VariantMinbase, Exclude: []string{"mawk", "apt"}},
		want:  []string{"base-files=12", "libtinfo6=6.4", "bash=5.2"},
	}, {
		name:  "Exclude wins over Include",
		cands: cands,
		opts:  Options{Include: []string{"vim", "mawk"}, Exclude: []string{"vim"}},
		want:  []string{"mawk=1.3"},
	}, {
		name:    "Exclude makes a dependency fail with its chain",
		cands:   cands,
		opts:    Options{Include: []string{"ca-certificates"}, Exclude: []string{"libssl3"}},
		wantErr: "libssl3 needed by openssl 3 (needed by seed ca-certificates), but libssl3 is excluded",
	}, {
		name:  "FilesOnly: installed, dependencies not followed",
		cands: cands,
		opts:  Options{FilesOnly: []string{"ca-certificates"}},
		want:  []string{"ca-certificates=2023"},
		why:   map[string]string{"ca-certificates": "seed: files only"},
	}, {
		name:  "FilesOnly with Include",
		cands: cands,
		opts:  Options{Include: []string{"ca-certificates"}, FilesOnly: []string{"ca-certificates"}},
		want:  []string{"ca-certificates=2023"},
		why:   map[string]string{"ca-certificates": "seed: include"},
	}, {
		name:  "Include name=version pins it",
		cands: cands,
		opts:  Options{Include: []string{"old-essential=1"}},
		want:  []string{"old-essential=1"},
	}, {
		name:    "Include of an unknown name suggests close ones",
		cands:   cands,
		opts:    Options{Include: []string{"bsh"}},
		wantErr: "package bsh not found in the archive for amd64; did you mean bash?",
	}, {
		name:    "Include of an unknown name suggests by prefix",
		cands:   cands,
		opts:    Options{Include: []string{"ca-cert"}},
		wantErr: "package ca-cert not found in the archive for amd64; did you mean ca-certificates?",
	}, {
		name:    "FilesOnly of an unknown name",
		cands:   cands,
		opts:    Options{FilesOnly: []string{"libssl"}},
		wantErr: "package libssl not found in the archive for amd64; did you mean libssl3?",
	}, {
		name:    "Include name=version the archive lacks",
		cands:   cands,
		opts:    Options{Include: []string{"vim=8"}},
		wantErr: "vim (= 8) needed by include, but the archive has vim 9 (s)",
	}, {
		name:    "Include with a bad version",
		cands:   cands,
		opts:    Options{Include: []string{"vim=x"}},
		wantErr: `resolving: include vim=x: version "x": upstream version must start with a digit`,
	}, {
		name:    "unknown variant",
		cands:   cands,
		opts:    Options{Variant: "fat"},
		wantErr: `resolving: unknown variant "fat" (want none, essential or minbase)`,
	}})
}

func TestPins(t *testing.T) {
	cands := suite(t, "s", `
Package: app
Version: 1
Depends: foo

Package: foo
Version: 2

Package: foo
Version: 1

Package: new
Version: 1
Depends: foo (>= 2)
`)
	runCases(t, []resolveCase{{
		name:  "pin takes an older version, for dependencies too",
		cands: cands,
		opts:  Options{Include: []string{"app"}, Pins: map[string]string{"foo": "1", "app": "1"}},
		want:  []string{"foo=1", "app=1"},
	}, {
		name:  "pin of a package not installed is fine",
		cands: cands,
		opts:  Options{Include: []string{"foo"}, Pins: map[string]string{"app": "1"}},
		want:  []string{"foo=2"},
	}, {
		name:    "pinned version missing from the archive",
		cands:   cands,
		opts:    Options{Include: []string{"app"}, Pins: map[string]string{"foo": "3"}},
		wantErr: "foo (= 3), but the archive has foo 2 (s), foo 1 (s); the pinned version of foo is not in the archive: resolve again to update the pins",
	}, {
		name:    "pin against a dependency",
		cands:   cands,
		opts:    Options{Include: []string{"new"}, Pins: map[string]string{"foo": "1"}},
		wantErr: "foo (>= 2) needed by seed new, but the archive has foo 2 (s), foo 1 (s); foo is pinned to 1",
	}, {
		name:    "pin of a name no package has",
		cands:   cands,
		opts:    Options{Include: []string{"app"}, Pins: map[string]string{"mta": "1"}},
		wantErr: "mta (= 1), but the pinned version of mta is not in the archive: resolve again to update the pins",
	}, {
		name:    "pin and include disagree",
		cands:   cands,
		opts:    Options{Include: []string{"foo=2"}, Pins: map[string]string{"foo": "1"}},
		wantErr: "resolving: foo is pinned to both 1 and 2; keep one",
	}})
}

func TestUnsatisfiable(t *testing.T) {
	cands := archive(suite(t, "bookworm", `
Package: baz
Version: 3
Depends: bar

Package: bar
Version: 1.0-1
Depends: libfoo1 (>= 2.1)

Package: libfoo1
Version: 2.0-3

Package: a
Version: 1
Depends: nope

Package: alts
Version: 1
Depends: b | c

Package: low
Version: 1
Depends: lib (<< 2)

Package: high
Version: 1
Depends: lib (>= 2)

Package: lib
Version: 2

Package: lib
Version: 1
`))
	runCases(t, []resolveCase{{
		name:    "version too low, with the chain",
		cands:   cands,
		opts:    Options{Include: []string{"baz"}},
		wantErr: "libfoo1 (>= 2.1) needed by bar 1.0-1 (needed by seed baz), but the archive has libfoo1 2.0-3 (bookworm)",
	}, {
		name:    "package missing",
		cands:   cands,
		opts:    Options{Include: []string{"a"}},
		wantErr: "nope needed by seed a, but the archive has no nope",
	}, {
		name:    "every alternative missing",
		cands:   cands,
		opts:    Options{Include: []string{"alts"}},
		wantErr: "b | c needed by seed alts, but the archive has no b; the archive has no c",
	}, {
		name:    "one version per name",
		cands:   cands,
		opts:    Options{Include: []string{"low", "high"}},
		wantErr: "lib (<< 2) needed by seed low, but lib 2 is already in the plan (Depends of high 1)",
	}})
}

func TestInstallOrder(t *testing.T) {
	cands := suite(t, "s", `
Package: a
Version: 1
Pre-Depends: b

Package: b
Version: 1
Depends: a

Package: z
Version: 1
Essential: yes

Package: m
Version: 1

Package: c
Version: 1
Depends: d

Package: d
Version: 1
Pre-Depends: c
`)
	runCases(t, []resolveCase{{
		name:  "cycle broken at a Depends, never a Pre-Depends",
		cands: cands,
		opts:  Options{Include: []string{"a"}},
		want:  []string{"b=1", "a=1"},
	}, {
		name:  "cycle broken at a Depends, other names",
		cands: cands,
		opts:  Options{Include: []string{"d"}},
		want:  []string{"c=1", "d=1"},
	}, {
		name:  "Essential first among the ready, then by name",
		cands: cands,
		opts:  Options{Include: []string{"m", "z", "b"}},
		want:  []string{"z=1", "m=1", "b=1", "a=1"},
	}})
}

// TestDeterminism shuffles the candidates and expects the same plan.
func TestDeterminism(t *testing.T) {
	cands := archive(suite(t, "s", `
Package: app
Version: 1
Depends: mta, libc6, web | httpd, tool
Pre-Depends: dpkg

Package: dpkg
Version: 1.21
Essential: yes
Depends: libc6, tar

Package: tar
Version: 1.34
Essential: yes
Depends: libc6

Package: libc6
Version: 2.36
Depends: libgcc-s1

Package: libgcc-s1
Version: 12
Depends: libc6

Package: exim
Version: 4
Provides: mta
Depends: libc6

Package: postfix
Version: 3
Provides: mta
Conflicts: mta

Package: httpd-impl
Version: 2
Provides: httpd

Package: nginx
Version: 1
Provides: httpd

Package: tool
Version: 1
Depends: perl | busybox

Package: perl
Version: 5.36
Depends: libc6

Package: busybox
Version: 1.36
`), suite(t, "s-updates", `
Package: libc6
Version: 2.36-9+deb12u1
Depends: libgcc-s1

Package: tool
Version: 2
Depends: busybox | perl
`))
	opts := Options{Arch: "amd64", Variant: VariantEssential, Include: []string{"app"}, Avoid: []string{"perl"}}
	want, err := Resolve(cands, opts)
	if err != nil {
		t.Fatal(err)
	}
	if len(want.Packages) != 9 {
		t.Fatalf("fixture plan has %d packages, want 9:\n%s", len(want.Packages), planText(want))
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range 20 {
		shuffled := append([]Candidate(nil), cands...)
		rng.Shuffle(len(shuffled), func(a, b int) { shuffled[a], shuffled[b] = shuffled[b], shuffled[a] })
		got, err := Resolve(shuffled, opts)
		if err != nil {
			t.Fatalf("shuffle %d: %v", i, err)
		}
		if diff := cmp.Diff(planText(want), planText(got)); diff != "" {
			t.Fatalf("shuffle %d: plan differs (-want +got):\n%s", i, diff)
		}
	}
}

// TestHostileInputs checks that odd candidates neither panic nor hang.
func TestHostileInputs(t *testing.T) {
	t.Run("nil and unnamed packages are skipped", func(t *testing.T) {
		cands := append([]Candidate{{}, {Package: nil, Suite: "x"}}, suite(t, "s", "Package: a\nVersion: 1\n")...)
		plan, err := Resolve(cands, Options{Arch: "amd64", Include: []string{"a"}})
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff([]string{"a=1"}, names(plan)); diff != "" {
			t.Error(diff)
		}
	})
	t.Run("no architecture", func(t *testing.T) {
		if _, err := Resolve(nil, Options{}); err == nil {
			t.Error("Resolve without Arch succeeded")
		}
	})
	t.Run("exponential alternatives give up in time", func(t *testing.T) {
		// x0 needs y0 | z0, both need x1, ..., and x40 needs what is missing:
		// 2^40 paths to a dead end.
		var b strings.Builder
		stanza := func(name, dep string) { fmt.Fprintf(&b, "Package: %s\nVersion: 1\nDepends: %s\n\n", name, dep) }
		const depth = 40
		for i := range depth {
			stanza(fmt.Sprintf("x%d", i), fmt.Sprintf("y%d | z%d", i, i))
			stanza(fmt.Sprintf("y%d", i), fmt.Sprintf("x%d", i+1))
			stanza(fmt.Sprintf("z%d", i), fmt.Sprintf("x%d", i+1))
		}
		stanza(fmt.Sprintf("x%d", depth), "missing")
		text := b.String()
		start := time.Now()
		_, err := Resolve(suite(t, "s", text), Options{Arch: "amd64", Include: []string{"x0"}})
		var tc *TooComplexError
		if !errors.As(err, &tc) {
			t.Fatalf("err = %v, want *TooComplexError", err)
		}
		if d := time.Since(start); d > 10*time.Second {
			t.Errorf("giving up took %v", d)
		}
	})
	t.Run("typed errors", func(t *testing.T) {
		cands := suite(t, "s", "Package: a\nVersion: 1\nDepends: b\n\nPackage: c\nVersion: 1\nConflicts: a\n")
		_, err := Resolve(cands, Options{Arch: "amd64", Include: []string{"q"}})
		var nf *NotFoundError
		if !errors.As(err, &nf) || nf.Name != "q" {
			t.Errorf("unknown include: %v, want *NotFoundError", err)
		}
		_, err = Resolve(cands, Options{Arch: "amd64", Include: []string{"a"}})
		var ue *UnsatisfiableError
		if !errors.As(err, &ue) || ue.Dep != "b" || !cmp.Equal(ue.Chain, []string{"seed a"}) {
			t.Errorf("missing dependency: %#v, want *UnsatisfiableError", err)
		}
		_, err = Resolve(cands, Options{Arch: "amd64", Include: []string{"c"}, FilesOnly: []string{"a"}})
		var ce *ConflictError
		if !errors.As(err, &ce) || ce.A != "c 1" || ce.B != "a 1" || ce.Field != "Conflicts" {
			t.Errorf("conflict: %#v, want *ConflictError", err)
		}
	})
}
