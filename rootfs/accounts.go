package rootfs

import (
	"bytes"
	"errors"
	"fmt"
	"path"
	"slices"
	"strconv"
	"strings"
)

// Account is a user for /etc/passwd.
type Account struct {
	Name     string
	UID, GID int    // GID 0 for a user other than root means "same as UID"
	Home     string // default /home/<name> (/root for root)
	Shell    string // default /bin/sh when the tree has one, else /sbin/nologin
}

// Group is a group for /etc/group.
type Group struct {
	Name    string
	GID     int
	Members []string
}

// Account files and the shell given to accounts in a tree without one.
const (
	passwdFile      = "/etc/passwd"
	groupFile       = "/etc/group"
	shadowFile      = "/etc/shadow"
	gshadowFile     = "/etc/gshadow"
	passwdMaster    = "/usr/share/base-passwd/passwd.master"
	groupMaster     = "/usr/share/base-passwd/group.master"
	noLoginShell    = "/sbin/nologin"
	shadowGroupID   = 42 // Debian's "shadow" group
	nonexistentHome = "/nonexistent"
)

// baseGroups and baseUsers are the accounts of an extract-only base:
// root, nobody and distroless' nonroot, with Debian's ids.
var (
	baseGroups = []Group{{Name: "root"}, {Name: "tty", GID: 5}, {Name: "shadow", GID: shadowGroupID},
		{Name: "nonroot", GID: 65532}, {Name: "nogroup", GID: 65534}}
	baseUsers = []Account{{Name: "root", Home: "/root"}, {Name: "nonroot", UID: 65532, GID: 65532},
		{Name: "nobody", UID: 65534, GID: 65534, Home: nonexistentHome, Shell: noLoginShell}}
)

// AccountError reports a user or group WriteAccounts cannot add.
type AccountError struct {
	Kind   string // "user" or "group"
	Name   string
	Reason string
}

func (e *AccountError) Error() string {
	return fmt.Sprintf("adding %s %q: %s", e.Kind, e.Name, e.Reason)
}

// accountDB is the content of the four account files, entries as fields.
type accountDB struct {
	passwd, group   [][]string // 7 and 4 fields
	shadow, gshadow map[string]string
	homes           []Account // accounts whose home WriteAccounts creates
}

// WriteAccounts writes /etc/passwd, /etc/group, /etc/shadow and
// /etc/gshadow, and creates the home directories of the accounts it adds.
//
// A tree with an /etc/passwd (a configured system) keeps its accounts and
// gets users and groups added. Otherwise the accounts start from
// base-passwd's master files when the tree has them, as base-passwd's
// postinst does, and root, nobody/nogroup, nonroot (65532) and the tty and
// shadow groups are added unless their names or ids are taken. Passwords
// move to the shadow files as pwconv does; entries are sorted by id. The
// shadow files are 0640 root:shadow. A user or group clashing with an
// existing one (same name, other id, or the reverse) is an error; one that
// repeats an existing entry exactly updates it.
func WriteAccounts(t *Tree, users []Account, groups []Group) error {
	db, configured, err := loadAccounts(t)
	if err != nil {
		return err
	}
	if !configured {
		if err := db.addBase(t); err != nil {
			return err
		}
	}
	for _, g := range groups {
		if err := db.addGroup(g, true); err != nil {
			return err
		}
	}
	seen := map[string]bool{}
	for _, u := range users {
		if seen[u.Name] {
			return &AccountError{Kind: "user", Name: u.Name, Reason: "listed twice"}
		}
		seen[u.Name] = true
		if err := db.addUser(normalizeAccount(t, u), true); err != nil {
			return err
		}
	}
	return db.write(t)
}

// loadAccounts reads the tree's account files, or base-passwd's masters.
func loadAccounts(t *Tree) (*accountDB, bool, error) {
	db := &accountDB{shadow: map[string]string{}, gshadow: map[string]string{}}
	passwd, group := passwdFile, groupFile
	configured := exists(t, passwdFile)
	if !configured {
		if !exists(t, passwdMaster) {
			return db, false, nil
		}
		passwd, group = passwdMaster, groupMaster
	}
	var err error
	if db.passwd, err = readColonFile(t, passwd, 7); err != nil {
		return nil, false, err
	}
	if db.group, err = readColonFile(t, group, 4); err != nil {
		return nil, false, err
	}
	if !configured {
		return db, false, nil
	}
	for file, m := range map[string]map[string]string{shadowFile: db.shadow, gshadowFile: db.gshadow} {
		lines, err := readColonFile(t, file, 0)
		if err != nil {
			return nil, false, err
		}
		for _, l := range lines {
			m[l[0]] = strings.Join(l, ":")
		}
	}
	return db, true, nil
}

// readColonFile reads a colon-separated account file; fields > 0 requires
// that many fields a line. A missing file reads as empty.
func readColonFile(t *Tree, name string, fields int) ([][]string, error) {
	data, err := t.ReadFile(name)
	if errors.Is(err, ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", name, err)
	}
	var out [][]string
	for i, line := range strings.Split(string(data), "\n") {
		if strings.TrimSpace(line) == "" {
			continue
		}
		f := strings.Split(line, ":")
		if fields > 0 && len(f) != fields || f[0] == "" {
			return nil, fmt.Errorf("reading %s: line %d: want %d colon-separated fields, got %q", name, i+1, fields, line)
		}
		if fields > 0 {
			if _, err := strconv.Atoi(f[2]); err != nil {
				return nil, fmt.Errorf("reading %s: line %d: id %q is not a number", name, i+1, f[2])
			}
		}
		out = append(out, f)
	}
	return out, nil
}

// exists reports whether name exists, following symlinks.
func exists(t *Tree, name string) bool {
	_, err := t.Stat(name)
	return err == nil
}

// addBase adds the base accounts whose names and ids are free.
func (db *accountDB) addBase(t *Tree) error {
	for _, g := range baseGroups {
		if err := db.addGroup(g, false); err != nil {
			return err
		}
	}
	for _, u := range baseUsers {
		if err := db.addUser(normalizeAccount(t, u), false); err != nil {
			return err
		}
	}
	return nil
}

// normalizeAccount fills in defaults.
func normalizeAccount(t *Tree, u Account) Account {
	if u.GID == 0 && u.UID != 0 {
		u.GID = u.UID
	}
	if u.Home == "" {
		u.Home = "/home/" + u.Name
		if u.UID == 0 {
			u.Home = "/root"
		}
	}
	if u.Shell == "" {
		u.Shell = noLoginShell
		if exists(t, "/bin/sh") {
			u.Shell = "/bin/sh"
		}
	}
	return u
}

func validAccountName(s string) bool {
	return s != "" && len(s) <= 32 && !strings.ContainsAny(s, ":,\n\t /") && s[0] != '-' && s[0] != '+'
}

func validAccountField(s string) bool { return !strings.ContainsAny(s, ":\n") }

// addGroup adds g. A clash is an error when strict, else g is skipped.
func (db *accountDB) addGroup(g Group, strict bool) error {
	if !validAccountName(g.Name) || g.GID < 0 {
		return &AccountError{Kind: "group", Name: g.Name, Reason: "invalid name or negative gid"}
	}
	for _, m := range g.Members {
		if !validAccountName(m) {
			return &AccountError{Kind: "group", Name: g.Name, Reason: fmt.Sprintf("invalid member name %q", m)}
		}
	}
	gid := strconv.Itoa(g.GID)
	for _, e := range db.group {
		if e[0] != g.Name && e[2] != gid {
			continue
		}
		if !strict {
			return nil
		}
		if e[0] != g.Name || e[2] != gid {
			return &AccountError{Kind: "group", Name: g.Name,
				Reason: fmt.Sprintf("clashes with existing group %s (gid %s); pick another name or gid", e[0], e[2])}
		}
		e[3] = strings.Join(mergeMembers(e[3], g.Members), ",")
		return nil
	}
	db.group = append(db.group, []string{g.Name, "x", gid, strings.Join(mergeMembers("", g.Members), ",")})
	return nil
}

func mergeMembers(existing string, add []string) []string {
	var out []string
	for _, m := range strings.Split(existing, ",") {
		if m != "" && !slices.Contains(out, m) {
			out = append(out, m)
		}
	}
	for _, m := range add {
		if !slices.Contains(out, m) {
			out = append(out, m)
		}
	}
	return out
}

// addUser adds u and, when no group has its GID, a group of its name.
func (db *accountDB) addUser(u Account, strict bool) error {
	if !validAccountName(u.Name) || u.UID < 0 || u.GID < 0 || !validAccountField(u.Home) || !validAccountField(u.Shell) {
		return &AccountError{Kind: "user", Name: u.Name, Reason: "invalid name, id, home or shell"}
	}
	uid := strconv.Itoa(u.UID)
	entry := []string{u.Name, "x", uid, strconv.Itoa(u.GID), u.Name, u.Home, u.Shell}
	idx := slices.IndexFunc(db.passwd, func(e []string) bool { return e[0] == u.Name || e[2] == uid })
	if idx >= 0 {
		e := db.passwd[idx]
		if !strict {
			return nil
		}
		if e[0] != u.Name || e[2] != uid {
			return &AccountError{Kind: "user", Name: u.Name,
				Reason: fmt.Sprintf("clashes with existing user %s (uid %s); pick another name or uid", e[0], e[2])}
		}
		entry[1], entry[4] = e[1], e[4]
		db.passwd[idx] = entry
	} else {
		db.passwd = append(db.passwd, entry)
	}
	if !slices.ContainsFunc(db.group, func(e []string) bool { return e[2] == strconv.Itoa(u.GID) }) {
		if err := db.addGroup(Group{Name: u.Name, GID: u.GID}, true); err != nil {
			return fmt.Errorf("adding the primary group of user %s: %w", u.Name, err)
		}
	}
	db.homes = append(db.homes, u)
	return nil
}

// write sorts the entries and writes the four files and the homes.
func (db *accountDB) write(t *Tree) error {
	byID := func(a, b []string) int {
		x, _ := strconv.Atoi(a[2])
		y, _ := strconv.Atoi(b[2])
		return x - y
	}
	slices.SortStableFunc(db.passwd, byID)
	slices.SortStableFunc(db.group, byID)
	shadowGID := 0
	shadowMode := int64(0o600)
	if i := slices.IndexFunc(db.group, func(e []string) bool { return e[0] == "shadow" }); i >= 0 {
		shadowGID, _ = strconv.Atoi(db.group[i][2])
		shadowMode = 0o640
	}
	files := []struct {
		name string
		data []byte
		mode int64
		gid  int
	}{
		{passwdFile, nil, 0o644, 0},
		{groupFile, nil, 0o644, 0},
		{shadowFile, nil, shadowMode, shadowGID},
		{gshadowFile, nil, shadowMode, shadowGID},
	}
	files[0].data, files[2].data = shadowed(db.passwd, db.shadow, passwdShadow)
	files[1].data, files[3].data = shadowed(db.group, db.gshadow, groupShadow)
	for _, f := range files {
		if err := t.WriteFile(f.name, f.data, f.mode, 0, f.gid); err != nil {
			return fmt.Errorf("writing %s: %w", f.name, err)
		}
	}
	return db.makeHomes(t)
}

// shadowed renders entries with "x" passwords, and their shadow lines as
// line makes them from the entry and its old shadow line ("" for none).
func shadowed(entries [][]string, shadow map[string]string, line func(e []string, old string) string) (plain, shadowData []byte) {
	var p, s bytes.Buffer
	for _, e := range entries {
		s.WriteString(line(e, shadow[e[0]]) + "\n")
		e[1] = "x"
		p.WriteString(strings.Join(e, ":") + "\n")
	}
	return p.Bytes(), s.Bytes()
}

// passwdShadow keeps a user's shadow line or moves its password to a new
// one, as pwconv does, leaving the last-change day empty (reproducible).
func passwdShadow(e []string, old string) string {
	if old != "" {
		return old
	}
	return e[0] + ":" + movedPassword(e[1]) + "::0:99999:7:::"
}

// groupShadow keeps a group's gshadow line with the group's members, or
// moves its password to a new one, as grpconv does.
func groupShadow(e []string, old string) string {
	if f := strings.Split(old, ":"); len(f) == 4 {
		f[3] = e[3]
		return strings.Join(f, ":")
	}
	return e[0] + ":" + movedPassword(e[1]) + "::" + e[3]
}

// movedPassword is the shadow password for a passwd or group password
// field: "x" and "" (no password moved) lock the account.
func movedPassword(pw string) string {
	if pw == "x" || pw == "" {
		return "*"
	}
	return pw
}

// makeHomes creates the home directories of added accounts that lack one.
func (db *accountDB) makeHomes(t *Tree) error {
	for _, u := range db.homes {
		if u.Home == nonexistentHome || !path.IsAbs(u.Home) || path.Clean(u.Home) == "/" || exists(t, u.Home) {
			continue
		}
		home := path.Clean(u.Home)
		if err := t.MkdirAll(path.Dir(home), 0o755, 0, 0); err != nil {
			return fmt.Errorf("creating the parent of home %s: %w", home, err)
		}
		if err := t.Put(home, &Node{Type: TypeDir, Mode: 0o700, Uid: u.UID, Gid: u.GID}); err != nil {
			return fmt.Errorf("creating home %s of %s: %w", home, u.Name, err)
		}
	}
	return nil
}
