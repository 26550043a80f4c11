package eval

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

// alphaData mirrors testdata/agreement.json's "krippendorff" part, a copy
// of the project reference krippendorff_alpha.json.
type alphaData struct {
	Krippendorff struct {
		Cases []struct {
			Name            string       `json:"name"`
			Data            [][]*float64 `json:"data"`                    // coders x units
			UnitsByObserver [][]any      `json:"data_units_by_observers"` // units x coders
			ValueCounts     *struct {
				Domain []float64   `json:"value_domain"`
				Counts [][]float64 `json:"counts_per_unit"`
			} `json:"value_counts_equivalent"`
			Expected map[string]map[string]any `json:"expected"`
		} `json:"cases"`
	} `json:"krippendorff"`
}

// tolFor turns a stated precision into a tolerance: a value printed with d
// decimals is within half a unit of the last place.
func tolFor(precision any) float64 {
	switch precision {
	case "3 decimals":
		return 0.0005
	case "6 decimals":
		return 0.0000005
	}
	return 0.001
}

// TestKrippendorffAlphaReference checks alpha at every level against the
// published values copied in testdata/agreement.json. Sources: Krippendorff
// (2011) 4 coders x 12 units with missing data (fast-krippendorff tests,
// tidycomm, dkpro-statistics Krippendorff2004Test: nominal 0.743, ordinal
// 0.815, interval 0.849, ratio 0.797, D_o/D_e), the Wikipedia 3x15 example
// (fast-krippendorff: 0.691358 nominal, 0.810845 interval, also from value
// counts), Hayes & Krippendorff (2007) 40x5 (dkpro-statistics
// HayesKrippendorff2007Test ordinal 0.7598 ±0.0001; tidycomm nominal 0.4765
// ±0.001) and Krippendorff (2004) p.224 and p.227 (dkpro-statistics, ±0.001).
func TestKrippendorffAlphaReference(t *testing.T) {
	var d alphaData
	loadJSON(t, "agreement.json", &d)
	levels := map[string]Level{"nominal": Nominal, "ordinal": Ordinal, "interval": Interval, "ratio": Ratio}
	for _, c := range d.Krippendorff.Cases {
		t.Run(c.Name, func(t *testing.T) {
			// Build the coders x units matrix, numeric and as labels.
			var data [][]float64
			var labels [][]string
			if c.Data != nil {
				for _, row := range c.Data {
					var r []float64
					var l []string
					for _, v := range row {
						if v == nil {
							r, l = append(r, math.NaN()), append(l, "")
						} else {
							r, l = append(r, *v), append(l, fmtNum(*v))
						}
					}
					data, labels = append(data, r), append(labels, l)
				}
			} else {
				coders := len(c.UnitsByObserver[0])
				data, labels = make([][]float64, coders), make([][]string, coders)
				cat := map[string]float64{"a": 1, "b": 2, "c": 3}
				for _, unit := range c.UnitsByObserver {
					for k, v := range unit {
						switch v := v.(type) {
						case nil:
							data[k], labels[k] = append(data[k], math.NaN()), append(labels[k], "")
						case float64:
							data[k], labels[k] = append(data[k], v), append(labels[k], fmtNum(v))
						case string:
							data[k], labels[k] = append(data[k], cat[v]), append(labels[k], v)
						}
					}
				}
			}
			for name, e := range c.Expected {
				level := levels[name]
				tol := tolFor(e["precision"])
				switch c.Name {
				case "hayes_krippendorff_2007_40x5":
					tol = map[string]float64{"ordinal": 0.0001, "nominal": 0.001}[name]
				case "wikipedia_3x15", "krippendorff_4x12_missing":
				default:
					tol = 0.001
				}
				r := KrippendorffAlpha(data, level)
				near(t, name+" alpha", r.Alpha, e["alpha"].(float64), tol)
				if do, ok := e["D_o"].(float64); ok {
					near(t, name+" D_o", r.ObservedDisagreement, do, 0.001)
				}
				if de, ok := e["D_e"].(float64); ok {
					near(t, name+" D_e", r.ExpectedDisagreement, de, 0.001)
				}
				if pa, ok := e["percent_agreement"].(float64); ok {
					near(t, name+" percent agreement", 1-r.ObservedDisagreement, pa, 0.001)
				}
				if level == Nominal {
					l := KrippendorffAlphaLabels(labels)
					near(t, "labels alpha", l.Alpha, r.Alpha, 1e-12)
				}
				if c.ValueCounts != nil {
					vc, err := KrippendorffAlphaCounts(c.ValueCounts.Counts, c.ValueCounts.Domain, level)
					if err != nil {
						t.Fatal(err)
					}
					near(t, name+" from value counts", vc.Alpha, e["alpha"].(float64), tol)
				}
			}
		})
	}
}

func fmtNum(v float64) string {
	return string(rune('0' + int(v))) // the reference data use the digits 0..5
}

// TestKrippendorffAlphaEdgeCases pins the documented values where alpha is
// 0/0, and checks that missing data and one coder are handled.
func TestKrippendorffAlphaEdgeCases(t *testing.T) {
	nan := math.NaN()
	tests := []struct {
		name       string
		data       [][]float64
		level      Level
		alpha      float64
		degenerate bool
	}{
		{"no data", nil, Nominal, 1, true},
		{"one coder", [][]float64{{1, 2, 3}}, Nominal, 1, true},
		{"all missing", [][]float64{{nan, nan}, {nan, nan}}, Interval, 1, true},
		{"no variation", [][]float64{{2, 2, 2}, {2, 2, nan}}, Ordinal, 1, true},
		{"identical with variation", [][]float64{{1, 2, 3}, {1, 2, 3}}, Ratio, 1, false},
		{"unpairable units ignored", [][]float64{{1, 2, 7}, {1, 2, nan}}, Nominal, 1, false},
		{"systematic disagreement", [][]float64{{1, 2}, {2, 1}}, Nominal, -0.5, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := KrippendorffAlpha(tc.data, tc.level)
			near(t, "alpha", r.Alpha, tc.alpha, 1e-12)
			if r.Degenerate != tc.degenerate {
				t.Errorf("degenerate = %v, want %v", r.Degenerate, tc.degenerate)
			}
			mustJSON(t, r)
		})
	}
	if _, err := KrippendorffAlphaCounts([][]float64{{1, 1}, {2}}, []float64{1, 2}, Interval); err == nil {
		t.Error("ragged value counts: no error")
	}
}

// TestKrippendorffNaive compares the coincidence-matrix implementation
// (dense and sparse) with a direct evaluation of Krippendorff's (2011)
// definitions over all pairs of pairable values, at every level, on random
// data with missing values; one data set has more distinct values than the
// dense limit.
func TestKrippendorffNaive(t *testing.T) {
	r := rand.New(rand.NewPCG(11, 12))
	for _, distinct := range []int{5, 700} {
		const coders, units = 4, 300
		data := make([][]float64, coders)
		for k := range data {
			data[k] = make([]float64, units)
		}
		for u := 0; u < units; u++ {
			base := float64(r.IntN(distinct))
			for k := range data {
				switch v := r.IntN(10); {
				case v == 0:
					data[k][u] = math.NaN()
				case v < 3:
					data[k][u] = float64(r.IntN(distinct)) + 1
				default:
					data[k][u] = base + 1
				}
			}
		}
		for _, level := range []Level{Nominal, Ordinal, Interval, Ratio} {
			got := KrippendorffAlpha(data, level)
			do, de := naiveAlpha(data, level)
			near(t, fmt.Sprint(distinct, " ", level, " D_o"), got.ObservedDisagreement, do, 1e-9)
			near(t, fmt.Sprint(distinct, " ", level, " D_e"), got.ExpectedDisagreement, de, 1e-9)
		}
	}
}

// naiveAlpha evaluates D_o and D_e by their definitions.
func naiveAlpha(data [][]float64, level Level) (do, de float64) {
	var units [][]float64
	for u := range data[0] {
		var vs []float64
		for k := range data {
			if !math.IsNaN(data[k][u]) {
				vs = append(vs, data[k][u])
			}
		}
		if len(vs) >= 2 {
			units = append(units, vs)
		}
	}
	var all []float64
	marg := map[float64]float64{}
	for _, vs := range units {
		all = append(all, vs...)
		for _, v := range vs {
			marg[v]++
		}
	}
	var vals []float64
	for v := range marg {
		vals = append(vals, v)
	}
	slices.Sort(vals)
	cum := map[float64]float64{} // n_g summed over g <= v
	var run float64
	for _, v := range vals {
		run += marg[v]
		cum[v] = run
	}
	delta := func(a, b float64) float64 {
		switch level {
		case Nominal:
			if a == b {
				return 0
			}
			return 1
		case Interval:
			return (a - b) * (a - b)
		case Ratio:
			return (a - b) * (a - b) / ((a + b) * (a + b))
		}
		// sum of n_g for g from a to b, minus (n_a+n_b)/2
		s := cum[math.Max(a, b)] - cum[math.Min(a, b)] + marg[math.Min(a, b)]
		s -= (marg[a] + marg[b]) / 2
		return s * s
	}
	n := float64(len(all))
	for _, vs := range units {
		m := float64(len(vs))
		for i := range vs {
			for j := range vs {
				if i != j {
					do += delta(vs[i], vs[j]) / (m - 1)
				}
			}
		}
	}
	do /= n
	for i := range all {
		for j := range all {
			if i != j {
				de += delta(all[i], all[j])
			}
		}
	}
	return do, de / (n * (n - 1))
}
