package rootfs

import (
	"archive/tar"
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// update reports -update: rewrite testdata/*.golden from the current
// output. dpkgdb_test.go defines the same flag; whichever file initializes
// first defines it and the other shares it.
var update = updateFlag()

func updateFlag() func() bool {
	if f := flag.Lookup("update"); f != nil {
		return func() bool { return f.Value.String() == "true" }
	}
	p := flag.Bool("update", false, "rewrite testdata/*.golden from the current output")
	return func() bool { return *p }
}

// goldenDump compares TreeDump(tree) with testdata/name.golden, one
// "path<TAB>line" a line, sorted; -update rewrites the file.
func goldenDump(t *testing.T, name string, tree *Tree) {
	t.Helper()
	dump := TreeDump(tree)
	var lines []string
	for p, l := range dump {
		lines = append(lines, p+"\t"+l)
	}
	slices.Sort(lines)
	got := strings.Join(lines, "\n") + "\n"
	file := filepath.Join("testdata", name+".golden")
	if update() {
		must(t, os.WriteFile(file, []byte(got), 0o644))
	}
	want, err := os.ReadFile(file)
	if err != nil {
		t.Fatalf("%v (run go test -run %s -update to create it)", err, t.Name())
	}
	if diff := cmp.Diff(string(want), got); diff != "" {
		t.Errorf("TreeDump differs from %s (-want +got):\n%s", file, diff)
	}
}

func TestTreeDumpGolden(t *testing.T) {
	goldenDump(t, "sample", sampleTree(t, false))

	// Packages unpacked over merged /usr with pruning.
	tree := New()
	must(t, tree.MergeUsr([]string{"lib64"}))
	exclude, err := PruneFilter([]string{"docs", "man", "locales"}, []string{"de_DE.UTF-8"})
	must(t, err)
	for _, pkg := range []struct {
		name    string
		entries []spec
	}{
		{"base-files", []spec{specDir("./"), specDir("./etc/"), specFile("./etc/debian_version", "12.5\n"),
			{name: "./tmp/", typ: '5', mode: 0o1777}, specDir("./usr/"), specDir("./usr/share/"), specDir("./usr/share/doc/"),
			specDir("./usr/share/doc/base-files/"), specFile("./usr/share/doc/base-files/copyright", "(c)"),
			specFile("./usr/share/doc/base-files/README", "readme")}},
		{"login", []spec{specDir("./bin/"), {name: "./bin/su", typ: '0', mode: 0o4755, data: "su"}, specDir("./usr/share/man/"),
			specDir("./usr/share/man/man1/"), specFile("./usr/share/man/man1/su.1.gz", "man"), specDir("./usr/share/locale/"),
			specDir("./usr/share/locale/de/"), specDir("./usr/share/locale/de/LC_MESSAGES/"), specFile("./usr/share/locale/de/LC_MESSAGES/login.mo", "de"),
			specDir("./usr/share/locale/fr/"), specDir("./usr/share/locale/fr/LC_MESSAGES/"), specFile("./usr/share/locale/fr/LC_MESSAGES/login.mo", "fr")}},
		{"libc6", []spec{specDir("./lib/"), specDir("./lib/x86_64-linux-gnu/"), {name: "./lib/x86_64-linux-gnu/libc.so.6", typ: '0', mode: 0o755, data: "libc"},
			specDir("./lib64/"), specLink("./lib64/ld-linux-x86-64.so.2", "/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2"),
			specHard("./lib/x86_64-linux-gnu/ld-linux-x86-64.so.2", "./lib/x86_64-linux-gnu/libc.so.6"),
			specDir("./usr/lib/"), specDir("./usr/lib/locale/"), specDir("./usr/lib/locale/C.utf8/"), specFile("./usr/lib/locale/C.utf8/LC_CTYPE", "ctype")}},
	} {
		tr := tar.NewReader(bytes.NewReader(specTar(t, pkg.entries...)))
		if _, err := tree.Extract(tr, ExtractOptions{Package: pkg.name, Exclude: exclude.Exclude}); err != nil {
			t.Fatal(err)
		}
	}
	goldenDump(t, "packages", tree)
}
