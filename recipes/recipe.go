package recipes

// FormatVersion is the only recipe format this package reads.
const FormatVersion = 1

// Recipe is one build description: where packages come from, which ones to
// install, how the root filesystem is finished and what the image config says.
type Recipe struct {
	// Format is the recipe format version; it must be 1.
	Format int `toml:"format"`
	// Name names the recipe (and the default output); Load defaults it to the
	// file name without ".toml". It is not inherited through Extends.
	Name string `toml:"name"`
	// Description is one line saying what the recipe builds.
	Description string `toml:"description"`
	// Extends names the recipe this one starts from: a built-in name, or a
	// path relative to this file. Load merges the two; see docs/recipes.md.
	Extends string `toml:"extends"`

	Source   Source   `toml:"source"`
	Packages Packages `toml:"packages"`
	Rootfs   Rootfs   `toml:"rootfs"`
	Image    Image    `toml:"image"`

	// File is where the recipe was loaded from: a path, or "builtin:NAME".
	File string `toml:"-"`
}

// Source says which archive the packages come from.
type Source struct {
	// Distro is "debian" or "ubuntu"; it selects the built-in keyring.
	Distro string `toml:"distro"`
	// Suite is the main suite, by codename, e.g. "bookworm".
	Suite string `toml:"suite"`
	// Suites are the pockets read and merged by apt rules (the highest
	// version wins); the default is [Suite]. Suite must be among them.
	Suites []string `toml:"suites"`
	// Components are the archive areas; the default is ["main"].
	Components []string `toml:"components"`
	// Mirror is an optional archive base URL used for every suite.
	Mirror string `toml:"mirror"`
	// Mirrors optionally gives a base URL per suite, for pockets that live
	// elsewhere (Debian's -security). It wins over Mirror for its suites.
	Mirrors map[string]string `toml:"mirrors"`
	// Keyring is an optional file of archive keys (binary or armored) used
	// instead of the built-in keyring. Parse keeps it as written (relative to
	// the recipe file); Load makes it relative to the working directory.
	Keyring string `toml:"keyring"`
}

// Packages says what to install.
type Packages struct {
	// Variant is the base package set: "none" (only what Include and FilesOnly
	// name), "essential" (Essential: yes packages) or "minbase" (essential,
	// Priority: required, and apt); the default is "minbase".
	Variant string `toml:"variant"`
	// Include names packages installed on top of the variant, with their
	// dependencies.
	Include []string `toml:"include"`
	// Exclude names packages never installed, even when the variant or a
	// dependency asks for them.
	Exclude []string `toml:"exclude"`
	// FilesOnly names packages installed for their files alone: their
	// Depends and Pre-Depends are not followed. Naming a package here also
	// installs it. Distroless bases take ca-certificates this way, so that
	// openssl and debconf stay out.
	FilesOnly []string `toml:"files_only"`
}

// Rootfs says how the unpacked tree is finished.
type Rootfs struct {
	// Configure is "chroot" (run maintainer scripts, under qemu for foreign
	// architectures) or "none" (extract only); the default is "chroot".
	Configure string `toml:"configure"`
	// MergedUsr makes /bin, /sbin and /lib* symlinks into /usr. A bool has no
	// unset state, so Parse starts from true: a file turns it off with
	// merged_usr = false. A Recipe built in Go must set it.
	MergedUsr bool `toml:"merged_usr"`
	// Prune lists what is removed from the tree, among PruneNames; nil means
	// all of them, an empty list means nothing.
	Prune []string `toml:"prune"`
	// KeepLocales are the locales kept when "locales" is pruned; nil means
	// ["C.UTF-8"], an empty list keeps none.
	KeepLocales []string `toml:"keep_locales"`
	// PathExclude are extra dpkg path-exclude globs ('*' also matches '/'),
	// applied after Prune, at unpack and in the image's dpkg configuration.
	PathExclude []string `toml:"path_exclude"`
	// Users are added to /etc/passwd (root and nobody always exist).
	Users []User `toml:"users"`
	// Groups are added to /etc/group.
	Groups []Group `toml:"groups"`
}

// User is an account added to the image.
type User struct {
	// Name is the login name.
	Name string `toml:"name"`
	// UID is the user id; it must be above 0 (root always exists).
	UID int `toml:"uid"`
	// GID is the primary group id. In a file, an omitted gid is the uid
	// (Parse fills it); an explicit gid = 0 means group root.
	GID int `toml:"gid"`
	// Home defaults to /home/NAME.
	Home string `toml:"home"`
	// Shell defaults to /sbin/nologin.
	Shell string `toml:"shell"`
}

// Group is a group added to the image.
type Group struct {
	// Name is the group name.
	Name string `toml:"name"`
	// GID is the group id.
	GID int `toml:"gid"`
}

// Image is the OCI image configuration.
type Image struct {
	// Architectures are Debian architecture names; empty means the caller
	// picks (the host's).
	Architectures []string `toml:"architectures"`
	// Cmd is the default command.
	Cmd []string `toml:"cmd"`
	// Entrypoint is the entrypoint.
	Entrypoint []string `toml:"entrypoint"`
	// Env is the environment.
	Env map[string]string `toml:"env"`
	// User is the user the container runs as; the default is "0".
	User string `toml:"user"`
	// Workdir is the working directory; the default is "/".
	Workdir string `toml:"workdir"`
	// Labels are the image labels.
	Labels map[string]string `toml:"labels"`
	// ExposedPorts are ports like "8080/tcp", "53/udp" or "80" (tcp).
	ExposedPorts []string `toml:"exposed_ports"`
}

// Values of Source.Distro, Packages.Variant and Rootfs.Configure.
const (
	DistroDebian = "debian"
	DistroUbuntu = "ubuntu"

	VariantNone      = "none"
	VariantEssential = "essential"
	VariantMinbase   = "minbase"

	ConfigureChroot = "chroot"
	ConfigureNone   = "none"
)

// Architectures returns the Debian architecture names an image may target.
func Architectures() []string {
	return []string{"amd64", "arm64", "armhf", "armel", "i386", "ppc64el", "s390x", "riscv64", "mips64el"}
}

// PruneNames returns what Rootfs.Prune may list; it is also Prune's default.
func PruneNames() []string {
	return []string{"docs", "man", "info", "locales", "kernel", "caches", "lintian"}
}
