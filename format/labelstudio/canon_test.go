package labelstudio

import (
	"testing"

	"github.com/scholia-nlp/scholia"
	"github.com/scholia-nlp/scholia/internal/annotest"
)

// canon describes a document's annotations without their ids (see
// annotest.Canon), each with its layer.
func canon(t testing.TB, doc scholia.AnnotatedDocument) []string {
	t.Helper()
	return annotest.Canon(doc, true)
}

// canonDocs describes several documents.
func canonDocs(t testing.TB, docs []scholia.AnnotatedDocument) []string {
	var out []string
	for _, d := range docs {
		for _, s := range canon(t, d) {
			out = append(out, d.Document.ID+": "+s)
		}
	}
	return out
}

// diff reports the differences of two sorted descriptions.
func diff(t testing.TB, what string, want, got []string) {
	t.Helper()
	annotest.Diff(t, what, want, got)
}
