package rootfs

import (
	"errors"
	"fmt"
	"strings"
	"testing"
)

// resolveTree is the tree the Resolve tests walk.
func resolveTree(t testing.TB) *Tree {
	tree := New()
	must(t, tree.MkdirAll("/usr/bin", 0o755, 0, 0))
	must(t, tree.WriteFile("/usr/bin/sh", []byte("sh"), 0o755, 0, 0))
	must(t, tree.WriteFile("/file", nil, 0o644, 0, 0))
	for link, target := range map[string]string{
		"/bin":      "usr/bin",
		"/abs":      "/usr",
		"/rel":      "../../../usr",
		"/loop1":    "loop2",
		"/loop2":    "/loop1",
		"/self":     "self",
		"/dangling": "/nowhere",
		"/dotdot":   "..",
		"/root":     "/",
		"/etc/alt":  "/bin/sh",
		"/etc/up":   "../../../../../etc/alt",
	} {
		must(t, tree.Symlink(target, link))
	}
	return tree
}

func TestResolve(t *testing.T) {
	tree := resolveTree(t)
	// A chain of n symlinks /c0 -> /c1 -> ... -> /cn, /cn a file.
	chain := func(n int) {
		for i := range n {
			must(t, tree.Symlink(fmt.Sprintf("/c%d", i+1), fmt.Sprintf("/c%d", i)))
		}
		must(t, tree.WriteFile(fmt.Sprintf("/c%d", n), nil, 0o644, 0, 0))
	}
	chain(40)
	for i := range 41 {
		must(t, tree.Symlink(fmt.Sprintf("d%d", i+1), fmt.Sprintf("/d%d", i)))
	}
	must(t, tree.WriteFile("/d41", nil, 0o644, 0, 0))

	tests := []struct {
		path   string
		follow bool
		want   string
		err    error
	}{
		{"/", true, "/", nil},
		{"", true, "/", nil},
		{"usr/bin", true, "/usr/bin", nil},
		{"/bin/sh", true, "/usr/bin/sh", nil},
		{"/bin", false, "/bin", nil},
		{"/bin", true, "/usr/bin", nil},
		{"/bin/", true, "/usr/bin", nil},
		{"/abs/bin/sh", true, "/usr/bin/sh", nil},
		{"/rel/bin", true, "/usr/bin", nil},
		{"/../../etc", true, "/etc", nil},
		{"/usr/../../../bin/sh", true, "/usr/bin/sh", nil},
		{"/bin/../bin", false, "/usr/bin", nil}, // ".." after a symlink: from its target, as the kernel does
		{"/dotdot/dotdot/usr", true, "/usr", nil},
		{"/root/root/root/usr/bin", true, "/usr/bin", nil},
		{"/etc/alt", false, "/etc/alt", nil},
		{"/etc/alt", true, "/usr/bin/sh", nil},
		{"/etc/up", true, "/usr/bin/sh", nil},
		{"/dangling", true, "/nowhere", nil},
		{"/dangling/x/y", false, "/nowhere/x/y", nil},
		{"/missing/../bin/sh", true, "/usr/bin/sh", nil},
		{"/loop1", false, "/loop1", nil},
		{"/loop1", true, "", ErrSymlinkLoop},
		{"/loop1/x", false, "", ErrSymlinkLoop},
		{"/self/x", false, "", ErrSymlinkLoop},
		{"/file/x", false, "", ErrNotDir},
		{"/file/.", true, "", ErrNotDir},
		{"/bin/sh/x", true, "", ErrNotDir},
		{"/c0", true, "/c40", nil},        // 40 hops: allowed
		{"/d0", true, "", ErrSymlinkLoop}, // 41 hops: too many
	}
	for _, tc := range tests {
		t.Run(fmt.Sprintf("%s,follow=%v", tc.path, tc.follow), func(t *testing.T) {
			got, err := tree.Resolve(tc.path, tc.follow)
			if tc.err != nil {
				var pe *PathError
				if !errors.Is(err, tc.err) || !errors.As(err, &pe) || pe.Path != tc.path {
					t.Fatalf("Resolve = %q, %v; want a *PathError for %q wrapping %v", got, err, tc.path, tc.err)
				}
				return
			}
			if err != nil || got != tc.want {
				t.Fatalf("Resolve = %q, %v; want %q", got, err, tc.want)
			}
		})
	}
}

func TestResolveDeepChain(t *testing.T) {
	tree := New()
	for i := range 1000 {
		must(t, tree.Symlink(fmt.Sprintf("/l%d", i+1), fmt.Sprintf("/l%d", i)))
	}
	// And a symlink whose target is 2000 components that each hop back.
	must(t, tree.Symlink(strings.Repeat("l0/", 2000), "/wide"))
	for _, p := range []string{"/l0", "/l0/x", "/wide"} {
		if _, err := tree.Resolve(p, true); !errors.Is(err, ErrSymlinkLoop) {
			t.Errorf("Resolve(%s) = %v, want ErrSymlinkLoop", p, err)
		}
	}
	if _, err := tree.Stat("/l0"); !errors.Is(err, ErrSymlinkLoop) {
		t.Errorf("Stat(/l0) = %v, want ErrSymlinkLoop", err)
	}
}

func TestClean(t *testing.T) {
	for in, want := range map[string]string{"": "/", ".": "/", "..": "/", "a/b/": "/a/b", "/a/../../b": "/b", "//a//b": "/a/b"} {
		if got := Clean(in); got != want {
			t.Errorf("Clean(%q) = %q, want %q", in, got, want)
		}
	}
}

func FuzzResolve(f *testing.F) {
	for _, s := range [][2]string{
		{"/bin/sh", "x"}, {"/x/../..", "/"}, {"/x/y", "../../../etc"}, {"/x/x/x", "x/x"}, {"/usr/bin/../../x", "."},
	} {
		f.Add(s[0], s[1])
	}
	f.Fuzz(func(t *testing.T, p, target string) {
		tree := resolveTree(t)
		if err := tree.Symlink(target, "/x"); err != nil {
			return
		}
		for _, follow := range []bool{false, true} {
			r, err := tree.Resolve(p, follow)
			if err != nil {
				var pe *PathError
				if !errors.As(err, &pe) {
					t.Fatalf("Resolve(%q) error %v is not a *PathError", p, err)
				}
				continue
			}
			if r != Clean(r) || !strings.HasPrefix(r, "/") {
				t.Fatalf("Resolve(%q) = %q, not a clean absolute path", p, r)
			}
		}
		_, _ = tree.Stat(p)
		_ = tree.WriteFile(p, []byte("x"), 0o644, 0, 0)
		_ = tree.MkdirAll(p+"/d", 0o755, 0, 0)
		checkInvariants(t, tree)
	})
}
