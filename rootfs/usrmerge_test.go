package rootfs

import (
	"testing"
)

func TestMergeUsr(t *testing.T) {
	tree := New()
	must(t, tree.MergeUsr([]string{"lib64"}))
	must(t, tree.MergeUsr([]string{"lib64"})) // again: harmless
	// What libc6 (amd64) and friends ship, in their pre-/usr-move layout.
	_, err := extractInto(t, tree, "libc6",
		specDir("./"), specDir("./lib/"), specDir("./lib/x86_64-linux-gnu/"),
		spec{name: "./lib/x86_64-linux-gnu/ld-linux-x86-64.so.2", typ: '0', mode: 0o755, data: "ld"},
		specDir("./lib64/"),
		specLink("./lib64/ld-linux-x86-64.so.2", "/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2"),
		specDir("./usr/"), specDir("./usr/lib/"), specDir("./usr/lib/x86_64-linux-gnu/"),
		specLink("./usr/lib/x86_64-linux-gnu/ld.so", "../../lib64/ld-linux-x86-64.so.2"),
		specDir("./sbin/"), spec{name: "./sbin/ldconfig", typ: '0', mode: 0o755, data: "ldconfig"},
		specDir("./usr/sbin/"), specLink("./usr/sbin/ldconfig2", "../../sbin/ldconfig"),
	)
	must(t, err)
	checkInvariants(t, tree)
	mustDump(t, tree, map[string]string{
		"/bin":                            "symlink 0777 0:0 -> usr/bin",
		"/sbin":                           "symlink 0777 0:0 -> usr/sbin",
		"/lib":                            "symlink 0777 0:0 -> usr/lib",
		"/lib64":                          "symlink 0777 0:0 -> usr/lib64",
		"/usr/bin":                        "dir 0755 0:0",
		"/usr/lib64/ld-linux-x86-64.so.2": "symlink 0777 0:0 -> /lib/x86_64-linux-gnu/ld-linux-x86-64.so.2",
		"/usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2": TreeDump(tree)["/usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2"],
		"/lib/x86_64-linux-gnu":                          "",
		"/usr/sbin/ldconfig":                             TreeDump(tree)["/usr/sbin/ldconfig"],
	})
	for p, want := range map[string]string{
		"/lib64/ld-linux-x86-64.so.2":     "ld",
		"/usr/lib64/ld-linux-x86-64.so.2": "ld",
		"/lib/x86_64-linux-gnu/ld.so":     "ld",
		"/usr/lib/x86_64-linux-gnu/ld.so": "ld",
		"/sbin/ldconfig":                  "ldconfig",
		"/usr/sbin/ldconfig2":             "ldconfig",
		"/bin/../lib64/../sbin/ldconfig2": "ldconfig",
	} {
		data, err := tree.ReadFile(p)
		if err != nil || string(data) != want {
			t.Errorf("ReadFile(%s) = %q, %v; want %q", p, data, err, want)
		}
	}
	if n, ok := tree.Get("/usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2"); !ok || n.Type != TypeReg {
		t.Errorf("the loader is not a file in /usr/lib: %+v", n)
	}

	t.Run("errors", func(t *testing.T) {
		for name, libDirs := range map[string][]string{"slash": {"usr/lib64"}, "dotdot": {".."}, "empty": {""}} {
			if err := New().MergeUsr(libDirs); err == nil {
				t.Errorf("%s: MergeUsr(%q) succeeded", name, libDirs)
			}
		}
		tree := New()
		must(t, tree.MkdirAll("/bin", 0o755, 0, 0))
		if err := tree.MergeUsr(nil); err == nil {
			t.Error("MergeUsr over a /bin directory succeeded")
		}
	})
}
