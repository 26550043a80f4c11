package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/scholia-nlp/scholia"
)

// createResult is what a create of annotations records in its revision.
type createResult struct {
	IDs []int64 `json:"ids"`
}

func annotationNotFound(id int64) error {
	return scholia.Errorf(scholia.CodeNotFound, "ANNOTATION_NOT_FOUND", "annotation %d does not exist or has been deleted", id)
}

// CreateAnnotations validates and stores annotations atomically, all in one
// revision. A negative reference -k refers to the k-th annotation of the
// same call, which must come before the one that refers to it. With a
// RequestID seen before from the same user, it returns the first call's
// annotations as they were created.
func (s *Store) CreateAnnotations(ctx context.Context, w scholia.WriteMeta, anns []scholia.Annotation) ([]scholia.Annotation, error) {
	if len(anns) == 0 {
		return nil, scholia.Invalid("nothing to create",
			scholia.FieldViolation{Field: "annotations", Description: "at least one annotation is required"})
	}
	var out []scholia.Annotation
	err := s.write(ctx, w, "create annotations", func(t *wtx) error {
		if rev, result, ok, err := t.previous(); err != nil {
			return err
		} else if ok {
			out, err = t.replayAnnotations(rev, result)
			return err
		}
		var maxID int64
		if err := t.tx.QueryRowContext(t.ctx, `SELECT coalesce(max(id), 0) FROM annotation_ids`).Scan(&maxID); err != nil {
			return dbError("allocate annotation ids", err)
		}
		ids := make([]int64, len(anns))
		for i := range ids {
			ids[i] = maxID + 1 + int64(i)
		}
		v := newValidator(t)
		var viol scholia.Violations
		out = make([]scholia.Annotation, len(anns))
		for i := range anns {
			a := cloneAnnotation(anns[i])
			a.ID = ids[i]
			a.DerivedFrom = nil // provenance is made by curation, never given
			prefix := "annotation"
			if len(anns) > 1 {
				prefix = fmt.Sprintf("annotations[%d]", i)
			}
			bad := rewriteRefs(&a, i, ids)
			fv, err := v.validate(&a)
			if err != nil {
				if len(anns) > 1 {
					return inItem(prefix, err)
				}
				return err
			}
			explainBadRefs(fv, bad)
			viol.Merge(prefix, fv)
			normalize(&a)
			v.batch[a.ID] = refInfo(&a)
			out[i] = a
		}
		if len(viol.List()) > 0 {
			msg := "the annotation is not valid"
			if len(anns) > 1 {
				msg = fmt.Sprintf("%d violations in %d annotations: nothing was created", len(viol.List()), len(anns))
			}
			return viol.Err(msg)
		}
		result, err := json.Marshal(createResult{IDs: ids})
		if err != nil {
			return scholia.Internal("encode the create's result", err)
		}
		if err := t.newRev(string(result)); err != nil {
			return err
		}
		for i := range out {
			a := &out[i]
			a.CreateRev, a.Rev = t.rev, t.rev
			a.CreateTime, a.UpdateTime = nsTime(t.now), nsTime(t.now)
			a.UpdateUser = w.User
			if _, err := t.tx.ExecContext(t.ctx, `INSERT INTO annotation_ids (id, project, document, annotator, kind) VALUES (?, ?, ?, ?, ?)`,
				a.ID, a.Project, a.Document, a.Annotator, a.Kind); err != nil {
				return dbError("store an annotation id", err)
			}
			if err := t.insertVersion(a); err != nil {
				return err
			}
			if err := t.insertRefs(a.ID, a.Kind, refTargets(a)); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// inItem says which annotation of a batch a failure is about.
func inItem(prefix string, err error) error {
	var e *scholia.Error
	if !errors.As(err, &e) || e.Code == scholia.CodeInternal || e.Code == scholia.CodeUnavailable {
		return err
	}
	c := *e
	c.Message = prefix + ": " + e.Message
	return &c
}

// insertVersion stores a version of an annotation created at t.rev.
func (t *wtx) insertVersion(a *scholia.Annotation) error {
	e, err := encodeAnnotation(a)
	if err != nil {
		return scholia.Internal("encode an annotation", err)
	}
	vid, err := t.layerVID(a.Project, a.Document, a.Annotator)
	if err != nil {
		return err
	}
	_, err = t.tx.ExecContext(t.ctx,
		`INSERT INTO annotations (vid, id, created_rev, project, document, annotator, kind, label, spans, attrs, body, create_rev, create_time, update_time, update_user)
		 VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		vid, a.ID, t.rev, a.Project, a.Document, a.Annotator, a.Kind, a.Label, e.spans, e.attrs, e.body,
		a.CreateRev, a.CreateTime.UnixNano(), t.now, t.meta.User)
	if err != nil {
		return dbError("store an annotation", err)
	}
	return nil
}

// insertRefs records the references of an annotation version (of kind
// kind) from t.rev.
func (t *wtx) insertRefs(source int64, kind scholia.Kind, targets []int64) error {
	for _, target := range targets {
		if _, err := t.tx.ExecContext(t.ctx, `INSERT INTO annotation_refs (source, target, created_rev, kind) VALUES (?, ?, ?, ?)`,
			source, target, t.rev, kind); err != nil {
			return dbError("store an annotation's references", err)
		}
	}
	return nil
}

// replayAnnotations returns the annotations a create made at revision rev.
func (t *wtx) replayAnnotations(rev int64, result string) ([]scholia.Annotation, error) {
	var r createResult
	if err := json.Unmarshal([]byte(result), &r); err != nil {
		return nil, scholia.Internal("decode a create's result", err)
	}
	rows, err := t.tx.QueryContext(t.ctx, `SELECT `+annotationColumns+` FROM annotations
		WHERE created_rev = ? AND id IN (SELECT value FROM json_each(?, '$.ids'))`, rev, result)
	if err != nil {
		return nil, dbError("read the annotations of an earlier create", err)
	}
	defer rows.Close()
	byID := make(map[int64]scholia.Annotation, len(r.IDs))
	for rows.Next() {
		a, err := scanAnnotation(rows)
		if err != nil {
			return nil, dbError("read the annotations of an earlier create", err)
		}
		byID[a.ID] = a
	}
	if err := rows.Err(); err != nil {
		return nil, dbError("read the annotations of an earlier create", err)
	}
	out := make([]scholia.Annotation, len(r.IDs))
	for i, id := range r.IDs {
		a, ok := byID[id]
		if !ok {
			return nil, scholia.Errorf(scholia.CodeFailedPrecondition, "REQUEST_EXPIRED",
				"request_id %q was used by an earlier create whose annotations are no longer kept; use a new request_id", t.meta.RequestID)
		}
		out[i] = a
	}
	return out, nil
}

// GetAnnotation returns the current version of an annotation.
func (s *Store) GetAnnotation(ctx context.Context, id int64) (scholia.Annotation, error) {
	a, err := scanAnnotation(s.r.QueryRowContext(ctx, `SELECT `+annotationColumns+` FROM annotations WHERE id = ? AND deleted_rev IS NULL`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return a, annotationNotFound(id)
	}
	if err != nil {
		return a, dbError("read the annotation", err)
	}
	return withDerivedFrom(ctx, s.r, a, nil)
}

// current returns the current version of an annotation inside the write
// transaction.
func (t *wtx) current(id int64) (scholia.Annotation, error) {
	a, err := scanAnnotation(t.tx.QueryRowContext(t.ctx, `SELECT `+annotationColumns+` FROM annotations WHERE id = ? AND deleted_rev IS NULL`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return a, annotationNotFound(id)
	}
	if err != nil {
		return a, dbError("read the annotation", err)
	}
	return a, nil
}

// ListAnnotations returns up to limit annotations matching f with ids after
// `after`, as of revision asOf (0: now), and the revision read.
func (s *Store) ListAnnotations(ctx context.Context, f scholia.AnnotationFilter, after int64, limit int, asOf int64) ([]scholia.Annotation, int64, error) {
	if f.Project == "" {
		return nil, 0, scholia.Invalid("a project is required", scholia.FieldViolation{Field: "project_id", Description: "required"})
	}
	rev, err := s.readRevision(ctx, asOf)
	if err != nil {
		return nil, 0, err
	}
	var q strings.Builder
	args := []any{f.Project}
	q.WriteString(`SELECT ` + annotationColumns + ` FROM annotations WHERE project = ?`)
	if f.Document != "" {
		q.WriteString(` AND document = ?`)
		args = append(args, f.Document)
	}
	q.WriteString(` AND id > ? AND created_rev <= ? AND (deleted_rev IS NULL OR deleted_rev > ?)`)
	args = append(args, after, rev, rev)
	if len(f.Annotators) > 0 {
		q.WriteString(` AND annotator IN (?` + strings.Repeat(`, ?`, len(f.Annotators)-1) + `)`)
		for _, a := range f.Annotators {
			args = append(args, a)
		}
	}
	if len(f.Kinds) > 0 {
		q.WriteString(` AND kind IN (?` + strings.Repeat(`, ?`, len(f.Kinds)-1) + `)`)
		for _, k := range f.Kinds {
			args = append(args, k)
		}
	}
	q.WriteString(` ORDER BY id LIMIT ?`)
	args = append(args, clampLimit(limit))
	rows, err := s.r.QueryContext(ctx, q.String(), args...)
	if err != nil {
		return nil, 0, dbError("list annotations", err)
	}
	defer rows.Close()
	var out []scholia.Annotation
	for rows.Next() {
		a, err := scanAnnotation(rows)
		if err != nil {
			return nil, 0, dbError("list annotations", err)
		}
		out = append(out, a)
	}
	if err := rows.Err(); err != nil {
		return nil, 0, dbError("list annotations", err)
	}
	if err := s.checkRetained(ctx, rev); err != nil {
		return nil, 0, err
	}
	if err := loadDerivedFrom(ctx, s.r, out); err != nil {
		return nil, 0, err
	}
	return out, rev, nil
}

// readRevision returns the revision a read as of asOf reads: asOf itself,
// or the newest revision for 0. A revision not committed yet is refused.
func (s *Store) readRevision(ctx context.Context, asOf int64) (int64, error) {
	if asOf < 0 {
		return 0, scholia.Errorf(scholia.CodeInvalid, "INVALID_REVISION", "revision %d is negative", asOf)
	}
	cur, err := s.Revision(ctx)
	if err != nil {
		return 0, err
	}
	if asOf == 0 {
		return cur, nil
	}
	if asOf > cur {
		return 0, scholia.Errorf(scholia.CodeInvalid, "INVALID_REVISION", "revision %d does not exist yet: the newest is %d", asOf, cur)
	}
	return asOf, nil
}

// UpdateAnnotation applies change to the current version inside the write
// transaction, validates the result and stores it as a new version. Kind,
// project, document and annotator cannot change.
func (s *Store) UpdateAnnotation(ctx context.Context, w scholia.WriteMeta, id, etag int64, change func(*scholia.Annotation) error) (scholia.Annotation, error) {
	var out scholia.Annotation
	err := s.write(ctx, w, "update annotation", func(t *wtx) error {
		cur, err := t.current(id)
		if err != nil {
			return err
		}
		// change runs before the etag check, so that a caller who may not
		// touch the annotation learns that, not whether it changed.
		a := cloneAnnotation(cur)
		if err := change(&a); err != nil {
			return err
		}
		if etag != 0 && etag != cur.Rev {
			return staleEtag(fmt.Sprintf("annotation %d", id), etag, cur.Rev)
		}
		var viol scholia.Violations
		for _, c := range []struct {
			field       string
			changed     bool
			old, wanted any
		}{
			{"id", a.ID != cur.ID, cur.ID, a.ID},
			{"kind", a.Kind != cur.Kind, cur.Kind, a.Kind},
			{"project_id", a.Project != cur.Project, cur.Project, a.Project},
			{"document_id", a.Document != cur.Document, cur.Document, a.Document},
			{"annotator", a.Annotator != cur.Annotator, cur.Annotator, a.Annotator},
		} {
			if c.changed {
				viol.Add("annotation."+c.field, "cannot change (from %v to %v): create a new annotation instead", c.old, c.wanted)
			}
		}
		if err := viol.Err("the update changes what an annotation cannot change"); err != nil {
			return err
		}
		v := newValidator(t)
		fv, err := v.validate(&a)
		if err != nil {
			return err
		}
		viol.Merge("annotation", fv)
		if err := viol.Err("the annotation is not valid"); err != nil {
			return err
		}
		normalize(&a)
		if err := t.newRev(""); err != nil {
			return err
		}
		a.CreateRev, a.CreateTime = cur.CreateRev, cur.CreateTime
		a.Rev, a.UpdateTime, a.UpdateUser = t.rev, nsTime(t.now), w.User
		if _, err := t.tx.ExecContext(t.ctx, `UPDATE annotations SET deleted_rev = ? WHERE id = ? AND deleted_rev IS NULL`, t.rev, id); err != nil {
			return dbError("close the annotation's version", err)
		}
		if err := t.insertVersion(&a); err != nil {
			return err
		}
		if oldRefs, newRefs := refTargets(&cur), refTargets(&a); !sameIDs(oldRefs, newRefs) {
			if err := t.closeRefs(id); err != nil {
				return err
			}
			if err := t.insertRefs(id, a.Kind, newRefs); err != nil {
				return err
			}
		}
		out, err = withDerivedFrom(ctx, t.tx, a, nil)
		return err
	})
	if err != nil {
		return scholia.Annotation{}, err
	}
	return out, nil
}

func sameIDs(a, b []int64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// closeRefs ends the references of an annotation at t.rev.
func (t *wtx) closeRefs(source int64) error {
	if _, err := t.tx.ExecContext(t.ctx, `UPDATE annotation_refs SET deleted_rev = ? WHERE source = ? AND deleted_rev IS NULL`, t.rev, source); err != nil {
		return dbError("close an annotation's references", err)
	}
	return nil
}

// DeleteAnnotation closes the current version of an annotation and returns
// the revision of the delete. An annotation that current annotations refer
// to is CodeFailedPrecondition.
func (s *Store) DeleteAnnotation(ctx context.Context, w scholia.WriteMeta, id, etag int64) (int64, error) {
	var rev int64
	err := s.write(ctx, w, "delete annotation", func(t *wtx) error {
		var cur int64
		err := t.tx.QueryRowContext(t.ctx, `SELECT created_rev FROM annotations WHERE id = ? AND deleted_rev IS NULL`, id).Scan(&cur)
		if errors.Is(err, sql.ErrNoRows) {
			return annotationNotFound(id)
		}
		if err != nil {
			return dbError("read the annotation", err)
		}
		if etag != 0 && etag != cur {
			return staleEtag(fmt.Sprintf("annotation %d", id), etag, cur)
		}
		if err := t.refusedIfReferenced(id); err != nil {
			return err
		}
		if err := t.newRev(""); err != nil {
			return err
		}
		if _, err := t.tx.ExecContext(t.ctx, `UPDATE annotations SET deleted_rev = ? WHERE id = ? AND deleted_rev IS NULL`, t.rev, id); err != nil {
			return dbError("close the annotation's version", err)
		}
		if err := t.closeRefs(id); err != nil {
			return err
		}
		rev = t.rev
		return nil
	})
	return rev, err
}

// refusedIfReferenced returns CodeFailedPrecondition, naming the referring
// annotations, if current annotations refer to annotation id.
func (t *wtx) refusedIfReferenced(id int64) error {
	const show = 10
	rows, err := t.tx.QueryContext(t.ctx, `SELECT r.source, i.kind FROM annotation_refs r JOIN annotation_ids i ON i.id = r.source
		WHERE r.target = ? AND r.deleted_rev IS NULL ORDER BY r.source LIMIT ?`, id, show+1)
	if err != nil {
		return dbError("look up references to the annotation", err)
	}
	defer rows.Close()
	var refs []string
	for rows.Next() {
		var src int64
		var kind scholia.Kind
		if err := rows.Scan(&src, &kind); err != nil {
			return dbError("look up references to the annotation", err)
		}
		refs = append(refs, fmt.Sprintf("%s %d", kind, src))
	}
	if err := rows.Err(); err != nil {
		return dbError("look up references to the annotation", err)
	}
	if len(refs) == 0 {
		return nil
	}
	list := strings.Join(refs[:min(len(refs), show)], ", ")
	if len(refs) > show {
		list += " and more"
	}
	return scholia.Errorf(scholia.CodeFailedPrecondition, "ANNOTATION_REFERENCED",
		"annotation %d is referred to by %s: delete them or remove the references first", id, list)
}
