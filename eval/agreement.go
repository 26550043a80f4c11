package eval

import (
	"cmp"
	"slices"

	"github.com/scholia-nlp/scholia"
)

// AgreementOptions configure [SpanAgreement].
type AgreementOptions struct {
	Source SpanSource
	// IgnoreLabels measures agreement on where spans are, not on their
	// labels: every span gets the label "".
	IgnoreLabels bool
	// IgnoreUnmarked changes what an annotator contributes at a position
	// that someone else marked and they did not. By default their value is
	// the category "no annotation", so disagreeing about whether a span
	// exists counts (the only way to make span annotators disagree about
	// existence). With IgnoreUnmarked their value is missing instead:
	// Krippendorff's alpha uses the positions with at least two values,
	// and Cohen's and Fleiss' kappa only positions everyone marked.
	IgnoreUnmarked bool
	// DocLengths gives each document's length (code points) for the
	// unitizing continuum, which lays the documents end to end in the order
	// of their names (so a gap may run from the end of one document into
	// the next). Give every document of the corpus, including those nobody
	// annotated: they belong to the continuum too. A document missing here,
	// or shorter than its spans, is taken to end where its last span ends.
	DocLengths map[string]int64
}

// AgreementReport is inter-annotator agreement on spans, as INCEpTION
// offers it: coding coefficients over positions, unitizing alpha over the
// text, overall, per label and pairwise.
//
// The coding study has one item per position (document and exact
// fragments) that some annotator marked; an annotator's value at an item is
// the label they gave it (see AgreementOptions.IgnoreUnmarked for the
// others). A position where one annotator gave several labels ("stacked")
// is left out of the coding coefficients, as INCEpTION does, and counted in
// StackedItems. The unitizing study lays the documents end to end into one
// continuum; alpha_U then needs no alignment of spans at all.
type AgreementReport struct {
	Annotators   []string `json:"annotators"`
	Items        int      `json:"items"`
	StackedItems int      `json:"stacked_items"`
	// Krippendorff is nominal Krippendorff's alpha over all annotators.
	Krippendorff AlphaResult `json:"krippendorff"`
	// Fleiss is Fleiss' kappa over the items every annotator has a value
	// for (all items by default); per-subject values are omitted.
	Fleiss FleissResult `json:"fleiss"`
	// AlphaU is Krippendorff's unitizing alpha over the continuum.
	AlphaU   UnitizingResult   `json:"alpha_u"`
	Pairwise PairwiseAgreement `json:"pairwise"`
	Labels   []LabelAgreement  `json:"labels"`
}

// PairwiseAgreement holds annotator x annotator matrices, in the order of
// AgreementReport.Annotators; the diagonal is 1. For a pair, the coding
// items are the positions either of the two marked (stacked positions
// excepted); Items counts them.
type PairwiseAgreement struct {
	CohenKappa        [][]float64 `json:"cohen_kappa"`
	KrippendorffAlpha [][]float64 `json:"krippendorff_alpha"`
	AlphaU            [][]float64 `json:"alpha_u"`
	// F1 is the exact-match F1 of one annotator's spans against the
	// other's (symmetric: 2*common/(n_a+n_b)); 1 when both marked nothing.
	F1    [][]float64 `json:"f1"`
	Items [][]int     `json:"items"`
}

// LabelAgreement is agreement on one label.
type LabelAgreement struct {
	Label string `json:"label"`
	// Marks counts the spans with this label, over all annotators.
	Marks int `json:"marks"`
	// KrippendorffAlpha is the category-specific alpha: nominal alpha with
	// every value other than this label merged into one.
	KrippendorffAlpha float64 `json:"krippendorff_alpha"`
	// FleissKappa is Fleiss' category kappa of this label.
	FleissKappa float64 `json:"fleiss_kappa"`
	// AlphaU is the unitizing alpha of this label.
	AlphaU float64 `json:"alpha_u"`
	// F1 is the mean pairwise exact-match F1 on this label, and PairwiseF1
	// and PairwiseAlphaU the pairwise matrices.
	F1             float64     `json:"f1"`
	PairwiseF1     [][]float64 `json:"pairwise_f1"`
	PairwiseAlphaU [][]float64 `json:"pairwise_alpha_u"`
}

// SpanAgreement measures agreement between the layers of several
// annotators (annotator name -> that annotator's annotations); see
// [AgreementReport]. Positions are found by one sort of all spans and one
// sweep, so a million spans per annotator take about a second.
func SpanAgreement(layers map[string][]scholia.Annotation, opts AgreementOptions) AgreementReport {
	names := sortedKeys(layers)
	b := newRecBuilder()
	n := 0
	for _, l := range layers {
		n += len(l)
	}
	recs := make([]spanRec, 0, n)
	for r, name := range names {
		eachSpan(layers[name], opts.Source, opts.IgnoreLabels, func(doc, label string, spans []scholia.Span) {
			rec := b.rec(doc, label, spans)
			rec.ann = int32(r)
			recs = append(recs, rec)
		})
	}
	return spanAgreement(b, recs, names, opts)
}

// SpanItemAgreement is [SpanAgreement] over items (annotator name -> items).
// opts.Source does not apply.
func SpanItemAgreement(layers map[string][]SpanItem, opts AgreementOptions) AgreementReport {
	names := sortedKeys(layers)
	b := newRecBuilder()
	var recs []spanRec
	for r, name := range names {
		for _, it := range layers[name] {
			if len(it.Spans) == 0 {
				continue
			}
			label := it.Label
			if opts.IgnoreLabels {
				label = ""
			}
			rec := b.rec(it.Doc, label, it.Spans)
			rec.ann = int32(r)
			recs = append(recs, rec)
		}
	}
	return spanAgreement(b, recs, names, opts)
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// pairIndex numbers the pairs i < j of r annotators.
func pairIndex(i, j, r int) int { return i*r - i*(i+1)/2 + j - i - 1 }

// pairTable is a contingency table of two annotators' values, dense when
// the number of categories is small.
type pairTable struct {
	k      int
	dense  []float64
	sparse map[[2]int32]float64
}

func newPairTable(k int) *pairTable {
	if k <= denseLimit {
		return &pairTable{k: k, dense: make([]float64, k*k)}
	}
	return &pairTable{k: k, sparse: map[[2]int32]float64{}}
}

func (t *pairTable) add(a, b int32) {
	if t.dense != nil {
		t.dense[int(a)*t.k+int(b)]++
	} else {
		t.sparse[[2]int32{a, b}]++
	}
}

// coefficients returns Cohen's kappa and nominal Krippendorff's alpha of
// the table (two coders, no missing values), and its number of items.
func (t *pairTable) coefficients() (kappa, alpha float64, items int) {
	row, col := make([]float64, t.k), make([]float64, t.k)
	var n, diag float64
	each := func(a, b int, v float64) {
		row[a] += v
		col[b] += v
		n += v
		if a == b {
			diag += v
		}
	}
	if t.dense != nil {
		for i, v := range t.dense {
			if v != 0 {
				each(i/t.k, i%t.k, v)
			}
		}
	} else {
		for c, v := range t.sparse {
			each(int(c[0]), int(c[1]), v)
		}
	}
	if n == 0 {
		return 1, 1, 0
	}
	var pe, sq float64
	for c := range row {
		pe += row[c] * col[c] / (n * n)
		m := row[c] + col[c]
		sq += m * m
	}
	kappa = chanceCorrect(KappaResult{ObservedAgreement: diag / n, ExpectedAgreement: pe}).Kappa
	// Two coders per item: D_o = 1 - Po; D_e over the 2n pooled values.
	nn := 2 * n
	alpha, _ = alphaFrom((n-diag)/n, (nn*nn-sq)/(nn*(nn-1)))
	return kappa, alpha, int(n)
}

// spanAgreement computes the report from records tagged with annotators.
func spanAgreement(b *recBuilder, recs []spanRec, names []string, opts AgreementOptions) AgreementReport {
	R, K := len(names), b.labels.len()
	rep := AgreementReport{Annotators: names, Labels: []LabelAgreement{}}
	// Order by position, then annotator, then label; drop repeats. A
	// counting sort groups the records by document; each document's
	// records (a few hundred) are then sorted on their own.
	byPos := func(x, y spanRec) int {
		if c := b.cmpPosition(x, y); c != 0 {
			return c
		}
		if c := cmp.Compare(x.ann, y.ann); c != 0 {
			return c
		}
		return cmp.Compare(x.label, y.label)
	}
	tmp := make([]spanRec, len(recs))
	countingSort(recs, tmp, b.docs.len(), func(r *spanRec) int32 { return r.doc })
	recs = tmp
	sortGroups(recs, func(x, y *spanRec) bool { return x.doc == y.doc }, byPos)
	recs = slices.CompactFunc(recs, func(x, y spanRec) bool {
		return x.ann == y.ann && x.label == y.label && b.cmpPosition(x, y) == 0
	})

	// Values: 0 is "no annotation", label l is l+1; -1 is missing.
	V := K + 1
	unmarked := int32(0)
	if opts.IgnoreUnmarked {
		unmarked = -1
	}
	P := R * (R - 1) / 2
	marks := make([][]int, R) // marks[annotator][label]
	for r := range marks {
		marks[r] = make([]int, K)
	}
	pairMatch := make([][]int, P) // pairMatch[pair][label]
	tables := make([]*pairTable, P)
	for p := range pairMatch {
		pairMatch[p] = make([]int, K)
		tables[p] = newPairTable(V)
	}
	coin := newCoincidence(V)
	fl := newFleissAcc(V, float64(R), false)
	first, count := make([]int, R), make([]int, R)
	vals := make([]int32, R)
	var unit, cats []int32
	var cnt []float64
	for i := 0; i < len(recs); {
		j := i + 1
		for j < len(recs) && b.cmpPosition(recs[i], recs[j]) == 0 {
			j++
		}
		group := recs[i:j]
		rep.Items++
		clear(count)
		for k, r := range group {
			if count[r.ann] == 0 {
				first[r.ann] = k
			}
			count[r.ann]++
			marks[r.ann][r.label]++
		}
		// Exact matches of every pair, per label.
		for a := 0; a < R; a++ {
			for c := a + 1; c < R; c++ {
				if count[a] == 0 || count[c] == 0 {
					continue
				}
				la, lc := group[first[a]:first[a]+count[a]], group[first[c]:first[c]+count[c]]
				pm := pairMatch[pairIndex(a, c, R)]
				for x, y := 0, 0; x < len(la) && y < len(lc); {
					switch {
					case la[x].label < lc[y].label:
						x++
					case la[x].label > lc[y].label:
						y++
					default:
						pm[la[x].label]++
						x++
						y++
					}
				}
			}
		}
		i = j
		stacked, complete := false, true
		unit = unit[:0]
		for r := 0; r < R && !stacked; r++ {
			switch count[r] {
			case 0:
				vals[r] = unmarked
			case 1:
				vals[r] = group[first[r]].label + 1
			default:
				stacked = true
			}
			if vals[r] < 0 {
				complete = false
			} else {
				unit = append(unit, vals[r])
			}
		}
		if stacked {
			rep.StackedItems++
			continue
		}
		coin.addUnit(unit)
		if complete && R >= 2 {
			cats, cnt = categoryCounts(unit, cats, cnt)
			fl.addSparse(cats, cnt)
		}
		for a := 0; a < R; a++ {
			for c := a + 1; c < R; c++ {
				if vals[a] < 0 || vals[c] < 0 || vals[a] == 0 && vals[c] == 0 {
					continue
				}
				tables[pairIndex(a, c, R)].add(vals[a], vals[c])
			}
		}
	}

	valueNames := append([]string{"(no annotation)"}, b.labels.names...)
	rep.Krippendorff = coin.alpha(make([]float64, V), Nominal)
	rep.Fleiss = fl.result(valueNames)
	if R < 2 {
		rep.Fleiss.Degenerate = true
	}
	st := continuum(b, recs, R, opts.DocLengths)
	stats := st.prepare()
	all := make([]int, R)
	for r := range all {
		all[r] = r
	}
	rep.AlphaU = st.result(stats, all)

	// Pairwise matrices.
	pairU := make([]UnitizingResult, P)
	for a := 0; a < R; a++ {
		for c := a + 1; c < R; c++ {
			pairU[pairIndex(a, c, R)] = st.result(stats, []int{a, c})
		}
	}
	pw := &rep.Pairwise
	pw.CohenKappa, pw.KrippendorffAlpha, pw.AlphaU, pw.F1 = identity(R), identity(R), identity(R), identity(R)
	pw.Items = make([][]int, R)
	for a := range pw.Items {
		pw.Items[a] = make([]int, R)
	}
	total := make([]int, R)
	for r := range marks {
		for _, m := range marks[r] {
			total[r] += m
		}
	}
	for a := 0; a < R; a++ {
		for c := a + 1; c < R; c++ {
			p := pairIndex(a, c, R)
			k, al, n := tables[p].coefficients()
			var m int
			for _, x := range pairMatch[p] {
				m += x
			}
			u := pairU[p]
			set(pw.CohenKappa, a, c, k)
			set(pw.KrippendorffAlpha, a, c, al)
			set(pw.AlphaU, a, c, u.Alpha)
			set(pw.F1, a, c, pairF1(m, total[a]+total[c]))
			pw.Items[a][c], pw.Items[c][a] = n, n
		}
	}

	// Per label, in label-name order (the order AlphaU uses).
	order := make([]int, K)
	for l := range order {
		order[l] = l
	}
	slices.SortFunc(order, func(x, y int) int { return cmp.Compare(b.labels.names[x], b.labels.names[y]) })
	for rank, l := range order {
		la := LabelAgreement{Label: b.labels.names[l], PairwiseF1: identity(R), PairwiseAlphaU: identity(R)}
		for r := range marks {
			la.Marks += marks[r][l]
		}
		la.KrippendorffAlpha = coin.categoryAlpha(int32(l + 1))
		la.FleissKappa = rep.Fleiss.Categories[l+1].Kappa
		la.AlphaU = rep.AlphaU.Categories[rank].Alpha
		la.F1 = 1
		if P > 0 {
			la.F1 = 0
		}
		for a := 0; a < R; a++ {
			for c := a + 1; c < R; c++ {
				p := pairIndex(a, c, R)
				f := pairF1(pairMatch[p][l], marks[a][l]+marks[c][l])
				set(la.PairwiseF1, a, c, f)
				set(la.PairwiseAlphaU, a, c, pairU[p].Categories[rank].Alpha)
				la.F1 += f / float64(P)
			}
		}
		rep.Labels = append(rep.Labels, la)
	}
	return rep
}

// pairF1 is 2*common/(n_a+n_b), 1 when both are empty.
func pairF1(common, marks int) float64 {
	if marks == 0 {
		return 1
	}
	return 2 * float64(common) / float64(marks)
}

func identity(n int) [][]float64 {
	m := make([][]float64, n)
	for i := range m {
		m[i] = make([]float64, n)
		m[i][i] = 1
	}
	return m
}

func set(m [][]float64, a, c int, v float64) { m[a][c], m[c][a] = v, v }

// categoryCounts returns the distinct values of a unit and their counts.
func categoryCounts(unit []int32, cats []int32, cnt []float64) ([]int32, []float64) {
	cats, cnt = cats[:0], cnt[:0]
outer:
	for _, v := range unit {
		for i, c := range cats {
			if c == v {
				cnt[i]++
				continue outer
			}
		}
		cats, cnt = append(cats, v), append(cnt, 1)
	}
	return cats, cnt
}

// categoryAlpha is the category-specific alpha of value c: nominal alpha
// after merging every other value into one.
func (c *coincidence) categoryAlpha(v int32) float64 {
	var n, other float64
	for _, x := range c.n {
		n += x
	}
	c.each(func(a, b int, o float64) {
		if (a == int(v)) != (b == int(v)) {
			other += o
		}
	})
	nc := c.n[v]
	if n < 2 {
		return 1
	}
	a, _ := alphaFrom(2*other/n, 2*nc*(n-nc)/(n*(n-1)))
	return a
}

// cmpPosition orders records by document, bounds and fragments.
func (b *recBuilder) cmpPosition(x, y spanRec) int {
	if c := cmp.Compare(x.doc, y.doc); c != 0 {
		return c
	}
	if c := cmp.Compare(x.start, y.start); c != 0 {
		return c
	}
	if c := cmp.Compare(x.end, y.end); c != 0 {
		return c
	}
	return b.cmpFrags(x, y)
}

// continuum builds the unitizing study of the records (sorted by
// position): the documents of the records and of lengths, laid end to end
// in the order of their names.
func continuum(b *recBuilder, recs []spanRec, raters int, lengths map[string]int64) *uStudy {
	for _, name := range sortedKeys(lengths) {
		b.docs.id(name)
	}
	D, K := b.docs.len(), b.labels.len()
	docLen := make([]int64, D)
	for d, name := range b.docs.names {
		docLen[d] = max(lengths[name], 0)
	}
	for _, r := range recs {
		docLen[r.doc] = max(docLen[r.doc], r.end)
	}
	docs := make([]int, D)
	for d := range docs {
		docs[d] = d
	}
	slices.SortFunc(docs, func(x, y int) int { return cmp.Compare(b.docs.names[x], b.docs.names[y]) })
	offset := make([]int64, D)
	var total int64
	for _, d := range docs {
		offset[d] = total
		total += docLen[d]
	}
	order := make([]int, K)
	for l := range order {
		order[l] = l
	}
	slices.SortFunc(order, func(x, y int) int { return cmp.Compare(b.labels.names[x], b.labels.names[y]) })
	rank := make([]int, K)
	st := &uStudy{begin: 0, length: total, raters: raters, names: make([]string, K), cats: make([][][]seg, K)}
	for i, l := range order {
		rank[l] = i
		st.names[i] = b.labels.names[l]
		st.cats[i] = make([][]seg, raters)
	}
	size := make([]int, K*raters)
	for _, r := range recs {
		n := 1
		if r.multi >= 0 {
			n = len(b.multi[r.multi])
		}
		size[int(r.label)*raters+int(r.ann)] += n
	}
	for l := 0; l < K; l++ {
		for a := 0; a < raters; a++ {
			st.cats[rank[l]][a] = make([]seg, 0, size[l*raters+a])
		}
	}
	add := func(c [][]seg, ann int32, o, s, e int64) {
		if s >= 0 && e > s { // else not a unit of the continuum
			c[ann] = append(c[ann], seg{o + s, o + e})
		}
	}
	for _, r := range recs {
		c := st.cats[rank[r.label]]
		o := offset[r.doc]
		if r.multi < 0 {
			add(c, r.ann, o, r.start, r.end)
			continue
		}
		for _, f := range b.multi[r.multi] {
			add(c, r.ann, o, f.Start, f.End)
		}
	}
	for c := range st.cats {
		for r := range st.cats[c] {
			st.cats[c][r], _ = disjoint(st.cats[c][r])
		}
	}
	return st
}
