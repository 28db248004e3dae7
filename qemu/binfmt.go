package qemu

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"

	"github.com/plinth-build/plinth/debpkg"
)

// Binfmt locates the kernel's binfmt_misc and the qemu-user definitions.
// The zero value uses the system paths; tests point it elsewhere.
type Binfmt struct {
	// Mount is binfmt_misc's mount point; default /proc/sys/fs/binfmt_misc.
	Mount string
	// Definitions are the directories searched for qemu-<name>.conf files
	// (systemd binfmt.d format); default /usr/lib/binfmt.d, /etc/binfmt.d.
	Definitions []string
	// Host is the machine's own architecture; default debpkg.HostArch().
	Host *debpkg.Arch
}

// NoEmulationError says the kernel cannot run an architecture's programs.
type NoEmulationError struct {
	Arch   string
	Reason string
}

func (e *NoEmulationError) Error() string {
	return fmt.Sprintf("cannot run %s programs (needed for maintainer scripts): %s; install Debian's qemu-user-static package and run plinth as root so it can register binfmt_misc, or build an extract-only recipe (configure = \"none\")", e.Arch, e.Reason)
}

// Entry is one binfmt_misc registration.
type Entry struct {
	Name        string
	Enabled     bool
	Interpreter string
	Flags       string
	Offset      int
	Magic, Mask []byte
}

func (b Binfmt) mount() string {
	if b.Mount != "" {
		return b.Mount
	}
	return "/proc/sys/fs/binfmt_misc"
}

func (b Binfmt) host() debpkg.Arch {
	if b.Host != nil {
		return *b.Host
	}
	return debpkg.HostArch()
}

// Check reports whether arch's programs run here: natively, or through an
// enabled binfmt_misc entry with the F (fix binary) flag, so the
// interpreter works inside a chroot without copying it there.
func (b Binfmt) Check(arch debpkg.Arch) error {
	if arch.Name == b.host().Name {
		return nil
	}
	entries, err := b.Entries()
	if err != nil {
		return &NoEmulationError{Arch: arch.Name, Reason: err.Error()}
	}
	for _, e := range entries {
		if !e.matches(arch) {
			continue
		}
		if !e.Enabled {
			return &NoEmulationError{Arch: arch.Name, Reason: "binfmt_misc entry " + e.Name + " is disabled"}
		}
		if !strings.Contains(e.Flags, "F") {
			return &NoEmulationError{Arch: arch.Name, Reason: "binfmt_misc entry " + e.Name + " lacks the F flag, so it cannot work inside a chroot"}
		}
		return nil
	}
	return &NoEmulationError{Arch: arch.Name, Reason: "no binfmt_misc entry handles its ELF binaries"}
}

// Ensure makes arch runnable: if Check fails and we are root, it mounts
// binfmt_misc when needed and registers the installed qemu-user definition.
func (b Binfmt) Ensure(arch debpkg.Arch) error {
	err := b.Check(arch)
	if err == nil {
		return nil
	}
	if os.Geteuid() != 0 {
		return err
	}
	if err := b.mountIfNeeded(); err != nil {
		return &NoEmulationError{Arch: arch.Name, Reason: err.Error()}
	}
	def, err := b.definition(arch)
	if err != nil {
		return &NoEmulationError{Arch: arch.Name, Reason: err.Error()}
	}
	if err := b.register(def); err != nil {
		return &NoEmulationError{Arch: arch.Name, Reason: err.Error()}
	}
	return b.Check(arch)
}

func (b Binfmt) mountIfNeeded() error {
	if _, err := os.Stat(filepath.Join(b.mount(), "register")); err == nil {
		return nil
	}
	if err := unix.Mount("binfmt_misc", b.mount(), "binfmt_misc", 0, ""); err != nil {
		return fmt.Errorf("mounting binfmt_misc on %s: %w", b.mount(), err)
	}
	return nil
}

// definition finds qemu-<name>.conf for arch and checks its interpreter exists.
func (b Binfmt) definition(arch debpkg.Arch) (string, error) {
	dirs := b.Definitions
	if len(dirs) == 0 {
		dirs = []string{"/usr/lib/binfmt.d", "/etc/binfmt.d"}
	}
	for _, d := range dirs {
		data, err := os.ReadFile(filepath.Join(d, "qemu-"+arch.QEMU+".conf"))
		if err != nil {
			continue
		}
		line := strings.TrimSpace(string(data))
		e, err := ParseDefinition(line)
		if err != nil {
			return "", err
		}
		if _, err := os.Stat(e.Interpreter); err != nil {
			return "", fmt.Errorf("the interpreter %s named by %s is missing: %w", e.Interpreter, filepath.Join(d, "qemu-"+arch.QEMU+".conf"), err)
		}
		if !strings.Contains(e.Flags, "F") {
			line += "F"
		}
		return line, nil
	}
	return "", fmt.Errorf("no qemu-%s.conf in %s", arch.QEMU, strings.Join(dirs, ", "))
}

func (b Binfmt) register(def string) error {
	e, _ := ParseDefinition(def)
	if e != nil {
		// An old entry of that name (e.g. without F) must go first.
		old := filepath.Join(b.mount(), e.Name)
		if _, err := os.Stat(old); err == nil {
			if err := os.WriteFile(old, []byte("-1"), 0); err != nil {
				return fmt.Errorf("removing the old %s entry: %w", e.Name, err)
			}
		}
	}
	if err := os.WriteFile(filepath.Join(b.mount(), "register"), []byte(def), 0); err != nil {
		return fmt.Errorf("registering %q: %w", def, err)
	}
	return nil
}

// Entries reads every registered binfmt_misc entry.
func (b Binfmt) Entries() ([]Entry, error) {
	names, err := os.ReadDir(b.mount())
	if err != nil {
		return nil, fmt.Errorf("reading %s (binfmt_misc not mounted?): %w", b.mount(), err)
	}
	var out []Entry
	for _, n := range names {
		if n.Name() == "register" || n.Name() == "status" {
			continue
		}
		data, err := os.ReadFile(filepath.Join(b.mount(), n.Name()))
		if err != nil {
			continue
		}
		e, err := ParseEntry(n.Name(), data)
		if err != nil {
			continue // not a magic entry (e.g. extension-based)
		}
		out = append(out, *e)
	}
	return out, nil
}

// ParseEntry reads a /proc/sys/fs/binfmt_misc/<name> file.
func ParseEntry(name string, data []byte) (*Entry, error) {
	e := &Entry{Name: name}
	for _, line := range strings.Split(string(data), "\n") {
		k, v, _ := strings.Cut(strings.TrimSpace(line), " ")
		switch k {
		case "enabled":
			e.Enabled = true
		case "interpreter":
			e.Interpreter = v
		case "flags:":
			e.Flags = v
		case "offset":
			e.Offset, _ = strconv.Atoi(v)
		case "magic":
			e.Magic = unhex(v)
		case "mask":
			e.Mask = unhex(v)
		}
	}
	if e.Magic == nil {
		return nil, errors.New("no magic")
	}
	return e, nil
}

// ParseDefinition reads a binfmt.d line ":name:M:offset:magic:mask:interpreter:flags".
func ParseDefinition(line string) (*Entry, error) {
	if len(line) < 2 {
		return nil, fmt.Errorf("binfmt definition %q is too short", line)
	}
	sep := line[:1]
	f := strings.Split(line[1:], sep)
	if len(f) < 7 || f[1] != "M" {
		return nil, fmt.Errorf("binfmt definition %q: want :name:M:offset:magic:mask:interpreter:flags", line)
	}
	off, _ := strconv.Atoi(f[2])
	return &Entry{Name: f[0], Enabled: true, Offset: off, Magic: unescape(f[3]), Mask: unescape(f[4]), Interpreter: f[5], Flags: f[6]}, nil
}

// matches reports whether the entry claims arch's ELF executables.
func (e Entry) matches(arch debpkg.Arch) bool {
	hdr := elfHeader(arch)
	if hdr == nil || e.Offset+len(e.Magic) > len(hdr) {
		return false
	}
	for i, m := range e.Magic {
		mask := byte(0xff)
		if i < len(e.Mask) {
			mask = e.Mask[i]
		}
		if hdr[e.Offset+i]&mask != m&mask {
			return false
		}
	}
	return true
}

// elfHeader is the first 20 bytes of an executable for arch.
func elfHeader(arch debpkg.Arch) []byte {
	machine := map[string]uint16{"amd64": 62, "arm64": 183, "armhf": 40, "armel": 40, "i386": 3, "ppc64el": 21, "s390x": 22, "riscv64": 243, "mips64el": 8}
	m, ok := machine[arch.Name]
	if !ok {
		return nil
	}
	class, data := byte(2), byte(1) // 64-bit little-endian
	switch arch.Name {
	case "armhf", "armel", "i386":
		class = 1
	case "s390x":
		data = 2
	}
	h := []byte{0x7f, 'E', 'L', 'F', class, data, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2, 0, 0, 0}
	if data == 2 {
		h[16], h[17], h[18], h[19] = 0, 2, byte(m>>8), byte(m)
	} else {
		h[18], h[19] = byte(m), byte(m>>8)
	}
	return h
}

func unhex(s string) []byte {
	out := make([]byte, 0, len(s)/2)
	for i := 0; i+1 < len(s); i += 2 {
		v, err := strconv.ParseUint(s[i:i+2], 16, 8)
		if err != nil {
			return nil
		}
		out = append(out, byte(v))
	}
	return out
}

// unescape decodes binfmt.d's \xHH escapes.
func unescape(s string) []byte {
	var b bytes.Buffer
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+3 < len(s) && s[i+1] == 'x' {
			if v, err := strconv.ParseUint(s[i+2:i+4], 16, 8); err == nil {
				b.WriteByte(byte(v))
				i += 3
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return b.Bytes()
}
