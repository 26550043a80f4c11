package main

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	pb "github.com/scholia-nlp/scholia/gen/scholia/v1"
)

// This file prints evaluation results as tables. Online and offline results
// both go through the API messages (offline reports are converted with
// pbconv, as the server converts them), so a score printed from JSONL files
// reads exactly like one from the server.

// table is a tabwriter section with a heading row.
type table struct {
	w  io.Writer
	tw *tabwriter.Writer
}

func newTable(w io.Writer, heading ...string) *table {
	t := &table{w: w, tw: tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)}
	t.row(heading...)
	return t
}

// row writes one row; empty cells at its end are left out, so that no line
// ends in padding.
func (t *table) row(cells ...string) {
	for len(cells) > 1 && cells[len(cells)-1] == "" {
		cells = cells[:len(cells)-1]
	}
	fmt.Fprintln(t.tw, strings.Join(cells, "\t"))
}

// end flushes the table and leaves an empty line after it.
func (t *table) end() error {
	if err := t.tw.Flush(); err != nil {
		return err
	}
	_, err := fmt.Fprintln(t.w)
	return err
}

// num formats a coefficient or a share.
func num(x float64) string { return fmt.Sprintf("%.4f", x) }

var prfHeading = []string{"PRECISION", "RECALL", "F1", "SUPPORT", "PREDICTED"}

// prf returns the cells of a precision/recall/F1 row.
func prf(name string, p *pb.PrecisionRecall) []string {
	return []string{name, num(p.GetPrecision()), num(p.GetRecall()), num(p.GetF1()), fmt.Sprint(p.GetGold()), fmt.Sprint(p.GetPredicted())}
}

func avg(name string, a *pb.Averages) []string {
	return []string{name, num(a.GetPrecision()), num(a.GetRecall()), num(a.GetF1()), "", ""}
}

// labelTable prints a per-label score with its averages.
func labelTable(w io.Writer, heading string, s *pb.LabelScores) error {
	t := newTable(w, append([]string{heading}, prfHeading...)...)
	for _, l := range s.GetLabels() {
		t.row(prf(l.GetLabel(), l)...)
	}
	t.row(prf("micro", s.GetMicro())...)
	t.row(avg("macro", s.GetMacro())...)
	t.row(avg("weighted", s.GetWeighted())...)
	return t.end()
}

// printScore prints a ScoreAnnotator result; where names the snapshot
// ("news at revision 12").
func printScore(w io.Writer, where string, r *pb.ScoreAnnotatorResponse) error {
	fmt.Fprintf(w, "%s against %s in %s: %s, %s match\n\n", r.GetCandidate(), r.GetReference(), where, plural(r.GetDocuments(), "document"), matchName(r.GetMatch()))
	if err := labelTable(w, "SPANS", r.GetSpans()); err != nil {
		return err
	}
	if e := r.GetEvents(); e != nil {
		t := newTable(w, append([]string{"EVENTS (exact)"}, prfHeading...)...)
		t.row(prf("trigger identification", e.GetTriggerIdentification())...)
		t.row(prf("trigger classification", e.GetTriggerClassification())...)
		t.row(prf("argument identification", e.GetArgumentIdentification())...)
		t.row(prf("argument classification", e.GetArgumentClassification())...)
		t.row(prf("attached argument identification", e.GetAttachedArgumentIdentification())...)
		t.row(prf("attached argument classification", e.GetAttachedArgumentClassification())...)
		for _, l := range e.GetEventTypes() {
			t.row(prf("  type "+l.GetLabel(), l)...)
		}
		for _, l := range e.GetRoles() {
			t.row(prf("  role "+l.GetLabel(), l)...)
		}
		if err := t.end(); err != nil {
			return err
		}
		if n := e.GetUnresolvedArguments(); n > 0 {
			fmt.Fprintf(w, "%d arguments left out: their fillers were not read\n\n", n)
		}
	}
	if c := r.GetClaims(); c != nil {
		t := newTable(w, append([]string{"CLAIMS"}, prfHeading...)...)
		t.row(prf("claim spans", c.GetSpans())...)
		for _, l := range c.GetTypes().GetLabels() {
			t.row(prf("  type "+l.GetLabel(), l)...)
		}
		t.row(prf("cue spans", c.GetCues())...)
		if err := t.end(); err != nil {
			return err
		}
		t = newTable(w, fmt.Sprintf("ALIGNED CLAIMS (%d)", c.GetAligned()), "ACCURACY", "CORRECT", "TOTAL", "KAPPA")
		acc := func(name string, a *pb.Accuracy, kappa string) {
			t.row(name, num(a.GetValue()), fmt.Sprint(a.GetCorrect()), fmt.Sprint(a.GetTotal()), kappa)
		}
		acc("claimant", c.GetClaimant(), "")
		acc("cue", c.GetCue(), "")
		for _, f := range []struct {
			name string
			f    *pb.FieldAgreement
		}{{"stance", c.GetStance()}, {"claim type", c.GetClaimType()}, {"check-worthiness", c.GetCheckWorthiness()}} {
			acc(f.name, f.f.GetAccuracy(), num(f.f.GetKappa()))
		}
		if err := t.end(); err != nil {
			return err
		}
	}
	for _, c := range r.GetCoreference() {
		kind := strings.ToLower(strings.TrimPrefix(c.GetKind().String(), "CLUSTER_KIND_"))
		t := newTable(w, fmt.Sprintf("COREFERENCE (%s)", kind), "RECALL", "PRECISION", "F1")
		m := func(name string, x *pb.CoreferenceMetric) {
			t.row(name, num(x.GetRecall()), num(x.GetPrecision()), num(x.GetF1()))
		}
		m("MUC", c.GetMuc())
		m("B3", c.GetBCubed())
		m("CEAF-m", c.GetCeafM())
		m("CEAF-e", c.GetCeafE())
		m("BLANC", c.GetBlanc())
		t.row("CoNLL", "", "", num(c.GetConllF1()))
		t.row("mentions", num(c.GetMentions().GetRecall()), num(c.GetMentions().GetPrecision()), num(c.GetMentions().GetF1()))
		if err := t.end(); err != nil {
			return err
		}
		fmt.Fprintf(w, "%s: %d reference, %d candidate", plural(int32(c.GetReferenceClusters()+c.GetCandidateClusters()), "cluster"), c.GetReferenceClusters(), c.GetCandidateClusters())
		if n := c.GetUnresolvedMembers(); n > 0 {
			fmt.Fprintf(w, "; %d members left out (not among the documents or labels read)", n)
		}
		fmt.Fprint(w, "\n\n")
	}
	return nil
}

// matrix prints an annotator x annotator matrix.
func matrix(w io.Writer, heading string, names []string, m *pb.Matrix) error {
	t := newTable(w, append([]string{heading}, names...)...)
	for i, row := range m.GetRows() {
		cells := []string{names[i]}
		for _, v := range row.GetValues() {
			cells = append(cells, num(v))
		}
		t.row(cells...)
	}
	return t.end()
}

// printAgreement prints a ComputeAgreement result; where names the
// snapshot.
func printAgreement(w io.Writer, where string, r *pb.ComputeAgreementResponse) error {
	names := r.GetAnnotators()
	fmt.Fprintf(w, "%s in %s: %s\n\n", strings.Join(names, ", "), where, plural(r.GetDocuments(), "document"))
	t := newTable(w, "KIND", "ITEMS", "KRIPPENDORFF ALPHA", "FLEISS KAPPA", "ALPHA_U")
	for _, k := range []struct {
		name string
		s    *pb.AgreementScores
	}{{"all", r.GetSpans()}, {"mention", r.GetMentions()}, {"event", r.GetTriggers()}, {"claim", r.GetClaims()}} {
		if k.s != nil {
			t.row(k.name, fmt.Sprint(k.s.GetItems()), num(k.s.GetKrippendorffAlpha()), num(k.s.GetFleissKappa()), num(k.s.GetAlphaU()))
		}
	}
	if err := t.end(); err != nil {
		return err
	}
	s := r.GetSpans()
	if n := s.GetStackedItems(); n > 0 {
		fmt.Fprintf(w, "%d positions left out of alpha and kappa: one annotator gave them several labels\n\n", n)
	}
	t = newTable(w, "LABEL", "MARKS", "KRIPPENDORFF ALPHA", "FLEISS KAPPA", "ALPHA_U", "MEAN PAIRWISE F1")
	for _, l := range s.GetLabels() {
		t.row(l.GetLabel(), fmt.Sprint(l.GetMarks()), num(l.GetKrippendorffAlpha()), num(l.GetFleissKappa()), num(l.GetAlphaU()), num(l.GetF1()))
	}
	if err := t.end(); err != nil {
		return err
	}
	for _, m := range []struct {
		heading string
		m       *pb.Matrix
	}{
		{"COHEN'S KAPPA", s.GetPairwiseCohenKappa()},
		{"KRIPPENDORFF ALPHA", s.GetPairwiseKrippendorffAlpha()},
		{"ALPHA_U", s.GetPairwiseAlphaU()},
		{"F1 (exact match)", s.GetPairwiseF1()},
	} {
		if err := matrix(w, m.heading, names, m.m); err != nil {
			return err
		}
	}
	if r.GetMatch() == pb.SpanMatch_SPAN_MATCH_OVERLAP {
		return matrix(w, "F1 (overlap match)", names, r.GetMatchF1())
	}
	return nil
}
