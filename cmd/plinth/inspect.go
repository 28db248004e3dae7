package main

import (
	"github.com/spf13/cobra"

	"github.com/plinth-build/plinth/bootstrap"
)

func newInspectCommand(e *env) *cobra.Command {
	var opts bootstrap.InspectOptions
	c := &cobra.Command{
		Use:   "inspect SOURCE",
		Short: "Show the packages and sizes (by package, by directory) of an image or root filesystem",
		Long: `Show the packages and sizes of an image or root filesystem, per architecture:
the packages of /var/lib/dpkg/status with their Installed-Size, totals, and the
largest directories (bytes of the regular files below them). For images also
the digest, platform, layer count and uncompressed size.

SOURCE is an image (oci:DIR[:TAG], docker-archive:FILE[:REF], docker://REF) or
a root filesystem (dir:DIR, tar:FILE, or a bare directory or tarball path; a
tarball may be gzip, xz, zstd or bzip2 compressed). Images of several layers
are read as a runtime stacks them, OCI whiteouts applied.`,
		Example: `  plinth inspect oci:out/bookworm
  plinth inspect rootfs.tar --json | jq '.architectures[0].totals'`,
		Args: exactArgs(1, "inspect needs one SOURCE"),
		RunE: func(c *cobra.Command, args []string) error {
			opts.Source = args[0]
			_, err := bootstrap.Inspect(c.Context(), e.stdout, opts)
			return err
		},
	}
	c.Flags().BoolVar(&opts.JSON, "json", false, "print the report as JSON")
	c.Flags().IntVar(&opts.TopDirs, "top", bootstrap.DefaultTopDirs, "how many of the largest directories to list")
	return c
}
