package eval

import (
	"cmp"
	"fmt"
	"slices"
	"sort"
)

// Unit is one unit of a unitizing study: rater Rater marked [Start, End)
// of the continuum with Category.
type Unit struct {
	Rater    int    `json:"rater"`
	Category string `json:"category"`
	Start    int64  `json:"start"`
	End      int64  `json:"end"`
}

// UnitizingStudy is the input of [AlphaU]: a continuum [Begin, End) (for
// text, code points; several documents are laid end to end), the number of
// raters (raters who marked nothing still count) and their units.
type UnitizingStudy struct {
	Begin  int64  `json:"begin"`
	End    int64  `json:"end"`
	Raters int    `json:"raters"`
	Units  []Unit `json:"units"`
}

// CategoryAlphaU is alpha_U of one category.
type CategoryAlphaU struct {
	Category             string  `json:"category"`
	Alpha                float64 `json:"alpha"`
	ObservedDisagreement float64 `json:"observed_disagreement"`
	ExpectedDisagreement float64 `json:"expected_disagreement"`
	Units                int     `json:"units"`
	// Degenerate: D_e is 0 (a trivial continuum) or fewer than two
	// raters; Alpha is then 1.
	Degenerate bool `json:"degenerate,omitempty"`
}

// UnitizingResult is Krippendorff's alpha_U overall and per category.
type UnitizingResult struct {
	// Alpha is 1 - mean_c(D_o(c)) / mean_c(D_e(c)) over the categories
	// used, as dkpro-statistics (and so INCEpTION) compute the overall
	// value.
	Alpha                float64          `json:"alpha"`
	ObservedDisagreement float64          `json:"observed_disagreement"`
	ExpectedDisagreement float64          `json:"expected_disagreement"`
	Categories           []CategoryAlphaU `json:"categories"`
	Raters               int              `json:"raters"`
	Length               int64            `json:"length"`
	// DroppedOverlaps counts units left out because the same rater had
	// already marked an overlapping stretch with the same category (alpha_U
	// needs each rater's units of one category to be disjoint); as in
	// INCEpTION, of overlapping units the one starting first, and of those
	// the longest, is kept.
	DroppedOverlaps int `json:"dropped_overlaps"`
	// Degenerate: fewer than two raters, no units at all, or a zero mean
	// D_e; Alpha (and every category's) is then 1.
	Degenerate bool `json:"degenerate,omitempty"`
}

// seg is a stretch [start, end) of the continuum.
type seg struct{ start, end int64 }

// uStudy is a unitizing study with units grouped by category and rater,
// each rater's units sorted and disjoint.
type uStudy struct {
	begin, length int64
	raters        int
	names         []string
	cats          [][][]seg // cats[category][rater]
}

// AlphaU computes Krippendorff's (1995, 2004) unitizing alpha_U, as
// dkpro-statistics' KrippendorffAlphaUnitizingAgreement does (the
// implementation INCEpTION uses). Per category, the observed disagreement
// sums, over all pairs of raters and all pairs of overlapping stretches (a
// unit or a gap between units), delta^2 = (b1-b2)^2 + (e1-e2)^2 for two
// overlapping units, l^2 for a unit of length l lying inside the other
// rater's gap, and 0 otherwise, scaled by 2/(R(R-1)L^2); the expected
// disagreement is Krippendorff's (2004) closed form over all units and gaps.
// Each category runs in O(n log n) for n units, so long continua with
// millions of units are fine.
func AlphaU(s UnitizingStudy) (UnitizingResult, error) {
	if s.End < s.Begin {
		return UnitizingResult{}, fmt.Errorf("continuum [%d,%d) ends before it begins", s.Begin, s.End)
	}
	if s.Raters < 0 {
		return UnitizingResult{}, fmt.Errorf("%d raters", s.Raters)
	}
	cats := newInterner()
	for i, u := range s.Units {
		switch {
		case u.Rater < 0 || u.Rater >= s.Raters:
			return UnitizingResult{}, fmt.Errorf("unit %d: rater %d, the study has %d", i, u.Rater, s.Raters)
		case u.End <= u.Start:
			return UnitizingResult{}, fmt.Errorf("unit %d: [%d,%d) is empty", i, u.Start, u.End)
		case u.Start < s.Begin || u.End > s.End:
			return UnitizingResult{}, fmt.Errorf("unit %d: [%d,%d) lies outside the continuum [%d,%d)", i, u.Start, u.End, s.Begin, s.End)
		}
		cats.id(u.Category)
	}
	// Order categories by name for a stable report.
	names := slices.Clone(cats.names)
	slices.Sort(names)
	ci := make(map[string]int, len(names))
	for i, n := range names {
		ci[n] = i
	}
	st := uStudy{begin: s.Begin, length: s.End - s.Begin, raters: s.Raters, names: names, cats: make([][][]seg, len(names))}
	for c := range st.cats {
		st.cats[c] = make([][]seg, s.Raters)
	}
	for _, u := range s.Units {
		c := ci[u.Category]
		st.cats[c][u.Rater] = append(st.cats[c][u.Rater], seg{u.Start, u.End})
	}
	dropped := 0
	for c := range st.cats {
		for r := range st.cats[c] {
			var d int
			st.cats[c][r], d = disjoint(st.cats[c][r])
			dropped += d
		}
	}
	res := st.alpha()
	res.DroppedOverlaps = dropped
	return res, nil
}

// disjoint sorts units by start (longest first on ties) and drops each unit
// that overlaps one kept before it.
func disjoint(us []seg) ([]seg, int) {
	order := func(a, b seg) int {
		if c := cmp.Compare(a.start, b.start); c != 0 {
			return c
		}
		return cmp.Compare(b.end, a.end)
	}
	if !slices.IsSortedFunc(us, order) {
		slices.SortFunc(us, order)
	}
	out := us[:0]
	dropped := 0
	for _, u := range us {
		if len(out) > 0 && u.start < out[len(out)-1].end {
			dropped++
			continue
		}
		out = append(out, u)
	}
	return out, dropped
}

// alpha computes the result over all raters of the study.
func (st *uStudy) alpha() UnitizingResult {
	all := make([]int, st.raters)
	for r := range all {
		all[r] = r
	}
	return st.result(st.prepare(), all)
}

// catStats are the per-category sums alpha_U needs, kept per rater (and
// per pair of raters) so that the study of any subset of raters (all of
// them, or each pair) follows without another pass over the units.
type catStats struct {
	units   int
	lens    []int64     // the distinct unit lengths, ascending
	count   [][]float64 // count[rater][d]: units of length lens[d]
	gapCnt  [][]float64 // gapCnt[rater][d]: gaps g with lens[d] <= g < lens[d+1]
	gapSum  [][]float64 // and their total length
	sqLen   []float64   // per rater, sum of l(l-1) over units
	nUnits  []float64   // per rater
	pairSum []float64   // per pair of raters (pairIndex), sum of delta^2
}

// prepare computes the statistics of every category.
func (st *uStudy) prepare() []catStats {
	out := make([]catStats, len(st.cats))
	R := st.raters
	for c, byRater := range st.cats {
		cs := &out[c]
		idx := newLengthIndex(byRater)
		cs.lens = idx.lens
		for _, us := range byRater {
			cs.units += len(us)
		}
		D := len(cs.lens)
		cs.count, cs.gapCnt, cs.gapSum = make([][]float64, R), make([][]float64, R), make([][]float64, R)
		cs.sqLen, cs.nUnits = make([]float64, R), make([]float64, R)
		for r, us := range byRater {
			cs.count[r], cs.gapCnt[r], cs.gapSum[r] = make([]float64, D), make([]float64, D), make([]float64, D)
			gap := func(g int64) {
				// The bucket of the longest unit length that fits in g.
				d := sort.Search(D, func(i int) bool { return cs.lens[i] > g }) - 1
				if d >= 0 {
					cs.gapCnt[r][d]++
					cs.gapSum[r][d] += float64(g)
				}
			}
			pos, end := st.begin, st.begin+st.length
			for _, u := range us {
				l := u.end - u.start
				cs.count[r][idx.of(l)]++
				cs.sqLen[r] += float64(l) * float64(l-1)
				cs.nUnits[r]++
				if u.start > pos {
					gap(u.start - pos)
				}
				pos = u.end
			}
			if pos < end {
				gap(end - pos)
			}
		}
		cs.pairSum = make([]float64, R*(R-1)/2)
		for a := 0; a < R; a++ {
			for b := a + 1; b < R; b++ {
				cs.pairSum[pairIndex(a, b, R)] = st.pairDistance(byRater[a], byRater[b])
			}
		}
	}
	return out
}

// lengthIndex numbers the distinct unit lengths of a category in
// ascending order: through a table when they are short (the usual case),
// through a map otherwise.
type lengthIndex struct {
	lens  []int64
	table []int32
	m     map[int64]int32
}

const lengthTableLimit = 1 << 16

func newLengthIndex(byRater [][]seg) lengthIndex {
	var maxLen int64
	for _, us := range byRater {
		for _, u := range us {
			maxLen = max(maxLen, u.end-u.start)
		}
	}
	var li lengthIndex
	if maxLen < lengthTableLimit {
		seen := make([]bool, maxLen+1)
		for _, us := range byRater {
			for _, u := range us {
				seen[u.end-u.start] = true
			}
		}
		li.table = make([]int32, maxLen+1)
		for l, ok := range seen {
			if ok {
				li.table[l] = int32(len(li.lens))
				li.lens = append(li.lens, int64(l))
			}
		}
		return li
	}
	li.m = map[int64]int32{}
	for _, us := range byRater {
		for _, u := range us {
			li.m[u.end-u.start] = 0
		}
	}
	for l := range li.m {
		li.lens = append(li.lens, l)
	}
	slices.Sort(li.lens)
	for i, l := range li.lens {
		li.m[l] = int32(i)
	}
	return li
}

func (li *lengthIndex) of(l int64) int {
	if li.table != nil {
		return int(li.table[l])
	}
	return int(li.m[l])
}

// result computes alpha_U for a subset of the raters (indices ascending).
func (st *uStudy) result(stats []catStats, raters []int) UnitizingResult {
	R := len(raters)
	res := UnitizingResult{Raters: R, Length: st.length, Categories: []CategoryAlphaU{}}
	var sumDo, sumDe float64
	for c := range stats {
		do, de, n := st.observed(&stats[c], raters), st.expected(&stats[c], raters), 0
		for _, r := range raters {
			n += int(stats[c].nUnits[r])
		}
		ca := CategoryAlphaU{Category: st.names[c], ObservedDisagreement: do, ExpectedDisagreement: de, Units: n}
		ca.Alpha, ca.Degenerate = alphaFrom(do, de)
		res.Categories = append(res.Categories, ca)
		sumDo += do
		sumDe += de
	}
	if k := float64(len(stats)); k > 0 {
		res.ObservedDisagreement, res.ExpectedDisagreement = sumDo/k, sumDe/k
	}
	res.Alpha, res.Degenerate = alphaFrom(res.ObservedDisagreement, res.ExpectedDisagreement)
	if R < 2 { // nobody to disagree with
		res.Alpha, res.Degenerate = 1, true
		for i := range res.Categories {
			res.Categories[i].Alpha, res.Categories[i].Degenerate = 1, true
		}
	}
	return res
}

// alphaFrom is 1 - do/de, or the degenerate 1 when de is 0.
func alphaFrom(do, de float64) (float64, bool) {
	if de <= 0 {
		return 1, true
	}
	return 1 - do/de, false
}

// stretch is a unit or a gap of one rater's tiling of the continuum.
type stretch struct {
	seg
	unit bool
}

// tiling walks the units and gaps of one rater's sorted, disjoint units
// from the beginning of the continuum to its end, without allocating.
type tiling struct {
	units    []seg
	i        int
	pos, end int64
}

// next returns the next stretch, or false at the end of the continuum.
func (t *tiling) next() (stretch, bool) {
	if t.pos >= t.end {
		return stretch{}, false
	}
	if t.i < len(t.units) {
		u := t.units[t.i]
		if u.start > t.pos {
			s := stretch{seg{t.pos, u.start}, false}
			t.pos = u.start
			return s, true
		}
		t.i++
		t.pos = u.end
		return stretch{u, true}, true
	}
	s := stretch{seg{t.pos, t.end}, false}
	t.pos = t.end
	return s, true
}

// distance is dkpro-statistics' measureDistance for two overlapping
// stretches.
func distance(a, b stretch) float64 {
	switch {
	case a.unit && b.unit:
		db, de := float64(a.start-b.start), float64(a.end-b.end)
		return db*db + de*de
	case a.unit && a.start >= b.start && a.end <= b.end:
		l := float64(a.end - a.start)
		return l * l
	case b.unit && b.start >= a.start && b.end <= a.end:
		l := float64(b.end - b.start)
		return l * l
	}
	return 0
}

// pairDistance sums delta^2 over the overlapping stretches of two raters'
// tilings (both tile the continuum, so a merge walks the overlapping pairs).
func (st *uStudy) pairDistance(a, b []seg) float64 {
	end := st.begin + st.length
	ta, tb := tiling{units: a, pos: st.begin, end: end}, tiling{units: b, pos: st.begin, end: end}
	x, okA := ta.next()
	y, okB := tb.next()
	var sum float64
	for okA && okB {
		sum += distance(x, y)
		switch {
		case x.end < y.end:
			x, okA = ta.next()
		case x.end > y.end:
			y, okB = tb.next()
		default:
			x, okA = ta.next()
			y, okB = tb.next()
		}
	}
	return sum
}

// observed returns D_o of one category for a subset of raters:
// 2 sum_{pairs} sum delta^2 / (R(R-1) L^2).
func (st *uStudy) observed(cs *catStats, raters []int) float64 {
	R := len(raters)
	if R < 2 || st.length == 0 {
		return 0
	}
	var sum float64
	for i, a := range raters {
		for _, b := range raters[i+1:] {
			sum += cs.pairSum[pairIndex(a, b, st.raters)]
		}
	}
	L := float64(st.length)
	return 2 * sum / (float64(R*(R-1)) * L * L)
}

// expected returns D_e of one category for a subset of raters
// (Krippendorff 2004, as dkpro-statistics computes it):
//
//	D_e = 2/L * sum_units [ (N_c-1)(2l^3-3l^2+l)/3 + l^2 sum_{gaps g >= l} (g-l+1) ]
//	      / (R L (R L - 1) - sum_units l(l-1))
//
// with N_c the units of the category and the gaps those of all R raters.
func (st *uStudy) expected(cs *catStats, raters []int) float64 {
	R, L := float64(len(raters)), float64(st.length)
	if len(raters) == 0 || st.length == 0 {
		return 0
	}
	D := len(cs.lens)
	var nc, sqLen float64
	count := make([]float64, D)
	gCnt, gSum := make([]float64, D+1), make([]float64, D+1) // suffix sums: gaps >= lens[d]
	for _, r := range raters {
		nc += cs.nUnits[r]
		sqLen += cs.sqLen[r]
		for d := 0; d < D; d++ {
			count[d] += cs.count[r][d]
			gCnt[d] += cs.gapCnt[r][d]
			gSum[d] += cs.gapSum[r][d]
		}
	}
	for d := D - 1; d >= 0; d-- {
		gCnt[d] += gCnt[d+1]
		gSum[d] += gSum[d+1]
	}
	var sum float64
	for d, li := range cs.lens {
		if count[d] == 0 {
			continue
		}
		l := float64(li)
		per := (nc-1)*(2*l*l*l-3*l*l+l)/3 + l*l*(gSum[d]-(l-1)*gCnt[d])
		sum += count[d] * per
	}
	den := R*L*(R*L-1) - sqLen
	if den <= 0 {
		return 0
	}
	return sum * 2 / L / den
}
