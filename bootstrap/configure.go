package bootstrap

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/plinth-build/plinth/debpkg"
	"github.com/plinth-build/plinth/debpkg/resolve"
	"github.com/plinth-build/plinth/qemu"
	"github.com/plinth-build/plinth/recipes"
	"github.com/plinth-build/plinth/rootfs"
)

// NotRootError says a recipe runs maintainer scripts but plinth is not root.
type NotRootError struct{ Recipe string }

func (e *NotRootError) Error() string {
	return fmt.Sprintf("recipe %s runs maintainer scripts (configure = \"chroot\"), which needs root for chroot and mounts: run plinth as root, or build an extract-only recipe (configure = \"none\", e.g. the built-in static or busybox)", e.Recipe)
}

// policyRCD keeps services from starting while scripts run.
const policyRCD = "#!/bin/sh\n# plinth: no service starts during the build\nexit 101\n"

// configureChroot materializes the unpacked tree into a private staging
// directory, runs the maintainer scripts there the way dpkg would (preinst
// install in plan order, then dpkg --configure -a, then ldconfig), and reads
// the result back so ownership and modes are exact.
func configureChroot(ctx context.Context, tree *rootfs.Tree, plan *resolve.Plan, arch debpkg.Arch, opts *Options) (*rootfs.Tree, error) {
	if os.Geteuid() != 0 {
		return nil, qemu.ErrNotRoot
	}
	if err := tree.WriteFile("/usr/sbin/policy-rc.d", []byte(policyRCD), 0o755, 0, 0); err != nil {
		return nil, err
	}
	staging, err := os.MkdirTemp(stagingParent(opts), "plinth-chroot-*")
	if err != nil {
		return nil, fmt.Errorf("creating the staging directory: %w", err)
	}
	defer os.RemoveAll(staging)
	unmount, err := qemu.MountScratch(staging)
	if err != nil {
		return nil, err
	}
	defer unmount()
	if err := tree.Materialize(ctx, staging); err != nil {
		return nil, fmt.Errorf("materializing into %s: %w", staging, err)
	}
	if err := runScripts(ctx, staging, plan, arch, opts); err != nil {
		return nil, err
	}
	out, err := rootfs.Rescan(ctx, staging)
	if err != nil {
		return nil, fmt.Errorf("rescanning %s: %w", staging, err)
	}
	return out, cleanAfterScripts(out)
}

func runScripts(ctx context.Context, dir string, plan *resolve.Plan, arch debpkg.Arch, opts *Options) error {
	c, err := qemu.Open(dir)
	if err != nil {
		return err
	}
	defer c.Close()
	if opts.Log != nil && opts.Verbose {
		c.Stdout, c.Stderr = opts.Log, opts.Log
	}
	if arch.Name == "arm64" && debpkg.HostArch().Name != "arm64" {
		c.FastPointerAuth(ctx, "true")
	}
	if opts.Standins != "" {
		if err := c.InstallStandins(opts.Standins); err != nil && opts.Log != nil {
			fmt.Fprintf(opts.Log, "maintainer scripts run every helper as shipped: %v\n", err)
		}
	}
	dpkgVersion := ""
	for _, p := range plan.Packages {
		if p.Name == "dpkg" {
			dpkgVersion = p.Version.String()
		}
	}
	for _, p := range plan.Packages {
		script, err := stagePreinst(dir, p.Package)
		if err != nil {
			return err
		}
		if script == "" {
			continue
		}
		err = c.Run(ctx, scriptEnv(p.Package, "preinst", dpkgVersion), script, "install")
		os.RemoveAll(filepath.Join(dir, tmpCI))
		if err != nil {
			return fmt.Errorf("%s preinst: %w", p.Name, err)
		}
	}
	steps := [][]string{
		{"dpkg", "--configure", "-a", "--force-unsafe-io"},
		{"ldconfig"},
	}
	for _, argv := range steps {
		if err := c.Run(ctx, nil, argv...); err != nil {
			return err
		}
	}
	return c.Close()
}

// scriptEnv is the environment dpkg gives a maintainer script.
func scriptEnv(p *debpkg.Package, script, dpkgVersion string) []string {
	return []string{
		"DPKG_MAINTSCRIPT_PACKAGE=" + p.Name,
		"DPKG_MAINTSCRIPT_PACKAGE_REFCOUNT=1",
		"DPKG_MAINTSCRIPT_ARCH=" + p.Architecture,
		"DPKG_MAINTSCRIPT_NAME=" + script,
		"DPKG_RUNNING_VERSION=" + dpkgVersion,
		"DPKG_ADMINDIR=/var/lib/dpkg",
		"DPKG_ROOT=",
	}
}

// tmpCI is where dpkg puts a package's control files while its preinst
// runs; debconf reads the package's name from the control file there.
const tmpCI = "var/lib/dpkg/tmp.ci"

// stagePreinst lays out tmp.ci as dpkg does for p's preinst (the script,
// its debconf templates and config, a control file) and returns the
// script's path in the chroot, or "" when p has no preinst.
func stagePreinst(dir string, p *debpkg.Package) (string, error) {
	info := filepath.Join(dir, "var/lib/dpkg/info", infoName(p))
	if _, err := os.Lstat(info + ".preinst"); err != nil {
		return "", nil
	}
	ci := filepath.Join(dir, tmpCI)
	if err := os.MkdirAll(ci, 0o755); err != nil {
		return "", err
	}
	control := fmt.Sprintf("Package: %s\nVersion: %s\nArchitecture: %s\n", p.Name, p.Version, p.Architecture)
	if err := os.WriteFile(filepath.Join(ci, "control"), []byte(control), 0o644); err != nil {
		return "", err
	}
	for _, name := range []string{"preinst", "templates", "config"} {
		data, err := os.ReadFile(info + "." + name)
		if err != nil {
			continue
		}
		if err := os.WriteFile(filepath.Join(ci, name), data, 0o755); err != nil {
			return "", err
		}
	}
	return "/" + tmpCI + "/preinst", nil
}

func infoName(p *debpkg.Package) string {
	if p.MultiArch == "same" {
		return p.Name + ":" + p.Architecture
	}
	return p.Name
}

func stagingParent(opts *Options) string {
	if opts.CacheDir != "" {
		dir := filepath.Join(opts.CacheDir, "staging")
		if os.MkdirAll(dir, 0o700) == nil {
			return dir
		}
	}
	return ""
}

// scaffolding and logs scripts leave behind, removed from the image.
var afterScripts = []string{
	"/usr/sbin/policy-rc.d",
	"/var/log/dpkg.log",
	"/var/log/alternatives.log",
	"/var/log/apt/history.log",
	"/var/log/apt/term.log",
	"/var/log/bootstrap.log",
	"/var/cache/ldconfig/aux-cache",
	"/var/cache/debconf/config.dat-old",
	"/var/cache/debconf/templates.dat-old",
	"/var/cache/debconf/passwords.dat-old",
	"/var/lib/dpkg/status-old",
	"/var/lib/dpkg/diversions-old",
	"/var/lib/dpkg/statoverride-old",
	"/var/lib/dpkg/available-old",
	"/etc/passwd-", "/etc/group-", "/etc/shadow-", "/etc/gshadow-", "/etc/subuid-", "/etc/subgid-",
	"/etc/resolv.conf",
	"/etc/hostname",
}

// cleanAfterScripts removes the build's scaffolding and logs and empties
// /etc/machine-id so every container gets its own.
func cleanAfterScripts(t *rootfs.Tree) error {
	for _, p := range afterScripts {
		if _, ok := t.Get(p); ok {
			if err := t.Remove(p); err != nil {
				return err
			}
		}
	}
	if err := removeChildren(t, "/var/lib/apt/lists", "lock", "partial"); err != nil {
		return err
	}
	if err := removeChildren(t, "/var/cache/apt"); err != nil {
		return err
	}
	if n, ok := t.Get("/etc/machine-id"); ok && n.Type == rootfs.TypeReg {
		return t.WriteFile("/etc/machine-id", nil, n.Mode, n.Uid, n.Gid)
	}
	return nil
}

// removeChildren empties dir except the named entries (apt's lock and
// partial/ stay, as apt made them).
func removeChildren(t *rootfs.Tree, dir string, keep ...string) error {
	var victims []string
	err := t.Walk(func(p string, n *rootfs.Node) error {
		rel, ok := strings.CutPrefix(p, dir+"/")
		if !ok || strings.Contains(rel, "/") {
			return nil
		}
		for _, k := range keep {
			if rel == k {
				return nil
			}
		}
		if n.Type == rootfs.TypeDir && strings.HasPrefix(dir, "/var/cache/apt") && rel == "archives" {
			return nil
		}
		victims = append(victims, p)
		return nil
	})
	if err != nil {
		return err
	}
	for _, v := range victims {
		if err := t.Remove(v); err != nil {
			return err
		}
	}
	return nil
}

// sourcesFile renders the image's apt configuration: deb822 sources naming
// the mirrors, pockets and components of the build, Signed-By the
// distribution's keyring as its keyring package installs it.
func sourcesFile(r *recipes.Recipe, mirrors map[string]string) string {
	keyring := "/usr/share/keyrings/debian-archive-keyring.gpg"
	if r.Source.Distro == recipes.DistroUbuntu {
		keyring = "/usr/share/keyrings/ubuntu-archive-keyring.gpg"
	}
	var order []string
	byMirror := map[string][]string{}
	for _, s := range r.Source.Suites {
		m := mirrors[s]
		if _, ok := byMirror[m]; !ok {
			order = append(order, m)
		}
		byMirror[m] = append(byMirror[m], s)
	}
	var b strings.Builder
	for i, m := range order {
		if i > 0 {
			b.WriteString("\n")
		}
		fmt.Fprintf(&b, "Types: deb\nURIs: %s\nSuites: %s\nComponents: %s\nSigned-By: %s\n",
			m, strings.Join(byMirror[m], " "), strings.Join(r.Source.Components, " "), keyring)
	}
	return b.String()
}
