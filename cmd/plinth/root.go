package main

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/plinth-build/plinth/bootstrap"
)

func newRootCommand(e *env) *cobra.Command {
	root := &cobra.Command{
		Use:   "plinth",
		Short: "Build minimal container base images from Debian and Ubuntu packages",
		Long: `plinth builds minimal container base images from Debian and Ubuntu packages:
a TOML recipe names a distribution, suite and packages; plinth resolves them
against a signed apt archive, unpacks them, prunes what a container never needs
and writes a single-layer OCI image. No Docker, and no root unless a recipe
runs maintainer scripts.`,
		SilenceUsage:  true,
		SilenceErrors: true,
		Version:       version,
	}
	root.SetFlagErrorFunc(func(c *cobra.Command, err error) error {
		return usageError{err, c.Name()}
	})
	root.PersistentFlags().BoolP("quiet", "q", false, "print nothing but errors")
	root.PersistentFlags().BoolP("verbose", "v", false, "print detail, maintainer script output included")
	root.AddCommand(newBuildCommand(e), newShowCommand(e), newLockCommand(e), newRefreshCommand(e), newRecipesCommand(e), newVersionCommand(e))
	root.AddCommand(newInspectCommand(e), newDiffCommand(e), newImportCommand(e), newIndexCommand(e))
	addRecipeCompletion(root)
	return root
}

// commonFlags are the flags every archive-reading command shares.
type commonFlags struct {
	archs            []string
	mirrors          []string
	cacheDir         string
	keyring          string
	ignoreValidUntil bool
	// hostRoot and binfmtDir are hidden, for tests: where the host's apt
	// sources are read from, and a directory standing in for both
	// binfmt_misc's mount and the qemu-user binfmt.d definitions.
	hostRoot  string
	binfmtDir string
}

func (f *commonFlags) register(c *cobra.Command) {
	c.Flags().StringSliceVar(&f.archs, "arch", nil, "architectures, e.g. amd64,arm64 (default: the recipe's, else the host's)")
	c.Flags().StringArrayVar(&f.mirrors, "mirror", nil, "archive base URL for the recipe's distribution; SUITE=URL for one suite (repeatable)")
	c.Flags().StringVar(&f.cacheDir, "cache-dir", "", "download cache (default $XDG_CACHE_HOME/plinth)")
	c.Flags().StringVar(&f.keyring, "keyring", "", "trust these archive keys (armored or binary) instead of the built-in ones")
	c.Flags().BoolVar(&f.ignoreValidUntil, "ignore-valid-until", false, "accept a frozen archive past its Valid-Until (signatures are still checked)")
	c.Flags().StringVar(&f.hostRoot, "host-root", "", "read the host's apt sources under this directory instead of /")
	c.Flags().StringVar(&f.binfmtDir, "binfmt-dir", "", "binfmt_misc mount and qemu-user definitions directory, instead of the system's")
	c.Flags().MarkHidden("host-root")
	c.Flags().MarkHidden("binfmt-dir")
}

// options turns the shared flags and the environment into bootstrap options.
func (f *commonFlags) options(c *cobra.Command, e *env) (bootstrap.Options, error) {
	cache := f.cacheDir
	if cache == "" {
		cache = bootstrap.DefaultCacheDir(e.getenv("XDG_CACHE_HOME"))
	}
	opts := bootstrap.Options{
		Archs:            splitList(f.archs),
		Mirrors:          f.mirrors,
		EnvMirrors:       map[string]string{},
		CacheDir:         cache,
		Keyring:          f.keyring,
		IgnoreValidUntil: f.ignoreValidUntil,
		RegistryAuth:     true,
		HostRoot:         f.hostRoot,
		BinfmtDir:        f.binfmtDir,
	}
	if e.getenv("PLINTH_STANDINS") != "0" {
		opts.Standins, _ = os.Executable()
	}
	for _, distro := range []string{"debian", "ubuntu"} {
		if v := e.getenv("PLINTH_MIRROR_" + strings.ToUpper(distro)); v != "" {
			opts.EnvMirrors[distro] = v
		}
	}
	opts.Verbose, _ = c.Flags().GetBool("verbose") // startDisplay sets Log and Progress
	return opts, nil
}

func splitList(vals []string) []string {
	var out []string
	for _, v := range vals {
		for _, s := range strings.Split(v, ",") {
			if s = strings.TrimSpace(s); s != "" {
				out = append(out, s)
			}
		}
	}
	return out
}

// parseEpoch reads --source-date-epoch, else SOURCE_DATE_EPOCH.
func parseEpoch(flag string, e *env) (*time.Time, error) {
	v, from := flag, "--source-date-epoch"
	if v == "" {
		v, from = e.getenv("SOURCE_DATE_EPOCH"), "SOURCE_DATE_EPOCH"
	}
	if v == "" {
		return nil, nil
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n < 0 {
		return nil, fmt.Errorf("%s: %q is not a Unix time in seconds", from, v)
	}
	t := time.Unix(n, 0).UTC()
	return &t, nil
}
