package main

import (
	"errors"

	"github.com/spf13/cobra"

	"github.com/plinth-build/plinth/bootstrap"
)

func newIndexCommand(e *env) *cobra.Command {
	var opts bootstrap.IndexOptions
	c := &cobra.Command{
		Use:   "index -o DEST IMAGE...",
		Short: "Merge single-architecture images built elsewhere into one multi-arch image index",
		Long: `Merge single-architecture images into one OCI image index, one manifest per
platform, in the order given. IMAGE is oci:DIR[:TAG], docker-archive:FILE[:REF],
docker://REF or a directory holding an OCI layout; an IMAGE that is an index
itself contributes each of its platforms. Two images of the same platform are an
error. DEST is oci:DIR[:TAG], docker-archive:FILE (one file per platform,
FILE-<arch>.tar) or docker://REF.`,
		Example: `  plinth index -o oci:out/base:latest oci:amd64-build oci:arm64-build
  plinth index -o docker://localhost:5000/base:1 docker-archive:amd64.tar docker-archive:arm64.tar`,
		Args: func(c *cobra.Command, args []string) error {
			if len(args) == 0 {
				return usageError{errors.New("index needs at least one IMAGE"), "index"}
			}
			return nil
		},
		RunE: func(c *cobra.Command, args []string) error {
			if opts.Output == "" {
				return usageError{errors.New("index needs -o DEST"), "index"}
			}
			opts.Images, opts.RegistryAuth = args, true
			res, err := bootstrap.Index(c.Context(), opts)
			if err != nil {
				return err
			}
			if quiet, _ := c.Flags().GetBool("quiet"); !quiet {
				bootstrap.PrintIndexSummary(e.stdout, res)
			}
			return nil
		},
	}
	c.Flags().StringVarP(&opts.Output, "output", "o", "", "oci:DIR[:TAG] | docker-archive:FILE | docker://REF (required)")
	return c
}
