package debpkg

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func mustVersion(t *testing.T, s string) Version {
	t.Helper()
	v, err := ParseVersion(s)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func TestParseRelation(t *testing.T) {
	v := func(s string) Version { return mustVersion(t, s) }
	tests := []struct {
		name string
		in   string
		want Relation
	}{
		{"empty", "", nil},
		{"simple", "libc6", Relation{{{Name: "libc6"}}}},
		{"versions", "libc6 (>= 2.36), dpkg (<< 1.22), x (= 1:2-3), y (<= 1), z (>> 0.1)", Relation{
			{{Name: "libc6", Op: OpGreaterEq, Version: v("2.36")}},
			{{Name: "dpkg", Op: OpLess, Version: v("1.22")}},
			{{Name: "x", Op: OpEq, Version: v("1:2-3")}},
			{{Name: "y", Op: OpLessEq, Version: v("1")}},
			{{Name: "z", Op: OpGreater, Version: v("0.1")}},
		}},
		{"alternatives", "usrmerge | usr-is-merged (>= 35)", Relation{{
			{Name: "usrmerge"}, {Name: "usr-is-merged", Op: OpGreaterEq, Version: v("35")},
		}}},
		{"qualifiers", "python3:any (>= 3.11), libc6:native, gcc:amd64", Relation{
			{{Name: "python3", Qualifier: "any", Op: OpGreaterEq, Version: v("3.11")}},
			{{Name: "libc6", Qualifier: "native"}},
			{{Name: "gcc", Qualifier: "amd64"}},
		}},
		{"no space before paren, obsolete ops", "a(>1), b (<2)", Relation{
			{{Name: "a", Op: OpGreaterEq, Version: v("1")}},
			{{Name: "b", Op: OpLessEq, Version: v("2")}},
		}},
		{"arch list and profiles", "libc6-dev [amd64 arm64] <!nocheck>", Relation{
			{{Name: "libc6-dev", Archs: []string{"amd64", "arm64"}, Profiles: []string{"!nocheck"}}},
		}},
		{"multi-line and trailing comma", "a,\n b ,", Relation{{{Name: "a"}}, {{Name: "b"}}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseRelation(tt.in)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestParseRelationErrors(t *testing.T) {
	for _, in := range []string{"a (>= )", "a (>= 1", "a (~ 1)", "a | ", "(>= 1)", "a [amd64", "a:", "A_b!", "a (>= 1) (<< 2)", "a junk", "a []"} {
		t.Run(in, func(t *testing.T) {
			if r, err := ParseRelation(in); err == nil {
				t.Errorf("ParseRelation(%q) = %v, want error", in, r)
			}
		})
	}
}

func TestSatisfies(t *testing.T) {
	tests := []struct {
		dep  string
		ver  string
		want bool
	}{
		{"a", "1.0", true},
		{"a", "", true},
		{"a (>= 2)", "", false},
		{"a (>= 2)", "2", true},
		{"a (>= 2)", "1.9", false},
		{"a (<< 2)", "2~rc1", true},
		{"a (<< 2)", "2", false},
		{"a (<= 2)", "2", true},
		{"a (= 1:2)", "1:2", true},
		{"a (= 1:2)", "2", false},
		{"a (>> 2)", "2.0.1", true},
		{"a (>> 2)", "2", false},
	}
	for _, tt := range tests {
		t.Run(tt.dep+" by "+tt.ver, func(t *testing.T) {
			r, err := ParseRelation(tt.dep)
			if err != nil {
				t.Fatal(err)
			}
			var v Version
			if tt.ver != "" {
				v = mustVersion(t, tt.ver)
			}
			if got := r[0][0].Satisfies(v); got != tt.want {
				t.Errorf("Satisfies = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestAppliesTo(t *testing.T) {
	tests := []struct {
		archs []string
		arch  string
		want  bool
	}{
		{nil, "amd64", true},
		{[]string{"amd64", "arm64"}, "arm64", true},
		{[]string{"amd64"}, "arm64", false},
		{[]string{"!amd64"}, "amd64", false},
		{[]string{"!amd64"}, "arm64", true},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.archs, ",")+"/"+tt.arch, func(t *testing.T) {
			if got := (Dep{Name: "x", Archs: tt.archs}).AppliesTo(tt.arch); got != tt.want {
				t.Errorf("AppliesTo = %v, want %v", got, tt.want)
			}
		})
	}
}

func FuzzRelation(f *testing.F) {
	for _, s := range []string{"a", "a (>= 1), b | c:any (<< 2) [amd64] <!nocheck>", "libc6 (>= 2.36)"} {
		f.Add(s)
	}
	for _, s := range []string{"a,", ",a", "a |", "| a", "a,,b", " a | b , c ", "a (>= )"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		r, err := ParseRelation(in)
		if checkErr := CheckRelation(in); (checkErr == nil) != (err == nil) {
			t.Fatalf("%q: CheckRelation says %v, ParseRelation %v: Package's relation methods rely on them agreeing", in, checkErr, err)
		}
		if err != nil {
			return
		}
		again, err := ParseRelation(r.String())
		if err != nil {
			t.Fatalf("re-parsing %q (from %q): %v", r.String(), in, err)
		}
		if again.String() != r.String() {
			t.Fatalf("round trip %q -> %q", r.String(), again.String())
		}
	})
}
