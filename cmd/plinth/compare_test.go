package main

// TestCompareMmdebstrap runs scripts/compare-mmdebstrap: it builds a recipe
// with plinth and the same name=version package set with mmdebstrap
// --variant=custom, and fails on any difference the script's allow-list
// does not explain (see docs/mmdebstrap-comparison.md).

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// compareExitMirror is the script's exit status when -n finds a mirror
// unreachable (see scripts/compare-mmdebstrap).
const compareExitMirror = 3

func TestCompareMmdebstrap(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: the mmdebstrap comparison builds two images per recipe from a mirror")
	}
	if os.Geteuid() != 0 {
		t.Skip("not root: plinth's chroot configure and mmdebstrap's root mode need root")
	}
	for _, tool := range []string{"mmdebstrap", "bash", "python3", "curl"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s is not installed, skipping the mmdebstrap comparison (apt-get install %s)", tool, tool)
		}
	}
	root := e2eModuleRoot(t)
	script := filepath.Join(root, "scripts", "compare-mmdebstrap")
	plinth := filepath.Join(t.TempDir(), "plinth")
	build := exec.Command("go", "build", "-o", plinth, ".")
	build.Env = append(os.Environ(), "CGO_ENABLED=0") // static, as make build: the stand-ins need it
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("building plinth: %v\n%s", err, out)
	}
	for _, recipe := range []string{"bookworm", "focal"} { // jammy: run the script by hand; CI time is kept for the rest
		t.Run(recipe, func(t *testing.T) {
			env := append(os.Environ(), "PLINTH="+plinth, "TMPDIR="+t.TempDir())
			probe := exec.Command("bash", script, "-n", recipe)
			probe.Env = env
			if out, err := probe.CombinedOutput(); err != nil {
				var exit *exec.ExitError
				if errors.As(err, &exit) && exit.ExitCode() == compareExitMirror {
					t.Skipf("the mirror for %s is unreachable, skipping: %s", recipe, bytes.TrimSpace(out))
				}
				t.Fatalf("compare-mmdebstrap -n %s: %v\n%s", recipe, err, out)
			}
			cmd := exec.Command("bash", script, recipe)
			cmd.Env = env
			out, err := cmd.CombinedOutput()
			if err != nil {
				t.Fatalf("compare-mmdebstrap %s: %v; its report:\n%s", recipe, err, out)
			}
			t.Logf("compare-mmdebstrap %s:\n%s", recipe, out)
		})
	}
}
