package recipes

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"

	"github.com/BurntSushi/toml"
)

// maxExtendsDepth bounds an extends chain, also when paths never repeat
// (a symlinked directory can make every step look new).
const maxExtendsDepth = 16

// Load reads a recipe by name or path, follows its extends chain, applies
// defaults and validates it. RECIPE is a path when it contains "/" or ends
// in ".toml", else a built-in name (an unknown one is an ErrUnknown error).
//
// Along an extends chain the child overrides its parent key by key: every
// key the child sets wins (a list or table replaces the parent's whole);
// name and extends are the child's own. A keyring path is made relative to
// the working directory from the file that sets it.
func Load(nameOrPath string) (*Recipe, error) {
	r, err := load(nameOrPath, "", nil)
	if err != nil {
		return nil, err
	}
	r.ApplyDefaults()
	if err := r.Validate(); err != nil {
		return nil, err
	}
	return r, nil
}

// link is one recipe file of an extends chain.
type link struct {
	id   string // absolute path or builtin:NAME, to spot cycles
	file string // as shown in errors
}

// load reads ref (relative to the recipe file from, if any) and merges it
// onto what it extends. chain holds the files already being loaded.
func load(ref, from string, chain []link) (*Recipe, error) {
	file, data, err := locate(ref, from)
	if err != nil {
		return nil, err
	}
	self := link{id: file, file: file}
	if abs, err := filepath.Abs(file); err == nil && !isBuiltinFile(file) {
		self.id = abs
	}
	if i := slices.IndexFunc(chain, func(l link) bool { return l.id == self.id }); i >= 0 {
		return nil, fmt.Errorf("recipe %s: extends cycle: %s; remove one of these extends", from, chainString(append(slices.Clone(chain[i:]), self)))
	}
	if len(chain) >= maxExtendsDepth {
		return nil, fmt.Errorf("recipe %s: extends chain is deeper than %d recipes: %s", from, maxExtendsDepth, chainString(chain))
	}
	r, md, err := parse(file, data)
	if err != nil {
		return nil, err
	}
	if r.Source.Keyring != "" && !filepath.IsAbs(r.Source.Keyring) && !isBuiltinFile(file) {
		r.Source.Keyring = filepath.Join(filepath.Dir(file), r.Source.Keyring)
	}
	if r.Extends == "" {
		return r, nil
	}
	parent, err := load(r.Extends, file, append(chain, self))
	if err != nil {
		if errors.Is(err, ErrUnknown) {
			return nil, fmt.Errorf("recipe %s: extends: %w", file, err)
		}
		return nil, err
	}
	return merge(parent, r, &md), nil
}

// chainString shows an extends chain as "a.toml -> b.toml -> builtin:bookworm".
func chainString(chain []link) string {
	files := make([]string, len(chain))
	for i, l := range chain {
		files[i] = l.file
	}
	return strings.Join(files, " -> ")
}

// locate finds ref's bytes: a file (relative to the file from, when from is
// a file) or a built-in. It returns the name the recipe is known by.
func locate(ref, from string) (string, []byte, error) {
	if !isPath(ref) {
		data, ok := Builtin(ref)
		if !ok {
			return "", nil, unknownRecipe(ref)
		}
		return builtinPrefix + ref, data, nil
	}
	if isBuiltinFile(from) {
		return "", nil, fmt.Errorf("recipe %s: extends %q: a built-in recipe can only extend another built-in", from, ref)
	}
	file := ref
	if from != "" && !filepath.IsAbs(ref) {
		file = filepath.Join(filepath.Dir(from), ref)
	}
	data, err := os.ReadFile(file)
	if err != nil {
		if from != "" {
			return "", nil, fmt.Errorf("recipe %s: reading the recipe it extends: %w", from, err)
		}
		return "", nil, fmt.Errorf("reading recipe: %w; check the path, or name a built-in recipe (plinth recipes lists them)", err)
	}
	return filepath.Clean(file), data, nil
}

// isPath reports whether a RECIPE argument names a file, not a built-in.
func isPath(ref string) bool {
	return strings.Contains(ref, "/") || strings.HasSuffix(ref, ".toml") || strings.Contains(ref, string(filepath.Separator))
}

// merge returns parent with every key md says the child file sets taken
// from child; format, name, extends and file are always the child's own.
func merge(parent, child *Recipe, md *toml.MetaData) *Recipe {
	out := *parent
	mergeStruct(reflect.ValueOf(&out).Elem(), reflect.ValueOf(child).Elem(), md, nil)
	out.Format, out.Name, out.Extends, out.File = child.Format, child.Name, child.Extends, child.File
	return &out
}

// mergeStruct copies the fields of src that md defines into dst, descending
// into tables; lists, tables of values (maps) and arrays of tables replace.
func mergeStruct(dst, src reflect.Value, md *toml.MetaData, path []string) {
	for i := range dst.NumField() {
		tag := tomlTag(dst.Type().Field(i))
		if tag == "" || tag == "-" {
			continue
		}
		key := append(slices.Clone(path), tag)
		if !md.IsDefined(key...) {
			continue
		}
		if dst.Field(i).Kind() == reflect.Struct {
			mergeStruct(dst.Field(i), src.Field(i), md, key)
			continue
		}
		dst.Field(i).Set(src.Field(i))
	}
}
