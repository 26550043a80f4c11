package sqlite

import (
	"context"
	"database/sql"
	"time"

	"github.com/scholia-nlp/scholia"
)

// Retention. Prune removes the versions that no snapshot at or after a
// horizon can see: annotation versions, their references and document
// versions closed at or before it, the texts only those document versions
// used, and the layer statuses superseded at the horizon. It records the
// horizon in meta before it deletes anything, and reads as of older
// revisions fail with REVISION_EXPIRED from then on.

// pruneBatch is how many rows one write transaction of Prune deletes, so
// that writers never wait long for it.
const pruneBatch = 1000

// Prune sets the retention horizon to the newest revision committed before
// `before` (it never moves back) and deletes, in short transactions, what
// only older snapshots could see. It returns the horizon, which
// OldestRevision reports from then on, and how many rows it removed
// (versions, references, layer statuses and texts).
func (s *Store) Prune(ctx context.Context, before time.Time) (horizon int64, removed int, err error) {
	if before.IsZero() {
		return 0, 0, scholia.Invalid("a time is required", scholia.FieldViolation{Field: "before", Description: "required"})
	}
	// The horizon is recorded first: a read that could miss a deleted
	// version sees it.
	_, err = s.pruneTx(ctx, "record the retention horizon", func(tx *sql.Tx) (int, error) {
		var newest sql.NullInt64
		if err := tx.QueryRowContext(ctx, `SELECT max(rev) FROM revisions WHERE time < ?`, before.UnixNano()).Scan(&newest); err != nil {
			return 0, err
		}
		old, err := oldestRevision(ctx, tx)
		if err != nil {
			return 0, err
		}
		horizon = max(newest.Int64, old)
		if horizon > old {
			if _, err := tx.ExecContext(ctx, `INSERT INTO meta (key, value) VALUES ('`+oldestKey+`', ?)
				ON CONFLICT (key) DO UPDATE SET value = excluded.value`, horizon); err != nil {
				return 0, err
			}
		}
		return 0, nil
	})
	if err != nil || horizon == 0 {
		return horizon, 0, err
	}

	var projects []string
	rows, err := s.w.QueryContext(ctx, `SELECT DISTINCT id FROM projects ORDER BY id`)
	if err != nil {
		return horizon, 0, dbError("list the projects", err)
	}
	for rows.Next() {
		var p string
		if err := rows.Scan(&p); err != nil {
			rows.Close()
			return horizon, 0, dbError("list the projects", err)
		}
		projects = append(projects, p)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return horizon, 0, dbError("list the projects", err)
	}

	// batches runs one kind of batch until one is not full.
	batches := func(op string, fn func(tx *sql.Tx) (n int, more bool, err error)) error {
		for {
			more := false
			n, err := s.pruneTx(ctx, op, func(tx *sql.Tx) (int, error) {
				n, m, err := fn(tx)
				more = m
				return n, err
			})
			removed += n
			if err != nil || !more {
				return err
			}
		}
	}
	full := func(n int, err error) (int, bool, error) { return n, n == pruneBatch, err }
	for _, p := range projects {
		err := batches("remove old annotation versions", func(tx *sql.Tx) (int, bool, error) {
			return full(execCount(ctx, tx, `DELETE FROM annotations WHERE vid IN
				(SELECT vid FROM annotations WHERE project = ? AND deleted_rev <= ? LIMIT ?)`, p, horizon, pruneBatch))
		})
		if err != nil {
			return horizon, removed, err
		}
		err = batches("remove old document versions", func(tx *sql.Tx) (int, bool, error) {
			return pruneDocuments(ctx, tx, p, horizon)
		})
		if err != nil {
			return horizon, removed, err
		}
		if err := s.pruneLayerHistory(ctx, p, horizon, &removed); err != nil {
			return horizon, removed, err
		}
	}
	err = batches("remove old references", func(tx *sql.Tx) (int, bool, error) {
		return full(execCount(ctx, tx, `DELETE FROM annotation_refs WHERE rowid IN
			(SELECT rowid FROM annotation_refs WHERE deleted_rev <= ? LIMIT ?)`, horizon, pruneBatch))
	})
	return horizon, removed, err
}

// pruneTx runs fn in one write transaction and commits it.
func (s *Store) pruneTx(ctx context.Context, op string, fn func(tx *sql.Tx) (int, error)) (int, error) {
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return 0, dbError(op, err)
	}
	defer tx.Rollback()
	n, err := fn(tx)
	if err != nil {
		return 0, dbError(op, err)
	}
	if err := tx.Commit(); err != nil {
		return 0, dbError(op, err)
	}
	return n, nil
}

func execCount(ctx context.Context, tx *sql.Tx, query string, args ...any) (int, error) {
	res, err := tx.ExecContext(ctx, query, args...)
	if err != nil {
		return 0, err
	}
	n, err := res.RowsAffected()
	return int(n), err
}

// pruneDocuments deletes a batch of closed document versions, and the texts
// that no document version uses any more. The text with the
// largest id is kept, so that text ids (which caches key on) are never
// given out again. It returns the number of rows deleted, and whether the
// batch was full.
func pruneDocuments(ctx context.Context, tx *sql.Tx, project string, horizon int64) (removed int, more bool, err error) {
	rows, err := tx.QueryContext(ctx, `DELETE FROM documents WHERE rowid IN
		(SELECT rowid FROM documents WHERE project = ? AND deleted_rev <= ? LIMIT ?) RETURNING text_id`, project, horizon, pruneBatch)
	if err != nil {
		return 0, false, err
	}
	seen := map[int64]bool{}
	var texts []int64
	n := 0
	for rows.Next() {
		var textID int64
		if err := rows.Scan(&textID); err != nil {
			rows.Close()
			return 0, false, err
		}
		n++
		removed++
		if !seen[textID] {
			seen[textID] = true
			texts = append(texts, textID)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, false, err
	}
	for _, id := range texts {
		k, err := execCount(ctx, tx, `DELETE FROM texts WHERE id = ?1 AND id < (SELECT max(id) FROM texts)
			AND NOT EXISTS (SELECT 1 FROM documents WHERE text_id = ?1)`, id)
		if err != nil {
			return 0, false, err
		}
		removed += k
	}
	return removed, n == pruneBatch, nil
}

// pruneLayerHistory deletes, in windows of the primary key, the status rows
// of a project's layers that the horizon supersedes: every row at or before
// the horizon but the newest of its layer, and that one too when it says
// the layer was forgotten.
func (s *Store) pruneLayerHistory(ctx context.Context, project string, horizon int64, removed *int) error {
	var doc, ann string
	var rev int64 = -1
	for {
		last := false
		n, err := s.pruneTx(ctx, "remove old layer statuses", func(tx *sql.Tx) (int, error) {
			var d, a string
			var r int64
			err := tx.QueryRowContext(ctx, `SELECT document, annotator, rev FROM layer_history
				WHERE project = ? AND (document, annotator, rev) > (?, ?, ?)
				ORDER BY document, annotator, rev LIMIT 1 OFFSET ?`, project, doc, ann, rev, pruneBatch-1).Scan(&d, &a, &r)
			upTo := ` AND (h.document, h.annotator, h.rev) <= (:d1, :a1, :r1)`
			switch {
			case err == sql.ErrNoRows:
				last, upTo = true, ""
			case err != nil:
				return 0, err
			}
			k, err := execCount(ctx, tx, `DELETE FROM layer_history AS h WHERE h.project = :p
				AND (h.document, h.annotator, h.rev) > (:d0, :a0, :r0)`+upTo+` AND h.rev <= :h
				AND (h.status = 0 OR EXISTS (SELECT 1 FROM layer_history n WHERE n.project = h.project AND n.document = h.document
					AND n.annotator = h.annotator AND n.rev > h.rev AND n.rev <= :h))`,
				sql.Named("p", project), sql.Named("d0", doc), sql.Named("a0", ann), sql.Named("r0", rev),
				sql.Named("d1", d), sql.Named("a1", a), sql.Named("r1", r), sql.Named("h", horizon))
			doc, ann, rev = d, a, r
			return k, err
		})
		*removed += n
		if err != nil || last {
			return err
		}
	}
}
