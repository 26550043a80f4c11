package sqlite

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/scholia-nlp/scholia"
)

// Projects are one row each (soft-deleted with deleted_rev, so an id can be
// used again) and their schemas one row per schema version.

const projectColumns = `p.id, p.title, p.description, p.schema_version, p.rev, p.create_time, p.update_time`

func scanProject(row interface{ Scan(...any) error }, extra ...any) (scholia.Project, error) {
	var p scholia.Project
	var ct, ut int64
	dest := append([]any{&p.ID, &p.Title, &p.Description, &p.SchemaVersion, &p.Rev, &ct, &ut}, extra...)
	if err := row.Scan(dest...); err != nil {
		return p, err
	}
	p.CreateTime, p.UpdateTime = nsTime(ct), nsTime(ut)
	return p, nil
}

// indexSchema compiles a schema, reporting its problems under
// "project.schema".
func indexSchema(sc *scholia.Schema) (*scholia.SchemaIndex, error) {
	x, err := sc.Index()
	if err == nil {
		return x, nil
	}
	var e *scholia.Error
	if !errors.As(err, &e) {
		return nil, scholia.Invalid("the schema is not valid", scholia.FieldViolation{Field: "project.schema", Description: err.Error()})
	}
	var v scholia.Violations
	v.Merge("project.schema", e.Violations)
	return nil, &scholia.Error{Code: scholia.CodeInvalid, Reason: e.Reason, Message: e.Message, Violations: v.List()}
}

// CreateProject adds a project with its schema; a project without a schema
// gets the news schema. A retried create with the same request id returns
// the first result.
func (s *Store) CreateProject(ctx context.Context, w scholia.WriteMeta, p scholia.Project) (scholia.Project, error) {
	if err := scholia.ValidateID("project id", p.ID, false); err != nil {
		return scholia.Project{}, scholia.Invalid("the project is not valid", scholia.FieldViolation{Field: "project.id", Description: err.Error()})
	}
	if p.Schema == nil {
		p.Schema = scholia.NewsSchema()
	}
	if _, err := indexSchema(p.Schema); err != nil {
		return scholia.Project{}, err
	}
	schemaJSON, err := json.Marshal(p.Schema)
	if err != nil {
		return scholia.Project{}, scholia.Internal("encode the schema", err)
	}
	var out scholia.Project
	err = s.write(ctx, w, "create project", func(t *wtx) error {
		if rev, result, ok, err := t.previous(); err != nil {
			return err
		} else if ok {
			if err := json.Unmarshal([]byte(result), &out); err != nil {
				return scholia.Internal("decode the result of an earlier create", err)
			}
			out.Rev = rev
			return nil
		}
		if _, err := t.project(p.ID); err == nil {
			return projectExists(p.ID)
		} else if scholia.ErrorCode(err) != scholia.CodeNotFound {
			return err
		}
		out = scholia.Project{ID: p.ID, Title: p.Title, Description: p.Description, SchemaVersion: 1,
			CreateTime: nsTime(t.now), UpdateTime: nsTime(t.now)}
		if err := json.Unmarshal(schemaJSON, &out.Schema); err != nil {
			return scholia.Internal("copy the schema", err)
		}
		result, err := json.Marshal(out)
		if err != nil {
			return scholia.Internal("encode the create's result", err)
		}
		if err := t.newRev(string(result)); err != nil {
			return err
		}
		out.Rev = t.rev
		var pk int64
		err = t.tx.QueryRowContext(t.ctx, `INSERT INTO projects (id, title, description, schema_version, rev, created_rev, create_time, update_time)
			VALUES (?, ?, ?, 1, ?, ?, ?, ?) RETURNING pk`, p.ID, p.Title, p.Description, t.rev, t.rev, t.now, t.now).Scan(&pk)
		if isUnique(err) {
			return projectExists(p.ID)
		}
		if err != nil {
			return dbError("store the project", err)
		}
		if _, err := t.tx.ExecContext(t.ctx, `INSERT INTO project_schemas (project_pk, version, schema, rev) VALUES (?, 1, ?, ?)`,
			pk, string(schemaJSON), t.rev); err != nil {
			return dbError("store the project's schema", err)
		}
		return nil
	})
	if err != nil {
		return scholia.Project{}, err
	}
	return out, nil
}

func projectExists(id string) error {
	return scholia.Errorf(scholia.CodeAlreadyExists, "PROJECT_EXISTS", "project %q already exists", id)
}

// getProject reads the current version of a project with its schema.
func getProject(ctx context.Context, q querier, id string) (scholia.Project, projectRow, string, error) {
	var pk int64
	var schemaJSON string
	p, err := scanProject(q.QueryRowContext(ctx, `SELECT `+projectColumns+`, p.pk, s.schema FROM projects p
		JOIN project_schemas s ON s.project_pk = p.pk AND s.version = p.schema_version
		WHERE p.id = ? AND p.deleted_rev IS NULL`, id), &pk, &schemaJSON)
	if errors.Is(err, sql.ErrNoRows) {
		return p, projectRow{}, "", projectNotFound(id)
	}
	if err != nil {
		return p, projectRow{}, "", dbError("read the project", err)
	}
	if err := json.Unmarshal([]byte(schemaJSON), &p.Schema); err != nil {
		return p, projectRow{}, "", scholia.Internal("decode the project's schema", err)
	}
	return p, projectRow{pk: pk, id: id, version: p.SchemaVersion, rev: p.Rev}, schemaJSON, nil
}

// projectExists returns CodeNotFound unless project id is current.
func (s *Store) projectExists(ctx context.Context, id string) error {
	var n int
	err := s.r.QueryRowContext(ctx, `SELECT 1 FROM projects WHERE id = ? AND deleted_rev IS NULL`, id).Scan(&n)
	if errors.Is(err, sql.ErrNoRows) {
		return projectNotFound(id)
	}
	if err != nil {
		return dbError("look up the project", err)
	}
	return nil
}

// GetProject returns a project with its schema. The schema comes from the
// compiled-schema cache, shared: callers must not modify it.
func (s *Store) GetProject(ctx context.Context, id string) (scholia.Project, error) {
	var pk int64
	p, err := scanProject(s.r.QueryRowContext(ctx, `SELECT `+projectColumns+`, p.pk FROM projects p
		WHERE p.id = ? AND p.deleted_rev IS NULL`, id), &pk)
	if errors.Is(err, sql.ErrNoRows) {
		return p, projectNotFound(id)
	}
	if err != nil {
		return p, dbError("read the project", err)
	}
	x, err := s.schema(ctx, s.r, projectRow{pk: pk, id: id, version: p.SchemaVersion, rev: p.Rev})
	if err != nil {
		return p, err
	}
	p.Schema = x.Schema
	return p, nil
}

// ListProjects returns up to limit projects with ids after `after`, without
// their schemas.
func (s *Store) ListProjects(ctx context.Context, after string, limit int) ([]scholia.Project, error) {
	return queryAll(ctx, s.r, "list projects", scanProjectRow, `SELECT `+projectColumns+` FROM projects p
		WHERE p.id > ? AND p.deleted_rev IS NULL ORDER BY p.id LIMIT ?`, after, clampLimit(limit))
}

// UpdateProject applies change to the current project inside the write
// transaction. A changed schema becomes a new schema version, and must still
// accept every current annotation of the project.
func (s *Store) UpdateProject(ctx context.Context, w scholia.WriteMeta, id string, etag int64, change func(*scholia.Project) error) (scholia.Project, error) {
	var out scholia.Project
	err := s.write(ctx, w, "update project", func(t *wtx) error {
		cur, row, oldSchema, err := getProject(ctx, t.tx, id)
		if err != nil {
			return err
		}
		if etag != 0 && etag != cur.Rev {
			return staleEtag(fmt.Sprintf("project %q", id), etag, cur.Rev)
		}
		p := cur
		if err := json.Unmarshal([]byte(oldSchema), &p.Schema); err != nil {
			return scholia.Internal("copy the schema", err)
		}
		if err := change(&p); err != nil {
			return err
		}
		if p.ID != cur.ID {
			return scholia.Invalid("the update changes what a project cannot change",
				scholia.FieldViolation{Field: "project.id", Description: fmt.Sprintf("cannot change (from %q to %q)", cur.ID, p.ID)})
		}
		p.SchemaVersion, p.CreateTime = cur.SchemaVersion, cur.CreateTime
		var newSchema []byte
		if p.Schema == nil {
			p.Schema = cur.Schema
		} else if newSchema, err = json.Marshal(p.Schema); err != nil {
			return scholia.Internal("encode the schema", err)
		} else if bytes.Equal(newSchema, []byte(oldSchema)) {
			newSchema = nil
		}
		if newSchema != nil {
			x, err := indexSchema(p.Schema)
			if err != nil {
				return err
			}
			if err := t.revalidate(id, x); err != nil {
				return err
			}
			p.SchemaVersion++
		}
		if err := t.newRev(""); err != nil {
			return err
		}
		p.Rev, p.UpdateTime = t.rev, nsTime(t.now)
		if _, err := t.tx.ExecContext(t.ctx, `UPDATE projects SET title = ?, description = ?, schema_version = ?, rev = ?, update_time = ?
			WHERE pk = ?`, p.Title, p.Description, p.SchemaVersion, t.rev, t.now, row.pk); err != nil {
			return dbError("update the project", err)
		}
		if newSchema != nil {
			if _, err := t.tx.ExecContext(t.ctx, `INSERT INTO project_schemas (project_pk, version, schema, rev) VALUES (?, ?, ?, ?)`,
				row.pk, p.SchemaVersion, string(newSchema), t.rev); err != nil {
				return dbError("store the project's schema", err)
			}
			p.Schema = nil
			if err := json.Unmarshal(newSchema, &p.Schema); err != nil {
				return scholia.Internal("copy the schema", err)
			}
		}
		out = p
		return nil
	})
	if err != nil {
		return scholia.Project{}, err
	}
	return out, nil
}

// revalidate checks every current annotation of a project against a new
// schema, and refuses the schema, naming the first few annotations it
// rejects, if it rejects any.
func (t *wtx) revalidate(project string, x *scholia.SchemaIndex) error {
	const show, page = 5, 500
	v := newValidator(t)
	v.projects[project] = x
	var failures []string
	var after int64
	for len(failures) < show {
		rows, err := t.tx.QueryContext(t.ctx, `SELECT `+annotationColumns+` FROM annotations
			WHERE project = ? AND id > ? AND deleted_rev IS NULL ORDER BY id LIMIT ?`, project, after, page)
		if err != nil {
			return dbError("read the project's annotations", err)
		}
		var anns []scholia.Annotation
		for rows.Next() {
			a, err := scanAnnotation(rows)
			if err != nil {
				rows.Close()
				return dbError("read the project's annotations", err)
			}
			anns = append(anns, a)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return dbError("read the project's annotations", err)
		}
		for i := range anns {
			a := &anns[i]
			fv, err := v.validate(a)
			if err != nil {
				return err
			}
			if len(fv) > 0 && len(failures) < show {
				where := "the project"
				if a.Document != "" {
					where = fmt.Sprintf("document %q", a.Document)
				}
				failures = append(failures, fmt.Sprintf("%s %d (%s, %s's layer): %s: %s",
					a.Kind, a.ID, where, a.Annotator, fv[0].Field, fv[0].Description))
			}
		}
		if len(anns) < page {
			break
		}
		after = anns[len(anns)-1].ID
	}
	if len(failures) == 0 {
		return nil
	}
	return scholia.Errorf(scholia.CodeFailedPrecondition, "SCHEMA_REJECTS_ANNOTATIONS",
		"the new schema does not accept current annotations of project %q; change or delete them first: %s",
		project, strings.Join(failures, "; "))
}

// DeleteProject removes a project that has no current documents.
func (s *Store) DeleteProject(ctx context.Context, w scholia.WriteMeta, id string, etag int64) error {
	defer s.members.invalidate() // memberships end with the project
	return s.write(ctx, w, "delete project", func(t *wtx) error {
		p, err := t.project(id)
		if err != nil {
			return err
		}
		if etag != 0 && etag != p.rev {
			return staleEtag(fmt.Sprintf("project %q", id), etag, p.rev)
		}
		var n int64
		if err := t.tx.QueryRowContext(t.ctx, `SELECT count(*) FROM documents WHERE project = ? AND deleted_rev IS NULL`, id).Scan(&n); err != nil {
			return dbError("count the project's documents", err)
		}
		if n > 0 {
			return scholia.Errorf(scholia.CodeFailedPrecondition, "PROJECT_NOT_EMPTY",
				"project %q has %d documents: delete them first", id, n)
		}
		if err := t.newRev(""); err != nil {
			return err
		}
		if _, err := t.tx.ExecContext(t.ctx, `UPDATE projects SET deleted_rev = ?, rev = ? WHERE pk = ?`, t.rev, t.rev, p.pk); err != nil {
			return dbError("delete the project", err)
		}
		if _, err := t.tx.ExecContext(t.ctx, `DELETE FROM layers WHERE project = ?`, id); err != nil {
			return dbError("delete the project's layer statuses", err)
		}
		return nil
	})
}
