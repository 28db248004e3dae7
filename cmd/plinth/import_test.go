package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// cliResult is what one run of plinth printed and returned.
type cliResult struct {
	code           int
	stdout, stderr string
}

// runCLI runs plinth with args and the given environment.
func runCLI(t *testing.T, env map[string]string, args ...string) cliResult {
	t.Helper()
	var stdout, stderr bytes.Buffer
	code := run(args, &stdout, &stderr, func(k string) string { return env[k] })
	return cliResult{code, stdout.String(), stderr.String()}
}

// checkCLI asserts a run's exit status, that stdout holds each of
// wantStdout and that stderr holds wantStderr.
func checkCLI(t *testing.T, r cliResult, wantCode int, wantStdout []string, wantStderr string) {
	t.Helper()
	if r.code != wantCode {
		t.Fatalf("exit status %d, want %d; stderr:\n%s", r.code, wantCode, r.stderr)
	}
	for _, w := range wantStdout {
		if !strings.Contains(r.stdout, w) {
			t.Errorf("stdout does not contain %q:\n%s", w, r.stdout)
		}
	}
	if !strings.Contains(r.stderr, wantStderr) {
		t.Errorf("stderr %q does not contain %q", r.stderr, wantStderr)
	}
}

// cliRootfs writes a root filesystem with a dpkg status of the given
// "name version" packages, all of architecture arch.
func cliRootfs(t *testing.T, arch string, pkgs ...string) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "rootfs")
	var status strings.Builder
	for i, p := range pkgs {
		name, version, _ := strings.Cut(p, " ")
		if i > 0 {
			status.WriteString("\n")
		}
		status.WriteString("Package: " + name + "\nStatus: install ok installed\nArchitecture: " + arch + "\nVersion: " + version + "\nInstalled-Size: 4\n")
	}
	files := map[string]string{
		"var/lib/dpkg/status": status.String(),
		"etc/os-release":      "ID=test\n",
	}
	for name, content := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// digestLine returns the sha256:... of the "wrote DEST (sha256:...)" line.
func digestLine(t *testing.T, out string) string {
	t.Helper()
	for _, line := range strings.Split(out, "\n") {
		if strings.HasPrefix(line, "wrote ") {
			if _, d, ok := strings.Cut(line, "(sha256:"); ok {
				return strings.TrimSuffix(d, ")")
			}
		}
	}
	t.Fatalf("no digest in the output:\n%s", out)
	return ""
}

func TestImportCommand(t *testing.T) {
	root := cliRootfs(t, "amd64", "hello 1.0")
	out := t.TempDir()
	tests := []struct {
		name       string
		env        map[string]string
		args       []string
		wantCode   int
		wantStdout string
		wantStderr string
		quiet      bool // nothing on stdout
	}{
		{name: "directory to layout", args: []string{"import", root, "-o", "oci:" + filepath.Join(out, "a"), "--cmd", `["/bin/sh","-c","echo hi"]`, "--env", "LANG=C", "--label", "a=b"},
			wantStdout: "wrote oci:" + filepath.Join(out, "a")},
		{name: "epoch from the environment", env: map[string]string{"SOURCE_DATE_EPOCH": "1700000000"},
			args: []string{"import", root, "-o", "oci:" + filepath.Join(out, "b"), "--arch", "arm64"}, wantStdout: "arm64"},
		{name: "quiet", args: []string{"-q", "import", root, "-o", "oci:" + filepath.Join(out, "c")}, quiet: true},
		{name: "no output", args: []string{"import", root}, wantCode: 2, wantStderr: "import needs -o DEST"},
		{name: "no source", args: []string{"import", "-o", "oci:x"}, wantCode: 2, wantStderr: "import needs one DIR or TAR"},
		{name: "bad label", args: []string{"import", root, "-o", "oci:x", "--label", "nolabel"}, wantCode: 2, wantStderr: `--label "nolabel" is not KEY=VALUE`},
		{name: "bad env", args: []string{"import", root, "-o", "oci:x", "--env", "X"}, wantCode: 2, wantStderr: `--env "X"`},
		{name: "bad cmd", args: []string{"import", root, "-o", "oci:x", "--cmd", `["unclosed"`}, wantCode: 2, wantStderr: "not a JSON array"},
		{name: "bad epoch", env: map[string]string{"SOURCE_DATE_EPOCH": "yesterday"}, args: []string{"import", root, "-o", "oci:x"}, wantCode: 2, wantStderr: "SOURCE_DATE_EPOCH"},
		{name: "unknown flag", args: []string{"import", root, "-o", "oci:x", "--bogus"}, wantCode: 2, wantStderr: "bogus"},
		{name: "missing source", args: []string{"import", filepath.Join(out, "none"), "-o", "oci:" + filepath.Join(out, "d")}, wantCode: 1, wantStderr: "plinth: reading " + filepath.Join(out, "none")},
		{name: "rootfs output", args: []string{"import", root, "-o", "dir:" + filepath.Join(out, "e")}, wantCode: 1, wantStderr: "import writes an image"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := runCLI(t, tt.env, tt.args...)
			if r.code != tt.wantCode {
				t.Fatalf("exit status %d, want %d; stderr:\n%s", r.code, tt.wantCode, r.stderr)
			}
			if !strings.Contains(r.stdout, tt.wantStdout) {
				t.Errorf("stdout %q does not contain %q", r.stdout, tt.wantStdout)
			}
			if tt.quiet && r.stdout != "" {
				t.Errorf("-q printed %q", r.stdout)
			}
			if !strings.Contains(r.stderr, tt.wantStderr) {
				t.Errorf("stderr %q does not contain %q", r.stderr, tt.wantStderr)
			}
		})
	}
}

func TestImportCommandReproducible(t *testing.T) {
	root := cliRootfs(t, "amd64", "hello 1.0")
	out := t.TempDir()
	var digests []string
	for i, env := range []map[string]string{nil, {"SOURCE_DATE_EPOCH": "0"}} {
		r := runCLI(t, env, "import", root, "-o", "oci:"+filepath.Join(out, string(rune('a'+i))))
		if r.code != 0 {
			t.Fatalf("run %d: exit %d: %s", i, r.code, r.stderr)
		}
		digests = append(digests, digestLine(t, r.stdout))
	}
	if digests[0] != digests[1] {
		t.Errorf("imports without an epoch and with epoch 0 differ: %v", digests)
	}
	r := runCLI(t, nil, "import", root, "-o", "oci:"+filepath.Join(out, "later"), "--source-date-epoch", "1")
	if r.code != 0 || digestLine(t, r.stdout) == digests[0] {
		t.Errorf("--source-date-epoch 1 gave exit %d and the epoch-0 digest", r.code)
	}
}

func TestCommandWords(t *testing.T) {
	tests := []struct {
		name string
		in   []string
		want []string
	}{
		{"json", []string{`["/bin/sh", "-c", "echo a b"]`}, []string{"/bin/sh", "-c", "echo a b"}},
		{"words", []string{"/bin/sleep  10"}, []string{"/bin/sleep", "10"}},
		{"appended", []string{"/bin/sh", `["-c","x y"]`}, []string{"/bin/sh", "-c", "x y"}},
		{"none", nil, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := commandWords("--cmd", tt.in)
			if err != nil {
				t.Fatal(err)
			}
			if strings.Join(got, "|") != strings.Join(tt.want, "|") || len(got) != len(tt.want) {
				t.Errorf("commandWords(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}
