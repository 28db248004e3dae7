package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/plinth-build/plinth/bootstrap"
)

func newShowCommand(e *env) *cobra.Command {
	var (
		common        commonFlags
		distro, suite string
	)
	c := &cobra.Command{
		Use:   "show [RECIPE] PACKAGE...",
		Short: "Show the candidates of packages in a recipe's verified archive, like apt-cache show",
		Example: `  plinth show bookworm bash
  plinth show --distro debian --suite bookworm bash coreutils`,
		RunE: func(c *cobra.Command, args []string) error {
			opts, err := common.options(c, e)
			if err != nil {
				return err
			}
			so := bootstrap.ShowOptions{Options: opts, Distro: distro, Suite: suite}
			switch {
			case distro != "" || suite != "":
				so.Packages = args
			case len(args) >= 2:
				so.Recipe, so.Packages = args[0], args[1:]
			}
			if len(so.Packages) == 0 {
				return usageError{fmt.Errorf("show needs a RECIPE (or --distro and --suite) and at least one PACKAGE"), "show"}
			}
			d := startDisplay(c, e, &so.Options)
			defer d.Close()
			return bootstrap.Show(c.Context(), closeFirst(d, e.stdout), so)
		},
	}
	common.register(c)
	c.Flags().StringVar(&distro, "distro", "", "debian or ubuntu, instead of a recipe")
	c.Flags().StringVar(&suite, "suite", "", "suite (codename) to read, instead of a recipe")
	return c
}
