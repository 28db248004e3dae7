package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/plinth-build/plinth/bootstrap"
)

func newBuildCommand(e *env) *cobra.Command {
	var (
		common commonFlags
		output string
		epoch  string
		lock   string
		sbom   string
	)
	c := &cobra.Command{
		Use:   "build RECIPE...",
		Short: "Build images from recipes (a path, or a built-in name: see plinth recipes)",
		Example: `  plinth build static -o oci:out/static
  plinth build busybox --arch arm64 -o docker-archive:busybox.tar
  plinth build ./my-base.toml --mirror http://127.0.0.1:8080/debian -o dir:rootfs`,
		Args: func(c *cobra.Command, args []string) error {
			if len(args) == 0 {
				return usageError{fmt.Errorf("build needs at least one RECIPE"), "build"}
			}
			return nil
		},
		RunE: func(c *cobra.Command, args []string) error {
			opts, err := common.options(c, e)
			if err != nil {
				return err
			}
			if opts.SourceDateEpoch, err = parseEpoch(epoch, e); err != nil {
				return usageError{err, "build"}
			}
			if len(args) > 1 && output != "" {
				return usageError{fmt.Errorf("-o names one destination, but %d recipes were given: build them one at a time", len(args)), "build"}
			}
			if len(args) > 1 && (lock != "" || sbom != "") {
				return usageError{fmt.Errorf("--lock and --sbom name one file, but %d recipes were given: build them one at a time", len(args)), "build"}
			}
			opts.LockFile, opts.SBOM, opts.Version = lock, sbom, version
			for _, recipe := range args {
				opts.Recipe, opts.Output = recipe, output
				d := startDisplay(c, e, &opts)
				res, err := bootstrap.Build(c.Context(), opts)
				d.Close()
				if err != nil {
					return err
				}
				bootstrap.PrintSummary(e.stdout, res)
			}
			return nil
		},
	}
	common.register(c)
	c.Flags().StringVarP(&output, "output", "o", "", "oci:DIR[:TAG] | docker-archive:FILE[:REF] | docker://REF | dir:DIR | tar:FILE (default oci:./out/<recipe-name>)")
	c.Flags().StringVar(&lock, "lock", "", "build exactly what this lockfile pins (fail if it can't)")
	c.Flags().StringVar(&sbom, "sbom", "", "write an SPDX 2.3 JSON SBOM of the image's packages to this file")
	c.Flags().StringVar(&epoch, "source-date-epoch", "", "image timestamp, Unix seconds (default $SOURCE_DATE_EPOCH, else the archive's Date)")
	return c
}
