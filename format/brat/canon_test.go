package brat

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
// documents with the same annotations under other ids compare equal.
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
		fmt.Fprintf(&b, "%s(%s %s", a.Kind, a.Label, spansSig(a.Spans))
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

// bratCanon describes the lines of an .ann file without ids, independently
// of the reader: T lines by type and offsets, E lines by type, trigger and
// arguments (brat's role numbers removed), R, A/M, N, # lines by content,
// and * lines merged where they share ids.
func bratCanon(t testing.TB, ann string) []string {
	t.Helper()
	defs := map[string]string{}
	for line := range strings.SplitSeq(strings.ReplaceAll(ann, "\r\n", "\n"), "\n") {
		if line == "" {
			continue
		}
		id, rest, _ := strings.Cut(line, "\t")
		defs[id] = rest
	}
	memo := map[string]string{}
	var sig func(id string) string
	sig = func(id string) string {
		if s, ok := memo[id]; ok {
			return s
		}
		rest := defs[id]
		var s string
		switch id[0] {
		case 'T':
			head, text, _ := strings.Cut(rest, "\t")
			s = "T(" + head + " " + text + ")"
		case 'E':
			f := strings.Fields(rest)
			typ, trig, _ := strings.Cut(f[0], ":")
			var args []string
			for _, a := range f[1:] {
				role, ref, _ := strings.Cut(a, ":")
				args = append(args, strings.TrimRight(role, "0123456789")+"="+sig(ref))
			}
			s = "E(" + typ + " " + sig(trig) + " " + strings.Join(args, " ") + ")"
		case 'R':
			f := strings.Fields(rest)
			r1, a1, _ := strings.Cut(f[1], ":")
			r2, a2, _ := strings.Cut(f[2], ":")
			s = "R(" + f[0] + " " + r1 + "=" + sig(a1) + " " + r2 + "=" + sig(a2) + ")"
		default:
			s = "?" + id
		}
		memo[id] = s
		return s
	}
	var out []string
	var equivs [][]string
	for id, rest := range defs {
		switch id[0] {
		case 'T', 'E', 'R':
			out = append(out, sig(id))
		case 'A', 'M':
			f := strings.Fields(rest)
			v := "true"
			if len(f) == 3 {
				v = f[2]
			}
			out = append(out, "A("+f[0]+" "+sig(f[1])+" "+v+")")
		case 'N':
			head, text, _ := strings.Cut(rest, "\t")
			f := strings.Fields(head)
			out = append(out, "N("+f[0]+" "+sig(f[1])+" "+f[2]+" "+text+")")
		case '#':
			head, text, _ := strings.Cut(rest, "\t")
			f := strings.Fields(head)
			out = append(out, "#("+f[0]+" "+sig(f[1])+" "+text+")")
		}
	}
	// "*" lines share the id "*"; collect them separately.
	for line := range strings.SplitSeq(strings.ReplaceAll(ann, "\r\n", "\n"), "\n") {
		if strings.HasPrefix(line, "*\t") {
			f := strings.Fields(line[2:])
			var ms []string
			for _, m := range f[1:] {
				ms = append(ms, f[0]+" "+sig(m))
			}
			equivs = append(equivs, ms)
		}
	}
	// Merge equivalence sets that share a member.
	for merged := true; merged; {
		merged = false
		for i := 0; i < len(equivs) && !merged; i++ {
			for j := i + 1; j < len(equivs) && !merged; j++ {
				for _, m := range equivs[j] {
					if slices.Contains(equivs[i], m) {
						for _, x := range equivs[j] {
							if !slices.Contains(equivs[i], x) {
								equivs[i] = append(equivs[i], x)
							}
						}
						equivs = slices.Delete(equivs, j, j+1)
						merged = true
						break
					}
				}
			}
		}
	}
	for _, e := range equivs {
		slices.Sort(e)
		out = append(out, "*("+strings.Join(e, ", ")+")")
	}
	slices.Sort(out)
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
