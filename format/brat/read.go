package brat

import (
	"fmt"
	"io"
	"os"
	"strings"
	"unicode/utf8"

	"github.com/scholia-nlp/scholia"
)

// ReadOptions say where a brat document goes in scholia and how to read it.
// The zero value reads into the gold layer with ids from 1.
type ReadOptions struct {
	// Project and DocumentID fill in the project and document of the
	// document and of every annotation.
	Project    string
	DocumentID string
	// Annotator is the layer the annotations belong to (default
	// scholia.GoldAnnotator): a brat file is one annotator's work.
	Annotator string
	// TextName and AnnName name the two files in error messages (defaults
	// DocumentID+".txt" and DocumentID+".ann", or "document.txt" and
	// "document.ann").
	TextName, AnnName string
	// FirstID is the id of the first annotation (default 1). Give each
	// document of a corpus its own range when clusters are to link
	// annotations across documents (see ClustersFromNorms).
	FirstID int64
	// Claims says which events are claims (see ClaimMapping); zero fields
	// take the defaults of DefaultClaimMapping.
	Claims ClaimMapping
	// Schema, when given, keeps role names that end in digits as they are
	// if the schema defines them for the event type (see Read about
	// repeated roles).
	Schema *scholia.Schema
}

// Read reads a brat document: text is the content of the .txt file and ann
// the .ann file. Offsets in brat count Unicode code points, as in scholia.
//
// Every line of the .ann is checked: its syntax, that offsets lie within the
// text and fragments are in order, that the covered text after the second
// tab equals the text at the offsets (fragments joined by one space, a line
// break in the text matching a space), that ids are unique and every id
// referred to exists. The first problem is returned as a *ParseError naming
// the file and line. See the package documentation for how each line type
// becomes scholia annotations.
//
// Repeated roles: brat numbers a role that occurs more than once in an
// event ("Theme:T1 Theme2:T2", or "Entity1:T1 Entity2:T2"). A role name
// ending in digits loses them when another argument of the same event has
// the same name without digits or with other digits, or when opts.Schema
// defines the name without the digits but not with them for the event type.
func Read(text string, ann io.Reader, opts ReadOptions) (scholia.AnnotatedDocument, error) {
	p, err := newParser(text, opts)
	if err != nil {
		return scholia.AnnotatedDocument{}, err
	}
	lr := newLineReader(ann)
	for {
		line, ok, err := lr.next()
		if err != nil {
			return scholia.AnnotatedDocument{}, &ParseError{File: p.annName, Line: lr.n + 1, Msg: "reading: " + err.Error()}
		}
		if !ok {
			break
		}
		p.line = lr.n
		if err := p.parseLine(line); err != nil {
			return scholia.AnnotatedDocument{}, err
		}
	}
	return p.resolve()
}

// ReadFiles reads the brat document in txtPath and annPath. File names in
// errors are the paths unless opts names them.
func ReadFiles(txtPath, annPath string, opts ReadOptions) (scholia.AnnotatedDocument, error) {
	b, err := os.ReadFile(txtPath)
	if err != nil {
		return scholia.AnnotatedDocument{}, err
	}
	f, err := os.Open(annPath)
	if err != nil {
		return scholia.AnnotatedDocument{}, err
	}
	defer f.Close()
	if opts.TextName == "" {
		opts.TextName = txtPath
	}
	if opts.AnnName == "" {
		opts.AnnName = annPath
	}
	return Read(string(b), f, opts)
}

// The parsed lines of an .ann file, kept until every id is known.
type (
	tLine struct {
		id, typ string
		spans   []scholia.Span
		line    int
		events  []int32 // the E lines that use this T as their trigger
		refs    int     // references other than as a trigger
		consume bool    // the content or cue of a claim, not a mention
		sid     int64
		attrs   map[string]string
	}
	bratArg struct{ role, ref string }
	eLine   struct {
		id, typ, trigger string
		args             []bratArg
		line             int
		tidx             int32
		argOf            bool // an argument of another event
		claim            bool
		content, cue     int32 // T indexes, or -1
		source           int32
		sid              int64
		attrs            map[string]string
	}
	rLine struct {
		id, typ string
		a1, a2  bratArg
		line    int
		sid     int64
		attrs   map[string]string
	}
	// attrLine is an A or M line (kind 'A'), an N line ('N') or a # line
	// ('#').
	attrLine struct {
		kind                   byte
		id, typ, target, value string
		text                   string
		hasValue, hasText      bool
		line                   int
	}
	equivLine struct {
		typ     string
		members []string
		line    int
	}
	// ref is where an id is defined.
	ref struct {
		kind byte // 'T', 'E', 'R', 'A', 'N', '#'
		idx  int32
		line int
	}
	item struct {
		kind byte
		idx  int32
	}
)

type parser struct {
	opts     ReadOptions
	claims   ClaimMapping
	text     *scholia.Text
	textName string
	annName  string
	line     int
	ts       []tLine
	es       []eLine
	rs       []rLine
	attrs    []attrLine
	equivs   []equivLine
	order    []item
	ids      *idTable
	roles    map[string]map[string]bool // event type -> roles, from opts.Schema
}

func newParser(text string, opts ReadOptions) (*parser, error) {
	base := opts.DocumentID
	if base == "" {
		base = "document"
	}
	p := &parser{opts: opts, textName: opts.TextName, annName: opts.AnnName, ids: newIDTable()}
	if p.textName == "" {
		p.textName = base + ".txt"
	}
	if p.annName == "" {
		p.annName = base + ".ann"
	}
	if p.opts.Annotator == "" {
		p.opts.Annotator = scholia.GoldAnnotator
	}
	if p.opts.FirstID == 0 {
		p.opts.FirstID = 1
	}
	p.claims = opts.Claims.withDefaults()
	t, err := scholia.NewText(text)
	if err != nil {
		// Say which line holds the bad byte.
		line := 1
		for i := 0; i < len(text); {
			r, size := utf8.DecodeRuneInString(text[i:])
			if r == utf8.RuneError && size <= 1 {
				return nil, &ParseError{File: p.textName, Line: line, Msg: fmt.Sprintf("invalid UTF-8 at byte %d", i)}
			}
			if r == '\n' {
				line++
			}
			i += size
		}
		return nil, &ParseError{File: p.textName, Msg: err.Error()}
	}
	p.text = t
	if opts.Schema != nil {
		p.roles = map[string]map[string]bool{}
		for _, et := range opts.Schema.EventTypes {
			m := map[string]bool{}
			for _, r := range et.Roles {
				m[r.Name] = true
			}
			p.roles[et.Name] = m
		}
	}
	return p, nil
}

// errf returns a *ParseError at the current line of the .ann file.
func (p *parser) errf(format string, args ...any) error {
	return &ParseError{File: p.annName, Line: p.line, Msg: fmt.Sprintf(format, args...)}
}

// errAt returns a *ParseError at a given line of the .ann file.
func (p *parser) errAt(line int, format string, args ...any) error {
	return &ParseError{File: p.annName, Line: line, Msg: fmt.Sprintf(format, args...)}
}

// parseLine parses one line of the .ann file. Blank lines are skipped.
func (p *parser) parseLine(line string) error {
	if strings.TrimSpace(line) == "" {
		return nil
	}
	if !utf8.ValidString(line) {
		return p.errf("invalid UTF-8")
	}
	id, rest, ok := strings.Cut(line, "\t")
	if !ok {
		return p.errf("no tab after the id: a brat line is ID<TAB>...")
	}
	if id == "" || strings.ContainsAny(id, " :") {
		return p.errf("bad id %q", clip(id))
	}
	switch id[0] {
	case 'T':
		return p.parseT(id, rest)
	case 'E':
		return p.parseE(id, rest)
	case 'R':
		return p.parseR(id, rest)
	case 'A', 'M':
		return p.parseA(id, rest)
	case 'N':
		return p.parseN(id, rest)
	case '#':
		return p.parseNote(id, rest)
	case '*':
		return p.parseEquiv(id, rest)
	}
	return p.errf("unknown line type %q: a brat line starts with T, E, R, A, M, N, # or *", clip(id))
}

// define records where id is defined, rejecting a second definition.
func (p *parser) define(id string, kind byte, idx int) error {
	if prev, ok := p.ids.get(id); ok {
		return p.errf("duplicate id %s (first defined on line %d)", id, prev.line)
	}
	p.ids.put(id, ref{kind: kind, idx: int32(idx), line: p.line})
	return nil
}

func (p *parser) parseT(id, rest string) error {
	head, covered, ok := strings.Cut(rest, "\t")
	if !ok {
		return p.errf("text-bound %s has no covered text: expected %s<TAB>TYPE START END<TAB>TEXT", id, id)
	}
	typ, offs, ok := strings.Cut(head, " ")
	if !ok || typ == "" {
		return p.errf("text-bound %s: expected TYPE START END before the second tab, got %q", id, clip(head))
	}
	spans, err := p.parseFragments(offs)
	if err != nil {
		return p.errf("text-bound %s: %v", id, err)
	}
	if err := p.checkCovered(spans, covered); err != nil {
		return p.errf("text-bound %s: %v", id, err)
	}
	if err := p.define(id, 'T', len(p.ts)); err != nil {
		return err
	}
	p.order = append(p.order, item{'T', int32(len(p.ts))})
	p.ts = append(p.ts, tLine{id: id, typ: typ, spans: spans, line: p.line})
	return nil
}

// parseFragments parses "START END;START END..." and checks the fragments
// against the text.
func (p *parser) parseFragments(s string) ([]scholia.Span, error) {
	n := p.text.Len()
	count := strings.Count(s, ";") + 1
	if count > scholia.MaxFragments {
		return nil, fmt.Errorf("%d fragments; at most %d are allowed", count, scholia.MaxFragments)
	}
	spans := make([]scholia.Span, 0, count)
	for frag := range strings.SplitSeq(s, ";") {
		frag = strings.Trim(frag, " ")
		a, b, ok := strings.Cut(frag, " ")
		start, ok1 := parseOffset(a)
		end, ok2 := parseOffset(strings.TrimLeft(b, " "))
		if !ok || !ok1 || !ok2 {
			return nil, fmt.Errorf("bad offsets %q: expected START END, or START END;START END for fragments", clip(frag))
		}
		switch {
		case end > n:
			return nil, fmt.Errorf("offset %d is past the end of the text (%d code points)", end, n)
		case end <= start:
			return nil, fmt.Errorf("fragment %d %d is empty or reversed: end must be greater than start", start, end)
		case len(spans) > 0 && start < spans[len(spans)-1].End:
			return nil, fmt.Errorf("fragment %d %d starts before the previous one ends at %d: fragments must be in order and must not overlap", start, end, spans[len(spans)-1].End)
		}
		spans = append(spans, scholia.Span{Start: start, End: end})
	}
	return spans, nil
}

// parseOffset parses a non-negative decimal offset.
func parseOffset(s string) (int64, bool) {
	if s == "" || len(s) > 18 {
		return 0, false
	}
	var v int64
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		v = v*10 + int64(c-'0')
	}
	return v, true
}

// checkCovered compares a T line's text with the text at its fragments and
// fills in each span's text. Brat joins the fragments' texts with one space
// and cannot hold a line break in a line, so a line break in the document
// matches a space on the T line.
func (p *parser) checkCovered(spans []scholia.Span, covered string) error {
	doc := p.text.String()
	pos := 0
	ok := true
	for i := range spans {
		b0, b1 := p.text.ByteOffset(spans[i].Start), p.text.ByteOffset(spans[i].End)
		seg := doc[b0:b1]
		spans[i].Text = seg
		if !ok {
			continue
		}
		if i > 0 {
			if pos >= len(covered) || covered[pos] != ' ' {
				ok = false
				continue
			}
			pos++
		}
		if len(covered)-pos < len(seg) || !sameCovered(covered[pos:pos+len(seg)], seg) {
			ok = false
			continue
		}
		pos += len(seg)
	}
	if ok && pos == len(covered) {
		return nil
	}
	want := make([]string, len(spans))
	for i, s := range spans {
		want[i] = s.Text
	}
	return fmt.Errorf("covered text %q does not match the text at its offsets, which is %q", clip(covered), clip(strings.Join(want, " ")))
}

// sameCovered reports whether the text of a T line equals the document text
// seg, where a line break in seg may appear as a space.
func sameCovered(line, seg string) bool {
	if line == seg {
		return true
	}
	for i := 0; i < len(seg); i++ {
		if line[i] != seg[i] && !(line[i] == ' ' && (seg[i] == '\n' || seg[i] == '\r')) {
			return false
		}
	}
	return true
}

// clip shortens s for an error message.
func clip(s string) string {
	if len(s) <= 80 {
		return s
	}
	i := 77
	for i > 0 && !utf8.RuneStart(s[i]) {
		i--
	}
	return s[:i] + "..."
}

// fields splits s at runs of spaces and tabs, appending to dst: brat itself
// splits the fields of E, R, A and * lines at any white space, so a stray
// tab separates fields rather than becoming part of a type or an id.
func fields(dst []string, s string) []string {
	for s != "" {
		i := strings.IndexAny(s, " \t")
		if i < 0 {
			return append(dst, s)
		}
		if i > 0 {
			dst = append(dst, s[:i])
		}
		s = s[i+1:]
	}
	return dst
}

// splitArg splits "Role:ID".
func splitArg(s string) (bratArg, bool) {
	i := strings.LastIndexByte(s, ':')
	if i <= 0 || i == len(s)-1 {
		return bratArg{}, false
	}
	return bratArg{role: s[:i], ref: s[i+1:]}, true
}

func (p *parser) parseE(id, rest string) error {
	var buf [8]string
	f := fields(buf[:0], rest)
	if len(f) == 0 {
		return p.errf("event %s: expected TYPE:TRIGGER ROLE:ID ...", id)
	}
	head, ok := splitArg(f[0])
	if !ok {
		return p.errf("event %s: expected TYPE:TRIGGER, got %q", id, clip(f[0]))
	}
	e := eLine{id: id, typ: head.role, trigger: head.ref, line: p.line, content: -1, cue: -1, source: -1}
	if len(f) > 1 {
		e.args = make([]bratArg, 0, len(f)-1)
	}
	for _, s := range f[1:] {
		a, ok := splitArg(s)
		if !ok {
			return p.errf("event %s: expected ROLE:ID, got %q", id, clip(s))
		}
		e.args = append(e.args, a)
	}
	if len(e.args) > scholia.MaxArguments {
		return p.errf("event %s: %d arguments; at most %d are allowed", id, len(e.args), scholia.MaxArguments)
	}
	if err := p.define(id, 'E', len(p.es)); err != nil {
		return err
	}
	p.order = append(p.order, item{'E', int32(len(p.es))})
	p.es = append(p.es, e)
	return nil
}

func (p *parser) parseR(id, rest string) error {
	var buf [4]string
	f := fields(buf[:0], rest)
	if len(f) != 3 {
		return p.errf("relation %s: expected TYPE Arg1:ID Arg2:ID, got %q", id, clip(rest))
	}
	a1, ok1 := splitArg(f[1])
	a2, ok2 := splitArg(f[2])
	if !ok1 || !ok2 {
		return p.errf("relation %s: expected TYPE Arg1:ID Arg2:ID, got %q", id, clip(rest))
	}
	if err := p.define(id, 'R', len(p.rs)); err != nil {
		return err
	}
	p.order = append(p.order, item{'R', int32(len(p.rs))})
	p.rs = append(p.rs, rLine{id: id, typ: f[0], a1: a1, a2: a2, line: p.line})
	return nil
}

func (p *parser) parseA(id, rest string) error {
	var buf [4]string
	f := fields(buf[:0], rest)
	if len(f) != 2 && len(f) != 3 {
		return p.errf("attribute %s: expected NAME ID or NAME ID VALUE, got %q", id, clip(rest))
	}
	a := attrLine{kind: 'A', id: id, typ: f[0], target: f[1], line: p.line}
	if len(f) == 3 {
		a.value, a.hasValue = f[2], true
	}
	return p.addAttr(a)
}

func (p *parser) parseN(id, rest string) error {
	head, text, hasText := strings.Cut(rest, "\t")
	var buf [4]string
	f := fields(buf[:0], head)
	if len(f) != 3 {
		return p.errf("normalization %s: expected TYPE ID RID:EID<TAB>TEXT, got %q", id, clip(rest))
	}
	if i := strings.IndexByte(f[2], ':'); i <= 0 || i == len(f[2])-1 {
		return p.errf("normalization %s: reference %q is not RID:EID", id, clip(f[2]))
	}
	return p.addAttr(attrLine{kind: 'N', id: id, typ: f[0], target: f[1], value: f[2], text: text, hasText: hasText, line: p.line})
}

func (p *parser) parseNote(id, rest string) error {
	head, text, hasText := strings.Cut(rest, "\t")
	var buf [4]string
	f := fields(buf[:0], head)
	if len(f) != 2 {
		return p.errf("note %s: expected TYPE ID<TAB>TEXT, got %q", id, clip(rest))
	}
	return p.addAttr(attrLine{kind: '#', id: id, typ: f[0], target: f[1], text: text, hasText: hasText, line: p.line})
}

func (p *parser) addAttr(a attrLine) error {
	if err := p.define(a.id, a.kind, len(p.attrs)); err != nil {
		return err
	}
	p.attrs = append(p.attrs, a)
	return nil
}

func (p *parser) parseEquiv(id, rest string) error {
	if id != "*" {
		return p.errf("bad id %q: an equivalence line starts with *", clip(id))
	}
	f := fields(nil, rest)
	if len(f) < 3 {
		return p.errf("equivalence: expected TYPE ID ID ..., with at least two ids, got %q", clip(rest))
	}
	if len(f)-1 > scholia.MaxClusterMembers {
		return p.errf("equivalence: %d ids; at most %d are allowed", len(f)-1, scholia.MaxClusterMembers)
	}
	p.equivs = append(p.equivs, equivLine{typ: f[0], members: f[1:], line: p.line})
	return nil
}
