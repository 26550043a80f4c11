package eval

import (
	"testing"

	"github.com/scholia-nlp/scholia"
)

func claim(id int64, doc, typ string, s, e int64, f scholia.ClaimFields) scholia.Annotation {
	return scholia.Annotation{ID: id, Document: doc, Kind: scholia.KindClaim, Label: typ, Spans: sp(s, e), Claim: &f}
}

// TestScoreClaims covers span F1, alignment, claimant and cue attachment
// and the label agreements, under both matching rules.
func TestScoreClaims(t *testing.T) {
	gold := []scholia.Annotation{
		{ID: 1, Document: "d", Kind: scholia.KindMention, Label: "PER", Spans: []scholia.Span{{Start: 0, End: 5, Text: "Smith"}}},
		claim(2, "d", "quantity", 10, 40, scholia.ClaimFields{ClaimantID: 1, Cue: sp(6, 9), Stance: "asserts", CheckWorthiness: "high"}),
		claim(3, "d", "quote", 50, 70, scholia.ClaimFields{ClaimantText: "The  Ministry", Stance: "denies"}),
		claim(4, "d", "prediction", 80, 90, scholia.ClaimFields{}),
	}
	pred := []scholia.Annotation{
		{ID: 11, Document: "d", Kind: scholia.KindMention, Label: "PER", Spans: []scholia.Span{{Start: 0, End: 5, Text: "Smith"}}},
		claim(12, "d", "quantity", 10, 40, scholia.ClaimFields{ClaimantID: 11, Cue: sp(6, 9), Stance: "asserts", CheckWorthiness: "high"}),
		claim(13, "d", "quantity", 52, 70, scholia.ClaimFields{ClaimantText: "the ministry", Cue: sp(45, 49), Stance: "denies"}),
		claim(14, "d", "quote", 100, 110, scholia.ClaimFields{Stance: "asserts"}),
	}
	exact := ScoreClaims(gold, pred, ClaimOptions{})
	if exact.Aligned != 1 || exact.Spans.MatchedGold != 1 || exact.Spans.Gold != 3 || exact.Spans.Pred != 3 {
		t.Errorf("exact: aligned %d, spans %+v", exact.Aligned, exact.Spans)
	}
	if exact.Claimant != NewAccuracy(1, 1) || exact.Cue != NewAccuracy(1, 1) {
		t.Errorf("exact attachment: %+v %+v", exact.Claimant, exact.Cue)
	}
	if exact.Stance.Accuracy.Value != 1 || exact.Type.Accuracy.Value != 1 || !exact.Stance.Kappa.Degenerate {
		t.Errorf("exact labels: %+v", exact.Stance)
	}
	if exact.Cues.Gold != 1 || exact.Cues.Pred != 2 || exact.Cues.MatchedGold != 1 {
		t.Errorf("cues %+v", exact.Cues)
	}

	ov := ScoreClaims(gold, pred, ClaimOptions{Match: MatchOverlap})
	if ov.Aligned != 2 {
		t.Fatalf("overlap aligned %d", ov.Aligned)
	}
	// Pair 2: claimant texts agree modulo case and white space; gold has
	// no cue but the prediction has one; type differs, stance agrees.
	if ov.Claimant != NewAccuracy(2, 2) || ov.Cue != NewAccuracy(1, 2) {
		t.Errorf("overlap attachment: %+v %+v", ov.Claimant, ov.Cue)
	}
	if ov.Type.Accuracy != NewAccuracy(1, 2) || ov.Stance.Accuracy != NewAccuracy(2, 2) || ov.CheckWorthiness.Accuracy != NewAccuracy(2, 2) {
		t.Errorf("overlap labels: type %+v stance %+v worth %+v", ov.Type.Accuracy, ov.Stance.Accuracy, ov.CheckWorthiness.Accuracy)
	}
	near(t, "type kappa", ov.Type.Kappa.Kappa, 0, 1e-12)
	near(t, "type F1 (quantity)", labelOf(t, ov.Types, "quantity").Recall, 1, 0)
	mustJSON(t, ov)

	empty := ScoreClaims(nil, nil, ClaimOptions{})
	if empty.Spans.F1 != 1 || empty.Claimant.Value != 1 || empty.Stance.Kappa.Kappa != 1 || empty.Aligned != 0 {
		t.Errorf("empty: %+v", empty)
	}
	mustJSON(t, empty)
}

// TestAlignClaimsOverlap checks that overlap alignment is one to one and
// prefers the largest overlap.
func TestAlignClaimsOverlap(t *testing.T) {
	mk := func(doc string, s, e int64) *scholia.Annotation {
		a := claim(0, doc, "", s, e, scholia.ClaimFields{})
		return &a
	}
	gold := []*scholia.Annotation{mk("d", 0, 10), mk("d", 8, 20), mk("e", 0, 5)}
	pred := []*scholia.Annotation{mk("d", 9, 19), mk("d", 0, 9), mk("e", 5, 9), mk("e", 1, 2)}
	got := alignClaims(gold, pred, MatchOverlap)
	want := [][2]int{{0, 1}, {1, 0}, {2, 3}}
	if len(got) != len(want) {
		t.Fatalf("got %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("got %v, want %v", got, want)
		}
	}
}
