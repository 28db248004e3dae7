package recipes

import (
	"errors"
	"fmt"
	"reflect"
	"regexp"
	"strconv"
	"strings"

	"github.com/BurntSushi/toml"
)

// Parse decodes one recipe file strictly: a key the schema does not know or a
// value of the wrong type is an error naming file, key and (when known) line.
// It does not follow Extends, apply defaults or validate; Load does.
//
// Two things only the file text can tell are settled here: an omitted
// rootfs.merged_usr is true, and a user's omitted gid is its uid.
func Parse(file string, data []byte) (*Recipe, error) {
	r, _, err := parse(file, data)
	return r, err
}

// parse is Parse, also returning the metadata Load needs to tell which keys
// the file sets.
func parse(file string, data []byte) (*Recipe, toml.MetaData, error) {
	r := &Recipe{Rootfs: Rootfs{MergedUsr: true}}
	md, err := toml.Decode(string(data), r)
	if err != nil {
		return nil, md, decodeError(file, err)
	}
	if err := unknownKeys(file, data, md.Undecoded()); err != nil {
		return nil, md, err
	}
	if err := fillUserGIDs(r, data); err != nil {
		return nil, md, decodeError(file, err)
	}
	r.File = file
	return r, md, nil
}

// fillUserGIDs sets each user's gid to its uid where the file leaves gid
// out, which the int field alone cannot tell from gid = 0.
func fillUserGIDs(r *Recipe, data []byte) error {
	if len(r.Rootfs.Users) == 0 {
		return nil
	}
	var gids struct {
		Rootfs struct {
			Users []struct {
				GID *int `toml:"gid"`
			} `toml:"users"`
		} `toml:"rootfs"`
	}
	if _, err := toml.Decode(string(data), &gids); err != nil {
		return err
	}
	for i, u := range gids.Rootfs.Users {
		if u.GID == nil && i < len(r.Rootfs.Users) {
			r.Rootfs.Users[i].GID = r.Rootfs.Users[i].UID
		}
	}
	return nil
}

// BurntSushi/toml's type mismatch messages, for a value and for a table.
var (
	typeErrorRE  = regexp.MustCompile(`^toml: (?:line (\d+) )?\(last key "(.*)"\): incompatible types: TOML value has type (.+); destination has type (.+)$`)
	tableErrorRE = regexp.MustCompile(`^toml: (?:line (\d+) )?\(last key "(.*)"\): type mismatch for .*: expected table but found (.+)$`)
)

// decodeError rewrites a toml error to name the file and key in words a
// recipe author knows.
func decodeError(file string, err error) error {
	var pe toml.ParseError
	if errors.As(err, &pe) {
		msg := pe.Message
		if pe.LastKey != "" {
			msg = pe.LastKey + ": " + msg
		}
		return fmt.Errorf("recipe %s: line %d: %s", file, pe.Position.Line, msg)
	}
	if m := typeErrorRE.FindStringSubmatch(err.Error()); m != nil {
		return typeError(file, m[1], m[2], tomlDest(m[4]), tomlValue(m[3]))
	}
	if m := tableErrorRE.FindStringSubmatch(err.Error()); m != nil {
		return typeError(file, m[1], m[2], "a table", tomlValue(m[3]))
	}
	return fmt.Errorf("recipe %s: %s", file, strings.TrimPrefix(err.Error(), "toml: "))
}

// typeError says which key holds a value of the wrong type, and where.
func typeError(file, line, key, want, got string) error {
	where := ""
	if line != "" {
		where = "line " + line + ": "
	}
	return fmt.Errorf("recipe %s: %s%s: want %s, got %s", file, where, key, want, got)
}

// tomlDest names a decoder destination type the way TOML does.
func tomlDest(t string) string {
	switch t {
	case "slice":
		return "an array"
	case "map", "struct":
		return "a table"
	case "integer":
		return "an integer"
	case "boolean":
		return "a boolean"
	case "string":
		return "a string"
	}
	return t
}

// tomlValue names a decoded TOML value's Go type the way TOML does.
func tomlValue(t string) string {
	switch {
	case t == "string":
		return "a string"
	case t == "int64":
		return "an integer"
	case t == "float64":
		return "a float"
	case t == "bool":
		return "a boolean"
	case strings.HasPrefix(t, "[]"):
		return "an array"
	case strings.HasPrefix(t, "map["):
		return "a table"
	case strings.HasPrefix(t, "time."):
		return "a date-time"
	}
	return t
}

// unknownKeys reports every key the schema does not know, once per unknown
// subtree, with its line and the keys its table does take.
func unknownKeys(file string, data []byte, undecoded []toml.Key) error {
	if len(undecoded) == 0 {
		return nil
	}
	lines := keyLines(data)
	reported := map[string]bool{}
	var errs []error
	for _, k := range undecoded {
		if len(k) == 0 || coveredBy(k, reported) {
			continue
		}
		reported[keyID(k)] = true
		where := ""
		if n, ok := lines[keyID(k)]; ok {
			where = "line " + strconv.Itoa(n) + ": "
		}
		hint := ""
		if known := knownKeys(k[:len(k)-1]); len(known) > 0 {
			table := "the top level"
			if len(k) > 1 {
				table = "[" + k[:len(k)-1].String() + "]"
			}
			hint = fmt.Sprintf(" (%s takes %s)", table, strings.Join(known, ", "))
		}
		errs = append(errs, fmt.Errorf("recipe %s: %sunknown key %s%s", file, where, k, hint))
	}
	return errors.Join(errs...)
}

// coveredBy reports whether a prefix of k was already reported unknown.
func coveredBy(k toml.Key, reported map[string]bool) bool {
	for i := 1; i < len(k); i++ {
		if reported[keyID(k[:i])] {
			return true
		}
	}
	return false
}

// keyID is a map key for a toml key path.
func keyID(k []string) string { return strings.Join(k, "\x00") }

// knownKeys lists the toml keys of the table at path in the Recipe schema,
// or nil when path is not a table of the schema.
func knownKeys(path []string) []string {
	t := reflect.TypeFor[Recipe]()
	for _, name := range path {
		f, ok := fieldByTag(t, name)
		if !ok {
			return nil
		}
		t = f.Type
		if t.Kind() == reflect.Slice {
			t = t.Elem()
		}
		if t.Kind() != reflect.Struct {
			return nil
		}
	}
	var keys []string
	for f := range t.Fields() {
		if tag := tomlTag(f); tag != "-" && tag != "" {
			keys = append(keys, tag)
		}
	}
	return keys
}

// fieldByTag finds the struct field decoded from toml key name.
func fieldByTag(t reflect.Type, name string) (reflect.StructField, bool) {
	for f := range t.Fields() {
		if tomlTag(f) == name {
			return f, true
		}
	}
	return reflect.StructField{}, false
}

// tomlTag is a field's toml key.
func tomlTag(f reflect.StructField) string {
	tag, _, _ := strings.Cut(f.Tag.Get("toml"), ",")
	return tag
}

// keyLines maps the key paths written in data to the line each first
// appears on. It reads table headers and "key =" lines only (not inline
// tables): good enough to point an author at a typo, never used for meaning.
func keyLines(data []byte) map[string]int {
	lines := map[string]int{}
	var table []string
	for i, line := range strings.Split(string(data), "\n") {
		line = strings.TrimSpace(line)
		var key []string
		switch {
		case strings.HasPrefix(line, "[["):
			name, _, _ := strings.Cut(line[2:], "]]")
			table = splitKey(name)
			key = table
		case strings.HasPrefix(line, "["):
			name, _, _ := strings.Cut(line[1:], "]")
			table = splitKey(name)
			key = table
		default:
			name, _, ok := strings.Cut(line, "=")
			if !ok || strings.HasPrefix(line, "#") {
				continue
			}
			key = append(append([]string(nil), table...), splitKey(name)...)
		}
		for j := 1; j <= len(key); j++ {
			if _, ok := lines[keyID(key[:j])]; !ok {
				lines[keyID(key[:j])] = i + 1
			}
		}
	}
	return lines
}

// splitKey splits a dotted toml key, dropping quotes and spaces.
func splitKey(s string) []string {
	parts := strings.Split(s, ".")
	for i, p := range parts {
		parts[i] = strings.Trim(strings.TrimSpace(p), `"'`)
	}
	return parts
}
