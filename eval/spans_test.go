package eval

import (
	"cmp"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/scholia-nlp/scholia"
)

func sp(s, e int64) []scholia.Span { return []scholia.Span{{Start: s, End: e}} }

func mention(doc, label string, s, e int64) scholia.Annotation {
	return scholia.Annotation{Document: doc, Kind: scholia.KindMention, Label: label, Spans: sp(s, e)}
}

func labelOf(t *testing.T, r PRFReport, label string) PRF {
	t.Helper()
	for _, l := range r.Labels {
		if l.Label == label {
			return l.PRF
		}
	}
	t.Fatalf("no label %q in %+v", label, r.Labels)
	return PRF{}
}

// TestScoreSpans covers the matching rules and the edge cases the package
// documentation defines.
func TestScoreSpans(t *testing.T) {
	gold := []scholia.Annotation{
		mention("d1", "PER", 0, 5),
		mention("d1", "ORG", 10, 20),
		mention("d2", "PER", 0, 5),
		mention("d2", "LOC", 30, 40),
	}
	pred := []scholia.Annotation{
		mention("d1", "PER", 0, 5),   // exact
		mention("d1", "ORG", 12, 25), // overlaps
		mention("d2", "PER", 0, 4),   // overlaps
		mention("d2", "PER", 0, 4),   // duplicate: counts once
		mention("d2", "GPE", 30, 40), // wrong label
		mention("d3", "PER", 0, 5),   // another document
	}
	tests := []struct {
		name               string
		opts               SpanOptions
		gold, pred, mg, mp int64
		p, r, f            float64
		labels             int
		checkLabel         string
		lg, lp, lmg, lmp   int64
	}{
		{"exact", SpanOptions{}, 4, 5, 1, 1, 0.2, 0.25, 2 * 0.2 * 0.25 / 0.45, 4, "GPE", 0, 1, 0, 0},
		{"overlap", SpanOptions{Match: MatchOverlap}, 4, 5, 3, 3, 0.6, 0.75, 2 * 0.6 * 0.75 / 1.35, 4, "ORG", 1, 1, 1, 1},
		{"identification only", SpanOptions{IgnoreLabels: true}, 4, 5, 2, 2, 0.4, 0.5, 2 * 0.4 * 0.5 / 0.9, 1, "", 4, 5, 2, 2},
		{"all kinds, prefixed", SpanOptions{Source: SourceAll}, 4, 5, 1, 1, 0.2, 0.25, 2 * 0.2 * 0.25 / 0.45, 4, "mention/PER", 2, 3, 1, 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if tc.opts.Source == SourceAll && tc.name != "all kinds, prefixed" {
				tc.opts.Source = SourceMentions
			}
			r := ScoreSpans(gold, pred, tc.opts)
			m := r.Micro
			if m.Gold != tc.gold || m.Pred != tc.pred || m.MatchedGold != tc.mg || m.MatchedPred != tc.mp {
				t.Errorf("counts %+v", m)
			}
			near(t, "P", m.Precision, tc.p, 1e-12)
			near(t, "R", m.Recall, tc.r, 1e-12)
			near(t, "F1", m.F1, tc.f, 1e-12)
			if len(r.Labels) != tc.labels {
				t.Errorf("%d labels: %+v", len(r.Labels), r.Labels)
			}
			l := labelOf(t, r.PRFReport, tc.checkLabel)
			if l.Gold != tc.lg || l.Pred != tc.lp || l.MatchedGold != tc.lmg || l.MatchedPred != tc.lmp {
				t.Errorf("label %q: %+v", tc.checkLabel, l)
			}
			mustJSON(t, r)
		})
	}
}

// TestScoreSpansEdgeCases pins the documented values for empty and
// identical layers and one-sided labels.
func TestScoreSpansEdgeCases(t *testing.T) {
	a := []scholia.Annotation{mention("d", "X", 0, 3), mention("d", "Y", 5, 9)}
	for _, m := range []SpanMatch{MatchExact, MatchOverlap} {
		t.Run(m.String(), func(t *testing.T) {
			r := ScoreSpans(nil, nil, SpanOptions{Match: m, Source: SourceMentions})
			if r.Micro.F1 != 1 || r.Macro.F1 != 1 || r.Weighted.F1 != 1 || len(r.Labels) != 0 || r.Match != m.String() {
				t.Errorf("both empty: %+v", r)
			}
			r = ScoreSpans(a, a, SpanOptions{Match: m, Source: SourceMentions})
			if r.Micro.F1 != 1 || r.Macro.F1 != 1 {
				t.Errorf("identical: %+v", r)
			}
			r = ScoreSpans(a, nil, SpanOptions{Match: m, Source: SourceMentions})
			if r.Micro.Precision != 0 || r.Micro.Recall != 0 || r.Micro.F1 != 0 {
				t.Errorf("empty prediction: %+v", r.Micro)
			}
			r = ScoreSpans(nil, a, SpanOptions{Match: m, Source: SourceMentions})
			if r.Micro.F1 != 0 || r.Weighted.F1 != 0 {
				t.Errorf("empty gold: %+v", r)
			}
			// A label only the prediction uses: P 0, R 0 (0/0), in the macro
			// average (seqeval's rule).
			r = ScoreSpans(a[:1], a, SpanOptions{Match: m, Source: SourceMentions})
			y := labelOf(t, r.PRFReport, "Y")
			if y.Precision != 0 || y.Recall != 0 || y.F1 != 0 {
				t.Errorf("one-sided label: %+v", y)
			}
			near(t, "macro F1", r.Macro.F1, 0.5, 1e-12)
			near(t, "weighted F1", r.Weighted.F1, 1, 1e-12)
			mustJSON(t, r)
		})
	}
}

// TestScoreSpansFragmentsAndSources covers discontinuous spans, triggers,
// claim spans and cues.
func TestScoreSpansFragmentsAndSources(t *testing.T) {
	disc := func(label string, f ...int64) scholia.Annotation {
		a := scholia.Annotation{Document: "d", Kind: scholia.KindMention, Label: label}
		for i := 0; i < len(f); i += 2 {
			a.Spans = append(a.Spans, scholia.Span{Start: f[i], End: f[i+1]})
		}
		return a
	}
	g := []scholia.Annotation{disc("X", 0, 2, 5, 8)}
	for _, tc := range []struct {
		pred           scholia.Annotation
		exact, overlap float64
	}{
		{disc("X", 0, 2, 5, 8), 1, 1},
		{disc("X", 0, 8), 0, 1},       // same bounds, different fragments
		{disc("X", 0, 2, 6, 8), 0, 1}, // one fragment differs
		{disc("X", 2, 3, 4, 5), 0, 0}, // inside the gap: no code point in common
		{disc("X", 3, 4), 0, 0},       // inside the gap
		{disc("X", 7, 12), 0, 1},      // overlaps the second fragment
		{disc("X", 0, 2, 5, 8, 9, 10), 0, 1},
	} {
		name := fmt.Sprint(tc.pred.Spans)
		near(t, name+" exact", ScoreSpans(g, []scholia.Annotation{tc.pred}, SpanOptions{}).Micro.F1, tc.exact, 0)
		near(t, name+" overlap", ScoreSpans(g, []scholia.Annotation{tc.pred}, SpanOptions{Match: MatchOverlap}).Micro.F1, tc.overlap, 0)
	}
	anns := []scholia.Annotation{
		{Document: "d", Kind: scholia.KindEvent, Label: "Life.Die", Spans: sp(3, 9)},
		{Document: "d", Kind: scholia.KindClaim, Label: "quantity", Spans: sp(10, 30), Claim: &scholia.ClaimFields{Cue: sp(31, 35)}},
		{Document: "d", Kind: scholia.KindRelation, Label: "supports", Spans: sp(0, 1)},
	}
	for src, want := range map[SpanSource]string{SourceTriggers: "Life.Die", SourceClaims: "quantity", SourceCues: "cue"} {
		items := SpanItems(anns, src, false)
		if len(items) != 1 || items[0].Label != want {
			t.Errorf("source %d: %+v", src, items)
		}
	}
	if items := SpanItems(anns, SourceAll, false); len(items) != 2 || items[0].Label != "event/Life.Die" || items[1].Label != "claim/quantity" {
		t.Errorf("SourceAll: %+v", items)
	}
}

// TestSpanScoreAgreesWithConlleval checks that the span scorer, fed the
// chunks of the CoNLL-2000 example as spans (sentence = document), counts
// exactly what conlleval counts (the published 459 phrases, 539 found, 371
// correct, and the per-type found counts).
func TestSpanScoreAgreesWithConlleval(t *testing.T) {
	gold, pred := readConll(t, "conll2000_output.txt")
	var g, p []SpanItem
	for s := range gold {
		doc := fmt.Sprint("s", s)
		for _, c := range ConllChunks(gold[s]) {
			g = append(g, SpanItem{Doc: doc, Label: c.Type, Spans: sp(int64(c.Start), int64(c.End))})
		}
		for _, c := range ConllChunks(pred[s]) {
			p = append(p, SpanItem{Doc: doc, Label: c.Type, Spans: sp(int64(c.Start), int64(c.End))})
		}
	}
	r := ScoreSpanItems(g, p, MatchExact)
	if r.Micro.Gold != 459 || r.Micro.Pred != 539 || r.Micro.MatchedPred != 371 {
		t.Errorf("micro %+v", r.Micro)
	}
	near(t, "precision %", 100*r.Micro.Precision, 68.83, 0.005)
	near(t, "recall %", 100*r.Micro.Recall, 80.83, 0.005)
	near(t, "F1 %", 100*r.Micro.F1, 74.35, 0.005)
	for typ, found := range map[string]int64{"ADJP": 1, "ADVP": 11, "NP": 317, "PP": 107, "SBAR": 3, "VP": 100} {
		if got := labelOf(t, r.PRFReport, typ).Pred; got != found {
			t.Errorf("%s found %d, want %d", typ, got, found)
		}
	}
}

// TestScoreSpansRandom compares both matching rules with a quadratic
// reference on random data (nested and overlapping spans, several documents
// and labels, discontinuous spans).
func TestScoreSpansRandom(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	gen := func(n int) []SpanItem {
		var out []SpanItem
		for i := 0; i < n; i++ {
			s := int64(r.IntN(60))
			it := SpanItem{Doc: fmt.Sprint("d", r.IntN(3)), Label: fmt.Sprint("L", r.IntN(3)), Spans: sp(s, s+1+int64(r.IntN(6)))}
			if r.IntN(5) == 0 {
				e := it.Spans[0].End + 2 + int64(r.IntN(3))
				it.Spans = append(it.Spans, scholia.Span{Start: e, End: e + 1 + int64(r.IntN(3))})
			}
			out = append(out, it)
		}
		return out
	}
	for trial := 0; trial < 200; trial++ {
		g, p := gen(r.IntN(30)), gen(r.IntN(30))
		for _, m := range []SpanMatch{MatchExact, MatchOverlap} {
			got := ScoreSpanItems(g, p, m).Micro
			want := bruteSpans(g, p, m)
			if got.Gold != want[0] || got.Pred != want[1] || got.MatchedGold != want[2] || got.MatchedPred != want[3] {
				t.Fatalf("%s: got %+v, want %v", m, got, want)
			}
		}
	}
}

// bruteSpans counts gold, pred, matched gold and matched pred by comparing
// every pair.
func bruteSpans(g, p []SpanItem, m SpanMatch) [4]int64 {
	uniq := func(xs []SpanItem) []SpanItem {
		var out []SpanItem
		seen := map[string]bool{}
		for _, x := range xs {
			k := fmt.Sprint(x.Doc, x.Label, x.Spans)
			if !seen[k] {
				seen[k] = true
				out = append(out, x)
			}
		}
		return out
	}
	g, p = uniq(g), uniq(p)
	same := func(a, b SpanItem) bool {
		if a.Doc != b.Doc || a.Label != b.Label {
			return false
		}
		if m == MatchExact {
			return fmt.Sprint(a.Spans) == fmt.Sprint(b.Spans)
		}
		for _, x := range a.Spans {
			for _, y := range b.Spans {
				if x.Start < y.End && y.Start < x.End {
					return true
				}
			}
		}
		return false
	}
	var mg, mp int64
	for _, x := range g {
		for _, y := range p {
			if same(x, y) {
				mg++
				break
			}
		}
	}
	for _, y := range p {
		for _, x := range g {
			if same(x, y) {
				mp++
				break
			}
		}
	}
	return [4]int64{int64(len(g)), int64(len(p)), mg, mp}
}

// TestSortRuns checks the natural merge sort used for per-document groups
// against slices.SortFunc, from presorted runs to random order.
func TestSortRuns(t *testing.T) {
	r := rand.New(rand.NewPCG(13, 14))
	byStart := func(x, y spanRec) int { return cmp.Compare(x.start, y.start) }
	var buf []spanRec
	var bounds []int
	for trial := 0; trial < 500; trial++ {
		n, runs := r.IntN(200), 1+r.IntN(20)
		var g []spanRec
		for k := 0; k < runs; k++ {
			s := int64(r.IntN(50))
			for i := 0; i < n/runs; i++ {
				s += int64(r.IntN(3))
				g = append(g, spanRec{start: s, end: int64(len(g))}) // end: original position
			}
		}
		want := slices.Clone(g)
		slices.SortStableFunc(want, byStart)
		buf, bounds = sortRuns(g, buf, bounds, byStart)
		for i := range g {
			if g[i].start != want[i].start || (len(bounds) <= maxRuns && g[i] != want[i]) {
				t.Fatalf("trial %d: position %d: got %v, want %v", trial, i, g[i], want[i])
			}
		}
	}
}
