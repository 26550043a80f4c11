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
//  4. the clusters as of R that hold any of those annotations (after,
//     when the annotations' ids are sparse, a count that chooses how);
//  5. the times and users of the revisions that made those versions
//     (see corpusColumns);
//  6. only when kinds or labels narrow the annotations: the layers'
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
	if f.ChangedSince > 0 {
		// Changed after :since (and at or before :rev): the document's
		// version, an annotation of a selected layer, or a selected layer's
		// status. Each test is an index look-up per document, so the cost
		// is that of the scan whatever the window.
		args = append(args, sql.Named("since", f.ChangedSince))
		annA, annL := "", ""
		if len(f.Annotators) > 0 {
			annA = ` AND a.annotator IN ` + in("chga", f.Annotators, &args)
			annL = ` AND l.annotator IN ` + in("chgl", f.Annotators, &args)
		}
		q.WriteString(` AND (d.created_rev > :since
			OR EXISTS (SELECT 1 FROM annotations a WHERE a.project = d.project AND a.document = d.id
				AND ((a.created_rev > :since AND a.created_rev <= :rev) OR (a.deleted_rev > :since AND a.deleted_rev <= :rev))` + annA + `)
			OR EXISTS (SELECT 1 FROM layer_history l WHERE l.project = d.project AND l.document = d.id
				AND l.rev > :since AND l.rev <= :rev` + annL + `))`)
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

// annotationsQuery reads the annotations of the documents docs (a JSON
// array) in the order of docs, then of id, with the position of their
// document in docs (a small integer, cheaper to read than the id). The
// CROSS JOIN keeps json_each the outer loop, which gives that order with no
// sorting; readChunk checks the order and sorts if a plan ever breaks it.
func annotationsQuery(f scholia.CorpusFilter, docs, layers string, rev int64) corpusQuery {
	args := []any{sql.Named("rev", rev), sql.Named("project", f.Project), sql.Named("docs", docs)}
	q := `SELECT j.key, ` + qualified("a", corpusOtherColumns) + `
		FROM json_each(:docs) AS j CROSS JOIN annotations AS a INDEXED BY annotations_document
		WHERE a.project = :project AND a.document = j.value AND ` + asOfCond("a")
	if len(f.Annotators) > 0 {
		q += ` AND a.annotator IN ` + in("ann", f.Annotators, &args)
	}
	if layers != "" {
		q += ` AND a.document || '/' || a.annotator IN (SELECT value FROM json_each(:layers))`
		args = append(args, sql.Named("layers", layers))
	}
	if len(f.Kinds) > 0 {
		q += ` AND a.kind IN ` + in("kind", f.Kinds, &args)
	}
	if len(f.Labels) > 0 {
		q += ` AND a.label IN ` + in("label", f.Labels, &args)
	}
	return corpusQuery{q, args}
}

func countsQuery(f scholia.CorpusFilter, docs, layers string, rev int64) corpusQuery {
	args := []any{sql.Named("rev", rev)}
	q := `SELECT a.document, a.annotator, count(*) FROM annotations a INDEXED BY annotations_document WHERE ` +
		annotationsCond(f, docs, layers, &args) +
		` GROUP BY a.document, a.annotator`
	return corpusQuery{q, args}
}

// Which clusters hold a chunk's annotations (ids, sorted) is found in the
// cluster references in one of two ways: a look-up per id, or one range
// scan of the references to ids in [ids[0], ids[len(ids)-1]], which reads
// fewer index entries whenever that range holds fewer cluster references
// than there are ids (always when the project has few clusters, or when
// the ids are dense, as when documents were annotated one after another).
// The range may hold references to annotations that are not the chunk's;
// readChunk attaches a cluster only to documents that hold one of its
// members, so those cost a little reading and change nothing.
//
// clusterRangeFactor: ids whose range is at most this many times their
// number take the range scan at once; others count the references in the
// range first (clusterRefsInRange, which stops at len(ids)). 0 always looks
// up.
var clusterRangeFactor int64 = 4

// clusterRefsInRange counts, up to :limit, the cluster references to ids in
// [:lo, :hi], of any revision.
const clusterRefsInRange = `SELECT count(*) FROM (SELECT 1 FROM annotation_refs WHERE kind = 5 AND target BETWEEN :lo AND :hi LIMIT :limit)`

// clusterRange reports whether clustersQuery should read the references to
// ids by one range scan.
func clusterRange(ctx context.Context, q querier, ids []int64) (bool, error) {
	lo, hi, n := ids[0], ids[len(ids)-1], int64(len(ids))
	switch {
	case clusterRangeFactor == 0:
		return false, nil
	case hi-lo < clusterRangeFactor*n:
		return true, nil
	}
	var refs int64
	if err := q.QueryRowContext(ctx, clusterRefsInRange, sql.Named("lo", lo), sql.Named("hi", hi), sql.Named("limit", n)).Scan(&refs); err != nil {
		return false, err
	}
	return refs < n, nil
}

func clustersQuery(f scholia.CorpusFilter, ids []int64, byRange bool, rev int64) corpusQuery {
	args := []any{sql.Named("rev", rev)}
	var targets string
	if byRange {
		targets = `r.target BETWEEN :lo AND :hi`
		args = append(args, sql.Named("lo", ids[0]), sql.Named("hi", ids[len(ids)-1]))
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

// revisionsQuery reads the time and user of revisions (a JSON array).
const revisionsQuery = `SELECT rev, time, user FROM revisions WHERE rev IN (SELECT value FROM json_each(:revs))`

// fillRevisions sets the create time, update time and update user of the
// annotations and clusters of a chunk from their revisions.
func fillRevisions(ctx context.Context, q querier, out []scholia.CorpusDocument) error {
	type revInfo struct {
		time int64
		user string
	}
	revs := map[int64]revInfo{}
	var last int64 = -1
	add := func(rev int64) {
		if rev != last {
			revs[rev], last = revInfo{}, rev
		}
	}
	for i := range out {
		for _, list := range [][]scholia.Annotation{out[i].Annotations, out[i].Clusters} {
			for k := range list {
				add(list[k].Rev)
				add(list[k].CreateRev)
			}
		}
	}
	if len(revs) == 0 {
		return nil
	}
	list := make([]int64, 0, len(revs))
	for r := range revs {
		list = append(list, r)
	}
	slices.Sort(list)
	rows, err := q.QueryContext(ctx, revisionsQuery, sql.Named("revs", jsonList(list)))
	if err != nil {
		return err
	}
	found := 0
	for rows.Next() {
		var rev int64
		var ri revInfo
		if err := rows.Scan(&rev, &ri.time, &ri.user); err != nil {
			rows.Close()
			return err
		}
		revs[rev] = ri
		found++
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	if found != len(revs) {
		return fmt.Errorf("%d of the %d revisions of a chunk's annotations are missing", len(revs)-found, len(revs))
	}
	var lastRev, lastCreate int64 = -1, -1
	var upd, crt revInfo
	for i := range out {
		for _, list := range [][]scholia.Annotation{out[i].Annotations, out[i].Clusters} {
			for k := range list {
				a := &list[k]
				if a.Rev != lastRev {
					upd, lastRev = revs[a.Rev], a.Rev
				}
				if a.CreateRev != lastCreate {
					crt, lastCreate = revs[a.CreateRev], a.CreateRev
				}
				a.CreateTime, a.UpdateTime, a.UpdateUser = nsTime(crt.time), nsTime(upd.time), upd.user
			}
		}
	}
	return nil
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
	// docOf maps a position in docs to the document's index in out.
	layers := ""
	docOf := make([]int, len(out))
	for i := range docOf {
		docOf[i] = i
	}
	if f.DoneOnly {
		var keys, withDone []string
		docOf = docOf[:0]
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
				docOf = append(docOf, i)
			}
		}
		if len(keys) == 0 {
			return out, nil // no layer is done: no annotations and no layers
		}
		slices.Sort(keys)
		layers, docs = jsonList(keys), jsonList(withDone)
	}

	// 3. The annotations, counted per layer when nothing narrows them.
	// They come by document, then id: a document's annotations are
	// gathered in a scratch slice and copied into one of their exact size
	// when the next document starts. Should rows ever come in another
	// order, those from then on are put in place at the end.
	counts := make([]map[string]int64, len(out))
	countHere := len(f.Kinds) == 0 && len(f.Labels) == 0
	var members []member // of clusters, if any
	aq := annotationsQuery(f, docs, layers, rev)
	if rows, err = q.QueryContext(ctx, aq.sql, aq.args...); err != nil {
		return nil, err
	}
	var scratch, late []scholia.Annotation
	var lateDocs []int
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
		pos, err := sc.scan(rows, a)
		if err == nil && (pos < 0 || pos >= int64(len(docOf))) {
			err = fmt.Errorf("annotation %d: document position %d of %d", a.ID, pos, len(docOf))
		}
		if err != nil {
			rows.Close()
			return nil, err
		}
		i := docOf[pos]
		a.Document = out[i].Document.ID // one copy of the id per document
		if countHere {
			if counts[i] == nil {
				counts[i] = map[string]int64{}
			}
			counts[i][a.Annotator]++
		}
		if isMemberKind(a.Kind) {
			members = append(members, member{a.ID, i})
		}
		switch {
		case late == nil && i == cur && (len(scratch) == 1 || a.ID > scratch[len(scratch)-2].ID):
		case late == nil && i > cur:
			if len(scratch) > 1 {
				next := *a
				scratch = scratch[:len(scratch)-1]
				flush()
				scratch = append(scratch, next)
			}
			cur = i
		default:
			late, lateDocs = append(late, *a), append(lateDocs, i)
			scratch = scratch[:len(scratch)-1]
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	flush()
	if late != nil {
		for k, a := range late {
			out[lateDocs[k]].Annotations = append(out[lateDocs[k]].Annotations, a)
		}
		for _, i := range lateDocs {
			slices.SortFunc(out[i].Annotations, func(x, y scholia.Annotation) int { return cmp.Compare(x.ID, y.ID) })
		}
	}

	// Their provenance (gold made by curation, accepted suggestions), as
	// GetAnnotation and ListAnnotations give it.
	if err := chunkDerivedFrom(ctx, q, out); err != nil {
		return nil, err
	}

	// 4. The clusters that hold any of those annotations, each whole.
	if len(members) > 0 && (len(f.Kinds) == 0 || slices.Contains(f.Kinds, scholia.KindCluster)) {
		slices.SortFunc(members, func(x, y member) int { return cmp.Compare(x.id, y.id) })
		ids := make([]int64, len(members))
		for k, m := range members {
			ids[k] = m.id
		}
		byRange, err := clusterRange(ctx, q, ids)
		if err != nil {
			return nil, err
		}
		cq := clustersQuery(f, ids, byRange, rev)
		if rows, err = q.QueryContext(ctx, cq.sql, cq.args...); err != nil {
			return nil, err
		}
		var attached []int
		for rows.Next() {
			var c scholia.Annotation
			if _, err := sc.scan(rows, &c); err != nil {
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

	// 5. The times and users of the versions' revisions.
	if err := fillRevisions(ctx, q, out); err != nil {
		return nil, err
	}

	// 6. The layers' counts when kinds or labels narrowed the annotations.
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

// chunkDerivedFrom fills in the DerivedFrom of a chunk's annotations with
// one range read of annotation_sources.
func chunkDerivedFrom(ctx context.Context, q querier, docs []scholia.CorpusDocument) error {
	at := map[int64]*scholia.Annotation{}
	var lo, hi int64
	for i := range docs {
		for j := range docs[i].Annotations {
			a := &docs[i].Annotations[j]
			if len(at) == 0 || a.ID < lo {
				lo = a.ID
			}
			hi = max(hi, a.ID)
			at[a.ID] = a
		}
	}
	if len(at) == 0 {
		return nil
	}
	rows, err := q.QueryContext(ctx, `SELECT annotation, source FROM annotation_sources WHERE annotation BETWEEN ? AND ? ORDER BY annotation, source`, lo, hi)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var id, src int64
		if err := rows.Scan(&id, &src); err != nil {
			return err
		}
		if a, ok := at[id]; ok {
			a.DerivedFrom = append(a.DerivedFrom, src)
		}
	}
	return rows.Err()
}
