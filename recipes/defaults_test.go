package recipes

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestApplyDefaults(t *testing.T) {
	tests := []struct {
		name string
		in   Recipe
		want Recipe
	}{
		{
			name: "everything unset",
			in: Recipe{
				File:   "dir/my-app.toml",
				Source: Source{Suite: "bookworm"},
				Rootfs: Rootfs{Users: []User{{Name: "app", UID: 1000, GID: 1000}}},
			},
			want: Recipe{
				Name: "my-app", File: "dir/my-app.toml",
				Source:   Source{Suite: "bookworm", Suites: []string{"bookworm"}, Components: []string{"main"}},
				Packages: Packages{Variant: "minbase"},
				Rootfs: Rootfs{
					Configure: "chroot", Prune: PruneNames(), KeepLocales: []string{"C.UTF-8"},
					Users: []User{{Name: "app", UID: 1000, GID: 1000, Home: "/home/app", Shell: "/sbin/nologin"}},
				},
				Image: Image{User: "0", Workdir: "/"},
			},
		},
		{
			name: "set values kept, empty lists mean none",
			in: Recipe{
				Name: "n", File: "builtin:static",
				Source:   Source{Suite: "s", Suites: []string{"s", "t"}, Components: []string{"c"}},
				Packages: Packages{Variant: "none"},
				Rootfs: Rootfs{
					Configure: "none", MergedUsr: true, Prune: []string{}, KeepLocales: []string{},
					Users: []User{{Name: "u", UID: 1, Home: "/", Shell: "/bin/sh"}},
				},
				Image: Image{User: "u", Workdir: "/w"},
			},
			want: Recipe{
				Name: "n", File: "builtin:static",
				Source:   Source{Suite: "s", Suites: []string{"s", "t"}, Components: []string{"c"}},
				Packages: Packages{Variant: "none"},
				Rootfs: Rootfs{
					Configure: "none", MergedUsr: true, Prune: []string{}, KeepLocales: []string{},
					Users: []User{{Name: "u", UID: 1, Home: "/", Shell: "/bin/sh"}},
				},
				Image: Image{User: "u", Workdir: "/w"},
			},
		},
		{
			name: "built-in name",
			in:   Recipe{File: "builtin:static"},
			want: Recipe{
				Name: "static", File: "builtin:static",
				Source:   Source{Components: []string{"main"}},
				Packages: Packages{Variant: "minbase"},
				Rootfs:   Rootfs{Configure: "chroot", Prune: PruneNames(), KeepLocales: []string{"C.UTF-8"}},
				Image:    Image{User: "0", Workdir: "/"},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := tt.in
			got.ApplyDefaults()
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("ApplyDefaults (-want +got):\n%s", diff)
			}
			again := got
			again.ApplyDefaults()
			if diff := cmp.Diff(got, again); diff != "" {
				t.Errorf("ApplyDefaults is not idempotent (-once +twice):\n%s", diff)
			}
		})
	}
}
