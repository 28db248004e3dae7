package rootfs

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestEnsureTmp(t *testing.T) {
	tests := []struct {
		name  string
		setup func(t *testing.T, tree *Tree)
		want  map[string]string
	}{
		{
			name: "empty tree",
			want: map[string]string{"/tmp": "dir 01777 0:0", "/var": "dir 0755 0:0", "/var/tmp": "dir 01777 0:0"},
		},
		{
			name: "wrong modes and owners",
			setup: func(t *testing.T, tree *Tree) {
				mustDo(t, tree.MkdirAll("/tmp", 0o755, 1000, 1000))
				mustDo(t, tree.MkdirAll("/var", 0o755, 0, 0))
				mustDo(t, tree.MkdirAll("/var/tmp", 0o700, 0, 0))
				mustDo(t, tree.WriteFile("/tmp/keep", []byte("x"), 0o644, 0, 0))
			},
			want: map[string]string{"/tmp": "dir 01777 0:0", "/var": "dir 0755 0:0", "/var/tmp": "dir 01777 0:0"},
		},
		{
			name: "symlinked var/tmp",
			setup: func(t *testing.T, tree *Tree) {
				mustDo(t, tree.MkdirAll("/var", 0o755, 0, 0))
				mustDo(t, tree.Symlink("/tmp", "/var/tmp"))
			},
			want: map[string]string{"/tmp": "dir 01777 0:0", "/var": "dir 0755 0:0", "/var/tmp": "symlink 0777 0:0 -> /tmp"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tree := New()
			if tt.setup != nil {
				tt.setup(t, tree)
			}
			if err := EnsureTmp(tree); err != nil {
				t.Fatal(err)
			}
			dump := TreeDump(tree)
			got := map[string]string{}
			for p := range tt.want {
				got[p] = dump[p]
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("tree (-want +got):\n%s", diff)
			}
		})
	}
}

func TestEnsureTmpNotADirectory(t *testing.T) {
	tree := New()
	mustDo(t, tree.WriteFile("/tmp", []byte("oops"), 0o644, 0, 0))
	if err := EnsureTmp(tree); err == nil {
		t.Error("EnsureTmp accepted a file at /tmp")
	}
}
