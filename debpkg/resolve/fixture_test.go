package resolve

import (
	"strings"
	"testing"

	"github.com/plinth-build/plinth/debpkg"
)

// suite builds the candidates of one suite from deb822 text; stanzas
// without an Architecture are amd64.
func suite(t testing.TB, name, text string) []Candidate {
	t.Helper()
	paras, err := debpkg.ParseParagraphs(strings.NewReader(strings.TrimSpace(text) + "\n"))
	if err != nil {
		t.Fatalf("fixture %s: %v", name, err)
	}
	var out []Candidate
	for _, p := range paras {
		if p.Get("Architecture") == "" {
			p.Set("Architecture", "amd64")
		}
		pkg, err := debpkg.ParsePackage(p)
		if err != nil {
			t.Fatalf("fixture %s: %v", name, err)
		}
		out = append(out, Candidate{Package: pkg, Suite: name, Ref: name + "/" + pkg.Name})
	}
	return out
}

// archive concatenates suites, in order.
func archive(suites ...[]Candidate) []Candidate {
	var out []Candidate
	for _, s := range suites {
		out = append(out, s...)
	}
	return out
}

// names renders a plan as "name=version" in install order.
func names(p *Plan) []string {
	var out []string
	for _, c := range p.Packages {
		out = append(out, c.Name+"="+c.Version.String())
	}
	return out
}
