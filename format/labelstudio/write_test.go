package labelstudio

import (
	"strings"
	"testing"
	"time"

	"github.com/scholia-nlp/scholia"
	"github.com/scholia-nlp/scholia/internal/annotest"
)

func mustWrite(t testing.TB, docs []scholia.AnnotatedDocument, opts WriteOptions) (string, []Omission) {
	t.Helper()
	var b strings.Builder
	om, err := Write(&b, docs, opts)
	if err != nil {
		t.Fatal(err)
	}
	return b.String(), om
}

// TestRoundTrip: Label Studio -> scholia -> Label Studio gives the same
// results up to ids and offset units, and scholia -> Label Studio ->
// scholia the same annotations.
func TestRoundTrip(t *testing.T) {
	in := readFixture(t)
	for _, tc := range []struct {
		name  string
		ropts ReadOptions
		utf16 bool
	}{
		{"default", ReadOptions{}, false},
		{"mapped annotators", ReadOptions{Annotators: map[string]string{"3": "ana", "bo@example.org": "bo"}}, false},
		{"UTF-16 out", ReadOptions{}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			docs, rep := mustRead(t, in, tc.ropts)
			out, om := mustWrite(t, docs, WriteOptions{PredictionLayers: rep.PredictionLayers, Annotators: tc.ropts.Annotators, UTF16: tc.utf16})
			if len(om) > 0 {
				t.Errorf("omissions: %v", om)
			}
			diff(t, "label studio", lsCanon(t, in), lsCanon(t, out))
			docs2, rep2 := mustRead(t, out, tc.ropts)
			diff(t, "scholia", canonDocs(t, docs), canonDocs(t, docs2))
			if tc.utf16 && rep2.Tasks[0].UTF16 != 13 {
				t.Errorf("UTF-16 export: %d regions converted back, want 13", rep2.Tasks[0].UTF16)
			}
			if !tc.utf16 && rep2.Tasks[0].UTF16 != 0 {
				t.Errorf("code-point export: %d regions converted", rep2.Tasks[0].UTF16)
			}
			if t.Failed() {
				t.Logf("written:\n%s", out)
			}
		})
	}
}

// TestWriteFromScholia writes what Label Studio cannot draw itself:
// discontinuous spans, claims without a type, notes over several lines.
func TestWriteFromScholia(t *testing.T) {
	text := "🙂 “Ten people,” Ana said.\r\nBo and Cy agreed."
	doc := scholia.AnnotatedDocument{Document: scholia.Document{ID: "doc-1", Text: text, Title: "T", PublishTime: time.Date(2024, 5, 1, 8, 0, 0, 0, time.UTC)}, Annotations: []scholia.Annotation{
		{ID: 1, Annotator: "ana", Kind: scholia.KindMention, Label: "PER", Spans: []scholia.Span{{Start: 16, End: 19}}, Attributes: map[string]string{"note": "line one\nline two", "mention_type": "NAM", "comment": "free text"}},
		{ID: 2, Annotator: "ana", Kind: scholia.KindClaim, Spans: []scholia.Span{{Start: 3, End: 6}, {Start: 7, End: 13}},
			Claim: &scholia.ClaimFields{ClaimantID: 1, Cue: []scholia.Span{{Start: 20, End: 24}}, Normalized: &scholia.NormalizedValue{}}},
		{ID: 3, Annotator: "ana", Kind: scholia.KindMention, Label: "PER", Spans: []scholia.Span{{Start: 27, End: 29}, {Start: 34, End: 36}}},
		{ID: 4, Annotator: "ana", Kind: scholia.KindCluster, Label: "entity", Cluster: &scholia.ClusterFields{Members: []int64{1, 3}, Title: "people"}},
		{ID: 5, Annotator: "ana", Kind: scholia.KindRelation, Label: "Supports", Relation: &scholia.RelationEnds{Source: 2, Target: 3}, Attributes: map[string]string{"direction": "bi", "why": "x"}},
		{ID: 9, Annotator: "user-7", Kind: scholia.KindMention, Label: "PER", Spans: []scholia.Span{{Start: 16, End: 19}}},
	}}
	annotest.FillTexts(t, doc)
	out, om := mustWrite(t, []scholia.AnnotatedDocument{doc}, WriteOptions{})
	if len(om) != 2 {
		t.Errorf("omissions %v, want the cluster title and the relation attribute", om)
	}
	if !strings.Contains(out, `"completed_by":7`) || !strings.Contains(out, `"doc_id":"doc-1"`) {
		t.Errorf("completed_by or doc_id:\n%s", out)
	}
	docs, rep := mustRead(t, out, ReadOptions{})
	if len(rep.Tasks[0].Errors) > 0 {
		t.Fatalf("errors: %v", rep.Tasks[0].Errors)
	}
	doc.Annotations[3].Cluster.Title = ""
	delete(doc.Annotations[4].Attributes, "why")
	diff(t, "scholia", canon(t, doc), canon(t, docs[0]))
	if got := docs[0].Document; got.Title != "T" || !got.PublishTime.Equal(doc.Document.PublishTime) || got.ID != "doc-1" {
		t.Errorf("document %+v", got)
	}
	if t.Failed() {
		t.Logf("written:\n%s", out)
	}
}

func TestWriteErrors(t *testing.T) {
	text := "Ana met Bo."
	m := func(id int64, s, e int64) scholia.Annotation {
		return scholia.Annotation{ID: id, Annotator: "a", Kind: scholia.KindMention, Label: "PER", Spans: []scholia.Span{{Start: s, End: e}}}
	}
	ev := scholia.Annotation{ID: 3, Annotator: "a", Kind: scholia.KindEvent, Label: "Contact.Meet", Spans: []scholia.Span{{Start: 4, End: 7}}}
	tests := []struct {
		name string
		anns []scholia.Annotation
		msg  string
	}{
		{"outside", []scholia.Annotation{m(1, 8, 30)}, "outside the text"},
		{"missing ref", []scholia.Annotation{m(1, 0, 3), {ID: 2, Annotator: "a", Kind: scholia.KindRelation, Label: "Supports", Relation: &scholia.RelationEnds{Source: 1, Target: 7}}}, "refers to 7"},
		{"relation as argument", []scholia.Annotation{m(1, 0, 3), ev, {ID: 2, Annotator: "a", Kind: scholia.KindRelation, Label: "Knows", Relation: &scholia.RelationEnds{Source: 3, Target: 1}}}, "would read back as an argument"},
		{"role is relation type", []scholia.Annotation{m(1, 0, 3), {ID: 3, Annotator: "a", Kind: scholia.KindEvent, Label: "X", Spans: []scholia.Span{{Start: 4, End: 7}}, Arguments: []scholia.Argument{{Role: "Causes", AnnotationID: 1}}}}, "also a relation label"},
		{"duplicate id", []scholia.Annotation{m(1, 0, 3), m(1, 8, 10)}, "used twice"},
		{"reserved claim key", []scholia.Annotation{{ID: 1, Annotator: "a", Kind: scholia.KindClaim, Spans: []scholia.Span{{Start: 0, End: 3}}, Attributes: map[string]string{ClaimStance: "x"}}}, "reserved"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			doc := scholia.AnnotatedDocument{Document: scholia.Document{ID: "d", Text: text}, Annotations: tc.anns}
			_, err := Write(&strings.Builder{}, []scholia.AnnotatedDocument{doc}, WriteOptions{})
			if err == nil || !strings.Contains(err.Error(), tc.msg) {
				t.Errorf("error %v, want ...%s...", err, tc.msg)
			}
		})
	}
}

// TestEdgeRoundTrips reads exports with unusual results, writes them and
// reads them back: the annotations must not change.
func TestEdgeRoundTrips(t *testing.T) {
	for name, in := range edgeCases {
		t.Run(name, func(t *testing.T) {
			docs, rep := mustRead(t, in, ReadOptions{})
			if errs := rep.Tasks[0].Errors; len(errs) > 0 {
				t.Fatalf("errors: %v", errs)
			}
			out, _ := mustWrite(t, docs, WriteOptions{})
			docs2, rep2 := mustRead(t, out, ReadOptions{})
			if errs := rep2.Tasks[0].Errors; len(errs) > 0 {
				t.Errorf("errors reading back: %v", errs)
			}
			diff(t, "round trip", canonDocs(t, docs), canonDocs(t, docs2))
			if t.Failed() {
				t.Logf("written:\n%s", out)
			}
		})
	}
}

// edgeCases are exports with unusual results (also fuzz seeds).
var edgeCases = map[string]string{
	"claim without label, extra labels": task0(`{"id": "c", "from_name": "claim", "type": "labels", "value": {"start": 0, "end": 3, "text": "Ana", "labels": []}}`,
		`{"id": "c", "from_name": "extra_labels", "type": "textarea", "value": {"text": ["x|y"]}}`),
	"relation with two labels and a score": task0(jsRegion("a", 0, 3, "Ana"), jsRegion("b", 8, 10, "Bo"),
		`{"from_id": "a", "to_id": "b", "type": "relation", "labels": ["Knows", "Likes"], "score": 0.5, "direction": "bi"}`),
	"odd score attribute": task0(jsRegion("a", 0, 3, "Ana"), `{"id": "a", "from_name": "score", "type": "textarea", "value": {"text": ["1.50"]}}`),
	"unattached cue and second source": task0(`{"id": "c", "from_name": "claim", "type": "labels", "value": {"start": 4, "end": 7, "text": "met", "labels": ["q"]}}`,
		jsRegion("a", 0, 3, "Ana"), jsRegion("b", 8, 10, "Bo"), `{"id": "u", "from_name": "cue", "type": "labels", "value": {"start": 13, "end": 18, "labels": ["Cue"]}}`,
		`{"from_id": "c", "to_id": "a", "type": "relation", "labels": ["Source"]}`),
	"no labels on a relation": task0(jsRegion("a", 0, 3, "Ana"), jsRegion("b", 8, 10, "Bo"), `{"from_id": "a", "to_id": "b", "type": "relation"}`),
}
