package debpkg

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// arHeader formats one member header the way ar(1) does.
func arHeader(name, size string) string {
	return fmt.Sprintf("%-16s%-12s%-6s%-6s%-8s%-10s`\n", name, "0", "0", "0", "100644", size)
}

type arMemberRead struct {
	Name string
	Data string
}

// readAR reads every member of archive, alternating Read and ReadByte so
// that both paths are used.
func readAR(archive string, maxSize int64) ([]arMemberRead, error) {
	a := newARReader(bufio.NewReaderSize(strings.NewReader(archive), 16), maxSize)
	var out []arMemberRead
	for {
		name, size, err := a.Next()
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return out, err
		}
		var data []byte
		if size > 0 {
			c, err := a.ReadByte()
			if err != nil {
				return out, err
			}
			data = append(data, c)
		}
		rest, err := io.ReadAll(a)
		if err != nil {
			return out, err
		}
		out = append(out, arMemberRead{name, string(append(data, rest...))})
	}
}

func TestARReader(t *testing.T) {
	for _, tc := range []struct {
		name    string
		archive string
		want    []arMemberRead
	}{
		{"empty archive", arMagic, nil},
		{"even and odd sizes with padding",
			arMagic + arHeader("a", "2") + "ab" + arHeader("b", "3") + "abc\n" + arHeader("c", "0"),
			[]arMemberRead{{"a", "ab"}, {"b", "abc"}, {"c", ""}}},
		{"GNU names end in a slash",
			arMagic + arHeader("debian-binary/", "4") + "2.0\n",
			[]arMemberRead{{"debian-binary", "2.0\n"}}},
		{"BSD long name",
			arMagic + arHeader("#1/20", "23") + "a-very-long-name\x00\x00\x00\x00abc\n" + arHeader("x", "1") + "y\n",
			[]arMemberRead{{"a-very-long-name", "abc"}, {"x", "y"}}},
		{"size field with leading zeros", arMagic + arHeader("z", "0003") + "abc\n", []arMemberRead{{"z", "abc"}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := readAR(tc.archive, 1<<20)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("members (-want +got):\n%s", diff)
			}
		})
	}
}

// TestARReaderSkip checks that unread data and padding are skipped.
func TestARReaderSkip(t *testing.T) {
	archive := arMagic + arHeader("a", "5") + "abcde\n" + arHeader("b", "1") + "x\n"
	a := newARReader(bufio.NewReader(strings.NewReader(archive)), 100)
	if name, _, err := a.Next(); err != nil || name != "a" {
		t.Fatalf("Next() = %q, %v", name, err)
	}
	if c, err := a.ReadByte(); err != nil || c != 'a' {
		t.Fatalf("ReadByte() = %q, %v", c, err)
	}
	name, size, err := a.Next()
	if err != nil || name != "b" || size != 1 {
		t.Fatalf("Next() = %q, %d, %v; want b, 1", name, size, err)
	}
	if _, _, err := a.Next(); err != io.EOF {
		t.Fatalf("Next() at the end = %v, want io.EOF", err)
	}
}

func TestARReaderMalformed(t *testing.T) {
	for _, tc := range []struct {
		name     string
		archive  string
		max      int64
		tooLarge bool
	}{
		{name: "no magic", archive: "!<arch!\n"},
		{name: "empty", archive: ""},
		{name: "short header", archive: arMagic + arHeader("a", "1")[:59]},
		{name: "bad terminator", archive: arMagic + arHeader("a", "1")[:58] + "xx" + "a\n"},
		{name: "letters in size", archive: arMagic + arHeader("a", "1a") + "a\n"},
		{name: "space inside size", archive: arMagic + arHeader("a", "1 1") + "a\n"},
		{name: "empty size", archive: arMagic + arHeader("a", "") + "a\n"},
		{name: "size past the end", archive: arMagic + arHeader("a", "10") + "abc"},
		{name: "missing padding then header", archive: arMagic + arHeader("a", "1") + "a" + arHeader("b", "0")},
		{name: "GNU symbol table", archive: arMagic + arHeader("/", "0")},
		{name: "GNU long name table", archive: arMagic + arHeader("//", "0")},
		{name: "empty name", archive: arMagic + arHeader("", "0")},
		{name: "BSD name length zero", archive: arMagic + arHeader("#1/0", "0")},
		{name: "BSD name longer than member", archive: arMagic + arHeader("#1/5", "2") + "ab"},
		{name: "BSD name length not a number", archive: arMagic + arHeader("#1/x", "2") + "ab"},
		{name: "BSD name truncated", archive: arMagic + arHeader("#1/8", "8") + "abc"},
		{name: "BSD name with a slash", archive: arMagic + arHeader("#1/4", "4") + "a/bc"},
		{name: "size over the limit", archive: arMagic + arHeader("a", "101"), max: 100, tooLarge: true},
		{name: "ten-digit size", archive: arMagic + arHeader("a", "9999999999"), max: 1 << 30, tooLarge: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			max := tc.max
			if max == 0 {
				max = 1 << 20
			}
			_, err := readAR(tc.archive, max)
			if tc.tooLarge {
				if !errors.Is(err, ErrTooLarge) {
					t.Fatalf("error = %v, want ErrTooLarge", err)
				}
				return
			}
			var fe *FormatError
			if !errors.As(err, &fe) {
				t.Fatalf("error = %v (%T), want a *FormatError", err, err)
			}
		})
	}
}
