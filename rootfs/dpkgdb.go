package rootfs

import (
	"bytes"
	"cmp"
	"crypto/md5"
	"encoding/hex"
	"errors"
	"fmt"
	"maps"
	"path"
	"slices"
	"sort"
	"strings"

	"github.com/plinth-build/plinth/debpkg"
)

// DpkgAdminDir is where dpkg keeps its database.
const DpkgAdminDir = "/var/lib/dpkg"

// StatusInstalled and StatusUnpacked are the Status values plinth writes:
// extract-only bases are final, chroot builds configure packages later.
const (
	StatusInstalled = "install ok installed"
	StatusUnpacked  = "install ok unpacked"
)

// InstalledPackage is what the dpkg database records for one package.
type InstalledPackage struct {
	Control debpkg.Paragraph // the .deb's control paragraph
	Files   []string         // from Tree.Extract, dpkg .list order
	// ControlFiles are the .deb's control.tar members other than control
	// (md5sums, conffiles, scripts, triggers, shlibs, symbols, templates).
	ControlFiles map[string][]byte
	Status       string // default StatusInstalled
}

// DpkgOptions tunes WriteDpkgDatabase.
type DpkgOptions struct {
	Arch string // the image's native architecture, e.g. "amd64"
	// KeepScripts installs maintainer scripts (preinst, postinst, prerm,
	// postrm, config) into info/, for builds that run them later.
	KeepScripts bool
}

// maintainerScripts are the control members dpkg runs; they are only
// installed with KeepScripts.
var maintainerScripts = map[string]bool{
	"preinst": true, "postinst": true, "prerm": true, "postrm": true, "config": true,
}

// statusFieldOrder is the order dpkg writes known fields in (fieldinfos in
// dpkg's lib/dpkg/parse.c); other fields follow in control order.
var statusFieldOrder = []string{
	"Package", "Essential", "Protected", "Status", "Priority", "Section",
	"Installed-Size", "Origin", "Maintainer", "Bugs", "Architecture",
	"Multi-Arch", "Source", "Version", "Config-Version", "Replaces",
	"Provides", "Depends", "Pre-Depends", "Recommends", "Suggests",
	"Breaks", "Conflicts", "Enhances", "Conffiles", "Filename", "Size",
	"MD5sum", "MSDOS-Filename", "Description", "Triggers-Pending",
	"Triggers-Awaited",
}

// statusOnlyFields never come from a .deb's control file: dpkg owns them.
var statusOnlyFields = []string{
	"Status", "Config-Version", "Conffiles", "Filename", "Size", "MD5sum",
	"MSDOS-Filename", "Triggers-Pending", "Triggers-Awaited",
}

// relationFields are rewritten on one line, as dpkg does.
var relationFields = []string{
	"Replaces", "Provides", "Depends", "Pre-Depends", "Recommends",
	"Suggests", "Breaks", "Conflicts", "Enhances",
}

// DpkgError reports a package the dpkg database cannot record.
type DpkgError struct {
	Package string
	Reason  string
}

func (e *DpkgError) Error() string {
	name := e.Package
	if name == "" {
		name = "(unnamed)"
	}
	return fmt.Sprintf("recording package %s in the dpkg database: %s", name, e.Reason)
}

// WriteDpkgDatabase writes the dpkg database for pkgs into t, as a fresh
// dpkg that installed them would have: /var/lib/dpkg/status (one paragraph
// per package sorted by name then architecture, fields in dpkg's order,
// Conffiles hashed from the tree), info/<pkg>.{list,md5sums,conffiles,...}
// (info/<pkg>:<arch>.* for Multi-Arch: same), triggers/File and the
// explicit trigger interest files, the arch file when packages of foreign
// architectures are present, info/format (the multiarch layout) and empty
// available, diversions and statoverride files where the tree has none.
func WriteDpkgDatabase(t *Tree, pkgs []InstalledPackage, opts DpkgOptions) error {
	if opts.Arch == "" {
		return errors.New("writing the dpkg database: no native architecture given")
	}
	sorted, err := sortPackages(pkgs)
	if err != nil {
		return err
	}
	if err := writeDpkgSkeleton(t); err != nil {
		return err
	}
	var status bytes.Buffer
	for i, p := range sorted {
		para, err := statusParagraph(t, p)
		if err != nil {
			return err
		}
		if i > 0 {
			status.WriteByte('\n')
		}
		status.WriteString(para.String())
		if err := writeInfoFiles(t, p, opts); err != nil {
			return err
		}
	}
	if err := writeTriggerInterests(t, sorted); err != nil {
		return err
	}
	if err := writeArchFile(t, sorted, opts.Arch); err != nil {
		return err
	}
	return writeDpkgFile(t, "status", status.Bytes())
}

// ReadDpkgStatus reads /var/lib/dpkg/status of a tree. Every paragraph
// must name its Package.
func ReadDpkgStatus(t *Tree) ([]debpkg.Paragraph, error) {
	name := path.Join(DpkgAdminDir, "status")
	data, err := t.ReadFile(name)
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", name, err)
	}
	paras, err := debpkg.ParseParagraphs(bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("parsing %s: %w", name, err)
	}
	for i, p := range paras {
		if p.Get("Package") == "" {
			return nil, fmt.Errorf("parsing %s: paragraph %d has no Package field", name, i+1)
		}
	}
	return paras, nil
}

// sortPackages checks names and statuses and sorts by name, then arch.
func sortPackages(pkgs []InstalledPackage) ([]InstalledPackage, error) {
	sorted := slices.Clone(pkgs)
	seen := map[string]bool{}
	for i := range sorted {
		p := &sorted[i]
		name := p.Control.Get("Package")
		for _, f := range []string{"Package", "Version", "Architecture"} {
			if p.Control.Get(f) == "" {
				return nil, &DpkgError{Package: name, Reason: "control has no " + f + " field"}
			}
		}
		if strings.ContainsAny(name, "/: \t\n") {
			return nil, &DpkgError{Package: name, Reason: "invalid package name"}
		}
		if p.Status == "" {
			p.Status = StatusInstalled
		}
		if err := checkStatus(p.Status); err != nil {
			return nil, &DpkgError{Package: name, Reason: err.Error()}
		}
		key := name + ":" + p.Control.Get("Architecture")
		if seen[key] {
			return nil, &DpkgError{Package: name, Reason: "listed twice for architecture " + p.Control.Get("Architecture")}
		}
		seen[key] = true
	}
	sort.SliceStable(sorted, func(i, j int) bool {
		a, b := sorted[i].Control, sorted[j].Control
		return cmp.Or(
			cmp.Compare(a.Get("Package"), b.Get("Package")),
			cmp.Compare(a.Get("Architecture"), b.Get("Architecture")),
		) < 0
	})
	return sorted, nil
}

// checkStatus validates a "want flag status" triple.
func checkStatus(s string) error {
	want := []string{"unknown", "install", "hold", "deinstall", "purge"}
	flag := []string{"ok", "reinstreq"}
	state := []string{"not-installed", "config-files", "half-installed", "unpacked",
		"half-configured", "triggers-awaited", "triggers-pending", "installed"}
	w := strings.Fields(s)
	if len(w) != 3 || !slices.Contains(want, w[0]) || !slices.Contains(flag, w[1]) || !slices.Contains(state, w[2]) {
		return fmt.Errorf("invalid Status %q (want e.g. %q)", s, StatusInstalled)
	}
	return nil
}

// infoName is the name of a package's info/ files: pkg, or pkg:arch for
// Multi-Arch: same packages.
func infoName(p InstalledPackage) string {
	name := p.Control.Get("Package")
	if strings.EqualFold(p.Control.Get("Multi-Arch"), "same") {
		name += ":" + p.Control.Get("Architecture")
	}
	return name
}

// statusParagraph builds the status entry of p, fields in dpkg's order.
func statusParagraph(t *Tree, p InstalledPackage) (debpkg.Paragraph, error) {
	var in debpkg.Paragraph
	for _, f := range p.Control.Fields {
		if slices.ContainsFunc(statusOnlyFields, func(s string) bool { return strings.EqualFold(s, f.Name) }) {
			continue
		}
		in.Fields = append(in.Fields, f)
	}
	for _, f := range []string{"Essential", "Protected"} {
		if v, ok := in.Lookup(f); ok && !strings.EqualFold(v, "yes") {
			in.Delete(f) // dpkg writes these only when "yes"
		}
	}
	for _, f := range relationFields {
		if v, ok := in.Lookup(f); ok {
			in.Set(f, oneLineRelation(v))
		}
	}
	in.Set("Status", p.Status)
	conffiles, err := conffilesField(t, p)
	if err != nil {
		return debpkg.Paragraph{}, err
	}
	if conffiles != "" {
		in.Set("Conffiles", conffiles)
	}
	return orderFields(in), nil
}

// orderFields puts known fields in dpkg's order and others after them, in
// their original order; field names take dpkg's spelling.
func orderFields(in debpkg.Paragraph) debpkg.Paragraph {
	var out debpkg.Paragraph
	for _, name := range statusFieldOrder {
		if v, ok := in.Lookup(name); ok {
			out.Fields = append(out.Fields, debpkg.Field{Name: name, Value: v})
		}
	}
	for _, f := range in.Fields {
		if !slices.ContainsFunc(statusFieldOrder, func(s string) bool { return strings.EqualFold(s, f.Name) }) {
			out.Fields = append(out.Fields, f)
		}
	}
	return out
}

// oneLineRelation joins a folded relation field into dpkg's one-line form.
func oneLineRelation(v string) string {
	parts := strings.Split(v, ",")
	out := parts[:0]
	for _, p := range parts {
		p = strings.Join(strings.Fields(p), " ")
		if p != "" {
			out = append(out, p)
		}
	}
	return strings.Join(out, ", ")
}

// conffileList parses a conffiles control member: one absolute path a
// line, optionally after flags ("remove-on-upgrade /etc/x"). Conffiles
// flagged remove-on-upgrade are not shipped and are left out.
func conffileList(data []byte) []string {
	var out []string
	for _, line := range strings.Split(string(data), "\n") {
		w := strings.Fields(line)
		if len(w) == 0 {
			continue
		}
		name := w[len(w)-1]
		if !strings.HasPrefix(name, "/") || slices.Contains(w[:len(w)-1], "remove-on-upgrade") {
			continue
		}
		out = append(out, name)
	}
	return out
}

// conffilesField renders the Conffiles field: " /etc/x <md5>" lines. The
// hash is that of the file in the tree; unpacked packages get
// "newconffile" as dpkg writes until it configures them, and so do
// conffiles missing from the tree.
func conffilesField(t *Tree, p InstalledPackage) (string, error) {
	names := conffileList(p.ControlFiles["conffiles"])
	if len(names) == 0 {
		return "", nil
	}
	// The hash is of the conffile as the package ships it, which is what
	// dpkg records when it configures the package; for unpacked packages
	// too, since plinth unpacks conffiles in place, not as .dpkg-new files
	// whose hash dpkg --configure would take. A conffile pruned or absent
	// stays "newconffile".
	var b strings.Builder
	for _, name := range names {
		sum := "newconffile"
		data, err := t.ReadFile(name)
		switch {
		case err == nil:
			sum = md5Hex(data)
		case !errors.Is(err, ErrNotExist):
			return "", fmt.Errorf("hashing conffile %s of %s: %w", name, p.Control.Get("Package"), err)
		}
		fmt.Fprintf(&b, "\n %s %s", name, sum)
	}
	return b.String(), nil
}

func md5Hex(data []byte) string {
	sum := md5.Sum(data)
	return hex.EncodeToString(sum[:])
}

// writeInfoFiles writes info/<name>.* for one package.
func writeInfoFiles(t *Tree, p InstalledPackage, opts DpkgOptions) error {
	base := path.Join(DpkgAdminDir, "info", infoName(p))
	var list bytes.Buffer
	for _, f := range p.Files {
		if strings.ContainsAny(f, "\n") {
			return &DpkgError{Package: p.Control.Get("Package"), Reason: fmt.Sprintf("file name %q contains a newline", f)}
		}
		list.WriteString(f)
		list.WriteByte('\n')
	}
	if err := t.WriteFile(base+".list", list.Bytes(), 0o644, 0, 0); err != nil {
		return fmt.Errorf("writing %s.list: %w", base, err)
	}
	files := map[string][]byte{}
	for name, data := range p.ControlFiles {
		if installsInfoFile(name, opts.KeepScripts) {
			files[name] = data
		}
	}
	if _, ok := files["md5sums"]; !ok {
		if sums := computeMD5sums(t, p); len(sums) > 0 {
			files["md5sums"] = sums
		}
	}
	for _, name := range slices.Sorted(maps.Keys(files)) {
		mode := int64(0o644)
		if maintainerScripts[name] {
			mode = 0o755
		}
		if err := t.WriteFile(base+"."+name, files[name], mode, 0, 0); err != nil {
			return fmt.Errorf("writing %s.%s: %w", base, name, err)
		}
	}
	return nil
}

// installsInfoFile reports whether dpkg keeps a control member as
// info/<pkg>.<name>: every member but control (and names that would clash
// with the list or escape info/), scripts only when asked.
func installsInfoFile(name string, keepScripts bool) bool {
	switch {
	case name == "" || name == "control" || name == "list" || strings.ContainsAny(name, "/."):
		return false
	case maintainerScripts[name]:
		return keepScripts
	}
	return true
}

// computeMD5sums renders md5sums as dpkg does for a .deb without one:
// "<md5>  <path without leading slash>" for each regular file of the
// package in the tree, conffiles excluded.
func computeMD5sums(t *Tree, p InstalledPackage) []byte {
	conffiles := conffileList(p.ControlFiles["conffiles"])
	var b bytes.Buffer
	for _, f := range p.Files {
		if f == "/." || slices.Contains(conffiles, f) {
			continue
		}
		real, err := t.Resolve(f, false)
		if err != nil {
			continue
		}
		n, ok := t.Get(real)
		if !ok || n.Type != TypeReg && n.Type != TypeHardlink {
			continue
		}
		data, err := t.ReadFile(real)
		if err != nil {
			continue
		}
		fmt.Fprintf(&b, "%s  %s\n", md5Hex(data), strings.TrimPrefix(f, "/"))
	}
	return b.Bytes()
}

// writeTriggerInterests writes triggers/File (file triggers: "<path>
// <pkg>[/noawait]") and triggers/<name> (explicit triggers: "<pkg>[/noawait]")
// from the packages' "interest" directives, and an empty Unincorp.
func writeTriggerInterests(t *Tree, pkgs []InstalledPackage) error {
	var fileTrig bytes.Buffer
	explicit := map[string]*bytes.Buffer{}
	for _, p := range pkgs {
		owner := p.Control.Get("Package")
		if strings.EqualFold(p.Control.Get("Multi-Arch"), "same") {
			owner = infoName(p)
		}
		for _, line := range strings.Split(string(p.ControlFiles["triggers"]), "\n") {
			w := strings.Fields(strings.SplitN(line, "#", 2)[0])
			if len(w) != 2 || !strings.HasPrefix(w[0], "interest") {
				continue
			}
			entry := owner
			switch w[0] {
			case "interest", "interest-await":
			case "interest-noawait":
				entry += "/noawait"
			default:
				continue
			}
			if strings.HasPrefix(w[1], "/") {
				fmt.Fprintf(&fileTrig, "%s %s\n", w[1], entry)
				continue
			}
			if strings.Contains(w[1], "/") || slices.Contains([]string{"File", "Unincorp", "Lock"}, w[1]) {
				continue
			}
			if explicit[w[1]] == nil {
				explicit[w[1]] = &bytes.Buffer{}
			}
			fmt.Fprintf(explicit[w[1]], "%s\n", entry)
		}
	}
	if fileTrig.Len() > 0 {
		if err := writeDpkgFile(t, "triggers/File", fileTrig.Bytes()); err != nil {
			return err
		}
	}
	for name, buf := range explicit {
		if err := writeDpkgFile(t, "triggers/"+name, buf.Bytes()); err != nil {
			return err
		}
	}
	return writeDpkgFile(t, "triggers/Unincorp", nil)
}

// writeArchFile writes /var/lib/dpkg/arch (native first, then the foreign
// architectures sorted) when a package of a foreign architecture is
// present, as "dpkg --add-architecture" would have.
func writeArchFile(t *Tree, pkgs []InstalledPackage, native string) error {
	var foreign []string
	for _, p := range pkgs {
		a := p.Control.Get("Architecture")
		if a != native && a != "all" && !slices.Contains(foreign, a) {
			foreign = append(foreign, a)
		}
	}
	if len(foreign) == 0 {
		return nil
	}
	slices.Sort(foreign)
	return writeDpkgFile(t, "arch", []byte(strings.Join(append([]string{native}, foreign...), "\n")+"\n"))
}

// writeDpkgSkeleton creates dpkg's directories and the empty files a fresh
// dpkg keeps, leaving files that exist alone.
func writeDpkgSkeleton(t *Tree) error {
	for _, d := range []string{"", "alternatives", "info", "parts", "triggers", "updates"} {
		name := path.Join(DpkgAdminDir, d)
		if err := t.MkdirAll(name, 0o755, 0, 0); err != nil {
			return fmt.Errorf("creating %s: %w", name, err)
		}
	}
	// info/format 1: the multiarch layout, info/<pkg>:<arch>.* files.
	if err := writeDpkgFile(t, "info/format", []byte("1\n")); err != nil {
		return err
	}
	for _, f := range []string{"available", "diversions", "statoverride"} {
		name := path.Join(DpkgAdminDir, f)
		if _, ok := t.Get(name); ok {
			continue
		}
		if err := writeDpkgFile(t, f, nil); err != nil {
			return err
		}
	}
	return nil
}

func writeDpkgFile(t *Tree, name string, data []byte) error {
	full := path.Join(DpkgAdminDir, name)
	if err := t.WriteFile(full, data, 0o644, 0, 0); err != nil {
		return fmt.Errorf("writing %s: %w", full, err)
	}
	return nil
}
