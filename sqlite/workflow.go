package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/scholia-nlp/scholia"
)

// The workflow tables (migrations/0006_workflow.sql): members and settings
// keyed by the project's pk, assignments keyed like layers, provenance and
// rejections by annotation id. Every change takes a revision, like any
// other write, so the revisions table says who changed what and when.

func memberNotFound(project, user string) error {
	return scholia.Errorf(scholia.CodeNotFound, "MEMBER_NOT_FOUND", "%s is not a member of project %q", user, project)
}

// checkUser returns CodeNotFound unless name is a user (gold is not one).
func (t *wtx) checkUser(field, name string) error {
	if name == scholia.GoldAnnotator {
		return scholia.Invalid("gold is not a user", scholia.FieldViolation{Field: field, Description: "gold is the curated layer, not a user"})
	}
	return t.s.checkAnnotator(t.ctx, t.tx, name)
}

// AddMember makes a user a member of a project, or changes their role.
func (s *Store) AddMember(ctx context.Context, w scholia.WriteMeta, m scholia.Member) (scholia.Member, error) {
	defer s.members.invalidate() // a changed role must be seen at once
	if m.Role == scholia.MemberRoleUnspecified {
		m.Role = scholia.MemberAnnotator
	}
	if !m.Role.Valid() {
		return m, scholia.Invalid("bad member role", scholia.FieldViolation{Field: "role", Description: "annotator or model"})
	}
	err := s.write(ctx, w, "add member", func(t *wtx) error {
		p, err := t.project(m.Project)
		if err != nil {
			return err
		}
		if err := t.checkUser("user", m.User); err != nil {
			return err
		}
		if err := t.newRev(""); err != nil {
			return err
		}
		m.Rev, m.UpdateTime = t.rev, nsTime(t.now)
		_, err = t.tx.ExecContext(t.ctx, `INSERT INTO project_members (project_pk, user, role, rev, time) VALUES (?, ?, ?, ?, ?)
			ON CONFLICT (project_pk, user) DO UPDATE SET role = excluded.role, rev = excluded.rev, time = excluded.time`,
			p.pk, m.User, m.Role, t.rev, t.now)
		return dbError("store the member", err)
	})
	return m, err
}

// RemoveMember ends a membership and the member's assignments in the
// project.
func (s *Store) RemoveMember(ctx context.Context, w scholia.WriteMeta, project, user string) error {
	defer s.members.invalidate() // after the commit: the next call sees it
	return s.write(ctx, w, "remove member", func(t *wtx) error {
		p, err := t.project(project)
		if err != nil {
			return err
		}
		var n int
		err = t.tx.QueryRowContext(t.ctx, `SELECT 1 FROM project_members WHERE project_pk = ? AND user = ?`, p.pk, user).Scan(&n)
		if errors.Is(err, sql.ErrNoRows) {
			return memberNotFound(project, user)
		}
		if err != nil {
			return dbError("look up the member", err)
		}
		if err := t.newRev(""); err != nil {
			return err
		}
		if _, err := t.tx.ExecContext(t.ctx, `DELETE FROM project_members WHERE project_pk = ? AND user = ?`, p.pk, user); err != nil {
			return dbError("remove the member", err)
		}
		_, err = t.tx.ExecContext(t.ctx, `DELETE FROM assignments WHERE project = ? AND annotator = ?`, project, user)
		return dbError("remove the member's assignments", err)
	})
}

const memberQuery = `SELECT p.id, m.user, m.role, m.rev, m.time FROM project_members m
	JOIN projects p ON p.pk = m.project_pk AND p.deleted_rev IS NULL`

func scanMember(row interface{ Scan(...any) error }) (scholia.Member, error) {
	var m scholia.Member
	var t int64
	err := row.Scan(&m.Project, &m.User, &m.Role, &m.Rev, &t)
	m.UpdateTime = nsTime(t)
	return m, err
}

// GetMember returns a membership, or CodeNotFound.
func (s *Store) GetMember(ctx context.Context, project, user string) (scholia.Member, error) {
	m, ok, gen := s.members.get(project, user)
	if ok {
		return m, nil
	}
	m, err := s.getMember(ctx, project, user)
	if err == nil {
		s.members.put(m, gen)
	}
	return m, err
}

// getMember reads a membership from the database.
func (s *Store) getMember(ctx context.Context, project, user string) (scholia.Member, error) {
	m, err := scanMember(s.r.QueryRowContext(ctx, memberQuery+` WHERE p.id = ? AND m.user = ?`, project, user))
	if errors.Is(err, sql.ErrNoRows) {
		if err := s.projectExists(ctx, project); err != nil {
			return m, err
		}
		return m, memberNotFound(project, user)
	}
	if err != nil {
		return m, dbError("read the member", err)
	}
	return m, nil
}

// ListMembers returns a project's members by user name.
func (s *Store) ListMembers(ctx context.Context, project string) ([]scholia.Member, error) {
	if err := s.projectExists(ctx, project); err != nil {
		return nil, err
	}
	return queryAll(ctx, s.r, "list members", scanMember, memberQuery+` WHERE p.id = ? ORDER BY m.user`, project)
}

// ListMemberProjects returns the projects user is a member of, by id.
func (s *Store) ListMemberProjects(ctx context.Context, user, after string, limit int) ([]scholia.Project, error) {
	return queryAll(ctx, s.r, "list projects", scanProjectRow, `SELECT `+projectColumns+` FROM projects p
		JOIN project_members m ON m.project_pk = p.pk AND m.user = ?
		WHERE p.id > ? AND p.deleted_rev IS NULL ORDER BY p.id LIMIT ?`, user, after, clampLimit(limit))
}

// GetWorkflowSettings returns a project's settings.
func (s *Store) GetWorkflowSettings(ctx context.Context, project string) (scholia.WorkflowSettings, error) {
	out := scholia.WorkflowSettings{Project: project, BlindAnnotation: true}
	var blind, rev, t sql.NullInt64
	err := s.r.QueryRowContext(ctx, `SELECT w.blind, w.rev, w.time FROM projects p
		LEFT JOIN workflow_settings w ON w.project_pk = p.pk WHERE p.id = ? AND p.deleted_rev IS NULL`, project).Scan(&blind, &rev, &t)
	if errors.Is(err, sql.ErrNoRows) {
		return out, projectNotFound(project)
	}
	if err != nil {
		return out, dbError("read the workflow settings", err)
	}
	if blind.Valid {
		out.BlindAnnotation, out.Rev, out.UpdateTime = blind.Int64 != 0, rev.Int64, nsTime(t.Int64)
	}
	return out, nil
}

// SetWorkflowSettings stores a project's settings.
func (s *Store) SetWorkflowSettings(ctx context.Context, w scholia.WriteMeta, ws scholia.WorkflowSettings, etag int64) (scholia.WorkflowSettings, error) {
	err := s.write(ctx, w, "set workflow settings", func(t *wtx) error {
		p, err := t.project(ws.Project)
		if err != nil {
			return err
		}
		var cur int64
		err = t.tx.QueryRowContext(t.ctx, `SELECT rev FROM workflow_settings WHERE project_pk = ?`, p.pk).Scan(&cur)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return dbError("read the workflow settings", err)
		}
		if etag != 0 && etag != cur {
			return staleEtag(fmt.Sprintf("the workflow settings of project %q", ws.Project), etag, cur)
		}
		if err := t.newRev(""); err != nil {
			return err
		}
		ws.Rev, ws.UpdateTime = t.rev, nsTime(t.now)
		_, err = t.tx.ExecContext(t.ctx, `INSERT INTO workflow_settings (project_pk, blind, rev, time) VALUES (?, ?, ?, ?)
			ON CONFLICT (project_pk) DO UPDATE SET blind = excluded.blind, rev = excluded.rev, time = excluded.time`,
			p.pk, ws.BlindAnnotation, t.rev, t.now)
		return dbError("store the workflow settings", err)
	})
	return ws, err
}

// addAssignment stores one assignment and makes its annotator a member (an
// annotator member, unless they are a member already). It reports whether
// the assignment is new. The caller has taken the revision.
func (t *wtx) addAssignment(p projectRow, document, annotator string) (bool, error) {
	res, err := t.tx.ExecContext(t.ctx, `INSERT INTO assignments (project, document, annotator, assigned_by, rev, time)
		VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`, p.id, document, annotator, t.meta.User, t.rev, t.now)
	if err != nil {
		return false, dbError("store the assignment", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, dbError("store the assignment", err)
	}
	if _, err := t.tx.ExecContext(t.ctx, `INSERT INTO project_members (project_pk, user, role, rev, time) VALUES (?, ?, ?, ?, ?)
		ON CONFLICT DO NOTHING`, p.pk, annotator, scholia.MemberAnnotator, t.rev, t.now); err != nil {
		return false, dbError("store the member", err)
	}
	return n > 0, nil
}

// Assign makes assignments and makes their annotators members.
func (s *Store) Assign(ctx context.Context, w scholia.WriteMeta, project string, as []scholia.Assignment) ([]scholia.Assignment, error) {
	if len(as) == 0 {
		return nil, scholia.Invalid("nothing to assign", scholia.FieldViolation{Field: "assignments", Description: "at least one assignment is required"})
	}
	var out []scholia.Assignment
	err := s.write(ctx, w, "assign documents", func(t *wtx) error {
		out = nil
		p, err := t.project(project)
		if err != nil {
			return err
		}
		for i, a := range as {
			if _, err := t.document(project, a.Document); err != nil {
				return inItem(fmt.Sprintf("assignments[%d]", i), err)
			}
			if err := t.checkUser(fmt.Sprintf("assignments[%d].annotator", i), a.Annotator); err != nil {
				return inItem(fmt.Sprintf("assignments[%d]", i), err)
			}
		}
		if err := t.newRev(""); err != nil {
			return err
		}
		for _, a := range as {
			made, err := t.addAssignment(p, a.Document, a.Annotator)
			if err != nil {
				return err
			}
			if made {
				out = append(out, t.assignment(project, a.Document, a.Annotator))
			}
		}
		return nil
	})
	return out, err
}

// assignment is a new assignment made by t.
func (t *wtx) assignment(project, document, annotator string) scholia.Assignment {
	return scholia.Assignment{Project: project, Document: document, Annotator: annotator, AssignedBy: t.meta.User,
		Rev: t.rev, CreateTime: nsTime(t.now), Status: scholia.LayerInProgress}
}

// Spread assigns documents to annotators until each has k.
func (s *Store) Spread(ctx context.Context, w scholia.WriteMeta, project string, k int, annotators, documents []string) ([]scholia.Assignment, error) {
	if k <= 0 {
		return nil, scholia.Invalid("bad k", scholia.FieldViolation{Field: "k", Description: "must be positive"})
	}
	var out []scholia.Assignment
	err := s.write(ctx, w, "spread assignments", func(t *wtx) error {
		out = nil
		p, err := t.project(project)
		if err != nil {
			return err
		}
		pool := slices.Clone(annotators)
		if len(pool) == 0 {
			if pool, err = t.strings(`SELECT user FROM project_members WHERE project_pk = ? AND role = ? ORDER BY user`, p.pk, scholia.MemberAnnotator); err != nil {
				return err
			}
		}
		slices.Sort(pool)
		pool = slices.Compact(pool)
		for i, a := range pool {
			if err := t.checkUser(fmt.Sprintf("annotators[%d]", i), a); err != nil {
				return err
			}
		}
		if len(pool) < k {
			return scholia.Errorf(scholia.CodeFailedPrecondition, "TOO_FEW_ANNOTATORS",
				"%d annotators to spread over (%s), fewer than k=%d: add members or name annotators", len(pool), strings.Join(pool, ", "), k)
		}
		docs := documents
		if len(docs) == 0 {
			if docs, err = t.strings(`SELECT id FROM documents WHERE project = ? AND deleted_rev IS NULL ORDER BY id`, project); err != nil {
				return err
			}
		} else {
			for i, d := range docs {
				if _, err := t.document(project, d); err != nil {
					return inItem(fmt.Sprintf("document_ids[%d]", i), err)
				}
			}
		}
		load := map[string]int{}   // assignments per annotator
		perDoc := map[string]int{} // assignments per document
		has := map[[2]string]bool{}
		rows, err := t.tx.QueryContext(t.ctx, `SELECT document, annotator FROM assignments WHERE project = ?`, project)
		if err != nil {
			return dbError("read the assignments", err)
		}
		for rows.Next() {
			var d, a string
			if err := rows.Scan(&d, &a); err != nil {
				rows.Close()
				return dbError("read the assignments", err)
			}
			load[a]++
			perDoc[d]++
			has[[2]string{d, a}] = true
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return dbError("read the assignments", err)
		}
		revTaken := false
		for _, d := range docs {
			// Anyone already assigned counts, also outside the pool.
			for n := perDoc[d]; n < k; n++ {
				best := ""
				for _, a := range pool {
					if !has[[2]string{d, a}] && (best == "" || load[a] < load[best]) {
						best = a
					}
				}
				if best == "" {
					break
				}
				if !revTaken {
					if err := t.newRev(""); err != nil {
						return err
					}
					revTaken = true
				}
				if _, err := t.addAssignment(p, d, best); err != nil {
					return err
				}
				has[[2]string{d, best}] = true
				load[best]++
				out = append(out, t.assignment(project, d, best))
			}
		}
		return nil
	})
	return out, err
}

// strings runs a query of one text column.
func (t *wtx) strings(query string, args ...any) ([]string, error) {
	rows, err := t.tx.QueryContext(t.ctx, query, args...)
	if err != nil {
		return nil, dbError("read", err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			return nil, dbError("read", err)
		}
		out = append(out, s)
	}
	return out, dbError("read", rows.Err())
}

// Unassign removes an assignment.
func (s *Store) Unassign(ctx context.Context, w scholia.WriteMeta, project, document, annotator string) error {
	return s.write(ctx, w, "unassign document", func(t *wtx) error {
		if _, err := t.project(project); err != nil {
			return err
		}
		var n int
		err := t.tx.QueryRowContext(t.ctx, `SELECT 1 FROM assignments WHERE project = ? AND document = ? AND annotator = ?`, project, document, annotator).Scan(&n)
		if errors.Is(err, sql.ErrNoRows) {
			return scholia.Errorf(scholia.CodeNotFound, "ASSIGNMENT_NOT_FOUND", "document %q of project %q is not assigned to %s", document, project, annotator)
		}
		if err != nil {
			return dbError("read the assignment", err)
		}
		if err := t.newRev(""); err != nil {
			return err
		}
		_, err = t.tx.ExecContext(t.ctx, `DELETE FROM assignments WHERE project = ? AND document = ? AND annotator = ?`, project, document, annotator)
		return dbError("remove the assignment", err)
	})
}

// ListAssignments returns the assignments matching f with their layers'
// status.
func (s *Store) ListAssignments(ctx context.Context, f scholia.AssignmentFilter) ([]scholia.Assignment, error) {
	if err := s.projectExists(ctx, f.Project); err != nil {
		return nil, err
	}
	q := `SELECT a.project, a.document, a.annotator, a.assigned_by, a.rev, a.time, coalesce(l.status, 1),
		(SELECT count(*) FROM annotations n WHERE n.project = a.project AND n.document = a.document AND n.annotator = a.annotator AND n.deleted_rev IS NULL)
		FROM assignments a
		JOIN documents d ON d.project = a.project AND d.id = a.document AND d.deleted_rev IS NULL
		LEFT JOIN layers l ON l.project = a.project AND l.document = a.document AND l.annotator = a.annotator
		WHERE a.project = ?`
	args := []any{f.Project}
	if f.Document != "" {
		q += ` AND a.document = ?`
		args = append(args, f.Document)
	}
	if f.Annotator != "" {
		q += ` AND a.annotator = ?`
		args = append(args, f.Annotator)
	}
	if f.OpenOnly {
		q += ` AND coalesce(l.status, 1) <> 2 ORDER BY a.rev, a.document, a.annotator`
	} else {
		q += ` ORDER BY a.document, a.annotator`
	}
	rows, err := s.r.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, dbError("list assignments", err)
	}
	defer rows.Close()
	var out []scholia.Assignment
	for rows.Next() {
		var a scholia.Assignment
		var t int64
		if err := rows.Scan(&a.Project, &a.Document, &a.Annotator, &a.AssignedBy, &a.Rev, &t, &a.Status, &a.AnnotationCount); err != nil {
			return nil, dbError("list assignments", err)
		}
		a.CreateTime = nsTime(t)
		out = append(out, a)
	}
	return out, dbError("list assignments", rows.Err())
}
