package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/scholia-nlp/scholia"
	"github.com/scholia-nlp/scholia/storetest"
)

// seedCorpus fills a store with docs documents of perDoc annotations each
// by alice (mentions with an attribute, every tenth an event with two
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
			if i%10 == 9 {
				anns = append(anns, scholia.Annotation{Project: "news", Document: id, Annotator: "alice", Kind: scholia.KindEvent,
					Label: "Contact.Meet", Spans: []scholia.Span{{Start: at + 6, End: at + 9}},
					Arguments:  []scholia.Argument{{Role: "Entity", AnnotationID: -int64(i - 1)}, {Role: "Entity", AnnotationID: -int64(i)}},
					Attributes: map[string]string{"realis": "ACTUAL"}})
				continue
			}
			anns = append(anns, scholia.Annotation{Project: "news", Document: id, Annotator: "alice", Kind: scholia.KindMention,
				Label: "PER", Spans: []scholia.Span{{Start: at, End: at + 5}}, Attributes: map[string]string{"mention_type": "NAM"}})
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
		if d%5 == 0 {
			if _, err := s.SetLayerStatus(ctx, w, "news", id, "alice", scholia.LayerDone, 0); err != nil {
				tb.Fatal(err)
			}
		}
	}
}

// plan returns the query plan of q, one step per "; ".
func plan(t *testing.T, s *Store, q corpusQuery) string {
	t.Helper()
	rows, err := s.r.QueryContext(ctx, "EXPLAIN QUERY PLAN "+q.sql, q.args...)
	if err != nil {
		t.Fatalf("%v: %s", err, q.sql)
	}
	defer rows.Close()
	var steps []string
	for rows.Next() {
		var id, parent, unused int
		var detail string
		if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
			t.Fatal(err)
		}
		steps = append(steps, detail)
	}
	return strings.Join(steps, "; ")
}

// checkPlan fails unless a plan uses each of the indexes and scans no table
// (but json_each and its own subqueries) and sorts nothing for ORDER BY.
func checkPlan(t *testing.T, name, p string, uses ...string) {
	t.Helper()
	t.Logf("%-22s %s", name, p)
	for _, step := range strings.Split(p, "; ") {
		if strings.HasPrefix(step, "SCAN ") && !strings.HasPrefix(step, "SCAN json_each") && !strings.HasPrefix(step, "SCAN (subquery") {
			t.Errorf("%s scans a table: %s", name, step)
		}
		if strings.Contains(step, "FOR ORDER BY") {
			t.Errorf("%s sorts: %s", name, step)
		}
	}
	for _, u := range uses {
		if !strings.Contains(p, u) {
			t.Errorf("%s does not use %s: %s", name, u, p)
		}
	}
}

// TestCorpusPlans checks that the queries of a corpus chunk and of the
// change feed use their indexes, on a store with statistics.
func TestCorpusPlans(t *testing.T) {
	s := openTemp(t)
	seedCorpus(t, s, 30, 20)
	if _, err := s.w.ExecContext(ctx, `ANALYZE`); err != nil {
		t.Fatal(err)
	}
	docs := `["doc000001","doc000002"]`
	for _, c := range []struct {
		name string
		f    scholia.CorpusFilter
	}{
		{"all", scholia.CorpusFilter{Project: "news", WithText: true}},
		{"every filter", scholia.CorpusFilter{Project: "news", Annotators: []string{"alice", "bob"}, Documents: []string{"doc000001", "doc000002"},
			From: time.Unix(0, 1), To: time.Now(), Kinds: []scholia.Kind{scholia.KindMention, scholia.KindCluster}, Labels: []string{"PER"}, DoneOnly: true}},
	} {
		t.Run(c.name, func(t *testing.T) {
			layers := ""
			if c.f.DoneOnly {
				layers = `["doc000001/alice"]`
			}
			checkPlan(t, "1 documents", plan(t, s, documentsQuery(c.f, "doc000000", 64, 100)), "sqlite_autoindex_documents_1")
			checkPlan(t, "2 layer statuses", plan(t, s, statusesQuery(c.f, docs, 100)), "layer_history USING PRIMARY KEY (project=? AND document=?")
			checkPlan(t, "3 annotations", plan(t, s, annotationsQuery(c.f, docs, layers, 100)), "annotations_document (project=? AND document=?)")
			checkPlan(t, "4 clusters (dense ids)", plan(t, s, clustersQuery(c.f, []int64{5, 6, 7}, 100)),
				"annotations_id (id=?", "COVERING INDEX annotation_refs_clusters (target>? AND target<?)")
			checkPlan(t, "4 clusters (sparse ids)", plan(t, s, clustersQuery(c.f, []int64{5, 600}, 100)),
				"annotations_id (id=?", "COVERING INDEX annotation_refs_clusters (target=?")
			checkPlan(t, "5 layer counts", plan(t, s, countsQuery(c.f, docs, layers, 100)), "annotations_document (project=? AND document=?)")
		})
	}
	for _, annCond := range []string{"", " AND annotator IN (:ann0)"} {
		args := []any{sql.Named("project", "news"), sql.Named("since", 3), sql.Named("upto", 5), sql.Named("skip", 5), sql.Named("ann0", "alice")}
		checkPlan(t, "changes: up to", plan(t, s, corpusQuery{changesUpToQuery(annCond), args}),
			"annotations_created", "annotations_closed", "documents_created", "documents_closed", "layer_history_rev")
		cq := changeQueries(annCond)
		checkPlan(t, "changes: annotations", plan(t, s, corpusQuery{cq.annCreated, args}), "annotations_created (project=? AND created_rev>? AND created_rev<?)")
		checkPlan(t, "changes: deletions", plan(t, s, corpusQuery{cq.annClosed, args}), "annotations_closed (project=? AND deleted_rev>? AND deleted_rev<?)")
		checkPlan(t, "changes: documents", plan(t, s, corpusQuery{cq.docCreated, args}), "documents_created (project=? AND created_rev>? AND created_rev<?)")
		checkPlan(t, "changes: doc deletions", plan(t, s, corpusQuery{cq.docClosed, args}), "documents_closed (project=? AND deleted_rev>? AND deleted_rev<?)")
		checkPlan(t, "changes: layers", plan(t, s, corpusQuery{cq.layers, args}), "layer_history_rev (project=? AND rev>? AND rev<?)",
			"annotations_document (project=? AND document=?)")
	}
}

// TestConformanceClusterLookups runs the suite with the clusters of a chunk
// always found by one look-up per annotation, as for sparse ids.
func TestConformanceClusterLookups(t *testing.T) {
	defer func(f int64) { clusterRangeFactor = f }(clusterRangeFactor)
	clusterRangeFactor = 0
	storetest.Run(t, func(t *testing.T) scholia.Store { return openTemp(t) })
}

// TestReadCorpusLarge reads a corpus of many chunks, as of a revision with
// later changes, and compares it with the store's other reads.
func TestReadCorpusLarge(t *testing.T) {
	s := openTemp(t)
	seedCorpus(t, s, 150, 12)
	rev, _ := s.Revision(ctx)
	w := scholia.WriteMeta{User: "alice"}
	// Later writes: an update, and a cluster over documents of two chunks.
	if _, err := s.UpdateAnnotation(ctx, w, 1, 0, func(a *scholia.Annotation) error { a.Label = "ORG"; return nil }); err != nil {
		t.Fatal(err)
	}
	f := scholia.CorpusFilter{Project: "news"}
	var n, clustered int
	after := ""
	for {
		docs, err := s.ReadCorpus(ctx, f, after, 64, rev)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range docs {
			want, _, err := s.ListAnnotations(ctx, scholia.AnnotationFilter{Project: "news", Document: d.Document.ID}, 0, 100, rev)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(d.Annotations, want) {
				t.Fatalf("%s: annotations differ from ListAnnotations", d.Document.ID)
			}
			if len(d.Clusters) != 1 || len(d.Clusters[0].Cluster.Members) != 10 || len(d.Layers) != 1 || d.Layers[0].AnnotationCount != 12 {
				t.Fatalf("%s: clusters %v, layers %+v", d.Document.ID, ids(d.Clusters), d.Layers)
			}
			n += len(d.Annotations)
			clustered++
			after = d.Document.ID
		}
		if len(docs) < 64 {
			break
		}
	}
	if n != 150*12 || clustered != 150 {
		t.Fatalf("%d annotations in %d documents", n, clustered)
	}
}

func ids(anns []scholia.Annotation) []int64 {
	out := make([]int64, len(anns))
	for i, a := range anns {
		out[i] = a.ID
	}
	return out
}

// TestWaitRevisionWakesAtOnce checks that a commit of the same Store wakes
// a waiter without waiting for the poll.
func TestWaitRevisionWakesAtOnce(t *testing.T) {
	s := openTemp(t)
	s.poll = time.Hour
	wctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	type result struct {
		rev int64
		err error
	}
	woke := make(chan result, 8)
	for range 3 {
		go func() {
			r, err := s.WaitRevision(wctx, 0)
			woke <- result{r, err}
		}()
	}
	time.Sleep(20 * time.Millisecond)
	start := time.Now()
	if _, err := s.CreateProject(ctx, scholia.WriteMeta{User: "alice"}, scholia.Project{ID: "news"}); err != nil {
		t.Fatal(err)
	}
	for range 3 {
		r := <-woke
		if r.err != nil || r.rev != 1 {
			t.Fatalf("WaitRevision = %d, %v", r.rev, r.err)
		}
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Fatalf("woke after %v", d)
	}
}

// TestWaitRevisionOtherProcess checks that a commit through another Store
// on the same file (another process) is noticed by the poll.
func TestWaitRevisionOtherProcess(t *testing.T) {
	path := filepath.Join(t.TempDir(), "annotations.db")
	s1, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer s1.Close()
	s2, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Close()
	s2.poll = 20 * time.Millisecond
	wctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	done := make(chan error, 1)
	go func() {
		r, err := s2.WaitRevision(wctx, 0)
		if err == nil && r != 1 {
			err = fmt.Errorf("revision %d", r)
		}
		done <- err
	}()
	time.Sleep(50 * time.Millisecond)
	if _, err := s1.CreateProject(ctx, scholia.WriteMeta{User: "alice"}, scholia.Project{ID: "news"}); err != nil {
		t.Fatal(err)
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

// count returns the rows of a table.
func count(t *testing.T, s *Store, table string) int {
	t.Helper()
	var n int
	if err := s.r.QueryRowContext(ctx, `SELECT count(*) FROM `+table).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// TestPruneRows checks exactly which rows Prune removes.
func TestPruneRows(t *testing.T) {
	s := openTemp(t)
	w := scholia.WriteMeta{User: "alice"}
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	_, err := s.CreateUser(ctx, scholia.User{Name: "alice", Role: scholia.RoleAnnotator})
	must(err)
	_, err = s.CreateProject(ctx, w, scholia.Project{ID: "news"})
	must(err)
	for _, id := range []string{"d1", "d2", "d3"} {
		_, err = s.CreateDocument(ctx, w, scholia.Document{Project: "news", ID: id, Text: "Obama met Putin in " + id + "."})
		must(err)
	}
	ms, err := s.CreateAnnotations(ctx, w, []scholia.Annotation{
		{Project: "news", Document: "d1", Annotator: "alice", Kind: scholia.KindMention, Label: "PER", Spans: []scholia.Span{{Start: 0, End: 5}}},
		{Project: "news", Document: "d1", Annotator: "alice", Kind: scholia.KindMention, Label: "PER", Spans: []scholia.Span{{Start: 10, End: 15}}}})
	must(err)
	cl, err := s.CreateAnnotations(ctx, w, []scholia.Annotation{{Project: "news", Annotator: "alice", Kind: scholia.KindCluster, Label: "entity",
		Cluster: &scholia.ClusterFields{Members: []int64{ms[0].ID}}}})
	must(err)
	_, err = s.UpdateAnnotation(ctx, w, ms[0].ID, 0, func(a *scholia.Annotation) error { a.Label = "ORG"; return nil })
	must(err)
	_, err = s.UpdateAnnotation(ctx, w, cl[0].ID, 0, func(a *scholia.Annotation) error {
		a.Cluster.Members = []int64{ms[0].ID, ms[1].ID}
		return nil
	})
	must(err)
	for _, st := range []scholia.LayerStatus{scholia.LayerDone, scholia.LayerInProgress} {
		_, err = s.SetLayerStatus(ctx, w, "news", "d1", "alice", st, 0)
		must(err)
	}
	_, err = s.SetLayerStatus(ctx, w, "news", "d2", "alice", scholia.LayerDone, 0)
	must(err)
	_, err = s.UpdateDocument(ctx, w, "news", "d2", 0, func(d *scholia.Document) error { d.Title = "t"; return nil })
	must(err)
	must(s.DeleteDocument(ctx, w, "news", "d2", 0))
	horizon, _ := s.Revision(ctx)
	time.Sleep(5 * time.Millisecond)
	cut := time.Now()
	time.Sleep(5 * time.Millisecond)
	_, err = s.UpdateAnnotation(ctx, w, ms[0].ID, 0, func(a *scholia.Annotation) error { a.Label = "PER"; return nil })
	must(err)
	_, err = s.SetLayerStatus(ctx, w, "news", "d1", "alice", scholia.LayerDone, 0)
	must(err)

	tables := []string{"annotations", "annotation_refs", "documents", "texts", "layer_history"}
	before := map[string]int{}
	for _, tb := range tables {
		before[tb] = count(t, s, tb)
	}
	h, removed, err := s.Prune(ctx, cut)
	must(err)
	// Removed: the first versions of the mention and the cluster, the
	// cluster's first reference, both versions of d2 and its text, d1's
	// superseded status and both of d2's (the last says it was forgotten).
	want := map[string]int{"annotations": 2, "annotation_refs": 1, "documents": 2, "texts": 1, "layer_history": 3}
	got := map[string]int{}
	total := 0
	for _, tb := range tables {
		got[tb] = before[tb] - count(t, s, tb)
		total += want[tb]
	}
	if h != horizon || removed != total || !reflect.DeepEqual(got, want) {
		t.Fatalf("Prune = %d, %d, removed %v; want %d, %d, %v", h, removed, got, horizon, total, want)
	}
	var oldest int64
	must(s.r.QueryRowContext(ctx, `SELECT value FROM meta WHERE key = 'oldest_revision'`).Scan(&oldest))
	if oldest != horizon {
		t.Fatalf("meta says %d", oldest)
	}
	// The text with the largest id stays, so that its id is not given out
	// again: pruning d3 away keeps its text.
	must(s.DeleteDocument(ctx, w, "news", "d3", 0))
	time.Sleep(5 * time.Millisecond)
	_, removed, err = s.Prune(ctx, time.Now())
	must(err)
	// Removed: d3's version, the mention's second version and d1's status
	// in progress, which the status done after it supersedes.
	if n := count(t, s, "texts"); n != 2 || removed != 3 {
		var rows []string
		r, _ := s.r.QueryContext(ctx, `SELECT document, rev, status FROM layer_history`)
		for r.Next() {
			var d string
			var rev, st int64
			r.Scan(&d, &rev, &st)
			rows = append(rows, fmt.Sprint(d, rev, st))
		}
		r.Close()
		t.Fatalf("after pruning d3: %d texts, %d removed; layer history %v", n, removed, rows)
	}
}

// TestMigrationBackfill applies migration 0002 to a database made by 0001
// alone and checks what it fills in.
func TestMigrationBackfill(t *testing.T) {
	path := filepath.Join(t.TempDir(), "annotations.db")
	s, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	seedCorpus(t, s, 12, 10)
	layers, refs := count(t, s, "layers"), count(t, s, "annotation_refs WHERE kind = 5")
	rev, _ := s.Revision(ctx)
	want, err := s.ReadCorpus(ctx, scholia.CorpusFilter{Project: "news", WithText: true}, "", 100, rev)
	if err != nil {
		t.Fatal(err)
	}
	// Undo 0002.
	for _, q := range []string{
		`DROP TABLE layer_history`, `DROP INDEX annotations_created`, `DROP INDEX annotations_closed`, `DROP INDEX documents_created`,
		`DROP INDEX documents_closed`, `DROP INDEX documents_text`, `DROP INDEX annotation_refs_clusters`, `DROP INDEX annotation_refs_closed`,
		`DROP INDEX revisions_time`, `ALTER TABLE annotation_refs DROP COLUMN kind`, `DELETE FROM schema_migrations WHERE version = 2`,
	} {
		if _, err := s.w.ExecContext(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	s.Close()
	s, err = Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	history := count(t, s, "layer_history")
	clusterRefs := count(t, s, "annotation_refs WHERE kind = 5")
	mismatched := count(t, s, "annotation_refs r JOIN annotation_ids i ON i.id = r.source WHERE r.kind <> i.kind")
	if layers == 0 || history != layers || refs == 0 || clusterRefs != refs || mismatched != 0 {
		t.Fatalf("backfilled %d of %d statuses, %d of %d cluster references, %d wrong kinds", history, layers, clusterRefs, refs, mismatched)
	}
	got, err := s.ReadCorpus(ctx, scholia.CorpusFilter{Project: "news", WithText: true}, "", 100, rev)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatal("the corpus reads differently after the migration")
	}
}

// TestFastJSON checks the fast decoders against encoding/json on what
// encodeAnnotation writes, escapes and odd characters included, and that
// they refuse what they do not know.
func TestFastJSON(t *testing.T) {
	texts := []string{"", "Obama", "a\"b", `back\slash`, "line\r\nend", "tab\there", "<&>", "\u2028\u2029", "\U0001F44D\U0001F3FD",
		"Cafe\u0301", "\x01\x1f", "\ufffd", "\u00e9t\u00e9"}
	for _, tx := range texts {
		spans := []scholia.Span{{Start: 0, End: 5, Text: tx}, {Start: 7, End: 12345678901}}
		attrs := map[string]string{"k" + tx: tx, "realis": "ACTUAL"}
		ev := scholia.Annotation{Kind: scholia.KindEvent, Spans: spans, Attributes: attrs,
			Arguments: []scholia.Argument{{Role: tx, AnnotationID: 42}, {Role: "Place", AnnotationID: 7}}}
		e, err := encodeAnnotation(&ev)
		if err != nil {
			t.Fatal(err)
		}
		gotSpans, ok := fastSpans(e.spans.(string))
		if !ok || !reflect.DeepEqual(gotSpans, spans) {
			t.Errorf("fastSpans(%s) = %+v, %v", e.spans, gotSpans, ok)
		}
		gotAttrs, ok := fastAttrs(e.attrs.(string))
		if !ok || !reflect.DeepEqual(gotAttrs, attrs) {
			t.Errorf("fastAttrs(%s) = %+v, %v", e.attrs, gotAttrs, ok)
		}
		gotArgs, ok := fastArgs(e.body.(string))
		if !ok || !reflect.DeepEqual(gotArgs, ev.Arguments) {
			t.Errorf("fastArgs(%s) = %+v, %v", e.body, gotArgs, ok)
		}
	}
	for _, bad := range []string{``, `[`, `[{"s":1}`, `[{"s":1,"x":2}]`, `[{"s":"1"}]`, `[{"s":1} ]`, `[{"s":1.5}]`, `[{"s":99999999999999999999}]`,
		`[{"t":"a` + "\x01" + `"}]`, `[{"s":1}]x`, "[{\"t\":\"\xff\"}]"} {
		if got, ok := fastSpans(bad); ok {
			var want []spanJSON
			err := json.Unmarshal([]byte(bad), &want)
			if err != nil || !reflect.DeepEqual(got, decodeSpans(want)) {
				t.Errorf("fastSpans(%q) = %+v, accepted what encoding/json reads as %+v, %v", bad, got, want, err)
			}
		}
	}
	for _, bad := range []string{`{"a":1}`, `{"a":"b"`, `{"a":"b",}`, `{"args":[]}x`, `{"args":[{"r":"x","a":1}],"claim":{}}`} {
		if _, ok := fastAttrs(bad); ok && bad != `{"args":[]}x` {
			t.Errorf("fastAttrs accepted %q", bad)
		}
		if _, ok := fastArgs(bad); ok {
			t.Errorf("fastArgs accepted %q", bad)
		}
	}
}

// BenchmarkReadCorpus streams a corpus in chunks of 64 documents, and, for
// comparison, scans the same annotation rows in one plain query.
func BenchmarkReadCorpus(b *testing.B) {
	s, err := Open(ctx, filepath.Join(b.TempDir(), "bench.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	seedCorpus(b, s, 500, 100)
	rev, _ := s.Revision(ctx)
	b.Run("ReadCorpus", func(b *testing.B) {
		for b.Loop() {
			n, after := 0, ""
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
	})
	b.Run("PlainScan", func(b *testing.B) {
		for b.Loop() {
			rows, err := s.r.QueryContext(ctx, `SELECT `+annotationColumns+` FROM annotations WHERE deleted_rev IS NULL AND kind <> 5`)
			if err != nil {
				b.Fatal(err)
			}
			n := 0
			for rows.Next() {
				var id, rev, crev, ct, ut, kind int64
				var project, doc, ann, label, user string
				var spans, attrs, body sql.NullString
				if err := rows.Scan(&id, &rev, &project, &doc, &ann, &kind, &label, &spans, &attrs, &body, &crev, &ct, &ut, &user); err != nil {
					b.Fatal(err)
				}
				n++
			}
			rows.Close()
			b.ReportMetric(float64(n), "annotations")
		}
	})
}
