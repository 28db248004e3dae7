package rootfs

import (
	"bytes"
	"debug/elf"
	"errors"
	"fmt"
	"path"
)

// Applet is one applet compiled into a busybox binary.
type Applet struct {
	Name string
	// Dir is where "busybox --install" puts the applet: "/", "/bin",
	// "/sbin", "/usr/bin" or "/usr/sbin"; "" when the binary does not
	// record install locations (built without FEATURE_INSTALLER).
	Dir string
}

// ErrNoApplets is returned for a binary without a busybox applet table.
var ErrNoApplets = errors.New("no busybox applet table found (is this a busybox binary?)")

// busyboxDirs maps busybox's BB_DIR_* install locations to directories.
var busyboxDirs = [...]string{"/", "/bin", "/sbin", "/usr/bin", "/usr/sbin"}

// appletAnchors are applets whose install location busybox fixes in its
// source; a candidate location table must agree with every one present.
var appletAnchors = map[string]byte{
	"[": 3, "ls": 1, "sh": 1, "cat": 1, "mount": 1, "init": 2,
	"ifconfig": 2, "awk": 3, "env": 3, "chroot": 4, "crond": 4,
}

// BusyboxApplets lists the applet names compiled into a busybox binary,
// sorted as busybox stores them, without executing it.
func BusyboxApplets(binary []byte) ([]string, error) {
	applets, err := ReadBusyboxApplets(binary)
	if err != nil {
		return nil, err
	}
	names := make([]string, len(applets))
	for i, a := range applets {
		names[i] = a.Name
	}
	return names, nil
}

// ReadBusyboxApplets reads the applet table of a busybox ELF binary of any
// architecture: applet_names (one NUL-separated, sorted list starting with
// "[" and "[[") and, when present, applet_install_loc (two 4-bit BB_DIR_*
// codes a byte), both in .rodata.
func ReadBusyboxApplets(binary []byte) ([]Applet, error) {
	data, err := busyboxRodata(binary)
	if err != nil {
		return nil, err
	}
	names := findAppletNames(data)
	if names == nil {
		return nil, ErrNoApplets
	}
	dirs := findInstallLocations(data, names)
	applets := make([]Applet, len(names))
	for i, n := range names {
		applets[i] = Applet{Name: n}
		if dirs != nil {
			applets[i].Dir = busyboxDirs[dirs[i]]
		}
	}
	return applets, nil
}

// busyboxRodata returns the .rodata section of an ELF binary, or every
// allocated PROGBITS section when the section is not named.
func busyboxRodata(binary []byte) ([]byte, error) {
	f, err := elf.NewFile(bytes.NewReader(binary))
	if err != nil {
		return nil, fmt.Errorf("reading busybox binary: %w", err)
	}
	if s := f.Section(".rodata"); s != nil && s.Type == elf.SHT_PROGBITS {
		return sectionData(s, len(binary))
	}
	var all []byte
	for _, s := range f.Sections {
		if s.Type != elf.SHT_PROGBITS || s.Flags&elf.SHF_ALLOC == 0 {
			continue
		}
		data, err := sectionData(s, len(binary)-len(all))
		if err != nil {
			return nil, err
		}
		all = append(all, data...)
	}
	return all, nil
}

// sectionData reads an uncompressed section of at most budget bytes: the
// sections of a real binary do not overlap, so they fit in the file.
func sectionData(s *elf.Section, budget int) ([]byte, error) {
	if s.Flags&elf.SHF_COMPRESSED != 0 || s.Size > uint64(budget) {
		return nil, fmt.Errorf("reading busybox section %s: compressed, or larger than the file", s.Name)
	}
	data, err := s.Data()
	if err != nil {
		return nil, fmt.Errorf("reading busybox section %s: %w", s.Name, err)
	}
	return data, nil
}

// findAppletNames returns the longest valid applet name list in data.
func findAppletNames(data []byte) []string {
	marker := []byte("[\x00[[\x00")
	var best []string
	for off := 0; ; {
		i := bytes.Index(data[off:], marker)
		if i < 0 {
			return best
		}
		if names := parseAppletNames(data[off+i:]); len(names) > len(best) {
			best = names
		}
		off += i + 1
	}
}

// parseAppletNames reads NUL-terminated names while they are valid applet
// names in strictly increasing order; the list ends with an empty name.
func parseAppletNames(data []byte) []string {
	var names []string
	for len(data) > 0 {
		end := bytes.IndexByte(data, 0)
		if end < 0 {
			return nil
		}
		name := string(data[:end])
		if name == "" {
			break
		}
		if !validAppletName(name) || len(names) > 0 && name <= names[len(names)-1] {
			return nil
		}
		names = append(names, name)
		data = data[end+1:]
	}
	if len(names) < 2 {
		return nil
	}
	return names
}

func validAppletName(s string) bool {
	if len(s) > 64 {
		return false
	}
	for _, c := range []byte(s) {
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
		case c == '[' || c == ']' || c == '-' || c == '_' || c == '.' || c == '+':
		default:
			return false
		}
	}
	return true
}

// findInstallLocations finds applet_install_loc: (n+1)/2 bytes whose
// nibbles are BB_DIR_* codes (0-4) and which agrees with the anchors. It
// returns one code per applet, or nil when no single table fits.
func findInstallLocations(data []byte, names []string) []byte {
	size := (len(names) + 1) / 2
	anchors := map[int]byte{}
	for i, n := range names {
		if loc, ok := appletAnchors[n]; ok {
			anchors[i] = loc
		}
	}
	if len(anchors) < 2 || size > len(data) {
		return nil
	}
	var found []byte
	run := 0 // valid bytes ending at i
	for i, b := range data {
		if b&0x0f > 4 || b>>4 > 4 {
			run = 0
			continue
		}
		run++
		if run < size {
			continue
		}
		locs := decodeLocations(data[i+1-size:i+1], len(names), anchors)
		if locs == nil {
			continue
		}
		if found != nil && !bytes.Equal(found, locs) {
			return nil // ambiguous
		}
		found = locs
	}
	return found
}

func decodeLocations(table []byte, n int, anchors map[int]byte) []byte {
	if n%2 == 1 && table[len(table)-1]>>4 != 0 {
		return nil
	}
	locs := make([]byte, n)
	for i := range locs {
		b := table[i/2]
		if i%2 == 1 {
			b >>= 4
		}
		locs[i] = b & 0x0f
	}
	for i, want := range anchors {
		if locs[i] != want {
			return nil
		}
	}
	return locs
}

// InstallBusyboxLinks creates a symlink to the busybox binary at
// busyboxPath for each of its applets, where "busybox --install -s" would
// put it (in /usr/bin when the binary does not say, plus /bin/sh), unless
// something already exists at that path. Applets busybox installs at the
// root ("linuxrc") are skipped. Links are relative, so they also work in an
// unpacked directory. It returns the number of links created.
func InstallBusyboxLinks(t *Tree, busyboxPath string) (int, error) {
	binPath, err := t.Resolve(busyboxPath, true)
	if err != nil {
		return 0, fmt.Errorf("resolving busybox %s: %w", busyboxPath, err)
	}
	binary, err := t.ReadFile(binPath)
	if err != nil {
		return 0, fmt.Errorf("reading busybox %s: %w", busyboxPath, err)
	}
	applets, err := ReadBusyboxApplets(binary)
	if err != nil {
		return 0, fmt.Errorf("listing applets of %s: %w", busyboxPath, err)
	}
	created := 0
	for _, link := range appletLinks(applets) {
		ok, err := linkApplet(t, binPath, link)
		if err != nil {
			return created, err
		}
		if ok {
			created++
		}
	}
	return created, nil
}

// appletLinks lists the link paths for applets, skipping root-level ones.
func appletLinks(applets []Applet) []string {
	var links []string
	known := true
	for _, a := range applets {
		dir := a.Dir
		if dir == "" {
			known, dir = false, "/usr/bin"
		}
		if dir == "/" || a.Name == "busybox" {
			continue
		}
		links = append(links, path.Join(dir, a.Name))
	}
	if !known {
		links = append(links, "/bin/sh")
	}
	return links
}

// linkApplet creates link -> binPath (relative) unless link exists.
func linkApplet(t *Tree, binPath, link string) (bool, error) {
	dir, err := t.Resolve(path.Dir(link), true)
	if err != nil {
		return false, fmt.Errorf("resolving %s: %w", path.Dir(link), err)
	}
	if err := t.MkdirAll(dir, 0o755, 0, 0); err != nil {
		return false, fmt.Errorf("creating %s: %w", dir, err)
	}
	at := path.Join(dir, path.Base(link))
	if _, ok := t.Get(at); ok {
		return false, nil
	}
	if err := t.Symlink(relativeLink(dir, binPath), at); err != nil {
		return false, fmt.Errorf("linking applet %s: %w", link, err)
	}
	return true, nil
}

// relativeLink returns the target of a symlink in dir pointing at target
// (both absolute, clean).
func relativeLink(dir, target string) string {
	from := splitPath(dir)
	to := splitPath(target)
	common := 0
	for common < len(from) && common < len(to)-1 && from[common] == to[common] {
		common++
	}
	var parts []string
	for range from[common:] {
		parts = append(parts, "..")
	}
	parts = append(parts, to[common:]...)
	return path.Join(parts...)
}

func splitPath(p string) []string {
	return components(Clean(p))
}
