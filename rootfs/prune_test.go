package rootfs

import (
	"archive/tar"
	"bytes"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestPruneFilter(t *testing.T) {
	all := []string{"docs", "man", "info", "locales", "kernel", "caches", "lintian"}
	tests := []struct {
		path  string
		rules []string
		want  bool // excluded
	}{
		{"/usr/share/doc/bash/README", all, true},
		{"/usr/share/doc/bash/copyright", all, false},
		{"/usr/share/doc/bash/examples/copyright", all, false}, // dpkg's '*' crosses '/'
		{"/usr/share/doc/bash/copyright.old", all, true},
		{"/usr/share/doc-base/bash", all, true},
		{"/usr/share/doc/bash/README", []string{"man"}, false},
		{"/usr/share/man/man1/ls.1.gz", all, true},
		{"/usr/share/info/bash.info.gz", all, true},
		{"/usr/share/locale/locale.alias", all, false},
		{"/usr/share/locale/fr/LC_MESSAGES/bash.mo", all, true},
		{"/usr/share/locale/de/LC_MESSAGES/bash.mo", all, false},
		{"/usr/share/locale/de_DE/LC_MESSAGES/bash.mo", all, false},
		{"/usr/share/locale/de_AT/LC_MESSAGES/bash.mo", all, true},
		{"/usr/share/locale/pt_BR/LC_MESSAGES/bash.mo", all, false},
		{"/usr/share/locale/pt/LC_MESSAGES/bash.mo", all, false},
		{"/usr/lib/locale/C.utf8/LC_CTYPE", all, false},
		{"/usr/lib/locale/de_DE.utf8/LC_CTYPE", all, false},
		{"/usr/lib/locale/fr_FR.utf8/LC_CTYPE", all, true},
		{"/usr/lib/locale/locale-archive", all, true},
		{"/boot/vmlinuz-6.1.0-18-amd64", all, true},
		{"/boot/initrd.img-6.1.0-18-amd64", all, true},
		{"/lib/modules/6.1.0/kernel/fs/ext4.ko", all, true},
		{"/usr/lib/modules/6.1.0/modules.dep", all, true},
		{"/lib/firmware/iwlwifi.ucode", all, true},
		{"/var/cache/debconf/templates.dat", all, true},
		{"/var/cachefoo", all, false},
		{"/usr/share/lintian/overrides/bash", all, true},
		{"/usr/bin/bash", all, false},
		{"/etc/locale.alias", all, false},
		{"/usr/share/docs", all, false},
	}
	keep := []string{"de_DE.UTF-8", "pt_BR"}
	for _, tc := range tests {
		t.Run(tc.path+","+strings.Join(tc.rules, "+"), func(t *testing.T) {
			exclude, err := PruneFilter(tc.rules, keep)
			must(t, err)
			if got := exclude.Exclude(tc.path); got != tc.want {
				t.Errorf("exclude(%s) = %v, want %v", tc.path, got, tc.want)
			}
		})
	}
	exclude, err := PruneFilter(nil, nil)
	must(t, err)
	if exclude.Exclude("/usr/share/doc/x") {
		t.Error("no rules excluded something")
	}
}

func TestPruneFilterErrors(t *testing.T) {
	for _, tc := range []struct {
		rules, keep []string
		want        string
	}{
		{[]string{"docs", "manpages"}, nil, `"manpages"`},
		{[]string{"locales"}, []string{"de/../../x"}, `"de/../../x"`},
		{[]string{"locales"}, []string{"*"}, `"*"`},
		{[]string{"locales"}, []string{""}, `""`},
	} {
		if _, err := PruneFilter(tc.rules, tc.keep); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("PruneFilter(%q, %q) = %v, want an error naming %s", tc.rules, tc.keep, err, tc.want)
		}
	}
}

func TestDpkgExcludes(t *testing.T) {
	got := DpkgExcludes([]string{"man", "docs", "bogus"}, nil)
	want := "# Written by plinth: paths pruned from this image (docs, man).\n" +
		"# dpkg leaves them out of packages installed later too.\n" +
		"path-exclude=/usr/share/doc/*\n" +
		"path-include=/usr/share/doc/*/copyright\n" +
		"path-exclude=/usr/share/doc-base/*\n" +
		"path-exclude=/usr/share/gtk-doc/*\n" +
		"path-exclude=/usr/share/man/*\n"
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("DpkgExcludes (-want +got):\n%s", diff)
	}
	loc := DpkgExcludes([]string{"locales"}, []string{"C.UTF-8", "de_DE.UTF-8@euro"})
	for _, line := range []string{
		"path-include=/usr/share/locale/locale.alias\n",
		"path-include=/usr/lib/locale/C.utf8/*\n",
		"path-include=/usr/lib/locale/de_DE.utf8@euro/*\n",
		"path-include=/usr/share/locale/de/*\n",
	} {
		if !strings.Contains(loc, line) {
			t.Errorf("DpkgExcludes(locales) lacks %q:\n%s", line, loc)
		}
	}
}

func TestGlobMatch(t *testing.T) {
	for _, tc := range []struct {
		glob, name string
		want       bool
	}{
		{"/a/*", "/a/b/c", true},
		{"/a/*", "/a/", true},
		{"/a/*", "/a", false},
		{"/a/*/c", "/a/b/x/c", true},
		{"/a/*/c", "/a/b/c/d", false},
		{"/a/?", "/a/b", true},
		{"/a/?", "/a/bc", false},
		{"*x*y*", "axbxcy", true},
		{"*x*y*", "ayx", false},
		{"", "", true},
	} {
		if got := globMatch(tc.glob, tc.name); got != tc.want {
			t.Errorf("globMatch(%q, %q) = %v, want %v", tc.glob, tc.name, got, tc.want)
		}
	}
}

// TestReincluded follows dpkg's filters.c: an excluded directory or symlink
// stays when a path-include pattern's literal part starts its path.
func TestReincluded(t *testing.T) {
	f, err := PruneFilter([]string{"docs", "man", "locales"}, []string{"C.UTF-8"})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		path string
		want bool
	}{
		{"/usr/share/doc/libgcc-s1", true},
		{"/usr/share/doc/base-files/FAQ", true},
		{"/usr/share/locale/locale.alias", true},
		{"/usr/share/locale/de", false},
		{"/usr/share/man/man1/sh.1.gz", false},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			if got := f.Reincluded(tt.path); got != tt.want {
				t.Errorf("Reincluded(%s) = %v, want %v", tt.path, got, tt.want)
			}
		})
	}
	tree := New()
	data := specTar(t,
		specFile("./usr/share/doc/gcc-12-base/copyright", "GPL"),
		specLink("./usr/share/doc/libgcc-s1", "gcc-12-base"),
		specLink("./usr/share/man/man1/x.1.gz", "y.1.gz"),
	)
	if _, err := tree.Extract(tar.NewReader(bytes.NewReader(data)), ExtractOptions{Package: "p", Exclude: f.Exclude, Reinclude: f.Reincluded}); err != nil {
		t.Fatal(err)
	}
	if _, err := tree.ReadFile("/usr/share/doc/libgcc-s1/copyright"); err != nil {
		t.Errorf("copyright through the kept symlink: %v", err)
	}
	if _, ok := tree.Get("/usr/share/man/man1/x.1.gz"); ok {
		t.Error("excluded man page symlink was kept")
	}
}
