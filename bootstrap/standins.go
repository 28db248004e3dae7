package bootstrap

import (
	"fmt"

	"github.com/plinth-build/plinth/debpkg/resolve"
	"github.com/plinth-build/plinth/recipes"
	"github.com/plinth-build/plinth/rootfs"
)

// finishExtractOnly does declaratively what maintainer scripts would have
// done, for recipes that run none (configure = "none"): accounts, the CA
// bundle, busybox's applet links and /tmp.
func finishExtractOnly(tree *rootfs.Tree, r *recipes.Recipe, plan *resolve.Plan) error {
	if r.Rootfs.Configure != recipes.ConfigureNone {
		return nil
	}
	// Applets first: accounts get /bin/sh as their shell only when it exists.
	if inPlan(plan, "busybox") || inPlan(plan, "busybox-static") {
		if _, err := rootfs.InstallBusyboxLinks(tree, "/bin/busybox"); err != nil {
			return fmt.Errorf("linking busybox applets: %w", err)
		}
	}
	if err := rootfs.WriteAccounts(tree, accounts(r.Rootfs.Users), groups(r.Rootfs.Groups)); err != nil {
		return fmt.Errorf("writing accounts: %w", err)
	}
	if inPlan(plan, "ca-certificates") {
		if _, err := rootfs.BuildCABundle(tree); err != nil {
			return fmt.Errorf("building the CA bundle: %w", err)
		}
	}
	return rootfs.EnsureTmp(tree)
}

func accounts(users []recipes.User) []rootfs.Account {
	out := make([]rootfs.Account, len(users))
	for i, u := range users {
		out[i] = rootfs.Account{Name: u.Name, UID: u.UID, GID: u.GID, Home: u.Home, Shell: u.Shell}
	}
	return out
}

func groups(gs []recipes.Group) []rootfs.Group {
	out := make([]rootfs.Group, len(gs))
	for i, g := range gs {
		out[i] = rootfs.Group{Name: g.Name, GID: g.GID}
	}
	return out
}

func inPlan(plan *resolve.Plan, name string) bool {
	for _, c := range plan.Packages {
		if c.Name == name {
			return true
		}
	}
	return false
}
