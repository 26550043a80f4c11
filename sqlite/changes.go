package sqlite

import (
	"cmp"
	"context"
	"database/sql"
	"slices"
	"strings"

	"github.com/scholia-nlp/scholia"
)

// The change feed is read from the versions themselves: a version created
// in a revision is an annotation or document created (or updated, when a
// version of the same id was closed in the same revision), a version closed
// with no successor is a deletion, and a row of layer_history is a status
// change. One call reads, in one short read transaction, the revisions
// after `since` up to the maxRevs-th that changed the project, so the
// changes of one revision always come together.

// changesUpToQuery finds the maxRevs-th revision after :since that changed
// the project (with the annotator filter cond on annotations and layers).
func changesUpToQuery(annCond string) string {
	return `SELECT rev FROM (
		SELECT created_rev AS rev FROM annotations WHERE project = :project AND created_rev > :since` + annCond + `
		UNION SELECT deleted_rev FROM annotations WHERE project = :project AND deleted_rev > :since` + annCond + `
		UNION SELECT created_rev FROM documents WHERE project = :project AND created_rev > :since
		UNION SELECT deleted_rev FROM documents WHERE project = :project AND deleted_rev > :since
		UNION SELECT rev FROM layer_history WHERE project = :project AND rev > :since AND status <> 0` + annCond + `
	) ORDER BY rev LIMIT 1 OFFSET :skip`
}

// changeQueryTexts are the queries of Changes after the first.
type changeQueryTexts struct {
	annCreated, annClosed, docCreated, docClosed, layers string
}

// changeQueries returns the queries that read the changes in
// (:since, :upto], with annCond (" AND annotator IN (...)" or "") narrowing
// annotations and layers.
func changeQueries(annCond string) changeQueryTexts {
	aCond := strings.ReplaceAll(annCond, "annotator", "a.annotator")
	return changeQueryTexts{
		annCreated: `SELECT ` + qualified("a", annotationColumns) + `, r.time, r.user
		FROM annotations a JOIN revisions r ON r.rev = a.created_rev
		WHERE a.project = :project AND a.created_rev > :since AND a.created_rev <= :upto` + aCond,
		annClosed: `SELECT ` + qualified("a", annotationColumns) + `, a.deleted_rev, r.time, r.user
		FROM annotations a JOIN revisions r ON r.rev = a.deleted_rev
		WHERE a.project = :project AND a.deleted_rev > :since AND a.deleted_rev <= :upto` + aCond + `
		AND NOT EXISTS (SELECT 1 FROM annotations n WHERE n.id = a.id AND n.created_rev = a.deleted_rev)`,
		docCreated: `SELECT ` + qualified("d", documentColumns) + `, r.time, r.user,
		EXISTS (SELECT 1 FROM documents p WHERE p.project = d.project AND p.id = d.id AND p.deleted_rev = d.created_rev)
		FROM documents d JOIN revisions r ON r.rev = d.created_rev
		WHERE d.project = :project AND d.created_rev > :since AND d.created_rev <= :upto`,
		docClosed: `SELECT ` + qualified("d", documentColumns) + `, d.deleted_rev, r.time, r.user
		FROM documents d JOIN revisions r ON r.rev = d.deleted_rev
		WHERE d.project = :project AND d.deleted_rev > :since AND d.deleted_rev <= :upto
		AND NOT EXISTS (SELECT 1 FROM documents n WHERE n.project = d.project AND n.id = d.id AND n.created_rev = d.deleted_rev)`,
		layers: `SELECT h.document, h.annotator, h.status, h.rev, h.time, r.user,
		(SELECT p.status FROM layer_history p WHERE p.project = h.project AND p.document = h.document AND p.annotator = h.annotator
			AND p.rev < h.rev ORDER BY p.rev DESC LIMIT 1),
		(SELECT count(*) FROM annotations a INDEXED BY annotations_document WHERE a.project = h.project AND a.document = h.document AND a.annotator = h.annotator
			AND a.created_rev <= h.rev AND (a.deleted_rev IS NULL OR a.deleted_rev > h.rev))
		FROM layer_history h JOIN revisions r ON r.rev = h.rev
		WHERE h.project = :project AND h.rev > :since AND h.rev <= :upto AND h.status <> 0` + strings.ReplaceAll(annCond, "annotator", "h.annotator"),
	}
}

// changeRow is a change with the key that orders it within its revision:
// documents, then annotations by id, then layers by (document, annotator).
type changeRow struct {
	c     scholia.Change
	class int8
	id    int64
	key   string
}

// Changes returns the changes of a project by the revisions after since,
// in revision order, for at most maxRevs revisions (256 when not positive);
// all changes of a revision come together. annotators narrows annotation
// and layer changes (nil for all); document changes always come. A since
// older than OldestRevision is REVISION_EXPIRED: the versions that would
// tell what happened after it may have been removed.
func (s *Store) Changes(ctx context.Context, project string, annotators []string, since int64, maxRevs int) ([]scholia.Change, error) {
	if project == "" {
		return nil, scholia.Invalid("a project is required", scholia.FieldViolation{Field: "project_id", Description: "required"})
	}
	if since < 0 {
		return nil, scholia.Errorf(scholia.CodeInvalid, "INVALID_REVISION", "revision %d is negative", since)
	}
	if maxRevs <= 0 {
		maxRevs = defaultChangeRevs
	}
	tx, newest, oldest, err := s.snapshot(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	if since < oldest {
		return nil, revisionExpired(since, oldest)
	}
	if since >= newest {
		return nil, nil
	}
	out, err := readChanges(ctx, tx, project, annotators, since, maxRevs, newest)
	if err != nil {
		return nil, dbError("read the changes", err)
	}
	return out, nil
}

func readChanges(ctx context.Context, q querier, project string, annotators []string, since int64, maxRevs int, newest int64) ([]scholia.Change, error) {
	args := []any{sql.Named("project", project), sql.Named("since", since)}
	annCond := ""
	if len(annotators) > 0 {
		annCond = ` AND annotator IN ` + in("ann", annotators, &args)
	}
	upTo := newest
	err := q.QueryRowContext(ctx, changesUpToQuery(annCond), append(args, sql.Named("skip", maxRevs-1))...).Scan(&upTo)
	if err != nil && err != sql.ErrNoRows {
		return nil, err
	}
	upTo = min(upTo, newest)
	args = append(args, sql.Named("upto", upTo))
	cq := changeQueries(annCond)
	var out []changeRow

	// Annotation versions created: created, or updated when not the first.
	rows, err := q.QueryContext(ctx, cq.annCreated, args...)
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var t int64
		var user string
		a, err := scanAnnotationWith(rows, &t, &user)
		if err != nil {
			rows.Close()
			return nil, err
		}
		typ := scholia.ChangeCreated
		if a.CreateRev != a.Rev { // an update closes and opens in one revision
			typ = scholia.ChangeUpdated
		}
		out = append(out, changeRow{c: scholia.Change{Rev: a.Rev, Time: nsTime(t), User: user, Type: typ, Annotation: &a}, class: 1, id: a.ID})
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}

	// Annotation versions closed without a successor: deleted.
	rows, err = q.QueryContext(ctx, cq.annClosed, args...)
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var rev, t int64
		var user string
		a, err := scanAnnotationWith(rows, &rev, &t, &user)
		if err != nil {
			rows.Close()
			return nil, err
		}
		out = append(out, changeRow{c: scholia.Change{Rev: rev, Time: nsTime(t), User: user, Type: scholia.ChangeDeleted, Annotation: &a}, class: 1, id: a.ID})
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}

	// Document versions created: created, or updated when a version of the
	// same document was closed in the same revision.
	rows, err = q.QueryContext(ctx, cq.docCreated, args...)
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var t int64
		var user string
		var updated bool
		d, err := scanDocument(rows, &t, &user, &updated)
		if err != nil {
			rows.Close()
			return nil, err
		}
		typ := scholia.ChangeCreated
		if updated {
			typ = scholia.ChangeUpdated
		}
		out = append(out, changeRow{c: scholia.Change{Rev: d.Rev, Time: nsTime(t), User: user, Type: typ, Document: &d}, key: d.ID})
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}

	// Document versions closed without a successor: deleted.
	rows, err = q.QueryContext(ctx, cq.docClosed, args...)
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var rev, t int64
		var user string
		d, err := scanDocument(rows, &rev, &t, &user)
		if err != nil {
			rows.Close()
			return nil, err
		}
		out = append(out, changeRow{c: scholia.Change{Rev: rev, Time: nsTime(t), User: user, Type: scholia.ChangeDeleted, Document: &d}, key: d.ID})
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}

	// Layer status changes, with the layer's annotation count at the
	// revision; the first status of a layer (or the first after its
	// document was deleted) creates it.
	rows, err = q.QueryContext(ctx, cq.layers, args...)
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		l := scholia.Layer{Project: project}
		var t int64
		var user string
		var prev sql.NullInt64
		if err := rows.Scan(&l.Document, &l.Annotator, &l.Status, &l.Rev, &t, &user, &prev, &l.AnnotationCount); err != nil {
			rows.Close()
			return nil, err
		}
		l.UpdateTime = nsTime(t)
		typ := scholia.ChangeUpdated
		if !prev.Valid || prev.Int64 == int64(scholia.LayerStatusUnspecified) {
			typ = scholia.ChangeCreated
		}
		out = append(out, changeRow{c: scholia.Change{Rev: l.Rev, Time: l.UpdateTime, User: user, Type: typ, Layer: &l}, class: 2,
			key: layerKey(l.Document, l.Annotator)})
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}

	slices.SortFunc(out, func(x, y changeRow) int {
		switch {
		case x.c.Rev != y.c.Rev:
			return cmp.Compare(x.c.Rev, y.c.Rev)
		case x.class != y.class:
			return cmp.Compare(x.class, y.class)
		case x.id != y.id:
			return cmp.Compare(x.id, y.id)
		}
		return strings.Compare(x.key, y.key)
	})
	changes := make([]scholia.Change, len(out))
	for i := range out {
		changes[i] = out[i].c
	}
	return changes, nil
}
