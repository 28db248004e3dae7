package qemu

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path"
	"regexp"
	"strings"
)

// verifiedSystemdHelpers are the SHA-256 sums of the deb-systemd-helper
// scripts systemdHelper was checked against, call by call (TestSystemdHelperMatchesReal):
// init-system-helpers 1.65.2 (Debian 12), whose script 1.69~deb13u1
// (Debian 13) ships unchanged. With any other script in the chroot every
// call goes to the real one.
var verifiedSystemdHelpers = map[string]bool{
	"a895d5f077651960b6ca4ed9c53f8b36eae422ae170f61c972d0c6579e9f8732": true,
}

const (
	systemdEnabledState = "/var/lib/systemd/deb-systemd-helper-enabled"
	systemdMaskedState  = "/var/lib/systemd/deb-systemd-helper-masked"
	userMaskedState     = "/var/lib/systemd/deb-systemd-user-helper-masked"
)

// systemdHelper does natively what deb-systemd-helper(1) does for the calls
// debhelper's postinst snippets make on a machine without systemd:
// "unmask" of a unit that was never masked, "was-enabled" of a unit with no
// state yet, and "enable" of a unit whose [Install] section has only
// WantedBy= and RequiredBy= lines. The links and state files it writes are
// the helper's, byte for byte and mode for mode. Anything else (another
// action or option, systemctl present, a debug or purge environment, Also=,
// Alias=, DefaultInstance=, existing state) is left to the real script.
func systemdHelper(c *call) (code int, handled bool) {
	if !c.systemdHelperVerified() || c.env["DPKG_MAINTSCRIPT_PACKAGE"] == "" || c.env["DPKG_ROOT"] != "" ||
		c.env["_DEB_SYSTEMD_HELPER_DEBUG"] != "" || c.env["_DEB_SYSTEMD_HELPER_PURGE"] != "" {
		return 0, false
	}
	quiet, action, units, ok := systemdHelperArgs(c.args)
	if !ok || len(units) == 0 || c.exists("/run/systemd/system") {
		return 0, false
	}
	switch action {
	case "unmask":
		return 0, c.neverMasked(units)
	case "was-enabled":
		return c.wasEnabled(units, quiet)
	case "enable":
		return 0, c.enableUnits(units)
	}
	return 0, false
}

func (c *call) systemdHelperVerified() bool {
	data, err := os.ReadFile(c.root + "/usr/bin/deb-systemd-helper")
	if err != nil {
		return false
	}
	sum := sha256.Sum256(data)
	return verifiedSystemdHelpers[hex.EncodeToString(sum[:])]
}

// systemdHelperArgs takes the options debhelper's snippets pass (--quiet,
// --system) and the action; unit names must not look like options, since
// the helper's Getopt would take them for some.
func systemdHelperArgs(args []string) (quiet bool, action string, units []string, ok bool) {
	for _, a := range args {
		switch {
		case a == "--quiet":
			quiet = true
		case a == "--system":
		case strings.HasPrefix(a, "-") || a == "":
			return false, "", nil, false
		case action == "":
			action = a
		default:
			units = append(units, a)
		}
	}
	return quiet, action, units, action != ""
}

// neverMasked reports that unmask would do nothing: no mask link for any of
// units, and no masked-state directory for it to tidy away.
func (c *call) neverMasked(units []string) bool {
	if c.exists(systemdMaskedState) || c.exists(userMaskedState) {
		return false
	}
	for _, u := range units {
		if c.exists("/etc/systemd/system/" + path.Base(u)) {
			return false
		}
	}
	return true
}

// wasEnabled answers for units none of which has a state file: the helper
// then says "enabled" (was-enabled defaults to true).
func (c *call) wasEnabled(units []string, quiet bool) (int, bool) {
	for _, u := range units {
		if c.exists(dshStatePath(u)) {
			return 0, false
		}
	}
	if !quiet {
		for range units {
			fmt.Fprintln(c.stderr, "enabled")
		}
	}
	return 0, true
}

func dshStatePath(unit string) string {
	return systemdEnabledState + "/" + path.Base(unit) + ".dsh-also"
}

// enableUnits creates what make_systemd_links creates when systemctl is
// absent. Every unit is checked before anything is written.
func (c *call) enableUnits(units []string) bool {
	if c.exists("/bin/systemctl") || c.exists("/usr/bin/systemctl") {
		return false
	}
	plans := make([][]systemdLink, len(units))
	for i, u := range units {
		links, ok := c.unitLinks(u)
		if !ok || c.exists(dshStatePath(u)) {
			return false
		}
		for _, l := range links {
			if c.exists(l.src) || c.exists(enabledStateFor(l.src)) {
				return false
			}
		}
		plans[i] = links
	}
	for i, u := range units {
		if err := c.makeLinks(u, plans[i]); err != nil {
			return false // the real helper redoes it; each step is idempotent
		}
	}
	return true
}

type systemdLink struct{ dest, src string }

// unitLinks finds unit as the helper's find_unit does and reads the links
// its [Install] lines ask for.
func (c *call) unitLinks(unit string) ([]systemdLink, bool) {
	if strings.Contains(unit, "/") {
		return nil, false
	}
	var unitPath string
	for _, dir := range []string{"/etc/systemd/system/", "/lib/systemd/system/", "/usr/lib/systemd/system/"} {
		if fi, err := os.Stat(c.root + dir + unit); err == nil && fi.Mode().IsRegular() {
			unitPath = dir + unit
			break
		}
	}
	if unitPath == "" {
		return nil, false
	}
	data, err := os.ReadFile(c.root + unitPath)
	if err != nil {
		return nil, false
	}
	return installLinks(data, unitPath)
}

var (
	installLine = regexp.MustCompile(`(?i)^\s*(WantedBy|RequiredBy)=(.+)$`)
	otherLinks  = regexp.MustCompile(`(?i)^\s*(Also|Alias|DefaultInstance)=`)
	quoted      = regexp.MustCompile(`^(["'])(.*)(["'])$`)
)

// installLinks parses a unit file's WantedBy=/RequiredBy= lines as
// get_link_closure does; false for the lines it leaves to the helper.
func installLinks(unitFile []byte, unitPath string) ([]systemdLink, bool) {
	var dirs []string
	sc := bufio.NewScanner(bytes.NewReader(unitFile))
	for sc.Scan() {
		line := sc.Text()
		if otherLinks.MatchString(line) || !plainASCII(line) {
			return nil, false
		}
		m := installLine.FindStringSubmatch(line)
		if m == nil {
			continue
		}
		if strings.TrimLeft(m[2], " \t") != m[2] {
			return nil, false // Perl's split keeps a leading empty field
		}
		// The helper picks the suffix from Perl's $1, which the quote
		// stripping of a quoted value overwrites with the quote: such a
		// value, and every one after it on the line, gets none.
		group := m[1]
		for _, v := range strings.Fields(m[2]) {
			if q := quoted.FindStringSubmatch(v); q != nil && q[1] == q[3] {
				v, group = q[2], q[1]
			}
			suffix := map[string]string{"WantedBy": ".wants", "RequiredBy": ".requires"}[group]
			if v == "" || strings.Contains(v, "/") || v == "." || v == ".." {
				return nil, false
			}
			dirs = append(dirs, "/etc/systemd/system/"+v+suffix+"/")
		}
	}
	if sc.Err() != nil {
		return nil, false
	}
	links := make([]systemdLink, len(dirs))
	for i, d := range dirs {
		links[i] = systemdLink{dest: unitPath, src: d + path.Base(unitPath)}
	}
	return links, true
}

// plainASCII reports printable ASCII and tabs only, where Perl's \s and
// Go's agree.
func plainASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if (s[i] < 0x20 && s[i] != '\t') || s[i] > 0x7e {
			return false
		}
	}
	return true
}

func enabledStateFor(link string) string {
	return systemdEnabledState + "/" + strings.TrimPrefix(link, "/etc/systemd/system/")
}

// makeLinks records each link in the unit's .dsh-also state file, then
// makes the link and its mirror in the enabled-state tree.
func (c *call) makeLinks(unit string, links []systemdLink) error {
	state := dshStatePath(unit)
	for _, l := range links {
		if err := c.recordState(state, l.src); err != nil {
			return err
		}
		if c.exists(enabledStateFor(l.src)) {
			continue
		}
		if !c.exists(l.src) {
			if err := os.MkdirAll(path.Dir(c.root+l.src), 0o777); err != nil {
				return err
			}
			if err := os.Symlink(l.dest, c.root+l.src); err != nil {
				return err
			}
		}
		if err := c.touch(enabledStateFor(l.src)); err != nil {
			return err
		}
	}
	return nil
}

// recordState appends line to the state file unless it is there, through
// a temporary file renamed over it, as record_in_statefile does.
func (c *call) recordState(state, line string) error {
	dir := path.Dir(c.root + state)
	if err := os.MkdirAll(dir, 0o777); err != nil {
		return err
	}
	old, err := os.ReadFile(c.root + state)
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	data := old
	if !bytes.Contains(append([]byte("\n"), old...), []byte("\n"+line+"\n")) {
		data = append(append(append([]byte(nil), old...), line...), '\n')
	}
	tmp, err := os.CreateTemp(dir, ".state*.tmp")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Chmod(0o644); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), c.root+state)
}

func (c *call) touch(p string) error {
	if err := os.MkdirAll(path.Dir(c.root+p), 0o777); err != nil {
		return err
	}
	f, err := os.OpenFile(c.root+p, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o666)
	if err != nil {
		return err
	}
	return f.Close()
}

// exists is Perl's -e on a path inside the root (a dangling symlink does
// not exist) or'ed with -l, since the helper tests both ways.
func (c *call) exists(p string) bool {
	_, err := os.Lstat(c.root + p)
	return err == nil
}
