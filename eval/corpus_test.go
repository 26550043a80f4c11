package eval

import (
	"slices"
	"testing"

	"github.com/scholia-nlp/scholia"
)

// The corpus of these tests: two documents, d1 (40 code points) and d2 (30),
// and three layers. Offsets are all that matters; the texts are left out.
//
//	gold   d1: 1 PER [0,5)  2 GPE [10,16)  3 Contact.Meet [6,9) Entity=1 Place=2
//	            4 claim quantity [20,35) claimant 1, cue [17,19), asserts
//	       d2: 5 PER [0,4)
//	           cluster 6 entity {1, 5} (across the two documents)
//	alice  d1: the same as gold (ids 11-14), done
//	       d2: 15 ORG [0,4) (gold says PER), cluster 16 entity {11, 15}; in progress
//	bob    d1: 21 PER [0,4) (one short)  22 LOC [10,16) (gold says GPE)
//	           23 Contact.Meet [6,9) Entity=21
//	           24 claim quantity [21,35) claimant 21, cue [17,19), denies
//	       d2: nothing
func testCorpus() []scholia.CorpusDocument {
	men := func(id int64, ann, doc, label string, s, e int64) scholia.Annotation {
		return scholia.Annotation{ID: id, Annotator: ann, Document: doc, Kind: scholia.KindMention, Label: label, Spans: sp(s, e)}
	}
	event := func(id int64, ann string, args ...scholia.Argument) scholia.Annotation {
		return scholia.Annotation{ID: id, Annotator: ann, Document: "d1", Kind: scholia.KindEvent, Label: "Contact.Meet", Spans: sp(6, 9), Arguments: args}
	}
	clm := func(id int64, ann string, s int64, claimant int64, stance string) scholia.Annotation {
		a := claim(id, "d1", "quantity", s, 35, scholia.ClaimFields{ClaimantID: claimant, Cue: sp(17, 19), Stance: stance})
		a.Annotator = ann
		return a
	}
	cluster := func(id int64, ann string, members ...int64) scholia.Annotation {
		return scholia.Annotation{ID: id, Annotator: ann, Kind: scholia.KindCluster, Label: "entity", Cluster: &scholia.ClusterFields{Members: members}}
	}
	layer := func(doc, ann string, st scholia.LayerStatus) scholia.Layer {
		return scholia.Layer{Document: doc, Annotator: ann, Status: st}
	}
	goldCl, aliceCl := cluster(6, "gold", 1, 5), cluster(16, "alice", 11, 15)
	d1 := scholia.CorpusDocument{
		Document: scholia.Document{ID: "d1", Length: 40},
		Annotations: []scholia.Annotation{
			men(1, "gold", "d1", "PER", 0, 5), men(2, "gold", "d1", "GPE", 10, 16),
			event(3, "gold", scholia.Argument{Role: "Entity", AnnotationID: 1}, scholia.Argument{Role: "Place", AnnotationID: 2}),
			clm(4, "gold", 20, 1, "asserts"),
			men(11, "alice", "d1", "PER", 0, 5), men(12, "alice", "d1", "GPE", 10, 16),
			event(13, "alice", scholia.Argument{Role: "Entity", AnnotationID: 11}, scholia.Argument{Role: "Place", AnnotationID: 12}),
			clm(14, "alice", 20, 11, "asserts"),
			men(21, "bob", "d1", "PER", 0, 4), men(22, "bob", "d1", "LOC", 10, 16),
			event(23, "bob", scholia.Argument{Role: "Entity", AnnotationID: 21}),
			clm(24, "bob", 21, 21, "denies"),
		},
		Clusters: []scholia.Annotation{goldCl, aliceCl},
		Layers:   []scholia.Layer{layer("d1", "alice", scholia.LayerDone), layer("d1", "bob", scholia.LayerDone)},
	}
	d2 := scholia.CorpusDocument{
		Document:    scholia.Document{ID: "d2", Length: 30},
		Annotations: []scholia.Annotation{men(5, "gold", "d2", "PER", 0, 4), men(15, "alice", "d2", "ORG", 0, 4)},
		Clusters:    []scholia.Annotation{goldCl, aliceCl},
		Layers:      []scholia.Layer{layer("d2", "alice", scholia.LayerInProgress)},
	}
	return []scholia.CorpusDocument{d1, d2}
}

// TestCorpusLayer checks that layers are split by annotator and that a
// cluster sent with two documents counts once.
func TestCorpusLayer(t *testing.T) {
	docs := testCorpus()
	if got := CorpusAnnotators(docs); !slices.Equal(got, []string{"alice", "bob", "gold"}) {
		t.Errorf("annotators %v", got)
	}
	var ids []int64
	for _, a := range CorpusLayer(docs, "gold", false) {
		ids = append(ids, a.ID)
	}
	if !slices.Equal(ids, []int64{1, 2, 3, 4, 5, 6}) {
		t.Errorf("gold layer ids %v", ids)
	}
	ids = ids[:0]
	for _, a := range CorpusLayer(docs, "alice", true) {
		ids = append(ids, a.ID)
	}
	// d2 is in progress for alice: its mention goes, the cluster stays
	// (it came with d1 too).
	if !slices.Equal(ids, []int64{11, 12, 13, 14, 16}) {
		t.Errorf("alice's done layer ids %v", ids)
	}
	if n := DocLengths(docs); n["d1"] != 40 || n["d2"] != 30 || len(n) != 2 {
		t.Errorf("doc lengths %v", n)
	}
}

// TestScoreCorpus checks every part of the score report against values
// worked out by hand in the comments.
func TestScoreCorpus(t *testing.T) {
	docs := testCorpus()
	tests := []struct {
		name      string
		candidate string
		opts      CorpusOptions
		check     func(t *testing.T, r CorpusScoreReport)
	}{
		{"alice exact", "alice", CorpusOptions{}, func(t *testing.T, r CorpusScoreReport) {
			// Gold has 5 spans, alice 5: all of d1 match; d2's ORG does not
			// (gold PER). P = R = F1 = 4/5.
			if m := r.Spans.Micro; m.Gold != 5 || m.Pred != 5 || m.MatchedGold != 4 || m.MatchedPred != 4 {
				t.Errorf("micro %+v", m)
			}
			near(t, "F1", r.Spans.Micro.F1, 0.8, 1e-12)
			// mention/PER: gold 2, alice 1 found: P 1, R 1/2, F1 2/3.
			per := labelOf(t, r.Spans.PRFReport, "mention/PER")
			near(t, "PER F1", per.F1, 2.0/3, 1e-12)
			// Macro F1 over claim/quantity 1, event/Contact.Meet 1,
			// mention/GPE 1, mention/ORG 0, mention/PER 2/3.
			near(t, "macro F1", r.Spans.Macro.F1, (3+2.0/3)/5, 1e-12)
			if len(r.Spans.Labels) != 5 || r.Spans.Labels[0].Label != "claim/quantity" {
				t.Errorf("labels %+v", r.Spans.Labels)
			}
			// Mentions only: gold 3, alice 3, 2 match.
			if m := r.Mentions.Micro; m.Gold != 3 || m.Pred != 3 || m.MatchedGold != 2 {
				t.Errorf("mentions %+v", m)
			}
			// Same trigger, same two arguments with the same roles.
			if e := r.Events; e.TriggerClassification.F1 != 1 || e.ArgumentClassification != NewPRF(2, 2, 2, 2) {
				t.Errorf("events %+v", e)
			}
			// Same claim span, claimant (by span), cue and stance.
			if c := r.Claims; c.Aligned != 1 || c.Claimant != NewAccuracy(1, 1) || c.Cue != NewAccuracy(1, 1) || c.Stance.Accuracy.Value != 1 {
				t.Errorf("claims %+v", c)
			}
			// Alice's entity cluster has the same spans as gold's (labels
			// do not matter), and both have GPE [10,16) as a singleton.
			if len(r.Coreference) != 1 || r.Coreference[0].Kind != "entity" || r.Coreference[0].CoNLL != 1 {
				t.Errorf("coreference %+v", r.Coreference)
			}
		}},
		{"bob exact", "bob", CorpusOptions{}, func(t *testing.T, r CorpusScoreReport) {
			// Only the trigger matches: P 1/4, R 1/5, F1 2/9.
			if r.Spans.Micro.MatchedGold != 1 || r.Spans.Micro.Pred != 4 {
				t.Errorf("micro %+v", r.Spans.Micro)
			}
			near(t, "F1", r.Spans.Micro.F1, 2.0/9, 1e-12)
			// Trigger found; bob's one argument has another span: 0 of 2.
			if e := r.Events; e.TriggerIdentification.F1 != 1 || e.ArgumentClassification != NewPRF(2, 1, 0, 0) {
				t.Errorf("events %+v", e)
			}
			// [21,35) is not [20,35): nothing aligned.
			if c := r.Claims; c.Aligned != 0 || c.Spans != NewPRF(1, 1, 0, 0) {
				t.Errorf("claims %+v", c)
			}
			// Key {d1[0,5), d2[0,4)} {d1[10,16)}; response (bob has no
			// clusters, so all singletons) {d1[0,4)} {d1[10,16)}.
			// MUC: no response links: 0. B3: R = (0+0+1)/3, P = (0+1)/2,
			// F1 0.4. CEAF-m: one common mention: R 1/3, P 1/2, F1 0.4.
			// CEAF-e: phi = 1 for {d1[10,16)}: R 1/2, P 1/2. CoNLL =
			// (0 + 0.4 + 0.5)/3 = 0.3. BLANC: no link in common: 0.
			c := r.Coreference[0]
			near(t, "MUC F1", c.MUC.F1, 0, 1e-12)
			near(t, "B3 R", c.BCubed.Recall, 1.0/3, 1e-12)
			near(t, "B3 P", c.BCubed.Precision, 0.5, 1e-12)
			near(t, "B3 F1", c.BCubed.F1, 0.4, 1e-12)
			near(t, "CEAF-m F1", c.CEAFm.F1, 0.4, 1e-12)
			near(t, "CEAF-e F1", c.CEAFe.F1, 0.5, 1e-12)
			near(t, "CoNLL", c.CoNLL, 0.3, 1e-12)
			near(t, "BLANC", c.BLANC.F1, 0, 1e-12)
			if c.ReferenceClusters != 1 || c.CandidateClusters != 0 {
				t.Errorf("cluster counts %+v", c)
			}
		}},
		{"bob overlap", "bob", CorpusOptions{Match: MatchOverlap}, func(t *testing.T, r CorpusScoreReport) {
			// PER [0,4)~[0,5), the trigger and the claim [21,35)~[20,35)
			// match; LOC is the wrong label, d2 is missed. P 3/4, R 3/5.
			want := NewPRF(5, 4, 3, 3)
			if r.Spans.Micro != want || r.Match != "overlap" {
				t.Errorf("micro %+v, want %+v", r.Spans.Micro, want)
			}
			// The claims align; bob's claimant [0,4) overlaps gold's [0,5);
			// the stances differ (one pair: kappa 0).
			c := r.Claims
			if c.Aligned != 1 || c.Claimant != NewAccuracy(1, 1) || c.Cue != NewAccuracy(1, 1) || c.Stance.Accuracy != NewAccuracy(0, 1) {
				t.Errorf("claims %+v", c)
			}
			near(t, "stance kappa", c.Stance.Kappa.Kappa, 0, 1e-12)
		}},
		{"alice, PER mentions only", "alice", CorpusOptions{Kinds: []scholia.Kind{scholia.KindMention}, Labels: []string{"PER"}}, func(t *testing.T, r CorpusScoreReport) {
			// Gold PER d1[0,5), d2[0,4); alice PER d1[0,5): P 1, R 1/2.
			if r.Spans.Micro != NewPRF(2, 1, 1, 1) || len(r.Spans.Labels) != 1 {
				t.Errorf("spans %+v", r.Spans)
			}
			if r.Events != nil || r.Claims != nil || len(r.Coreference) != 0 || r.Mentions == nil {
				t.Errorf("parts not selected are present: %+v", r)
			}
		}},
		{"alice, done layers only", "alice", CorpusOptions{DoneOnly: true}, func(t *testing.T, r CorpusScoreReport) {
			// Alice's d2 is in progress: her 4 d1 spans all match gold's 5
			// (gold has no layer status, so gold is left out entirely
			// with DoneOnly: this checks that the option applies to both).
			if r.Spans.Micro.Gold != 0 || r.Spans.Micro.Pred != 4 {
				t.Errorf("spans %+v", r.Spans.Micro)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := ScoreCorpus(docs, "gold", tt.candidate, tt.opts)
			if r.Reference != "gold" || r.Candidate != tt.candidate || r.Documents != 2 {
				t.Errorf("header %q %q %d", r.Reference, r.Candidate, r.Documents)
			}
			tt.check(t, r)
			mustJSON(t, r)
		})
	}
}

// TestScoreLayersAcrossCorpora scores a layer of one corpus against a layer
// of another, as offline evaluation of two files does, with an unresolved
// cluster member.
func TestScoreLayersAcrossCorpora(t *testing.T) {
	docs := testCorpus()
	ref := CorpusLayer(docs, "gold", false)
	cand := CorpusLayer(docs, "alice", true) // without d2: member 15 is missing
	r := ScoreLayers(ref, cand, CorpusOptions{})
	// Alice's 4 d1 spans all match; gold's d2 PER is missed.
	if r.Spans.Micro != NewPRF(5, 4, 4, 4) {
		t.Errorf("spans %+v", r.Spans.Micro)
	}
	near(t, "F1", r.Spans.Micro.F1, 8.0/9, 1e-12)
	if c := r.Coreference[0]; c.CandidateUnresolved != 1 || c.ReferenceUnresolved != 0 {
		t.Errorf("unresolved %+v", c)
	}
}

// TestCorpusAgreement checks the agreement of alice and bob against values
// worked out by hand.
func TestCorpusAgreement(t *testing.T) {
	docs := testCorpus()
	tests := []struct {
		name  string
		anns  []string
		opts  CorpusOptions
		check func(t *testing.T, r CorpusAgreementReport)
	}{
		{"alice and bob", []string{"bob", "alice", "bob"}, CorpusOptions{}, func(t *testing.T, r CorpusAgreementReport) {
			// Seven positions (alice, bob): d1[0,4) (-, PER), d1[0,5)
			// (PER, -), d1[6,9) (CM, CM), d1[10,16) (GPE, LOC), d1[20,35)
			// (q, -), d1[21,35) (-, q), d2[0,4) (ORG, -).
			if r.All.Items != 7 || !slices.Equal(r.Annotators, []string{"alice", "bob"}) || r.Documents != 2 {
				t.Fatalf("items %d, annotators %v", r.All.Items, r.Annotators)
			}
			// Po = 1/7. Marginals alice: - 2, PER q CM GPE ORG 1 each; bob:
			// - 3, PER q CM LOC 1 each. Pe = (2*3 + 1 + 1 + 1)/49 = 9/49,
			// kappa = (7/49 - 9/49)/(40/49) = -0.05.
			near(t, "Cohen's kappa", r.All.Pairwise.CohenKappa[0][1], -0.05, 1e-12)
			// Pooled counts - 5, PER 2, CM 2, q 2, GPE LOC ORG 1: D_e =
			// (14^2 - 40)/(14*13) = 6/7 = D_o, so alpha = 0.
			near(t, "alpha", r.All.Krippendorff.Alpha, 0, 1e-12)
			near(t, "pairwise alpha", r.All.Pairwise.KrippendorffAlpha[1][0], 0, 1e-12)
			// Fleiss with two raters is Scott's pi: Pe = 40/196,
			// (28/196 - 40/196)/(156/196) = -1/13.
			near(t, "Fleiss", r.All.Fleiss.Kappa, -1.0/13, 1e-12)
			// One span in common of 5 + 4: F1 = 2/9.
			near(t, "F1", r.All.Pairwise.F1[0][1], 2.0/9, 1e-12)
			near(t, "match F1 (exact)", r.MatchF1[0][1], 2.0/9, 1e-12)
			// Mentions only: four positions, no agreement. Pe = (1*2 +
			// 1*1)/16, kappa = -(3/16)/(13/16) = -3/13.
			if r.Mentions.Items != 4 {
				t.Errorf("mention items %d", r.Mentions.Items)
			}
			near(t, "mention kappa", r.Mentions.Pairwise.CohenKappa[0][1], -3.0/13, 1e-12)
			// The trigger is the one agreement on triggers: kappa 1.
			near(t, "trigger kappa", r.Triggers.Pairwise.CohenKappa[0][1], 1, 1e-12)
			if r.All.AlphaU.Alpha >= 1 || r.All.AlphaU.Length != 70 {
				t.Errorf("alpha_U %+v", r.All.AlphaU)
			}
			var cm *LabelAgreement
			for i := range r.All.Labels {
				if r.All.Labels[i].Label == "event/Contact.Meet" {
					cm = &r.All.Labels[i]
				}
			}
			if cm == nil || cm.Marks != 2 || cm.F1 != 1 {
				t.Errorf("Contact.Meet %+v", cm)
			}
		}},
		{"alice and bob, overlap", []string{"alice", "bob"}, CorpusOptions{Match: MatchOverlap}, func(t *testing.T, r CorpusAgreementReport) {
			// PER, CM and the claim overlap with the same label: 3 of
			// alice's 5 and 3 of bob's 4: F1 = 2*(3/5)(3/4)/(27/20) = 2/3.
			near(t, "match F1", r.MatchF1[0][1], 2.0/3, 1e-12)
			// The coding coefficients stay exact.
			near(t, "F1", r.All.Pairwise.F1[0][1], 2.0/9, 1e-12)
		}},
		{"alice and gold, events only", []string{"gold", "alice"}, CorpusOptions{Kinds: []scholia.Kind{scholia.KindEvent}}, func(t *testing.T, r CorpusAgreementReport) {
			// One position, same type: perfect, and degenerate.
			if r.All.Items != 1 || r.Mentions != nil || r.Claims != nil || r.Triggers == nil {
				t.Errorf("parts: %+v", r)
			}
			near(t, "kappa", r.All.Pairwise.CohenKappa[0][1], 1, 0)
		}},
		{"three annotators", []string{"alice", "bob", "gold"}, CorpusOptions{}, func(t *testing.T, r CorpusAgreementReport) {
			if len(r.All.Pairwise.CohenKappa) != 3 || len(r.MatchF1) != 3 {
				t.Fatalf("matrices %v", r.All.Pairwise.CohenKappa)
			}
			// alice and gold differ only on d2: 4 of 5 each: F1 4/5.
			near(t, "alice-gold F1", r.All.Pairwise.F1[0][2], 0.8, 1e-12)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := CorpusAgreement(docs, tt.anns, tt.opts)
			if err != nil {
				t.Fatal(err)
			}
			tt.check(t, r)
			mustJSON(t, r)
		})
	}
	if _, err := CorpusAgreement(docs, []string{"alice", "alice"}, CorpusOptions{}); err == nil {
		t.Error("agreement of one annotator with herself: no error")
	}
}
