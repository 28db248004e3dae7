package rootfs

import (
	"archive/tar"
	"bytes"
	"errors"
	"io/fs"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// spec is one tar entry for tests.
type spec struct {
	name     string
	typ      byte
	mode     int64
	uid, gid int
	link     string
	data     string
	major    int64
	minor    int64
}

func specFile(name, data string) spec {
	return spec{name: name, typ: tar.TypeReg, mode: 0o644, data: data}
}
func specDir(name string) spec { return spec{name: name, typ: tar.TypeDir, mode: 0o755} }
func specLink(name, target string) spec {
	return spec{name: name, typ: tar.TypeSymlink, mode: 0o777, link: target}
}
func specHard(name, target string) spec { return spec{name: name, typ: tar.TypeLink, link: target} }

// specTar writes entries as a tar stream, with no checks.
func specTar(t testing.TB, entries ...spec) []byte {
	t.Helper()
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, e := range entries {
		hdr := &tar.Header{
			Name: e.name, Typeflag: e.typ, Mode: e.mode, Uid: e.uid, Gid: e.gid,
			Linkname: e.link, Size: int64(len(e.data)), Devmajor: e.major, Devminor: e.minor,
			Format: tar.FormatPAX,
		}
		if e.typ != tar.TypeReg {
			hdr.Size = 0
		}
		if err := tw.WriteHeader(hdr); err != nil {
			t.Fatalf("writing test tar header %q: %v", e.name, err)
		}
		if hdr.Size > 0 {
			if _, err := tw.Write([]byte(e.data)); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// extractInto unpacks entries as package pkg.
func extractInto(t testing.TB, tree *Tree, pkg string, entries ...spec) ([]string, error) {
	t.Helper()
	return tree.Extract(tar.NewReader(bytes.NewReader(specTar(t, entries...))), ExtractOptions{Package: pkg})
}

// checkInvariants verifies the tree's internal indexes and the promises of
// its doc comment.
func checkInvariants(t testing.TB, tree *Tree) {
	t.Helper()
	if n := tree.nodes["/"]; n == nil || n.Type != TypeDir {
		t.Fatalf("root is %v", n)
	}
	kids := 0
	for p, n := range tree.nodes {
		if p != Clean(p) {
			t.Errorf("path %q is not clean", p)
		}
		if p != "/" {
			par := tree.nodes[parentOf(p)]
			if par == nil || par.Type != TypeDir {
				t.Errorf("parent of %s is %v, want a directory", p, par)
			}
			if _, ok := tree.kids[parentOf(p)][p]; !ok {
				t.Errorf("%s missing from its parent's index", p)
			}
		}
		if (n.Type == TypeDir) != (tree.kids[p] != nil) {
			t.Errorf("%s: type %s but directory index %v", p, n.Type, tree.kids[p] != nil)
		}
		kids += len(tree.kids[p])
		if n.Type == TypeHardlink {
			d := tree.nodes[n.Link]
			if d == nil || d.Type != TypeReg {
				t.Errorf("hardlink %s -> %s: target is %v", p, n.Link, d)
			}
			if n.Link >= p {
				t.Errorf("hardlink %s -> %s: target sorts after the link", p, n.Link)
			}
			if _, ok := tree.links[n.Link][p]; !ok {
				t.Errorf("hardlink %s missing from the link index of %s", p, n.Link)
			}
		}
	}
	if kids != len(tree.nodes)-1 {
		t.Errorf("directory index holds %d entries, want %d", kids, len(tree.nodes)-1)
	}
	for d, set := range tree.links {
		if len(set) == 0 {
			t.Errorf("empty link set for %s", d)
		}
		for h := range set {
			if n := tree.nodes[h]; n == nil || n.Type != TypeHardlink || n.Link != d {
				t.Errorf("link index says %s -> %s, tree has %v", h, d, n)
			}
		}
	}
}

func mustDump(t testing.TB, tree *Tree, want map[string]string) {
	t.Helper()
	got := TreeDump(tree)
	for p, w := range want {
		if w == "" {
			if g, ok := got[p]; ok {
				t.Errorf("%s: got %q, want no such path", p, g)
			}
			continue
		}
		if got[p] != w {
			t.Errorf("%s: got %q, want %q", p, got[p], w)
		}
	}
}

func TestNew(t *testing.T) {
	tree := New()
	if diff := cmp.Diff(map[string]string{"/": "dir 0755 0:0"}, TreeDump(tree)); diff != "" {
		t.Errorf("New() dump (-want +got):\n%s", diff)
	}
	if tree.Len() != 1 {
		t.Errorf("Len() = %d, want 1", tree.Len())
	}
}

func TestWriteFileAndRead(t *testing.T) {
	tree := New()
	must(t, tree.WriteFile("/etc/passwd", []byte("root:x:0:0::/root:/bin/sh\n"), 0o644, 0, 0))
	must(t, tree.Symlink("/etc/passwd", "/etc/alias"))
	must(t, tree.Symlink("passwd", "/etc/rel"))
	for _, p := range []string{"/etc/passwd", "/etc/alias", "/etc/rel", "etc/./passwd", "/../etc/passwd"} {
		data, err := tree.ReadFile(p)
		if err != nil || string(data) != "root:x:0:0::/root:/bin/sh\n" {
			t.Errorf("ReadFile(%q) = %q, %v", p, data, err)
		}
	}
	mustDump(t, tree, map[string]string{"/etc": "dir 0755 0:0", "/etc/alias": "symlink 0777 0:0 -> /etc/passwd"})

	// Writing through a symlinked parent lands at its target; a symlink at
	// the path itself is replaced.
	must(t, tree.MkdirAll("/real", 0o750, 1, 2))
	must(t, tree.Symlink("/real", "/link"))
	must(t, tree.WriteFile("/link/f", []byte("x"), 0o600, 0, 0))
	must(t, tree.WriteFile("/etc/alias", []byte("y"), 0o600, 0, 0))
	mustDump(t, tree, map[string]string{
		"/real":       "dir 0750 1:2",
		"/real/f":     "file 0600 0:0 2d711642b726",
		"/link/f":     "",
		"/etc/alias":  "file 0600 0:0 a1fce4363854",
		"/etc/passwd": "file 0644 0:0 " + TreeDump(tree)["/etc/passwd"][len("file 0644 0:0 "):],
	})
	checkInvariants(t, tree)

	errCases := []struct {
		name string
		err  error
		do   func() error
	}{
		{"write over dir", ErrIsDir, func() error { return tree.WriteFile("/etc", nil, 0o644, 0, 0) }},
		{"write root", ErrIsDir, func() error { return tree.WriteFile("/", nil, 0o644, 0, 0) }},
		{"write under file", ErrNotDir, func() error { return tree.WriteFile("/etc/passwd/x", nil, 0o644, 0, 0) }},
		{"bad mode", ErrInvalid, func() error { return tree.WriteFile("/x", nil, 0o100644, 0, 0) }},
		{"negative uid", ErrInvalid, func() error { return tree.WriteFile("/x", nil, 0o644, -1, 0) }},
		{"read dir", ErrIsDir, func() error { _, err := tree.ReadFile("/etc"); return err }},
		{"read missing", ErrNotExist, func() error { _, err := tree.ReadFile("/nope"); return err }},
		{"read fifo", ErrNotRegular, func() error {
			must(t, tree.Put("/fifo", &Node{Type: TypeFifo, Mode: 0o644}))
			_, err := tree.ReadFile("/fifo")
			return err
		}},
		{"mkdir over file", ErrNotDir, func() error { return tree.MkdirAll("/etc/passwd/d", 0o755, 0, 0) }},
		{"empty symlink", ErrInvalid, func() error { return tree.Symlink("", "/s") }},
		{"link to dir", ErrNotRegular, func() error { return tree.Link("/etc", "/h") }},
		{"link to missing", ErrNotExist, func() error { return tree.Link("/missing", "/h") }},
		{"remove missing", ErrNotExist, func() error { return tree.Remove("/missing") }},
		{"remove root", ErrInvalid, func() error { return tree.Remove("/") }},
		{"put nil", ErrInvalid, func() error { return tree.Put("/x", nil) }},
		{"put bad type", ErrInvalid, func() error { return tree.Put("/x", &Node{Type: 42}) }},
		{"put file over full dir", ErrIsDir, func() error { return tree.Put("/etc", &Node{Type: TypeReg}) }},
	}
	for _, tc := range errCases {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.do()
			var pe *PathError
			if !errors.Is(err, tc.err) || !errors.As(err, &pe) {
				t.Errorf("got %v, want a *PathError wrapping %v", err, tc.err)
			}
		})
	}
	checkInvariants(t, tree)
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func TestMkdirAll(t *testing.T) {
	tree := New()
	must(t, tree.MkdirAll("/a/b/c", 0o700, 5, 6))
	must(t, tree.Symlink("a/b", "/ab"))
	must(t, tree.MkdirAll("/ab/d", 0o755, 0, 0)) // through the symlink
	must(t, tree.MkdirAll("/ab", 0o755, 0, 0))   // existing, via symlink: no change
	mustDump(t, tree, map[string]string{
		"/a":     "dir 0700 5:6",
		"/a/b/c": "dir 0700 5:6",
		"/a/b/d": "dir 0755 0:0",
		"/ab":    "symlink 0777 0:0 -> a/b",
		"/ab/d":  "",
	})
	checkInvariants(t, tree)
}

func TestHardlinks(t *testing.T) {
	tree := New()
	must(t, tree.WriteFile("/m/data", []byte("content"), 0o4755, 0, 0))
	must(t, tree.Link("/m/data", "/z/late"))
	must(t, tree.Link("/m/data", "/a/early")) // sorts first: takes the content
	must(t, tree.Link("/z/late", "/m/other")) // named through a link
	checkInvariants(t, tree)
	sum := TreeDump(tree)["/a/early"]
	if sum == "" || sum[:10] != "file 04755" {
		t.Fatalf("/a/early = %q, want the regular file", sum)
	}
	mustDump(t, tree, map[string]string{
		"/m/data":  "hardlink -> /a/early",
		"/m/other": "hardlink -> /a/early",
		"/z/late":  "hardlink -> /a/early",
	})
	if n, err := tree.Stat("/z/late"); err != nil || string(n.Data) != "content" {
		t.Errorf("Stat(/z/late) = %v, %v", n, err)
	}
	// Linking to itself or again is a no-op.
	must(t, tree.Link("/a/early", "/m/data"))
	must(t, tree.Link("/a/early", "/a/early"))

	// Removing the file hands its content to the next name.
	must(t, tree.Remove("/a"))
	checkInvariants(t, tree)
	mustDump(t, tree, map[string]string{
		"/m/data":  sum,
		"/m/other": "hardlink -> /m/data",
		"/z/late":  "hardlink -> /m/data",
	})
	// Replacing it (dpkg renames over it) leaves the others the old content.
	must(t, tree.WriteFile("/m/data", []byte("new"), 0o644, 0, 0))
	checkInvariants(t, tree)
	mustDump(t, tree, map[string]string{"/m/other": sum, "/z/late": "hardlink -> /m/other"})
	must(t, tree.Remove("/z/late"))
	must(t, tree.Remove("/m/other"))
	checkInvariants(t, tree)
	if len(tree.links) != 0 {
		t.Errorf("link index not empty: %v", tree.links)
	}
}

func TestRemoveAndWalk(t *testing.T) {
	tree := New()
	for _, p := range []string{"/a/b/c", "/a/b/d", "/a-b", "/a/x", "/b"} {
		must(t, tree.WriteFile(p, nil, 0o644, 0, 0))
	}
	must(t, tree.Symlink("/a", "/s"))
	var got []string
	must(t, tree.Walk(func(p string, n *Node) error {
		got = append(got, p)
		if p == "/a/b" {
			return fs.SkipDir
		}
		return nil
	}))
	want := []string{"/", "/a", "/a-b", "/a/b", "/a/x", "/b", "/s"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Walk order (-want +got):\n%s", diff)
	}
	must(t, tree.Remove("/s/b")) // parent symlink followed
	must(t, tree.Remove("/s"))   // the symlink, not its target
	got = nil
	must(t, tree.Walk(func(p string, n *Node) error {
		got = append(got, p)
		if p == "/a" {
			must(t, tree.Remove("/b")) // removed during the walk: skipped
		}
		return nil
	}))
	if diff := cmp.Diff([]string{"/", "/a", "/a-b", "/a/x"}, got); diff != "" {
		t.Errorf("Walk after Remove (-want +got):\n%s", diff)
	}
	stop := errors.New("stop")
	if err := tree.Walk(func(string, *Node) error { return stop }); err != stop {
		t.Errorf("Walk error = %v, want %v", err, stop)
	}
	checkInvariants(t, tree)
	if tree.Len() != 4 {
		t.Errorf("Len() = %d, want 4", tree.Len())
	}
}

func TestPut(t *testing.T) {
	tree := New()
	must(t, tree.Put("/dev/null", &Node{Type: TypeChar, Mode: 0o666, Devmajor: 1, Devminor: 3}))
	must(t, tree.Put("/etc", &Node{Type: TypeDir, Mode: 0o700, Owner: "base-files"}))
	must(t, tree.WriteFile("/etc/f", nil, 0o644, 0, 0))
	must(t, tree.Put("/etc", &Node{Type: TypeDir, Mode: 0o755})) // a directory keeps its entries
	must(t, tree.Put("/h", &Node{Type: TypeHardlink, Link: "/etc/f"}))
	mustDump(t, tree, map[string]string{
		"/dev/null": "char 0666 0:0 1,3",
		"/etc":      "dir 0755 0:0",
		"/h":        "hardlink -> /etc/f",
	})
	n := &Node{Type: TypeReg, Data: []byte("a")}
	must(t, tree.Put("/copy", n))
	n.Mode = 0o777
	if got, _ := tree.Get("/copy"); got.Mode != 0 {
		t.Errorf("Put kept the caller's node, not a copy")
	}
	checkInvariants(t, tree)
}
