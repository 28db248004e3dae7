package resolve

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/plinth-build/plinth/debpkg"
	"github.com/xi2/xz"
)

// hostLists are the host's apt index copies for bookworm main amd64 and
// its pockets, named without the mirror (the host's, whatever it is).
var hostLists = []struct{ suite, glob string }{
	{"bookworm", "/var/lib/apt/lists/*_dists_bookworm_main_binary-amd64_Packages*"},
	{"bookworm-updates", "/var/lib/apt/lists/*_dists_bookworm-updates_main_binary-amd64_Packages*"},
	{"bookworm-security", "/var/lib/apt/lists/*_dists_bookworm-security_main_binary-amd64_Packages*"},
}

// loadBookworm returns the host's bookworm lists (plain or lz4, as apt
// keeps them), read once per test binary, or skips the test when they are
// absent.
func loadBookworm(tb testing.TB) []Candidate {
	tb.Helper()
	if testing.Short() {
		tb.Skip("reading the host's apt lists takes seconds; skipped with -short")
	}
	cands, err := bookworm()
	if errors.Is(err, errNoLists) {
		tb.Skipf("%v: run on a host with bookworm apt lists to test real data", err)
	}
	if err != nil {
		tb.Fatal(err)
	}
	return cands
}

var errNoLists = errors.New("no host apt list for bookworm main amd64")

var bookworm = sync.OnceValues(func() ([]Candidate, error) {
	var cands []Candidate
	for i, l := range hostLists {
		files, _ := filepath.Glob(l.glob)
		if len(files) == 0 {
			if i == 0 {
				return nil, fmt.Errorf("%w matches %s", errNoLists, l.glob)
			}
			continue
		}
		raw, err := os.ReadFile(files[0])
		if err != nil {
			return nil, err
		}
		if strings.HasSuffix(files[0], ".lz4") {
			if raw, err = unlz4(raw); err != nil {
				return nil, fmt.Errorf("decoding %s: %w", files[0], err)
			}
		}
		cs, err := readIndex(l.suite, bytes.NewReader(raw))
		if err != nil {
			return nil, err
		}
		cands = append(cands, cs...)
	}
	return cands, nil
})

func readIndex(suite string, r io.Reader) ([]Candidate, error) {
	paras, err := debpkg.ParseParagraphs(r)
	if err != nil {
		return nil, fmt.Errorf("parsing %s: %w", suite, err)
	}
	out := make([]Candidate, 0, len(paras))
	for _, p := range paras {
		pkg, err := debpkg.ParsePackage(p)
		if err != nil {
			return nil, fmt.Errorf("parsing %s: %w", suite, err)
		}
		out = append(out, Candidate{Package: pkg, Suite: suite})
	}
	return out, nil
}

func parseIndex(tb testing.TB, suite string, r io.Reader) []Candidate {
	tb.Helper()
	out, err := readIndex(suite, r)
	if err != nil {
		tb.Fatal(err)
	}
	return out
}

func TestResolveBookwormMinbase(t *testing.T) {
	cands := loadBookworm(t)
	plan, err := Resolve(cands, Options{Arch: "amd64", Variant: VariantMinbase, Avoid: []string{"usrmerge"}})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]bool{}
	for _, c := range plan.Packages {
		got[c.Name] = true
	}
	for _, want := range []string{"apt", "dpkg", "libc6", "bash", "base-files", "usr-is-merged"} {
		if !got[want] {
			t.Errorf("plan lacks %s", want)
		}
	}
	for _, unwanted := range []string{"usrmerge", "perl"} {
		if got[unwanted] {
			t.Errorf("plan has %s (%s)", unwanted, plan.Why[unwanted])
		}
	}
	if n := len(plan.Packages); n < 70 || n > 110 {
		t.Errorf("plan has %d packages, want 70-110:\n%s", n, planText(plan))
	}
	checkOrder(t, plan)
	bySuite := map[string]int{}
	for _, c := range plan.Packages {
		bySuite[c.Suite]++
	}
	t.Logf("bookworm minbase: %d packages, by suite %v", len(plan.Packages), bySuite)
}

// TestResolveBookwormMatchesAptChoice checks that without Avoid, the
// resolver takes usrmerge as apt (and so mmdebstrap) does, perl with it.
func TestResolveBookwormMatchesAptChoice(t *testing.T) {
	cands := loadBookworm(t)
	plan, err := Resolve(cands, Options{Arch: "amd64", Variant: VariantMinbase})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]bool{}
	for _, c := range plan.Packages {
		got[c.Name] = true
	}
	if !got["usrmerge"] || !got["perl"] {
		t.Errorf("plan without Avoid lacks usrmerge or perl:\n%s", planText(plan))
	}
	t.Logf("bookworm minbase without Avoid: %d packages", len(plan.Packages))
}

// TestResolveUbuntuFixture resolves what the frozen Ubuntu archive was
// built from (mmdebstrap, that is apt: minbase with apt, hello,
// ca-certificates and tzdata) and checks that every package chosen is one
// whose .deb the fixture holds, and that the counts match.
func TestResolveUbuntuFixture(t *testing.T) {
	if testing.Short() {
		t.Skip("decoding the Ubuntu fixture's indexes takes seconds; skipped with -short")
	}
	root := "../../../shared/fixtures/ubuntu-archive"
	if _, err := os.Stat(root); err != nil {
		t.Skipf("no Ubuntu fixture at %s: %v", root, err)
	}
	for _, tc := range []struct {
		suite string
		want  int
	}{{"focal", 96}, {"jammy", 105}} {
		t.Run(tc.suite, func(t *testing.T) {
			var cands []Candidate
			for _, pocket := range []string{tc.suite, tc.suite + "-updates", tc.suite + "-security"} {
				f, err := os.Open(filepath.Join(root, "dists", pocket, "main/binary-amd64/Packages.xz"))
				if err != nil {
					t.Fatal(err)
				}
				zr, err := xz.NewReader(f, 0)
				if err != nil {
					t.Fatal(err)
				}
				cands = append(cands, parseIndex(t, pocket, zr)...)
				f.Close()
			}
			plan, err := Resolve(cands, Options{Arch: "amd64", Variant: VariantMinbase,
				Include: []string{"apt", "hello", "ca-certificates", "tzdata"}, Avoid: []string{"usrmerge"}})
			if err != nil {
				t.Fatal(err)
			}
			for _, c := range plan.Packages {
				if _, err := os.Stat(filepath.Join(root, c.Filename)); err != nil {
					t.Errorf("%s %s (%s) is not what apt chose: %v", c.Name, c.Version, plan.Why[c.Name], err)
				}
			}
			if len(plan.Packages) != tc.want {
				t.Errorf("plan has %d packages, apt chose %d:\n%s", len(plan.Packages), tc.want, planText(plan))
			}
			checkOrder(t, plan)
		})
	}
}

// TestUnlz4MatchesTool cross-checks the test's lz4 decoder with lz4cat.
func TestUnlz4MatchesTool(t *testing.T) {
	files, _ := filepath.Glob("/var/lib/apt/lists/*_Packages.lz4")
	if len(files) == 0 {
		t.Skip("no lz4-compressed apt lists on this host")
	}
	if _, err := exec.LookPath("lz4cat"); err != nil {
		t.Skip("lz4cat not installed (Debian package lz4)")
	}
	sort.Strings(files)
	f := files[len(files)-1]
	raw, err := os.ReadFile(f)
	if err != nil {
		t.Fatal(err)
	}
	got, err := unlz4(raw)
	if err != nil {
		t.Fatal(err)
	}
	want, err := exec.Command("lz4cat", f).Output()
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("unlz4(%s) differs from lz4cat's output", f)
	}
}

func BenchmarkResolveMinbase(b *testing.B) {
	cands := loadBookworm(b)
	opts := Options{Arch: "amd64", Variant: VariantMinbase, Avoid: []string{"usrmerge"}}
	b.ResetTimer()
	for b.Loop() {
		if _, err := Resolve(cands, opts); err != nil {
			b.Fatal(err)
		}
	}
}

// planText lists a plan one package a line, for failure messages.
func planText(p *Plan) string {
	var b strings.Builder
	for _, c := range p.Packages {
		b.WriteString(c.String() + ": " + p.Why[c.Name] + "\n")
	}
	return b.String()
}

// checkOrder asserts that every package of the plan comes after the
// packages of the plan that meet its Pre-Depends (cycles aside, which a
// plan of real data has none of among Pre-Depends).
func checkOrder(t *testing.T, p *Plan) {
	t.Helper()
	pos := map[string]int{}
	for i, c := range p.Packages {
		pos[c.Name] = i
	}
	for i, c := range p.Packages {
		for _, alts := range c.PreDepends() {
			for _, d := range alts {
				if j, ok := pos[d.Name]; ok {
					if j > i {
						t.Errorf("%s comes before %s, which it pre-depends on", c.Name, d.Name)
					}
					break
				}
			}
		}
	}
}
