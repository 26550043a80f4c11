package eval

import (
	"fmt"
	"math"
	"slices"
)

// Level is a level of measurement for Krippendorff's alpha; it chooses the
// difference function delta^2(c,k) between two values.
type Level int8

// The levels of measurement (Krippendorff 2011, "Computing Krippendorff's
// alpha-reliability").
const (
	// Nominal: 0 if c == k, else 1.
	Nominal Level = iota
	// Ordinal: (sum_{g=c..k} n_g - (n_c+n_k)/2)^2, with n_g the number of
	// pairable values g and values in rank order.
	Ordinal
	// Interval: (c-k)^2.
	Interval
	// Ratio: ((c-k)/(c+k))^2 (0 when c+k is 0).
	Ratio
)

// String returns the level's name.
func (l Level) String() string {
	if l < Nominal || l > Ratio {
		return "unknown"
	}
	return [...]string{"nominal", "ordinal", "interval", "ratio"}[l]
}

// AlphaResult is Krippendorff's alpha with its parts.
type AlphaResult struct {
	Level string `json:"level"`
	// Alpha is 1 - D_o/D_e.
	Alpha float64 `json:"alpha"`
	// ObservedDisagreement is D_o = (1/n) sum_c sum_k o_ck delta^2(c,k),
	// o the coincidence matrix. For nominal data 1-D_o is the percentage
	// of agreement among pairable values.
	ObservedDisagreement float64 `json:"observed_disagreement"`
	// ExpectedDisagreement is D_e = (1/(n(n-1))) sum_c sum_k n_c n_k
	// delta^2(c,k).
	ExpectedDisagreement float64 `json:"expected_disagreement"`
	// Pairable is n, the number of values in units that have at least two.
	Pairable float64 `json:"pairable"`
	// Units counts the units with at least two values; units with fewer
	// are not pairable and do not count.
	Units int `json:"units"`
	// Degenerate is true when D_e is 0: fewer than two pairable values, or
	// all of them equal, so the data show no variation. Krippendorff leaves
	// alpha undefined there; it is reported as 1 (the observed disagreement
	// is then 0 as well: no rater differs from any other).
	Degenerate bool `json:"degenerate,omitempty"`
}

// KrippendorffAlpha computes Krippendorff's alpha of a reliability data
// matrix data[coder][unit] at the given level; a missing value is NaN
// (math.NaN()). Rows may differ in length: a unit past the end of a row is
// missing for that coder. Units with fewer than two values are ignored, as
// alpha prescribes. It runs in O(values * coders + V^2) for ordinal and ratio
// data with V distinct values, O(values * coders) otherwise.
func KrippendorffAlpha(data [][]float64, level Level) AlphaResult {
	units := 0
	for _, row := range data {
		units = max(units, len(row))
	}
	var vals []float64
	for _, row := range data {
		for _, v := range row {
			if !math.IsNaN(v) {
				vals = append(vals, v)
			}
		}
	}
	slices.Sort(vals)
	vals = slices.Compact(vals)
	idx := make(map[float64]int32, len(vals))
	for i, v := range vals {
		idx[v] = int32(i)
	}
	u := make([][]int32, units)
	for _, row := range data {
		for j, v := range row {
			if !math.IsNaN(v) {
				u[j] = append(u[j], idx[v])
			}
		}
	}
	return alphaUnits(u, vals, level)
}

// KrippendorffAlphaLabels computes nominal Krippendorff's alpha of
// data[coder][unit] labels; "" is missing.
func KrippendorffAlphaLabels(data [][]string) AlphaResult {
	in := newInterner()
	units := 0
	for _, row := range data {
		units = max(units, len(row))
	}
	u := make([][]int32, units)
	for _, row := range data {
		for j, l := range row {
			if l != "" {
				u[j] = append(u[j], in.id(l))
			}
		}
	}
	return alphaUnits(u, make([]float64, in.len()), Nominal)
}

// KrippendorffAlphaCounts computes alpha from value counts per unit:
// counts[unit][v] is how many coders gave the unit the value values[v]
// (the "value counts" input of fast-krippendorff). For nominal data values
// may be nil.
func KrippendorffAlphaCounts(counts [][]float64, values []float64, level Level) (AlphaResult, error) {
	V := len(values)
	if level == Nominal && values == nil && len(counts) > 0 {
		V = len(counts[0])
		values = make([]float64, V)
	}
	c := newCoincidence(V)
	for i, row := range counts {
		if len(row) != V {
			return AlphaResult{}, fmt.Errorf("unit %d has %d counts, want %d", i, len(row), V)
		}
		c.addCounts(row)
	}
	return c.alpha(values, level), nil
}

// alphaUnits computes alpha from each unit's value indices.
func alphaUnits(units [][]int32, values []float64, level Level) AlphaResult {
	c := newCoincidence(len(values))
	for _, u := range units {
		c.addUnit(u)
	}
	return c.alpha(values, level)
}

// denseLimit is the number of distinct values up to which the coincidence
// matrix is a dense array; above it, a map holds only the cells in use.
const denseLimit = 256

// coincidence accumulates Krippendorff's coincidence matrix o (symmetric;
// only cells c <= k are stored) and its marginals n_c.
type coincidence struct {
	v      int
	dense  []float64            // v*v cells when v <= denseLimit
	sparse map[[2]int32]float64 // otherwise
	n      []float64
	units  int
	vals   []int32 // scratch
	cnt    []float64
}

func newCoincidence(v int) *coincidence {
	c := &coincidence{v: v, n: make([]float64, v)}
	if v <= denseLimit {
		c.dense = make([]float64, v*v)
	} else {
		c.sparse = map[[2]int32]float64{}
	}
	return c
}

// add adds w to cell (a, b), a <= b.
func (c *coincidence) add(a, b int32, w float64) {
	if c.dense != nil {
		c.dense[int(a)*c.v+int(b)] += w
	} else {
		c.sparse[[2]int32{a, b}] += w
	}
}

// each calls fn for every stored cell (a <= b) with its value.
func (c *coincidence) each(fn func(a, b int, o float64)) {
	if c.dense != nil {
		for i, o := range c.dense {
			if o != 0 {
				fn(i/c.v, i%c.v, o)
			}
		}
		return
	}
	for k, o := range c.sparse {
		fn(int(k[0]), int(k[1]), o)
	}
}

// addUnit adds one unit given by the value indices its coders gave (with
// repeats). Units with fewer than two values are not pairable and add
// nothing.
func (c *coincidence) addUnit(u []int32) {
	if len(u) < 2 {
		return
	}
	c.vals = append(c.vals[:0], u...)
	slices.Sort(c.vals)
	c.cnt = c.cnt[:0]
	w := 0
	for i := 0; i < len(c.vals); {
		j := i
		for j < len(c.vals) && c.vals[j] == c.vals[i] {
			j++
		}
		c.vals[w] = c.vals[i]
		c.cnt = append(c.cnt, float64(j-i))
		w++
		i = j
	}
	c.addDistinct(c.vals[:w], c.cnt, float64(len(u)))
}

// addDistinct adds a unit of m values given as distinct ascending value
// indices and their counts.
func (c *coincidence) addDistinct(vals []int32, cnt []float64, m float64) {
	c.units++
	for a := range vals {
		c.n[vals[a]] += cnt[a]
		if cnt[a] > 1 {
			c.add(vals[a], vals[a], cnt[a]*(cnt[a]-1)/(m-1))
		}
		for b := a + 1; b < len(vals); b++ {
			c.add(vals[a], vals[b], cnt[a]*cnt[b]/(m-1))
		}
	}
}

// addCounts adds a unit given as a dense count vector.
func (c *coincidence) addCounts(row []float64) {
	var m float64
	c.vals, c.cnt = c.vals[:0], c.cnt[:0]
	for v, x := range row {
		if x > 0 {
			m += x
			c.vals = append(c.vals, int32(v))
			c.cnt = append(c.cnt, x)
		}
	}
	if m < 2 {
		return
	}
	c.addDistinct(c.vals, c.cnt, m)
}

// alpha computes the coefficient from the accumulated matrix.
func (c *coincidence) alpha(values []float64, level Level) AlphaResult {
	res := AlphaResult{Level: level.String(), Units: c.units}
	var n float64
	for _, x := range c.n {
		n += x
	}
	res.Pairable = n
	delta := c.delta(values, level)
	c.each(func(a, b int, o float64) {
		if a != b {
			res.ObservedDisagreement += 2 * o * delta(a, b)
		}
	})
	if n > 1 {
		res.ObservedDisagreement /= n
		res.ExpectedDisagreement = c.expected(values, level, delta) / (n * (n - 1))
	}
	if res.ExpectedDisagreement <= 1e-300 {
		res.Alpha, res.ExpectedDisagreement, res.Degenerate = 1, 0, true
		return res
	}
	res.Alpha = 1 - res.ObservedDisagreement/res.ExpectedDisagreement
	return res
}

// delta returns the squared difference function of the level, over value
// indices.
func (c *coincidence) delta(values []float64, level Level) func(a, b int) float64 {
	switch level {
	case Ordinal:
		// cum[i] = n_0 + ... + n_{i-1}, values already in rank order.
		cum := make([]float64, len(c.n)+1)
		for i, x := range c.n {
			cum[i+1] = cum[i] + x
		}
		return func(a, b int) float64 {
			if a > b {
				a, b = b, a
			}
			d := cum[b+1] - cum[a] - (c.n[a]+c.n[b])/2
			return d * d
		}
	case Interval:
		return func(a, b int) float64 { d := values[a] - values[b]; return d * d }
	case Ratio:
		return func(a, b int) float64 {
			s := values[a] + values[b]
			if s == 0 {
				return 0
			}
			d := (values[a] - values[b]) / s
			return d * d
		}
	}
	return func(a, b int) float64 {
		if a == b {
			return 0
		}
		return 1
	}
}

// expected returns sum_c sum_k n_c n_k delta^2(c,k).
func (c *coincidence) expected(values []float64, level Level, delta func(a, b int) float64) float64 {
	var s float64
	switch level {
	case Nominal:
		var tot, sq float64
		for _, x := range c.n {
			tot += x
			sq += x * x
		}
		return tot*tot - sq
	case Interval: // sum n_c n_k (v_c-v_k)^2 = 2(N sum n v^2 - (sum n v)^2)
		// Centre the values first to keep the difference of squares exact.
		var tot, mean float64
		for i, x := range c.n {
			tot += x
			mean += x * values[i]
		}
		if tot == 0 {
			return 0
		}
		mean /= tot
		for i, x := range c.n {
			d := values[i] - mean
			s += x * d * d
		}
		return 2 * tot * s
	}
	var used []int
	for i, x := range c.n {
		if x > 0 {
			used = append(used, i)
		}
	}
	for ai, a := range used {
		for _, b := range used[ai+1:] {
			s += 2 * c.n[a] * c.n[b] * delta(a, b)
		}
	}
	return s
}
