// Package storetest is the conformance suite of scholia.Store: every
// implementation runs Run against a real store and must pass it unchanged.
// It imports only the root package, so that it tests behaviour through the
// interface and nothing else.
package storetest

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/scholia-nlp/scholia"
)

// Run runs the conformance suite. open must return a new, empty store for
// each call; Run closes none of them (open should register its own cleanup).
func Run(t *testing.T, open func(t *testing.T) scholia.Store) {
	groups := []struct {
		name  string
		tests []test
	}{
		{"Users", userTests},
		{"Projects", projectTests},
		{"Documents", documentTests},
		{"Annotations", annotationTests},
		{"Revisions", revisionTests},
		{"Concurrency", concurrencyTests},
		{"Layers", layerTests},
		{"Corpus", corpusTests},
		{"Changes", changeTests},
		{"CorpusChangedSince", changedSinceTests},
		{"Workflow", workflowTests},
		{"Import", importTests},
		{"ImportProvenance", importProvenanceTests},
	}
	for _, g := range groups {
		t.Run(g.name, func(t *testing.T) {
			for _, tc := range g.tests {
				t.Run(tc.name, func(t *testing.T) {
					tc.run(t, open(t))
				})
			}
		})
	}
}

// test is one case of the suite, run on a new store.
type test struct {
	name string
	run  func(t *testing.T, s scholia.Store)
}

var ctx = context.Background()

// The users of the fixture: two annotators and a curator.
var (
	alice   = scholia.WriteMeta{User: "alice"}
	bob     = scholia.WriteMeta{User: "bob"}
	curator = scholia.WriteMeta{User: "carol"}
)

// The fixture's texts. text1 has CRLF line ends; text2 has an emoji with a
// skin-tone modifier, combining accents, precomposed letters, a flag and CRLF.
const (
	text1 = "Rebels attacked Aleppo on Monday, killing 12 people.\r\n" +
		"The UN said 270,000 people were killed in the war, officials told reporters.\r\n" +
		"Obama met Putin in Moscow on Friday."
	text2 = "\U0001F44D\U0001F3FD Cafe\u0301 ok\r\nJose\u0301 Ram\u00edrez met Zo\u00eb \U0001F1EB\U0001F1F7 in Paris."
	// text2's length in code points and SHA-256, computed independently.
	text2Length = 47
	text2SHA256 = "b2de7103c8b1b573653d7c59728972349a1eb4dbd4bac8662634fc3d81e8b5a5"
)

// fixture is a store with users alice, bob (annotators) and carol (curator),
// project "news" with the news schema, and documents d1 (text1) and d2
// (text2) in it.
type fixture struct {
	t *testing.T
	s scholia.Store
}

func setup(t *testing.T, s scholia.Store) *fixture {
	t.Helper()
	f := &fixture{t: t, s: s}
	for _, u := range []scholia.User{{Name: "alice", Role: scholia.RoleAnnotator}, {Name: "bob", Role: scholia.RoleAnnotator},
		{Name: "carol", Role: scholia.RoleCurator}} {
		if _, err := s.CreateUser(ctx, u); err != nil {
			t.Fatalf("CreateUser(%s): %v", u.Name, err)
		}
	}
	if _, err := s.CreateProject(ctx, curator, scholia.Project{ID: "news", Title: "News"}); err != nil {
		t.Fatalf("CreateProject: %v", err)
	}
	f.doc("d1", text1)
	f.doc("d2", text2)
	return f
}

// doc creates a document in project news.
func (f *fixture) doc(id, text string) scholia.Document {
	f.t.Helper()
	d, err := f.s.CreateDocument(ctx, curator, scholia.Document{Project: "news", ID: id, Title: "title of " + id, Text: text})
	if err != nil {
		f.t.Fatalf("CreateDocument(%s): %v", id, err)
	}
	return d
}

// create creates annotations, which must be valid.
func (f *fixture) create(w scholia.WriteMeta, anns ...scholia.Annotation) []scholia.Annotation {
	f.t.Helper()
	out, err := f.s.CreateAnnotations(ctx, w, anns)
	if err != nil {
		f.t.Fatalf("CreateAnnotations: %v", err)
	}
	if len(out) != len(anns) {
		f.t.Fatalf("CreateAnnotations returned %d annotations, want %d", len(out), len(anns))
	}
	return out
}

func (f *fixture) rev() int64 {
	f.t.Helper()
	return revision(f.t, f.s)
}

func revision(t *testing.T, s scholia.Store) int64 {
	t.Helper()
	r, err := s.Revision(ctx)
	if err != nil {
		t.Fatalf("Revision: %v", err)
	}
	return r
}

// span returns the span of the n-th (from 0) occurrence of quote in text, in
// code points, with its text. It fails the test if there is none.
func span(t *testing.T, text, quote string, n int) scholia.Span {
	t.Helper()
	from := 0
	for {
		i := strings.Index(text[from:], quote)
		if i < 0 {
			t.Fatalf("%q does not occur %d times in the text", quote, n+1)
		}
		if n == 0 {
			start := int64(utf8.RuneCountInString(text[:from+i]))
			return scholia.Span{Start: start, End: start + int64(utf8.RuneCountInString(quote)), Text: quote}
		}
		n--
		from += i + 1
	}
}

// mention makes a mention of the n-th occurrence of quote in a document.
func mention(t *testing.T, doc, text, annotator, label, quote string, n int) scholia.Annotation {
	return scholia.Annotation{Project: "news", Document: doc, Annotator: annotator, Kind: scholia.KindMention,
		Label: label, Spans: []scholia.Span{span(t, text, quote, n)}}
}

// wantCode fails the test unless err is a *scholia.Error with code.
func wantCode(t *testing.T, err error, code scholia.Code) *scholia.Error {
	t.Helper()
	if err == nil {
		t.Fatalf("got no error, want code %v", code)
	}
	var e *scholia.Error
	if !errors.As(err, &e) {
		t.Fatalf("got %T %v, want a *scholia.Error with code %v", err, err, code)
	}
	if got := scholia.ErrorCode(err); got != code {
		t.Fatalf("got code %v (%v), want %v", got, err, code)
	}
	return e
}

// wantReason is wantCode that also checks the reason.
func wantReason(t *testing.T, err error, code scholia.Code, reason string) *scholia.Error {
	t.Helper()
	e := wantCode(t, err, code)
	if e.Reason != reason {
		t.Fatalf("got reason %q (%v), want %q", e.Reason, err, reason)
	}
	return e
}

// wantFields fails the test unless err is CodeInvalid with exactly one
// violation on each of fields, in that order.
func wantFields(t *testing.T, err error, fields ...string) *scholia.Error {
	t.Helper()
	e := wantCode(t, err, scholia.CodeInvalid)
	var got []string
	for _, v := range e.Violations {
		got = append(got, v.Field)
		if v.Description == "" {
			t.Errorf("violation of %s has no description", v.Field)
		}
	}
	if !slices.Equal(got, fields) {
		t.Fatalf("violations on %q, want %q (%v)", got, fields, err)
	}
	return e
}

// wantContains fails the test unless s contains each of parts.
func wantContains(t *testing.T, what, s string, parts ...string) {
	t.Helper()
	for _, p := range parts {
		if !strings.Contains(s, p) {
			t.Fatalf("%s %q does not contain %q", what, s, p)
		}
	}
}

// must fails the test on an error.
func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// equal fails the test unless got and want are deeply equal.
func equal(t *testing.T, what string, got, want any) {
	t.Helper()
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("%s:\n got %+v\nwant %+v", what, show(got), show(want))
	}
}

// show prints annotations with their bodies rather than pointers.
func show(v any) string {
	switch x := v.(type) {
	case scholia.Annotation:
		return showAnnotation(x)
	case []scholia.Annotation:
		var parts []string
		for _, a := range x {
			parts = append(parts, showAnnotation(a))
		}
		return "[" + strings.Join(parts, ", ") + "]"
	}
	return fmt.Sprintf("%+v", v)
}

func showAnnotation(a scholia.Annotation) string {
	s := fmt.Sprintf("%+v", a)
	if a.Claim != nil {
		s += fmt.Sprintf(" claim=%+v", *a.Claim)
		if a.Claim.Normalized != nil {
			s += fmt.Sprintf(" norm=%+v", *a.Claim.Normalized)
		}
	}
	if a.Relation != nil {
		s += fmt.Sprintf(" relation=%+v", *a.Relation)
	}
	if a.Cluster != nil {
		s += fmt.Sprintf(" cluster=%+v", *a.Cluster)
	}
	return s
}

// ids returns the ids of annotations.
func ids(anns []scholia.Annotation) []int64 {
	out := make([]int64, len(anns))
	for i, a := range anns {
		out[i] = a.ID
	}
	return out
}

// listAll lists every annotation matching f as of asOf, page by page.
func listAll(t *testing.T, s scholia.Store, f scholia.AnnotationFilter, pageSize int, asOf int64) []scholia.Annotation {
	t.Helper()
	var out []scholia.Annotation
	var after int64
	for {
		page, rev, err := s.ListAnnotations(ctx, f, after, pageSize, asOf)
		if err != nil {
			t.Fatalf("ListAnnotations: %v", err)
		}
		if asOf == 0 {
			asOf = rev
		} else if rev != asOf {
			t.Fatalf("ListAnnotations read revision %d, asked for %d", rev, asOf)
		}
		out = append(out, page...)
		if len(page) < pageSize {
			return out
		}
		after = page[len(page)-1].ID
	}
}

// sameAnnotation fails the test unless got and want are equal, comparing
// times by the instant they stand for.
func sameAnnotation(t *testing.T, what string, got, want scholia.Annotation) {
	t.Helper()
	if !got.CreateTime.Equal(want.CreateTime) || !got.UpdateTime.Equal(want.UpdateTime) {
		t.Fatalf("%s: times %v, %v; want %v, %v", what, got.CreateTime, got.UpdateTime, want.CreateTime, want.UpdateTime)
	}
	got.CreateTime, got.UpdateTime = want.CreateTime, want.UpdateTime
	equal(t, what, got, want)
}

// sameAnnotations is sameAnnotation for lists.
func sameAnnotations(t *testing.T, what string, got, want []scholia.Annotation) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %d annotations %v, want %d %v", what, len(got), ids(got), len(want), ids(want))
	}
	for i := range got {
		sameAnnotation(t, fmt.Sprintf("%s[%d]", what, i), got[i], want[i])
	}
}

// arg makes an event argument.
func arg(role string, id int64) scholia.Argument {
	return scholia.Argument{Role: role, AnnotationID: id}
}
