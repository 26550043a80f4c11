package eval

import (
	"bufio"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// readConll reads a conlleval input file: one token per line, the last two
// fields the gold and predicted tags, sentences separated by empty lines.
func readConll(t *testing.T, name string) (gold, pred [][]string) {
	t.Helper()
	f, err := os.Open(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var g, p []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fs := strings.Fields(sc.Text())
		if len(fs) == 0 {
			if len(g) > 0 {
				gold, pred = append(gold, g), append(pred, p)
				g, p = nil, nil
			}
			continue
		}
		g, p = append(g, fs[len(fs)-2]), append(p, fs[len(fs)-1])
	}
	if len(g) > 0 {
		gold, pred = append(gold, g), append(pred, p)
	}
	return gold, pred
}

// TestConllevalCoNLL2000 checks the conlleval port on the CoNLL-2000
// output example (input: seqeval @ cd01b521 tests/data/ground_truth.txt;
// expected: the conlleval result published on the CoNLL-2000 page,
// https://www.clips.uantwerpen.be/conll2000/chunking/output.html): 961
// tokens, 459 phrases, 539 found, 371 correct, and the printed percentages
// (2 decimals) overall and per type with the per-type found counts. Token
// accuracy is not checked: the page says to ignore it and its two versions
// disagree.
func TestConllevalCoNLL2000(t *testing.T) {
	gold, pred := readConll(t, "conll2000_output.txt")
	r, err := Conlleval(gold, pred)
	if err != nil {
		t.Fatal(err)
	}
	if r.Tokens != 961 || r.GoldChunks != 459 || r.FoundChunks != 539 || r.CorrectChunks != 371 {
		t.Errorf("counts %d tokens %d phrases %d found %d correct; want 961 459 539 371", r.Tokens, r.GoldChunks, r.FoundChunks, r.CorrectChunks)
	}
	pct := func(what string, got, want float64) { t.Helper(); near(t, what, 100*got, want, 0.005) }
	pct("precision", r.Overall.Precision, 68.83)
	pct("recall", r.Overall.Recall, 80.83)
	pct("FB1", r.Overall.F1, 74.35)
	want := []struct {
		typ      string
		p, r, f  float64
		found    int64
		matching bool
	}{
		{"ADJP", 0, 0, 0, 1, true},
		{"ADVP", 45.45, 62.5, 52.63, 11, true},
		{"NP", 64.98, 78.63, 71.16, 317, true},
		{"PP", 83.18, 98.89, 90.36, 107, true},
		{"SBAR", 66.67, 33.33, 44.44, 3, true},
		{"VP", 69.0, 79.31, 73.8, 100, true},
	}
	if len(r.Types) != len(want) {
		t.Fatalf("types %v", r.Types)
	}
	for i, w := range want {
		got := r.Types[i]
		if got.Label != w.typ || got.Pred != w.found {
			t.Errorf("type %d: %s found %d, want %s %d", i, got.Label, got.Pred, w.typ, w.found)
		}
		pct(w.typ+" precision", got.Precision, w.p)
		pct(w.typ+" recall", got.Recall, w.r)
		pct(w.typ+" FB1", got.F1, w.f)
	}
	// seqeval's default (lenient) mode is designed to reproduce conlleval.
	rep, err := ScoreChunks(gold, pred, ChunkOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Micro.Gold != 459 || rep.Micro.Pred != 539 || rep.Micro.MatchedPred != 371 {
		t.Errorf("lenient ScoreChunks micro %+v", rep.Micro)
	}
	mustJSON(t, r)
}

// TestSeqeval checks ScoreChunks and the chunk decoders against seqeval's
// own tests and README (chakki-works/seqeval @ cd01b521, copied from the
// project reference span_prf_conlleval_seqeval.json).
func TestSeqeval(t *testing.T) {
	t.Run("README example", func(t *testing.T) {
		// README: default mode and strict IOB2 give the same result; printed
		// with 2 decimals.
		yt := [][]string{{"O", "O", "O", "B-MISC", "I-MISC", "I-MISC", "O"}, {"B-PER", "I-PER", "O"}}
		yp := [][]string{{"O", "O", "B-MISC", "I-MISC", "I-MISC", "I-MISC", "O"}, {"B-PER", "I-PER", "O"}}
		for _, opts := range []ChunkOptions{{}, {Mode: ChunkStrict, Scheme: SchemeIOB2}} {
			r, err := ScoreChunks(yt, yp, opts)
			if err != nil {
				t.Fatal(err)
			}
			near(t, "micro f1", r.Micro.F1, 0.5, 0.005)
			near(t, "macro f1", r.Macro.F1, 0.5, 0.005)
			near(t, "weighted f1", r.Weighted.F1, 0.5, 0.005)
			near(t, "MISC f1", r.Labels[0].F1, 0, 0.005)
			near(t, "PER f1", r.Labels[1].F1, 1, 0.005)
			if r.Labels[0].Gold != 1 || r.Labels[1].Gold != 1 {
				t.Errorf("support %+v", r.Labels)
			}
		}
	})
	t.Run("v1 output dict", func(t *testing.T) {
		// tests/test_v1.py::TestClassificationReport::test_output_dict
		// (exact floats): type C appears only in the prediction and is part
		// of the macro average.
		yt := [][]string{{"B-A", "B-B", "O", "B-A"}}
		yp := [][]string{{"O", "B-B", "B-C", "B-A"}}
		r, err := ScoreChunks(yt, yp, ChunkOptions{Mode: ChunkStrict, Scheme: SchemeIOB2})
		if err != nil {
			t.Fatal(err)
		}
		exp := map[string][4]float64{"A": {1, 0.5, 0.6666666666666666, 2}, "B": {1, 1, 1, 1}, "C": {0, 0, 0, 0}}
		for _, l := range r.Labels {
			e := exp[l.Label]
			near(t, l.Label+" precision", l.Precision, e[0], 1e-12)
			near(t, l.Label+" recall", l.Recall, e[1], 1e-12)
			near(t, l.Label+" f1", l.F1, e[2], 1e-12)
			near(t, l.Label+" support", float64(l.Gold), e[3], 0)
		}
		near(t, "micro p", r.Micro.Precision, 0.6666666666666666, 1e-12)
		near(t, "micro r", r.Micro.Recall, 0.6666666666666666, 1e-12)
		near(t, "micro f1", r.Micro.F1, 0.6666666666666666, 1e-12)
		near(t, "macro p", r.Macro.Precision, 0.6666666666666666, 1e-12)
		near(t, "macro r", r.Macro.Recall, 0.5, 1e-12)
		near(t, "macro f1", r.Macro.F1, 0.5555555555555555, 1e-12)
		near(t, "weighted p", r.Weighted.Precision, 1.0, 1e-12)
		near(t, "weighted r", r.Weighted.Recall, 0.6666666666666666, 1e-12)
		near(t, "weighted f1", r.Weighted.F1, 0.7777777777777777, 1e-12)
	})
	t.Run("lenient vs strict IOB2", func(t *testing.T) {
		// tests/test_metrics.py test_conll_f1score / test_strict_f1score.
		yt, yp := [][]string{{"B-ORG", "I-ORG"}}, [][]string{{"I-ORG", "I-ORG"}}
		r, _ := ScoreChunks(yt, yp, ChunkOptions{})
		near(t, "lenient f1", r.Micro.F1, 1, 0)
		r, _ = ScoreChunks(yt, yp, ChunkOptions{Mode: ChunkStrict, Scheme: SchemeIOB2})
		near(t, "strict f1", r.Micro.F1, 0, 0)
		c, _ := Conlleval(yt, yp)
		near(t, "conlleval f1", c.Overall.F1, 1, 0)
	})
	t.Run("get_entities", func(t *testing.T) {
		// tests/test_metrics.py test_get_entities (inclusive ends there).
		tags := []string{"O", "O", "O", "B-MISC", "I-MISC", "I-MISC", "O", "B-PER", "I-PER"}
		want := []Chunk{{"MISC", 3, 6}, {"PER", 7, 9}}
		if got := ConllChunks(tags); !reflect.DeepEqual(got, want) {
			t.Errorf("ConllChunks = %v, want %v", got, want)
		}
		if got, _ := StrictChunks(tags, SchemeIOB2); !reflect.DeepEqual(got, want) {
			t.Errorf("StrictChunks = %v, want %v", got, want)
		}
	})
}

// TestChunkDecoders covers the schemes and invalid input.
func TestChunkDecoders(t *testing.T) {
	tests := []struct {
		name   string
		tags   []string
		scheme TagScheme
		strict []Chunk
		conll  []Chunk
	}{
		{"IOB2 type change", []string{"B-A", "I-B", "I-B"}, SchemeIOB2, []Chunk{{"A", 0, 1}}, []Chunk{{"A", 0, 1}, {"B", 1, 3}}},
		{"IOB1 adjacent", []string{"I-A", "I-A", "B-A", "O"}, SchemeIOB1, []Chunk{{"A", 0, 2}, {"A", 2, 3}}, []Chunk{{"A", 0, 2}, {"A", 2, 3}}},
		{"IOBES", []string{"S-A", "B-B", "I-B", "E-B", "O", "B-A", "O"}, SchemeIOBES, []Chunk{{"A", 0, 1}, {"B", 1, 4}}, nil},
		{"BILOU", []string{"U-A", "B-B", "L-B"}, SchemeBILOU, []Chunk{{"A", 0, 1}, {"B", 1, 3}}, nil},
		{"IOE2", []string{"I-A", "E-A", "E-A", "O"}, SchemeIOE2, []Chunk{{"A", 0, 2}, {"A", 2, 3}}, nil},
		{"empty", nil, SchemeIOB2, nil, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := StrictChunks(tc.tags, tc.scheme)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tc.strict) {
				t.Errorf("strict %v, want %v", got, tc.strict)
			}
			if tc.conll != nil {
				if got := ConllChunks(tc.tags); !reflect.DeepEqual(got, tc.conll) {
					t.Errorf("conll %v, want %v", got, tc.conll)
				}
			}
		})
	}
	if _, err := StrictChunks([]string{"S-A"}, SchemeIOB2); err == nil {
		t.Error("S- in IOB2: no error")
	}
	if _, err := StrictChunks([]string{"E-A"}, SchemeBILOU); err == nil {
		t.Error("E- in BILOU: no error")
	}
	if _, err := ScoreChunks([][]string{{"O"}}, [][]string{{"O", "O"}}, ChunkOptions{}); err == nil {
		t.Error("shape mismatch: no error")
	}
	if _, err := Conlleval([][]string{{"O"}}, nil); err == nil {
		t.Error("shape mismatch: no error")
	}
	// No chunks at all: ScoreChunks says 1 (empty agrees with empty),
	// Conlleval prints 0 as the script does.
	r, _ := ScoreChunks([][]string{{"O"}}, [][]string{{"O"}}, ChunkOptions{})
	c, _ := Conlleval([][]string{{"O"}}, [][]string{{"O"}})
	if r.Micro.F1 != 1 || c.Overall.F1 != 0 || c.Accuracy != 1 {
		t.Errorf("no chunks: ScoreChunks %v, Conlleval %v", r.Micro, c.Overall)
	}
}
