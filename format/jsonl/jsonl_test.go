package jsonl

import (
	"bytes"
	"errors"
	"io"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/scholia-nlp/scholia"
)

// corpus is two documents with an emoji, a combining accent, CRLF and
// curly quotes in the text, and annotations of every kind.
func corpus() []scholia.CorpusDocument {
	t0 := time.Date(2026, 3, 1, 9, 30, 0, 0, time.UTC)
	text := "“Peace” 🕊️ said Jose\u0301,\r\nthen left."
	ann := func(id int64, k scholia.Kind, label string, spans ...scholia.Span) scholia.Annotation {
		return scholia.Annotation{ID: id, Project: "news", Document: "a", Annotator: "alice", Kind: k, Label: label, Spans: spans,
			CreateRev: id, Rev: id + 1, CreateTime: t0, UpdateTime: t0.Add(time.Minute), UpdateUser: "alice"}
	}
	m := ann(1, scholia.KindMention, "PER", scholia.Span{Start: 15, End: 20, Text: "Jose\u0301"})
	m.Attributes = map[string]string{"specificity": "specific"}
	ev := ann(2, scholia.KindEvent, "Movement.Transport", scholia.Span{Start: 28, End: 32, Text: "left"})
	ev.Arguments = []scholia.Argument{{Role: "Artifact", AnnotationID: 1}}
	cl := ann(3, scholia.KindClaim, "quote", scholia.Span{Start: 1, End: 6, Text: "Peace"})
	cl.Claim = &scholia.ClaimFields{ClaimantID: 1, Cue: []scholia.Span{{Start: 10, End: 14, Text: "said"}}, Stance: "asserts",
		Normalized: &scholia.NormalizedValue{Value: "peace", Unit: "", Time: "2026"}}
	rel := ann(4, scholia.KindRelation, "Supports")
	rel.Relation = &scholia.RelationEnds{Source: 3, Target: 5}
	clu := scholia.Annotation{ID: 6, Project: "news", Annotator: "alice", Kind: scholia.KindCluster, Label: "entity",
		Cluster: &scholia.ClusterFields{Members: []int64{1, 7}, Title: "José"}, CreateRev: 6, Rev: 6, CreateTime: t0, UpdateTime: t0}
	layer := scholia.Layer{Project: "news", Document: "a", Annotator: "alice", Status: scholia.LayerDone, AnnotationCount: 4, Rev: 9, UpdateTime: t0}
	return []scholia.CorpusDocument{
		{
			Document:    scholia.Document{Project: "news", ID: "a", Title: "Peace", Source: "Wire", URL: "https://example.org/a", PublishTime: t0, Language: "en", Text: text, Length: int64(len([]rune(text))), SHA256: "ab12"},
			Annotations: []scholia.Annotation{m, ev, cl, rel},
			Clusters:    []scholia.Annotation{clu},
			Layers:      []scholia.Layer{layer},
		},
		{Document: scholia.Document{Project: "news", ID: "b", Length: 0}},
	}
}

// TestRoundTrip writes a corpus, reads it back unchanged, and writes the
// same bytes again.
func TestRoundTrip(t *testing.T) {
	want := corpus()
	var buf bytes.Buffer
	w := NewWriter(&buf, 42)
	for _, d := range want {
		if err := w.Write(d); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	first := buf.String()
	if n := strings.Count(first, "\n"); n != 2 {
		t.Fatalf("%d lines, want 2:\n%s", n, first)
	}
	got, revs, err := ReadAll(strings.NewReader(first))
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(revs, []int64{42}) {
		t.Errorf("revisions %v", revs)
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("read back\n%+v\nwant\n%+v", got, want)
	}
	var again bytes.Buffer
	w = NewWriter(&again, 42)
	for _, d := range got {
		if err := w.Write(d); err != nil {
			t.Fatal(err)
		}
	}
	w.Flush()
	if again.String() != first {
		t.Errorf("second write differs:\n%s\nfirst:\n%s", again.String(), first)
	}
}

// TestBadLine reports the number of the line that does not parse, counting
// blank lines, after a byte order mark and CRLF line ends.
func TestBadLine(t *testing.T) {
	var buf bytes.Buffer
	w := NewWriter(&buf, 7)
	w.Write(corpus()[1])
	w.Flush()
	good := strings.TrimSuffix(buf.String(), "\n")
	tests := []struct {
		name, input string
		line        int
		want        string
	}{
		{"syntax", "\xef\xbb\xbf" + good + "\r\n\r\n" + good + "\r\n{\"document\": {\"id\": \"c\"},}\r\n", 4, "line 4: "},
		{"wrong type", good + "\n" + `{"document":{"id":"c"},"revision":"soon"}` + "\n", 2, "line 2: "},
		{"no document", good + "\n" + good + "\n" + `{"revision":"3"}`, 3, "no document"},
		{"not UTF-8", `{"document":{"id":"c","text":"` + "\xff" + `"}}`, 1, "line 1: "},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := ReadAll(strings.NewReader(tt.input))
			var le *LineError
			if !errors.As(err, &le) || le.Line != tt.line || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("got %v, want an error on line %d containing %q", err, tt.line, tt.want)
			}
		})
	}
}

// TestLongLine reads a line of 24 MB, far beyond any buffer, and a last
// line without a line end.
func TestLongLine(t *testing.T) {
	text := strings.Repeat("Ceasefire talks resume in Geneva. 🕊️\n", 600_000)
	d := scholia.CorpusDocument{Document: scholia.Document{Project: "news", ID: "long", Text: text, Length: int64(len([]rune(text)))}}
	var buf bytes.Buffer
	w := NewWriter(&buf, 1)
	w.Write(d)
	w.Write(corpus()[1])
	w.Flush()
	input := strings.TrimSuffix(buf.String(), "\n")
	if len(input) < 24<<20 {
		t.Fatalf("the line is only %d bytes", len(input))
	}
	r := NewReader(strings.NewReader(input))
	got, err := r.Read()
	if err != nil {
		t.Fatal(err)
	}
	if got.Document.Text != text || r.Line() != 1 {
		t.Errorf("text of %d bytes read back as %d bytes (line %d)", len(text), len(got.Document.Text), r.Line())
	}
	if got, err := r.Read(); err != nil || got.Document.ID != "b" {
		t.Errorf("last line: %v %v", got.Document.ID, err)
	}
	if _, err := r.Read(); !errors.Is(err, io.EOF) {
		t.Errorf("after the last line: %v", err)
	}
}
