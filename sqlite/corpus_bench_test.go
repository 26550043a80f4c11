package sqlite

import (
	"database/sql"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/scholia-nlp/scholia"
)

// seedCorpus fills a store with docs documents of perDoc annotations each
// by alice (mentions with attributes, every tenth an event with two
// arguments) and an entity cluster over the first mention of every ten
// documents.
func seedCorpus(tb testing.TB, s *Store, docs, perDoc int) {
	tb.Helper()
	w := scholia.WriteMeta{User: "alice"}
	if _, err := s.CreateUser(ctx, scholia.User{Name: "alice", Role: scholia.RoleAnnotator}); err != nil {
		tb.Fatal(err)
	}
	if _, err := s.CreateProject(ctx, w, scholia.Project{ID: "news"}); err != nil {
		tb.Fatal(err)
	}
	text := strings.Repeat("Obama met Putin in Moscow. ", perDoc/3+1)
	var firsts []int64
	for d := range docs {
		id := fmt.Sprintf("doc%06d", d)
		if _, err := s.CreateDocument(ctx, w, scholia.Document{Project: "news", ID: id, Text: text}); err != nil {
			tb.Fatal(err)
		}
		anns := make([]scholia.Annotation, 0, perDoc)
		for i := range perDoc {
			at := int64(27 * (i / 3))
			switch {
			case i%10 == 9:
				anns = append(anns, scholia.Annotation{Project: "news", Document: id, Annotator: "alice", Kind: scholia.KindEvent,
					Label: "Contact.Meet", Spans: []scholia.Span{{Start: at + 6, End: at + 9}},
					Arguments: []scholia.Argument{{Role: "Entity", AnnotationID: -int64(i - 1)}, {Role: "Entity", AnnotationID: -int64(i)}},
					Attributes: map[string]string{"realis": "ACTUAL"}})
			default:
				anns = append(anns, scholia.Annotation{Project: "news", Document: id, Annotator: "alice", Kind: scholia.KindMention,
					Label: "PER", Spans: []scholia.Span{{Start: at, End: at + 5}}, Attributes: map[string]string{"mention_type": "NAM"}})
			}
		}
		out, err := s.CreateAnnotations(ctx, w, anns)
		if err != nil {
			tb.Fatal(err)
		}
		firsts = append(firsts, out[0].ID)
		if len(firsts) == 10 {
			if _, err := s.CreateAnnotations(ctx, w, []scholia.Annotation{{Project: "news", Annotator: "alice", Kind: scholia.KindCluster,
				Label: "entity", Cluster: &scholia.ClusterFields{Members: firsts}}}); err != nil {
				tb.Fatal(err)
			}
			firsts = nil
		}
	}
}

var benchStore *Store

func benchCorpus(b *testing.B) *Store {
	if benchStore != nil {
		return benchStore
	}
	path := filepath.Join("/tmp/scholia", "bench.db")
	s, err := Open(ctx, path)
	if err != nil {
		b.Fatal(err)
	}
	if n, _ := s.CountUsers(ctx); n == 0 {
		seedCorpus(b, s, 2000, 100)
	}
	benchStore = s
	return s
}

func BenchmarkReadCorpus(b *testing.B) {
	s := benchCorpus(b)
	rev, _ := s.Revision(ctx)
	for b.Loop() {
		n := 0
		after := ""
		for {
			docs, err := s.ReadCorpus(ctx, scholia.CorpusFilter{Project: "news", WithText: true}, after, 64, rev)
			if err != nil {
				b.Fatal(err)
			}
			for _, d := range docs {
				n += len(d.Annotations)
				after = d.Document.ID
			}
			if len(docs) < 64 {
				break
			}
		}
		b.ReportMetric(float64(n), "annotations")
	}
}

func BenchmarkPlainScan(b *testing.B) {
	s := benchCorpus(b)
	for b.Loop() {
		rows, err := s.r.QueryContext(ctx, `SELECT `+annotationColumns+` FROM annotations WHERE deleted_rev IS NULL AND kind <> 5`)
		if err != nil {
			b.Fatal(err)
		}
		n := 0
		for rows.Next() {
			var id, rev, crev, ct, ut int64
			var project, doc, ann, label, user string
			var kind int
			var spans, attrs, body sql.NullString
			if err := rows.Scan(&id, &rev, &project, &doc, &ann, &kind, &label, &spans, &attrs, &body, &crev, &ct, &ut, &user); err != nil {
				b.Fatal(err)
			}
			n++
		}
		rows.Close()
		b.ReportMetric(float64(n), "annotations")
	}
}

func BenchmarkPlainScanDecoded(b *testing.B) {
	s := benchCorpus(b)
	for b.Loop() {
		rows, err := s.r.QueryContext(ctx, `SELECT `+annotationColumns+` FROM annotations WHERE deleted_rev IS NULL AND kind <> 5`)
		if err != nil {
			b.Fatal(err)
		}
		n := 0
		for rows.Next() {
			if _, err := scanAnnotation(rows); err != nil {
				b.Fatal(err)
			}
			n++
		}
		rows.Close()
		b.ReportMetric(float64(n), "annotations")
	}
}
