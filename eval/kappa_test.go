package eval

import (
	"fmt"
	"strconv"
	"testing"
)

// kappaData mirrors testdata/agreement.json's "kappa" part, a copy of the
// project reference kappa_cohen_fleiss.json (published values only).
type kappaData struct {
	Kappa struct {
		Cohen []struct {
			Name     string         `json:"name"`
			Table    [][]float64    `json:"contingency_table_rows_rater1_cols_rater2"`
			TableK   [][]float64    `json:"contingency_table_rows_coder1_cols_coder2_order_abc"`
			TableSAS [][]float64    `json:"contingency_table"`
			Y1       []int          `json:"y1"`
			Y2       []int          `json:"y2"`
			Raw      map[string]any `json:"expected"`
		} `json:"cohen_cases"`
		Fleiss []struct {
			Name     string          `json:"name"`
			Ratings  [][]int         `json:"ratings_subjects_by_raters"`
			Counts   [][]float64     `json:"counts_subjects_by_categories"`
			Expected map[string]any  `json:"expected"`
			Cases    []randolphTable `json:"cases"`
		} `json:"fleiss_cases"`
	} `json:"kappa"`
}

type randolphTable struct {
	Counts   [][]float64 `json:"counts"`
	Fleiss   float64     `json:"fleiss_kappa"`
	Randolph float64     `json:"free_marginal_randolph"`
	Overall  *float64    `json:"overall_agreement"`
}

func intLabels(xs []int) []string {
	out := make([]string, len(xs))
	for i, x := range xs {
		out[i] = strconv.Itoa(x)
	}
	return out
}

func num(t *testing.T, m map[string]any, k string) float64 {
	t.Helper()
	v, ok := m[k].(float64)
	if !ok {
		t.Fatalf("expected value %q missing", k)
	}
	return v
}

// TestCohenKappaReference checks Cohen's kappa, weighted kappa, Scott's pi
// and Bennett's S against the published values copied in
// testdata/agreement.json. Sources, case by case: Cohen (1960) p.45 via
// dkpro-statistics Cohen1960Test; Artstein & Poesio (2008) tables 1 and 4 and
// the weighting example via scikit-learn test_cohen_kappa; the SAS PROC FREQ
// table via statsmodels test_inter_rater.py; Krippendorff (2004) p.246 via
// dkpro-statistics Krippendorff2004Test.
func TestCohenKappaReference(t *testing.T) {
	var d kappaData
	loadJSON(t, "agreement.json", &d)
	for _, c := range d.Kappa.Cohen {
		t.Run(c.Name, func(t *testing.T) {
			e := c.Raw
			switch c.Name {
			case "cohen1960_p45":
				r, err := CohenKappa(c.Table)
				if err != nil {
					t.Fatal(err)
				}
				near(t, "kappa", r.Kappa, num(t, e, "kappa"), 0.001)
				near(t, "kappa_max", r.MaxKappa, num(t, e, "kappa_max"), 0.001)
				near(t, "p_o", r.ObservedAgreement, num(t, e, "p_o"), 0.01)
				near(t, "p_e", r.ExpectedAgreement, num(t, e, "p_e"), 0.01)
			case "artstein_poesio_2008_table1_binary":
				a, b := intLabels(c.Y1), intLabels(c.Y2)
				r, err := CohenKappaLabels(a, b)
				if err != nil {
					t.Fatal(err)
				}
				near(t, "kappa", r.Kappa, num(t, e, "kappa"), 0.0005) // 3 decimals
				// Same test: kappa(y1,y1) = 1 and kappa is symmetric.
				self, _ := CohenKappaLabels(a, a)
				near(t, "kappa(y1,y1)", self.Kappa, 1, 1e-12)
				sym, _ := CohenKappaLabels(b, a)
				near(t, "kappa(y2,y1)", sym.Kappa, r.Kappa, 1e-12)
				// Items where a rater gave no label do not count.
				r2, _ := CohenKappaLabels(append(a, "", "1"), append(b, "0", ""))
				near(t, "kappa with missing", r2.Kappa, r.Kappa, 1e-12)
			case "artstein_poesio_2008_table4_multiclass":
				r, err := CohenKappaLabels(intLabels(c.Y1), intLabels(c.Y2))
				if err != nil {
					t.Fatal(err)
				}
				near(t, "kappa", r.Kappa, num(t, e, "kappa"), 0.00005)
			case "sklearn_weighting_example":
				tab, _, err := ContingencyTable(intLabels(c.Y1), intLabels(c.Y2))
				if err != nil {
					t.Fatal(err)
				}
				for w, k := range map[Weighting]string{Unweighted: "kappa_unweighted", Linear: "kappa_linear", Quadratic: "kappa_quadratic"} {
					r, _ := WeightedKappa(tab, w)
					near(t, k, r.Kappa, num(t, e, k), 0.00005)
				}
			case "sas_example_table10":
				r, _ := CohenKappa(c.TableSAS)
				near(t, "kappa", r.Kappa, num(t, e, "kappa_unweighted"), 0.00005)
				w, _ := WeightedKappa(c.TableSAS, Linear)
				near(t, "linear", w.Kappa, num(t, e, "kappa_weighted_linear"), 0.00005)
			case "krippendorff2004_p246_equal_marginals", "krippendorff2004_p246_unequal_marginals":
				k, _ := CohenKappa(c.TableK)
				near(t, "cohen_kappa", k.Kappa, num(t, e, "cohen_kappa"), 0.001)
				near(t, "percent_agreement", k.ObservedAgreement, num(t, e, "percent_agreement"), 0.001)
				p, _ := ScottPi(c.TableK)
				near(t, "scott_pi", p.Kappa, num(t, e, "scott_pi"), 0.001)
				s, _ := BennettS(c.TableK)
				near(t, "bennett_S", s.Kappa, num(t, e, "bennett_S"), 0.001)
			default:
				t.Fatalf("case %s not covered", c.Name)
			}
		})
	}
}

// TestFleissKappaReference checks Fleiss' kappa against Fleiss (1971) p.379
// (statsmodels test_fleiss_kappa_irr: 0.4302445 from R irr::kappam.fleiss;
// dkpro-statistics Fleiss1971Test for Pbar, Pe, the category kappas and the
// per-subject agreement), the Wikipedia 10x14 example (statsmodels
// test_fleiss_kappa, 3 decimals) and Randolph's online calculator outputs
// (statsmodels test_fleis_randolph, atol 6e-6).
func TestFleissKappaReference(t *testing.T) {
	var d kappaData
	loadJSON(t, "agreement.json", &d)
	for _, c := range d.Kappa.Fleiss {
		t.Run(c.Name, func(t *testing.T) {
			switch c.Name {
			case "fleiss1971_diagnoses":
				ratings := make([][]string, len(c.Ratings))
				for i, r := range c.Ratings {
					ratings[i] = intLabels(r)
				}
				r, err := FleissKappaLabels(ratings)
				if err != nil {
					t.Fatal(err)
				}
				e := c.Expected
				near(t, "kappa", r.Kappa, num(t, e, "kappa"), 1e-7)
				near(t, "Pbar", r.ObservedAgreement, num(t, e, "Pbar"), 0.001)
				near(t, "Pe", r.ExpectedAgreement, num(t, e, "Pe"), 0.001)
				cat := e["category_kappa"].(map[string]any)
				for _, ck := range r.Categories {
					near(t, "category "+ck.Category, ck.Kappa, num(t, cat, ck.Category), 0.005)
				}
				for i, v := range e["per_subject_percent_agreement_first5"].([]any) {
					near(t, fmt.Sprintf("P_%d", i), r.PerSubject[i], v.(float64), 1e-9)
				}
			case "wikipedia_fleiss_10x14":
				r, err := FleissKappa(c.Counts)
				if err != nil {
					t.Fatal(err)
				}
				near(t, "kappa", r.Kappa, num(t, c.Expected, "kappa"), 0.001)
				for i, v := range c.Expected["P_i"].([]any) {
					near(t, fmt.Sprintf("P_%d", i), r.PerSubject[i], v.(float64), 0.0005)
				}
			case "randolph_online_calculator_tables":
				for i, tc := range c.Cases {
					r, err := FleissKappa(tc.Counts)
					if err != nil {
						t.Fatal(err)
					}
					near(t, fmt.Sprintf("table %d fleiss", i), r.Kappa, tc.Fleiss, 6e-6)
					near(t, fmt.Sprintf("table %d randolph", i), r.RandolphKappa, tc.Randolph, 6e-6)
					if tc.Overall != nil {
						near(t, fmt.Sprintf("table %d agreement", i), r.ObservedAgreement, *tc.Overall, 6e-6)
					}
				}
			default:
				t.Fatalf("case %s not covered", c.Name)
			}
		})
	}
}

// TestKappaEdgeCases pins the documented values where the formulas are 0/0.
func TestKappaEdgeCases(t *testing.T) {
	tests := []struct {
		name       string
		a, b       []string
		kappa      float64
		degenerate bool
	}{
		{"no items", nil, nil, 1, true},
		{"all missing", []string{"", "x"}, []string{"y", ""}, 1, true},
		{"identical, one category (Pe = 1)", []string{"x", "x", "x"}, []string{"x", "x", "x"}, 1, true},
		{"identical, two categories", []string{"x", "y", "x"}, []string{"x", "y", "x"}, 1, false},
		{"a label only one side uses", []string{"x", "x", "y"}, []string{"x", "x", "x"}, 0, false},
		{"complete disagreement", []string{"x", "y"}, []string{"y", "x"}, -1, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r, err := CohenKappaLabels(tc.a, tc.b)
			if err != nil {
				t.Fatal(err)
			}
			near(t, "kappa", r.Kappa, tc.kappa, 1e-12)
			if r.Degenerate != tc.degenerate {
				t.Errorf("degenerate = %v, want %v", r.Degenerate, tc.degenerate)
			}
			mustJSON(t, r)
		})
	}
	if _, err := CohenKappaLabels([]string{"x"}, nil); err == nil {
		t.Error("ratings of different lengths: no error")
	}
	if _, err := CohenKappa([][]float64{{1, 2}}); err == nil {
		t.Error("non-square table: no error")
	}
	// Fleiss: one category only, no subjects, unequal rater counts, one rater.
	r, err := FleissKappa([][]float64{{3}, {3}})
	if err != nil || r.Kappa != 1 || !r.Degenerate {
		t.Errorf("one category: %+v, %v", r, err)
	}
	mustJSON(t, r)
	r, err = FleissKappa(nil)
	if err != nil || r.Kappa != 1 || !r.Degenerate {
		t.Errorf("no subjects: %+v, %v", r, err)
	}
	if _, err := FleissKappa([][]float64{{2, 1}, {1, 1}}); err == nil {
		t.Error("unequal rater counts: no error")
	}
	if _, err := FleissKappa([][]float64{{1, 0}}); err == nil {
		t.Error("one rater: no error")
	}
	r, _ = FleissKappaLabels([][]string{{"a", "a"}, {"a", ""}, {"b", "b"}})
	if r.Skipped != 1 || r.Subjects != 2 || r.Kappa != 1 {
		t.Errorf("missing label: %+v", r)
	}
}
