package qemu

import (
	"fmt"
	"io/fs"
	"os"
	"strings"
)

// dpkgRealpath does what dpkg-realpath(1), a shell script, does for an
// absolute pathname in the running root: it resolves the pathname's
// symlinks one component at a time, as its canonicalize function does,
// and prints the result. update-shells and dash's postinst call it for
// every shell. Relative pathnames (the script's answer depends on the
// shell's logical working directory), another root, link loops and every
// option but --root/--instdir "" or "/", -z and -- are left to the script.
func dpkgRealpath(c *call) (code int, handled bool) {
	pathname, eol, ok := realpathArgs(c.args, c.env["DPKG_ROOT"])
	if !ok || !strings.HasPrefix(pathname, "/") {
		return 0, false
	}
	result, ok := c.canonicalize(pathname)
	if !ok {
		return 0, false
	}
	if _, err := fmt.Fprintf(c.stdout, "%s%s", result, eol); err != nil {
		return 1, true // as the script's printf under set -e
	}
	return 0, true
}

// realpathArgs reads the script's arguments as its option loop does: the
// last pathname wins, and the root must come out empty.
func realpathArgs(args []string, root string) (pathname, eol string, ok bool) {
	eol = "\n"
	for i := 0; i < len(args); i++ {
		a := args[i]
		switch {
		case a == "-z" || a == "--zero":
			eol = "\x00"
		case a == "--root" || a == "--instdir":
			if i+1 >= len(args) {
				return "", "", false // the script's shift fails
			}
			i++
			root = args[i]
		case strings.HasPrefix(a, "--root="):
			root = strings.TrimPrefix(a, "--root=")
		case strings.HasPrefix(a, "--instdir="):
			root = strings.TrimPrefix(a, "--instdir=")
		case a == "--":
			if i+1 < len(args) {
				i++
				pathname = args[i]
			} else {
				pathname = ""
			}
		case strings.HasPrefix(a, "-"):
			return "", "", false // --version, --help, or a usage error
		default:
			pathname = a
		}
	}
	if root != "" && root != "/" {
		return "", "", false
	}
	return pathname, eol, pathname != ""
}

// canonicalize is the script's canonicalize with an empty root, on the
// files under c.root.
func (c *call) canonicalize(src string) (string, bool) {
	result := ""
	loops := 0
	src = strings.TrimLeft(src, "/")
	for src != "" {
		prefix, rest, _ := strings.Cut(src, "/")
		src = strings.TrimLeft(rest, "/")
		switch {
		case prefix == ".":
		case prefix == "..":
			if i := strings.LastIndex(result, "/"); i >= 0 {
				result = result[:i]
			}
		case c.isSymlink(result + "/" + prefix):
			loops++
			if loops > 25 {
				return "", false // the script's "too many levels" error
			}
			dst, err := os.Readlink(c.root + result + "/" + prefix)
			if err != nil || dst == "" || strings.HasSuffix(dst, "\n") {
				return "", false // $(readlink) would differ or fail
			}
			if src != "" {
				dst += "/" + src
			}
			src = dst
			if strings.HasPrefix(dst, "/") {
				result = ""
				src = strings.TrimLeft(dst, "/")
			}
		default:
			result += "/" + prefix
		}
	}
	if result == "" {
		return "/", true
	}
	return result, true
}

func (c *call) isSymlink(p string) bool {
	fi, err := os.Lstat(c.root + p)
	return err == nil && fi.Mode()&fs.ModeSymlink != 0
}
