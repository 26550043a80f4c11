package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/scholia-nlp/scholia"
)

// Documents are versioned like annotations: an update closes the current
// version and opens a new one pointing at the same text row; a delete only
// closes. The text is stored once, in texts.

const documentColumns = `project, id, created_rev, title, source, url, publish_time, language, length, sha256, create_time, update_time`

func scanDocument(row interface{ Scan(...any) error }, extra ...any) (scholia.Document, error) {
	var d scholia.Document
	var pt sql.NullInt64
	var ct, ut int64
	dest := append([]any{&d.Project, &d.ID, &d.Rev, &d.Title, &d.Source, &d.URL, &pt, &d.Language, &d.Length, &d.SHA256, &ct, &ut}, extra...)
	if err := row.Scan(dest...); err != nil {
		return d, err
	}
	d.PublishTime = nullTime(pt)
	d.CreateTime = nsTime(ct)
	d.UpdateTime = nsTime(ut)
	return d, nil
}

// CreateDocument stores a document. Its text must be valid UTF-8 and not
// empty; the store computes Length and SHA256. The document is returned
// without its text. A retried create with the same request id returns the
// first result.
func (s *Store) CreateDocument(ctx context.Context, w scholia.WriteMeta, d scholia.Document) (scholia.Document, error) {
	text, err := checkDocument(d)
	if err != nil {
		return scholia.Document{}, err
	}
	var out scholia.Document
	err = s.write(ctx, w, "create document", func(t *wtx) error {
		if rev, result, ok, err := t.previous(); err != nil {
			return err
		} else if ok {
			if err := json.Unmarshal([]byte(result), &out); err != nil {
				return scholia.Internal("decode the result of an earlier create", err)
			}
			out.Rev = rev
			return nil
		}
		if _, err := t.project(d.Project); err != nil {
			return err
		}
		if _, err := t.document(d.Project, d.ID); err == nil {
			return documentExists(d.Project, d.ID)
		} else if scholia.ErrorCode(err) != scholia.CodeNotFound {
			return err
		}
		out = newDocument(d, text, t.now)
		result, err := json.Marshal(out)
		if err != nil {
			return scholia.Internal("encode the create's result", err)
		}
		if err := t.newRev(string(result)); err != nil {
			return err
		}
		out.Rev = t.rev
		res, err := t.tx.ExecContext(t.ctx, `INSERT INTO texts (text) VALUES (?)`, d.Text)
		if err != nil {
			return dbError("store the document's text", err)
		}
		textID, err := res.LastInsertId()
		if err != nil {
			return dbError("store the document's text", err)
		}
		if err := t.insertDocument(&out, textID); err != nil {
			return err
		}
		t.onCommit = append(t.onCommit, func() { s.texts.put(textID, text) })
		return nil
	})
	if err != nil {
		return scholia.Document{}, err
	}
	return out, nil
}

// checkDocument validates a new document and returns its indexed text.
func checkDocument(d scholia.Document) (*scholia.Text, error) {
	var v scholia.Violations
	if d.Project == "" {
		v.Add("document.project_id", "required")
	}
	if err := scholia.ValidateID("document id", d.ID, true); err != nil {
		v.Add("document.id", "%s", err.Error())
	}
	var text *scholia.Text
	if d.Text == "" {
		v.Add("document.text", "the text is required")
	} else {
		var err error
		if text, err = scholia.NewText(d.Text); err != nil {
			v.Add("document.text", "the text is not valid UTF-8: %s", err.Error())
		}
	}
	return text, v.Err("the document is not valid")
}

// newDocument returns a new document as stored at time now (Unix
// nanoseconds), without its text.
func newDocument(d scholia.Document, text *scholia.Text, now int64) scholia.Document {
	d.Text = ""
	d.Length, d.SHA256 = text.Len(), text.SHA256()
	d.CreateTime, d.UpdateTime = nsTime(now), nsTime(now)
	d.PublishTime = normalTime(d.PublishTime)
	return d
}

// normalTime drops a time's monotonic reading and location, as a round trip
// through the database does.
func normalTime(t time.Time) time.Time {
	if t.IsZero() {
		return time.Time{}
	}
	return nsTime(t.UnixNano())
}

func documentExists(project, id string) error {
	return scholia.Errorf(scholia.CodeAlreadyExists, "DOCUMENT_EXISTS", "document %q already exists in project %q", id, project)
}

// insertDocument stores a version of a document created at t.rev.
func (t *wtx) insertDocument(d *scholia.Document, textID int64) error {
	_, err := t.tx.ExecContext(t.ctx,
		`INSERT INTO documents (project, id, created_rev, text_id, title, source, url, publish_time, language, length, sha256, create_time, update_time)
		 VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		d.Project, d.ID, t.rev, textID, d.Title, d.Source, d.URL, timeNS(d.PublishTime), d.Language, d.Length, d.SHA256,
		d.CreateTime.UnixNano(), d.UpdateTime.UnixNano())
	if isUnique(err) {
		return documentExists(d.Project, d.ID)
	}
	if err != nil {
		return dbError("store the document", err)
	}
	return nil
}

// GetDocument returns the current version of a document, with its text if
// withText.
func (s *Store) GetDocument(ctx context.Context, project, id string, withText bool) (scholia.Document, error) {
	var textID int64
	d, err := scanDocument(s.r.QueryRowContext(ctx, `SELECT `+documentColumns+`, text_id FROM documents
		WHERE project = ? AND id = ? AND deleted_rev IS NULL`, project, id), &textID)
	if errors.Is(err, sql.ErrNoRows) {
		return d, documentNotFound(project, id)
	}
	if err != nil {
		return d, dbError("read the document", err)
	}
	if withText {
		t, err := s.text(ctx, s.r, textID)
		if err != nil {
			return scholia.Document{}, err
		}
		d.Text = t.String()
	}
	return d, nil
}

// ListDocuments returns up to limit documents of a project with ids after
// `after`, as of revision asOf (0: now), without their text.
func (s *Store) ListDocuments(ctx context.Context, project, after string, limit int, asOf int64) ([]scholia.Document, error) {
	rev, err := s.readRevision(ctx, asOf)
	if err != nil {
		return nil, err
	}
	if asOf == 0 {
		if err := s.projectExists(ctx, project); err != nil {
			return nil, err
		}
	}
	out, err := queryAll(ctx, s.r, "list documents", scanDocumentRow, `SELECT `+documentColumns+` FROM documents
		WHERE project = ? AND id > ? AND created_rev <= ? AND (deleted_rev IS NULL OR deleted_rev > ?)
		ORDER BY id LIMIT ?`, project, after, rev, rev, clampLimit(limit))
	if err != nil {
		return nil, err
	}
	if err := s.checkRetained(ctx, rev); err != nil {
		return nil, err
	}
	return out, nil
}

// currentDocument reads the current version of a document inside the write
// transaction, with its text row id.
func (t *wtx) currentDocument(project, id string) (scholia.Document, int64, error) {
	var textID int64
	d, err := scanDocument(t.tx.QueryRowContext(t.ctx, `SELECT `+documentColumns+`, text_id FROM documents
		WHERE project = ? AND id = ? AND deleted_rev IS NULL`, project, id), &textID)
	if errors.Is(err, sql.ErrNoRows) {
		return d, 0, documentNotFound(project, id)
	}
	if err != nil {
		return d, 0, dbError("read the document", err)
	}
	return d, textID, nil
}

// UpdateDocument applies change to the metadata of the current document and
// stores the result as a new version. The project, the id and the text
// cannot change (the text stays where it is; it is not copied).
func (s *Store) UpdateDocument(ctx context.Context, w scholia.WriteMeta, project, id string, etag int64, change func(*scholia.Document) error) (scholia.Document, error) {
	var out scholia.Document
	err := s.write(ctx, w, "update document", func(t *wtx) error {
		cur, textID, err := t.currentDocument(project, id)
		if err != nil {
			return err
		}
		if etag != 0 && etag != cur.Rev {
			return staleEtag(fmt.Sprintf("document %q", id), etag, cur.Rev)
		}
		d := cur
		if err := change(&d); err != nil {
			return err
		}
		var v scholia.Violations
		if d.Project != cur.Project {
			v.Add("document.project_id", "cannot change (from %q to %q)", cur.Project, d.Project)
		}
		if d.ID != cur.ID {
			v.Add("document.id", "cannot change (from %q to %q)", cur.ID, d.ID)
		}
		if d.Text != "" {
			if txt, err := scholia.NewText(d.Text); err != nil || txt.SHA256() != cur.SHA256 {
				v.Add("document.text", "the text of a document cannot change, since annotations point into it: create a new document for a changed article")
			}
		}
		if err := v.Err("the update changes what a document cannot change"); err != nil {
			return err
		}
		if err := t.newRev(""); err != nil {
			return err
		}
		d.Text, d.Length, d.SHA256 = "", cur.Length, cur.SHA256
		d.CreateTime, d.UpdateTime, d.Rev = cur.CreateTime, nsTime(t.now), t.rev
		d.PublishTime = normalTime(d.PublishTime)
		if _, err := t.tx.ExecContext(t.ctx, `UPDATE documents SET deleted_rev = ? WHERE project = ? AND id = ? AND deleted_rev IS NULL`,
			t.rev, project, id); err != nil {
			return dbError("close the document's version", err)
		}
		if err := t.insertDocument(&d, textID); err != nil {
			return err
		}
		out = d
		return nil
	})
	if err != nil {
		return scholia.Document{}, err
	}
	return out, nil
}

// DeleteDocument closes the current version of a document that has no
// current annotations, and forgets its layer statuses.
func (s *Store) DeleteDocument(ctx context.Context, w scholia.WriteMeta, project, id string, etag int64) error {
	return s.write(ctx, w, "delete document", func(t *wtx) error {
		d, err := t.document(project, id)
		if err != nil {
			return err
		}
		if etag != 0 && etag != d.rev {
			return staleEtag(fmt.Sprintf("document %q", id), etag, d.rev)
		}
		var n int64
		if err := t.tx.QueryRowContext(t.ctx, `SELECT count(*) FROM annotations WHERE project = ? AND document = ? AND deleted_rev IS NULL`,
			project, id).Scan(&n); err != nil {
			return dbError("count the document's annotations", err)
		}
		if n > 0 {
			return scholia.Errorf(scholia.CodeFailedPrecondition, "DOCUMENT_HAS_ANNOTATIONS",
				"document %q has %d current annotations: delete them first", id, n)
		}
		if err := t.newRev(""); err != nil {
			return err
		}
		if _, err := t.tx.ExecContext(t.ctx, `UPDATE documents SET deleted_rev = ? WHERE project = ? AND id = ? AND deleted_rev IS NULL`,
			t.rev, project, id); err != nil {
			return dbError("close the document's version", err)
		}
		// The statuses are forgotten from this revision on, so that a new
		// document under the same id starts with layers in progress.
		if _, err := t.tx.ExecContext(t.ctx, `INSERT INTO layer_history (project, document, annotator, rev, status, time)
			SELECT project, document, annotator, ?, 0, ? FROM layers WHERE project = ? AND document = ?`,
			t.rev, t.now, project, id); err != nil {
			return dbError("forget the document's layer statuses", err)
		}
		if _, err := t.tx.ExecContext(t.ctx, `DELETE FROM layers WHERE project = ? AND document = ?`, project, id); err != nil {
			return dbError("delete the document's layer statuses", err)
		}
		return nil
	})
}
