package eval

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/scholia-nlp/scholia"
)

// corefCases mirrors testdata/coref_conll_v801.json: the 36 cases of the
// CoNLL reference coreference scorer v8.01 (conll/reference-coreference-
// scorers @ f49f3f8a, test/CorefMetricTestConfig.pm; Pradhan et al. 2014),
// with key and response clusters as [start, end] inclusive token indices.
type corefCases struct {
	Tolerance float64 `json:"tolerance"`
	Cases     []struct {
		Name     string                        `json:"name"`
		Key      [][][2]int64                  `json:"key"`
		Response [][][2]int64                  `json:"response"`
		Expected map[string]map[string]float64 `json:"expected"`
	} `json:"cases"`
}

func toKeys(cl [][][2]int64) [][]MentionKey {
	out := make([][]MentionKey, len(cl))
	for i, c := range cl {
		for _, m := range c {
			out[i] = append(out[i], MentionKey{Doc: "d", Start: m[0], End: m[1] + 1})
		}
	}
	return out
}

// TestCorefCoNLLScorer runs all 36 cases of the CoNLL scorer v8.01's own
// test configuration and checks every listed metric (recall, precision and
// F1) at the tolerance the scorer's tests use (1e-4).
func TestCorefCoNLLScorer(t *testing.T) {
	var d corefCases
	loadJSON(t, "coref_conll_v801.json", &d)
	if len(d.Cases) != 36 || d.Tolerance != 1e-4 {
		t.Fatalf("%d cases, tolerance %v; want 36 and 1e-4", len(d.Cases), d.Tolerance)
	}
	checked := 0
	for _, c := range d.Cases {
		t.Run(c.Name, func(t *testing.T) {
			rep := ScoreCoref(toKeys(c.Key), toKeys(c.Response), CorefOptions{})
			got := map[string]CorefScore{"muc": rep.MUC, "bcub": rep.BCubed, "ceafm": rep.CEAFm, "ceafe": rep.CEAFe, "blanc": rep.BLANC.CorefScore}
			for metric, e := range c.Expected {
				g, ok := got[metric]
				if !ok {
					t.Fatalf("unknown metric %s", metric)
				}
				near(t, metric+" recall", g.Recall, e["r"], d.Tolerance)
				near(t, metric+" precision", g.Precision, e["p"], d.Tolerance)
				near(t, metric+" F1", g.F1, e["f"], d.Tolerance)
				checked++
			}
			mustJSON(t, rep)
		})
	}
	if checked != 91 { // the (case, metric) pairs CorefMetricTestConfig.pm lists
		t.Errorf("%d metric checks ran, want 91", checked)
	}
}

// TestCorefEdgeCases pins the values of degenerate inputs.
func TestCorefEdgeCases(t *testing.T) {
	m := func(doc string, s int64) MentionKey { return MentionKey{Doc: doc, Start: s, End: s + 1} }
	a, b, c := m("d", 0), m("d", 2), m("d", 4)
	t.Run("nothing at all", func(t *testing.T) {
		rep := ScoreCoref(nil, nil, CorefOptions{})
		if rep.CoNLL != 0 || rep.MUC.F1 != 0 || rep.BLANC.F1 != 0 || rep.Mentions.F1 != 0 {
			t.Errorf("%+v", rep)
		}
		mustJSON(t, rep)
	})
	t.Run("identical with links", func(t *testing.T) {
		k := [][]MentionKey{{a, b}, {c}}
		rep := ScoreCoref(k, k, CorefOptions{})
		for name, s := range map[string]CorefScore{"muc": rep.MUC, "b3": rep.BCubed, "ceafm": rep.CEAFm, "ceafe": rep.CEAFe, "blanc": rep.BLANC.CorefScore} {
			near(t, name, s.F1, 1, 1e-12)
		}
		near(t, "conll", rep.CoNLL, 1, 1e-12)
	})
	t.Run("empty response", func(t *testing.T) {
		rep := ScoreCoref([][]MentionKey{{a, b}}, nil, CorefOptions{})
		if rep.CoNLL != 0 || rep.Mentions.Recall != 0 {
			t.Errorf("%+v", rep)
		}
	})
	t.Run("duplicates and empty clusters", func(t *testing.T) {
		rep := ScoreCoref([][]MentionKey{{a, b, a}, {}}, [][]MentionKey{{a, b}, {b}, {}}, CorefOptions{})
		if rep.KeyDuplicates != 1 || rep.ResponseDuplicates != 1 {
			t.Errorf("duplicates %d %d", rep.KeyDuplicates, rep.ResponseDuplicates)
		}
		near(t, "conll", rep.CoNLL, 1, 1e-12)
	})
}

// TestCorefCrossDocument checks that clusters spanning documents are
// scored as one partition, and cut per document with PerDocument.
func TestCorefCrossDocument(t *testing.T) {
	m := func(doc string, s int64) MentionKey { return MentionKey{Doc: doc, Start: s, End: s + 1} }
	key := [][]MentionKey{{m("d1", 0), m("d2", 0)}, {m("d1", 5)}}
	// The response finds each document's mentions but does not link across.
	resp := [][]MentionKey{{m("d1", 0)}, {m("d2", 0)}, {m("d1", 5)}}
	whole := ScoreCoref(key, resp, CorefOptions{})
	if whole.MUC.Recall != 0 || whole.Documents != 1 {
		t.Errorf("cross-document MUC recall %v, want 0", whole.MUC.Recall)
	}
	per := ScoreCoref(key, resp, CorefOptions{PerDocument: true})
	if per.Documents != 2 {
		t.Errorf("documents = %d", per.Documents)
	}
	// Cut per document nothing is missing: B-cubed and CEAF-e are perfect,
	// and MUC is 0 because no document has a link (the scorer's 0/0 rule).
	near(t, "per-document B3", per.BCubed.F1, 1, 1e-12)
	near(t, "per-document CEAF-e", per.CEAFe.F1, 1, 1e-12)
	near(t, "per-document MUC", per.MUC.F1, 0, 1e-12)
	if whole.CoNLL >= per.CoNLL {
		t.Errorf("whole %v, per document %v", whole.CoNLL, per.CoNLL)
	}
}

// TestCorefBigComponent checks CEAF on a group of many overlapping clusters
// against a brute-force-free bound: the optimal alignment is at least the
// greedy one and at most the total overlap.
func TestCorefBigComponent(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	var key, resp [][]MentionKey
	for i := 0; i < 60; i++ {
		var k []MentionKey
		for j := 0; j < 5; j++ {
			k = append(k, MentionKey{Doc: "d", Start: int64(i*5 + j), End: int64(i*5 + j + 1)})
		}
		key = append(key, k)
	}
	var all []MentionKey
	for _, k := range key {
		all = append(all, k...)
	}
	r.Shuffle(len(all), func(i, j int) { all[i], all[j] = all[j], all[i] })
	for i := 0; i < len(all); i += 7 {
		resp = append(resp, all[i:min(i+7, len(all))])
	}
	rep := ScoreCoref(key, resp, CorefOptions{})
	if rep.CEAFm.RecallNum > 300 || rep.CEAFm.RecallNum < 43 {
		t.Errorf("CEAF-m numerator %v out of range", rep.CEAFm.RecallNum)
	}
	mustJSON(t, rep)
}

// TestMaxWeightAssignment checks the Hungarian algorithm against brute
// force on random matrices of several shapes.
func TestMaxWeightAssignment(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for trial := 0; trial < 300; trial++ {
		n, m := 1+r.IntN(6), 1+r.IntN(6)
		w := make([][]float64, n)
		for i := range w {
			w[i] = make([]float64, m)
			for j := range w[i] {
				w[i][j] = math.Floor(r.Float64() * 10)
			}
		}
		assign, total := MaxWeightAssignment(w)
		best := bruteAssign(w, 0, make([]bool, m))
		if math.Abs(total-best) > 1e-9 {
			t.Fatalf("%v: total %v, brute force %v", w, total, best)
		}
		used := map[int]bool{}
		var sum float64
		for i, j := range assign {
			if j < 0 {
				continue
			}
			if used[j] {
				t.Fatalf("column %d used twice", j)
			}
			used[j] = true
			sum += w[i][j]
		}
		if math.Abs(sum-total) > 1e-9 || len(used) != min(n, m) {
			t.Fatalf("assignment %v does not add up to %v", assign, total)
		}
	}
	if a, tot := MaxWeightAssignment(nil); len(a) != 0 || tot != 0 {
		t.Error("empty matrix")
	}
	if a, _ := MaxWeightAssignment([][]float64{{}, {}}); a[0] != -1 || a[1] != -1 {
		t.Error("no columns")
	}
}

func bruteAssign(w [][]float64, i int, used []bool) float64 {
	if i == len(w) {
		return 0
	}
	best := bruteAssign(w, i+1, used) // row i unassigned
	for j := range used {
		if !used[j] {
			used[j] = true
			best = max(best, w[i][j]+bruteAssign(w, i+1, used))
			used[j] = false
		}
	}
	return best
}

// TestCorefClusters checks the conversion from annotations.
func TestCorefClusters(t *testing.T) {
	sp := func(s, e int64) []scholia.Span { return []scholia.Span{{Start: s, End: e}} }
	anns := []scholia.Annotation{
		{ID: 1, Document: "d1", Kind: scholia.KindMention, Label: "PER", Spans: sp(0, 5)},
		{ID: 2, Document: "d2", Kind: scholia.KindMention, Label: "PER", Spans: sp(3, 8)},
		{ID: 3, Document: "d2", Kind: scholia.KindMention, Label: "ORG", Spans: []scholia.Span{{Start: 10, End: 12}, {Start: 14, End: 16}}},
		{ID: 4, Document: "d1", Kind: scholia.KindEvent, Label: "Conflict.Attack", Spans: sp(20, 25)},
		{ID: 9, Kind: scholia.KindCluster, Label: "entity", Cluster: &scholia.ClusterFields{Members: []int64{1, 2, 77, 4}}},
	}
	cl, unresolved := CorefClusters(anns, "entity", true)
	want := [][]MentionKey{
		{{Doc: "d1", Start: 0, End: 5}, {Doc: "d2", Start: 3, End: 8}},
		{{Doc: "d2", Start: 10, End: 16, Inner: "10-12,14-16"}},
	}
	if unresolved != 2 || len(cl) != 2 || len(cl[0]) != 2 || cl[0][1] != want[0][1] || cl[1][0] != want[1][0] {
		t.Errorf("got %v (%d unresolved), want %v", cl, unresolved, want)
	}
	cl, _ = CorefClusters(anns, "event", true)
	if len(cl) != 1 || cl[0][0].Start != 20 {
		t.Errorf("event singletons: %v", cl)
	}
}
