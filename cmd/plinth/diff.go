package main

import (
	"github.com/spf13/cobra"

	"github.com/plinth-build/plinth/bootstrap"
)

func newDiffCommand(e *env) *cobra.Command {
	var exitCode bool
	c := &cobra.Command{
		Use:   "diff A B",
		Short: "Print the packages added, removed and changed between two images, root filesystems or lockfiles",
		Long: `Print the packages added (+), removed (-) and changed (~ old -> new) from A to B,
per architecture, sorted by name, then a summary line per architecture.

A and B are each an image (oci:DIR[:TAG], docker-archive:FILE[:REF], docker://REF),
a root filesystem (dir:DIR, tar:FILE, a bare directory or tarball) or a lockfile
(FILE.lock). Packages are read from /var/lib/dpkg/status.

The exit status is 0 whether or not they differ; with --exit-code it is 1 when
they differ (nothing more is printed) and 0 when not. Errors exit 1 too, with a
message; usage errors exit 2.`,
		Example: `  plinth diff bookworm.lock oci:out/bookworm
  plinth diff oci:old oci:new --exit-code || echo "packages changed"`,
		Args: exactArgs(2, "diff needs two arguments, A and B"),
		RunE: func(c *cobra.Command, args []string) error {
			changes, err := bootstrap.Diff(c.Context(), e.stdout, bootstrap.DiffOptions{A: args[0], B: args[1]})
			if err != nil {
				return err
			}
			if exitCode && len(changes) > 0 {
				return errChanged
			}
			return nil
		},
	}
	c.Flags().BoolVar(&exitCode, "exit-code", false, "exit 1 when the packages differ, 0 when not")
	return c
}
