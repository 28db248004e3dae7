package qemu

import (
	"debug/elf"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"syscall"
)

// Stand-ins: under qemu-user every program a maintainer script starts costs
// tens of milliseconds before it does anything, and a Perl helper half a
// second. A few Debian helpers are called dozens of times by a base
// system's scripts, mostly to find there is nothing to do on a first
// installation. plinth's own executable, static and native, is put in the
// chroot under their names, first in PATH: it answers natively the calls
// whose outcome it knows exactly, and hands every other call, unchanged, to
// the real program by exec.

// standinDir holds the stand-ins inside the chroot while scripts run.
const standinDir = "/.plinth-standins"

// standins maps each stand-in's name to the real program and the function
// that may answer a call in its place.
var standins = map[string]struct {
	real   string
	answer func(*call) (code int, handled bool)
}{
	"dpkg-maintscript-helper": {"/usr/bin/dpkg-maintscript-helper", maintscriptHelper},
	"deb-systemd-helper":      {"/usr/bin/deb-systemd-helper", systemdHelper},
	"dpkg-realpath":           {"/usr/bin/dpkg-realpath", dpkgRealpath},
}

// call is one invocation of a stand-in.
type call struct {
	args   []string          // after the program name
	env    map[string]string // the caller's environment
	root   string            // "" inside the chroot; a directory in tests
	stdout io.Writer
	stderr io.Writer
}

// IsStandin reports whether argv0 names a stand-in, meaning the running
// executable was started inside a chroot to act as that program.
func IsStandin(argv0 string) bool {
	_, ok := standins[filepath.Base(argv0)]
	return ok
}

// StandinMain runs the stand-in argv[0] names: it answers the call and
// returns the exit code, or replaces the process with the real program.
func StandinMain(argv, environ []string) int {
	name := filepath.Base(argv[0])
	s := standins[name]
	c := &call{args: argv[1:], env: envMap(environ), stdout: os.Stdout, stderr: os.Stderr}
	if code, ok := s.answer(c); ok {
		return code
	}
	real := append([]string{s.real}, argv[1:]...)
	err := syscall.Exec(s.real, real, environ)
	fmt.Fprintf(os.Stderr, "%s: running %s: %v\n", name, s.real, err)
	return 127
}

func envMap(environ []string) map[string]string {
	m := make(map[string]string, len(environ))
	for _, kv := range environ {
		if k, v, ok := strings.Cut(kv, "="); ok {
			m[k] = v
		}
	}
	return m
}

// ErrNotStatic says an executable cannot serve as a stand-in: it needs a
// dynamic loader the chroot does not have.
var ErrNotStatic = errors.New("not a static executable")

// InstallStandins puts exe (plinth's own static executable) into the chroot
// under the name of each stand-in whose real program is there, and puts
// their directory first in the PATH of programs run inside. Close removes
// them again.
func (c *Chroot) InstallStandins(exe string) error {
	if err := CheckStatic(exe); err != nil {
		return fmt.Errorf("using %s as a stand-in: %w", exe, err)
	}
	dir := filepath.Join(c.Dir, standinDir)
	if err := os.Mkdir(dir, 0o755); err != nil {
		return fmt.Errorf("creating the stand-in directory: %w", err)
	}
	c.standins = dir
	first := filepath.Join(dir, "plinth")
	if err := copyExecutable(exe, first); err != nil {
		return err
	}
	for name, s := range standins {
		if _, err := os.Lstat(filepath.Join(c.Dir, s.real)); err != nil {
			continue
		}
		if err := os.Link(first, filepath.Join(dir, name)); err != nil {
			return fmt.Errorf("linking the %s stand-in: %w", name, err)
		}
	}
	for i, kv := range c.Env {
		if v, ok := strings.CutPrefix(kv, "PATH="); ok {
			c.Env[i] = "PATH=" + standinDir + ":" + v
		}
	}
	return nil
}

// CheckStatic refuses an executable with a program interpreter (one linked
// dynamically, as cgo builds are): it could not run in a chroot of another
// distribution or architecture.
func CheckStatic(exe string) error {
	f, err := elf.Open(exe)
	if err != nil {
		return err
	}
	defer f.Close()
	for _, p := range f.Progs {
		if p.Type == elf.PT_INTERP {
			return ErrNotStatic
		}
	}
	return nil
}

func copyExecutable(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o755)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return fmt.Errorf("copying %s: %w", src, err)
	}
	return out.Close()
}

// removeStandins takes the stand-ins out of the chroot and PATH.
func (c *Chroot) removeStandins() error {
	if c.standins == "" {
		return nil
	}
	for i, kv := range c.Env {
		if v, ok := strings.CutPrefix(kv, "PATH="+standinDir+":"); ok {
			c.Env[i] = "PATH=" + v
		}
	}
	err := os.RemoveAll(c.standins)
	c.standins = ""
	return err
}
