package labelstudio

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/scholia-nlp/scholia"
)

// canon describes a document's annotations without their ids: each
// reference is replaced by the description of what it refers to, so two
// documents with the same annotations under other ids compare equal. The
// layer is part of each description.
func canon(t testing.TB, doc scholia.AnnotatedDocument) []string {
	t.Helper()
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
			return fmt.Sprintf("%s(%s %s)", a.Kind, a.Label, spansSig(a.Spans))
		}
		var b strings.Builder
		fmt.Fprintf(&b, "%s/%s(%s %s", a.Annotator, a.Kind, a.Label, spansSig(a.Spans))
		for _, arg := range a.Arguments {
			fmt.Fprintf(&b, " %s=%s", arg.Role, sig(arg.AnnotationID, depth+1))
		}
		if c := a.Claim; c != nil {
			fmt.Fprintf(&b, " cue=%s stance=%s cw=%s ctext=%q", spansSig(c.Cue), c.Stance, c.CheckWorthiness, c.ClaimantText)
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

func spansSig(spans []scholia.Span) string {
	var parts []string
	for _, s := range spans {
		parts = append(parts, fmt.Sprintf("%d-%d:%q", s.Start, s.End, s.Text))
	}
	return "[" + strings.Join(parts, ";") + "]"
}

// canonDocs describes several documents.
func canonDocs(t testing.TB, docs []scholia.AnnotatedDocument) []string {
	var out []string
	for _, d := range docs {
		for _, s := range canon(t, d) {
			out = append(out, d.Document.ID+": "+s)
		}
	}
	return out
}

// diff reports the differences of two sorted descriptions.
func diff(t testing.TB, what string, want, got []string) {
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
