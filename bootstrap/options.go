package bootstrap

import (
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/plinth-build/plinth/qemu"
	"github.com/plinth-build/plinth/rootfs/oci"
)

// Options configure a build. cmd/plinth fills them from flags and the
// environment; nothing here reads the environment.
type Options struct {
	// Recipe is a built-in recipe name or a path to a recipe file.
	Recipe string
	// Archs overrides the recipe's architectures (Debian names).
	Archs []string
	// Mirrors are the --mirror values: "URL" for every suite or "SUITE=URL".
	Mirrors []string
	// EnvMirrors maps a distribution ("debian", "ubuntu") to the value of
	// PLINTH_MIRROR_<DISTRO>, same forms as Mirrors, comma-separated.
	EnvMirrors map[string]string
	// Output is the destination (see DESIGN.md); "" means oci:./out/<recipe-name>.
	Output string
	// CacheDir holds downloaded files by SHA256; "" disables the cache.
	CacheDir string
	// LockFile, if set, pins every package: build exactly those files.
	LockFile string
	// SBOM, if set, is where an SPDX 2.3 JSON document of the image goes.
	SBOM string
	// Keyring, if set, is a file of archive keys trusted instead of the built-in ones.
	Keyring string
	// SourceDateEpoch, if set, is the image's timestamp; otherwise the
	// newest Release Date of the archive is used, never the wall clock.
	SourceDateEpoch *time.Time
	// HostRoot is where the host's apt sources are read from; "" means "/".
	HostRoot string
	// BinfmtDir, if set, stands in for both binfmt_misc's mount point and
	// the qemu-user binfmt.d definitions (tests); "" means the system's.
	BinfmtDir string
	// Now is the reference time for archive validity checks; nil means time.Now.
	Now func() time.Time
	// IgnoreValidUntil accepts archives past their Valid-Until (frozen mirrors).
	IgnoreValidUntil bool
	// Log receives the lines worth showing (archive verification, retries,
	// cache repairs) and, with Verbose, maintainer script output; nil
	// discards them.
	Log io.Writer
	// Progress receives the build's stages, steps and downloads as they
	// happen; nil reports nothing.
	Progress Progress
	// RegistryAuth sends the credentials of the Docker/Podman config
	// (docker login) to registries; without it pushes are anonymous.
	RegistryAuth bool
	// Version is plinth's version, recorded in SBOMs.
	Version string
	// Verbose also sends maintainer script output to Log.
	Verbose bool
	// Standins, if set, is a static executable of the host's architecture
	// (plinth's own) that acts as the maintainer-script helpers package
	// qemu stands in for when started under their names; "" runs every
	// helper as shipped.
	Standins string
}

// DefaultCacheDir is $XDG_CACHE_HOME/plinth (or the OS's user cache dir);
// cmd/plinth passes the result on.
func DefaultCacheDir(xdgCacheHome string) string {
	if xdgCacheHome != "" {
		return filepath.Join(xdgCacheHome, "plinth")
	}
	dir, err := os.UserCacheDir()
	if err != nil {
		return ""
	}
	return filepath.Join(dir, "plinth")
}

// OptionError is a bad option value: cmd/plinth reports it as a usage
// error of the flag that gave it.
type OptionError struct {
	Flag string // "--arch", "-o"
	Err  error
}

func (e *OptionError) Error() string { return e.Flag + ": " + e.Err.Error() }

func (e *OptionError) Unwrap() error { return e.Err }

// binfmt is the qemu-user emulation chroot recipes of a foreign
// architecture run under.
func (o *Options) binfmt() qemu.Binfmt {
	if o.BinfmtDir == "" {
		return qemu.Binfmt{}
	}
	return qemu.Binfmt{Mount: o.BinfmtDir, Definitions: []string{o.BinfmtDir}}
}

// registryOptions are the oci options for talking to registries.
func registryOptions(auth bool) []oci.Option {
	if auth {
		return []oci.Option{oci.WithDockerKeychain()}
	}
	return nil
}
