package brat

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/scholia-nlp/scholia"
	"github.com/scholia-nlp/scholia/internal/annotest"
)

func mustWrite(t testing.TB, doc scholia.AnnotatedDocument, opts WriteOptions) (string, string, []Omission) {
	t.Helper()
	var txt, ann strings.Builder
	om, err := Write(&txt, &ann, doc, opts)
	if err != nil {
		t.Fatal(err)
	}
	return txt.String(), ann.String(), om
}

// TestRoundTrip: brat -> scholia -> brat gives the same lines up to ids,
// and scholia -> brat -> scholia the same annotations.
func TestRoundTrip(t *testing.T) {
	txt, ann := readFixture(t, "news1")
	tests := []struct {
		name string
		ann  string
		opts WriteOptions
	}{
		{"fixture", ann, WriteOptions{}},
		{"fixture CRLF ann", strings.ReplaceAll(ann, "\n", "\r\n"), WriteOptions{}},
		{"cue as argument", ann, WriteOptions{Claims: ClaimMapping{CueArgument: true}}},
		{"shared trigger", "T1\tPER 0 3\tAna\nT2\tPER 8 10\tBo\nT3\tContact.Meet 11 14\tmet\nE1\tContact.Meet:T3 Entity:T1\nE2\tContact.Meet:T3 Entity:T2\n", WriteOptions{}},
		{"claim without cue", "T1\tAttribution 0 3\tAna\nE1\tAttribution:T1\nA1\tclaim.stance E1 asserts\n", WriteOptions{}},
		{"attribution kept as event", "T1\tAttribution 11 14\tmet\nT2\tContent 0 3\tAna\nT3\tCue 8 10\tBo\nE1\tAttribution:T1 Content:T2 Cue:T3\n", WriteOptions{}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			text := txt
			if !strings.Contains(tc.ann, "Lisbon") {
				text = "Ana and Bo met twice."
			}
			doc := mustRead(t, text, tc.ann, ReadOptions{})
			txt2, ann2, om := mustWrite(t, doc, tc.opts)
			if txt2 != text {
				t.Errorf("text changed")
			}
			if len(om) > 0 {
				t.Errorf("omissions: %v", om)
			}
			if !tc.opts.Claims.CueArgument {
				diff(t, "brat", bratCanon(t, tc.ann), bratCanon(t, ann2))
			}
			doc2 := mustRead(t, txt2, ann2, ReadOptions{})
			diff(t, "scholia", canon(t, doc), canon(t, doc2))
			if t.Failed() {
				t.Logf("written:\n%s", ann2)
			}
		})
	}
}

func TestWriteFiles(t *testing.T) {
	txt, ann := readFixture(t, "news1")
	doc := mustRead(t, txt, ann, ReadOptions{})
	dir := t.TempDir()
	tp, ap := filepath.Join(dir, "a.txt"), filepath.Join(dir, "a.ann")
	if _, err := WriteFiles(tp, ap, doc, WriteOptions{}); err != nil {
		t.Fatal(err)
	}
	doc2, err := ReadFiles(tp, ap, ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	diff(t, "files", canon(t, doc), canon(t, doc2))
	if b, _ := os.ReadFile(tp); string(b) != txt {
		t.Error("text file differs")
	}
}

// TestWriteFromScholia writes annotations made in scholia (not read from
// brat): attribute values with spaces, empty normalised values, layers.
func TestWriteFromScholia(t *testing.T) {
	text := "“Ten people,” Ana said 🙂.\r\nBo agreed."
	doc := scholia.AnnotatedDocument{Document: scholia.Document{ID: "d", Text: text}, Annotations: []scholia.Annotation{
		{ID: 10, Annotator: "ana", Kind: scholia.KindMention, Label: "PER", Spans: []scholia.Span{{Start: 14, End: 17}},
			Attributes: map[string]string{"comment": "two words", "note": "a note", "note#2": "another", "norm": "Wikidata:Q1", "norm.text": "Ana X", "flag": "true"}},
		{ID: 11, Annotator: "ana", Kind: scholia.KindClaim, Label: "quantity", Spans: []scholia.Span{{Start: 1, End: 11}},
			Claim: &scholia.ClaimFields{ClaimantID: 10, Cue: []scholia.Span{{Start: 18, End: 22}}, Stance: "asserts", ClaimantText: "Ana, a witness",
				Normalized: &scholia.NormalizedValue{Value: "10", Unit: "people", Time: "2024-05-01"}}},
		{ID: 12, Annotator: "ana", Kind: scholia.KindClaim, Spans: []scholia.Span{{Start: 27, End: 36}}, Claim: &scholia.ClaimFields{Normalized: &scholia.NormalizedValue{}}},
		{ID: 13, Annotator: "ana", Kind: scholia.KindRelation, Label: "Supports", Relation: &scholia.RelationEnds{Source: 12, Target: 11}},
		{ID: 14, Annotator: "ana", Kind: scholia.KindCluster, Label: "claim", Cluster: &scholia.ClusterFields{Members: []int64{11, 12, 99}, Title: "ten"}},
		{ID: 20, Annotator: "bo", Kind: scholia.KindMention, Label: "PER", Spans: []scholia.Span{{Start: 27, End: 29}}},
	}}
	_, ann, om := mustWrite(t, doc, WriteOptions{Annotator: "ana"})
	if len(om) != 2 {
		t.Errorf("omissions %v, want the title and member 99", om)
	}
	if strings.Contains(ann, "27 29") {
		t.Errorf("bo's layer written:\n%s", ann)
	}
	got := mustRead(t, text, ann, ReadOptions{Annotator: "ana"})
	doc.Annotations = doc.Annotations[:5]
	doc.Annotations[4].Cluster = &scholia.ClusterFields{Members: []int64{11, 12}}
	annotest.FillTexts(t, doc)
	diff(t, "scholia", canon(t, doc), canon(t, got))
	if t.Failed() {
		t.Logf("written:\n%s", ann)
	}
}

func TestWriteErrors(t *testing.T) {
	text := "Ana met Bo."
	m := func(id int64, label string, s, e int64, attrs map[string]string) scholia.Annotation {
		return scholia.Annotation{ID: id, Kind: scholia.KindMention, Label: label, Spans: []scholia.Span{{Start: s, End: e}}, Attributes: attrs}
	}
	tests := []struct {
		name string
		anns []scholia.Annotation
		msg  string
	}{
		{"label space", []scholia.Annotation{m(1, "New York", 0, 3, nil)}, `annotation 1 (mention): label "New York"`},
		{"span outside", []scholia.Annotation{m(1, "PER", 8, 40, nil)}, "outside the text"},
		{"note newline", []scholia.Annotation{m(1, "PER", 0, 3, map[string]string{"note": "a\nb"})}, "contains a line break"},
		{"key space", []scholia.Annotation{m(1, "PER", 0, 3, map[string]string{"a b": "c"})}, `attribute key "a b"`},
		{"missing ref", []scholia.Annotation{{ID: 2, Kind: scholia.KindRelation, Label: "R", Relation: &scholia.RelationEnds{Source: 1, Target: 3}}}, "refers to annotation 1"},
		{"duplicate id", []scholia.Annotation{m(1, "PER", 0, 3, nil), m(1, "PER", 8, 10, nil)}, "id used twice"},
		{"reserved claim key", []scholia.Annotation{{ID: 1, Kind: scholia.KindClaim, Spans: []scholia.Span{{Start: 0, End: 3}}, Attributes: map[string]string{AttrStance: "x"}}}, "reserved"},
		{"event like a claim", []scholia.Annotation{m(1, "PER", 0, 3, nil), {ID: 2, Kind: scholia.KindEvent, Label: "Attribution", Spans: []scholia.Span{{Start: 4, End: 7}}, Arguments: []scholia.Argument{{Role: "Source", AnnotationID: 1}}}}, "would read back as a claim"},
		{"role space", []scholia.Annotation{m(1, "PER", 0, 3, nil), {ID: 2, Kind: scholia.KindEvent, Label: "Meet", Spans: []scholia.Span{{Start: 4, End: 7}}, Arguments: []scholia.Argument{{Role: "a b", AnnotationID: 1}}}}, `role "a b"`},
		{"repeated role ending in a digit", []scholia.Annotation{m(1, "PER", 0, 3, nil), m(3, "PER", 8, 10, nil), {ID: 2, Kind: scholia.KindEvent, Label: "Meet", Spans: []scholia.Span{{Start: 4, End: 7}},
			Arguments: []scholia.Argument{{Role: "Arg1", AnnotationID: 1}, {Role: "Arg1", AnnotationID: 3}}}}, `role "Arg1", written as "Arg1", would read back as "Arg"`},
		{"role like a numbered one", []scholia.Annotation{m(1, "PER", 0, 3, nil), m(3, "PER", 8, 10, nil), {ID: 2, Kind: scholia.KindEvent, Label: "Meet", Spans: []scholia.Span{{Start: 4, End: 7}},
			Arguments: []scholia.Argument{{Role: "Theme", AnnotationID: 1}, {Role: "Theme2", AnnotationID: 3}}}}, `role "Theme2", written as "Theme2", would read back as "Theme"`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			doc := scholia.AnnotatedDocument{Document: scholia.Document{Text: text}, Annotations: tc.anns}
			_, err := Write(nil, &strings.Builder{}, doc, WriteOptions{})
			if err == nil || !strings.Contains(err.Error(), tc.msg) {
				t.Errorf("error %v, want ...%s...", err, tc.msg)
			}
		})
	}
}

func TestClustersFromNorms(t *testing.T) {
	txt := "Ana met Bo in Évora."
	a := mustRead(t, txt, "T1\tGPE 14 19\tÉvora\nN1\tReference T1 Wikidata:Q179948\tÉvora\nT2\tPER 0 3\tAna\n", ReadOptions{DocumentID: "a", FirstID: 1})
	b := mustRead(t, txt, "T1\tPER 0 3\tAna\nT2\tGPE 14 19\tÉvora\nN1\tReference T2 Wikidata:Q179948\tÉvora\n", ReadOptions{DocumentID: "b", FirstID: 100})
	cs, err := ClustersFromNorms([]scholia.AnnotatedDocument{a, b}, 1000)
	if err != nil {
		t.Fatal(err)
	}
	if len(cs) != 1 || cs[0].ID != 1000 || cs[0].Cluster.Title != "Évora" || len(cs[0].Cluster.Members) != 2 || cs[0].Cluster.Members[1] != 101 {
		t.Errorf("clusters: %+v", cs)
	}
	b2 := mustRead(t, txt, "T1\tPER 0 3\tAna\n", ReadOptions{DocumentID: "b"})
	if _, err := ClustersFromNorms([]scholia.AnnotatedDocument{a, b2}, 1000); err == nil {
		t.Error("overlapping id ranges accepted")
	}
}
