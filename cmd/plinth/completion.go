package main

import (
	"slices"

	"github.com/spf13/cobra"

	"github.com/plinth-build/plinth/recipes"
)

// addRecipeCompletion makes the shell complete built-in recipe names (with
// their descriptions) where the commands of root take a RECIPE; file
// names complete too, for recipe files. cobra adds `plinth completion`.
func addRecipeCompletion(root *cobra.Command) {
	for _, c := range root.Commands() {
		var every bool // build takes RECIPE..., lock, refresh and show one first
		switch c.Name() {
		case "build":
			every = true
		case "lock", "refresh", "show":
		default:
			continue
		}
		c.ValidArgsFunction = func(c *cobra.Command, args []string, toComplete string) ([]string, cobra.ShellCompDirective) {
			if len(args) > 0 && !every {
				return nil, cobra.ShellCompDirectiveDefault
			}
			return builtinCompletions(), cobra.ShellCompDirectiveDefault
		}
	}
}

// builtinCompletions are "name\tdescription" for every built-in recipe, sorted.
func builtinCompletions() []string {
	var out []string
	for _, in := range recipes.Builtins() {
		out = append(out, in.Name+"\t"+in.Description)
	}
	slices.Sort(out)
	return out
}
