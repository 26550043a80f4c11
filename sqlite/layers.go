package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"github.com/scholia-nlp/scholia"
)

// A layer is all annotations of one document by one annotator. Its count is
// computed from the current annotations (from the index
// annotations_layer_versions, which holds every version's deleted_rev); its
// status is a row in layers, absent while the layer is in progress and was
// never set. Clusters, which belong to no document,
// are in no layer. Every status change is also appended to layer_history,
// which answers "the status as of revision R" (see corpus.go).

// layerOf reads a layer's status row and current annotation count.
func layerOf(ctx context.Context, q querier, project, document, annotator string) (scholia.Layer, error) {
	l := scholia.Layer{Project: project, Document: document, Annotator: annotator, Status: scholia.LayerInProgress}
	var t sql.NullInt64
	var status sql.NullInt64
	var rev sql.NullInt64
	err := q.QueryRowContext(ctx, `SELECT
		(SELECT count(*) FROM annotations WHERE project = ?1 AND document = ?2 AND annotator = ?3 AND deleted_rev IS NULL),
		l.status, l.rev, l.time
		FROM (SELECT 1) LEFT JOIN layers l ON l.project = ?1 AND l.document = ?2 AND l.annotator = ?3`,
		project, document, annotator).Scan(&l.AnnotationCount, &status, &rev, &t)
	if err != nil {
		return l, dbError("read the layer", err)
	}
	if status.Valid {
		l.Status = scholia.LayerStatus(status.Int64)
		l.Rev = rev.Int64
		l.UpdateTime = nsTime(t.Int64)
	}
	return l, nil
}

// GetLayer returns a layer's status and annotation count; a layer never
// touched is in progress with no annotations.
func (s *Store) GetLayer(ctx context.Context, project, document, annotator string) (scholia.Layer, error) {
	var n int
	err := s.r.QueryRowContext(ctx, `SELECT 1 FROM documents WHERE project = ? AND id = ? AND deleted_rev IS NULL`, project, document).Scan(&n)
	if errors.Is(err, sql.ErrNoRows) {
		if err := s.projectExists(ctx, project); err != nil {
			return scholia.Layer{}, err
		}
		return scholia.Layer{}, documentNotFound(project, document)
	}
	if err != nil {
		return scholia.Layer{}, dbError("look up the document", err)
	}
	return layerOf(ctx, s.r, project, document, annotator)
}

// SetLayerStatus sets a layer's status. A non-zero etag must be the
// revision of the layer's last status change (0 for a layer never set).
func (s *Store) SetLayerStatus(ctx context.Context, w scholia.WriteMeta, project, document, annotator string, status scholia.LayerStatus, etag int64) (scholia.Layer, error) {
	if status != scholia.LayerInProgress && status != scholia.LayerDone {
		return scholia.Layer{}, scholia.Invalid("the status is not valid",
			scholia.FieldViolation{Field: "status", Description: "in progress or done is required"})
	}
	var out scholia.Layer
	err := s.write(ctx, w, "set layer status", func(t *wtx) error {
		if _, err := t.project(project); err != nil {
			return err
		}
		if _, err := t.document(project, document); err != nil {
			return err
		}
		if err := s.checkAnnotator(ctx, t.tx, annotator); err != nil {
			return err
		}
		var cur int64
		err := t.tx.QueryRowContext(t.ctx, `SELECT rev FROM layers WHERE project = ? AND document = ? AND annotator = ?`,
			project, document, annotator).Scan(&cur)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return dbError("read the layer", err)
		}
		if etag != 0 && etag != cur {
			return staleEtag(fmt.Sprintf("the layer of %s in document %q", annotator, document), etag, cur)
		}
		if err := t.newRev(""); err != nil {
			return err
		}
		if _, err := t.tx.ExecContext(t.ctx, `INSERT INTO layers (project, document, annotator, status, rev, time) VALUES (?, ?, ?, ?, ?, ?)
			ON CONFLICT (project, document, annotator) DO UPDATE SET status = excluded.status, rev = excluded.rev, time = excluded.time`,
			project, document, annotator, status, t.rev, t.now); err != nil {
			return dbError("store the layer's status", err)
		}
		if _, err := t.tx.ExecContext(t.ctx, `INSERT INTO layer_history (project, document, annotator, rev, status, time) VALUES (?, ?, ?, ?, ?, ?)`,
			project, document, annotator, t.rev, status, t.now); err != nil {
			return dbError("record the layer's status", err)
		}
		out, err = layerOf(ctx, t.tx, project, document, annotator)
		return err
	})
	if err != nil {
		return scholia.Layer{}, err
	}
	return out, nil
}

// ListLayers returns the layers of a project that have current annotations
// or a status, ordered by (document, annotator), after the given key.
func (s *Store) ListLayers(ctx context.Context, f scholia.LayerFilter, after scholia.LayerKey, limit int) ([]scholia.Layer, error) {
	if f.Project == "" {
		return nil, scholia.Invalid("a project is required", scholia.FieldViolation{Field: "project_id", Description: "required"})
	}
	// The same conditions apply to both sources of layer keys.
	cond := `project = :project AND document <> '' AND (document, annotator) > (:doc, :ann)`
	args := []any{sql.Named("project", f.Project), sql.Named("doc", after.Document), sql.Named("ann", after.Annotator),
		sql.Named("limit", clampLimit(limit))}
	if f.Document != "" {
		cond += ` AND document = :document`
		args = append(args, sql.Named("document", f.Document))
	}
	if len(f.Annotators) > 0 {
		names := make([]string, len(f.Annotators))
		for i, a := range f.Annotators {
			names[i] = fmt.Sprintf(":a%d", i)
			args = append(args, sql.Named(fmt.Sprintf("a%d", i), a))
		}
		cond += ` AND annotator IN (` + strings.Join(names, ", ") + `)`
	}
	rows, err := s.r.QueryContext(ctx, `WITH keys AS (
			SELECT DISTINCT document, annotator FROM annotations WHERE `+cond+` AND deleted_rev IS NULL
			UNION
			SELECT document, annotator FROM layers WHERE `+cond+`
			ORDER BY 1, 2 LIMIT :limit
		)
		SELECT keys.document, keys.annotator,
			(SELECT count(*) FROM annotations a WHERE a.project = :project AND a.document = keys.document
				AND a.annotator = keys.annotator AND a.deleted_rev IS NULL),
			l.status, l.rev, l.time
		FROM keys
		LEFT JOIN layers l ON l.project = :project AND l.document = keys.document AND l.annotator = keys.annotator
		ORDER BY keys.document, keys.annotator`, args...)
	if err != nil {
		return nil, dbError("list layers", err)
	}
	defer rows.Close()
	var out []scholia.Layer
	for rows.Next() {
		l := scholia.Layer{Project: f.Project, Status: scholia.LayerInProgress}
		var status, rev, t sql.NullInt64
		if err := rows.Scan(&l.Document, &l.Annotator, &l.AnnotationCount, &status, &rev, &t); err != nil {
			return nil, dbError("list layers", err)
		}
		if status.Valid {
			l.Status = scholia.LayerStatus(status.Int64)
			l.Rev = rev.Int64
			l.UpdateTime = nsTime(t.Int64)
		}
		out = append(out, l)
	}
	if err := rows.Err(); err != nil {
		return nil, dbError("list layers", err)
	}
	return out, nil
}
