package sqlite

import (
	"database/sql"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/scholia-nlp/scholia"
)

func explain(t *testing.T, s *Store, q corpusQuery) string {
	rows, err := s.r.QueryContext(ctx, "EXPLAIN QUERY PLAN "+q.sql, q.args...)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var parts []string
	for rows.Next() {
		var id, parent, notused int
		var detail string
		rows.Scan(&id, &parent, &notused, &detail)
		parts = append(parts, detail)
	}
	return strings.Join(parts, "; ")
}

func TestScratchPlans(t *testing.T) {
	s := openTemp(t)
	f := scholia.CorpusFilter{Project: "news"}
	docs := `["d1","d2"]`
	for _, c := range []struct{ name string; f scholia.CorpusFilter }{
		{"plain", f},
		{"all", scholia.CorpusFilter{Project: "news", Annotators: []string{"alice"}, Documents: []string{"d1"}, From: time.Now(), To: time.Now(), Kinds: []scholia.Kind{1}, Labels: []string{"PER"}, DoneOnly: true, WithText: true}},
	} {
		fmt.Println(c.name)
		fmt.Println(" docs:", explain(t, s, documentsQuery(c.f, "", 64, 5)))
		fmt.Println(" statuses:", explain(t, s, statusesQuery(c.f, docs, 5)))
		layers := ""
		if c.f.DoneOnly { layers = `["d1/alice"]` }
		fmt.Println(" anns:", explain(t, s, annotationsQuery(c.f, docs, layers, 5)))
		fmt.Println(" counts:", explain(t, s, countsQuery(c.f, docs, layers, 5)))
		fmt.Println(" clusters:", explain(t, s, clustersQuery(c.f, "[1,2]", 5)))
	}
	for _, ac := range []string{"", " AND annotator IN (:ann0)"} {
	args := []any{sql.Named("project", "news"), sql.Named("since", 3), sql.Named("upto", 5), sql.Named("skip", 5), sql.Named("ann0", "alice")}
	fmt.Println(" upto:", explain(t, s, corpusQuery{changesUpToQuery(ac), args}))
	cq := changeQueries(ac)
	for _, q := range []string{cq.annCreated, cq.annClosed, cq.docCreated, cq.docClosed, cq.layers} {
		fmt.Println(" change:", explain(t, s, corpusQuery{q, args}))
	}
	}
}
