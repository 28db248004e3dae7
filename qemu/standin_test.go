package qemu

import (
	"archive/tar"
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/plinth-build/plinth/debpkg"
	"github.com/plinth-build/plinth/debpkg/debtest"
)

// TestMain lets the test binary act as a stand-in, the way plinth's main
// does, so TestStandinMain can run it under a helper's name.
func TestMain(m *testing.M) {
	if IsStandin(os.Args[0]) {
		os.Exit(StandinMain(os.Args, os.Environ()))
	}
	os.Exit(m.Run())
}

func scriptEnv(script string) map[string]string {
	return map[string]string{"DPKG_MAINTSCRIPT_NAME": script, "DPKG_MAINTSCRIPT_PACKAGE": "foo", "DPKG_MAINTSCRIPT_ARCH": "arm64", "DPKG_ROOT": ""}
}

// helperCase is one dpkg-maintscript-helper call; a path argument "@/x"
// means x under the case's temporary directory.
type helperCase struct {
	name    string
	script  string
	args    []string
	env     map[string]string // changes to scriptEnv(script); "" unsets
	backup  string            // created (as a directory and a symlink) before the call
	handled bool
}

var helperCases = []helperCase{
	{name: "rm_conffile preinst", script: "preinst", args: []string{"rm_conffile", "@/etc/foo.conf", "1.2-1~", "--", "install"}, handled: true},
	{name: "rm_conffile postinst", script: "postinst", args: []string{"rm_conffile", "@/etc/foo.conf", "2017.5~~", "--", "configure", ""}, handled: true},
	{name: "rm_conffile no version", script: "postinst", args: []string{"rm_conffile", "@/etc/foo.conf", "--", "configure", ""}, handled: true},
	{name: "rm_conffile with package", script: "preinst", args: []string{"rm_conffile", "@/etc/foo.conf", "1:2.3+dfsg-4", "foo:arm64", "--", "install"}, handled: true},
	{name: "mv_conffile", script: "postinst", args: []string{"mv_conffile", "@/etc/a", "@/etc/b", "3.0", "--", "configure", ""}, handled: true},
	{name: "symlink_to_dir", script: "preinst", args: []string{"symlink_to_dir", "@/usr/share/doc/foo", "bar", "5.36.0-5~", "--", "install"}, handled: true},
	{name: "symlink_to_dir postinst", script: "postinst", args: []string{"symlink_to_dir", "@/usr/share/doc/foo", "bar", "--", "configure", ""}, handled: true},
	{name: "dir_to_symlink", script: "postinst", args: []string{"dir_to_symlink", "@/usr/share/zoneinfo/posix/Africa/", "../Africa", "2022g-1~", "--", "configure", ""}, handled: true},
	{name: "supports", script: "preinst", args: []string{"supports", "dir_to_symlink"}, handled: true},

	{name: "upgrade", script: "preinst", args: []string{"rm_conffile", "@/etc/foo.conf", "1.2", "--", "upgrade", "1.0"}},
	{name: "reconfigure", script: "postinst", args: []string{"rm_conffile", "@/etc/foo.conf", "1.2", "--", "configure", "1.0"}},
	{name: "postrm", script: "postrm", args: []string{"rm_conffile", "@/etc/foo.conf", "1.2", "--", "purge"}},
	{name: "relative conffile", script: "preinst", args: []string{"rm_conffile", "etc/foo.conf", "--", "install"}},
	{name: "odd version", script: "preinst", args: []string{"rm_conffile", "@/etc/foo.conf", "a1.0", "--", "install"}},
	{name: "no separator", script: "preinst", args: []string{"rm_conffile", "@/etc/foo.conf", "1.0", "install"}},
	{name: "no script parameters", script: "preinst", args: []string{"rm_conffile", "@/etc/foo.conf", "--"}},
	{name: "symlink with slash", script: "preinst", args: []string{"symlink_to_dir", "@/usr/share/doc/foo/", "bar", "--", "install"}},
	{name: "dir_to_symlink no target", script: "preinst", args: []string{"dir_to_symlink", "@/usr/share/foo", "", "--", "install"}},
	{name: "backup left", script: "postinst", args: []string{"dir_to_symlink", "@/usr/share/foo", "bar", "--", "configure", ""}, backup: "/usr/share/foo.dpkg-backup"},
	{name: "symlink backup left", script: "postinst", args: []string{"symlink_to_dir", "@/usr/share/foo", "bar", "--", "configure", ""}, backup: "/usr/share/foo.dpkg-backup"},
	{name: "no package", script: "preinst", args: []string{"rm_conffile", "@/etc/foo.conf", "--", "install"}, env: map[string]string{"DPKG_MAINTSCRIPT_PACKAGE": ""}},
	{name: "debug", script: "preinst", args: []string{"rm_conffile", "@/etc/foo.conf", "--", "install"}, env: map[string]string{"DPKG_DEBUG": "1"}},
	{name: "traced", script: "preinst", args: []string{"rm_conffile", "@/etc/foo.conf", "--", "install"}, env: map[string]string{"DPKG_MAINTSCRIPT_DEBUG": "1"}, handled: true},
	{name: "unknown command", script: "preinst", args: []string{"frobnicate", "--", "install"}},
	{name: "supports unknown", script: "preinst", args: []string{"supports", "frobnicate"}},
	{name: "version", script: "preinst", args: []string{"--version"}},
}

func (tc helperCase) call(dir string) *call {
	env := scriptEnv(tc.script)
	for k, v := range tc.env {
		env[k] = v
	}
	args := make([]string, len(tc.args))
	for i, a := range tc.args {
		args[i] = strings.Replace(a, "@", dir, 1)
	}
	return &call{args: args, env: env, stderr: io.Discard}
}

func TestMaintscriptHelperAnswers(t *testing.T) {
	for _, tc := range helperCases {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			if tc.backup != "" {
				os.MkdirAll(dir+tc.backup, 0o755)
			}
			code, handled := maintscriptHelper(tc.call(dir))
			if handled != tc.handled || code != 0 {
				t.Errorf("maintscriptHelper = %d, %v; want 0, %v", code, handled, tc.handled)
			}
		})
	}
}

// TestMaintscriptHelperMatchesReal runs every call the stand-in answers
// through the real dpkg-maintscript-helper of dpkg 1.19.7 (focal), 1.21.1
// (jammy) and the host's: each must exit 0, print nothing and leave the
// directory as it was, which is what the stand-in does.
func TestMaintscriptHelperMatchesReal(t *testing.T) {
	helpers := realMaintscriptHelpers(t)
	for name, h := range helpers {
		for _, tc := range helperCases {
			if !tc.handled {
				continue
			}
			t.Run(name+"/"+tc.name, func(t *testing.T) {
				dir := t.TempDir()
				for _, p := range []string{"/etc/foo.conf", "/etc/a", "/usr/share/doc/foo/x", "/usr/share/zoneinfo/posix/Africa/y"} {
					os.MkdirAll(filepath.Dir(dir+p), 0o755)
					os.WriteFile(dir+p, []byte("x\n"), 0o644)
				}
				before := dumpDir(t, dir)
				c := tc.call(dir)
				cmd := exec.Command(h.path, c.args...)
				cmd.Env = append(os.Environ(), h.env...)
				for k, v := range c.env {
					cmd.Env = append(cmd.Env, k+"="+v)
				}
				out, err := cmd.CombinedOutput()
				if err != nil || len(out) > 0 {
					t.Errorf("real helper: %v, output %q; the stand-in says exit 0 and nothing", err, out)
				}
				if diff := cmp.Diff(before, dumpDir(t, dir)); diff != "" {
					t.Errorf("the real helper changed the tree (-before +after):\n%s", diff)
				}
			})
		}
	}
}

type realHelper struct {
	path string
	env  []string
}

// realMaintscriptHelpers finds the host's helper and unpacks those of the
// dpkg packages in the shared Ubuntu fixture.
func realMaintscriptHelpers(t *testing.T) map[string]realHelper {
	if _, err := exec.LookPath("dpkg"); err != nil {
		t.Skip("dpkg not installed: the real helpers need dpkg --compare-versions")
	}
	helpers := map[string]realHelper{}
	if _, err := os.Stat("/usr/bin/dpkg-maintscript-helper"); err == nil {
		helpers["host"] = realHelper{path: "/usr/bin/dpkg-maintscript-helper"}
	}
	debs, _ := filepath.Glob(filepath.Join(debtest.SharedFixtures(), "ubuntu-archive/pool/main/d/dpkg/dpkg_*.deb"))
	for _, deb := range debs {
		dir := t.TempDir()
		extractDeb(t, deb, dir, "usr/bin/dpkg-maintscript-helper", "usr/share/dpkg/sh/dpkg-error.sh")
		name := strings.TrimSuffix(filepath.Base(deb), ".deb")
		helpers[name] = realHelper{path: dir + "/usr/bin/dpkg-maintscript-helper", env: []string{"DPKG_DATADIR=" + dir + "/usr/share/dpkg"}}
	}
	if len(debs) == 0 {
		t.Logf("no dpkg packages under %s: checking the host's helper only", debtest.SharedFixtures())
	}
	if len(helpers) == 0 {
		t.Skip("no dpkg-maintscript-helper on the host and no fixture: nothing to compare with")
	}
	return helpers
}

// extractDeb writes the named members of a .deb's data into dir.
func extractDeb(t *testing.T, deb, dir string, names ...string) {
	t.Helper()
	f, err := os.Open(deb)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	d := debpkg.NewDebReader(f, debpkg.DefaultLimits())
	defer d.Close()
	if _, err := d.Control(); err != nil {
		t.Fatal(err)
	}
	tr, err := d.Data()
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]bool{}
	for _, n := range names {
		want[n] = true
	}
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		name := strings.TrimPrefix(h.Name, "./")
		if h.Typeflag != tar.TypeReg || !want[name] {
			continue
		}
		os.MkdirAll(filepath.Dir(filepath.Join(dir, name)), 0o755)
		data, _ := io.ReadAll(tr)
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o755); err != nil {
			t.Fatal(err)
		}
		delete(want, name)
	}
	if len(want) > 0 && want["usr/bin/dpkg-maintscript-helper"] {
		t.Fatalf("%s has no dpkg-maintscript-helper", deb)
	}
}

// dumpDir describes every entry under dir: type, mode, link target or
// content.
func dumpDir(t *testing.T, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		fi, err := d.Info()
		if err != nil {
			return err
		}
		rel := strings.TrimPrefix(p, dir)
		switch {
		case fi.Mode()&fs.ModeSymlink != 0:
			target, _ := os.Readlink(p)
			out[rel] = "link " + target
		case fi.IsDir():
			out[rel] = fmt.Sprintf("dir %o", fi.Mode().Perm())
		default:
			data, _ := os.ReadFile(p)
			out[rel] = fmt.Sprintf("file %o %q", fi.Mode().Perm(), data)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// systemdCase is one deb-systemd-helper call on a root holding units.
type systemdCase struct {
	name    string
	args    []string
	units   map[string]string // path under the root -> unit file
	extra   []string          // paths created (as empty files) before the call
	env     map[string]string
	handled bool
}

const timerUnit = "[Unit]\nDescription=x\n\n[Timer]\nOnCalendar=daily\n\n[Install]\nWantedBy=timers.target\n"

var systemdCases = []systemdCase{
	{name: "unmask", args: []string{"unmask", "e2scrub_all.timer"}, units: map[string]string{"/lib/systemd/system/e2scrub_all.timer": timerUnit}, handled: true},
	{name: "was-enabled", args: []string{"--quiet", "was-enabled", "e2scrub_all.timer"}, units: map[string]string{"/lib/systemd/system/e2scrub_all.timer": timerUnit}, handled: true},
	{name: "was-enabled loud", args: []string{"was-enabled", "a.timer", "b.timer"}, handled: true},
	{name: "enable", args: []string{"enable", "e2scrub_all.timer"}, units: map[string]string{"/lib/systemd/system/e2scrub_all.timer": timerUnit}, handled: true},
	{name: "enable usr lib", args: []string{"--system", "enable", "fstrim.timer"}, units: map[string]string{"/usr/lib/systemd/system/fstrim.timer": timerUnit}, handled: true},
	{name: "enable etc first", args: []string{"enable", "x.service"}, units: map[string]string{"/etc/systemd/system/x.service": "[Install]\nWantedBy=multi-user.target\n", "/lib/systemd/system/x.service": "[Install]\nWantedBy=other.target\n"}, handled: true},
	{name: "enable several", args: []string{"enable", "x.service", "y.service"}, units: map[string]string{
		"/lib/systemd/system/x.service": "[Install]\nWantedBy=a.target \"b.target\" 'c.target' f.target\nRequiredBy=d.target\nrequiredby=e.target\n",
		"/lib/systemd/system/y.service": "[Install]\n  WantedBy=a.target a.target\n",
	}, handled: true},
	{name: "enable template", args: []string{"enable", "e2scrub@.service"}, units: map[string]string{"/lib/systemd/system/e2scrub@.service": "[Install]\nWantedBy=multi-user.target\n"}, handled: true},
	{name: "enable no install", args: []string{"enable", "x.service"}, units: map[string]string{"/lib/systemd/system/x.service": "[Service]\nExecStart=/bin/true\n"}, handled: true},

	{name: "also", args: []string{"enable", "x.service"}, units: map[string]string{"/lib/systemd/system/x.service": "[Install]\nWantedBy=a.target\nAlso=y.socket\n", "/lib/systemd/system/y.socket": "[Install]\nWantedBy=sockets.target\n"}},
	{name: "alias", args: []string{"enable", "x.service"}, units: map[string]string{"/lib/systemd/system/x.service": "[Install]\nAlias=z.service\n"}},
	{name: "default instance", args: []string{"enable", "x@.service"}, units: map[string]string{"/lib/systemd/system/x@.service": "[Install]\nWantedBy=a.target\nDefaultInstance=tty1\n"}},
	{name: "leading space value", args: []string{"enable", "x.service"}, units: map[string]string{"/lib/systemd/system/x.service": "[Install]\nWantedBy= a.target\n"}},
	{name: "missing unit", args: []string{"enable", "nothere.service"}},
	{name: "state exists", args: []string{"--quiet", "was-enabled", "x.timer"}, extra: []string{"/var/lib/systemd/deb-systemd-helper-enabled/x.timer.dsh-also"}},
	{name: "masked", args: []string{"unmask", "x.timer"}, extra: []string{"/etc/systemd/system/x.timer"}},
	{name: "masked state dir", args: []string{"unmask", "x.timer"}, extra: []string{"/var/lib/systemd/deb-systemd-helper-masked/y.timer"}},
	{name: "systemctl", args: []string{"enable", "e2scrub_all.timer"}, units: map[string]string{"/lib/systemd/system/e2scrub_all.timer": timerUnit}, extra: []string{"/usr/bin/systemctl"}},
	{name: "systemd running", args: []string{"unmask", "x.timer"}, extra: []string{"/run/systemd/system/x"}},
	{name: "user", args: []string{"--user", "enable", "x.service"}},
	{name: "disable", args: []string{"disable", "x.service"}},
	{name: "purge env", args: []string{"unmask", "x.timer"}, env: map[string]string{"_DEB_SYSTEMD_HELPER_PURGE": "1"}},
	{name: "debug env", args: []string{"unmask", "x.timer"}, env: map[string]string{"_DEB_SYSTEMD_HELPER_DEBUG": "1"}},
	{name: "not from dpkg", args: []string{"unmask", "x.timer"}, env: map[string]string{"DPKG_MAINTSCRIPT_PACKAGE": ""}},
	{name: "no units", args: []string{"--quiet", "was-enabled"}},
}

// systemdRoot lays out a root for tc with the verified helper in it.
func systemdRoot(t *testing.T, helper []byte, tc systemdCase) string {
	dir := t.TempDir()
	files := map[string]string{"/usr/bin/deb-systemd-helper": string(helper)}
	for p, u := range tc.units {
		files[p] = u
	}
	for _, p := range tc.extra {
		files[p] = ""
	}
	for p, data := range files {
		os.MkdirAll(filepath.Dir(dir+p), 0o755)
		if err := os.WriteFile(dir+p, []byte(data), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func (tc systemdCase) call(root string, stderr io.Writer) *call {
	env := map[string]string{"DPKG_MAINTSCRIPT_PACKAGE": "foo", "DPKG_MAINTSCRIPT_NAME": "postinst"}
	for k, v := range tc.env {
		env[k] = v
	}
	return &call{args: tc.args, env: env, root: root, stderr: stderr}
}

// TestSystemdHelperMatchesReal runs each case through the stand-in in one
// root and through the host's deb-systemd-helper (DPKG_ROOT) in another:
// where the stand-in answers, exit code, messages and the resulting trees
// must be the same.
func TestSystemdHelperMatchesReal(t *testing.T) {
	helper, err := os.ReadFile("/usr/bin/deb-systemd-helper")
	if err != nil {
		t.Skip("deb-systemd-helper not installed (init-system-helpers): nothing to compare with")
	}
	if _, err := exec.LookPath("perl"); err != nil {
		t.Skip("perl not installed: cannot run the real deb-systemd-helper")
	}
	mine := &call{root: systemdRoot(t, helper, systemdCase{})}
	if !mine.systemdHelperVerified() {
		t.Skip("the host's deb-systemd-helper is not a version the stand-in was checked against")
	}
	for _, tc := range systemdCases {
		t.Run(tc.name, func(t *testing.T) {
			standinRoot, realRoot := systemdRoot(t, helper, tc), systemdRoot(t, helper, tc)
			var standinErr bytes.Buffer
			code, handled := systemdHelper(tc.call(standinRoot, &standinErr))
			if handled != tc.handled {
				t.Fatalf("handled = %v, want %v", handled, tc.handled)
			}
			if !handled {
				return
			}
			cmd := exec.Command("perl", append([]string{realRoot + "/usr/bin/deb-systemd-helper"}, tc.args...)...)
			cmd.Env = []string{"PATH=/usr/bin:/bin", "DPKG_ROOT=" + realRoot}
			for k, v := range tc.call(realRoot, nil).env {
				cmd.Env = append(cmd.Env, k+"="+v)
			}
			var realErr bytes.Buffer
			cmd.Stderr = &realErr
			realCode := 0
			if err := cmd.Run(); err != nil {
				var ee *exec.ExitError
				if !errors.As(err, &ee) {
					t.Fatal(err)
				}
				realCode = ee.ExitCode()
			}
			if code != realCode || standinErr.String() != realErr.String() {
				t.Errorf("stand-in: exit %d %q; real: exit %d %q", code, standinErr.String(), realCode, realErr.String())
			}
			if diff := cmp.Diff(dumpDir(t, realRoot), dumpDir(t, standinRoot)); diff != "" {
				t.Errorf("trees differ (-real +stand-in):\n%s", diff)
			}
		})
	}
}

// TestStandinMain runs the test binary under the helpers' names, as a
// maintainer script would run plinth: answered calls exit at once, others
// reach the real program through exec.
func TestStandinMain(t *testing.T) {
	if _, err := os.Stat("/usr/bin/dpkg-maintscript-helper"); err != nil {
		t.Skip("no dpkg-maintscript-helper on the host for the stand-in to hand calls to")
	}
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(t.TempDir(), "dpkg-maintscript-helper")
	if err := os.Symlink(self, bin); err != nil {
		t.Fatal(err)
	}
	run := func(args ...string) (string, error) {
		cmd := exec.Command(bin, args...)
		cmd.Env = append(os.Environ(), "DPKG_MAINTSCRIPT_NAME=preinst", "DPKG_MAINTSCRIPT_PACKAGE=foo")
		out, err := cmd.CombinedOutput()
		return string(out), err
	}
	if out, err := run("rm_conffile", "/etc/foo.conf", "1.0", "--", "install"); err != nil || out != "" {
		t.Errorf("answered call: %v %q, want exit 0 and no output", err, out)
	}
	if out, err := run("--version"); err != nil || !strings.Contains(out, "dpkg-maintscript-helper version") {
		t.Errorf("--version: %v %q, want the real helper's version", err, out)
	}
}

func TestInstallStandins(t *testing.T) {
	helper := buildStaticHelper(t)
	dir := t.TempDir()
	os.MkdirAll(dir+"/usr/bin", 0o755)
	os.WriteFile(dir+"/usr/bin/dpkg-maintscript-helper", []byte("#!/bin/sh\n"), 0o755)
	c := &Chroot{Dir: dir, Env: DefaultEnv()}
	if err := c.InstallStandins(helper); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(dir + standinDir + "/dpkg-maintscript-helper"); err != nil {
		t.Errorf("dpkg-maintscript-helper stand-in missing: %v", err)
	}
	if _, err := os.Lstat(dir + standinDir + "/deb-systemd-helper"); err == nil {
		t.Errorf("deb-systemd-helper stand-in installed without the real program in the chroot")
	}
	if !contains(c.Env, "PATH="+standinDir+":/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin") {
		t.Errorf("PATH not led by the stand-ins: %q", c.Env)
	}
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Lstat(dir + standinDir); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("stand-ins left in the tree after Close: %v", err)
	}
	if !contains(c.Env, DefaultEnv()[0]) {
		t.Errorf("PATH not restored after Close: %q", c.Env)
	}

	t.Run("dynamic executable", func(t *testing.T) {
		dynamic := "/bin/sh"
		if err := CheckStatic(dynamic); err != nil && !errors.Is(err, ErrNotStatic) {
			t.Skipf("%s: %v", dynamic, err)
		} else if err == nil {
			t.Skipf("%s is static here", dynamic)
		}
		c := &Chroot{Dir: t.TempDir(), Env: DefaultEnv()}
		if err := c.InstallStandins(dynamic); !errors.Is(err, ErrNotStatic) {
			t.Errorf("InstallStandins(%s) = %v, want ErrNotStatic", dynamic, err)
		}
	})
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// buildStaticHelper builds testdata/chroothelper without cgo: a static
// executable of the host's architecture.
func buildStaticHelper(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "helper")
	cmd := exec.Command("go", "build", "-o", bin, "./testdata/chroothelper")
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("building the static helper: %v\n%s", err, out)
	}
	return bin
}

func FuzzMaintscriptHelper(f *testing.F) {
	for _, tc := range helperCases {
		f.Add(tc.script, strings.Join(tc.args, "\x00"))
	}
	root := f.TempDir()
	f.Fuzz(func(t *testing.T, script, args string) {
		c := &call{args: strings.Split(args, "\x00"), env: scriptEnv(script), root: root, stderr: io.Discard}
		code, handled := maintscriptHelper(c)
		if handled && code != 0 {
			t.Errorf("answered with exit %d; the stand-in only answers no-ops", code)
		}
		if handled && c.args[0] != "supports" {
			_, params, _ := splitHelperArgs(c.args[1:])
			if !firstInstall(script, params) {
				t.Errorf("answered %q in %s, not a first installation", c.args, script)
			}
		}
	})
}

func FuzzInstallLinks(f *testing.F) {
	for _, tc := range systemdCases {
		for _, u := range tc.units {
			f.Add([]byte(u))
		}
	}
	f.Fuzz(func(t *testing.T, unit []byte) {
		links, ok := installLinks(unit, "/lib/systemd/system/x.service")
		if !ok {
			return
		}
		for _, l := range links {
			rel, found := strings.CutPrefix(l.src, "/etc/systemd/system/")
			parts := strings.Split(rel, "/")
			if !found || len(parts) != 2 || parts[0] == "." || parts[0] == ".." || l.dest != "/lib/systemd/system/x.service" {
				t.Errorf("link %+v escapes /etc/systemd/system/<target>.wants/", l)
			}
		}
	})
}
