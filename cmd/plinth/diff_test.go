package main

import (
	"path/filepath"
	"strings"
	"testing"
)

func TestDiffCommand(t *testing.T) {
	dir := t.TempDir()
	oldRoot := cliRootfs(t, "amd64", "bash 5.2-1", "libc6 2.36-9")
	newRoot := cliRootfs(t, "amd64", "bash 5.2-2", "libc6 2.36-9", "tzdata 2024a")
	oldImage := "oci:" + filepath.Join(dir, "old")
	if r := runCLI(t, nil, "import", oldRoot, "-o", oldImage); r.code != 0 {
		t.Fatalf("import: exit %d: %s", r.code, r.stderr)
	}
	changes := "~ amd64/bash 5.2-1 -> 5.2-2\n+ amd64/tzdata 2024a\namd64: 1 added, 0 removed, 1 changed\n"
	tests := []struct {
		name       string
		args       []string
		wantCode   int
		wantStdout string
		wantStderr string
	}{
		{name: "changed", args: []string{"diff", oldImage, newRoot}, wantStdout: changes},
		{name: "changed, --exit-code", args: []string{"diff", "--exit-code", oldImage, newRoot}, wantCode: 1, wantStdout: changes},
		{name: "same, --exit-code", args: []string{"diff", "--exit-code", oldImage, oldRoot}, wantStdout: oldImage + " and " + oldRoot + " have the same packages\n"},
		{name: "one argument", args: []string{"diff", oldImage}, wantCode: 2, wantStderr: "diff needs two arguments"},
		{name: "missing", args: []string{"diff", oldImage, filepath.Join(dir, "x.lock")}, wantCode: 1, wantStderr: "plinth: reading lockfile"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := runCLI(t, nil, tt.args...)
			if r.code != tt.wantCode {
				t.Fatalf("exit status %d, want %d; stderr:\n%s", r.code, tt.wantCode, r.stderr)
			}
			if tt.wantStdout != "" && r.stdout != tt.wantStdout {
				t.Errorf("stdout:\n%s\nwant:\n%s", r.stdout, tt.wantStdout)
			}
			if !strings.Contains(r.stderr, tt.wantStderr) {
				t.Errorf("stderr %q does not contain %q", r.stderr, tt.wantStderr)
			}
			if tt.wantCode == 1 && tt.wantStderr == "" && r.stderr != "" {
				t.Errorf("--exit-code printed to stderr: %q", r.stderr)
			}
		})
	}
}
