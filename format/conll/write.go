package conll

import (
	"bufio"
	"fmt"
	"io"
	"slices"
	"sort"
	"strconv"
	"strings"
	"unicode"

	"github.com/scholia-nlp/scholia"
)

// Options say what to write.
type Options struct {
	// Layers are the tag columns, one per layer (annotator), in order. By
	// default: every layer of the documents, the gold layer first, the
	// others in order of first appearance.
	Layers []string
	// Kinds are the annotations tagged (default mentions only). Events are
	// tagged by their trigger, claims by their spans.
	Kinds []scholia.Kind
	// Offsets adds two columns after the token: its start and end in code
	// points.
	Offsets bool
	// Separator separates columns (default a tab).
	Separator string
}

// Issue is an annotation that BIO could not express as it is.
type Issue struct {
	Document     string // the document's id
	Layer        string // the layer (column) of the annotation
	AnnotationID int64  // the annotation
	Label        string // its label as written in tags
	Reason       string // what happened and why, naming the annotation it collides with
}

// Report says what Write wrote and what it could not.
type Report struct {
	// Columns are the names of the tag columns, in order.
	Columns []string
	// Dropped are annotations left out: nested in or overlapping an
	// annotation with a longer span in the same column, or covering no
	// token.
	Dropped []Issue
	// Adjusted are annotations written differently from their spans: a
	// span boundary inside a token (the whole token is tagged), a
	// discontinuous span (each fragment is a chunk of its own), a label
	// with white space (written with "_").
	Adjusted []Issue
}

// Write writes documents in CoNLL BIO format: for each document a line
// "-DOCSTART-" (with "-X-" in the offset columns and "O" in the tag
// columns) and a blank line; then one token per line (Tokenize), with its
// offsets if Options.Offsets, and one column of tags per layer: B-LABEL on
// the first token of an annotation, I-LABEL on the others, O outside any;
// a blank line after each sentence (Sentences). A sentence never ends
// inside a tagged span, so that no chunk is cut.
//
// Within a column, BIO cannot express nested or overlapping spans: the
// longest span (from its first to its last code point) wins, ties going to
// the earlier, then the smaller id; each annotation that loses is listed in
// the report's Dropped with the annotation it collides with. Nothing is
// dropped silently.
func Write(w io.Writer, docs []scholia.AnnotatedDocument, opts Options) (*Report, error) {
	if opts.Separator == "" {
		opts.Separator = "\t"
	}
	if len(opts.Kinds) == 0 {
		opts.Kinds = []scholia.Kind{scholia.KindMention}
	}
	rep := &Report{Columns: opts.Layers}
	if len(rep.Columns) == 0 {
		rep.Columns = defaultLayers(docs)
	}
	bw := bufio.NewWriterSize(w, 64<<10)
	for i := range docs {
		if err := writeDoc(bw, &docs[i], opts, rep); err != nil {
			return rep, err
		}
	}
	return rep, bw.Flush()
}

// defaultLayers lists the layers of the documents, gold first.
func defaultLayers(docs []scholia.AnnotatedDocument) []string {
	var out []string
	add := func(l string) {
		if !slices.Contains(out, l) {
			out = append(out, l)
		}
	}
	for _, d := range docs {
		for _, l := range d.Layers {
			add(l.Annotator)
		}
		for _, a := range d.Annotations {
			add(a.Annotator)
		}
	}
	if i := slices.Index(out, scholia.GoldAnnotator); i > 0 {
		out = append([]string{scholia.GoldAnnotator}, slices.Delete(out, i, i+1)...)
	}
	return out
}

// chunk is a run of tokens [first, last] tagged with one label.
type chunk struct{ first, last int }

// candidate is an annotation to tag, with its token chunks.
type candidate struct {
	a      *scholia.Annotation
	label  string
	chunks []chunk
	extent int64 // code points from the first to the last
}

func writeDoc(bw *bufio.Writer, d *scholia.AnnotatedDocument, opts Options, rep *Report) error {
	text := d.Document.Text
	tx, err := scholia.NewText(text)
	if err != nil {
		return fmt.Errorf("document %s: %v", d.Document.ID, err)
	}
	toks, at := tokenize(text)
	ncol := len(rep.Columns)
	tags := make([][]string, ncol) // per column, per token; "" is O
	noBreak := make([]bool, len(toks))
	issue := func(a *scholia.Annotation, label, format string, args ...any) Issue {
		return Issue{Document: d.Document.ID, Layer: a.Annotator, AnnotationID: a.ID, Label: label, Reason: fmt.Sprintf(format, args...)}
	}
	for c, layer := range rep.Columns {
		tags[c] = make([]string, len(toks))
		var cands []candidate
		for i := range d.Annotations {
			a := &d.Annotations[i]
			if a.Annotator != layer || !slices.Contains(opts.Kinds, a.Kind) {
				continue
			}
			label := a.Label
			if label == "" {
				label = strings.ToUpper(a.Kind.String())
			}
			if strings.ContainsFunc(label, isSpace) {
				label = strings.Join(strings.FieldsFunc(label, isSpace), "_")
				rep.Adjusted = append(rep.Adjusted, issue(a, label, "label %q has white space; written as %s", a.Label, label))
			}
			cand, msg := place(a, label, toks, tx.Len())
			if msg != "" {
				rep.Dropped = append(rep.Dropped, issue(a, label, "%s", msg))
				continue
			}
			if partial(a.Spans, toks, cand.chunks) {
				rep.Adjusted = append(rep.Adjusted, issue(a, label, "a span boundary falls inside a token; the whole token is tagged"))
			}
			if len(cand.chunks) > 1 {
				rep.Adjusted = append(rep.Adjusted, issue(a, label, "discontinuous span written as %d separate chunks", len(cand.chunks)))
			}
			cands = append(cands, cand)
		}
		// The longest span wins: place the longest first.
		sort.SliceStable(cands, func(i, j int) bool {
			x, y := cands[i], cands[j]
			if x.extent != y.extent {
				return x.extent > y.extent
			}
			if x.chunks[0].first != y.chunks[0].first {
				return x.chunks[0].first < y.chunks[0].first
			}
			return x.a.ID < y.a.ID
		})
		owner := make([]*candidate, len(toks))
		for i := range cands {
			cd := &cands[i]
			if h := collision(cd, owner); h != nil {
				rep.Dropped = append(rep.Dropped, issue(cd.a, cd.label, "%s annotation %d (%s, %q); BIO cannot express nested or overlapping spans and the longest wins",
					relation(cd, h), h.a.ID, h.label, spanText(text, toks, at, h.chunks)))
				continue
			}
			for _, ch := range cd.chunks {
				for t := ch.first; t <= ch.last; t++ {
					owner[t] = cd
					if t == ch.first {
						tags[c][t] = "B-" + cd.label
					} else {
						tags[c][t] = "I-" + cd.label
						noBreak[t-1] = true
					}
				}
			}
		}
	}
	ends := sentenceEnds(text, toks, at)
	sep := opts.Separator
	bw.WriteString("-DOCSTART-")
	if opts.Offsets {
		bw.WriteString(sep + "-X-" + sep + "-X-")
	}
	for range ncol {
		bw.WriteString(sep + "O")
	}
	bw.WriteString("\n\n")
	var num []byte
	for i, t := range toks {
		bw.WriteString(t.Text)
		if opts.Offsets {
			num = strconv.AppendInt(append(num[:0], sep...), t.Start, 10)
			num = strconv.AppendInt(append(num, sep...), t.End, 10)
			bw.Write(num)
		}
		for c := range ncol {
			bw.WriteString(sep)
			if tg := tags[c][i]; tg != "" {
				bw.WriteString(tg)
			} else {
				bw.WriteByte('O')
			}
		}
		bw.WriteByte('\n')
		if ends[i] && !noBreak[i] || i == len(toks)-1 {
			bw.WriteByte('\n')
		}
	}
	return nil
}

func isSpace(r rune) bool { return unicode.IsSpace(r) }

// place maps an annotation's spans to token chunks; msg says why it cannot.
func place(a *scholia.Annotation, label string, toks []Token, n int64) (candidate, string) {
	cd := candidate{a: a, label: label}
	if len(a.Spans) == 0 {
		return cd, "no span"
	}
	for i, s := range a.Spans {
		if s.Start < 0 || s.End > n || s.End <= s.Start || (i > 0 && s.Start < a.Spans[i-1].End) {
			return cd, fmt.Sprintf("span [%d,%d) is empty, out of order or outside the text (%d code points)", s.Start, s.End, n)
		}
		first := sort.Search(len(toks), func(t int) bool { return toks[t].End > s.Start })
		last := sort.Search(len(toks), func(t int) bool { return toks[t].Start >= s.End }) - 1
		if first > last {
			continue // a fragment over white space only
		}
		if k := len(cd.chunks); k > 0 && cd.chunks[k-1].last >= first {
			cd.chunks[k-1].last = max(cd.chunks[k-1].last, last) // fragments within one token
			continue
		}
		cd.chunks = append(cd.chunks, chunk{first, last})
	}
	if len(cd.chunks) == 0 {
		return cd, "covers no token (white space only)"
	}
	cd.extent = a.Spans[len(a.Spans)-1].End - a.Spans[0].Start
	return cd, ""
}

// partial reports whether a span boundary falls inside a token.
func partial(spans []scholia.Span, toks []Token, chunks []chunk) bool {
	for _, s := range spans {
		for _, ch := range chunks {
			if toks[ch.first].Start < s.Start && toks[ch.first].End > s.Start || toks[ch.last].End > s.End && toks[ch.last].Start < s.End {
				return true
			}
		}
	}
	return false
}

// collision returns the placed candidate that holds a token cd needs.
func collision(cd *candidate, owner []*candidate) *candidate {
	for _, ch := range cd.chunks {
		for t := ch.first; t <= ch.last; t++ {
			if owner[t] != nil {
				return owner[t]
			}
		}
	}
	return nil
}

// relation says how cd's tokens relate to h's.
func relation(cd, h *candidate) string {
	in := func(t int) bool {
		for _, ch := range h.chunks {
			if ch.first <= t && t <= ch.last {
				return true
			}
		}
		return false
	}
	all, same := true, true
	n := 0
	for _, ch := range cd.chunks {
		for t := ch.first; t <= ch.last; t++ {
			all = all && in(t)
			n++
		}
	}
	m := 0
	for _, ch := range h.chunks {
		m += ch.last - ch.first + 1
	}
	same = all && n == m
	switch {
	case same:
		return "same tokens as"
	case all:
		return "nested in"
	}
	return "overlaps"
}

// spanText returns the text of chunks, for messages.
func spanText(text string, toks []Token, at []int, chunks []chunk) string {
	var parts []string
	for _, ch := range chunks {
		parts = append(parts, text[at[ch.first]:at[ch.last]+len(toks[ch.last].Text)])
	}
	s := strings.Join(parts, " … ")
	if r := []rune(s); len(r) > 60 {
		s = string(r[:57]) + "..."
	}
	return s
}
