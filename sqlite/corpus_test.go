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
// (but json_each's lists and its own subqueries) and sorts nothing for
// ORDER BY.
func checkPlan(t *testing.T, name, p string, uses ...string) {
	t.Helper()
	t.Logf("%-22s %s", name, p)
	for _, step := range strings.Split(p, "; ") {
		if strings.HasPrefix(step, "SCAN ") && !strings.Contains(step, "VIRTUAL TABLE") && !strings.HasPrefix(step, "SCAN (subquery") {
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
			checkPlan(t, "3 annotations", plan(t, s, annotationsQuery(c.f, docs, layers, 100)),
				"SCAN j VIRTUAL TABLE", "SEARCH a USING INDEX annotations_document (project=? AND document=?)")
			checkPlan(t, "4 clusters by range", plan(t, s, clustersQuery(c.f, []int64{5, 6, 7}, true, 100)),
				"annotations_id (id=?", "COVERING INDEX annotation_refs_clusters (target>? AND target<?)")
			checkPlan(t, "4 clusters by look-up", plan(t, s, clustersQuery(c.f, []int64{5, 600}, false, 100)),
				"annotations_id (id=?", "COVERING INDEX annotation_refs_clusters (target=?")
			checkPlan(t, "4 cluster refs count", plan(t, s, corpusQuery{clusterRefsInRange, []any{sql.Named("lo", 1), sql.Named("hi", 9), sql.Named("limit", 5)}}),
				"COVERING INDEX annotation_refs_clusters (target>? AND target<?)")
			checkPlan(t, "5 revisions", plan(t, s, corpusQuery{revisionsQuery, []any{sql.Named("revs", "[1,2]")}}),
				"revisions USING INTEGER PRIMARY KEY (rowid=?)")
			checkPlan(t, "6 layer counts", plan(t, s, countsQuery(c.f, docs, layers, 100)), "annotations_document (project=? AND document=?)")
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

// shuffled is a querier that reads the annotations of a chunk in the
// reverse of the order annotationsQuery asks for.
type shuffled struct{ querier }

func (q shuffled) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	if strings.Contains(query, "CROSS JOIN") {
		query += ` ORDER BY j.key DESC, a.id DESC`
	}
	return q.querier.QueryContext(ctx, query, args...)
}

// TestReadChunkOutOfOrder checks that a chunk reads the same when the rows
// of its annotations come in another order than the plan gives.
func TestReadChunkOutOfOrder(t *testing.T) {
	s := openTemp(t)
	seedCorpus(t, s, 12, 15)
	rev, _ := s.Revision(ctx)
	for _, f := range []scholia.CorpusFilter{{Project: "news"}, {Project: "news", DoneOnly: true}, {Project: "news", Kinds: []scholia.Kind{scholia.KindEvent, scholia.KindCluster}}} {
		want, err := readChunk(ctx, s.r, f, "doc000001", 8, rev)
		if err != nil {
			t.Fatal(err)
		}
		got, err := readChunk(ctx, shuffled{s.r}, f, "doc000001", 8, rev)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, want) || len(want) != 8 {
			t.Fatalf("%+v: out of order, the chunk reads differently", f)
		}
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

// TestMigrationBackfill makes a database of migration 0001 alone, with a
// layer status and a cluster, and checks what 0002 fills in when Open
// applies the later migrations.
func TestMigrationBackfill(t *testing.T) {
	path := filepath.Join(t.TempDir(), "annotations.db")
	db, err := sql.Open("sqlite3", "file:"+path+"?_foreign_keys=on")
	if err != nil {
		t.Fatal(err)
	}
	ms, err := migrations()
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{
		ms[0].sql,
		`CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, time INTEGER NOT NULL)`,
		`INSERT INTO schema_migrations VALUES (1, '0001_init.sql', 0)`,
		`INSERT INTO users VALUES ('alice', 3, 0, 1)`,
		`INSERT INTO revisions (rev, user, time, op) VALUES (1, 'alice', 1000, 'create project'), (2, 'alice', 2000, 'create document'),
			(3, 'alice', 3000, 'create annotations'), (4, 'alice', 4000, 'set layer status')`,
		`INSERT INTO projects VALUES (1, 'news', '', '', 1, 1, 1, NULL, 1000, 1000)`,
		`INSERT INTO texts VALUES (1, 'Obama met Putin.')`,
		`INSERT INTO documents VALUES ('news', 'd1', 2, NULL, 1, 'title', '', '', NULL, '', 16, 'x', 2000, 2000)`,
		`INSERT INTO annotation_ids VALUES (1, 'news', 'd1', 'alice', 1), (2, 'news', '', 'alice', 5)`,
		`INSERT INTO annotations (id, created_rev, project, document, annotator, kind, label, spans, attrs, body, create_rev, create_time, update_time, update_user)
			VALUES (1, 3, 'news', 'd1', 'alice', 1, 'PER', '[{"s":0,"e":5,"t":"Obama"}]', NULL, NULL, 3, 3000, 3000, 'alice'),
			(2, 3, 'news', '', 'alice', 5, 'entity', NULL, NULL, '{"members":[1]}', 3, 3000, 3000, 'alice')`,
		`INSERT INTO annotation_refs (source, target, created_rev) VALUES (2, 1, 3)`,
		`INSERT INTO layers VALUES ('news', 'd1', 'alice', 2, 4, 4000)`,
	} {
		if _, err := db.ExecContext(ctx, q); err != nil {
			t.Fatalf("%v: %s", err, q)
		}
	}
	db.Close()
	s, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	var rev, status, kind int64
	if err := s.r.QueryRowContext(ctx, `SELECT rev, status FROM layer_history WHERE project = 'news' AND document = 'd1' AND annotator = 'alice'`).
		Scan(&rev, &status); err != nil || rev != 4 || status != int64(scholia.LayerDone) {
		t.Fatalf("layer history: rev %d, status %d, %v", rev, status, err)
	}
	if err := s.r.QueryRowContext(ctx, `SELECT kind FROM annotation_refs WHERE source = 2`).Scan(&kind); err != nil || kind != int64(scholia.KindCluster) {
		t.Fatalf("the reference's kind: %d, %v", kind, err)
	}
	docs, err := s.ReadCorpus(ctx, scholia.CorpusFilter{Project: "news", DoneOnly: true}, "", 10, 4)
	if err != nil {
		t.Fatal(err)
	}
	if len(docs) != 1 || len(docs[0].Annotations) != 1 || len(docs[0].Clusters) != 1 || docs[0].Clusters[0].ID != 2 ||
		len(docs[0].Layers) != 1 || docs[0].Layers[0].Status != scholia.LayerDone || docs[0].Layers[0].Rev != 4 || docs[0].Layers[0].AnnotationCount != 1 {
		t.Fatalf("the corpus after the migration: %+v", docs)
	}
	if docs, err = s.ReadCorpus(ctx, scholia.CorpusFilter{Project: "news", DoneOnly: true}, "", 10, 3); err != nil || len(docs[0].Annotations) != 0 {
		t.Fatalf("done layers as of 3: %+v, %v", docs, err)
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
		for _, a := range []scholia.Annotation{
			{Kind: scholia.KindClaim, Claim: &scholia.ClaimFields{ClaimantID: 12, ClaimantText: tx, Cue: spans, Stance: "asserts" + tx,
				CheckWorthiness: tx, Normalized: &scholia.NormalizedValue{Value: "270000" + tx, Unit: tx, Time: "2016"}}},
			{Kind: scholia.KindClaim, Claim: &scholia.ClaimFields{Stance: tx}},
			{Kind: scholia.KindClaim, Claim: &scholia.ClaimFields{}},
			{Kind: scholia.KindRelation, Relation: &scholia.RelationEnds{Source: 3, Target: 99999999}},
			{Kind: scholia.KindCluster, Cluster: &scholia.ClusterFields{Members: []int64{1, 2, 3}, Title: tx}},
			{Kind: scholia.KindCluster, Cluster: &scholia.ClusterFields{Members: []int64{7}}},
		} {
			e, err := encodeAnnotation(&a)
			if err != nil {
				t.Fatal(err)
			}
			var want bodyJSON
			if err := json.Unmarshal([]byte(e.body.(string)), &want); err != nil {
				t.Fatal(err)
			}
			got, ok := fastBody(e.body.(string))
			if !ok || !reflect.DeepEqual(got, want) {
				t.Errorf("fastBody(%s) = %+v, %v; encoding/json reads %+v", e.body, got, ok, want)
			}
			var back scholia.Annotation
			back.Kind = a.Kind
			if err := decodeAnnotation(&back, sql.NullString{}, sql.NullString{}, sql.NullString{String: e.body.(string), Valid: true}, 0, 0); err != nil {
				t.Fatal(err)
			}
			normalize(&a)
			back.CreateTime, back.UpdateTime = a.CreateTime, a.UpdateTime
			if !reflect.DeepEqual(back, a) {
				t.Errorf("%s read back as %+v, want %+v", e.body, back, a)
			}
		}
	}
	for _, bad := range []string{`{"claim":{"stance":1}}`, `{"args":[]}`, `{"members":[1,"2"]}`, `{"source":1}x`, `{"claim":{"cue":[{"s":1,"q":2}]}}`} {
		if _, ok := fastBody(bad); ok {
			t.Errorf("fastBody accepted %q", bad)
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
