package main

import (
	"fmt"
	"io"
	"maps"
	"slices"
	"sort"
	"strings"

	"github.com/scholia-nlp/scholia"
	pb "github.com/scholia-nlp/scholia/gen/scholia/v1"
)

// spansText joins the covered texts of fragments, as brat does.
func spansText(spans []*pb.Span) string {
	var parts []string
	for _, s := range spans {
		parts = append(parts, s.GetText())
	}
	return strings.Join(parts, " … ")
}

func spansRange(spans []*pb.Span) string {
	var parts []string
	for _, s := range spans {
		parts = append(parts, fmt.Sprintf("[%d,%d)", s.GetStart(), s.GetEnd()))
	}
	return strings.Join(parts, "")
}

func oneLine(s string) string {
	return strings.NewReplacer("\r\n", "⏎", "\n", "⏎", "\r", "⏎", "\t", " ").Replace(s)
}

// label returns an annotation's kind and label.
func label(a *pb.Annotation) (kind, lbl string) {
	switch b := a.GetBody().(type) {
	case *pb.Annotation_Mention:
		return "mention", b.Mention.GetLabel()
	case *pb.Annotation_Event:
		return "event", b.Event.GetType()
	case *pb.Annotation_Claim:
		return "claim", b.Claim.GetClaimType()
	case *pb.Annotation_Relation:
		return "relation", b.Relation.GetType()
	case *pb.Annotation_Cluster:
		return "cluster", strings.ToLower(strings.TrimPrefix(b.Cluster.GetKind().String(), "CLUSTER_KIND_"))
	}
	return "?", ""
}

// details describes an annotation's body beyond its label and span.
func details(a *pb.Annotation) string {
	var parts []string
	switch b := a.GetBody().(type) {
	case *pb.Annotation_Event:
		for _, arg := range b.Event.GetArguments() {
			parts = append(parts, fmt.Sprintf("%s=%d", arg.GetRole(), arg.GetAnnotationId()))
		}
	case *pb.Annotation_Claim:
		c := b.Claim
		if c.GetClaimantId() != 0 {
			parts = append(parts, fmt.Sprintf("claimant=%d", c.GetClaimantId()))
		}
		if c.GetClaimantText() != "" {
			parts = append(parts, fmt.Sprintf("claimant=%q", c.GetClaimantText()))
		}
		if len(c.GetCue()) > 0 {
			parts = append(parts, fmt.Sprintf("cue=%q%s", oneLine(spansText(c.GetCue())), spansRange(c.GetCue())))
		}
		if c.GetStance() != "" {
			parts = append(parts, "stance="+c.GetStance())
		}
		if c.GetCheckWorthiness() != "" {
			parts = append(parts, "check-worthiness="+c.GetCheckWorthiness())
		}
		if n := c.GetNormalized(); n != nil {
			v := strings.TrimSpace(n.GetValue() + " " + n.GetUnit())
			if n.GetTime() != "" {
				v += " @" + n.GetTime()
			}
			parts = append(parts, fmt.Sprintf("value=%q", v))
		}
	case *pb.Annotation_Relation:
		parts = append(parts, fmt.Sprintf("%d -> %d", b.Relation.GetSourceId(), b.Relation.GetTargetId()))
	case *pb.Annotation_Cluster:
		ids := make([]string, len(b.Cluster.GetMemberIds()))
		for i, id := range b.Cluster.GetMemberIds() {
			ids[i] = fmt.Sprint(id)
		}
		parts = append(parts, "members="+strings.Join(ids, ","))
		if b.Cluster.GetTitle() != "" {
			parts = append(parts, fmt.Sprintf("title=%q", b.Cluster.GetTitle()))
		}
	}
	for _, k := range slices.Sorted(maps.Keys(a.GetAttributes())) {
		parts = append(parts, k+"="+a.GetAttributes()[k])
	}
	return strings.Join(parts, " ")
}

// bodySpans returns the spans shown in the text for an annotation.
func bodySpans(a *pb.Annotation) []*pb.Span {
	switch b := a.GetBody().(type) {
	case *pb.Annotation_Mention:
		return b.Mention.GetSpans()
	case *pb.Annotation_Event:
		return b.Event.GetTrigger()
	case *pb.Annotation_Claim:
		return b.Claim.GetSpans()
	}
	return nil
}

// summary is one line about an annotation.
func summary(a *pb.Annotation) string {
	kind, lbl := label(a)
	s := fmt.Sprintf("%s %d %s", kind, a.GetId(), lbl)
	if sp := bodySpans(a); len(sp) > 0 {
		s += fmt.Sprintf(" %q %s", oneLine(spansText(sp)), spansRange(sp))
	}
	if d := details(a); d != "" {
		s += " " + d
	}
	return s + fmt.Sprintf(" (%s, etag %s)", a.GetAnnotator(), a.GetEtag())
}

// marker is an opening or closing bracket inserted into the text.
type marker struct {
	pos   int64
	open  bool
	span  int64 // length of the span, to nest longer spans outside shorter ones
	order int
	text  string
}

// renderDocument writes the text with every annotated span in brackets,
// followed by {ID LABEL}, then one line per annotation.
func renderDocument(w io.Writer, d *pb.Document, anns []*pb.Annotation) error {
	text, err := scholia.NewText(d.GetText())
	if err != nil {
		return err
	}
	layers := map[string]bool{}
	for _, a := range anns {
		layers[a.GetAnnotator()] = true
	}
	var ms []marker
	for i, a := range anns {
		_, lbl := label(a)
		tag := fmt.Sprintf("%d %s", a.GetId(), lbl)
		if len(layers) > 1 {
			tag += " @" + a.GetAnnotator()
		}
		add := func(spans []*pb.Span, tag string) {
			for _, s := range spans {
				n := s.GetEnd() - s.GetStart()
				ms = append(ms, marker{pos: s.GetStart(), open: true, span: n, order: i, text: "["},
					marker{pos: s.GetEnd(), open: false, span: n, order: i, text: "]{" + tag + "}"})
			}
		}
		add(bodySpans(a), tag)
		if c, ok := a.GetBody().(*pb.Annotation_Claim); ok {
			add(c.Claim.GetCue(), fmt.Sprintf("%d cue", a.GetId()))
		}
	}
	// At one position: closings before openings; longer spans open first and
	// close last, so nested spans print as nested brackets.
	sort.SliceStable(ms, func(i, j int) bool {
		a, b := ms[i], ms[j]
		if a.pos != b.pos {
			return a.pos < b.pos
		}
		if a.open != b.open {
			return !a.open
		}
		if a.open {
			if a.span != b.span {
				return a.span > b.span
			}
			return a.order < b.order
		}
		if a.span != b.span {
			return a.span < b.span
		}
		return a.order > b.order
	})
	fmt.Fprintf(w, "%s/%s", d.GetProjectId(), d.GetId())
	if d.GetTitle() != "" {
		fmt.Fprintf(w, ": %s", d.GetTitle())
	}
	fmt.Fprintf(w, " (%d characters, %d annotations)\n\n", d.GetLength(), len(anns))
	var b strings.Builder
	last := int64(0)
	for _, m := range ms {
		b.WriteString(text.Slice(last, m.pos))
		b.WriteString(m.text)
		last = m.pos
	}
	b.WriteString(text.Slice(last, text.Len()))
	out := strings.ReplaceAll(b.String(), "\r\n", "\n")
	fmt.Fprintln(w, strings.TrimRight(out, "\n"))
	if len(anns) > 0 {
		fmt.Fprintln(w)
	}
	for _, a := range anns {
		fmt.Fprintln(w, summary(a))
	}
	return nil
}
