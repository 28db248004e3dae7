package recipes

import (
	"path/filepath"
	"strings"
)

// ApplyDefaults fills what the recipe leaves unset: the name (from File),
// suites ([Suite]), components (["main"]), variant ("minbase"), configure
// ("chroot"), prune (all of PruneNames), keep_locales (["C.UTF-8"]), each
// user's home (/home/NAME) and shell (/sbin/nologin), the image user ("0")
// and workdir ("/"). Set values are kept; an empty, non-nil Prune or
// KeepLocales means "none". Architectures stay empty for the caller to fill.
// MergedUsr is left alone (see its doc).
func (r *Recipe) ApplyDefaults() {
	if r.Name == "" {
		r.Name = nameFromFile(r.File)
	}
	r.Source.applyDefaults()
	if r.Packages.Variant == "" {
		r.Packages.Variant = VariantMinbase
	}
	r.Rootfs.applyDefaults()
	if r.Image.User == "" {
		r.Image.User = "0"
	}
	if r.Image.Workdir == "" {
		r.Image.Workdir = "/"
	}
}

func (s *Source) applyDefaults() {
	if len(s.Suites) == 0 && s.Suite != "" {
		s.Suites = []string{s.Suite}
	}
	if len(s.Components) == 0 {
		s.Components = []string{"main"}
	}
}

func (fs *Rootfs) applyDefaults() {
	if fs.Configure == "" {
		fs.Configure = ConfigureChroot
	}
	if fs.Prune == nil {
		fs.Prune = PruneNames()
	}
	if fs.KeepLocales == nil {
		fs.KeepLocales = []string{"C.UTF-8"}
	}
	for i := range fs.Users {
		u := &fs.Users[i]
		if u.Home == "" {
			u.Home = "/home/" + u.Name
		}
		if u.Shell == "" {
			u.Shell = "/sbin/nologin"
		}
	}
}

// nameFromFile is the recipe name a file implies: "builtin:static" is
// "static", "dir/my-app.toml" is "my-app".
func nameFromFile(file string) string {
	if name, ok := strings.CutPrefix(file, builtinPrefix); ok {
		return name
	}
	if file == "" {
		return ""
	}
	return strings.TrimSuffix(filepath.Base(file), ".toml")
}
