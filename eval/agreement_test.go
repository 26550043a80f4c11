package eval

import (
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/scholia-nlp/scholia"
)

// positionLayers turns a units x coders table of labels ("" = not marked)
// into one layer per coder: unit u becomes the span [10u, 10u+5) of "doc".
func positionLayers(units [][]string) map[string][]scholia.Annotation {
	layers := map[string][]scholia.Annotation{}
	for u, row := range units {
		for c, l := range row {
			name := fmt.Sprintf("coder%02d", c)
			if _, ok := layers[name]; !ok {
				layers[name] = []scholia.Annotation{}
			}
			if l != "" {
				layers[name] = append(layers[name], mention("doc", l, int64(10*u), int64(10*u+5)))
			}
		}
	}
	return layers
}

// TestSpanAgreementCoding checks the coding coefficients of SpanAgreement,
// computed from positions, against published values: Fleiss (1971) p.379
// (kappa 0.4302445, R irr via statsmodels; category kappas ±0.005,
// dkpro-statistics), Krippendorff (2004) p.227 (nominal alpha 0.734,
// dkpro-statistics) and Krippendorff (2011) 4x12 with missing data
// (nominal 0.743, D_o 0.200, D_e 0.779; fast-krippendorff, tidycomm,
// dkpro-statistics). Data copied in testdata/agreement.json.
func TestSpanAgreementCoding(t *testing.T) {
	var kd kappaData
	loadJSON(t, "agreement.json", &kd)
	var ad alphaData
	loadJSON(t, "agreement.json", &ad)

	t.Run("fleiss1971", func(t *testing.T) {
		var units [][]string
		for _, c := range kd.Kappa.Fleiss {
			if c.Name == "fleiss1971_diagnoses" {
				for _, r := range c.Ratings {
					units = append(units, intLabels(r))
				}
			}
		}
		rep := SpanAgreement(positionLayers(units), AgreementOptions{Source: SourceMentions})
		if rep.Items != 30 || len(rep.Annotators) != 6 {
			t.Fatalf("%d items, %d annotators", rep.Items, len(rep.Annotators))
		}
		near(t, "Fleiss kappa", rep.Fleiss.Kappa, 0.4302445, 1e-7)
		for i, want := range []float64{0.248, 0.248, 0.517, 0.47, 0.565} {
			near(t, fmt.Sprint("category kappa ", i+1), rep.Labels[i].FleissKappa, want, 0.005)
		}
		mustJSON(t, rep)
	})
	t.Run("krippendorff2004_p227", func(t *testing.T) {
		var units [][]string
		for _, c := range ad.Krippendorff.Cases {
			if c.Name == "krippendorff_2004_p227_3categories_2coders" {
				for _, u := range c.UnitsByObserver {
					units = append(units, []string{u[0].(string), u[1].(string)})
				}
			}
		}
		rep := SpanAgreement(positionLayers(units), AgreementOptions{Source: SourceMentions})
		near(t, "alpha", rep.Krippendorff.Alpha, 0.734, 0.001)
		near(t, "pairwise alpha", rep.Pairwise.KrippendorffAlpha[0][1], 0.734, 0.001)
		a, b := make([]string, len(units)), make([]string, len(units))
		for i, u := range units {
			a[i], b[i] = u[0], u[1]
		}
		k, _ := CohenKappaLabels(a, b)
		near(t, "pairwise kappa", rep.Pairwise.CohenKappa[1][0], k.Kappa, 1e-12)
	})
	t.Run("krippendorff_4x12_missing", func(t *testing.T) {
		var units [][]string
		for _, c := range ad.Krippendorff.Cases {
			if c.Name == "krippendorff_4x12_missing" {
				units = make([][]string, len(c.Data[0]))
				for _, row := range c.Data {
					for u, v := range row {
						l := ""
						if v != nil {
							l = fmtNum(*v)
						}
						units[u] = append(units[u], l)
					}
				}
			}
		}
		rep := SpanAgreement(positionLayers(units), AgreementOptions{Source: SourceMentions, IgnoreUnmarked: true})
		near(t, "alpha", rep.Krippendorff.Alpha, 0.743, 0.0005)
		near(t, "D_o", rep.Krippendorff.ObservedDisagreement, 0.200, 0.001)
		near(t, "D_e", rep.Krippendorff.ExpectedDisagreement, 0.779, 0.001)
	})
}

// TestSpanAgreementUnitizing checks alpha_U through SpanAgreement on
// Krippendorff (2004) p.254 (dkpro-statistics Krippendorff2004Test: c 0.7286,
// k 1, overall 0.8591 ±0.0005), laid into a document of 300 code points
// (alpha_U does not depend on where the continuum begins).
func TestSpanAgreementUnitizing(t *testing.T) {
	layers := map[string][]scholia.Annotation{"i": {}, "j": {}}
	for _, u := range krippendorff2004p254 {
		b, l := int64(u[0].(int))-150, int64(u[1].(int))
		name := []string{"i", "j"}[u[2].(int)]
		layers[name] = append(layers[name], mention("doc", u[3].(string), b, b+l))
	}
	rep := SpanAgreement(layers, AgreementOptions{Source: SourceMentions, DocLengths: map[string]int64{"doc": 300}})
	near(t, "alpha_U", rep.AlphaU.Alpha, 0.8591, 0.0005)
	near(t, "pairwise alpha_U", rep.Pairwise.AlphaU[0][1], 0.8591, 0.0005)
	if rep.AlphaU.Length != 300 {
		t.Errorf("continuum length %d", rep.AlphaU.Length)
	}
	for _, l := range rep.Labels {
		want := map[string]float64{"c": 0.7286, "k": 1}[l.Label]
		near(t, l.Label+" alpha_U", l.AlphaU, want, 0.0001)
		near(t, l.Label+" pairwise alpha_U", l.PairwiseAlphaU[1][0], want, 0.0001)
	}
	// Without the document length the continuum ends at the last span (420
	// - 150): a different, shorter continuum, so a different value.
	short := SpanAgreement(layers, AgreementOptions{Source: SourceMentions})
	if short.AlphaU.Length != 270 {
		t.Errorf("continuum length %d, want 270", short.AlphaU.Length)
	}
}

// TestSpanAgreementEdgeCases pins the documented values for degenerate
// inputs; every report must be valid JSON.
func TestSpanAgreementEdgeCases(t *testing.T) {
	a := []scholia.Annotation{mention("d", "X", 0, 3), mention("d", "Y", 5, 9), mention("e", "X", 1, 2)}
	tests := []struct {
		name   string
		layers map[string][]scholia.Annotation
		opts   AgreementOptions
		check  func(t *testing.T, r AgreementReport)
	}{
		{"no layers", nil, AgreementOptions{}, func(t *testing.T, r AgreementReport) {
			if r.Items != 0 || r.Krippendorff.Alpha != 1 || r.Fleiss.Kappa != 1 || r.AlphaU.Alpha != 1 || len(r.Pairwise.F1) != 0 {
				t.Errorf("%+v", r)
			}
		}},
		{"no annotations", map[string][]scholia.Annotation{"a": nil, "b": nil}, AgreementOptions{}, func(t *testing.T, r AgreementReport) {
			if r.Items != 0 || r.Pairwise.F1[0][1] != 1 || r.Pairwise.CohenKappa[0][1] != 1 || !r.AlphaU.Degenerate {
				t.Errorf("%+v", r)
			}
		}},
		{"one annotator", map[string][]scholia.Annotation{"a": a}, AgreementOptions{}, func(t *testing.T, r AgreementReport) {
			if r.Items != 3 || !r.Krippendorff.Degenerate || !r.Fleiss.Degenerate || !r.AlphaU.Degenerate || r.Pairwise.F1[0][0] != 1 || r.Labels[0].F1 != 1 {
				t.Errorf("%+v", r)
			}
		}},
		{"identical layers", map[string][]scholia.Annotation{"a": a, "b": a, "c": a}, AgreementOptions{}, func(t *testing.T, r AgreementReport) {
			for _, v := range []float64{r.Krippendorff.Alpha, r.Fleiss.Kappa, r.AlphaU.Alpha, r.Pairwise.CohenKappa[0][2], r.Pairwise.F1[1][2], r.Pairwise.AlphaU[0][1], r.Labels[1].F1, r.Labels[1].KrippendorffAlpha} {
				near(t, "coefficient", v, 1, 1e-12)
			}
		}},
		{"a label only one annotator uses", map[string][]scholia.Annotation{"a": a, "b": a[:1]}, AgreementOptions{}, func(t *testing.T, r AgreementReport) {
			y := r.Labels[1]
			if y.Label != "Y" || y.F1 != 0 || y.Marks != 1 || y.KrippendorffAlpha >= 1 {
				t.Errorf("%+v", y)
			}
			near(t, "F1", r.Pairwise.F1[0][1], 2.0/4, 1e-12)
		}},
		{"stacked", map[string][]scholia.Annotation{"a": append([]scholia.Annotation{mention("d", "Y", 0, 3)}, a...), "b": a}, AgreementOptions{}, func(t *testing.T, r AgreementReport) {
			if r.StackedItems != 1 || r.Items != 3 || r.Pairwise.Items[0][1] != 2 {
				t.Errorf("%+v", r)
			}
		}},
		{"ignore unmarked", map[string][]scholia.Annotation{"a": a, "b": a[:1]}, AgreementOptions{IgnoreUnmarked: true}, func(t *testing.T, r AgreementReport) {
			if r.Fleiss.Subjects != 1 || r.Pairwise.Items[0][1] != 1 || r.Krippendorff.Units != 1 {
				t.Errorf("%+v", r)
			}
		}},
		{"identification only", map[string][]scholia.Annotation{"a": a, "b": {mention("d", "Z", 0, 3)}}, AgreementOptions{IgnoreLabels: true}, func(t *testing.T, r AgreementReport) {
			if len(r.Labels) != 1 || r.Labels[0].Label != "" || r.Pairwise.F1[0][1] != 0.5 {
				t.Errorf("%+v", r)
			}
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tc.opts.Source = SourceMentions
			r := SpanAgreement(tc.layers, tc.opts)
			tc.check(t, r)
			mustJSON(t, r)
		})
	}
}

// TestSpanAgreementConsistency compares SpanAgreement's pairwise and
// overall coefficients with the direct functions on random data.
func TestSpanAgreementConsistency(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	const R, U = 3, 400
	units := make([][]string, U)
	labels := []string{"", "A", "B", "C"}
	for u := range units {
		base := labels[r.IntN(4)]
		for c := 0; c < R; c++ {
			l := base
			if r.IntN(4) == 0 {
				l = labels[r.IntN(4)]
			}
			units[u] = append(units[u], l)
		}
	}
	rep := SpanAgreement(positionLayers(units), AgreementOptions{Source: SourceMentions})
	// The report's items are the units someone marked; an unmarked value
	// is the category "(none)".
	var coded [][]string
	for _, u := range units {
		any := false
		row := make([]string, R)
		for c, l := range u {
			row[c] = l
			if l == "" {
				row[c] = "(none)"
			} else {
				any = true
			}
		}
		if any {
			coded = append(coded, row)
		}
	}
	if rep.Items != len(coded) {
		t.Fatalf("items %d, want %d", rep.Items, len(coded))
	}
	byCoder := make([][]string, R)
	for _, row := range coded {
		for c := range row {
			byCoder[c] = append(byCoder[c], row[c])
		}
	}
	near(t, "alpha", rep.Krippendorff.Alpha, KrippendorffAlphaLabels(byCoder).Alpha, 1e-12)
	f, _ := FleissKappaLabels(coded)
	near(t, "fleiss", rep.Fleiss.Kappa, f.Kappa, 1e-12)
	for a := 0; a < R; a++ {
		for c := a + 1; c < R; c++ {
			var x, y []string
			for i := range coded {
				if coded[i][a] == "(none)" && coded[i][c] == "(none)" {
					continue // a pair's items are those either of the two marked
				}
				x, y = append(x, coded[i][a]), append(y, coded[i][c])
			}
			k, _ := CohenKappaLabels(x, y)
			near(t, fmt.Sprint("kappa ", a, c), rep.Pairwise.CohenKappa[a][c], k.Kappa, 1e-12)
			al := KrippendorffAlphaLabels([][]string{x, y})
			near(t, fmt.Sprint("alpha ", a, c), rep.Pairwise.KrippendorffAlpha[a][c], al.Alpha, 1e-12)
			if rep.Pairwise.Items[a][c] != len(x) {
				t.Errorf("pair items %d, want %d", rep.Pairwise.Items[a][c], len(x))
			}
		}
	}
	// Pairwise F1 equals ScoreSpans of one layer against the other.
	layers := positionLayers(units)
	s := ScoreSpans(layers["coder00"], layers["coder02"], SpanOptions{Source: SourceMentions})
	near(t, "pairwise F1", rep.Pairwise.F1[0][2], s.Micro.F1, 1e-12)
	for _, l := range rep.Labels {
		if math.IsNaN(l.KrippendorffAlpha) || l.Marks == 0 {
			t.Errorf("label %+v", l)
		}
	}
}

// TestSpanItemAgreement checks that agreement over items gives the report
// of the same spans as annotations, on the Fleiss (1971) p.379 diagnoses
// (kappa 0.4302445, R irr via statsmodels), with and without labels.
func TestSpanItemAgreement(t *testing.T) {
	var kd kappaData
	loadJSON(t, "agreement.json", &kd)
	var units [][]string
	for _, c := range kd.Kappa.Fleiss {
		if c.Name == "fleiss1971_diagnoses" {
			for _, r := range c.Ratings {
				units = append(units, intLabels(r))
			}
		}
	}
	layers := positionLayers(units)
	items := map[string][]SpanItem{}
	for name, anns := range layers {
		items[name] = []SpanItem{}
		for _, a := range anns {
			items[name] = append(items[name], SpanItem{Doc: a.Document, Label: a.Label, Spans: a.Spans})
		}
	}
	items["coder00"] = append(items["coder00"], SpanItem{Doc: "doc", Label: "1"}) // no spans: not an item
	for _, ignore := range []bool{false, true} {
		got := SpanItemAgreement(items, AgreementOptions{IgnoreLabels: ignore})
		want := SpanAgreement(layers, AgreementOptions{Source: SourceMentions, IgnoreLabels: ignore})
		if g, w := jsonOf(t, got), jsonOf(t, want); g != w {
			t.Errorf("ignore labels %v: items give\n%s\nannotations give\n%s", ignore, g, w)
		}
		if !ignore {
			near(t, "Fleiss kappa", got.Fleiss.Kappa, 0.4302445, 1e-7)
		}
	}
}

// jsonOf is v as JSON, for comparing reports whose NaN-free fields JSON
// shows in full.
func jsonOf(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatalf("result does not marshal to JSON: %v", err)
	}
	return string(b)
}
