package eval

import (
	"slices"
	"strings"
)

// PRF is precision, recall and F1 with the counts they come from.
//
// Precision is MatchedPred/Pred and recall is MatchedGold/Gold. Under exact
// matching and set semantics the two numerators are equal; they differ under
// overlap matching (one predicted span may overlap two gold spans) and under
// the DyGIE++ list convention for events. A zero denominator gives 0, F1 is 0
// when P+R is 0, and when Gold and Pred are both 0 all three values are 1
// (nothing to find, nothing found); see the package documentation.
type PRF struct {
	Gold        int64   `json:"gold"`
	Pred        int64   `json:"pred"`
	MatchedGold int64   `json:"matched_gold"`
	MatchedPred int64   `json:"matched_pred"`
	Precision   float64 `json:"precision"`
	Recall      float64 `json:"recall"`
	F1          float64 `json:"f1"`
}

// NewPRF computes precision, recall and F1 from counts, with the package's
// conventions for empty denominators (see [PRF]).
func NewPRF(gold, pred, matchedGold, matchedPred int64) PRF {
	r := PRF{Gold: gold, Pred: pred, MatchedGold: matchedGold, MatchedPred: matchedPred}
	if gold == 0 && pred == 0 {
		r.Precision, r.Recall, r.F1 = 1, 1, 1
		return r
	}
	r.Precision = ratio(float64(matchedPred), float64(pred))
	r.Recall = ratio(float64(matchedGold), float64(gold))
	r.F1 = f1(r.Precision, r.Recall)
	return r
}

// ratio is num/den, or 0 when den is 0 (the conlleval, seqeval and CoNLL
// scorer rule).
func ratio(num, den float64) float64 {
	if den == 0 {
		return 0
	}
	return num / den
}

// f1 is the harmonic mean of p and r, 0 when both are 0.
func f1(p, r float64) float64 {
	if p+r == 0 {
		return 0
	}
	return 2 * p * r / (p + r)
}

// Averages are precision, recall and F1 averaged over labels.
type Averages struct {
	Precision float64 `json:"precision"`
	Recall    float64 `json:"recall"`
	F1        float64 `json:"f1"`
}

// LabelPRF is the score of one label (entity type, event type, role, chunk
// type...).
type LabelPRF struct {
	Label string `json:"label"`
	PRF
}

// PRFReport is a score broken down by label, with the three usual averages.
//
// Micro sums the counts of all labels and divides once. Macro is the
// unweighted mean of the per-label precision, recall and F1 (F1 is the mean
// of the per-label F1 values, as in seqeval and scikit-learn, not the harmonic
// mean of the macro precision and recall); every label either side uses
// counts, so a label only the prediction uses pulls the macro average down.
// Weighted weights each label by its gold count (support). With no labels at
// all, the averages are 1 (empty layers agree); with labels but no gold
// items, Weighted is 0.
type PRFReport struct {
	Micro    PRF        `json:"micro"`
	Macro    Averages   `json:"macro"`
	Weighted Averages   `json:"weighted"`
	Labels   []LabelPRF `json:"labels"`
}

// NewPRFReport sorts labels by name and computes the micro, macro and
// weighted averages over them.
func NewPRFReport(labels []LabelPRF) PRFReport {
	labels = slices.Clone(labels)
	slices.SortFunc(labels, func(a, b LabelPRF) int { return strings.Compare(a.Label, b.Label) })
	var g, p, mg, mp int64
	for _, l := range labels {
		g += l.Gold
		p += l.Pred
		mg += l.MatchedGold
		mp += l.MatchedPred
	}
	rep := PRFReport{Micro: NewPRF(g, p, mg, mp), Labels: labels}
	if rep.Labels == nil {
		rep.Labels = []LabelPRF{}
	}
	if len(labels) == 0 {
		rep.Macro = Averages{1, 1, 1}
		rep.Weighted = Averages{1, 1, 1}
		return rep
	}
	n := float64(len(labels))
	for _, l := range labels {
		rep.Macro.Precision += l.Precision / n
		rep.Macro.Recall += l.Recall / n
		rep.Macro.F1 += l.F1 / n
		if g > 0 {
			w := float64(l.Gold) / float64(g)
			rep.Weighted.Precision += l.Precision * w
			rep.Weighted.Recall += l.Recall * w
			rep.Weighted.F1 += l.F1 * w
		}
	}
	return rep
}

// Accuracy is a share of correct decisions.
type Accuracy struct {
	Correct int64   `json:"correct"`
	Total   int64   `json:"total"`
	Value   float64 `json:"value"` // Correct/Total; 1 when Total is 0 (nothing to get wrong)
}

// NewAccuracy returns correct/total, 1 when total is 0.
func NewAccuracy(correct, total int64) Accuracy {
	a := Accuracy{Correct: correct, Total: total, Value: 1}
	if total > 0 {
		a.Value = float64(correct) / float64(total)
	}
	return a
}

// interner maps strings to dense int32 ids in first-seen order.
type interner struct {
	ids   map[string]int32
	names []string
	last  string
	lastI int32
}

func newInterner() *interner { return &interner{ids: map[string]int32{}, lastI: -1} }

// id returns s's id, adding it if new. Consecutive calls with the same
// string (the common case: annotations grouped by document) skip the map.
func (in *interner) id(s string) int32 {
	if in.lastI >= 0 && s == in.last {
		return in.lastI
	}
	if len(in.names) <= 8 { // a few labels: a scan beats hashing
		for i, n := range in.names {
			if n == s {
				in.last, in.lastI = s, int32(i)
				return int32(i)
			}
		}
	}
	i, ok := in.ids[s]
	if !ok {
		i = int32(len(in.names))
		in.ids[s] = i
		in.names = append(in.names, s)
	}
	in.last, in.lastI = s, i
	return i
}

func (in *interner) len() int { return len(in.names) }
