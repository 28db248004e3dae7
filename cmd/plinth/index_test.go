package main

import (
	"path/filepath"
	"strings"
	"testing"
)

func TestIndexCommand(t *testing.T) {
	dir := t.TempDir()
	images := map[string]string{}
	for _, arch := range []string{"amd64", "arm64"} {
		images[arch] = "oci:" + filepath.Join(dir, arch)
		if r := runCLI(t, nil, "import", cliRootfs(t, arch, "bash 5"), "-o", images[arch]); r.code != 0 {
			t.Fatalf("import %s: exit %d: %s", arch, r.code, r.stderr)
		}
	}
	amd2 := "oci:" + filepath.Join(dir, "amd64-again")
	if r := runCLI(t, nil, "import", cliRootfs(t, "amd64", "bash 6"), "-o", amd2); r.code != 0 {
		t.Fatalf("import: exit %d: %s", r.code, r.stderr)
	}
	out := "oci:" + filepath.Join(dir, "index")
	tests := []struct {
		name       string
		args       []string
		wantCode   int
		wantStdout []string
		wantStderr string
	}{
		{name: "two platforms", args: []string{"index", "-o", out, images["amd64"], images["arm64"]},
			wantStdout: []string{"linux/amd64: sha256:", "linux/arm64/v8: sha256:", "wrote " + out + " (sha256:"}},
		{name: "duplicate platform", args: []string{"index", "-o", out, images["amd64"], amd2}, wantCode: 1,
			wantStderr: "plinth: " + images["amd64"] + " and " + amd2 + " are both linux/amd64"},
		{name: "no output", args: []string{"index", images["amd64"]}, wantCode: 2, wantStderr: "index needs -o DEST"},
		{name: "no images", args: []string{"index", "-o", out}, wantCode: 2, wantStderr: "index needs at least one IMAGE"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			checkCLI(t, runCLI(t, nil, tt.args...), tt.wantCode, tt.wantStdout, tt.wantStderr)
		})
	}
	r := runCLI(t, nil, "inspect", out)
	if r.code != 0 || !strings.Contains(r.stdout, "== amd64 ==") || !strings.Contains(r.stdout, "== arm64 ==") {
		t.Errorf("inspecting the index: exit %d, stdout:\n%s", r.code, r.stdout)
	}
}
