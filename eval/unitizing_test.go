package eval

import (
	"testing"
)

// krippendorff2004p254 is the example of Krippendorff (2004), Content
// Analysis 2nd ed., p.254, as dkpro-statistics' unitizing
// Krippendorff2004Test builds it (copied from the project reference
// unitizing_alphaU_gamma.json): continuum begin 150, length 300, two
// observers; [begin, length, observer, category].
var krippendorff2004p254 = [][4]any{
	{225, 70, 0, "c"}, {370, 30, 0, "c"}, {220, 80, 1, "c"}, {355, 20, 1, "c"}, {400, 20, 1, "c"},
	{180, 60, 0, "k"}, {300, 50, 0, "k"}, {180, 60, 1, "k"}, {300, 50, 1, "k"},
}

// krippendorff1995p57 is the example of Krippendorff (1995), "On the
// reliability of unitizing continuous data", p.57, as dkpro-statistics'
// Krippendorff1995Test builds it: a 24-unit continuum; each category A-D is
// a separate pair of observers.
var krippendorff1995p57 = [][4]any{
	{2, 8, 0, "A"}, {14, 6, 0, "A"}, {4, 4, 1, "A"}, {15, 2, 1, "A"},
	{0, 18, 0, "B"}, {0, 2, 1, "B"}, {2, 1, 1, "B"}, {3, 1, 1, "B"}, {4, 1, 1, "B"}, {5, 1, 1, "B"}, {6, 3, 1, "B"}, {9, 1, 1, "B"},
	{2, 6, 0, "C"}, {10, 2, 0, "C"}, {14, 4, 0, "C"}, {20, 2, 0, "C"}, {0, 2, 1, "C"}, {4, 4, 1, "C"}, {10, 4, 1, "C"}, {16, 2, 1, "C"}, {20, 2, 1, "C"},
	{0, 2, 0, "D"}, {2, 8, 0, "D"}, {10, 4, 0, "D"}, {14, 6, 0, "D"}, {20, 4, 0, "D"}, {0, 4, 1, "D"}, {4, 4, 1, "D"}, {8, 7, 1, "D"}, {15, 2, 1, "D"}, {17, 7, 1, "D"},
}

func study(begin, length int64, raters int, units [][4]any, stretch int64) UnitizingStudy {
	s := UnitizingStudy{Begin: begin * stretch, End: (begin + length) * stretch, Raters: raters}
	for _, u := range units {
		b, l := int64(u[0].(int))*stretch, int64(u[1].(int))*stretch
		s.Units = append(s.Units, Unit{Rater: u[2].(int), Category: u[3].(string), Start: b, End: b + l})
	}
	return s
}

func category(t *testing.T, r UnitizingResult, name string) CategoryAlphaU {
	t.Helper()
	for _, c := range r.Categories {
		if c.Category == name {
			return c
		}
	}
	t.Fatalf("no category %q", name)
	return CategoryAlphaU{}
}

// TestAlphaUKrippendorff2004 checks alpha_U against dkpro-statistics
// Krippendorff2004Test (Krippendorff 2004 p.254): category c D_o 0.0144,
// D_e 0.0532, alpha 0.7286; k D_o 0, D_e 0.0490, alpha 1 (all ±0.0001);
// overall 0.8591 ±0.0005.
func TestAlphaUKrippendorff2004(t *testing.T) {
	r, err := AlphaU(study(150, 300, 2, krippendorff2004p254, 1))
	if err != nil {
		t.Fatal(err)
	}
	c := category(t, r, "c")
	near(t, "c D_o", c.ObservedDisagreement, 0.0144, 0.0001)
	near(t, "c D_e", c.ExpectedDisagreement, 0.0532, 0.0001)
	near(t, "c alpha", c.Alpha, 0.7286, 0.0001)
	k := category(t, r, "k")
	near(t, "k D_o", k.ObservedDisagreement, 0, 0.0001)
	near(t, "k D_e", k.ExpectedDisagreement, 0.0490, 0.0001)
	near(t, "k alpha", k.Alpha, 1, 0.0001)
	near(t, "overall alpha", r.Alpha, 0.8591, 0.0005)
}

// TestAlphaUDistance checks the distance function against
// dkpro-statistics Krippendorff2004Test testDistanceMetric1/2.
func TestAlphaUDistance(t *testing.T) {
	u := func(b, l int64) stretch { return stretch{seg{b, b + l}, true} }
	g := func(b, l int64) stretch { return stretch{seg{b, b + l}, false} }
	tests := []struct {
		a, b stretch
		want float64
	}{
		{u(225, 70), u(220, 80), 50},
		{u(370, 30), u(355, 20), 850},
		{g(400, 50), u(400, 20), 400},
		{u(5, 6), u(4, 2), 26},
		{u(5, 6), u(5, 2), 16},
		{u(5, 6), u(6, 2), 10},
		{u(5, 6), u(7, 2), 8},
		{u(5, 6), u(6, 4), 2},
		{u(5, 6), u(5, 6), 0},
	}
	for _, tc := range tests {
		if got := distance(tc.a, tc.b); got != tc.want {
			t.Errorf("distance(%v, %v) = %v, want %v", tc.a, tc.b, got, tc.want)
		}
	}
	// testDistanceMetric1: the two halves of a pair sum to 40.
	if got := distance(g(2, 3), u(2, 2)) + distance(u(5, 6), g(4, 7)); got != 40 {
		t.Errorf("sum = %v, want 40", got)
	}
	if got := distance(g(3, 2), u(3, 2)) + distance(u(5, 6), g(5, 6)); got != 40 {
		t.Errorf("sum = %v, want 40", got)
	}
}

// TestAlphaUKrippendorff1995 checks the observed disagreements of
// dkpro-statistics Krippendorff1995Test (Krippendorff 1995 p.57) at stretch
// 1 (±0.00001), and its low-precision checks at stretch 50000 (D_e ±0.005,
// alpha ±0.02; the reference says these are not an exact oracle).
func TestAlphaUKrippendorff1995(t *testing.T) {
	r, err := AlphaU(study(0, 24, 2, krippendorff1995p57, 1))
	if err != nil {
		t.Fatal(err)
	}
	for name, want := range map[string]float64{"A": 0.03125, "B": 2.26736, "C": 0.02777, "D": 0.38715} {
		near(t, name+" D_o", category(t, r, name).ObservedDisagreement, want, 0.00001)
	}
	r, err = AlphaU(study(0, 24, 2, krippendorff1995p57, 50000))
	if err != nil {
		t.Fatal(err)
	}
	for name, want := range map[string]float64{"A": 0.0699, "B": 1.17731, "C": 0.08642, "D": 0.41445} {
		near(t, name+" D_e", category(t, r, name).ExpectedDisagreement, want, 0.005)
	}
	for name, want := range map[string]float64{"A": 0.553, "B": -0.926, "C": 0.679, "D": 0.066} {
		near(t, name+" alpha", category(t, r, name).Alpha, want, 0.02)
	}
}

// TestAlphaUEdgeCases pins empty studies, one rater, identical raters,
// overlapping units and invalid input.
func TestAlphaUEdgeCases(t *testing.T) {
	tests := []struct {
		name       string
		s          UnitizingStudy
		alpha      float64
		degenerate bool
		dropped    int
	}{
		{"no units", UnitizingStudy{Begin: 0, End: 100, Raters: 2}, 1, true, 0},
		{"empty continuum", UnitizingStudy{Raters: 2}, 1, true, 0},
		{"one rater", UnitizingStudy{End: 10, Raters: 1, Units: []Unit{{0, "x", 2, 4}}}, 1, true, 0},
		{"identical raters", UnitizingStudy{End: 10, Raters: 2, Units: []Unit{{0, "x", 2, 4}, {1, "x", 2, 4}}}, 1, false, 0},
		{"overlaps dropped", UnitizingStudy{End: 10, Raters: 2, Units: []Unit{{0, "x", 2, 4}, {0, "x", 3, 5}, {1, "x", 2, 4}}}, 1, false, 1},
		{"a category only one rater uses", UnitizingStudy{End: 10, Raters: 2, Units: []Unit{{0, "x", 2, 4}, {1, "x", 2, 4}, {1, "y", 6, 8}}}, 0.5, false, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r, err := AlphaU(tc.s)
			if err != nil {
				t.Fatal(err)
			}
			if tc.name == "a category only one rater uses" {
				// x agrees perfectly; y has D_o > 0, so overall alpha < 1.
				if y := category(t, r, "y"); y.Alpha >= 0.5 || r.Alpha >= 1 {
					t.Errorf("y alpha %v, overall %v", y.Alpha, r.Alpha)
				}
			} else {
				near(t, "alpha", r.Alpha, tc.alpha, 1e-12)
			}
			if r.Degenerate != tc.degenerate || r.DroppedOverlaps != tc.dropped {
				t.Errorf("degenerate %v dropped %d, want %v %d", r.Degenerate, r.DroppedOverlaps, tc.degenerate, tc.dropped)
			}
			mustJSON(t, r)
		})
	}
	for _, bad := range []UnitizingStudy{
		{End: 10, Raters: 1, Units: []Unit{{1, "x", 0, 1}}},
		{End: 10, Raters: 1, Units: []Unit{{0, "x", 3, 3}}},
		{End: 10, Raters: 1, Units: []Unit{{0, "x", 8, 11}}},
		{Begin: 5, End: 1},
	} {
		if _, err := AlphaU(bad); err == nil {
			t.Errorf("%+v: no error", bad)
		}
	}
}
