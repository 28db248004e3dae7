package main

import (
	"errors"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/plinth-build/plinth/bootstrap"
)

func newLockCommand(e *env) *cobra.Command {
	var (
		common commonFlags
		output string
	)
	c := &cobra.Command{
		Use:   "lock RECIPE",
		Short: "Resolve a recipe and write its lockfile (default RECIPE.lock)",
		Example: `  plinth lock bookworm --arch amd64,arm64
  plinth build bookworm --lock bookworm.lock`,
		Args: exactArgs(1, "lock needs one RECIPE"),
		RunE: func(c *cobra.Command, args []string) error {
			opts, err := common.options(c, e)
			if err != nil {
				return err
			}
			opts.Recipe = args[0]
			d := startDisplay(c, e, &opts)
			l, path, err := bootstrap.Lock(c.Context(), bootstrap.LockOptions{Options: opts, Output: output})
			d.Close()
			if err != nil {
				return err
			}
			fmt.Fprintf(e.stdout, "wrote %s: %d packages, %d suites\n", path, len(l.Packages), len(l.Suites))
			return nil
		},
	}
	common.register(c)
	c.Flags().StringVarP(&output, "output", "o", "", "lockfile to write (default RECIPE.lock)")
	return c
}

// errChanged makes `refresh --exit-code` exit 1 without an error message.
var errChanged = errors.New("packages changed")

func newRefreshCommand(e *env) *cobra.Command {
	var (
		common   commonFlags
		lock     string
		write    bool
		exitCode bool
	)
	c := &cobra.Command{
		Use:   "refresh RECIPE --lock FILE",
		Short: "Re-resolve a recipe and print the package changes against its lockfile",
		Example: `  plinth refresh bookworm --lock bookworm.lock
  plinth refresh bookworm --lock bookworm.lock --write --exit-code || rebuild-and-push`,
		Args: exactArgs(1, "refresh needs one RECIPE"),
		RunE: func(c *cobra.Command, args []string) error {
			if lock == "" {
				return usageError{fmt.Errorf("refresh needs --lock FILE"), "refresh"}
			}
			opts, err := common.options(c, e)
			if err != nil {
				return err
			}
			opts.Recipe = args[0]
			d := startDisplay(c, e, &opts)
			changes, err := bootstrap.Refresh(c.Context(), closeFirst(d, e.stdout), bootstrap.RefreshOptions{Options: opts, LockFile: lock, Write: write})
			d.Close()
			if err != nil {
				return err
			}
			if exitCode && len(changes) > 0 {
				return errChanged
			}
			return nil
		},
	}
	common.register(c)
	c.Flags().StringVar(&lock, "lock", "", "the lockfile to compare with (required)")
	c.Flags().BoolVar(&write, "write", false, "update the lockfile when packages changed")
	c.Flags().BoolVar(&exitCode, "exit-code", false, "exit 1 when packages changed, 0 when not")
	return c
}

// exactArgs is cobra.ExactArgs with plinth's usage exit status.
func exactArgs(n int, msg string) cobra.PositionalArgs {
	return func(c *cobra.Command, args []string) error {
		if len(args) != n {
			return usageError{errors.New(msg), c.Name()}
		}
		return nil
	}
}
