package sqlite

import (
	"fmt"
	"testing"
	"time"

	"github.com/scholia-nlp/scholia"
)

func TestScratchTiming(t *testing.T) {
	s, err := Open(ctx, "/tmp/scholia/bench.db")
	if err != nil {
		t.Fatal(err)
	}
	rev, _ := s.Revision(ctx)
	f := scholia.CorpusFilter{Project: "news", WithText: true}
	var tDocs, tSt, tAnn, tCl time.Duration
	var nAnn int
	after := ""
	for {
		t0 := time.Now()
		dq := documentsQuery(f, after, 64, rev)
		rows, _ := s.r.QueryContext(ctx, dq.sql, dq.args...)
		var docIDs []string
		for rows.Next() {
			var text any
			d, err := scanDocument(rows, &text)
			if err != nil {
				t.Fatal(err)
			}
			docIDs = append(docIDs, d.ID)
		}
		rows.Close()
		t1 := time.Now()
		docs := jsonList(docIDs)
		sq := statusesQuery(f, docs, rev)
		rows, _ = s.r.QueryContext(ctx, sq.sql, sq.args...)
		for rows.Next() {
		}
		rows.Close()
		t2 := time.Now()
		aq := annotationsQuery(f, docs, "", rev)
		rows, _ = s.r.QueryContext(ctx, aq.sql, aq.args...)
		var members []int64
		for rows.Next() {
			a, err := scanAnnotation(rows)
			if err != nil {
				t.Fatal(err)
			}
			nAnn++
			members = append(members, a.ID)
		}
		rows.Close()
		t3 := time.Now()
		cq := clustersQuery(f, jsonList(members), rev)
		rows, _ = s.r.QueryContext(ctx, cq.sql, cq.args...)
		for rows.Next() {
			if _, err := scanAnnotation(rows); err != nil {
				t.Fatal(err)
			}
		}
		rows.Close()
		t4 := time.Now()
		tDocs += t1.Sub(t0)
		tSt += t2.Sub(t1)
		tAnn += t3.Sub(t2)
		tCl += t4.Sub(t3)
		if len(docIDs) < 64 {
			break
		}
		after = docIDs[len(docIDs)-1]
	}
	fmt.Println("docs", tDocs, "statuses", tSt, "anns", tAnn, "clusters", tCl, nAnn)
}
