package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/plinth-build/plinth/bootstrap"
)

func newRecipesCommand(e *env) *cobra.Command {
	return &cobra.Command{
		Use:   "recipes",
		Short: "List the built-in recipes",
		Example: `  plinth recipes
  plinth build static -o oci:out/static`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, args []string) error {
			bootstrap.Recipes(e.stdout)
			return nil
		},
	}
}

func newVersionCommand(e *env) *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print plinth's version",
		Example: `  plinth version
  plinth --version`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, args []string) error {
			fmt.Fprintf(e.stdout, "plinth %s\n", version)
			return nil
		},
	}
}
