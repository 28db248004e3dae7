package main

import (
	"bytes"
	"flag"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

var updateDocs = flag.Bool("update", false, "rewrite docs/cli.md from the command tree (make docs)")

// cliReferencePath is docs/cli.md, from this package's directory.
var cliReferencePath = filepath.Join("..", "..", "docs", "cli.md")

func newDocsRoot() []byte {
	return cliReference(newRootCommand(&env{getenv: func(string) string { return "" }, stdout: io.Discard, stderr: io.Discard}))
}

// TestCLIReference fails when docs/cli.md is not what the generator makes of
// the current command tree. `make docs` (this test with -update) rewrites it.
func TestCLIReference(t *testing.T) {
	want := newDocsRoot()
	if *updateDocs {
		if err := writeDocAtomic(cliReferencePath, want); err != nil {
			t.Fatal(err)
		}
		t.Logf("wrote %s", cliReferencePath)
		return
	}
	got, err := os.ReadFile(cliReferencePath)
	if err != nil {
		t.Fatalf("reading the CLI reference: %v; run `make docs` to generate docs/cli.md", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("docs/cli.md is out of date with the commands: run `make docs` and commit the result (-file +generated):\n%s",
			cmp.Diff(strings.Split(string(got), "\n"), strings.Split(string(want), "\n")))
	}
}

// TestCLIReferenceContent checks that the generator documents every command
// and flag, so a stale docs/cli.md is not the only thing the test can catch.
func TestCLIReferenceContent(t *testing.T) {
	doc := string(newDocsRoot())
	root := newRootCommand(&env{getenv: func(string) string { return "" }, stdout: io.Discard, stderr: io.Discard})
	if !strings.HasPrefix(doc, cliReferenceHeader) {
		t.Errorf("the reference does not start with the generated-file header %q", cliReferenceHeader)
	}
	for _, c := range root.Commands() {
		if c.Hidden {
			continue
		}
		t.Run(c.Name(), func(t *testing.T) {
			for _, want := range []string{"## " + c.CommandPath() + "\n", "(#" + anchor(c.CommandPath()) + ")", c.UseLine()} {
				if !strings.Contains(doc, want) {
					t.Errorf("the reference lacks %q", want)
				}
			}
			if usages := c.LocalFlags().FlagUsagesWrapped(0); !strings.Contains(doc, usages) {
				t.Errorf("the reference lacks the flags of %s:\n%s", c.CommandPath(), usages)
			}
		})
	}
	for _, want := range []string{"## plinth completion\n", "--quiet", "--verbose", "PLINTH_MIRROR_UBUNTU", "SOURCE_DATE_EPOCH", "| 2 | usage error"} {
		if !strings.Contains(doc, want) {
			t.Errorf("the reference lacks %q", want)
		}
	}
}

func TestCLIReferenceHelpers(t *testing.T) {
	anchors := []struct{ in, want string }{
		{"plinth build", "plinth-build"},
		{"plinth gen-docs", "plinth-gen-docs"},
		{"Exit status", "exit-status"},
		{"plinth (a/b)", "plinth-ab"},
	}
	for _, tc := range anchors {
		t.Run("anchor "+tc.in, func(t *testing.T) {
			if got := anchor(tc.in); got != tc.want {
				t.Errorf("anchor(%q) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
	t.Run("cell", func(t *testing.T) {
		if got, want := cell("oci:DIR | dir:DIR\nnext"), `oci:DIR \| dir:DIR next`; got != want {
			t.Errorf("cell = %q, want %q", got, want)
		}
	})
	t.Run("describe", func(t *testing.T) {
		root := newRootCommand(&env{getenv: func(string) string { return "" }, stdout: io.Discard, stderr: io.Discard})
		for _, c := range root.Commands() {
			if d := describe(c); d == "" || strings.HasSuffix(d, "\n") {
				t.Errorf("describe(%s) = %q: want a non-empty paragraph", c.Name(), d)
			}
		}
	})
}

// writeDocAtomic writes data to path through a temporary file in the same directory.
func writeDocAtomic(path string, data []byte) error {
	f, err := os.CreateTemp(filepath.Dir(path), ".cli.md.tmp-*")
	if err != nil {
		return err
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		os.Remove(f.Name())
		return err
	}
	if err := f.Close(); err != nil {
		os.Remove(f.Name())
		return err
	}
	if err := os.Chmod(f.Name(), 0o644); err != nil {
		os.Remove(f.Name())
		return err
	}
	return os.Rename(f.Name(), path)
}
