package rootfs

// Hostile inputs end to end: a .deb as a mirror could serve it, read with
// debpkg's DebReader and unpacked into a tree, then written as the layer or
// materialized on disk. The per-entry cases of Extract itself are in
// extract_test.go (TestExtractHostile); these add what only shows across
// the whole path.

import (
	"archive/tar"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/plinth-build/plinth/debpkg"
	"github.com/plinth-build/plinth/debpkg/debtest"
)

// unpackDeb reads deb within lim and extracts its data into tree as the
// package the control file names, as bootstrap does.
func unpackDeb(tree *Tree, deb []byte, lim debpkg.Limits, mayReplace func(string) bool) (err error) {
	r := debpkg.NewDebReader(bytes.NewReader(deb), lim)
	defer func() {
		if cerr := r.Close(); err == nil {
			err = cerr
		}
	}()
	ctl, err := r.Control()
	if err != nil {
		return err
	}
	data, err := r.Data()
	if err != nil {
		return err
	}
	name, _ := ctl.Control.Lookup("Package")
	_, err = tree.Extract(data, ExtractOptions{Package: name, MayReplace: mayReplace})
	return err
}

func hostileDeb(t testing.TB, d debtest.Deb) []byte {
	t.Helper()
	if d.Control.Fields == nil {
		d.Control = debtest.Control("hostile", "1", "all")
	}
	b, err := d.Build()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func rawTar(t testing.TB, files ...debtest.File) []byte {
	t.Helper()
	b, err := debtest.Tar(files...)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestHostileDebs feeds malformed and hostile packages through DebReader
// into Extract: each fails with a typed error naming what is wrong, never
// panics, and leaves nothing of the package in the tree.
func TestHostileDebs(t *testing.T) {
	small := debpkg.Limits{MaxDataSize: 1 << 20, MaxControlSize: 64 << 10}
	zeros := make([]byte, 4<<20) // compresses to a few KB: a bomb against the 1 MiB cap
	members := func(f func([]debtest.Member) []debtest.Member) debtest.Deb {
		return debtest.Deb{Files: []debtest.File{{Path: "/usr/share/x", Data: []byte("x")}}, Tamper: f}
	}
	type check func(t *testing.T, err error)
	formatErr := func(member string) check {
		return func(t *testing.T, err error) {
			var fe *debpkg.FormatError
			if !errors.As(err, &fe) || !strings.HasPrefix(fe.Member, member) {
				t.Fatalf("got %v, want a *debpkg.FormatError for member %q", err, member)
			}
		}
	}
	tooLarge := func(t *testing.T, err error) {
		if !errors.Is(err, debpkg.ErrTooLarge) {
			t.Fatalf("got %v, want an error wrapping debpkg.ErrTooLarge", err)
		}
	}
	extractErr := func(reason string) check {
		return func(t *testing.T, err error) {
			var ee *ExtractError
			if !errors.As(err, &ee) || ee.Package != "hostile" || !strings.Contains(ee.Reason, reason) {
				t.Fatalf("got %v, want an *ExtractError of package hostile saying %q", err, reason)
			}
		}
	}
	tests := []struct {
		name  string
		deb   debtest.Deb
		check check
	}{
		{name: "xz bomb stops at MaxDataSize", deb: debtest.Deb{Compression: "xz", Files: []debtest.File{{Path: "/bomb", Data: zeros}}}, check: tooLarge},
		{name: "zstd bomb stops at MaxDataSize", deb: debtest.Deb{Compression: "zst", Files: []debtest.File{{Path: "/bomb", Data: zeros}}}, check: tooLarge},
		{name: "gzip bomb stops at MaxDataSize", deb: debtest.Deb{Compression: "gz", Files: []debtest.File{{Path: "/bomb", Data: zeros}}}, check: tooLarge},
		{name: "malformed ar: long member name", deb: members(func(m []debtest.Member) []debtest.Member {
			m[1].Name = "control.tar.xz" + strings.Repeat("x", 300)
			return m
		}), check: formatErr("#1/")},
		{name: "malformed ar: bad size field", deb: members(func(m []debtest.Member) []debtest.Member {
			m[1].Size = "12x4"
			return m
		}), check: formatErr("control.tar.xz")},
		{name: "malformed ar: size past the end", deb: members(func(m []debtest.Member) []debtest.Member {
			m[2].Size = "999999999"
			return m
		}), check: formatErr("data.tar.xz")},
		{name: "malformed ar: data before control", deb: members(func(m []debtest.Member) []debtest.Member {
			return []debtest.Member{m[0], m[2], m[1]}
		}), check: formatErr("data.tar.xz")},
		{name: "malformed ar: control before debian-binary", deb: members(func(m []debtest.Member) []debtest.Member {
			return []debtest.Member{m[1], m[0], m[2]}
		}), check: formatErr("control.tar.xz")},
		{name: "unknown tar typeflag", deb: debtest.Deb{RawDataTar: rawTar(t, debtest.File{Path: "./x", Type: 'Q'})}, check: extractErr("unsupported entry type")},
		{name: "10 KB PAX path", deb: debtest.Deb{RawDataTar: rawTar(t, debtest.File{Path: "./" + strings.Repeat("a/", 5000) + "x", Data: []byte("x")})}, check: func(t *testing.T, err error) {
			extractErr("longer than 4095")(t, err)
			if len(err.Error()) > 400 {
				t.Errorf("error message is %d bytes: a hostile name must not flood it", len(err.Error()))
			}
		}},
		{name: "entry ../../x", deb: debtest.Deb{RawDataTar: rawTar(t, debtest.File{Path: "../../x", Data: []byte("x")})}, check: extractErr(`".." component`)},
		{name: "entry /etc/x", deb: debtest.Deb{RawDataTar: rawTar(t, debtest.File{Path: "/etc/x", Data: []byte("x")})}, check: extractErr("absolute name")},
		{name: "entry .wh.x", deb: debtest.Deb{RawDataTar: rawTar(t, debtest.File{Path: "./etc/.wh.passwd"})}, check: extractErr("whiteout")},
		{name: "hardlink to ../../etc/shadow", deb: debtest.Deb{RawDataTar: rawTar(t, debtest.File{Path: "./h", Type: tar.TypeLink, Linkname: "../../etc/shadow"})}, check: extractErr(`".." component`)},
		{name: "truncated data.tar", deb: debtest.Deb{Compression: "none", RawDataTar: rawTar(t, debtest.File{Path: "./f", Data: bytes.Repeat([]byte("x"), 4096)})[:1024]}, check: func(t *testing.T, err error) {
			if err == nil || !strings.Contains(err.Error(), "hostile") {
				t.Fatalf("got %v, want an error naming the package", err)
			}
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tree := New()
			err := unpackDeb(tree, hostileDeb(t, tc.deb), small, nil)
			if err == nil {
				t.Fatal("unpacking succeeded, want an error")
			}
			t.Logf("error: %v", err)
			tc.check(t, err)
			checkInvariants(t, tree)
			for _, p := range []string{"/bomb", "/x", "/f", "/etc/x", "/h"} {
				if _, ok := tree.Get(p); ok {
					t.Errorf("%s is in the tree after a failed unpack", p)
				}
			}
		})
	}
}

// TestHostileSymlinks: loops and long chains give a bounded error, symlinks
// pointing up or out resolve inside the tree, for files and hardlinks alike.
func TestHostileSymlinks(t *testing.T) {
	chain := make([]spec, 0, 1001)
	for i := range 1000 {
		chain = append(chain, specLink(fmt.Sprintf("./l%d", i), fmt.Sprintf("l%d", i+1)))
	}
	chain = append(chain, specDir("./l1000/"))
	tests := []struct {
		name    string
		entries []spec
		errIs   error
		want    map[string]string
	}{
		{name: "symlink loop a -> b -> a, then a/f", entries: []spec{specLink("./a", "b"), specLink("./b", "a"), specFile("./a/f", "x")}, errIs: ErrSymlinkLoop},
		{name: "symlink to itself, then s/f", entries: []spec{specLink("./s", "s"), specFile("./s/f", "x")}, errIs: ErrSymlinkLoop},
		{name: "symlink loop through an absolute target", entries: []spec{specLink("./a", "/b/c"), specLink("./b", "/a"), specFile("./a/f", "x")}, errIs: ErrSymlinkLoop},
		{name: "1000-deep symlink chain, then l0/f", entries: append(chain, specFile("./l0/f", "x")), errIs: ErrSymlinkLoop},
		{name: "hardlink through a symlink loop", entries: []spec{specLink("./a", "b"), specLink("./b", "a"), specHard("./h", "./a/f")}, errIs: ErrSymlinkLoop},
		{name: "41-hop chain is refused", entries: append(append([]spec{}, chain[959:]...), specFile("./l959/f", "x")), errIs: ErrSymlinkLoop},
		{
			name:    "40-hop chain is followed",
			entries: append(append([]spec{}, chain[960:]...), specFile("./l960/f", "x")),
			want:    map[string]string{"/l1000/f": "file 0644 0:0 2d711642b726", "/l960": "symlink 0777 0:0 -> l961"},
		},
		{
			name:    "hardlink through d -> ../../.. stays inside",
			entries: []spec{specDir("./etc/"), specFile("./etc/shadow", "root:*:"), specLink("./d", "../../.."), specHard("./h", "./d/etc/shadow")},
			want:    map[string]string{"/h": "hardlink -> /etc/shadow", "/d": "symlink 0777 0:0 -> ../../.."},
		},
		{
			name:    "hardlink through d -> /etc stays inside",
			entries: []spec{specDir("./etc/"), specFile("./etc/shadow", "root:*:"), specLink("./d", "/etc"), specHard("./h", "./d/shadow")},
			want:    map[string]string{"/h": "hardlink -> /etc/shadow"},
		},
		{
			name:    "directory through d -> /tmp lands in the tree's /tmp",
			entries: []spec{specLink("./d", "/tmp"), specDir("./d/sub/"), specFile("./d/sub/f", "x")},
			want:    map[string]string{"/tmp/sub": "dir 0755 0:0", "/tmp/sub/f": "file 0644 0:0 2d711642b726", "/d/sub": ""},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tree := New()
			_, err := extractInto(t, tree, "pkg", tc.entries...)
			checkInvariants(t, tree)
			if tc.errIs != nil {
				var ee *ExtractError
				if !errors.As(err, &ee) || !errors.Is(err, tc.errIs) {
					t.Fatalf("got %v, want an *ExtractError wrapping %v", err, tc.errIs)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			mustDump(t, tree, tc.want)
		})
	}
}

// TestMergedUsrLayouts unpacks the link shapes real packages ship onto a
// merged-/usr tree: everything lands under /usr and every link resolves to
// the file it names.
func TestMergedUsrLayouts(t *testing.T) {
	tree := New()
	must(t, tree.MergeUsr([]string{"lib32", "lib64", "libx32"}))
	_, err := extractInto(t, tree, "libc6",
		specDir("./lib/"), specDir("./lib/x86_64-linux-gnu/"),
		specFile("./lib/x86_64-linux-gnu/ld-linux-x86-64.so.2", "ld"),
		specFile("./usr/lib/x86_64-linux-gnu/libc.so.6", "libc"),
		specDir("./lib64/"),
		specLink("./lib64/ld-linux-x86-64.so.2", "../lib/x86_64-linux-gnu/ld-linux-x86-64.so.2"),
	)
	must(t, err)
	_, err = extractInto(t, tree, "mawk",
		specFile("./usr/bin/mawk", "mawk"),
		specDir("./etc/"), specDir("./etc/alternatives/"),
		specLink("./etc/alternatives/awk", "/usr/bin/mawk"),
		specLink("./usr/bin/awk", "/etc/alternatives/awk"),
	)
	must(t, err)
	_, err = extractInto(t, tree, "dash", specDir("./bin/"), specFile("./bin/dash", "dash"), specLink("./bin/sh", "dash"), specDir("./sbin/"), specFile("./sbin/x", "x"))
	must(t, err)
	checkInvariants(t, tree)
	for _, tc := range []struct{ path, want string }{
		{"/lib64/ld-linux-x86-64.so.2", "/usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2"},
		{"/usr/lib64/ld-linux-x86-64.so.2", "/usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2"},
		{"/lib/x86_64-linux-gnu/libc.so.6", "/usr/lib/x86_64-linux-gnu/libc.so.6"},
		{"/usr/bin/awk", "/usr/bin/mawk"},
		{"/bin/awk", "/usr/bin/mawk"},
		{"/bin/sh", "/usr/bin/dash"},
		{"/sbin/x", "/usr/sbin/x"},
	} {
		got, err := tree.Resolve(tc.path, true)
		if err != nil || got != tc.want {
			t.Errorf("Resolve(%s) = %q, %v; want %q", tc.path, got, err, tc.want)
			continue
		}
		if n, ok := tree.Get(got); !ok || n.Type != TypeReg {
			t.Errorf("%s resolves to %s, which is %v, want a regular file", tc.path, got, n)
		}
	}
	mustDump(t, tree, map[string]string{
		"/bin":                            "symlink 0777 0:0 -> usr/bin",
		"/lib64":                          "symlink 0777 0:0 -> usr/lib64",
		"/usr/lib64/ld-linux-x86-64.so.2": "symlink 0777 0:0 -> ../lib/x86_64-linux-gnu/ld-linux-x86-64.so.2",
		"/etc/alternatives/awk":           "symlink 0777 0:0 -> /usr/bin/mawk",
		"/usr/bin/awk":                    "symlink 0777 0:0 -> /etc/alternatives/awk",
		"/usr/bin/sh":                     "symlink 0777 0:0 -> dash",
		"/lib/x86_64-linux-gnu/libc.so.6": "",
	})
}

// TestLayerKeepsMetadata: setuid and setgid bits, non-root owners, device
// nodes and fifos of a package reach the layer's tar headers exactly.
func TestLayerKeepsMetadata(t *testing.T) {
	deb := hostileDeb(t, debtest.Deb{Control: debtest.Control("meta", "1", "amd64"), Files: []debtest.File{
		{Path: "/usr/bin/su", Mode: 0o4755, Data: []byte("su")},
		{Path: "/usr/bin/wall", Mode: 0o2755, Gid: 5, Gname: "tty", Data: []byte("wall")},
		{Path: "/var/mail", Type: tar.TypeDir, Mode: 0o2775, Gid: 8, Gname: "mail"},
		{Path: "/tmp", Type: tar.TypeDir, Mode: 0o1777},
		{Path: "/home/user/.profile", Mode: 0o600, Uid: 1000, Gid: 1000, Uname: "user", Gname: "user", Data: []byte("p")},
		{Path: "/dev/null", Type: tar.TypeChar, Mode: 0o666, Devmajor: 1, Devminor: 3},
		{Path: "/dev/sda", Type: tar.TypeBlock, Mode: 0o660, Gid: 6, Gname: "disk", Devmajor: 8, Devminor: 0},
		{Path: "/run/initctl", Type: tar.TypeFifo, Mode: 0o600},
		{Path: "/usr/bin/su2", Type: tar.TypeLink, Linkname: "/usr/bin/su"},
	}})
	tree := New()
	must(t, unpackDeb(tree, deb, debpkg.DefaultLimits(), nil))
	var buf bytes.Buffer
	must(t, tree.WriteTar(&buf, TarOptions{}))
	type hdr struct {
		Type         byte
		Mode         int64
		Uid, Gid     int
		Major, Minor int64
		Link         string
	}
	got := map[string]hdr{}
	tr := tar.NewReader(&buf)
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		must(t, err)
		got[h.Name] = hdr{h.Typeflag, h.Mode, h.Uid, h.Gid, h.Devmajor, h.Devminor, h.Linkname}
	}
	want := map[string]hdr{
		"usr/bin/su":         {tar.TypeReg, 0o4755, 0, 0, 0, 0, ""},
		"usr/bin/su2":        {tar.TypeLink, 0o4755, 0, 0, 0, 0, "usr/bin/su"},
		"usr/bin/wall":       {tar.TypeReg, 0o2755, 0, 5, 0, 0, ""},
		"var/mail/":          {tar.TypeDir, 0o2775, 0, 8, 0, 0, ""},
		"tmp/":               {tar.TypeDir, 0o1777, 0, 0, 0, 0, ""},
		"home/user/.profile": {tar.TypeReg, 0o600, 1000, 1000, 0, 0, ""},
		"dev/null":           {tar.TypeChar, 0o666, 0, 0, 1, 3, ""},
		"dev/sda":            {tar.TypeBlock, 0o660, 0, 6, 8, 0, ""},
		"run/initctl":        {tar.TypeFifo, 0o600, 0, 0, 0, 0, ""},
	}
	for name, w := range want {
		if diff := cmp.Diff(w, got[name]); diff != "" {
			t.Errorf("tar header %s (-want +got):\n%s", name, diff)
		}
	}
}

// TestPackageConflicts: two packages shipping one path is an error naming
// both, unless the second declares Replaces on the first.
func TestPackageConflicts(t *testing.T) {
	first := hostileDeb(t, debtest.Deb{Control: debtest.Control("pkg-one", "1", "all"), Files: []debtest.File{{Path: "/usr/bin/tool", Data: []byte("one")}}})
	second := hostileDeb(t, debtest.Deb{Control: debtest.Control("pkg-two", "1", "all"), Files: []debtest.File{{Path: "/bin/tool", Data: []byte("two")}}})
	t.Run("without Replaces: an error naming both", func(t *testing.T) {
		tree := New()
		must(t, tree.MergeUsr(nil))
		must(t, unpackDeb(tree, first, debpkg.Limits{}, nil))
		err := unpackDeb(tree, second, debpkg.Limits{}, nil)
		var ce *ConflictError
		if !errors.As(err, &ce) || !strings.Contains(err.Error(), "pkg-one") || !strings.Contains(err.Error(), "pkg-two") || !strings.Contains(err.Error(), "/usr/bin/tool") {
			t.Fatalf("got %v, want a *ConflictError naming pkg-one, pkg-two and /usr/bin/tool", err)
		}
		if data, _ := tree.ReadFile("/usr/bin/tool"); string(data) != "one" {
			t.Errorf("/usr/bin/tool = %q after the conflict, want the first package's", data)
		}
	})
	t.Run("with Replaces: the second wins", func(t *testing.T) {
		tree := New()
		must(t, tree.MergeUsr(nil))
		must(t, unpackDeb(tree, first, debpkg.Limits{}, nil))
		must(t, unpackDeb(tree, second, debpkg.Limits{}, func(owner string) bool { return owner == "pkg-one" }))
		n, ok := tree.Get("/usr/bin/tool")
		if !ok || string(n.Data) != "two" || n.Owner != "pkg-two" {
			t.Errorf("/usr/bin/tool = %+v, want pkg-two's", n)
		}
	})
}

// TestMaterializeHostileTree unpacks a package whose symlinks point out of
// the root in every way, then materializes it: nothing is written outside
// the target directory, and what is inside matches the model.
func TestMaterializeHostileTree(t *testing.T) {
	top := t.TempDir()
	outside := filepath.Join(top, "outside")
	must(t, os.MkdirAll(filepath.Join(outside, "etc"), 0o755))
	must(t, os.WriteFile(filepath.Join(outside, "etc/passwd"), []byte("host"), 0o644))
	tree := New()
	must(t, tree.MergeUsr(nil))
	_, err := extractInto(t, tree, "evil",
		specLink("./abs", outside),
		specLink("./up", "../../../../../../../../"+strings.TrimPrefix(outside, "/")),
		specLink("./root", "/"),
		specLink("./etc", outside+"/etc"), // a directory symlink to the host's view
		specFile("./abs/planted", "x"),    // resolves inside: /<outside>/planted in the tree
		specFile("./up/planted2", "x"),
		specFile("./etc/passwd", "evil"), // lands at <outside>/etc/passwd inside the tree
		specDir("./root/tmp/"),
		specFile("./root/tmp/f", "x"),
		specHard("./h", "./abs/planted"),
		spec{name: "./fifo", typ: tar.TypeFifo, mode: 0o600},
	)
	must(t, err)
	dir := filepath.Join(top, "rootfs")
	must(t, tree.Materialize(context.Background(), dir))
	var outsideFiles []string
	must(t, filepath.WalkDir(outside, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		outsideFiles = append(outsideFiles, strings.TrimPrefix(p, outside))
		return nil
	}))
	if diff := cmp.Diff([]string{"", "/etc", "/etc/passwd"}, outsideFiles); diff != "" {
		t.Errorf("files outside the rootfs (-want +got):\n%s", diff)
	}
	if data, _ := os.ReadFile(filepath.Join(outside, "etc/passwd")); string(data) != "host" {
		t.Errorf("the host's file was overwritten: %q", data)
	}
	if entries, _ := os.ReadDir(top); len(entries) != 2 {
		t.Errorf("Materialize left %d entries next to the rootfs, want only rootfs and outside", len(entries))
	}
	back, err := Rescan(context.Background(), dir)
	must(t, err)
	want := TreeDump(tree)
	got := TreeDump(back)
	if os.Geteuid() != 0 { // owners are the caller's
		for p := range got {
			f := strings.Fields(got[p])
			if len(f) > 2 {
				f[2] = "0:0"
			}
			got[p] = strings.Join(f, " ")
		}
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Rescan(Materialize(hostile tree)) (-want +got):\n%s", diff)
	}
}
