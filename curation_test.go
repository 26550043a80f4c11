package scholia

import (
	"slices"
	"testing"
)

func cm(id int64, who, label string, start, end int64) Annotation {
	return Annotation{ID: id, Annotator: who, Kind: KindMention, Label: label, Spans: []Span{{Start: start, End: end}}}
}

func ce(id int64, who string, args ...Argument) Annotation {
	return Annotation{ID: id, Annotator: who, Kind: KindEvent, Label: "Contact.Meet", Spans: []Span{{Start: 7, End: 10}}, Arguments: args}
}

func TestAgreementKeys(t *testing.T) {
	anns := []Annotation{
		cm(1, "a", "PER", 0, 6), cm(2, "a", "GPE", 25, 31), ce(3, "a", Argument{"Entity", 1}, Argument{"Place", 2}),
		cm(4, "b", "PER", 0, 6), cm(5, "b", "GPE", 25, 31), ce(6, "b", Argument{"Place", 5}, Argument{"Entity", 4}),
		cm(7, "c", "LOC", 25, 31), ce(8, "c", Argument{"Entity", 4}, Argument{"Place", 7}),
		{ID: 9, Annotator: "a", Kind: KindClaim, Spans: []Span{{Start: 55, End: 71}}, Claim: &ClaimFields{ClaimantID: 1, Stance: "asserts"}},
		{ID: 10, Annotator: "b", Kind: KindClaim, Label: "quote", Spans: []Span{{Start: 55, End: 71}}, Claim: &ClaimFields{ClaimantID: 4, Stance: "asserts"}},
		{ID: 11, Annotator: "c", Kind: KindClaim, Spans: []Span{{Start: 55, End: 71}}, Claim: &ClaimFields{ClaimantText: "Lavrov", Stance: "asserts"}},
		{ID: 12, Annotator: "a", Kind: KindRelation, Label: "Supports", Relation: &RelationEnds{Source: 9, Target: 10}},
	}
	k := AgreementKeys(anns)
	same := func(x, y int64, want bool) {
		t.Helper()
		if (k[x] == k[y]) != want {
			t.Errorf("keys of %d and %d: %q, %q; want equal %v", x, y, k[x], k[y], want)
		}
	}
	same(1, 4, true)  // same label and span, other layers
	same(2, 7, false) // GPE and LOC
	same(3, 6, true)  // arguments in another order, agreeing fillers
	same(3, 8, false) // the Place filler is LOC
	same(9, 10, true) // the claim type does not count
	same(9, 11, false)
	if _, ok := k[12]; ok {
		t.Errorf("a relation has a key: %q", k[12])
	}
}

func TestCompare(t *testing.T) {
	anns := []Annotation{
		cm(1, "a", "PER", 0, 6), cm(2, "a", "PER", 11, 21), cm(3, "a", "GPE", 25, 31),
		cm(4, "b", "PER", 0, 6), cm(5, "b", "ORG", 11, 21),
		cm(6, "c", "PER", 0, 6), cm(7, "c", "PER", 11, 21),
		cm(8, "gold", "PER", 0, 6), cm(9, "z", "PER", 35, 42),
	}
	rows := Compare(anns, []string{"a", "b", "c"}, "gold")
	if len(rows) != 3 {
		t.Fatalf("%d rows: %+v", len(rows), rows)
	}
	type cand struct {
		label string
		who   []string
		ids   []int64
		gold  int64
	}
	var got [][]cand
	var statuses []CurationStatus
	for _, r := range rows {
		statuses = append(statuses, r.Status)
		var cs []cand
		for _, c := range r.Candidates {
			cs = append(cs, cand{c.Annotation.Label, c.Annotators, c.IDs, c.GoldID})
		}
		got = append(got, cs)
	}
	if !slices.Equal(statuses, []CurationStatus{CurationAgreed, CurationConflict, CurationPartial}) {
		t.Errorf("statuses %v", statuses)
	}
	want := [][]cand{
		{{"PER", []string{"a", "b", "c"}, []int64{1, 4, 6}, 8}},
		{{"PER", []string{"a", "c"}, []int64{2, 7}, 0}, {"ORG", []string{"b"}, []int64{5}, 0}},
		{{"GPE", []string{"a"}, []int64{3}, 0}},
	}
	for i := range want {
		for j := range want[i] {
			g, w := got[i][j], want[i][j]
			if g.label != w.label || !slices.Equal(g.who, w.who) || !slices.Equal(g.ids, w.ids) || g.gold != w.gold {
				t.Errorf("row %d candidate %d: %+v, want %+v", i, j, g, w)
			}
		}
	}
	if !slices.Equal(rows[0].GoldIDs, []int64{8}) {
		t.Errorf("gold ids %v", rows[0].GoldIDs)
	}
}

func TestDescribeChange(t *testing.T) {
	old := Annotation{Kind: KindEvent, Label: "Contact.Meet", Spans: []Span{{Start: 7, End: 10, Text: "met"}},
		Arguments: []Argument{{"Entity", 1}, {"Entity", 2}}, Attributes: map[string]string{"realis": "ACTUAL", "tense": "PAST"}}
	upd := old
	upd.Label = "Contact.Phone-Write"
	upd.Arguments = []Argument{{"Entity", 1}, {"Place", 3}}
	upd.Attributes = map[string]string{"realis": "GENERIC", "polarity": "NEGATIVE"}
	got := DescribeChange(&old, &upd)
	want := []string{"label Contact.Meet -> Contact.Phone-Write", "arguments: -Entity=2 +Place=3",
		"attributes: +polarity=NEGATIVE, realis ACTUAL -> GENERIC, -tense=PAST"}
	if !slices.Equal(got, want) {
		t.Errorf("DescribeChange =\n%q\nwant\n%q", got, want)
	}
	if got := DescribeChange(nil, &old); !slices.Equal(got, []string{`created event Contact.Meet [7,10) "met"`}) {
		t.Errorf("created: %q", got)
	}
	if got := DescribeChange(&old, &old); !slices.Equal(got, []string{"no change"}) {
		t.Errorf("no change: %q", got)
	}
}
