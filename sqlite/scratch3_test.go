package sqlite

import (
	"database/sql"
	"fmt"
	"testing"
	"time"

	"github.com/scholia-nlp/scholia"
)

func TestScratchVariants(t *testing.T) {
	s, err := Open(ctx, "/tmp/scholia/bench.db")
	if err != nil {
		t.Fatal(err)
	}
	rev, _ := s.Revision(ctx)
	f := scholia.CorpusFilter{Project: "news"}
	scanRaw := func(rows *sql.Rows) int {
		n := 0
		for rows.Next() {
			var id, rev, crev, ct, ut int64
			var project, doc, ann, label, user string
			var kind int
			var spans, attrs, body sql.NullString
			if err := rows.Scan(&id, &rev, &project, &doc, &ann, &kind, &label, &spans, &attrs, &body, &crev, &ct, &ut, &user); err != nil {
				t.Fatal(err)
			}
			n++
		}
		rows.Close()
		return n
	}
	var allDocs [][]string
	after := ""
	for {
		docs, _ := s.ListDocuments(ctx, "news", after, 64, rev)
		var ids []string
		for _, d := range docs {
			ids = append(ids, d.ID)
		}
		allDocs = append(allDocs, ids)
		if len(docs) < 64 {
			break
		}
		after = ids[len(ids)-1]
	}
	for round := 0; round < 3; round++ {
		t0 := time.Now()
		rows, _ := s.r.QueryContext(ctx, `SELECT `+annotationColumns+` FROM annotations WHERE deleted_rev IS NULL AND kind <> 5`)
		n := scanRaw(rows)
		t1 := time.Now()
		m := 0
		for _, ids := range allDocs {
			aq := annotationsQuery(f, jsonList(ids), "", rev)
			rows, _ := s.r.QueryContext(ctx, aq.sql, aq.args...)
			m += scanRaw(rows)
		}
		t2 := time.Now()
		k := 0
		for _, ids := range allDocs {
			aq := annotationsQuery(f, jsonList(ids), "", rev)
			rows, _ := s.r.QueryContext(ctx, aq.sql, aq.args...)
			for rows.Next() {
				if _, err := scanAnnotation(rows); err != nil {
					t.Fatal(err)
				}
				k++
			}
			rows.Close()
		}
		t3 := time.Now()
		j := 0
		for _, ids := range allDocs {
			rows, _ := s.r.QueryContext(ctx, `SELECT `+annotationColumns+` FROM annotations WHERE project = ? AND document >= ? AND document <= ? AND deleted_rev IS NULL ORDER BY document, id`, "news", ids[0], ids[len(ids)-1])
			j += scanRaw(rows)
		}
		t4 := time.Now()
		fmt.Println("plain", t1.Sub(t0), n, "chunked raw", t2.Sub(t1), m, "chunked decoded", t3.Sub(t2), k, "range raw", t4.Sub(t3), j)
	}
}
