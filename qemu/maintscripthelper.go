package qemu

import (
	"os"
	"regexp"
	"strings"
)

// maintscriptHelper answers the dpkg-maintscript-helper(1) calls whose
// outcome on a first installation is known without running the script:
// rm_conffile, mv_conffile, symlink_to_dir and dir_to_symlink act only on
// an upgrade (preinst install/upgrade with an old version, postinst
// configure with one) or when an earlier run left a .dpkg-backup behind. A
// first installation runs "preinst install" and "postinst configure" with
// an empty old version, and they do nothing after checking their
// arguments. Every
// call that is not that, or whose arguments the real helper would refuse,
// is left to the real helper (handled false).
func maintscriptHelper(c *call) (code int, handled bool) {
	// DPKG_DEBUG turns on the helper's debug lines.
	if len(c.args) == 0 || c.env["DPKG_ROOT"] != "" || c.env["DPKG_DEBUG"] != "" {
		return 0, false
	}
	command, args := c.args[0], c.args[1:]
	if command == "supports" {
		return supportsCommand(c, args)
	}
	pos, params, ok := splitHelperArgs(args)
	if !ok || !helperEnvOK(c) || !firstInstall(c.env["DPKG_MAINTSCRIPT_NAME"], params) {
		return 0, false
	}
	switch command {
	case "rm_conffile":
		ok = absolute(pos, 0) && optionalVersion(pos, 1)
	case "mv_conffile":
		ok = absolute(pos, 0) && absolute(pos, 1) && optionalVersion(pos, 2)
	case "symlink_to_dir":
		link := arg(pos, 0)
		ok = absolute(pos, 0) && !strings.HasSuffix(link, "/") && arg(pos, 1) != "" &&
			optionalVersion(pos, 2) && c.afterUpgradeAbsent(link+".dpkg-backup")
	case "dir_to_symlink":
		dir := strings.TrimSuffix(arg(pos, 0), "/") // the helper strips one slash
		ok = strings.HasPrefix(dir, "/") && arg(pos, 1) != "" &&
			optionalVersion(pos, 2) && c.afterUpgradeAbsent(dir+".dpkg-backup")
	default:
		ok = false
	}
	return 0, ok
}

// supportsCommand answers "supports CMD" for the commands every dpkg since
// 1.17.14 has, when dpkg's environment is there (else the helper warns).
func supportsCommand(c *call, args []string) (int, bool) {
	if len(args) == 0 || !helperEnvOK(c) {
		return 0, false
	}
	switch args[0] {
	case "rm_conffile", "mv_conffile", "symlink_to_dir", "dir_to_symlink":
		return 0, true
	}
	return 0, false
}

// splitHelperArgs splits a command's arguments at the first "--" into the
// command's own positional parameters and the maintainer script's.
func splitHelperArgs(args []string) (pos, params []string, ok bool) {
	for i, a := range args {
		if a == "--" {
			return args[:i], args[i+1:], true
		}
	}
	return nil, nil, false
}

func helperEnvOK(c *call) bool {
	return c.env["DPKG_MAINTSCRIPT_NAME"] != "" && c.env["DPKG_MAINTSCRIPT_PACKAGE"] != ""
}

// firstInstall reports a preinst called with "install" and no old version,
// or a postinst called with "configure" and no last configured version.
func firstInstall(script string, params []string) bool {
	if len(params) == 0 || len(params) > 2 {
		return false
	}
	old := ""
	if len(params) == 2 {
		old = params[1]
	}
	switch script {
	case "preinst":
		return params[0] == "install" && old == ""
	case "postinst":
		return params[0] == "configure" && old == ""
	}
	return false
}

func arg(pos []string, i int) string {
	if i < len(pos) {
		return pos[i]
	}
	return ""
}

func absolute(pos []string, i int) bool { return strings.HasPrefix(arg(pos, i), "/") }

// plainVersion matches versions dpkg --validate-version certainly accepts:
// an optional numeric epoch, an upstream part starting with a digit, and
// an optional revision. Anything else goes to the real helper, which says
// what is wrong with it.
var plainVersion = regexp.MustCompile(`^([0-9]{1,9}:)?[0-9][A-Za-z0-9.+~]*(-[A-Za-z0-9.+~]+)?$`)

// optionalVersion checks the optional last-version parameter at i (absent
// or "--" when the caller gives none).
func optionalVersion(pos []string, i int) bool {
	v := arg(pos, i)
	return v == "" || plainVersion.MatchString(v)
}

// afterUpgradeAbsent reports that p, what an interrupted upgrade would have
// left behind, does not exist.
func (c *call) afterUpgradeAbsent(p string) bool {
	_, err := os.Lstat(c.root + p)
	return os.IsNotExist(err)
}
