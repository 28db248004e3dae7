// Package depcheck pins plinth's import directions (DESIGN.md "Layout and
// dependency direction"): arrows point down only, and the packages that own
// a concern (HTTP, images) are the only ones importing its libraries.
package depcheck

import (
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
)

const module = "github.com/plinth-build/plinth"

// allowed lists, for each package, the plinth packages its non-test code may import.
var allowed = map[string][]string{
	"cmd/plinth":     {"bootstrap", "recipes", "qemu"}, // qemu: the stand-ins' entry point
	"bootstrap":      {"recipes", "debpkg", "debpkg/apt", "debpkg/resolve", "rootfs", "rootfs/oci", "qemu"},
	"recipes":        {},
	"debpkg":         {},
	"debpkg/apt":     {"debpkg"},
	"debpkg/resolve": {"debpkg"},
	"debpkg/debtest": {"debpkg"},
	"rootfs":         {"debpkg"},
	"rootfs/oci":     {"debpkg"},
	"qemu":           {"debpkg"},
}

// owned lists third-party or standard imports only the named packages may use.
var owned = map[string][]string{
	"net/http":                               {"debpkg/apt", "debpkg/debtest", "rootfs/oci"},
	"github.com/google/go-containerregistry": {"rootfs/oci"},
	"github.com/spf13/cobra":                 {"cmd/plinth"},
	"github.com/vbauerster/mpb":              {"cmd/plinth"},
	"golang.org/x/term":                      {"cmd/plinth"},
	"os/exec":                                {"bootstrap", "qemu", "rootfs"},
}

func TestImportDirections(t *testing.T) {
	imports := packageImports(t)
	var pkgs []string
	for p := range imports {
		pkgs = append(pkgs, p)
	}
	sort.Strings(pkgs)
	for _, pkg := range pkgs {
		t.Run(pkg, func(t *testing.T) {
			allow, known := allowed[pkg]
			if !known {
				t.Fatalf("package %s is not in depcheck's table: add it with its allowed imports (DESIGN.md layout)", pkg)
			}
			for imp := range imports[pkg] {
				if rel, ok := strings.CutPrefix(imp, module+"/"); ok {
					if !contains(allow, rel) {
						t.Errorf("%s imports %s: not allowed (may import %v)", pkg, rel, allow)
					}
					continue
				}
				for prefix, owners := range owned {
					if (imp == prefix || strings.HasPrefix(imp, prefix+"/")) && !contains(owners, pkg) {
						t.Errorf("%s imports %s: only %v may", pkg, imp, owners)
					}
				}
			}
		})
	}
}

// packageImports maps each package directory (relative to the module root)
// to the imports of its non-test files.
func packageImports(t *testing.T) map[string]map[string]bool {
	t.Helper()
	out := map[string]map[string]bool{}
	fset := token.NewFileSet()
	err := filepath.WalkDir(".", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (strings.HasPrefix(d.Name(), ".") || d.Name() == "testdata" || d.Name() == "bin") && path != "." {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		f, err := parser.ParseFile(fset, path, nil, parser.ImportsOnly)
		if err != nil {
			return err
		}
		dir := filepath.ToSlash(filepath.Dir(path))
		if out[dir] == nil {
			out[dir] = map[string]bool{}
		}
		for _, imp := range f.Imports {
			p, _ := strconv.Unquote(imp.Path.Value)
			out[dir][p] = true
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
