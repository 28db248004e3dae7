package qemu

import (
	"bufio"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// lookPath finds name the way the chroot's own shell would: a name with a
// slash is taken as is, any other is searched in the PATH of env under the
// chroot directory, never on the host. It returns the path inside the
// chroot.
func (c *Chroot) lookPath(name string, env []string) (string, error) {
	if strings.Contains(name, "/") {
		return name, nil
	}
	path := "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
	for _, kv := range env {
		if v, ok := strings.CutPrefix(kv, "PATH="); ok {
			path = v
		}
	}
	root, err := os.OpenRoot(c.Dir)
	if err != nil {
		return "", fmt.Errorf("looking up %s in the chroot: %w", name, err)
	}
	defer root.Close()
	for _, dir := range filepath.SplitList(path) {
		if !strings.HasPrefix(dir, "/") {
			continue // a relative PATH entry means nothing at cwd /
		}
		p := filepath.Join(dir, name)
		// Lstat: merged /usr and alternatives make many programs symlinks,
		// often absolute ones that only resolve inside the chroot.
		if _, err := root.Lstat(strings.TrimPrefix(p, "/")); err == nil {
			return p, nil
		}
	}
	return "", fmt.Errorf("%s: not found in the chroot's PATH (%s): is the package that ships it in the recipe?", name, path)
}

// killInside sends SIGKILL to every process whose root directory is dir
// (what a maintainer script daemonized out of its process group) and
// waits up to a second for them to go, so that the mounts can be undone.
func killInside(dir string) error {
	var last []int
	for range 20 {
		pids, err := processesInside(dir)
		if err != nil || len(pids) == 0 {
			return err
		}
		for _, pid := range pids {
			syscall.Kill(pid, syscall.SIGKILL)
		}
		last = pids
		time.Sleep(50 * time.Millisecond)
	}
	return fmt.Errorf("processes %v still run inside %s after SIGKILL", last, dir)
}

// processesInside lists the processes whose root is dir.
func processesInside(dir string) ([]int, error) {
	want, err := filepath.EvalSymlinks(dir)
	if err != nil {
		return nil, err
	}
	if want == "/" {
		return nil, errors.New("listing the processes inside /: that is every process; refusing")
	}
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return nil, err
	}
	self := os.Getpid()
	var pids []int
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil || pid == self {
			continue
		}
		root, err := os.Readlink("/proc/" + e.Name() + "/root")
		if err != nil {
			continue // gone, or a kernel thread
		}
		if root == want {
			pids = append(pids, pid)
		}
	}
	return pids, nil
}

// MountsUnder returns the mount points at or below dir, from
// /proc/self/mountinfo, in mount order.
func MountsUnder(dir string) ([]string, error) {
	data, err := os.ReadFile("/proc/self/mountinfo")
	if err != nil {
		return nil, fmt.Errorf("reading the mount table: %w", err)
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, err
	}
	if real, err := filepath.EvalSymlinks(abs); err == nil {
		abs = real
	}
	var out []string
	sc := bufio.NewScanner(strings.NewReader(string(data)))
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) < 5 {
			continue
		}
		mp := unescapeMountinfo(fields[4])
		if mp == abs || strings.HasPrefix(mp, abs+"/") {
			out = append(out, mp)
		}
	}
	return out, sc.Err()
}

// unescapeMountinfo decodes the octal escapes (\040 for a space) the
// kernel writes in mount points.
func unescapeMountinfo(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+3 < len(s) {
			if n, err := strconv.ParseUint(s[i+1:i+4], 8, 8); err == nil {
				b.WriteByte(byte(n))
				i += 3
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// UnmountAll kills the processes left inside dir and unmounts everything
// mounted at or below it, deepest first, detaching what is still busy:
// what a chroot left behind when plinth was killed before Close could run.
func UnmountAll(dir string) error {
	if _, err := os.Stat(dir); errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	mounts, err := MountsUnder(dir)
	if err != nil || len(mounts) == 0 {
		return err
	}
	if os.Geteuid() != 0 {
		return fmt.Errorf("unmounting %d mounts left under %s: %w", len(mounts), dir, ErrNotRoot)
	}
	var errs []error
	if err := killInside(dir); err != nil {
		errs = append(errs, err)
	}
	slices.Reverse(mounts)
	for _, m := range mounts {
		if err := unix.Unmount(m, unix.MNT_DETACH); err != nil && !errors.Is(err, unix.EINVAL) {
			errs = append(errs, fmt.Errorf("unmounting %s: %w", m, err))
		}
	}
	return errors.Join(errs...)
}
