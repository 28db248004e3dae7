package rootfs

import (
	"archive/tar"
	"bytes"
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestExtractHostile(t *testing.T) {
	dataX := TreeDump(func() *Tree { tr := New(); must(t, tr.WriteFile("/x", []byte("x"), 0o644, 0, 0)); return tr }())["/x"]
	tests := []struct {
		name    string
		entries []spec
		err     string            // substring of the *ExtractError; "" for success
		errIs   error             // also wrapped, if set
		want    map[string]string // TreeDump lines; "" means absent
	}{
		{name: "dotdot", entries: []spec{specFile("../../x", "x")}, err: `".." component`},
		{name: "inner dotdot", entries: []spec{specDir("./a/"), specFile("./a/../x", "x")}, err: `".." component`},
		{name: "absolute", entries: []spec{specFile("/etc/x", "x")}, err: "absolute name"},
		{
			name:    "symlink to /tmp then through it",
			entries: []spec{specDir("./tmp/"), specLink("./d", "/tmp"), specFile("./d/f", "x")},
			want:    map[string]string{"/tmp/f": "file 0644 0:0 2d711642b726", "/d/f": "", "/d": "symlink 0777 0:0 -> /tmp"},
		},
		{
			name:    "symlink to a missing dir",
			entries: []spec{specLink("./d", "/tmp/deep"), specFile("./d/f", "x")},
			want:    map[string]string{"/tmp/deep/f": "file 0644 0:0 2d711642b726", "/tmp/deep": "dir 0755 0:0"},
		},
		{
			name:    "symlink up and out",
			entries: []spec{specDir("./a/"), specLink("./a/d", "../../.."), specFile("./a/d/f", "x"), specFile("./a/d/etc/g", "x")},
			want:    map[string]string{"/f": dataX, "/etc/g": dataX, "/a/d/f": ""},
		},
		{name: "hardlink out", entries: []spec{specHard("./h", "../../etc/shadow")}, err: `".." component`},
		{name: "hardlink absolute", entries: []spec{specHard("./h", "/etc/shadow")}, err: "absolute name"},
		{name: "hardlink missing", entries: []spec{specHard("./h", "./etc/shadow")}, err: "not an existing regular file", errIs: ErrNotExist},
		{name: "hardlink to dir", entries: []spec{specDir("./d/"), specHard("./h", "./d")}, err: "not an existing regular file", errIs: ErrNotRegular},
		{name: "hardlink to symlink", entries: []spec{specFile("./f", "x"), specLink("./s", "f"), specHard("./h", "./s")}, err: "not an existing regular file"},
		{name: "hardlink to root", entries: []spec{specHard("./h", "./")}, err: "not an existing regular file"},
		{name: "hardlink to itself", entries: []spec{specFile("./f", "x"), specHard("./f", "./f")}, err: "itself"},
		{
			name:    "hardlink through a symlink",
			entries: []spec{specDir("./real/"), specFile("./real/f", "x"), specLink("./s", "real"), specHard("./h", "./s/f")},
			want:    map[string]string{"/h": dataX, "/real/f": "hardlink -> /h"}, // the content moves to the first name
		},
		{
			name:    "hardlink sorting first takes the content",
			entries: []spec{specDir("./z/"), specFile("./z/f", "x"), specHard("./a", "./z/f")},
			want:    map[string]string{"/a": dataX, "/z/f": "hardlink -> /a"},
		},
		{
			name: "modes and owners",
			entries: []spec{
				{name: "./su", typ: tar.TypeReg, mode: 0o4755, data: "x"},
				{name: "./mail/", typ: tar.TypeDir, mode: 0o2775, uid: 8, gid: 8},
				{name: "./tmp/", typ: tar.TypeDir, mode: 0o1777},
				{name: "./mail/f", typ: tar.TypeReg, mode: 0o100640, uid: 1000, gid: 50, data: "x"},
			},
			want: map[string]string{"/su": "file 04755 0:0 2d711642b726", "/mail": "dir 02775 8:8", "/tmp": "dir 01777 0:0", "/mail/f": "file 0640 1000:50 2d711642b726"},
		},
		{
			name: "devices and fifo",
			entries: []spec{
				specDir("./dev/"),
				{name: "./dev/null", typ: tar.TypeChar, mode: 0o666, major: 1, minor: 3},
				{name: "./dev/sda", typ: tar.TypeBlock, mode: 0o660, gid: 6, major: 8},
				{name: "./dev/initctl", typ: tar.TypeFifo, mode: 0o600},
			},
			want: map[string]string{"/dev/null": "char 0666 0:0 1,3", "/dev/sda": "block 0660 0:6 8,0", "/dev/initctl": "fifo 0600 0:0"},
		},
		{name: "whiteout", entries: []spec{specFile("./.wh.x", "")}, err: "whiteout"},
		{name: "opaque whiteout", entries: []spec{specDir("./a/"), specFile("./a/.wh..wh..opq", "")}, err: "whiteout"},
		{name: "whiteout dir", entries: []spec{specDir("./.wh.a/")}, err: "whiteout"},
		{name: "unknown typeflag", entries: []spec{{name: "./x", typ: 'Q'}}, err: "unsupported entry type"},
		{name: "contiguous file", entries: []spec{{name: "./x", typ: tar.TypeCont}}, err: "unsupported entry type"},
		{name: "10 KB PAX path", entries: []spec{specFile("./"+strings.Repeat("a/", 5000)+"x", "x")}, err: "longer than 4095"},
		{name: "long component", entries: []spec{specFile("./"+strings.Repeat("a", 256), "x")}, err: "longer than 255"},
		{
			name:    "300-byte PAX path lands",
			entries: []spec{specFile("./"+strings.Repeat("d/", 150)+"x", "x")},
			want:    map[string]string{"/" + strings.Repeat("d/", 150) + "x": dataX},
		},
		{name: "empty symlink target", entries: []spec{specLink("./s", "")}, err: "symlink target"},
		{name: "symlink loop parent", entries: []spec{specLink("./l1", "l2"), specLink("./l2", "l1"), specFile("./l1/f", "x")}, err: "resolving", errIs: ErrSymlinkLoop},
		{name: "file as parent", entries: []spec{specFile("./f", "x"), specFile("./f/g", "x")}, err: "resolving", errIs: ErrNotDir},
		{name: "file over dir", entries: []spec{specDir("./d/"), specFile("./d", "x")}, err: "would replace directory /d"},
		{
			name:    "symlink over dir keeps the dir",
			entries: []spec{specDir("./d/"), specFile("./d/f", "x"), specLink("./d", "elsewhere")},
			want:    map[string]string{"/d": "dir 0755 0:0", "/d/f": dataX},
		},
		{
			name:    "names without ./ and the root entry",
			entries: []spec{specDir("./"), specDir("."), specDir("usr/"), specFile("usr//x", "x")},
			want:    map[string]string{"/": "dir 0755 0:0", "/usr/x": dataX},
		},
		{
			name:    "missing parents are made",
			entries: []spec{specFile("./a/b/c", "x")},
			want:    map[string]string{"/a": "dir 0755 0:0", "/a/b": "dir 0755 0:0", "/a/b/c": dataX},
		},
		{
			name:    "later entry of the same package replaces",
			entries: []spec{specFile("./f", "y"), specLink("./f", "x"), specFile("./g", "x"), specFile("./g", "x")},
			want:    map[string]string{"/f": "symlink 0777 0:0 -> x", "/g": dataX},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tree := New()
			_, err := extractInto(t, tree, "pkg", tc.entries...)
			checkInvariants(t, tree)
			if tc.err != "" {
				var ee *ExtractError
				if !errors.As(err, &ee) || !strings.Contains(err.Error(), tc.err) || ee.Package != "pkg" {
					t.Fatalf("got error %v, want an *ExtractError of package pkg containing %q", err, tc.err)
				}
				if tc.errIs != nil && !errors.Is(err, tc.errIs) {
					t.Errorf("error %v does not wrap %v", err, tc.errIs)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			mustDump(t, tree, tc.want)
			if n, _ := tree.Get("/tmp/f"); n != nil && n.Owner != "pkg" {
				t.Errorf("owner = %q, want pkg", n.Owner)
			}
		})
	}
}

func TestExtractList(t *testing.T) {
	tree := New()
	must(t, tree.MergeUsr(nil))
	exclude, err := PruneFilter([]string{"docs"}, nil)
	must(t, err)
	entries := []spec{
		specDir("./"), specDir("./bin/"), specFile("./bin/p", "p"), specHard("./bin/p2", "./bin/p"),
		specDir("./usr/"), specDir("./usr/share/"), specDir("./usr/share/doc/"), specDir("./usr/share/doc/p/"),
		specFile("./usr/share/doc/p/copyright", "c"), specFile("./usr/share/doc/p/changelog.gz", "c"),
		specHard("./usr/share/doc/p/changelog2.gz", "./usr/share/doc/p/changelog.gz"),
		specLink("./usr/share/doc/q", "p"),
	}
	list, err := tree.Extract(tar.NewReader(bytes.NewReader(specTar(t, entries...))), ExtractOptions{Package: "p", Exclude: exclude.Exclude})
	must(t, err)
	want := []string{"/.", "/bin", "/bin/p", "/bin/p2", "/usr", "/usr/share", "/usr/share/doc", "/usr/share/doc/p", "/usr/share/doc/p/copyright"}
	if diff := cmp.Diff(want, list); diff != "" {
		t.Errorf("list (-want +got):\n%s", diff)
	}
	mustDump(t, tree, map[string]string{
		"/bin":                           "symlink 0777 0:0 -> usr/bin",
		"/usr/bin/p":                     "file 0644 0:0 148de9c5a7a4",
		"/usr/bin/p2":                    "hardlink -> /usr/bin/p",
		"/usr/share/doc/p/changelog.gz":  "",
		"/usr/share/doc/p/changelog2.gz": "",
		"/usr/share/doc/q":               "",
		"/usr/share/doc/p/copyright":     "file 0644 0:0 2e7d2c03a950",
	})
	if n, _ := tree.Get("/usr/bin"); n.Owner != "p" {
		t.Errorf("/usr/bin (made by MergeUsr) owner = %q, want p (the first package shipping it)", n.Owner)
	}
	checkInvariants(t, tree)
}

func TestExtractConflicts(t *testing.T) {
	tests := []struct {
		name       string
		first      []spec
		second     []spec
		mayReplace func(string) bool
		conflict   *ConflictError
		wantOwner  string // of /usr/bin/x after both
	}{
		{name: "same file", first: []spec{specFile("./usr/bin/x", "a")}, second: []spec{specFile("./usr/bin/x", "b")},
			conflict: &ConflictError{Path: "/usr/bin/x", Package: "b", Owner: "a"}},
		{name: "through merged usr", first: []spec{specFile("./bin/x", "a")}, second: []spec{specFile("./usr/bin/x", "b")},
			conflict: &ConflictError{Path: "/usr/bin/x", Package: "b", Owner: "a"}},
		{name: "symlink over file", first: []spec{specFile("./usr/bin/x", "a")}, second: []spec{specLink("./usr/bin/x", "y")},
			conflict: &ConflictError{Path: "/usr/bin/x", Package: "b", Owner: "a"}},
		{name: "dir over file", first: []spec{specFile("./usr/bin/x", "a")}, second: []spec{specDir("./usr/bin/x/")},
			conflict: &ConflictError{Path: "/usr/bin/x", Package: "b", Owner: "a"}},
		{name: "replaces", first: []spec{specFile("./usr/bin/x", "a")}, second: []spec{specFile("./usr/bin/x", "b")},
			mayReplace: func(o string) bool { return o == "a" }, wantOwner: "b"},
		{name: "replaces someone else", first: []spec{specFile("./usr/bin/x", "a")}, second: []spec{specFile("./usr/bin/x", "b")},
			mayReplace: func(o string) bool { return o == "c" }, conflict: &ConflictError{Path: "/usr/bin/x", Package: "b", Owner: "a"}},
		{name: "shared dirs", first: []spec{specDir("./usr/"), specDir("./usr/bin/"), specFile("./usr/bin/x", "a")},
			second: []spec{specDir("./usr/"), specDir("./usr/bin/"), specDir("./bin/")}, wantOwner: "a"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tree := New()
			must(t, tree.MergeUsr(nil))
			_, err := extractInto(t, tree, "a", tc.first...)
			must(t, err)
			_, err = tree.Extract(tar.NewReader(bytes.NewReader(specTar(t, tc.second...))), ExtractOptions{Package: "b", MayReplace: tc.mayReplace})
			if tc.conflict != nil {
				var ce *ConflictError
				if !errors.As(err, &ce) {
					t.Fatalf("got %v, want a *ConflictError", err)
				}
				if diff := cmp.Diff(tc.conflict, ce); diff != "" {
					t.Errorf("conflict (-want +got):\n%s", diff)
				}
				return
			}
			must(t, err)
			if n, _ := tree.Get("/usr/bin/x"); n == nil || n.Owner != tc.wantOwner {
				t.Errorf("/usr/bin/x = %+v, want owner %q", n, tc.wantOwner)
			}
			if n, _ := tree.Get("/usr/bin"); tc.name == "shared dirs" && n.Owner != "a" {
				t.Errorf("/usr/bin owner = %q, want a (the first)", n.Owner)
			}
			checkInvariants(t, tree)
		})
	}

	t.Run("same package again and plinth-made files", func(t *testing.T) {
		tree := New()
		must(t, tree.WriteFile("/etc/passwd", []byte("plinth"), 0o644, 0, 0))
		for range 2 {
			_, err := extractInto(t, tree, "a", specFile("./etc/passwd", "a"), specFile("./etc/group", "a"))
			must(t, err)
		}
		if n, _ := tree.Get("/etc/passwd"); n.Owner != "a" || string(n.Data) != "a" {
			t.Errorf("/etc/passwd = %+v", n)
		}
	})
}

func TestReadTar(t *testing.T) {
	data := specTar(t, specDir("etc/"), specFile("etc/hosts", "h"), specLink("bin", "usr/bin"), specDir("usr/bin/"), specFile("bin/sh", "sh"))
	tree, err := ReadTar(bytes.NewReader(data))
	must(t, err)
	mustDump(t, tree, map[string]string{"/usr/bin/sh": TreeDump(tree)["/usr/bin/sh"], "/bin": "symlink 0777 0:0 -> usr/bin"})
	if _, ok := tree.Get("/usr/bin/sh"); !ok {
		t.Error("bin/sh did not land in /usr/bin")
	}
	if _, err := ReadTar(bytes.NewReader(specTar(t, specFile("/etc/x", "")))); err == nil {
		t.Error("ReadTar accepted an absolute name")
	}
	if _, err := ReadTar(strings.NewReader("not a tar, but long enough to be read as a header block..." + strings.Repeat("x", 600))); err == nil {
		t.Error("ReadTar accepted garbage")
	}
	// A truncated stream is an error naming what was read.
	if _, err := ReadTar(bytes.NewReader(specTar(t, specFile("f", strings.Repeat("x", 5000)))[:1024])); err == nil || !strings.Contains(err.Error(), "reading tar") {
		t.Errorf("truncated tar: %v", err)
	}
}

func FuzzExtract(f *testing.F) {
	for _, entries := range [][]spec{
		{specDir("./usr/"), specFile("./usr/x", "x"), specHard("./y", "./usr/x")},
		{specLink("./d", "/tmp"), specFile("./d/f", "x")},
		{specLink("./d", "../../.."), specFile("./d/f", "x")},
		{specFile("./.wh.x", "")},
		{{name: "./dev/null", typ: tar.TypeChar, mode: 0o666, major: 1, minor: 3}},
		{specLink("./bin", "usr/lib"), specDir("./bin/"), specFile("./bin/x", "x"), specLink("./bin/x", "x")},
	} {
		f.Add(specTar(f, entries...))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		tree := New()
		if err := tree.MergeUsr([]string{"lib64"}); err != nil {
			t.Fatal(err)
		}
		list, err := tree.Extract(tar.NewReader(bytes.NewReader(data)), ExtractOptions{Package: "fuzz"})
		checkInvariants(t, tree)
		if err == nil && (len(list) == 0 || list[0] != "/.") {
			t.Fatalf("list %q does not start with /.", list)
		}
		var buf bytes.Buffer
		if err := tree.WriteTar(&buf, TarOptions{}); err != nil {
			t.Fatalf("WriteTar after Extract: %v", err)
		}
		back, err := ReadTar(&buf)
		if err != nil {
			t.Fatalf("ReadTar(WriteTar): %v", err)
		}
		if diff := cmp.Diff(TreeDump(tree), TreeDump(back)); diff != "" {
			t.Fatalf("round trip (-want +got):\n%s", diff)
		}
	})
}
