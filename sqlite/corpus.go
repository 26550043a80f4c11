package sqlite

import (
	"cmp"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/scholia-nlp/scholia"
)

// The corpus reader: snapshot reads of whole documents with their
// annotations, the change feed and waiting for revisions.
//
// A snapshot read as of revision R reads the versions current at R
// (created_rev <= R AND (deleted_rev IS NULL OR deleted_rev > R)) and the
// layer statuses of layer_history at R, so a long stream is a series of
// short reads, each in its own short read transaction, that all see the same
// corpus. One chunk of documents costs a fixed number of queries, whatever
// the number of documents and annotations in it:
//
//  1. the documents (keyset by id, with their texts when asked for);
//  2. the layer statuses of those documents as of R;
//  3. their annotations as of R, in (document, id) order;
//  4. the clusters as of R that hold any of those annotations;
//  5. only when kinds or labels narrow the annotations: the layers'
//     annotation counts as of R (otherwise step 3 counts them).
//
// Retention (Prune) removes versions closed at or before a horizon and
// records it in meta; a read as of an older revision fails with
// REVISION_EXPIRED rather than return a corpus with holes.

// oldestKey is the meta key of the retention horizon.
const oldestKey = "oldest_revision"

// pollInterval is how often WaitRevision looks for revisions committed by
// other processes, which do not wake it (Store.poll; tests change it).
const pollInterval = time.Second

// defaultChangeRevs is how many revisions Changes reads when maxRevs is not
// positive.
const defaultChangeRevs = 256

func revisionExpired(rev, oldest int64) error {
	return scholia.Errorf(scholia.CodeFailedPrecondition, "REVISION_EXPIRED",
		"revision %d is older than the oldest revision still kept (%d): its old versions have been removed; start again from revision %d or newer",
		rev, oldest, oldest)
}

func revisionTooNew(rev, newest int64) error {
	return scholia.Errorf(scholia.CodeInvalid, "INVALID_REVISION", "revision %d does not exist yet: the newest is %d", rev, newest)
}

// oldestRevision reads the retention horizon: 0 on a store never pruned.
func oldestRevision(ctx context.Context, q querier) (int64, error) {
	var oldest int64
	err := q.QueryRowContext(ctx, `SELECT value FROM meta WHERE key = '`+oldestKey+`'`).Scan(&oldest)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	if err != nil {
		return 0, dbError("read the oldest revision", err)
	}
	return oldest, nil
}

// OldestRevision returns the oldest revision that can still be read as a
// snapshot: 0 on a store never pruned, where every revision can.
func (s *Store) OldestRevision(ctx context.Context) (int64, error) {
	return oldestRevision(ctx, s.r)
}

// checkRetained fails with REVISION_EXPIRED if retention has passed rev.
// A read not in a transaction calls it after reading: Prune records its
// horizon before it deletes anything, so a read that might have missed a
// deleted version finds the new horizon afterwards.
func (s *Store) checkRetained(ctx context.Context, rev int64) error {
	oldest, err := oldestRevision(ctx, s.r)
	if err != nil {
		return err
	}
	if rev < oldest {
		return revisionExpired(rev, oldest)
	}
	return nil
}

// snapshot begins a short read transaction and returns it with the newest
// revision and the retention horizon it sees.
func (s *Store) snapshot(ctx context.Context) (tx *sql.Tx, newest, oldest int64, err error) {
	tx, err = s.r.BeginTx(ctx, nil)
	if err != nil {
		return nil, 0, 0, dbError("begin a read", err)
	}
	if err = tx.QueryRowContext(ctx, `SELECT coalesce(max(rev), 0) FROM revisions`).Scan(&newest); err != nil {
		tx.Rollback()
		return nil, 0, 0, dbError("read the revision", err)
	}
	if oldest, err = oldestRevision(ctx, tx); err != nil {
		tx.Rollback()
		return nil, 0, 0, err
	}
	return tx, newest, oldest, nil
}

// notify wakes the WaitRevision calls of this Store after a commit.
func (s *Store) notify() {
	s.mu.Lock()
	close(s.changed)
	s.changed = make(chan struct{})
	s.mu.Unlock()
}

func (s *Store) changedChan() <-chan struct{} {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.changed
}

// WaitRevision blocks until a revision newer than rev is committed, or ctx
// ends, and returns the newest revision. Writes through this Store wake it
// at once; writes by other processes on the same file are noticed within
// pollInterval. When ctx ends it returns the newest revision it saw and
// ctx.Err().
func (s *Store) WaitRevision(ctx context.Context, rev int64) (int64, error) {
	var cur int64
	for {
		// Take the channel before reading the revision: a commit after the
		// read closes this channel, so no wake-up is lost.
		ch := s.changedChan()
		if err := ctx.Err(); err != nil {
			return cur, err
		}
		r, err := s.Revision(ctx)
		if err != nil {
			if ctx.Err() != nil {
				return cur, ctx.Err()
			}
			return cur, err
		}
		cur = r
		if cur > rev {
			return cur, nil
		}
		timer := time.NewTimer(s.poll)
		select {
		case <-ch:
		case <-timer.C:
		case <-ctx.Done():
		}
		timer.Stop()
	}
}

// in returns "(:p0, :p1, ...)" for the values, named prefix0, prefix1, ...,
// and appends their arguments.
func in[T any](prefix string, values []T, args *[]any) string {
	var b strings.Builder
	b.WriteByte('(')
	for i, v := range values {
		if i > 0 {
			b.WriteString(", ")
		}
		name := fmt.Sprintf("%s%d", prefix, i)
		b.WriteString(":" + name)
		*args = append(*args, sql.Named(name, v))
	}
	b.WriteByte(')')
	return b.String()
}

// jsonList encodes ids or strings as a JSON array, for json_each.
func jsonList[T any](values []T) string {
	b, err := json.Marshal(values)
	if err != nil {
		panic(err) // strings and integers always encode
	}
	return string(b)
}

// qualified prefixes each of a list of columns with a table alias.
func qualified(alias, columns string) string {
	cols := strings.Split(columns, ", ")
	for i, c := range cols {
		cols[i] = alias + "." + c
	}
	return strings.Join(cols, ", ")
}

// asOfCond is the condition of a version current at :rev.
func asOfCond(alias string) string {
	return fmt.Sprintf(`%[1]s.created_rev <= :rev AND (%[1]s.deleted_rev IS NULL OR %[1]s.deleted_rev > :rev)`, alias)
}

// layerKey names a layer in a SQL condition: document ids and user names
// cannot hold a '/'.
func layerKey(document, annotator string) string { return document + "/" + annotator }

// corpusQuery is one query of a chunk, kept apart so that tests can look at
// its plan.
type corpusQuery struct {
	sql  string
	args []any
}

func documentsQuery(f scholia.CorpusFilter, after string, limit int, rev int64) corpusQuery {
	args := []any{sql.Named("project", f.Project), sql.Named("after", after), sql.Named("rev", rev), sql.Named("limit", limit)}
	var q strings.Builder
	q.WriteString(`SELECT ` + qualified("d", documentColumns))
	if f.WithText {
		q.WriteString(`, t.text FROM documents d JOIN texts t ON t.id = d.text_id`)
	} else {
		q.WriteString(`, NULL FROM documents d`)
	}
	// The unary + keeps the planner on the primary key, which gives the id
	// order, rather than on documents_created.
	q.WriteString(` WHERE d.project = :project AND d.id > :after AND +` + asOfCond("d"))
	if len(f.Documents) > 0 {
		q.WriteString(` AND d.id IN (SELECT value FROM json_each(:documents))`)
		args = append(args, sql.Named("documents", jsonList(f.Documents)))
	}
	if !f.From.IsZero() {
		q.WriteString(` AND d.publish_time >= :from`)
		args = append(args, sql.Named("from", f.From.UnixNano()))
	}
	if !f.To.IsZero() {
		q.WriteString(` AND d.publish_time < :to`)
		args = append(args, sql.Named("to", f.To.UnixNano()))
	}
	q.WriteString(` ORDER BY d.id LIMIT :limit`)
	return corpusQuery{q.String(), args}
}

func statusesQuery(f scholia.CorpusFilter, docs string, rev int64) corpusQuery {
	args := []any{sql.Named("project", f.Project), sql.Named("docs", docs), sql.Named("rev", rev)}
	q := `SELECT document, annotator, status, max(rev), time FROM layer_history
		WHERE project = :project AND document IN (SELECT value FROM json_each(:docs)) AND rev <= :rev`
	if len(f.Annotators) > 0 {
		q += ` AND annotator IN ` + in("ann", f.Annotators, &args)
	}
	// SQLite takes the bare columns status and time from the row of max(rev).
	return corpusQuery{q + ` GROUP BY document, annotator`, args}
}

// annotationsCond is the condition of the annotations of a chunk: of its
// documents docs, as of :rev, in the selected layers (layers, when not
// empty, lists the layerKeys of those allowed).
func annotationsCond(f scholia.CorpusFilter, docs, layers string, args *[]any) string {
	*args = append(*args, sql.Named("project", f.Project), sql.Named("docs", docs))
	c := `a.project = :project AND a.document IN (SELECT value FROM json_each(:docs)) AND ` + asOfCond("a")
	if len(f.Annotators) > 0 {
		c += ` AND a.annotator IN ` + in("ann", f.Annotators, args)
	}
	if layers != "" {
		c += ` AND a.document || '/' || a.annotator IN (SELECT value FROM json_each(:layers))`
		*args = append(*args, sql.Named("layers", layers))
	}
	return c
}

func annotationsQuery(f scholia.CorpusFilter, docs, layers string, rev int64) corpusQuery {
	args := []any{sql.Named("rev", rev)}
	q := `SELECT ` + qualified("a", corpusColumns) + ` FROM annotations a INDEXED BY annotations_document WHERE ` +
		annotationsCond(f, docs, layers, &args)
	if len(f.Kinds) > 0 {
		q += ` AND a.kind IN ` + in("kind", f.Kinds, &args)
	}
	if len(f.Labels) > 0 {
		q += ` AND a.label IN ` + in("label", f.Labels, &args)
	}
	return corpusQuery{q + ` ORDER BY a.document, a.id`, args}
}

func countsQuery(f scholia.CorpusFilter, docs, layers string, rev int64) corpusQuery {
	args := []any{sql.Named("rev", rev)}
	q := `SELECT a.document, a.annotator, count(*) FROM annotations a INDEXED BY annotations_document WHERE ` +
		annotationsCond(f, docs, layers, &args) +
		` GROUP BY a.document, a.annotator`
	return corpusQuery{q, args}
}

// clusterRangeFactor decides how clustersQuery finds the references to a
// chunk's annotations (ids, sorted): when the ids are dense (their range is
// at most this many times their number, as when documents were annotated
// one after the other), one range scan of the cluster references over
// their range reads fewer index entries than a look-up per id. The range
// may hold references to annotations that are not the chunk's; readChunk
// attaches a cluster only to documents that hold one of its members, so
// those cost a little reading and change nothing. 0 always looks up.
var clusterRangeFactor int64 = 4

func clustersQuery(f scholia.CorpusFilter, ids []int64, rev int64) corpusQuery {
	args := []any{sql.Named("rev", rev)}
	var targets string
	if lo, hi := ids[0], ids[len(ids)-1]; hi-lo < clusterRangeFactor*int64(len(ids)) {
		targets = `r.target BETWEEN :lo AND :hi`
		args = append(args, sql.Named("lo", lo), sql.Named("hi", hi))
	} else {
		targets = `r.target IN (SELECT value FROM json_each(:members))`
		args = append(args, sql.Named("members", jsonList(ids)))
	}
	q := `SELECT ` + qualified("a", corpusColumns) + ` FROM annotations a
		WHERE a.id IN (SELECT r.source FROM annotation_refs r WHERE r.kind = 5 AND ` + targets + ` AND ` + asOfCond("r") + `)
		AND a.kind = 5 AND ` + asOfCond("a")
	if len(f.Annotators) > 0 {
		q += ` AND a.annotator IN ` + in("ann", f.Annotators, &args)
	}
	return corpusQuery{q + ` ORDER BY a.id`, args}
}

// member is an annotation that clusters may hold, with the index of its
// document in a chunk.
type member struct {
	id  int64
	doc int
}

// layerAt is a layer's status row as of a revision.
type layerAt struct {
	status scholia.LayerStatus
	rev    int64
	time   int64
}

// ReadCorpus returns up to limit documents of f.Project with ids after
// `after`, in id order, matching f as of revision asOf (0: the newest), each
// with its annotations in id order, the clusters holding any of them
// (whole) and its layers as of asOf. See the comment at the top of the file
// for the queries a call makes.
func (s *Store) ReadCorpus(ctx context.Context, f scholia.CorpusFilter, after string, limit int, asOf int64) ([]scholia.CorpusDocument, error) {
	if f.Project == "" {
		return nil, scholia.Invalid("a project is required", scholia.FieldViolation{Field: "project_id", Description: "required"})
	}
	if asOf < 0 {
		return nil, scholia.Errorf(scholia.CodeInvalid, "INVALID_REVISION", "revision %d is negative", asOf)
	}
	limit = clampLimit(limit)
	tx, newest, oldest, err := s.snapshot(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	rev := asOf
	switch {
	case asOf == 0:
		rev = newest
	case asOf > newest:
		return nil, revisionTooNew(asOf, newest)
	}
	if rev < oldest {
		return nil, revisionExpired(rev, oldest)
	}
	out, err := readChunk(ctx, tx, f, after, limit, rev)
	if err != nil {
		return nil, dbError("read the corpus", err)
	}
	return out, nil
}

// readChunk runs the queries of one chunk in q.
func readChunk(ctx context.Context, q querier, f scholia.CorpusFilter, after string, limit int, rev int64) ([]scholia.CorpusDocument, error) {
	// 1. The documents.
	dq := documentsQuery(f, after, limit, rev)
	rows, err := q.QueryContext(ctx, dq.sql, dq.args...)
	if err != nil {
		return nil, err
	}
	var out []scholia.CorpusDocument
	for rows.Next() {
		var text sql.NullString
		d, err := scanDocument(rows, &text)
		if err != nil {
			rows.Close()
			return nil, err
		}
		d.Text = text.String
		out = append(out, scholia.CorpusDocument{Document: d})
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if len(out) == 0 {
		return nil, nil
	}
	index := make(map[string]int, len(out))
	docIDs := make([]string, len(out))
	for i := range out {
		index[out[i].Document.ID] = i
		docIDs[i] = out[i].Document.ID
	}
	docs := jsonList(docIDs)

	// 2. The layer statuses as of rev.
	statuses := make([]map[string]layerAt, len(out))
	sq := statusesQuery(f, docs, rev)
	if rows, err = q.QueryContext(ctx, sq.sql, sq.args...); err != nil {
		return nil, err
	}
	for rows.Next() {
		var doc, ann string
		var l layerAt
		if err := rows.Scan(&doc, &ann, &l.status, &l.rev, &l.time); err != nil {
			rows.Close()
			return nil, err
		}
		if l.status == scholia.LayerStatusUnspecified { // forgotten with an earlier document of this id
			continue
		}
		i := index[doc]
		if statuses[i] == nil {
			statuses[i] = map[string]layerAt{}
		}
		statuses[i][ann] = l
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}

	// Done only: the layers done at rev, and the documents that have one.
	layers := ""
	if f.DoneOnly {
		var keys, withDone []string
		for i, st := range statuses {
			has := false
			for ann, l := range st {
				if l.status == scholia.LayerDone {
					keys = append(keys, layerKey(docIDs[i], ann))
					has = true
				} else {
					delete(st, ann)
				}
			}
			if has {
				withDone = append(withDone, docIDs[i])
			}
		}
		if len(keys) == 0 {
			return out, nil // no layer is done: no annotations and no layers
		}
		slices.Sort(keys)
		layers, docs = jsonList(keys), jsonList(withDone)
	}

	// 3. The annotations, counted per layer when nothing narrows them.
	// A document's annotations are gathered in a scratch slice and copied
	// into one of their exact size when the next document starts.
	counts := make([]map[string]int64, len(out))
	countHere := len(f.Kinds) == 0 && len(f.Labels) == 0
	var members []member // of clusters, if any
	aq := annotationsQuery(f, docs, layers, rev)
	if rows, err = q.QueryContext(ctx, aq.sql, aq.args...); err != nil {
		return nil, err
	}
	var scratch []scholia.Annotation
	cur := -1
	flush := func() {
		if cur >= 0 && len(scratch) > 0 {
			out[cur].Annotations = slices.Clone(scratch)
			clear(scratch) // let go of what the copies now hold
			scratch = scratch[:0]
		}
	}
	sc := newAnnotationScanner(f.Project)
	for rows.Next() {
		scratch = append(scratch, scholia.Annotation{})
		a := &scratch[len(scratch)-1]
		if err := sc.scan(rows, a); err != nil {
			rows.Close()
			return nil, err
		}
		if cur < 0 || out[cur].Document.ID != a.Document {
			last := a
			if len(scratch) > 1 {
				scratch = scratch[:len(scratch)-1]
				flush()
				scratch = append(scratch, *last)
			}
			cur = index[a.Document]
			a = &scratch[len(scratch)-1]
		}
		a.Document = out[cur].Document.ID // one copy of the id per document
		if countHere {
			if counts[cur] == nil {
				counts[cur] = map[string]int64{}
			}
			counts[cur][a.Annotator]++
		}
		if isMemberKind(a.Kind) {
			members = append(members, member{a.ID, cur})
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	flush()

	// 4. The clusters that hold any of those annotations, each whole.
	if len(members) > 0 && (len(f.Kinds) == 0 || slices.Contains(f.Kinds, scholia.KindCluster)) {
		slices.SortFunc(members, func(x, y member) int { return cmp.Compare(x.id, y.id) })
		ids := make([]int64, len(members))
		for k, m := range members {
			ids[k] = m.id
		}
		cq := clustersQuery(f, ids, rev)
		if rows, err = q.QueryContext(ctx, cq.sql, cq.args...); err != nil {
			return nil, err
		}
		var attached []int
		for rows.Next() {
			var c scholia.Annotation
			if err := sc.scan(rows, &c); err != nil {
				rows.Close()
				return nil, err
			}
			attached = attached[:0]
			for _, m := range c.Cluster.Members {
				if k, ok := slices.BinarySearch(ids, m); ok && !slices.Contains(attached, members[k].doc) {
					attached = append(attached, members[k].doc)
				}
			}
			slices.Sort(attached)
			for k, i := range attached {
				if k > 0 {
					c = cloneAnnotation(c) // documents do not share a cluster's slices
				}
				out[i].Clusters = append(out[i].Clusters, c)
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
	}

	// 5. The layers' counts when kinds or labels narrowed the annotations.
	if !countHere {
		cq := countsQuery(f, docs, layers, rev)
		if rows, err = q.QueryContext(ctx, cq.sql, cq.args...); err != nil {
			return nil, err
		}
		for rows.Next() {
			var doc, ann string
			var n int64
			if err := rows.Scan(&doc, &ann, &n); err != nil {
				rows.Close()
				return nil, err
			}
			i := index[doc]
			if counts[i] == nil {
				counts[i] = map[string]int64{}
			}
			counts[i][ann] = n
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
	}

	// The layers: those with annotations or a status at rev.
	for i := range out {
		if len(statuses[i]) == 0 && len(counts[i]) == 0 {
			continue
		}
		anns := make([]string, 0, len(statuses[i])+len(counts[i]))
		for a := range statuses[i] {
			anns = append(anns, a)
		}
		for a := range counts[i] {
			if _, ok := statuses[i][a]; !ok {
				anns = append(anns, a)
			}
		}
		slices.Sort(anns)
		ls := make([]scholia.Layer, len(anns))
		for k, a := range anns {
			l := scholia.Layer{Project: f.Project, Document: docIDs[i], Annotator: a, Status: scholia.LayerInProgress,
				AnnotationCount: counts[i][a]}
			if st, ok := statuses[i][a]; ok {
				l.Status, l.Rev, l.UpdateTime = st.status, st.rev, nsTime(st.time)
			}
			ls[k] = l
		}
		out[i].Layers = ls
	}
	return out, nil
}

// memberKinds[k] says whether clusters can hold annotations of kind k.
var memberKinds = func() (m [256]bool) {
	for _, k := range scholia.ClusterKinds {
		m[uint8(k)] = true
	}
	return m
}()

// isMemberKind reports whether clusters can hold annotations of kind k.
func isMemberKind(k scholia.Kind) bool { return memberKinds[uint8(k)] }
