package debpkg

import (
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestParseParagraphs(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want []Paragraph
	}{
		{
			name: "two paragraphs, order kept",
			in:   "Package: a\nVersion: 1\n\nPackage: b\nDepends: a\n",
			want: []Paragraph{
				{Fields: []Field{{"Package", "a"}, {"Version", "1"}}},
				{Fields: []Field{{"Package", "b"}, {"Depends", "a"}}},
			},
		},
		{
			name: "continuation lines kept verbatim",
			in:   "Description: short\n long line\n .\n more\nX: y\n",
			want: []Paragraph{{Fields: []Field{{"Description", "short\n long line\n .\n more"}, {"X", "y"}}}},
		},
		{
			name: "comments and extra blank lines",
			in:   "# comment\n\n\nA: 1\n# inside\nB: 2\n \t\n\nC: 3",
			want: []Paragraph{
				{Fields: []Field{{"A", "1"}, {"B", "2"}}},
				{Fields: []Field{{"C", "3"}}},
			},
		},
		{
			name: "CRLF line ends",
			in:   "A: 1\r\nB: 2\r\n\r\nC: 3\r\n",
			want: []Paragraph{
				{Fields: []Field{{"A", "1"}, {"B", "2"}}},
				{Fields: []Field{{"C", "3"}}},
			},
		},
		{
			name: "empty value and multiline first line empty",
			in:   "Conffiles:\n /etc/x 0123\nEmpty:\n",
			want: []Paragraph{{Fields: []Field{{"Conffiles", "\n /etc/x 0123"}, {"Empty", ""}}}},
		},
		{name: "empty input", in: "", want: nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseParagraphs(strings.NewReader(tt.in))
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("ParseParagraphs mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestParseParagraphErrors(t *testing.T) {
	tests := []struct {
		name, in string
		line     int
	}{
		{"continuation first", " x\n", 1},
		{"no colon", "A: 1\nnot a field\n", 2},
		{"empty name", ": value\n", 1},
		{"space in name", "A B: 1\n", 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseParagraphs(strings.NewReader(tt.in))
			var se *SyntaxError
			if !errors.As(err, &se) {
				t.Fatalf("got %v, want *SyntaxError", err)
			}
			if se.Line != tt.line {
				t.Errorf("line = %d, want %d", se.Line, tt.line)
			}
		})
	}
	t.Run("line too long", func(t *testing.T) {
		_, err := ParseParagraphs(strings.NewReader("A: " + strings.Repeat("x", MaxLineLength+1)))
		if !errors.Is(err, ErrLineTooLong) {
			t.Fatalf("got %v, want ErrLineTooLong", err)
		}
	})
	t.Run("ParseParagraph wants exactly one", func(t *testing.T) {
		if _, err := ParseParagraph(strings.NewReader("A: 1\n\nB: 2\n")); err == nil {
			t.Error("two paragraphs accepted")
		}
		if _, err := ParseParagraph(strings.NewReader("\n")); err == nil {
			t.Error("no paragraph accepted")
		}
	})
}

func TestParagraphEdit(t *testing.T) {
	p := Paragraph{Fields: []Field{{"Package", "a"}, {"Version", "1"}}}
	p.Set("version", "2")
	p.Set("Status", "install ok installed")
	p.Delete("PACKAGE")
	want := "Version: 2\nStatus: install ok installed\n"
	if got := p.String(); got != want {
		t.Errorf("String() = %q, want %q", got, want)
	}
	if _, ok := p.Lookup("Package"); ok {
		t.Error("deleted field still present")
	}
}

func FuzzParagraphs(f *testing.F) {
	f.Add("Package: a\nDescription: x\n y\n\nPackage: b\n")
	f.Add("# c\nA:\n b\n")
	f.Fuzz(func(t *testing.T, in string) {
		ps, err := ParseParagraphs(strings.NewReader(in))
		if err != nil {
			return
		}
		// Rendering and re-reading gives the same paragraphs.
		var b strings.Builder
		for _, p := range ps {
			b.WriteString(p.String())
			b.WriteString("\n")
		}
		again, err := ParseParagraphs(strings.NewReader(b.String()))
		if err != nil {
			t.Fatalf("re-reading rendered paragraphs: %v\n%q", err, b.String())
		}
		if diff := cmp.Diff(normalize(ps), normalize(again)); diff != "" {
			t.Fatalf("round trip mismatch:\n%s", diff)
		}
	})
}

// normalize drops what rendering cannot keep: trailing white space on
// continuation lines is kept by the reader, so nothing to do but trim CRs.
func normalize(ps []Paragraph) []Paragraph {
	out := make([]Paragraph, len(ps))
	for i, p := range ps {
		for _, f := range p.Fields {
			out[i].Fields = append(out[i].Fields, Field{f.Name, strings.ReplaceAll(f.Value, "\r", "")})
		}
	}
	return out
}

func BenchmarkParagraphReader(b *testing.B) {
	stanza := "Package: libc6\nSource: glibc\nVersion: 2.36-9+deb12u4\nInstalled-Size: 12988\nMaintainer: GNU Libc Maintainers\nArchitecture: amd64\nMulti-Arch: same\nDepends: libgcc-s1\nDescription: GNU C Library: Shared libraries\n Contains the standard libraries.\nFilename: pool/main/g/glibc/libc6_2.36-9+deb12u4_amd64.deb\nSize: 2757936\nSHA256: 0123456789abcdef\n\n"
	in := strings.Repeat(stanza, 1000)
	b.SetBytes(int64(len(in)))
	for b.Loop() {
		r := NewParagraphReader(strings.NewReader(in))
		for {
			if _, err := r.Next(); err == io.EOF {
				break
			}
		}
	}
}
