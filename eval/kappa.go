package eval

import (
	"fmt"
	"math"
	"slices"
)

// Weighting selects the disagreement weights of a weighted kappa.
type Weighting int8

// The weightings, over category indices i and j.
const (
	Unweighted Weighting = iota // w = 0 if i == j else 1 (Cohen's kappa)
	Linear                      // w = |i-j|
	Quadratic                   // w = (i-j)^2
)

// KappaResult is a two-rater chance-corrected agreement coefficient.
type KappaResult struct {
	// Kappa is (Po-Pe)/(1-Pe) (for weighted kappa, 1 - weighted observed /
	// weighted expected disagreement).
	Kappa float64 `json:"kappa"`
	// ObservedAgreement is Po, the share of items on the diagonal.
	ObservedAgreement float64 `json:"observed_agreement"`
	// ExpectedAgreement is Pe, the agreement expected by chance.
	ExpectedAgreement float64 `json:"expected_agreement"`
	// MaxKappa is the largest kappa the two raters' marginals allow (Cohen
	// 1960): (Pmax-Pe)/(1-Pe) with Pmax = sum_k min(row_k, col_k). Only
	// for Cohen's unweighted kappa; 0 otherwise.
	MaxKappa float64 `json:"max_kappa,omitempty"`
	Items    float64 `json:"items"`
	// Degenerate is true when the formula is 0/0: no items, or expected
	// agreement 1 (both raters used one and the same category for every
	// item, so they also agree on every item). Kappa is then 1.
	Degenerate bool `json:"degenerate,omitempty"`
}

// checkSquare returns the size of a square table, or an error.
func checkSquare(table [][]float64) (int, error) {
	k := len(table)
	for i, row := range table {
		if len(row) != k {
			return 0, fmt.Errorf("contingency table row %d has %d cells, want %d", i, len(row), k)
		}
		for j, v := range row {
			if v < 0 || math.IsNaN(v) || math.IsInf(v, 0) {
				return 0, fmt.Errorf("contingency table cell [%d][%d] = %v", i, j, v)
			}
		}
	}
	return k, nil
}

// marginals returns the row and column shares and the total of a table.
func marginals(table [][]float64) (row, col []float64, n float64) {
	k := len(table)
	row, col = make([]float64, k), make([]float64, k)
	for i := range table {
		for j, v := range table[i] {
			row[i] += v
			col[j] += v
			n += v
		}
	}
	if n > 0 {
		for i := range row {
			row[i] /= n
			col[i] /= n
		}
	}
	return row, col, n
}

// CohenKappa computes Cohen's (1960) kappa from a k x k contingency table
// (rows: rater 1's categories, columns: rater 2's, in the same order):
// Pe = sum_k row_k * col_k, each rater with their own marginals. See
// [KappaResult] for the degenerate cases.
func CohenKappa(table [][]float64) (KappaResult, error) {
	return WeightedKappa(table, Unweighted)
}

// WeightedKappa computes Cohen's weighted kappa (Cohen 1968) from a k x k
// contingency table whose categories are in their natural order:
// kappa = 1 - sum(w*observed)/sum(w*expected), with w from the weighting.
// With Unweighted it equals Cohen's kappa.
func WeightedKappa(table [][]float64, w Weighting) (KappaResult, error) {
	k, err := checkSquare(table)
	if err != nil {
		return KappaResult{}, err
	}
	row, col, n := marginals(table)
	res := KappaResult{Items: n}
	if n == 0 {
		res.Kappa, res.ObservedAgreement, res.ExpectedAgreement, res.MaxKappa, res.Degenerate = 1, 1, 1, 1, true
		return res, nil
	}
	var po, pe, pmax, do, de float64
	for i := 0; i < k; i++ {
		po += table[i][i] / n
		pe += row[i] * col[i]
		pmax += math.Min(row[i], col[i])
		for j := 0; j < k; j++ {
			wt := weight(w, i, j)
			do += wt * table[i][j] / n
			de += wt * row[i] * col[j]
		}
	}
	res.ObservedAgreement, res.ExpectedAgreement = po, pe
	if de == 0 { // every weighted chance disagreement is 0: one shared category
		res.Kappa, res.Degenerate = 1, true
		if w == Unweighted {
			res.MaxKappa = 1
		}
		return res, nil
	}
	res.Kappa = 1 - do/de
	if w == Unweighted {
		res.MaxKappa = (pmax - pe) / (1 - pe)
	}
	return res, nil
}

func weight(w Weighting, i, j int) float64 {
	d := float64(i - j)
	switch w {
	case Linear:
		return math.Abs(d)
	case Quadratic:
		return d * d
	}
	if i == j {
		return 0
	}
	return 1
}

// ScottPi computes Scott's (1955) pi from a contingency table: like Cohen's
// kappa, but chance agreement uses the two raters' pooled marginals,
// Pe = sum_k ((row_k+col_k)/2)^2. Degenerate cases as in [KappaResult].
func ScottPi(table [][]float64) (KappaResult, error) {
	k, err := checkSquare(table)
	if err != nil {
		return KappaResult{}, err
	}
	row, col, n := marginals(table)
	res := KappaResult{Items: n}
	if n == 0 {
		res.Kappa, res.ObservedAgreement, res.ExpectedAgreement, res.Degenerate = 1, 1, 1, true
		return res, nil
	}
	for i := 0; i < k; i++ {
		res.ObservedAgreement += table[i][i] / n
		m := (row[i] + col[i]) / 2
		res.ExpectedAgreement += m * m
	}
	return chanceCorrect(res), nil
}

// BennettS computes Bennett, Alpert & Goldstein's (1954) S from a
// contingency table: chance agreement is uniform over the k categories,
// Pe = 1/k. With one category (or none) the result is degenerate: 1.
func BennettS(table [][]float64) (KappaResult, error) {
	k, err := checkSquare(table)
	if err != nil {
		return KappaResult{}, err
	}
	_, _, n := marginals(table)
	res := KappaResult{Items: n}
	if n == 0 || k < 2 {
		res.Kappa, res.ObservedAgreement, res.ExpectedAgreement, res.Degenerate = 1, 1, 1, true
		return res, nil
	}
	for i := 0; i < k; i++ {
		res.ObservedAgreement += table[i][i] / n
	}
	res.ExpectedAgreement = 1 / float64(k)
	return chanceCorrect(res), nil
}

// chanceCorrect fills in (Po-Pe)/(1-Pe), or the degenerate 1 when Pe is 1.
func chanceCorrect(res KappaResult) KappaResult {
	if res.ExpectedAgreement >= 1-1e-15 {
		res.Kappa, res.Degenerate = 1, true
		return res
	}
	res.Kappa = (res.ObservedAgreement - res.ExpectedAgreement) / (1 - res.ExpectedAgreement)
	return res
}

// ContingencyTable cross-tabulates two raters' labels item by item. An item
// where either label is "" (missing) is left out. The categories are the
// labels either rater used, sorted; table[i][j] counts the items rater a put
// in categories[i] and rater b in categories[j].
func ContingencyTable(a, b []string) (table [][]float64, categories []string, err error) {
	if len(a) != len(b) {
		return nil, nil, fmt.Errorf("rater a has %d items, rater b %d", len(a), len(b))
	}
	seen := map[string]bool{}
	for i := range a {
		if a[i] == "" || b[i] == "" {
			continue
		}
		for _, l := range []string{a[i], b[i]} {
			if !seen[l] {
				seen[l] = true
				categories = append(categories, l)
			}
		}
	}
	slices.Sort(categories)
	idx := make(map[string]int, len(categories))
	for i, c := range categories {
		idx[c] = i
	}
	table = make([][]float64, len(categories))
	for i := range table {
		table[i] = make([]float64, len(categories))
	}
	for i := range a {
		if a[i] == "" || b[i] == "" {
			continue
		}
		table[idx[a[i]]][idx[b[i]]]++
	}
	return table, categories, nil
}

// CohenKappaLabels computes Cohen's kappa of two raters' labels, item by
// item; items where either label is "" (missing) are left out.
func CohenKappaLabels(a, b []string) (KappaResult, error) {
	t, _, err := ContingencyTable(a, b)
	if err != nil {
		return KappaResult{}, err
	}
	return CohenKappa(t)
}

// FleissResult is Fleiss' (1971) kappa for many raters.
type FleissResult struct {
	// Kappa is (Pbar-Pe)/(1-Pe).
	Kappa float64 `json:"kappa"`
	// ObservedAgreement is Pbar, the mean over subjects of
	// P_i = (sum_j n_ij^2 - n)/(n(n-1)).
	ObservedAgreement float64 `json:"observed_agreement"`
	// ExpectedAgreement is Pe = sum_j p_j^2, p_j the share of all ratings
	// in category j.
	ExpectedAgreement float64 `json:"expected_agreement"`
	// RandolphKappa is Randolph's (2005) free-marginal kappa,
	// (Pbar - 1/k)/(1 - 1/k) over the k categories of the table.
	RandolphKappa float64 `json:"randolph_kappa"`
	Subjects      int     `json:"subjects"`
	Raters        float64 `json:"raters"` // n, the ratings per subject
	// Skipped counts subjects left out by [FleissKappaLabels] because some
	// rater gave no label.
	Skipped int `json:"skipped,omitempty"`
	// Categories gives Fleiss' category-specific kappa,
	// kappa_j = 1 - sum_i n_ij(n-n_ij) / (N n (n-1) p_j (1-p_j)).
	Categories []CategoryKappa `json:"categories"`
	// PerSubject holds P_i, in subject order (omitted by the span
	// agreement report, where it would be as long as the data).
	PerSubject []float64 `json:"per_subject,omitempty"`
	// Degenerate is true when Pe is 1 (every rating in one category, or no
	// subjects): Kappa is then 1.
	Degenerate bool `json:"degenerate,omitempty"`
}

// CategoryKappa is an agreement coefficient for one category.
type CategoryKappa struct {
	Category string  `json:"category"`
	Kappa    float64 `json:"kappa"`
	// Degenerate: the category was used for all ratings or for none
	// (p_j(1-p_j) = 0); Kappa is then 1.
	Degenerate bool `json:"degenerate,omitempty"`
}

// FleissKappa computes Fleiss' kappa from a subjects x categories table of
// counts (n_ij = raters who put subject i in category j). Every subject must
// have the same number n >= 2 of ratings; counts may be fractional. The
// categories of the result are named by column index ("0", "1", ...).
func FleissKappa(counts [][]float64) (FleissResult, error) {
	k := 0
	if len(counts) > 0 {
		k = len(counts[0])
	}
	names := make([]string, k)
	for j := range names {
		names[j] = fmt.Sprint(j)
	}
	return fleiss(counts, names)
}

func fleiss(counts [][]float64, names []string) (FleissResult, error) {
	k := len(names)
	var n float64
	for i, row := range counts {
		if len(row) != k {
			return FleissResult{}, fmt.Errorf("subject %d has %d categories, want %d", i, len(row), k)
		}
		var s float64
		for j, v := range row {
			if v < 0 || math.IsNaN(v) || math.IsInf(v, 0) {
				return FleissResult{}, fmt.Errorf("count [%d][%d] = %v", i, j, v)
			}
			s += v
		}
		if i == 0 {
			n = s
		} else if math.Abs(s-n) > 1e-9*math.Max(1, n) {
			return FleissResult{}, fmt.Errorf("subject %d has %v ratings, subject 0 has %v: Fleiss' kappa needs the same number of ratings for every subject", i, s, n)
		}
	}
	if len(counts) > 0 && n < 2 {
		return FleissResult{}, fmt.Errorf("%v ratings per subject: Fleiss' kappa needs at least 2", n)
	}
	acc := newFleissAcc(k, n, true)
	for _, row := range counts {
		acc.addDense(row)
	}
	return acc.result(names), nil
}

// fleissAcc accumulates Fleiss' kappa subject by subject, so that large
// studies need not be held as a table.
type fleissAcc struct {
	n          float64 // ratings per subject
	subjects   int
	sumP       float64
	p          []float64 // ratings per category
	disagree   []float64 // sum_i n_ij (n - n_ij)
	perSubject []float64 // kept when asked for
	keep       bool
}

func newFleissAcc(k int, n float64, keepPerSubject bool) *fleissAcc {
	return &fleissAcc{n: n, p: make([]float64, k), disagree: make([]float64, k), keep: keepPerSubject, perSubject: []float64{}}
}

// addDense adds a subject given by its counts per category.
func (f *fleissAcc) addDense(row []float64) {
	var sq float64
	for j, v := range row {
		sq += v * v
		f.p[j] += v
		f.disagree[j] += v * (f.n - v)
	}
	f.addP(sq)
}

// addSparse adds a subject given by the categories it got and their counts.
func (f *fleissAcc) addSparse(cats []int32, cnt []float64) {
	var sq float64
	for i, c := range cats {
		v := cnt[i]
		sq += v * v
		f.p[c] += v
		f.disagree[c] += v * (f.n - v)
	}
	f.addP(sq)
}

func (f *fleissAcc) addP(sq float64) {
	pi := (sq - f.n) / (f.n * (f.n - 1))
	f.sumP += pi
	f.subjects++
	if f.keep {
		f.perSubject = append(f.perSubject, pi)
	}
}

// result computes the coefficients; with fewer than 2 ratings per subject or
// no subjects they are degenerate (1).
func (f *fleissAcc) result(names []string) FleissResult {
	res := FleissResult{Subjects: f.subjects, Raters: f.n, Categories: []CategoryKappa{}}
	if f.keep {
		res.PerSubject = f.perSubject
	}
	k := len(names)
	if f.subjects == 0 || f.n < 2 {
		res.Kappa, res.ObservedAgreement, res.ExpectedAgreement, res.RandolphKappa, res.Degenerate = 1, 1, 1, 1, true
		for j := range names {
			res.Categories = append(res.Categories, CategoryKappa{Category: names[j], Kappa: 1, Degenerate: true})
		}
		return res
	}
	N, n := float64(f.subjects), f.n
	res.ObservedAgreement = f.sumP / N
	for j := range f.p {
		p := f.p[j] / (N * n)
		res.ExpectedAgreement += p * p
		ck := CategoryKappa{Category: names[j]}
		if d := p * (1 - p); d <= 0 {
			ck.Kappa, ck.Degenerate = 1, true
		} else {
			ck.Kappa = 1 - f.disagree[j]/(N*n*(n-1)*d)
		}
		res.Categories = append(res.Categories, ck)
	}
	r := chanceCorrect(KappaResult{ObservedAgreement: res.ObservedAgreement, ExpectedAgreement: res.ExpectedAgreement})
	res.Kappa, res.Degenerate = r.Kappa, r.Degenerate
	if k >= 2 {
		res.RandolphKappa = (res.ObservedAgreement - 1/float64(k)) / (1 - 1/float64(k))
	} else {
		res.RandolphKappa = 1
	}
	return res
}

// FleissKappaLabels computes Fleiss' kappa from ratings[subject][rater]
// labels. Subjects where some rater's label is "" (missing) are skipped and
// counted in Skipped, since Fleiss' kappa needs the same number of ratings
// per subject. Categories are the labels used, sorted.
func FleissKappaLabels(ratings [][]string) (FleissResult, error) {
	seen := map[string]int{}
	var names []string
	for _, row := range ratings {
		for _, l := range row {
			if _, ok := seen[l]; !ok && l != "" {
				seen[l] = 0
				names = append(names, l)
			}
		}
	}
	slices.Sort(names)
	for i, l := range names {
		seen[l] = i
	}
	var counts [][]float64
	skipped := 0
	for _, row := range ratings {
		if slices.Contains(row, "") {
			skipped++
			continue
		}
		c := make([]float64, len(names))
		for _, l := range row {
			c[seen[l]]++
		}
		counts = append(counts, c)
	}
	res, err := fleiss(counts, names)
	res.Skipped = skipped
	return res, err
}
