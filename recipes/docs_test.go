package recipes

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestDocsExamples keeps docs/recipes.md honest: every TOML example parses
// strictly, and the complete ones (with format = 1) load and validate.
func TestDocsExamples(t *testing.T) {
	doc, err := os.ReadFile(filepath.Join("..", "docs", "recipes.md"))
	if os.IsNotExist(err) {
		t.Skip("docs/recipes.md is not beside this package (not a source checkout)")
	}
	if err != nil {
		t.Fatal(err)
	}
	blocks := tomlBlocks(string(doc))
	if len(blocks) < 5 {
		t.Fatalf("found %d TOML examples in docs/recipes.md, want at least 5", len(blocks))
	}
	dir := t.TempDir()
	for i, block := range blocks {
		name := strings.SplitN(block, "\n", 2)[0]
		t.Run(name, func(t *testing.T) {
			if _, err := Parse("docs/recipes.md", []byte(block)); err != nil {
				t.Fatalf("example %d:\n%s\n%v", i, block, err)
			}
			if !strings.Contains(block, "format = 1") {
				return
			}
			file := filepath.Join(dir, "example.toml")
			if err := os.WriteFile(file, []byte(block), 0o644); err != nil {
				t.Fatal(err)
			}
			if _, err := Load(file); err != nil {
				t.Errorf("example %d:\n%s\n%v", i, block, err)
			}
		})
	}
}

// tomlBlocks returns the bodies of the ```toml fences in a markdown text.
func tomlBlocks(md string) []string {
	var blocks []string
	for _, part := range strings.Split(md, "```toml\n")[1:] {
		body, _, _ := strings.Cut(part, "```")
		blocks = append(blocks, body)
	}
	return blocks
}
