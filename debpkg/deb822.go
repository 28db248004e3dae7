package debpkg

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"
)

// Field is one "Name: value" entry of a paragraph. A multi-line value keeps
// its continuation lines, each after a "\n" and with its leading white space,
// exactly as they stood in the input.
type Field struct {
	Name  string
	Value string
}

// Paragraph is a deb822 paragraph: fields in their original order.
type Paragraph struct {
	Fields []Field
}

// Get returns the value of the named field (case-insensitive), or "".
func (p Paragraph) Get(name string) string {
	v, _ := p.Lookup(name)
	return v
}

// Lookup returns the value of the named field and whether it exists.
func (p Paragraph) Lookup(name string) (string, bool) {
	for _, f := range p.Fields {
		if strings.EqualFold(f.Name, name) {
			return f.Value, true
		}
	}
	return "", false
}

// Clone returns a copy of p that shares nothing with it.
func (p Paragraph) Clone() Paragraph {
	return Paragraph{Fields: append([]Field(nil), p.Fields...)}
}

// Set replaces the named field's value, or appends the field.
func (p *Paragraph) Set(name, value string) {
	for i, f := range p.Fields {
		if strings.EqualFold(f.Name, name) {
			p.Fields[i].Value = value
			return
		}
	}
	p.Fields = append(p.Fields, Field{Name: name, Value: value})
}

// Delete removes the named field if present.
func (p *Paragraph) Delete(name string) {
	out := p.Fields[:0]
	for _, f := range p.Fields {
		if !strings.EqualFold(f.Name, name) {
			out = append(out, f)
		}
	}
	p.Fields = out
}

// String renders the paragraph in deb822 form, each field on its own line,
// without a trailing blank line.
func (p Paragraph) String() string {
	var b strings.Builder
	for _, f := range p.Fields {
		b.WriteString(f.Name)
		b.WriteByte(':')
		if f.Value != "" && f.Value[0] != '\n' {
			b.WriteByte(' ')
		}
		b.WriteString(f.Value)
		b.WriteByte('\n')
	}
	return b.String()
}

// SyntaxError reports malformed deb822 input.
type SyntaxError struct {
	Line   int
	Reason string
}

func (e *SyntaxError) Error() string {
	return fmt.Sprintf("deb822 line %d: %s", e.Line, e.Reason)
}

// ErrLineTooLong is returned for a line longer than MaxLineLength.
var ErrLineTooLong = errors.New("deb822 line too long")

// MaxLineLength bounds one input line (Packages descriptions stay far below).
const MaxLineLength = 1 << 20

// ParagraphReader reads paragraphs one at a time from a deb822 stream.
type ParagraphReader struct {
	s    *bufio.Scanner
	line int
}

// NewParagraphReader reads paragraphs from r.
func NewParagraphReader(r io.Reader) *ParagraphReader {
	s := bufio.NewScanner(r)
	s.Buffer(make([]byte, 64*1024), MaxLineLength)
	return &ParagraphReader{s: s}
}

// Next returns the next paragraph, or io.EOF after the last one. Comment
// lines (starting with '#') are skipped; one or more blank lines (also
// lines of only white space) separate paragraphs.
func (r *ParagraphReader) Next() (Paragraph, error) {
	var p Paragraph
	for r.s.Scan() {
		r.line++
		line := r.s.Bytes()
		if len(line) > 0 && line[len(line)-1] == '\r' {
			line = line[:len(line)-1]
		}
		if len(bytes.TrimSpace(line)) == 0 {
			if len(p.Fields) > 0 {
				return p, nil
			}
			continue
		}
		if line[0] == '#' {
			continue
		}
		if line[0] == ' ' || line[0] == '\t' {
			if len(p.Fields) == 0 {
				return Paragraph{}, &SyntaxError{Line: r.line, Reason: "continuation line without a field"}
			}
			last := &p.Fields[len(p.Fields)-1]
			last.Value += "\n" + string(line)
			continue
		}
		colon := bytes.IndexByte(line, ':')
		if colon <= 0 {
			return Paragraph{}, &SyntaxError{Line: r.line, Reason: fmt.Sprintf("expected \"Field: value\", got %q", truncate(line))}
		}
		name := string(bytes.TrimSpace(line[:colon]))
		if name == "" || strings.ContainsAny(name, " \t") {
			return Paragraph{}, &SyntaxError{Line: r.line, Reason: fmt.Sprintf("bad field name %q", name)}
		}
		p.Fields = append(p.Fields, Field{Name: name, Value: string(bytes.TrimSpace(line[colon+1:]))})
	}
	if err := r.s.Err(); err != nil {
		if errors.Is(err, bufio.ErrTooLong) {
			return Paragraph{}, fmt.Errorf("deb822 line %d: %w", r.line+1, ErrLineTooLong)
		}
		return Paragraph{}, err
	}
	if len(p.Fields) > 0 {
		return p, nil
	}
	return Paragraph{}, io.EOF
}

// ParseParagraphs reads every paragraph of r.
func ParseParagraphs(r io.Reader) ([]Paragraph, error) {
	pr := NewParagraphReader(r)
	var out []Paragraph
	for {
		p, err := pr.Next()
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return nil, err
		}
		out = append(out, p)
	}
}

// ParseParagraph reads exactly one paragraph (e.g. a control file); an
// empty input or a second paragraph is an error.
func ParseParagraph(r io.Reader) (Paragraph, error) {
	ps, err := ParseParagraphs(r)
	if err != nil {
		return Paragraph{}, err
	}
	switch len(ps) {
	case 0:
		return Paragraph{}, &SyntaxError{Line: 1, Reason: "no paragraph"}
	case 1:
		return ps[0], nil
	default:
		return Paragraph{}, &SyntaxError{Line: 1, Reason: fmt.Sprintf("expected one paragraph, found %d", len(ps))}
	}
}

func truncate(b []byte) string {
	if len(b) > 60 {
		return string(b[:60]) + "..."
	}
	return string(b)
}
