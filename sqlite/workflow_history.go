package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"slices"
	"time"

	"github.com/scholia-nlp/scholia"
)

// AnnotationVersions returns every kept version of an annotation, oldest
// first. A version whose deleted_rev opens no later version was closed by a
// deletion, whose revision says who deleted it and when.
func (s *Store) AnnotationVersions(ctx context.Context, id int64) ([]scholia.AnnotationVersion, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT `+annotationColumns+`, deleted_rev,
		(SELECT user FROM revisions r WHERE r.rev = annotations.deleted_rev),
		(SELECT time FROM revisions r WHERE r.rev = annotations.deleted_rev)
		FROM annotations WHERE id = ? ORDER BY created_rev`, id)
	if err != nil {
		return nil, dbError("read the annotation's versions", err)
	}
	defer rows.Close()
	var out []scholia.AnnotationVersion
	var closed []int64
	for rows.Next() {
		var del, delTime sql.NullInt64
		var delUser sql.NullString
		a, err := scanAnnotationWith(rows, &del, &delUser, &delTime)
		if err != nil {
			return nil, dbError("read the annotation's versions", err)
		}
		v := scholia.AnnotationVersion{Annotation: a}
		if del.Valid {
			v.DeleteRev, v.DeleteUser, v.DeleteTime = del.Int64, delUser.String, nullTime(delTime)
		}
		out = append(out, v)
		closed = append(closed, del.Int64)
	}
	if err := rows.Err(); err != nil {
		return nil, dbError("read the annotation's versions", err)
	}
	// A version closed by the revision that opened the next one was
	// updated, not deleted.
	for i := 0; i+1 < len(out); i++ {
		if closed[i] == out[i+1].Annotation.Rev {
			out[i].DeleteRev, out[i].DeleteUser, out[i].DeleteTime = 0, "", time.Time{}
		}
	}
	if len(out) == 0 {
		var n int
		err := s.r.QueryRowContext(ctx, `SELECT 1 FROM annotation_ids WHERE id = ?`, id).Scan(&n)
		if errors.Is(err, sql.ErrNoRows) {
			return nil, scholia.Errorf(scholia.CodeNotFound, "ANNOTATION_NOT_FOUND", "annotation %d does not exist", id)
		}
		return nil, dbError("look up the annotation", err)
	}
	var from []int64
	one, err := withDerivedFrom(ctx, s.r, out[0].Annotation, nil)
	if err != nil {
		return nil, err
	}
	from = one.DerivedFrom
	for i := range out {
		out[i].Annotation.DerivedFrom = from
	}
	return out, nil
}

// hourNS is an hour in nanoseconds.
const hourNS = int64(time.Hour)

// Activity returns the activity of every layer owner of a project.
func (s *Store) Activity(ctx context.Context, project string) ([]scholia.AnnotatorActivity, error) {
	if err := s.projectExists(ctx, project); err != nil {
		return nil, err
	}
	byName := map[string]*scholia.AnnotatorActivity{}
	get := func(name string) *scholia.AnnotatorActivity {
		a := byName[name]
		if a == nil {
			a = &scholia.AnnotatorActivity{Annotator: name}
			byName[name] = a
		}
		return a
	}
	hours := map[string]map[int64]*scholia.ActivityHour{}
	hour := func(name string, h int64) *scholia.ActivityHour {
		m := hours[name]
		if m == nil {
			m = map[int64]*scholia.ActivityHour{}
			hours[name] = m
		}
		x := m[h]
		if x == nil {
			x = &scholia.ActivityHour{Hour: nsTime(h * hourNS)}
			m[h] = x
		}
		return x
	}
	queries := []struct {
		q   string
		add func(name string, h, n int64)
	}{
		{`SELECT annotator, create_time / ?2, count(DISTINCT id) FROM annotations WHERE project = ?1 GROUP BY 1, 2`,
			func(name string, h, n int64) {
				hour(name, h).AnnotationsCreated += n
				get(name).AnnotationsCreated += n
			}},
		{`SELECT annotator, time / ?2, count(*) FROM layer_history WHERE project = ?1 AND status = 2 GROUP BY 1, 2`,
			func(name string, h, n int64) { hour(name, h).DocumentsDone += n }},
		{`SELECT l.annotator, 0, count(*) FROM layers l
			JOIN documents d ON d.project = l.project AND d.id = l.document AND d.deleted_rev IS NULL
			WHERE l.project = ?1 AND l.status = 2 AND ?2 > 0 GROUP BY 1`,
			func(name string, _, n int64) { get(name).DocumentsDone = n }},
		{`SELECT a.annotator, 0, count(*) FROM assignments a
			JOIN documents d ON d.project = a.project AND d.id = a.document AND d.deleted_rev IS NULL
			WHERE a.project = ?1 AND ?2 > 0 GROUP BY 1`,
			func(name string, _, n int64) { get(name).DocumentsAssigned = n }},
	}
	for _, q := range queries {
		rows, err := s.r.QueryContext(ctx, q.q, project, hourNS)
		if err != nil {
			return nil, dbError("read the activity", err)
		}
		for rows.Next() {
			var name string
			var h, n int64
			if err := rows.Scan(&name, &h, &n); err != nil {
				rows.Close()
				return nil, dbError("read the activity", err)
			}
			get(name)
			q.add(name, h, n)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, dbError("read the activity", err)
		}
	}
	out := make([]scholia.AnnotatorActivity, 0, len(byName))
	for name, a := range byName {
		for _, h := range hours[name] {
			a.Hours = append(a.Hours, *h)
		}
		slices.SortFunc(a.Hours, func(x, y scholia.ActivityHour) int { return x.Hour.Compare(y.Hour) })
		out = append(out, *a)
	}
	slices.SortFunc(out, func(x, y scholia.AnnotatorActivity) int {
		switch {
		case x.Annotator < y.Annotator:
			return -1
		case x.Annotator > y.Annotator:
			return 1
		}
		return 0
	})
	return out, nil
}
