package qemu

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// realpathTree is a root with merged /usr, relative, absolute, chained,
// dangling and looping symlinks.
func realpathTree(t testing.TB) string {
	t.Helper()
	dir := t.TempDir()
	for _, d := range []string{"usr/bin", "usr/lib/x86_64-linux-gnu", "usr/share/doc", "etc/alternatives", "a/b/c"} {
		if err := os.MkdirAll(filepath.Join(dir, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	os.WriteFile(filepath.Join(dir, "usr/bin/dash"), nil, 0o755)
	for link, target := range map[string]string{
		"bin": "usr/bin", "lib": "usr/lib", "sbin": "/usr/sbin",
		"usr/bin/sh":                  "dash",
		"usr/bin/which":               "/etc/alternatives/which",
		"etc/alternatives/which":      "/usr/bin/which.debianutils",
		"usr/share/up":                "../../../../usr/share/doc",
		"a/b/c/abs":                   "/a/b",
		"a/b/c/rel":                   "../../b/c",
		"dangling":                    "nothere/at/all",
		"loop1":                       "loop2",
		"loop2":                       "/loop1",
		"usr/lib/x86_64-linux-gnu/ld": "../../../lib/x86_64-linux-gnu/../x86_64-linux-gnu",
	} {
		if err := os.Symlink(target, filepath.Join(dir, link)); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

var realpathCases = []struct {
	name    string
	args    []string
	handled bool
}{
	{"merged bin", []string{"/bin/sh"}, true},
	{"dir", []string{"/bin"}, true},
	{"root option", []string{"--root", "", "/bin"}, true},
	{"root slash", []string{"--root=/", "/lib/x86_64-linux-gnu/ld"}, true},
	{"instdir", []string{"--instdir", "/", "/usr/bin/which"}, true},
	{"zero", []string{"-z", "/usr/share/up"}, true},
	{"separator", []string{"--", "/bin/../usr/./bin//sh"}, true},
	{"last wins", []string{"/bin", "/a/b/c/abs/c/rel"}, true},
	{"absolute link", []string{"/sbin/x"}, true},
	{"dangling", []string{"/dangling/y"}, true},
	{"above root", []string{"/../../bin"}, true},
	{"root itself", []string{"/"}, true},
	{"slashes", []string{"//"}, true},
	{"missing", []string{"/no/such/path"}, true},

	{"relative", []string{"bin/sh"}, false},
	{"loop", []string{"/loop1"}, false},
	{"other root", []string{"--root", "/srv/x", "/bin"}, false},
	{"no pathname", []string{"-z"}, false},
	{"root without value", []string{"/bin", "--root"}, false},
	{"version", []string{"--version"}, false},
	{"unknown option", []string{"-x", "/bin"}, false},
	{"separator last", []string{"/bin", "--"}, false},
}

// TestDpkgRealpathMatchesReal runs every case through the stand-in and,
// where it answers, through the host's dpkg-realpath with --root: the
// outputs must be the same.
func TestDpkgRealpathMatchesReal(t *testing.T) {
	real, err := exec.LookPath("dpkg-realpath")
	if err != nil {
		t.Skip("dpkg-realpath not installed (dpkg 1.20 or later): nothing to compare with")
	}
	dir := realpathTree(t)
	for _, tc := range realpathCases {
		t.Run(tc.name, func(t *testing.T) {
			var out bytes.Buffer
			c := &call{args: tc.args, env: map[string]string{}, root: dir, stdout: &out}
			code, handled := dpkgRealpath(c)
			if handled != tc.handled {
				t.Fatalf("handled = %v, want %v", handled, tc.handled)
			}
			if !handled {
				return
			}
			cmd := exec.Command(real, realpathRootArgs(tc.args, dir)...)
			cmd.Env = []string{"PATH=/usr/bin:/bin"}
			want, err := cmd.Output()
			if err != nil || code != 0 {
				t.Fatalf("real: %v; stand-in: exit %d", err, code)
			}
			if out.String() != string(want) {
				t.Errorf("stand-in printed %q, dpkg-realpath --root %q", out.String(), want)
			}
		})
	}
}

// realpathRootArgs gives the real script the case's arguments with the
// root set to dir.
func realpathRootArgs(args []string, dir string) []string {
	out := []string{"--root", dir}
	for i := 0; i < len(args); i++ {
		switch a := args[i]; {
		case a == "--root" || a == "--instdir":
			i++
		case strings.HasPrefix(a, "--root=") || strings.HasPrefix(a, "--instdir="):
		default:
			out = append(out, a)
		}
	}
	return out
}

func FuzzDpkgRealpath(f *testing.F) {
	for _, tc := range realpathCases {
		f.Add(strings.Join(tc.args, "\x00"))
	}
	dir := realpathTree(f)
	f.Fuzz(func(t *testing.T, args string) {
		var out bytes.Buffer
		c := &call{args: strings.Split(args, "\x00"), env: map[string]string{}, root: dir, stdout: &out}
		if _, handled := dpkgRealpath(c); handled {
			got := strings.TrimRight(out.String(), "\n\x00")
			if !strings.HasPrefix(got, "/") || strings.Contains(got, "//") {
				t.Errorf("%q printed %q, not a clean absolute path", args, out.String())
			}
		}
	})
}
