package recipes

import (
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"strings"
)

// The built-in recipes and the archive keyrings ship inside the binary.
var (
	//go:embed *.toml
	builtinFS embed.FS
	//go:embed keys/*.gpg
	keysFS embed.FS
)

// builtinPrefix marks Recipe.File of a built-in recipe: "builtin:static".
const builtinPrefix = "builtin:"

// ErrUnknown is wrapped by Load's error for a RECIPE that is neither a
// built-in name nor a file path; the error lists the built-in names.
var ErrUnknown = errors.New("unknown recipe")

// unknownRecipe says name is no built-in and how to name a file instead.
func unknownRecipe(name string) error {
	var names []string
	for _, b := range Builtins() {
		names = append(names, b.Name)
	}
	return fmt.Errorf("%w %q: the built-in recipes are %s; a recipe file's path must end in .toml or contain '/'",
		ErrUnknown, name, strings.Join(names, ", "))
}

// isBuiltinFile reports whether Recipe.File names a built-in recipe.
func isBuiltinFile(file string) bool { return strings.HasPrefix(file, builtinPrefix) }

// Info describes one built-in recipe.
type Info struct {
	Name        string // what `plinth build NAME` takes
	Description string // the recipe's description
}

// Builtins lists the built-in recipes, sorted by name.
func Builtins() []Info {
	entries, err := fs.ReadDir(builtinFS, ".")
	if err != nil {
		return nil
	}
	var infos []Info
	for _, e := range entries { // fs.ReadDir sorts by file name
		name, ok := strings.CutSuffix(e.Name(), ".toml")
		if !ok {
			continue
		}
		info := Info{Name: name}
		if data, ok := Builtin(name); ok {
			if r, err := Parse(builtinPrefix+name, data); err == nil {
				info.Description = r.Description
			}
		}
		infos = append(infos, info)
	}
	return infos
}

// Builtin returns the TOML text of the built-in recipe name.
func Builtin(name string) ([]byte, bool) {
	if name == "" || strings.ContainsAny(name, `/\.`) {
		return nil, false
	}
	data, err := builtinFS.ReadFile(name + ".toml")
	if err != nil {
		return nil, false
	}
	return data, true
}

// Keyring returns the built-in archive keyring (binary OpenPGP public keys)
// of a distro: "debian" or "ubuntu". See keys/README.md for what it holds.
func Keyring(distro string) ([]byte, error) {
	var file string
	switch distro {
	case DistroDebian:
		file = "keys/debian-archive-keyring.gpg"
	case DistroUbuntu:
		file = "keys/ubuntu-archive-keyring.gpg"
	default:
		return nil, fmt.Errorf("no built-in archive keyring for distro %q: plinth has debian and ubuntu ones; pass your archive's keys with --keyring", distro)
	}
	data, err := keysFS.ReadFile(file)
	if err != nil {
		return nil, fmt.Errorf("reading built-in keyring %s: %w", file, err)
	}
	return data, nil
}
