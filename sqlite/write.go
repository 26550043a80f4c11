package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"time"

	"github.com/scholia-nlp/scholia"
)

// wtx is one write transaction. It takes its revision with newRev just
// before its first change; a transaction that never takes one (a replayed
// create, a failed check) is rolled back.
type wtx struct {
	tx   *sql.Tx
	ctx  context.Context
	s    *Store
	meta scholia.WriteMeta
	op   string
	rev  int64
	now  int64 // the transaction's time, Unix nanoseconds: the revision's

	// onCommit runs after a successful commit: caches may learn only
	// committed rows, since a rolled-back rowid can be given out again.
	onCommit []func()
}

// newRev records the write in the revisions table and sets t.rev. result, when not empty, is what a create produced; it makes the create
// replayable under its request id.
func (t *wtx) newRev(result string) error {
	var fp any
	if t.meta.RequestID != "" {
		fp = t.meta.Fingerprint
	}
	res, err := t.tx.ExecContext(t.ctx,
		`INSERT INTO revisions (user, time, op, request_id, fingerprint, result) VALUES (?, ?, ?, ?, ?, ?)`,
		t.meta.User, t.now, t.op, nullString(t.meta.RequestID), fp, nullString(result))
	if err != nil {
		if isUnique(err) {
			return reusedRequestID(t.meta)
		}
		return dbError("record the revision", err)
	}
	t.rev, err = res.LastInsertId()
	if err != nil {
		return dbError("record the revision", err)
	}
	return nil
}

// previous looks for an earlier create by the same user under the same
// request id. It returns the revision and result of that create, or ok
// false. A request id used for another operation or with another
// fingerprint is refused.
func (t *wtx) previous() (rev int64, result string, ok bool, err error) {
	if t.meta.RequestID == "" {
		return 0, "", false, nil
	}
	var op, fp string
	err = t.tx.QueryRowContext(t.ctx,
		`SELECT rev, op, coalesce(fingerprint, ''), result FROM revisions
		 WHERE user = ? AND request_id = ? AND result IS NOT NULL`,
		t.meta.User, t.meta.RequestID).Scan(&rev, &op, &fp, &result)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, "", false, nil
	}
	if err != nil {
		return 0, "", false, dbError("look up the request id", err)
	}
	if op != t.op || fp != t.meta.Fingerprint {
		return 0, "", false, reusedRequestID(t.meta)
	}
	return rev, result, true, nil
}

func reusedRequestID(w scholia.WriteMeta) error {
	return scholia.Errorf(scholia.CodeInvalid, "REQUEST_ID_REUSED",
		"request_id %q was already used by %s for a different request; use a new request_id for a new request", w.RequestID, w.User)
}

// staleEtag is the error of an update or delete with an etag that is not
// the current revision of the thing.
func staleEtag(what string, etag, current int64) error {
	return scholia.Errorf(scholia.CodeAborted, "STALE_ETAG",
		"%s has changed since etag %d: its current etag is %d; read it again and retry", what, etag, current)
}

// projectRow is the current version of a project, without its schema.
type projectRow struct {
	pk      int64
	id      string
	version int32
	rev     int64
}

// project returns the current project id, or CodeNotFound.
func (t *wtx) project(id string) (projectRow, error) {
	p := projectRow{id: id}
	err := t.tx.QueryRowContext(t.ctx, `SELECT pk, schema_version, rev FROM projects WHERE id = ? AND deleted_rev IS NULL`, id).
		Scan(&p.pk, &p.version, &p.rev)
	if errors.Is(err, sql.ErrNoRows) {
		return p, projectNotFound(id)
	}
	if err != nil {
		return p, dbError("look up the project", err)
	}
	return p, nil
}

func projectNotFound(id string) error {
	return scholia.Errorf(scholia.CodeNotFound, "PROJECT_NOT_FOUND", "project %q does not exist", id)
}

// schema returns the compiled schema of a project's current schema version.
func (s *Store) schema(ctx context.Context, q querier, p projectRow) (*scholia.SchemaIndex, error) {
	k := schemaKey{p.pk, p.version}
	if x, ok := s.schemas.get(k); ok {
		return x, nil
	}
	var js string
	if err := q.QueryRowContext(ctx, `SELECT schema FROM project_schemas WHERE project_pk = ? AND version = ?`, p.pk, p.version).Scan(&js); err != nil {
		return nil, dbError("read the project's schema", err)
	}
	var sc scholia.Schema
	if err := json.Unmarshal([]byte(js), &sc); err != nil {
		return nil, scholia.Internal("decode the project's schema", err)
	}
	x, err := sc.Index()
	if err != nil {
		return nil, scholia.Internal("compile the project's stored schema", err)
	}
	s.schemas.put(k, x)
	return x, nil
}

// docRow is the current version of a document, without its text.
type docRow struct {
	textID int64
	rev    int64
}

// document returns the current document id of a project, or CodeNotFound.
func (t *wtx) document(project, id string) (docRow, error) {
	var d docRow
	err := t.tx.QueryRowContext(t.ctx, `SELECT text_id, created_rev FROM documents WHERE project = ? AND id = ? AND deleted_rev IS NULL`, project, id).
		Scan(&d.textID, &d.rev)
	if errors.Is(err, sql.ErrNoRows) {
		return d, documentNotFound(project, id)
	}
	if err != nil {
		return d, dbError("look up the document", err)
	}
	return d, nil
}

func documentNotFound(project, id string) error {
	return scholia.Errorf(scholia.CodeNotFound, "DOCUMENT_NOT_FOUND", "document %q does not exist in project %q", id, project)
}

// text returns the indexed text of a text row, from the cache if it can.
func (s *Store) text(ctx context.Context, q querier, textID int64) (*scholia.Text, error) {
	if t, ok := s.texts.get(textID); ok {
		return t, nil
	}
	var str string
	if err := q.QueryRowContext(ctx, `SELECT text FROM texts WHERE id = ?`, textID).Scan(&str); err != nil {
		return nil, dbError("read the document's text", err)
	}
	t, err := scholia.NewText(str)
	if err != nil {
		return nil, scholia.Internal("index the document's text", err)
	}
	s.texts.put(textID, t)
	return t, nil
}

// checkAnnotator returns CodeNotFound unless name is gold or a user.
func (s *Store) checkAnnotator(ctx context.Context, q querier, name string) error {
	if name == scholia.GoldAnnotator {
		return nil
	}
	if _, ok := s.users.Load(name); ok {
		return nil
	}
	if name == "" {
		return scholia.Invalid("the annotator is required", scholia.FieldViolation{Field: "annotator", Description: "required"})
	}
	var n int
	err := q.QueryRowContext(ctx, `SELECT 1 FROM users WHERE name = ?`, name).Scan(&n)
	if errors.Is(err, sql.ErrNoRows) {
		return scholia.Errorf(scholia.CodeNotFound, "USER_NOT_FOUND", "annotator %q is neither %q nor a user", name, scholia.GoldAnnotator)
	}
	if err != nil {
		return dbError("look up the annotator", err)
	}
	s.users.Store(name, true)
	return nil
}

// nsTime turns Unix nanoseconds into a UTC time.
func nsTime(ns int64) time.Time { return time.Unix(0, ns).UTC() }

// nullTime turns a possibly NULL column of Unix nanoseconds into a time.
func nullTime(ns sql.NullInt64) time.Time {
	if !ns.Valid {
		return time.Time{}
	}
	return nsTime(ns.Int64)
}

// timeNS turns a time into a column value: NULL for the zero time.
func timeNS(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.UnixNano()
}
