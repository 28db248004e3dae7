package main

import (
	"io"
	"strings"
	"testing"
)

// TestHelpExamples checks that every command's --help shows examples.
func TestHelpExamples(t *testing.T) {
	root := newRootCommand(&env{getenv: func(string) string { return "" }, stdout: io.Discard, stderr: io.Discard})
	for _, name := range []string{"build", "show", "lock", "refresh", "inspect", "diff", "import", "index", "recipes", "version"} {
		t.Run(name, func(t *testing.T) {
			c, _, err := root.Find([]string{name})
			if err != nil || c == root {
				t.Fatalf("no command %s: %v", name, err)
			}
			if strings.TrimSpace(c.Example) == "" {
				t.Fatalf("plinth %s has no Example", name)
			}
			res := runCLI(t, nil, name, "--help")
			if res.code != 0 {
				t.Fatalf("plinth %s --help: exit %d\n%s", name, res.code, res.stderr)
			}
			if !strings.Contains(res.stdout, "Examples:\n") || !strings.Contains(res.stdout, "  plinth ") {
				t.Errorf("plinth %s --help shows no examples:\n%s", name, res.stdout)
			}
		})
	}
}

// TestCompletion checks cobra's `plinth completion SHELL` scripts and the
// completions they ask plinth for: commands, flags and built-in recipes.
func TestCompletion(t *testing.T) {
	scripts := []struct{ shell, want string }{
		{"bash", "__start_plinth"},
		{"zsh", "#compdef plinth"},
		{"fish", "complete -c plinth"},
	}
	for _, tc := range scripts {
		t.Run(tc.shell, func(t *testing.T) {
			res := runCLI(t, nil, "completion", tc.shell)
			if res.code != 0 || !strings.Contains(res.stdout, tc.want) {
				t.Errorf("plinth completion %s: exit %d, want a script with %q\nstdout: %.300s\nstderr: %s", tc.shell, res.code, tc.want, res.stdout, res.stderr)
			}
		})
	}
	asks := []struct {
		name string
		args []string
		want []string
		not  []string
	}{
		{"commands", []string{"b"}, []string{"build\t"}, []string{"show\t"}},
		{"flags", []string{"build", "--ar"}, []string{"--arch\t"}, []string{"--host-root", "--binfmt-dir"}},
		{"build recipes", []string{"build", "static", ""}, []string{"bookworm\tDebian 12", "static\t"}, nil},
		{"lock recipe", []string{"lock", ""}, []string{"busybox\t"}, nil},
		{"show package", []string{"show", "bookworm", ""}, nil, []string{"bookworm\t"}},
	}
	for _, tc := range asks {
		t.Run(tc.name, func(t *testing.T) {
			res := runCLI(t, nil, append([]string{"__complete"}, tc.args...)...)
			if res.code != 0 {
				t.Fatalf("plinth __complete %q: exit %d\n%s", tc.args, res.code, res.stderr)
			}
			for _, w := range tc.want {
				if !strings.Contains(res.stdout, w) {
					t.Errorf("plinth __complete %q lacks %q:\n%s", tc.args, w, res.stdout)
				}
			}
			for _, n := range tc.not {
				if strings.Contains(res.stdout, n) {
					t.Errorf("plinth __complete %q offers %q:\n%s", tc.args, n, res.stdout)
				}
			}
		})
	}
}
