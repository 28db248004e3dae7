package debpkg

import (
	"bufio"
	"fmt"
	"math/rand"
	"os/exec"
	"strings"
	"testing"
)

func TestParseVersion(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want Version
		err  bool
	}{
		{"plain", "1.0", Version{Upstream: "1.0"}, false},
		{"revision", "2.36-9+deb12u4", Version{Upstream: "2.36", Revision: "9+deb12u4"}, false},
		{"epoch", "1:2.3-4", Version{Epoch: 1, Upstream: "2.3", Revision: "4"}, false},
		{"hyphen in upstream", "1.2-3-4", Version{Upstream: "1.2-3", Revision: "4"}, false},
		{"colon in upstream", "1:2:3-1", Version{Epoch: 1, Upstream: "2:3", Revision: "1"}, false},
		{"tilde", "1.0~rc1", Version{Upstream: "1.0~rc1"}, false},
		{"zero epoch kept for a colon", "0:0:", Version{Upstream: "0:"}, false},
		{"empty", "", Version{}, true},
		{"space inside", "1. 0", Version{}, true},
		{"bad epoch", "a:1.0", Version{}, true},
		{"empty revision", "1.0-", Version{}, true},
		{"letter first", "a1.0", Version{}, true},
		{"bad char", "1.0_1", Version{}, true},
		{"empty upstream", "1:-1", Version{}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseVersion(tt.in)
			if (err != nil) != tt.err {
				t.Fatalf("ParseVersion(%q) error = %v, want error %v", tt.in, err, tt.err)
			}
			if err == nil && got != tt.want {
				t.Errorf("ParseVersion(%q) = %#v, want %#v", tt.in, got, tt.want)
			}
			if err == nil && got.String() != tt.in {
				t.Errorf("String() = %q, want %q", got.String(), tt.in)
			}
		})
	}
}

func TestCompareVersions(t *testing.T) {
	tests := []struct {
		a, b string
		want int
	}{
		{"1.0", "1.0", 0},
		{"1.0", "1.1", -1},
		{"1.0~rc1", "1.0", -1},
		{"1.0~~", "1.0~", -1},
		{"1.0", "1.0+b1", -1},
		{"1.0a", "1.0", 1},
		{"1.0a", "1.0+", -1}, // letters sort before non-letters
		{"1:0.1", "2.0", 1},
		{"0:1.0", "1.0", 0},
		{"1.0-1", "1.0-1ubuntu1", -1},
		{"1.01", "1.1", 0},
		{"10", "9", 1},
		{"2.36-9+deb12u4", "2.36-9+deb12u10", -1},
		{"1.0-0", "1.0", 0},
	}
	for _, tt := range tests {
		t.Run(tt.a+" vs "+tt.b, func(t *testing.T) {
			got, err := CompareVersions(tt.a, tt.b)
			if err != nil {
				t.Fatal(err)
			}
			if got != tt.want {
				t.Errorf("CompareVersions(%q, %q) = %d, want %d", tt.a, tt.b, got, tt.want)
			}
		})
	}
}

// randomVersion makes versions dense in the corner cases: tildes, letters,
// leading zeros, epochs and revisions.
func randomVersion(r *rand.Rand) string {
	const alphabet = "0123456789~+.abzAZ"
	frag := func(n int) string {
		var b strings.Builder
		for i := 0; i < n; i++ {
			b.WriteByte(alphabet[r.Intn(len(alphabet))])
		}
		return b.String()
	}
	s := fmt.Sprint(r.Intn(3)) + frag(r.Intn(5))
	if r.Intn(4) == 0 {
		s = fmt.Sprintf("%d:%s", r.Intn(3), s)
	}
	if r.Intn(2) == 0 {
		s += "-" + fmt.Sprint(r.Intn(3)) + frag(r.Intn(3))
	}
	return s
}

func TestCompareAgainstDpkg(t *testing.T) {
	if _, err := exec.LookPath("dpkg"); err != nil {
		t.Skip("dpkg not installed: cannot cross-check version comparison")
	}
	n := 3000
	if testing.Short() {
		n = 300
	}
	r := rand.New(rand.NewSource(1))
	pairs := make([][2]string, n)
	for i := range pairs {
		pairs[i] = [2]string{randomVersion(r), randomVersion(r)}
	}
	// One shell process checks every pair: dpkg --compare-versions per pair.
	var script strings.Builder
	for _, p := range pairs {
		fmt.Fprintf(&script, "if dpkg --compare-versions '%s' lt '%s'; then echo -1; elif dpkg --compare-versions '%s' eq '%s'; then echo 0; else echo 1; fi\n", p[0], p[1], p[0], p[1])
	}
	cmd := exec.Command("sh")
	cmd.Stdin = strings.NewReader(script.String())
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("running dpkg: %v", err)
	}
	sc := bufio.NewScanner(strings.NewReader(string(out)))
	for i := 0; sc.Scan(); i++ {
		want := 0
		fmt.Sscan(sc.Text(), &want)
		got, err := CompareVersions(pairs[i][0], pairs[i][1])
		if err != nil {
			t.Fatalf("pair %d: %v", i, err)
		}
		if got != want {
			t.Errorf("Compare(%q, %q) = %d, dpkg says %d", pairs[i][0], pairs[i][1], got, want)
		}
	}
}

func TestCompareLaws(t *testing.T) {
	r := rand.New(rand.NewSource(2))
	vs := make([]Version, 300)
	for i := range vs {
		v, err := ParseVersion(randomVersion(r))
		if err != nil {
			t.Fatal(err)
		}
		vs[i] = v
	}
	for _, a := range vs {
		if a.Compare(a) != 0 {
			t.Fatalf("%s not equal to itself", a)
		}
		for _, b := range vs {
			ab, ba := a.Compare(b), b.Compare(a)
			if ab != -ba {
				t.Fatalf("antisymmetry: %s vs %s = %d, reverse %d", a, b, ab, ba)
			}
		}
	}
	for _, a := range vs[:60] {
		for _, b := range vs[:60] {
			for _, c := range vs[:60] {
				if a.Compare(b) <= 0 && b.Compare(c) <= 0 && a.Compare(c) > 0 {
					t.Fatalf("transitivity: %s <= %s <= %s but %s > %s", a, b, c, a, c)
				}
			}
		}
	}
}

func FuzzVersion(f *testing.F) {
	for _, s := range []string{"1.0", "1:2.3-4", "1.0~rc1", "2.36-9+deb12u4", "0:0-0", "1:2:3-1-2", "0:0:"} {
		f.Add(s, "1.0")
	}
	f.Fuzz(func(t *testing.T, a, b string) {
		va, err := ParseVersion(a)
		if err != nil {
			return
		}
		again, err := ParseVersion(va.String())
		if err != nil || again.Compare(va) != 0 {
			t.Fatalf("round trip of %q: %v %v", a, again, err)
		}
		vb, err := ParseVersion(b)
		if err != nil {
			return
		}
		if va.Compare(vb) != -vb.Compare(va) {
			t.Fatalf("antisymmetry broken for %q %q", a, b)
		}
	})
}

func BenchmarkCompareVersions(b *testing.B) {
	x, _ := ParseVersion("1:2.36-9+deb12u4")
	y, _ := ParseVersion("1:2.36-9+deb12u10")
	for b.Loop() {
		x.Compare(y)
	}
}
