package main

import (
	"fmt"
	"strings"

	"github.com/scholia-nlp/scholia"
)

// spanFlags are the ways a command names a span: a quote (with --nth when it
// occurs more than once) or code-point offsets.
type spanFlags struct {
	quote      string
	nth        int
	start, end int64
}

// resolve turns the flags into a span of text. what names the span in
// messages ("quote", "trigger", "cue"). A quote that matches only after
// folding white space, quotes and dashes is accepted with a note.
func (f spanFlags) resolve(text *scholia.Text, what, docRef string) (span scholia.Span, note string, err error) {
	switch {
	case f.quote != "" && (f.start >= 0 || f.end >= 0):
		return span, "", usagef("give the %s either as text or as --start/--end, not both", what)
	case f.quote == "":
		if f.start < 0 || f.end < 0 {
			return span, "", usagef("the %s is required: give its text, or --start and --end in code points", what)
		}
		return scholia.Span{Start: f.start, End: f.end}, "", nil
	}
	matches := text.FindQuote(f.quote)
	switch {
	case len(matches) == 0:
		return span, "", fmt.Errorf("%s %q does not occur in %s", what, f.quote, docRef)
	case f.nth < 0 || f.nth > len(matches):
		return span, "", usagef("--nth %d: %s %q occurs %d time(s) in %s", f.nth, what, f.quote, len(matches), docRef)
	case f.nth == 0 && len(matches) > 1:
		var b strings.Builder
		fmt.Fprintf(&b, "%s %q occurs %d times in %s; choose one with --nth N:", what, f.quote, len(matches), docRef)
		for i, m := range matches {
			fmt.Fprintf(&b, "\n  --nth %d  [%d,%d)  %s", i+1, m.Start, m.End, quoteContext(text, m.Start, m.End))
		}
		return span, "", usageError{b.String()}
	}
	m := matches[max(f.nth, 1)-1]
	if !m.Exact {
		note = fmt.Sprintf("note: %q matched %q at [%d,%d) after folding white space, quotes and dashes", f.quote, text.Slice(m.Start, m.End), m.Start, m.End)
	}
	return scholia.Span{Start: m.Start, End: m.End}, note, nil
}

// quoteContext shows a match with up to 30 characters either side, on one line.
func quoteContext(text *scholia.Text, start, end int64) string {
	from, to := max(start-30, 0), min(end+30, text.Len())
	s := "…" + text.Slice(from, start) + "«" + text.Slice(start, end) + "»" + text.Slice(end, to) + "…"
	return strings.NewReplacer("\r\n", "⏎", "\n", "⏎", "\r", "⏎", "\t", " ").Replace(s)
}
