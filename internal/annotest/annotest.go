// Package annotest holds what the format packages' tests share: a
// description of annotations that ignores ids, to compare what a reader
// made with what a writer was given.
package annotest

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/scholia-nlp/scholia"
)

// Canon describes a document's annotations without their ids: each
// reference is replaced by the description of what it refers to, so two
// documents with the same annotations under other ids compare equal. With
// layers, each description starts with the annotation's layer.
func Canon(doc scholia.AnnotatedDocument, layers bool) []string {
	byID := map[int64]*scholia.Annotation{}
	for i := range doc.Annotations {
		byID[doc.Annotations[i].ID] = &doc.Annotations[i]
	}
	// References are described one level deep: deep enough to tell
	// annotations apart, and bounded, so that a chain of events each with
	// several arguments does not make descriptions grow exponentially.
	type key struct {
		id    int64
		depth int
	}
	memo := map[key]string{}
	var sig func(id int64, depth int) string
	sig = func(id int64, depth int) string {
		if s, ok := memo[key{id, depth}]; ok {
			return s
		}
		a := byID[id]
		if a == nil {
			return "<missing " + strconv.FormatInt(id, 10) + ">"
		}
		if depth > 1 {
			return fmt.Sprintf("%s(%s %s)", a.Kind, a.Label, SpansSig(a.Spans))
		}
		var b strings.Builder
		if layers {
			fmt.Fprintf(&b, "%s/", a.Annotator)
		}
		fmt.Fprintf(&b, "%s(%s %s", a.Kind, a.Label, SpansSig(a.Spans))
		for _, arg := range a.Arguments {
			fmt.Fprintf(&b, " %s=%s", arg.Role, sig(arg.AnnotationID, depth+1))
		}
		if c := a.Claim; c != nil {
			fmt.Fprintf(&b, " cue=%s stance=%s cw=%s ctext=%q", SpansSig(c.Cue), c.Stance, c.CheckWorthiness, c.ClaimantText)
			if c.ClaimantID != 0 {
				fmt.Fprintf(&b, " claimant=%s", sig(c.ClaimantID, depth+1))
			}
			if n := c.Normalized; n != nil {
				fmt.Fprintf(&b, " norm=%q/%q/%q", n.Value, n.Unit, n.Time)
			}
		}
		if r := a.Relation; r != nil {
			fmt.Fprintf(&b, " %s -> %s", sig(r.Source, depth+1), sig(r.Target, depth+1))
		}
		if c := a.Cluster; c != nil {
			var ms []string
			for _, m := range c.Members {
				ms = append(ms, sig(m, depth+1))
			}
			slices.Sort(ms)
			fmt.Fprintf(&b, " title=%q members=[%s]", c.Title, strings.Join(ms, ", "))
		}
		keys := make([]string, 0, len(a.Attributes))
		for k := range a.Attributes {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		for _, k := range keys {
			fmt.Fprintf(&b, " @%s=%q", k, a.Attributes[k])
		}
		b.WriteString(")")
		memo[key{id, depth}] = b.String()
		return b.String()
	}
	var out []string
	for _, a := range doc.Annotations {
		out = append(out, sig(a.ID, 0))
	}
	slices.Sort(out)
	return out
}

// SpansSig describes fragments with their offsets and texts.
func SpansSig(spans []scholia.Span) string {
	var parts []string
	for _, s := range spans {
		parts = append(parts, fmt.Sprintf("%d-%d:%q", s.Start, s.End, s.Text))
	}
	return "[" + strings.Join(parts, ";") + "]"
}

// Diff reports the differences of two sorted descriptions.
func Diff(t testing.TB, what string, want, got []string) {
	t.Helper()
	if slices.Equal(want, got) {
		return
	}
	for _, w := range want {
		if !slices.Contains(got, w) {
			t.Errorf("%s: missing %s", what, w)
		}
	}
	for _, g := range got {
		if !slices.Contains(want, g) {
			t.Errorf("%s: unexpected %s", what, g)
		}
	}
	if len(want) != len(got) {
		t.Errorf("%s: %d items, want %d", what, len(got), len(want))
	}
}

// CheckSpans checks every span of a document against its text with
// scholia.ValidateSpans, and that every reference resolves.
func CheckSpans(t testing.TB, doc scholia.AnnotatedDocument) {
	t.Helper()
	text, err := scholia.NewText(doc.Document.Text)
	if err != nil {
		t.Fatal(err)
	}
	ids := map[int64]bool{}
	for _, a := range doc.Annotations {
		if ids[a.ID] {
			t.Errorf("id %d used twice", a.ID)
		}
		ids[a.ID] = true
	}
	for _, a := range doc.Annotations {
		spans := slices.Clone(a.Spans)
		required := a.Kind == scholia.KindMention || a.Kind == scholia.KindEvent || a.Kind == scholia.KindClaim
		if v := scholia.ValidateSpans(text, spans, required); len(v) > 0 {
			t.Errorf("annotation %d (%s): %v", a.ID, a.Kind, v)
		}
		if a.Claim != nil {
			if v := scholia.ValidateSpans(text, slices.Clone(a.Claim.Cue), false); len(v) > 0 {
				t.Errorf("annotation %d cue: %v", a.ID, v)
			}
		}
		for _, r := range a.Refs() {
			if !ids[r.ID] {
				t.Errorf("annotation %d: %s refers to missing %d", a.ID, r.Field, r.ID)
			}
		}
	}
}

// FillTexts fills in the covered text of spans made without one.
func FillTexts(t testing.TB, doc scholia.AnnotatedDocument) {
	t.Helper()
	text, err := scholia.NewText(doc.Document.Text)
	if err != nil {
		t.Fatal(err)
	}
	for i := range doc.Annotations {
		a := &doc.Annotations[i]
		scholia.ValidateSpans(text, a.Spans, false)
		if a.Claim != nil {
			scholia.ValidateSpans(text, a.Claim.Cue, false)
		}
	}
}
