package recipes

import (
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// valid returns a recipe that validates, for tests to break.
func valid() *Recipe {
	r := &Recipe{
		Format: 1, Name: "ok", File: "ok.toml",
		Source: Source{Distro: "debian", Suite: "bookworm"},
		Rootfs: Rootfs{MergedUsr: true},
	}
	r.ApplyDefaults()
	return r
}

func TestValidate(t *testing.T) {
	tests := []struct {
		name   string
		change func(r *Recipe)
		want   []string
	}{
		{name: "valid", change: func(*Recipe) {}},
		{name: "valid before defaults", change: func(r *Recipe) { *r = Recipe{Format: 1, Source: Source{Distro: "ubuntu", Suite: "noble"}} }},
		{
			name: "everything wrong at once",
			change: func(r *Recipe) {
				*r = Recipe{
					Format: 2, Name: "a b", File: "bad.toml",
					Source: Source{
						Distro: "arch", Suites: []string{"x", "", "x"}, Components: []string{""},
						Mirror: "ftp://m.example/", Mirrors: map[string]string{"y": "not a url"},
					},
					Packages: Packages{Variant: "max", Include: []string{"Bad_Name", "a"}, Exclude: []string{"a"}},
					Rootfs: Rootfs{
						Configure: "ansible", Prune: []string{"docs", "everything"}, KeepLocales: []string{""},
						Users: []User{
							{Name: "app", UID: 1000, GID: 1000},
							{Name: "app", UID: 1000, GID: -1, Home: "rel", Shell: "sh"},
							{Name: "root", UID: 0},
							{Name: "9lives", UID: 1 << 33},
						},
						Groups: []Group{{Name: "g", GID: 10}, {Name: "g", GID: 10}, {Name: "Upper", GID: 0}},
					},
					Image: Image{
						Architectures: []string{"amd64", "x86_64", "amd64"},
						Env:           map[string]string{"": "x", "A=B": "y", "OK": "z"},
						Labels:        map[string]string{"": "x"},
						ExposedPorts:  []string{"80", "53/udp", "8080/sctp", "0", "70000/tcp"},
						User:          "a b", Workdir: "relative",
					},
				}
			},
			want: []string{
				`format: must be 1, got 2`,
				`name: "a b": use letters, digits, '.', '_' and '-', starting with a letter or digit`,
				`source.distro: must be one of debian, ubuntu, got "arch"`,
				`source.suite: missing: set the release codename, e.g. bookworm or noble`,
				`source.suites[1]: empty suite name`,
				`source.suites[2]: "x" is listed twice`,
				`source.components[0]: "": a component is one word, like main`,
				`source.mirror: "ftp://m.example/" is not an http(s) URL, like http://HOST/debian`,
				`source.mirrors."y": "y" is not among source.suites (x, , x)`,
				`source.mirrors."y": "not a url" is not an http(s) URL, like http://HOST/debian`,
				`packages.variant: must be one of none, essential, minbase, got "max"`,
				`packages.include[0]: "Bad_Name" is not a package name (lower case letters, digits, '+', '-', '.')`,
				`packages.include[1]: "a" is not a package name (lower case letters, digits, '+', '-', '.')`,
				`packages.exclude[0]: "a" is not a package name (lower case letters, digits, '+', '-', '.')`,
				`packages.exclude: "a" is also in packages.include`,
				`rootfs.configure: must be one of chroot, none, got "ansible"`,
				`rootfs.prune[1]: "everything": must be one of docs, man, info, locales, kernel, caches, lintian`,
				`rootfs.keep_locales[0]: "" is not a locale name, like C.UTF-8 or en_US.UTF-8`,
				`rootfs.users[1].name: user "app" is declared twice`,
				`rootfs.users[1].uid: uid 1000 is used twice`,
				`rootfs.users[1].gid: -1: must be between 0 and 4294967294`,
				`rootfs.users[1].home: "rel" must be an absolute path`,
				`rootfs.users[1].shell: "sh" must be an absolute path`,
				`rootfs.users[2].name: "root" always exists; do not declare it`,
				`rootfs.users[2].uid: 0: must be between 1 and 4294967294 (root, uid 0, always exists)`,
				`rootfs.users[3].name: "9lives": use up to 32 lower case letters, digits, '_' and '-', not starting with a digit`,
				`rootfs.users[3].uid: 8589934592: must be between 1 and 4294967294 (root, uid 0, always exists)`,
				`rootfs.groups[1].name: group "g" is declared twice`,
				`rootfs.groups[1].gid: gid 10 is used twice`,
				`rootfs.groups[2].name: "Upper": use up to 32 lower case letters, digits, '_' and '-', not starting with a digit`,
				`rootfs.groups[2].gid: 0: must be between 1 and 4294967294 (root, gid 0, always exists)`,
				`image.architectures[1]: "x86_64": must be one of amd64, arm64, armhf, armel, i386, ppc64el, s390x, riscv64, mips64el`,
				`image.architectures[2]: "amd64" is listed twice`,
				`image.env: "" is not a variable name (non-empty, no '=')`,
				`image.env: "A=B" is not a variable name (non-empty, no '=')`,
				`image.labels: a label has an empty name`,
				`image.exposed_ports[2]: "8080/sctp": write PORT, PORT/tcp or PORT/udp, like 8080/tcp`,
				`image.exposed_ports[3]: "0": port must be between 1 and 65535`,
				`image.exposed_ports[4]: "70000/tcp": port must be between 1 and 65535`,
				`image.user: "a b": write USER, UID, USER:GROUP or UID:GID`,
				`image.workdir: "relative" must be an absolute path`,
			},
		},
		{name: "format missing", change: func(r *Recipe) { r.Format = 0 }, want: []string{"format: missing: start the file with format = 1"}},
		{name: "distro missing", change: func(r *Recipe) { r.Source.Distro = "" }, want: []string{"source.distro: missing: set debian or ubuntu"}},
		{
			name:   "suites without the main suite",
			change: func(r *Recipe) { r.Source.Suites = []string{"bookworm-updates"} },
			want:   []string{`source.suites: must include the main suite "bookworm"`},
		},
		{
			name: "per-suite mirror for a listed suite",
			change: func(r *Recipe) {
				r.Source.Suites = []string{"bookworm", "bookworm-security"}
				r.Source.Mirrors = map[string]string{"bookworm-security": "https://security.example/debian-security"}
			},
		},
		{
			name:   "variant none with nothing to install",
			change: func(r *Recipe) { r.Packages.Variant = "none" },
			want:   []string{`packages: variant "none" installs only what include and files_only name, and both are empty`},
		},
		{
			name:   "files_only and exclude overlap",
			change: func(r *Recipe) { r.Packages.FilesOnly = []string{"tzdata"}; r.Packages.Exclude = []string{"tzdata"} },
			want:   []string{`packages.exclude: "tzdata" is also in packages.files_only`},
		},
		{
			name:   "empty prune and keep_locales are fine",
			change: func(r *Recipe) { r.Rootfs.Prune = []string{}; r.Rootfs.KeepLocales = []string{} },
		},
		{
			name: "ports and user forms",
			change: func(r *Recipe) {
				r.Image.ExposedPorts = []string{"1", "65535/udp", "443/tcp"}
				r.Image.User = "65532:65532"
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := valid()
			tt.change(r)
			err := r.Validate()
			if len(tt.want) == 0 {
				if err != nil {
					t.Fatalf("Validate: %v", err)
				}
				return
			}
			var verr *ValidationError
			if !errors.As(err, &verr) {
				t.Fatalf("Validate = %v, want a *ValidationError", err)
			}
			if verr.File != r.File {
				t.Errorf("File = %q, want %q", verr.File, r.File)
			}
			if diff := cmp.Diff(tt.want, verr.Problems); diff != "" {
				t.Errorf("problems (-want +got):\n%s", diff)
			}
		})
	}
}

func TestValidationErrorString(t *testing.T) {
	tests := []struct {
		name string
		err  *ValidationError
		want string
	}{
		{"one", &ValidationError{File: "a.toml", Problems: []string{"format: x"}}, "recipe a.toml: 1 problem:\n  - format: x"},
		{"two", &ValidationError{File: "a.toml", Problems: []string{"format: x", "source.distro: y"}}, "recipe a.toml: 2 problems:\n  - format: x\n  - source.distro: y"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.err.Error(); got != tt.want {
				t.Errorf("Error() = %q, want %q", got, tt.want)
			}
		})
	}
}
