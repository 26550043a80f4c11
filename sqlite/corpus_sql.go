package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/scholia-nlp/scholia"
)

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
