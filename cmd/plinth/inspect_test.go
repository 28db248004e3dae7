package main

import (
	"encoding/json"
	"path/filepath"
	"testing"
)

func TestInspectCommand(t *testing.T) {
	root := cliRootfs(t, "amd64", "zlib1g 1:1.3", "base-files 13")
	image := "oci:" + filepath.Join(t.TempDir(), "img")
	if r := runCLI(t, nil, "import", root, "-o", image); r.code != 0 {
		t.Fatalf("import: exit %d: %s", r.code, r.stderr)
	}
	tests := []struct {
		name       string
		args       []string
		wantCode   int
		wantStdout []string
		wantStderr string
	}{
		{name: "directory", args: []string{"inspect", root}, wantStdout: []string{"dir:" + root + " (rootfs)", "== amd64 ==", "base-files  13", "/var/lib/dpkg"}},
		{name: "image", args: []string{"inspect", image}, wantStdout: []string{"(image)", "platform:  linux/amd64", "layers:    1"}},
		{name: "top", args: []string{"inspect", image, "--top", "1"}, wantStdout: []string{"/var\n"}},
		{name: "no source", args: []string{"inspect"}, wantCode: 2, wantStderr: "inspect needs one SOURCE"},
		{name: "two sources", args: []string{"inspect", root, root}, wantCode: 2, wantStderr: "inspect needs one SOURCE"},
		{name: "missing", args: []string{"inspect", filepath.Join(root, "none")}, wantCode: 1, wantStderr: "plinth: reading " + filepath.Join(root, "none")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			checkCLI(t, runCLI(t, nil, tt.args...), tt.wantCode, tt.wantStdout, tt.wantStderr)
		})
	}
	t.Run("json", func(t *testing.T) {
		r := runCLI(t, nil, "inspect", image, "--json")
		if r.code != 0 {
			t.Fatalf("exit %d: %s", r.code, r.stderr)
		}
		var got struct {
			Kind          string
			Architectures []struct {
				Architecture string
				Packages     []struct{ Name, Version string }
			}
		}
		if err := json.Unmarshal([]byte(r.stdout), &got); err != nil {
			t.Fatalf("stdout is not JSON: %v\n%s", err, r.stdout)
		}
		if got.Kind != "image" || len(got.Architectures) != 1 || len(got.Architectures[0].Packages) != 2 || got.Architectures[0].Packages[0].Name != "base-files" {
			t.Errorf("JSON %+v: want one image architecture with base-files and zlib1g", got)
		}
	})
}
