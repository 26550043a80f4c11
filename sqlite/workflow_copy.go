package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"

	"github.com/scholia-nlp/scholia"
)

// Provenance (annotation_sources) and decisions (rejections): copying an
// annotation into another layer records where the copy came from, and a
// layer's owner may reject another layer's annotation instead. "Accepted by
// layer L" is not stored separately: it is "L has a current annotation
// derived from it", so deleting the copy undoes the acceptance.

// jsonIDs encodes ids for json_each.
func jsonIDs(ids []int64) string {
	b, _ := json.Marshal(ids)
	return string(b)
}

// loadDerivedFrom fills in the DerivedFrom of annotations sorted by id, with
// one range read of annotation_sources.
func loadDerivedFrom(ctx context.Context, q querier, anns []scholia.Annotation) error {
	if len(anns) == 0 {
		return nil
	}
	lo, hi := anns[0].ID, anns[0].ID
	at := make(map[int64]int, len(anns))
	for i, a := range anns {
		lo, hi = min(lo, a.ID), max(hi, a.ID)
		at[a.ID] = i
	}
	rows, err := q.QueryContext(ctx, `SELECT annotation, source FROM annotation_sources WHERE annotation BETWEEN ? AND ? ORDER BY annotation, source`, lo, hi)
	if err != nil {
		return dbError("read the annotations' provenance", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id, src int64
		if err := rows.Scan(&id, &src); err != nil {
			return dbError("read the annotations' provenance", err)
		}
		if i, ok := at[id]; ok {
			anns[i].DerivedFrom = append(anns[i].DerivedFrom, src)
		}
	}
	return dbError("read the annotations' provenance", rows.Err())
}

// withDerivedFrom is loadDerivedFrom for one annotation.
func withDerivedFrom(ctx context.Context, q querier, a scholia.Annotation, err error) (scholia.Annotation, error) {
	if err != nil {
		return a, err
	}
	one := []scholia.Annotation{a}
	if err := loadDerivedFrom(ctx, q, one); err != nil {
		return a, err
	}
	return one[0], nil
}

// derivedIn returns the current annotation of layer in project derived from
// source, or 0.
func (t *wtx) derivedIn(project, layer string, source int64) (int64, error) {
	var id int64
	err := t.tx.QueryRowContext(t.ctx, `SELECT s.annotation FROM annotation_sources s
		JOIN annotations a ON a.id = s.annotation AND a.deleted_rev IS NULL
		WHERE s.source = ? AND a.project = ? AND a.annotator = ? ORDER BY s.annotation LIMIT 1`, source, project, layer).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	return id, dbError("read the provenance", err)
}

func alreadyCopied(source int64, layer string, copy int64) error {
	return scholia.Errorf(scholia.CodeFailedPrecondition, "ALREADY_COPIED",
		"annotation %d is already in %s's layer as annotation %d", source, layer, copy)
}

// copyDoc is what a copy knows of one document: its current annotations,
// their agreement keys, and the target layer's annotations by key.
type copyDoc struct {
	byID        map[int64]*scholia.Annotation
	keys        map[int64]string
	targetByKey map[string]int64
}

// copier plans a CopyAnnotations call: new annotations (referring to each
// other by -k, as in a batch create) and links of existing ones.
type copier struct {
	t       *wtx
	project string
	target  string
	docs    map[string]*copyDoc
	placed  map[int64]int64 // source id -> target id (-k for the k-th new one)
	news    []scholia.Annotation
	newFrom [][]int64
	links   map[int64][]int64 // existing target id -> sources to add
	order   []int64           // the results, in the order placed
}

func (c *copier) doc(id string) (*copyDoc, error) {
	if d := c.docs[id]; d != nil {
		return d, nil
	}
	rows, err := c.t.tx.QueryContext(c.t.ctx, `SELECT `+annotationColumns+` FROM annotations
		WHERE project = ? AND document = ? AND deleted_rev IS NULL ORDER BY id`, c.project, id)
	if err != nil {
		return nil, dbError("read the document's annotations", err)
	}
	defer rows.Close()
	var all []scholia.Annotation
	for rows.Next() {
		a, err := scanAnnotation(rows)
		if err != nil {
			return nil, dbError("read the document's annotations", err)
		}
		all = append(all, a)
	}
	if err := rows.Err(); err != nil {
		return nil, dbError("read the document's annotations", err)
	}
	d := &copyDoc{byID: make(map[int64]*scholia.Annotation, len(all)), keys: scholia.AgreementKeys(all), targetByKey: map[string]int64{}}
	for i := range all {
		a := &all[i]
		d.byID[a.ID] = a
		if k, ok := d.keys[a.ID]; ok && a.Annotator == c.target {
			if _, dup := d.targetByKey[k]; !dup {
				d.targetByKey[k] = a.ID
			}
		}
	}
	c.docs[id] = d
	return d, nil
}

// place returns the target annotation that stands for src: one placed
// before, one derived from it before, one that agrees with it, or a new
// copy. top says src is an item of the call rather than a reference.
func (c *copier) place(src *scholia.Annotation, from []int64, top bool, depth int) (int64, error) {
	if depth > 8 {
		return 0, scholia.Errorf(scholia.CodeFailedPrecondition, "TOO_DEEP", "annotation %d nests events too deeply to copy", src.ID)
	}
	if src.Project != c.project {
		return 0, scholia.Errorf(scholia.CodeInvalid, "WRONG_PROJECT", "annotation %d belongs to project %q, not %q", src.ID, src.Project, c.project)
	}
	if src.Annotator == c.target {
		return 0, scholia.Errorf(scholia.CodeFailedPrecondition, "SAME_LAYER", "annotation %d is in %s's layer already", src.ID, c.target)
	}
	switch src.Kind {
	case scholia.KindMention, scholia.KindEvent, scholia.KindClaim:
	default:
		return 0, scholia.Errorf(scholia.CodeFailedPrecondition, "NOT_COPYABLE",
			"annotation %d is a %s; only mentions, events and claims are copied (make relations and clusters by hand)", src.ID, src.Kind)
	}
	if id, ok := c.placed[src.ID]; ok {
		if top {
			c.addFrom(id, from)
		}
		return id, nil
	}
	prev, err := c.t.derivedIn(c.project, c.target, src.ID)
	if err != nil {
		return 0, err
	}
	if prev != 0 {
		if top {
			return 0, alreadyCopied(src.ID, c.target, prev)
		}
		c.placed[src.ID] = prev
		return prev, nil
	}
	d, err := c.doc(src.Document)
	if err != nil {
		return 0, err
	}
	if id, ok := d.targetByKey[d.keys[src.ID]]; ok {
		c.placed[src.ID] = id
		c.addFrom(id, from)
		c.order = append(c.order, id)
		return id, nil
	}
	a := cloneAnnotation(*src)
	a.ID, a.Annotator, a.DerivedFrom = 0, c.target, nil
	resolve := func(ref int64) (int64, error) {
		r, ok := d.byID[ref]
		if !ok {
			return 0, scholia.Errorf(scholia.CodeFailedPrecondition, "BROKEN_REFERENCE", "annotation %d refers to annotation %d, which is not in its document", src.ID, ref)
		}
		return c.place(r, []int64{r.ID}, false, depth+1)
	}
	for i := range a.Arguments {
		if a.Arguments[i].AnnotationID, err = resolve(a.Arguments[i].AnnotationID); err != nil {
			return 0, err
		}
	}
	if a.Claim != nil && a.Claim.ClaimantID != 0 {
		if a.Claim.ClaimantID, err = resolve(a.Claim.ClaimantID); err != nil {
			return 0, err
		}
	}
	c.news = append(c.news, a)
	c.newFrom = append(c.newFrom, nil)
	id := -int64(len(c.news))
	c.placed[src.ID] = id
	d.targetByKey[d.keys[src.ID]] = id // later agreeing annotations link to it
	c.addFrom(id, from)
	c.order = append(c.order, id)
	return id, nil
}

// addFrom records provenance of a placed annotation.
func (c *copier) addFrom(id int64, from []int64) {
	if id < 0 {
		k := -id - 1
		c.newFrom[k] = append(c.newFrom[k], from...)
		return
	}
	c.links[id] = append(c.links[id], from...)
}

// CopyAnnotations copies annotations of other layers into a target layer,
// recording their provenance.
func (s *Store) CopyAnnotations(ctx context.Context, w scholia.WriteMeta, project, target string, items []scholia.CopyItem) ([]scholia.Annotation, error) {
	if len(items) == 0 {
		return nil, scholia.Invalid("nothing to copy", scholia.FieldViolation{Field: "items", Description: "at least one annotation is required"})
	}
	var out []scholia.Annotation
	err := s.write(ctx, w, "copy annotations", func(t *wtx) error {
		out = nil
		if _, err := t.project(project); err != nil {
			return err
		}
		if err := s.checkAnnotator(ctx, t.tx, target); err != nil {
			return err
		}
		c := &copier{t: t, project: project, target: target, docs: map[string]*copyDoc{}, placed: map[int64]int64{}, links: map[int64][]int64{}}
		for _, it := range items {
			src, err := t.current(it.Source)
			if err != nil {
				return err
			}
			if it.SourceRev != 0 && it.SourceRev != src.Rev {
				return staleEtag(fmt.Sprintf("annotation %d", src.ID), it.SourceRev, src.Rev)
			}
			from := append([]int64{it.Source}, it.DerivedFrom...)
			if _, err := c.place(&src, from, true, 0); err != nil {
				return err
			}
		}
		if err := t.newRev(""); err != nil {
			return err
		}
		made, err := t.insertCopies(c.news)
		if err != nil {
			return err
		}
		var sources []int64
		record := func(id int64, from []int64) error {
			for _, src := range from {
				if _, err := t.tx.ExecContext(t.ctx, `INSERT INTO annotation_sources (annotation, source, rev) VALUES (?, ?, ?) ON CONFLICT DO NOTHING`,
					id, src, t.rev); err != nil {
					return dbError("record the provenance", err)
				}
				sources = append(sources, src)
			}
			return nil
		}
		for i := range made {
			if err := record(made[i].ID, c.newFrom[i]); err != nil {
				return err
			}
		}
		for id, from := range c.links {
			if err := record(id, from); err != nil {
				return err
			}
		}
		if _, err := t.tx.ExecContext(t.ctx, `DELETE FROM rejections WHERE layer = ? AND annotation IN (SELECT value FROM json_each(?))`,
			target, jsonIDs(sources)); err != nil {
			return dbError("clear rejections", err)
		}
		seen := map[int64]bool{}
		for _, id := range c.order {
			if seen[id] {
				continue
			}
			seen[id] = true
			var a scholia.Annotation
			if id < 0 {
				a = made[-id-1]
			} else if a, err = t.current(id); err != nil {
				return err
			}
			out = append(out, a)
		}
		for i := range out {
			out[i].DerivedFrom = nil
			if out[i], err = withDerivedFrom(ctx, t.tx, out[i], nil); err != nil {
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

// insertCopies stores new annotations at t.rev, as CreateAnnotations does:
// a reference -k is the k-th of them.
func (t *wtx) insertCopies(anns []scholia.Annotation) ([]scholia.Annotation, error) {
	if len(anns) == 0 {
		return nil, nil
	}
	var maxID int64
	if err := t.tx.QueryRowContext(t.ctx, `SELECT coalesce(max(id), 0) FROM annotation_ids`).Scan(&maxID); err != nil {
		return nil, dbError("allocate annotation ids", err)
	}
	ids := make([]int64, len(anns))
	for i := range ids {
		ids[i] = maxID + 1 + int64(i)
	}
	v := newValidator(t)
	out := make([]scholia.Annotation, len(anns))
	for i := range anns {
		a := cloneAnnotation(anns[i])
		a.ID = ids[i]
		rewriteRefs(&a, i, ids)
		fv, err := v.validate(&a)
		if err != nil {
			return nil, err
		}
		if len(fv) > 0 {
			var viol scholia.Violations
			viol.Merge("annotation", fv)
			return nil, scholia.Errorf(scholia.CodeFailedPrecondition, "COPY_INVALID",
				"the copy of the annotation at %s is not valid in %s's layer: %v", scholia.SpanKey(a.Spans), a.Annotator, viol.Err("invalid"))
		}
		normalize(&a)
		v.batch[a.ID] = refInfo(&a)
		a.CreateRev, a.Rev = t.rev, t.rev
		a.CreateTime, a.UpdateTime = nsTime(t.now), nsTime(t.now)
		a.UpdateUser = t.meta.User
		if _, err := t.tx.ExecContext(t.ctx, `INSERT INTO annotation_ids (id, project, document, annotator, kind) VALUES (?, ?, ?, ?, ?)`,
			a.ID, a.Project, a.Document, a.Annotator, a.Kind); err != nil {
			return nil, dbError("store an annotation id", err)
		}
		if err := t.insertVersion(&a); err != nil {
			return nil, err
		}
		if err := t.insertRefs(a.ID, a.Kind, refTargets(&a)); err != nil {
			return nil, err
		}
		out[i] = a
	}
	return out, nil
}

// Reject records that the owner of layer rejects annotations.
func (s *Store) Reject(ctx context.Context, w scholia.WriteMeta, project, layer string, ids []int64) error {
	if len(ids) == 0 {
		return scholia.Invalid("nothing to reject", scholia.FieldViolation{Field: "annotation_ids", Description: "at least one is required"})
	}
	return s.write(ctx, w, "reject annotations", func(t *wtx) error {
		if _, err := t.project(project); err != nil {
			return err
		}
		for _, id := range ids {
			a, err := t.current(id)
			if err != nil {
				return err
			}
			if a.Project != project {
				return scholia.Errorf(scholia.CodeInvalid, "WRONG_PROJECT", "annotation %d belongs to project %q, not %q", id, a.Project, project)
			}
			if a.Annotator == layer {
				return scholia.Errorf(scholia.CodeFailedPrecondition, "SAME_LAYER", "annotation %d is in %s's own layer", id, layer)
			}
			if prev, err := t.derivedIn(project, layer, id); err != nil {
				return err
			} else if prev != 0 {
				return scholia.Errorf(scholia.CodeFailedPrecondition, "ALREADY_COPIED",
					"annotation %d is already in %s's layer as annotation %d: delete that one to reject it", id, layer, prev)
			}
		}
		if err := t.newRev(""); err != nil {
			return err
		}
		for _, id := range ids {
			if _, err := t.tx.ExecContext(t.ctx, `INSERT INTO rejections (project, annotation, layer, user, rev, time) VALUES (?, ?, ?, ?, ?, ?)
				ON CONFLICT (annotation, layer) DO UPDATE SET user = excluded.user, rev = excluded.rev, time = excluded.time`,
				project, id, layer, w.User, t.rev, t.now); err != nil {
				return dbError("record the rejection", err)
			}
		}
		return nil
	})
}

// Decisions returns the layer's decisions about annotations.
func (s *Store) Decisions(ctx context.Context, project, layer string, ids []int64) (map[int64]scholia.Decision, error) {
	out := map[int64]scholia.Decision{}
	if len(ids) == 0 {
		return out, nil
	}
	list := jsonIDs(ids)
	rows, err := s.r.QueryContext(ctx, `SELECT s.source, s.annotation FROM annotation_sources s
		JOIN annotations a ON a.id = s.annotation AND a.deleted_rev IS NULL AND a.project = ? AND a.annotator = ?
		WHERE s.source IN (SELECT value FROM json_each(?)) ORDER BY s.source, s.annotation`, project, layer, list)
	if err != nil {
		return nil, dbError("read decisions", err)
	}
	for rows.Next() {
		var src, id int64
		if err := rows.Scan(&src, &id); err != nil {
			rows.Close()
			return nil, dbError("read decisions", err)
		}
		d := out[src]
		d.Source, d.Derived = src, append(d.Derived, id)
		out[src] = d
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, dbError("read decisions", err)
	}
	rows, err = s.r.QueryContext(ctx, `SELECT annotation FROM rejections WHERE layer = ? AND project = ?
		AND annotation IN (SELECT value FROM json_each(?))`, layer, project, list)
	if err != nil {
		return nil, dbError("read decisions", err)
	}
	defer rows.Close()
	for rows.Next() {
		var src int64
		if err := rows.Scan(&src); err != nil {
			return nil, dbError("read decisions", err)
		}
		d := out[src]
		d.Source, d.Rejected = src, len(d.Derived) == 0
		out[src] = d
	}
	return out, dbError("read decisions", rows.Err())
}

// LabelDecisions counts the decisions about a layer's annotations per kind
// and label.
func (s *Store) LabelDecisions(ctx context.Context, project, layer string) ([]scholia.LabelDecisions, error) {
	if err := s.projectExists(ctx, project); err != nil {
		return nil, err
	}
	type key struct {
		kind  scholia.Kind
		label string
	}
	byKey := map[key]*scholia.LabelDecisions{}
	for i, q := range []string{
		`SELECT kind, label, count(*) FROM annotations WHERE project = ?1 AND annotator = ?2 AND deleted_rev IS NULL GROUP BY kind, label`,
		`SELECT a.kind, a.label, count(DISTINCT d.annotator || '/' || s.source) FROM annotations a
			JOIN annotation_sources s ON s.source = a.id
			JOIN annotations d ON d.id = s.annotation AND d.deleted_rev IS NULL AND d.annotator <> a.annotator
			WHERE a.project = ?1 AND a.annotator = ?2 AND a.deleted_rev IS NULL GROUP BY a.kind, a.label`,
		`SELECT a.kind, a.label, count(*) FROM annotations a JOIN rejections r ON r.annotation = a.id
			WHERE a.project = ?1 AND a.annotator = ?2 AND a.deleted_rev IS NULL GROUP BY a.kind, a.label`,
	} {
		rows, err := s.r.QueryContext(ctx, q, project, layer)
		if err != nil {
			return nil, dbError("count decisions", err)
		}
		for rows.Next() {
			var k key
			var n int64
			if err := rows.Scan(&k.kind, &k.label, &n); err != nil {
				rows.Close()
				return nil, dbError("count decisions", err)
			}
			d := byKey[k]
			if d == nil {
				d = &scholia.LabelDecisions{Kind: k.kind, Label: k.label}
				byKey[k] = d
			}
			switch i {
			case 0:
				d.Current = n
			case 1:
				d.Accepted = n
			case 2:
				d.Rejected = n
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, dbError("count decisions", err)
		}
	}
	out := make([]scholia.LabelDecisions, 0, len(byKey))
	for _, d := range byKey {
		out = append(out, *d)
	}
	slices.SortFunc(out, func(a, b scholia.LabelDecisions) int {
		if a.Kind != b.Kind {
			return int(a.Kind) - int(b.Kind)
		}
		if a.Label < b.Label {
			return -1
		}
		if a.Label > b.Label {
			return 1
		}
		return 0
	})
	return out, nil
}
