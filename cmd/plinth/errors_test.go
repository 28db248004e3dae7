package main

// The messages of the common user-facing failures: each names the thing
// that failed (file and key, package, path, URL) and says what to do.

import (
	"fmt"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/plinth-build/plinth/bootstrap"
	"github.com/plinth-build/plinth/debpkg"
	"github.com/plinth-build/plinth/debpkg/debtest"
	"github.com/plinth-build/plinth/qemu"
)

// errorsFixture is a fake, signed bookworm archive on loopback and a
// directory of recipes extending the built-ins that point at it.
type errorsFixture struct {
	archive *debtest.Archive
	dir     string // recipes, keyrings, lockfiles
	empty   string // an empty directory: no host apt sources, no binfmt entries
	cache   string
}

// newErrorsFixture serves hello (which needs libfoo >= 2, but the archive
// has 1.5), libfoo and base-files as bookworm, with empty updates and
// security pockets, and writes the recipes: name -> TOML after the
// extends line and the [source] mirror and keyring.
func newErrorsFixture(t *testing.T) *errorsFixture {
	t.Helper()
	debs := []debtest.Deb{
		{Control: debtest.Control("base-files", "12.4+deb12u5", "amd64", "Essential", "yes", "Priority", "required"),
			Files: []debtest.File{{Path: "/etc/issue", Data: []byte("Debian\n"), Mode: 0o644}}},
		{Control: debtest.Control("libfoo", "1.5-1", "amd64"),
			Files: []debtest.File{{Path: "/usr/lib/libfoo.so.1", Data: []byte("\x7fELF"), Mode: 0o644}}},
		{Control: debtest.Control("hello", "2.10-3", "amd64", "Depends", "libfoo (>= 2.0)"),
			Files: []debtest.File{{Path: "/usr/bin/hello", Data: []byte("#!/bin/sh\n"), Mode: 0o755}}},
	}
	a := debtest.NewArchive(t, []debtest.Suite{
		{Name: "bookworm", Debs: debs, Archs: []string{"amd64"}},
		{Name: "bookworm-updates", Archs: []string{"amd64"}},
		{Name: "bookworm-security", Archs: []string{"amd64"}},
	}, debtest.Tamper{})
	f := &errorsFixture{archive: a, dir: t.TempDir(), empty: t.TempDir(), cache: t.TempDir()}
	f.write(t, "archive.asc", string(a.PublicKey))
	f.write(t, "garbage.asc", "-----BEGIN PGP PUBLIC KEY BLOCK-----\n\nnot a key\n-----END PGP PUBLIC KEY BLOCK-----\n")
	return f
}

// write writes a file into the fixture directory and returns its path.
func (f *errorsFixture) write(t *testing.T, name, data string) string {
	t.Helper()
	p := filepath.Join(f.dir, name)
	if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// recipe writes NAME.toml extending the built-in base with mirror (none
// when "") and the archive's key, then rest; it returns the path.
func (f *errorsFixture) recipe(t *testing.T, name, base, mirror, rest string) string {
	t.Helper()
	src := "keyring = \"archive.asc\"\n"
	if mirror != "" {
		src = fmt.Sprintf("mirror = %q\n", mirror) + src
	}
	body := fmt.Sprintf("format = 1\nname = %q\nextends = %q\n\n[source]\n%s%s", name, base, src, rest)
	return f.write(t, name+".toml", body)
}

// plinth runs the CLI in-process with an environment of only the cache,
// and with the host's apt sources read from an empty directory.
func (f *errorsFixture) plinth(args ...string) (stderr string, code int) {
	var stdout, errOut strings.Builder
	getenv := func(k string) string {
		if k == "XDG_CACHE_HOME" {
			return f.cache
		}
		return ""
	}
	code = run(args, &stdout, &errOut, getenv)
	return errOut.String(), code
}

// closedPort is a loopback URL nothing listens on.
func closedPort(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	u := "http://" + l.Addr().String()
	l.Close()
	return u
}

// bareEOF matches a line ending in EOF (io.EOF or io.ErrUnexpectedEOF
// leaking out); such a line is fine only when it names the file or URL
// being read.
var bareEOF = regexp.MustCompile(`(?m)^[^/\n]*(^|: )(unexpected )?EOF$`)

func TestErrorMessages(t *testing.T) {
	f := newErrorsFixture(t)
	root := os.Geteuid() == 0
	out := func(name string) string { return "oci:" + filepath.Join(t.TempDir(), name) }

	// A good extract-only recipe, and one that pins it for amd64.
	good := f.recipe(t, "good", "static", f.archive.URL, "\n[packages]\ninclude = [\"base-files\"]\nfiles_only = []\n")
	lock := filepath.Join(f.dir, "good.lock")
	if stderr, code := f.plinth("lock", good, "--arch", "amd64", "-o", lock, "--host-root", f.empty); code != 0 {
		t.Fatalf("plinth lock %s: exit %d\n%s", good, code, stderr)
	}
	// A registered-looking binfmt_misc with no entry and no definition.
	binfmt := t.TempDir()
	if err := os.WriteFile(filepath.Join(binfmt, "register"), nil, 0o200); err != nil {
		t.Fatal(err)
	}

	// A key that did not sign the archive.
	other := f.write(t, "other.asc", string(debtest.ArmoredPublicKeys(t, debtest.LoadKeys(t).Wrong)))
	arm64, err := debpkg.LookupArch("arm64")
	if err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		name string
		args []string
		code int
		// want are substrings of stderr: the thing that failed and the next step.
		want []string
		// skip, if set, says why the case cannot run here; then
		// fallback, if set, is the message the failure would print.
		skip     string
		fallback error
	}{
		{
			name: "no mirror",
			args: []string{"build", f.recipe(t, "nomirror", "static", "", ""), "--arch", "amd64", "--host-root", f.empty, "-o", out("nomirror")},
			code: 1,
			want: []string{`no debian mirror for suite "bookworm"`, "--mirror URL", "PLINTH_MIRROR_DEBIAN", "the recipe's mirror", "sources.list"},
		},
		{
			name: "no network",
			args: []string{"build", good, "--arch", "amd64", "--mirror", closedPort(t), "--host-root", f.empty, "-o", out("nonet")},
			code: 1,
			want: []string{"/dists/bookworm", "/InRelease: dial tcp", "connection refused", "check the mirror URL (--mirror)", "network"},
		},
		{
			name: "unknown recipe key",
			args: []string{"build", f.recipe(t, "badkey", "static", f.archive.URL, "\n[packages]\nincludes = [\"base-files\"]\n"), "-o", out("badkey")},
			code: 1,
			want: []string{"badkey.toml: line 10: unknown key packages.includes", "[packages] takes variant, include, exclude, files_only"},
		},
		{
			name: "unknown recipe name",
			args: []string{"build", "bookwrom", "-o", out("bookwrom")},
			code: 1,
			want: []string{`unknown recipe "bookwrom"`, "the built-in recipes are bookworm, busybox", "path must end in .toml"},
		},
		{
			name: "unknown package",
			args: []string{"build", f.recipe(t, "unknownpkg", "static", f.archive.URL, "\n[packages]\ninclude = [\"base-filez\"]\nfiles_only = []\n"), "--arch", "amd64", "--host-root", f.empty, "-o", out("unknownpkg")},
			code: 1,
			want: []string{"package base-filez not found", "amd64", "did you mean base-files?"},
		},
		{
			name: "unsatisfiable dependency",
			args: []string{"build", f.recipe(t, "unsat", "static", f.archive.URL, "\n[packages]\ninclude = [\"hello\"]\nfiles_only = []\n"), "--arch", "amd64", "--host-root", f.empty, "-o", out("unsat")},
			code: 1,
			want: []string{"resolving unsat for amd64: libfoo (>= 2.0) needed by seed hello", "the archive has libfoo 1.5-1 (bookworm)", "drop what needs it"},
		},
		{
			name:     "not root for a chroot recipe",
			args:     []string{"build", f.recipe(t, "chroot", "bookworm", f.archive.URL, ""), "--arch", "amd64", "--host-root", f.empty, "-o", out("chroot")},
			code:     1,
			want:     []string{"recipe chroot runs maintainer scripts", "run plinth as root", `configure = "none"`},
			skip:     map[bool]string{true: "running as root"}[root],
			fallback: &bootstrap.NotRootError{Recipe: "chroot"},
		},
		{
			name:     "missing binfmt",
			args:     []string{"build", filepath.Join(f.dir, "chroot.toml"), "--arch", "arm64", "--binfmt-dir", binfmt, "--host-root", f.empty, "-o", out("arm64")},
			code:     1,
			want:     []string{"cannot run arm64 programs", map[bool]string{true: "no qemu-aarch64.conf in " + binfmt, false: "no binfmt_misc entry handles its ELF binaries"}[root], "install Debian's qemu-user-static", `configure = "none"`},
			skip:     map[bool]string{false: "not root: the chroot recipe fails for that first"}[root],
			fallback: qemu.Binfmt{Mount: binfmt, Definitions: []string{binfmt}}.Check(arm64),
		},
		{
			name: "bad --arch",
			args: []string{"build", good, "--arch", "amd65", "-o", out("amd65")},
			code: 2,
			want: []string{`--arch: unknown architecture "amd65": use one of amd64, arm64,`, "build --help"},
		},
		{
			name: "bad -o destination",
			args: []string{"build", good, "--arch", "amd64", "-o", "ftp:out"},
			code: 2,
			want: []string{`-o: parsing destination "ftp:out"`, "oci:DIR", "docker-archive:FILE", "dir:DIR", "build --help"},
		},
		{
			name: "missing recipe file",
			args: []string{"build", filepath.Join(f.dir, "nosuch.toml"), "-o", out("nosuch")},
			code: 1,
			want: []string{"reading recipe: open " + filepath.Join(f.dir, "nosuch.toml") + ": no such file", "check the path", "plinth recipes"},
		},
		{
			name: "bad --mirror",
			args: []string{"build", good, "--mirror", "ftp://127.0.0.1/debian", "-o", out("ftp")},
			code: 2,
			want: []string{`--mirror: mirror "ftp://127.0.0.1/debian": mirror must be an http:// or https:// URL`, "build --help"},
		},
		{
			name: "unknown command",
			args: []string{"bild", "static"},
			code: 2,
			want: []string{`unknown command "bild"`, "Did you mean this?\n\tbuild", "Run 'plinth --help'"},
		},
		{
			name: "bad --source-date-epoch",
			args: []string{"build", good, "--source-date-epoch", "yesterday", "-o", out("epoch")},
			code: 2,
			want: []string{"--source-date-epoch", `"yesterday" is not a Unix time in seconds`, "build --help"},
		},
		{
			name: "lockfile missing the arch",
			args: []string{"build", good, "--lock", lock, "--arch", "arm64", "--host-root", f.empty, "-o", out("lockarm64")},
			code: 1,
			want: []string{"lockfile " + lock + " has no packages for arm64 (it pins amd64)", "plinth lock " + good + " --arch amd64,arm64"},
		},
		{
			name: "unknown keyring file",
			args: []string{"build", good, "--arch", "amd64", "--keyring", filepath.Join(f.dir, "missing.asc"), "--host-root", f.empty, "-o", out("nokeyring")},
			code: 1,
			want: []string{"reading keyring: open " + filepath.Join(f.dir, "missing.asc") + ": no such file", "check the file --keyring names"},
		},
		{
			name: "bad keyring contents",
			args: []string{"build", good, "--arch", "amd64", "--keyring", filepath.Join(f.dir, "garbage.asc"), "--host-root", f.empty, "-o", out("badkeyring")},
			code: 1,
			want: []string{"reading keyring " + filepath.Join(f.dir, "garbage.asc"), "--keyring must name the archive's OpenPGP public keys"},
		},
		{
			name: "archive signed by an unknown key",
			args: []string{"build", good, "--arch", "amd64", "--keyring", other, "--host-root", f.empty, "-o", out("wrongkey")},
			code: 1,
			want: []string{"verifying " + f.archive.URL + "/dists/bookworm", "/InRelease: signed only by keys not in the keyring", "pass --keyring with the archive's signing key"},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel() // "no network" spends seconds in retries
			var msg string
			if tc.skip != "" {
				if tc.fallback == nil {
					t.Skip(tc.skip)
				}
				msg = "plinth: " + tc.fallback.Error()
				t.Logf("%s: checking the message of %T", tc.skip, tc.fallback)
			} else {
				stderr, code := f.plinth(tc.args...)
				if code != tc.code {
					t.Errorf("plinth %s: exit %d, want %d\n%s", strings.Join(tc.args, " "), code, tc.code, stderr)
				}
				msg = errorMessage(stderr)
			}
			t.Logf("message: %s", msg)
			for _, w := range tc.want {
				if !strings.Contains(msg, w) {
					t.Errorf("the message lacks %q:\n%s", w, msg)
				}
			}
			checkNoRawError(t, msg)
		})
	}
}

// errorMessage is the error plinth printed last, without the progress
// lines before it: from its last line starting "plinth: " to the end.
func errorMessage(stderr string) string {
	if i := strings.LastIndex(stderr, "\nplinth: "); i >= 0 {
		return stderr[i+1:]
	}
	return stderr
}

// checkNoRawError fails when a message holds a Go stack trace or an EOF
// that says nothing about what was being read.
func checkNoRawError(t *testing.T, msg string) {
	t.Helper()
	if strings.Contains(msg, "goroutine ") || strings.Contains(msg, "panic:") {
		t.Errorf("the message holds a stack trace:\n%s", msg)
	}
	if bareEOF.MatchString(msg) {
		t.Errorf("the message has a bare EOF:\n%s", msg)
	}
	if strings.TrimSpace(msg) == "" {
		t.Error("no message at all")
	}
}

func TestBareEOF(t *testing.T) {
	tests := []struct {
		msg  string
		bare bool
	}{
		{"plinth: EOF\n", true},
		{"EOF", true},
		{"plinth: reading lockfile: unexpected EOF\n", true},
		{"plinth: fetching http://127.0.0.1:1/dists/bookworm/InRelease: EOF\n", false},
		{"plinth: reading tar:/tmp/x.tar: reading tar: unexpected EOF: /tmp/x.tar is not a tarball\n", false},
		{"plinth: no EOF here, but EOFs\n", false},
	}
	for _, tc := range tests {
		t.Run(tc.msg, func(t *testing.T) {
			if got := bareEOF.MatchString(tc.msg); got != tc.bare {
				t.Errorf("bareEOF.MatchString(%q) = %v, want %v", tc.msg, got, tc.bare)
			}
		})
	}
}
