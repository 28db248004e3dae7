package qemu

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"

	"golang.org/x/sys/unix"
)

// ErrNotRoot is returned when a chroot is asked for without root privileges.
var ErrNotRoot = errors.New("running maintainer scripts needs root (chroot and mounts)")

// Chroot is a staging directory prepared for running target programs.
type Chroot struct {
	Dir    string
	Env    []string // the whole environment of programs run inside
	Stdout io.Writer
	Stderr io.Writer
	mounts []string // mounted paths, in mount order
	// standins is the directory InstallStandins filled, "" if none.
	standins string
}

// DefaultEnv is the environment maintainer scripts run with: nothing of the
// host's leaks in.
func DefaultEnv() []string {
	return []string{
		"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
		"LC_ALL=C.UTF-8",
		"LANG=C.UTF-8",
		"HOME=/root",
		"DEBIAN_FRONTEND=noninteractive",
		"DEBCONF_NONINTERACTIVE_SEEN=true",
		"DEBCONF_NOWARNINGS=yes",
		"DPKG_FRONTEND_LOCKED=",
	}
}

// Open mounts proc, sysfs and a minimal /dev under dir. Close unmounts
// them; callers defer it right away so a failure or interrupt leaves no mount.
func Open(dir string) (*Chroot, error) {
	if os.Geteuid() != 0 {
		return nil, ErrNotRoot
	}
	c := &Chroot{Dir: dir, Env: DefaultEnv(), Stdout: io.Discard, Stderr: io.Discard}
	steps := []struct {
		target, fstype string
		flags          uintptr
		data           string
	}{
		{"proc", "proc", unix.MS_NOSUID | unix.MS_NODEV | unix.MS_NOEXEC, ""},
		{"sys", "sysfs", unix.MS_NOSUID | unix.MS_NODEV | unix.MS_NOEXEC | unix.MS_RDONLY, ""},
		{"dev", "tmpfs", unix.MS_NOSUID | unix.MS_NOEXEC, "mode=0755,size=1m"},
	}
	for _, s := range steps {
		if err := c.mount(s.target, s.fstype, s.flags, s.data); err != nil {
			c.Close()
			return nil, err
		}
	}
	if err := populateDev(filepath.Join(dir, "dev")); err != nil {
		c.Close()
		return nil, err
	}
	if err := c.mount("dev/pts", "devpts", unix.MS_NOSUID|unix.MS_NOEXEC, "newinstance,ptmxmode=0666,mode=0620"); err != nil {
		c.Close()
		return nil, err
	}
	return c, nil
}

func (c *Chroot) mount(target, fstype string, flags uintptr, data string) error {
	p := filepath.Join(c.Dir, target)
	// The target must be a real directory inside the chroot, never a symlink
	// that would take the mount elsewhere.
	if fi, err := os.Lstat(p); err == nil && fi.Mode()&os.ModeSymlink != 0 {
		return fmt.Errorf("mounting %s: %s is a symlink", fstype, p)
	}
	if err := os.MkdirAll(p, 0o755); err != nil {
		return fmt.Errorf("mounting %s: %w", fstype, err)
	}
	if err := unix.Mount(fstype, p, fstype, flags, data); err != nil {
		return fmt.Errorf("mounting %s on %s: %w", fstype, p, err)
	}
	c.mounts = append(c.mounts, p)
	return nil
}

// populateDev makes the device nodes scripts expect.
func populateDev(dev string) error {
	nodes := []struct {
		name         string
		major, minor uint32
	}{{"null", 1, 3}, {"zero", 1, 5}, {"full", 1, 7}, {"random", 1, 8}, {"urandom", 1, 9}, {"tty", 5, 0}}
	for _, n := range nodes {
		p := filepath.Join(dev, n.name)
		if err := unix.Mknod(p, unix.S_IFCHR|0o666, int(unix.Mkdev(n.major, n.minor))); err != nil {
			return fmt.Errorf("creating %s: %w", p, err)
		}
		if err := os.Chmod(p, 0o666); err != nil {
			return err
		}
	}
	for _, l := range [][2]string{{"/proc/self/fd", "fd"}, {"/proc/self/fd/0", "stdin"}, {"/proc/self/fd/1", "stdout"}, {"/proc/self/fd/2", "stderr"}, {"pts/ptmx", "ptmx"}} {
		if err := os.Symlink(l[0], filepath.Join(dev, l[1])); err != nil {
			return err
		}
	}
	return os.MkdirAll(filepath.Join(dev, "shm"), 0o1777)
}

// Close removes the stand-ins, kills what scripts left running inside the
// chroot (a daemon that escaped its process group) and unmounts everything
// Open mounted, innermost first. It is safe to call more than once.
func (c *Chroot) Close() error {
	var errs []error
	if err := c.removeStandins(); err != nil {
		errs = append(errs, fmt.Errorf("removing the stand-ins: %w", err))
	}
	if len(c.mounts) > 0 {
		if err := killInside(c.Dir); err != nil {
			errs = append(errs, err)
		}
	}
	for i := len(c.mounts) - 1; i >= 0; i-- {
		err := unix.Unmount(c.mounts[i], 0)
		if errors.Is(err, unix.EINVAL) || errors.Is(err, unix.ENOENT) {
			continue // no longer mounted (UnmountAll got there first)
		}
		if err != nil {
			// A script may have left a process holding it: detach instead.
			if err2 := unix.Unmount(c.mounts[i], unix.MNT_DETACH); err2 != nil {
				errs = append(errs, fmt.Errorf("unmounting %s: %w", c.mounts[i], err))
			}
		}
	}
	c.mounts = nil
	return errors.Join(errs...)
}

// Run executes argv inside the chroot (cwd /) with Env plus extraEnv and
// waits for it; ctx cancellation kills it. Output goes to Stdout and
// Stderr; on failure the error carries the tail of the output.
func (c *Chroot) Run(ctx context.Context, extraEnv []string, argv ...string) error {
	var tail tailBuffer
	if len(argv) == 0 {
		return &ScriptError{Argv: argv, Err: errors.New("no program given")}
	}
	env := append(append([]string(nil), c.Env...), extraEnv...)
	prog, err := c.lookPath(argv[0], env)
	if err != nil {
		return &ScriptError{Argv: argv, Err: err}
	}
	cmd := exec.CommandContext(ctx, prog, argv[1:]...)
	cmd.Args[0] = argv[0]
	cmd.Env = env
	cmd.Dir = "/"
	cmd.Stdout = io.MultiWriter(c.Stdout, &tail)
	cmd.Stderr = io.MultiWriter(c.Stderr, &tail)
	// Its own process group, killed as a whole on cancel; and killed with
	// plinth, should plinth die without running Cancel (SIGKILL).
	cmd.SysProcAttr = &syscall.SysProcAttr{Chroot: c.Dir, Setpgid: true, Pdeathsig: syscall.SIGKILL}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	if err := cmd.Run(); err != nil {
		if cause := context.Cause(ctx); cause != nil {
			// Killed because plinth was interrupted: say so, not "signal: killed".
			err = fmt.Errorf("stopped (%w); its process group was killed", cause)
		}
		return &ScriptError{Argv: argv, Err: err, Output: tail.String()}
	}
	return nil
}

// ScriptError reports a program that failed inside the chroot.
type ScriptError struct {
	Argv   []string
	Err    error
	Output string
}

func (e *ScriptError) Error() string {
	msg := fmt.Sprintf("running %s in the chroot: %v", strings.Join(e.Argv, " "), e.Err)
	if e.Output != "" {
		msg += "\n" + indent(e.Output)
	}
	return msg
}

func (e *ScriptError) Unwrap() error { return e.Err }

// tailBuffer keeps the last 4 KiB written to it.
type tailBuffer struct{ b []byte }

func (t *tailBuffer) Write(p []byte) (int, error) {
	t.b = append(t.b, p...)
	if len(t.b) > 4096 {
		t.b = t.b[len(t.b)-4096:]
	}
	return len(p), nil
}

func (t *tailBuffer) String() string { return strings.TrimRight(string(t.b), "\n") }

func indent(s string) string {
	return "    " + strings.ReplaceAll(s, "\n", "\n    ")
}

// MountScratch mounts a private tmpfs on dir for a staging tree: scripts'
// fsyncs cost nothing there, and nothing of the build reaches the disk.
// The returned func unmounts it (lazily, if something still holds it).
func MountScratch(dir string) (func() error, error) {
	if err := unix.Mount("tmpfs", dir, "tmpfs", unix.MS_NOSUID|unix.MS_NODEV, "mode=0755"); err != nil {
		return nil, fmt.Errorf("mounting a tmpfs on %s: %w", dir, err)
	}
	return func() error {
		if err := unix.Unmount(dir, 0); err != nil {
			return unix.Unmount(dir, unix.MNT_DETACH)
		}
		return nil
	}, nil
}

// fastArm64CPU is qemu-user's default arm64 CPU model ("max", every
// feature) with pointer authentication computed by QEMU's cheap
// implementation-defined algorithm instead of the architected QARMA5. The
// guest sees the same CPU and features; only the PAC bits differ, and those
// come from per-process random keys anyway. Binaries built with
// -mbranch-protection (Debian 13, Ubuntu 24.04) sign and check return
// addresses in every function: with QARMA5, Perl with Debconf loaded starts
// in 1.8 s instead of 0.5 s.
const fastArm64CPU = "max,pauth-impdef=on"

// FastPointerAuth sets QEMU_CPU for programs run inside so that an
// emulated arm64 CPU computes pointer authentication cheaply (see
// fastArm64CPU). It first runs probe (a program of the chroot, such as
// "true") with the setting and keeps it only when that works: a qemu-user
// without the property refuses to start. It reports whether the setting
// is kept. Call it only when arm64 code runs under qemu-user.
func (c *Chroot) FastPointerAuth(ctx context.Context, probe string) bool {
	env := []string{"QEMU_CPU=" + fastArm64CPU}
	if err := c.Run(ctx, env, probe); err != nil {
		return false
	}
	c.Env = append(c.Env, env...)
	return true
}
