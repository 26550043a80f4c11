package sqlite

import (
	"database/sql"
	"errors"
	"fmt"

	"github.com/scholia-nlp/scholia"
)

// validator validates annotations inside one write transaction. It
// remembers, for the length of one call, the projects, schemas, documents
// and annotators it has looked up, and the annotations the call creates, so
// that later annotations of a batch can refer to earlier ones.
type validator struct {
	t          *wtx
	projects   map[string]*scholia.SchemaIndex
	texts      map[[2]string]*scholia.Text
	annotators map[string]bool
	batch      map[int64]scholia.RefInfo
	err        error // a database failure inside Resolve
}

func newValidator(t *wtx) *validator {
	return &validator{t: t, projects: map[string]*scholia.SchemaIndex{}, texts: map[[2]string]*scholia.Text{},
		annotators: map[string]bool{}, batch: map[int64]scholia.RefInfo{}}
}

// schemaOf returns the compiled current schema of a project, or
// CodeNotFound.
func (v *validator) schemaOf(project string) (*scholia.SchemaIndex, error) {
	if x, ok := v.projects[project]; ok {
		return x, nil
	}
	p, err := v.t.project(project)
	if err != nil {
		return nil, err
	}
	x, err := v.t.s.schema(v.t.ctx, v.t.tx, p)
	if err != nil {
		return nil, err
	}
	v.projects[project] = x
	return x, nil
}

// env checks that an annotation's project, document and annotator exist and
// returns what validating it needs. A missing project id or annotator is
// returned as violations (and the annotation cannot be validated further); a
// project, document or annotator that does not exist is CodeNotFound.
func (v *validator) env(a *scholia.Annotation) (env scholia.ValidationEnv, fv []scholia.FieldViolation, err error) {
	if a.Project == "" {
		fv = append(fv, scholia.FieldViolation{Field: "project_id", Description: "required"})
	}
	if a.Annotator == "" {
		fv = append(fv, scholia.FieldViolation{Field: "annotator", Description: "required"})
	}
	if fv != nil {
		return env, fv, nil
	}
	if env.Schema, err = v.schemaOf(a.Project); err != nil {
		return env, nil, err
	}
	if !v.annotators[a.Annotator] {
		if err := v.t.s.checkAnnotator(v.t.ctx, v.t.tx, a.Annotator); err != nil {
			return env, nil, err
		}
		v.annotators[a.Annotator] = true
	}
	if a.Document != "" {
		k := [2]string{a.Project, a.Document}
		if env.Text = v.texts[k]; env.Text == nil {
			d, err := v.t.document(a.Project, a.Document)
			if err != nil {
				return env, nil, err
			}
			if env.Text, err = v.t.s.text(v.t.ctx, v.t.tx, d.textID); err != nil {
				return env, nil, err
			}
			v.texts[k] = env.Text
		}
	}
	env.Resolve = v.resolve
	return env, nil, nil
}

// resolve looks up the current version of an annotation, among those this
// call created first.
func (v *validator) resolve(id int64) (scholia.RefInfo, bool) {
	if r, ok := v.batch[id]; ok {
		return r, true
	}
	if id <= 0 || v.err != nil {
		return scholia.RefInfo{}, false
	}
	r := scholia.RefInfo{ID: id}
	err := v.t.tx.QueryRowContext(v.t.ctx,
		`SELECT project, document, annotator, kind, label FROM annotations WHERE id = ? AND deleted_rev IS NULL`, id).
		Scan(&r.Project, &r.Document, &r.Annotator, &r.Kind, &r.Label)
	if errors.Is(err, sql.ErrNoRows) {
		return r, false
	}
	if err != nil {
		v.err = dbError("look up a referenced annotation", err)
		return r, false
	}
	return r, true
}

// validate checks one annotation, whose id is already set, and returns its
// violations with paths relative to the annotation. err is a failure that
// stops the whole call (a missing parent, a database error).
func (v *validator) validate(a *scholia.Annotation) ([]scholia.FieldViolation, error) {
	env, fv, err := v.env(a)
	if err != nil || fv != nil {
		return fv, err
	}
	fv = append(kindViolations(a), a.Validate(env)...)
	if v.err != nil {
		return nil, v.err
	}
	return fv, nil
}

// kindViolations reports body fields that do not belong to the annotation's
// kind, so that nothing a client sent is silently dropped.
func kindViolations(a *scholia.Annotation) []scholia.FieldViolation {
	var v scholia.Violations
	if !a.Kind.Valid() {
		return nil // Validate says so
	}
	if len(a.Arguments) > 0 && a.Kind != scholia.KindEvent {
		v.Add("event.arguments", "a %s has no arguments; only events do", a.Kind)
	}
	if a.Claim != nil && a.Kind != scholia.KindClaim {
		v.Add("claim", "a %s has no claim fields; only claims do", a.Kind)
	}
	if a.Relation != nil && a.Kind != scholia.KindRelation {
		v.Add("relation", "a %s has no relation ends; only relations do", a.Kind)
	}
	if a.Cluster != nil && a.Kind != scholia.KindCluster {
		v.Add("cluster", "a %s has no cluster members; only clusters do", a.Kind)
	}
	if len(a.Spans) > 0 && (a.Kind == scholia.KindRelation || a.Kind == scholia.KindCluster) {
		v.Add("spans", "a %s has no spans", a.Kind)
	}
	return v.List()
}

// forEachRef calls f with the field path and a pointer to every reference of
// a, in the order of Annotation.Refs.
func forEachRef(a *scholia.Annotation, f func(field func() string, id *int64)) {
	for i := range a.Arguments {
		f(func() string { return fmt.Sprintf("event.arguments[%d].annotation_id", i) }, &a.Arguments[i].AnnotationID)
	}
	if a.Claim != nil && a.Claim.ClaimantID != 0 {
		f(func() string { return "claim.claimant_id" }, &a.Claim.ClaimantID)
	}
	if a.Relation != nil {
		f(func() string { return "relation.source_id" }, &a.Relation.Source)
		f(func() string { return "relation.target_id" }, &a.Relation.Target)
	}
	if a.Cluster != nil {
		for i := range a.Cluster.Members {
			f(func() string { return fmt.Sprintf("cluster.member_ids[%d]", i) }, &a.Cluster.Members[i])
		}
	}
}

// rewriteRefs replaces each negative reference -k of the i-th annotation of
// a call (k counting from 1) by the id of the k-th annotation, which must
// come before it. It returns why each other negative reference is wrong, by
// field path; those references are left negative, so Resolve fails on them.
func rewriteRefs(a *scholia.Annotation, i int, ids []int64) map[string]string {
	var bad map[string]string
	forEachRef(a, func(field func() string, id *int64) {
		if *id >= 0 {
			return
		}
		k := -*id
		if k <= int64(i) {
			*id = ids[k-1]
			return
		}
		if bad == nil {
			bad = map[string]string{}
		}
		switch {
		case k > int64(len(ids)):
			bad[field()] = fmt.Sprintf("%d refers to annotation %d of this call, which has only %d", *id, k, len(ids))
		case k == int64(i)+1:
			bad[field()] = fmt.Sprintf("%d refers to this annotation itself", *id)
		default:
			bad[field()] = fmt.Sprintf("%d refers to annotation %d of this call, which comes after this one (the %s): a reference -k may only name an earlier annotation", *id, k, ordinal(i+1))
		}
	})
	return bad
}

// explainBadRefs replaces the description of violations on fields with a
// wrong negative reference by the reason rewriteRefs gave.
func explainBadRefs(fv []scholia.FieldViolation, bad map[string]string) {
	for i := range fv {
		if why, ok := bad[fv[i].Field]; ok {
			fv[i].Description = why
		}
	}
}

func ordinal(n int) string {
	suffix := "th"
	if n%100 < 11 || n%100 > 13 {
		switch n % 10 {
		case 1:
			suffix = "st"
		case 2:
			suffix = "nd"
		case 3:
			suffix = "rd"
		}
	}
	return fmt.Sprintf("%d%s", n, suffix)
}

// refTargets returns the distinct annotations a refers to.
func refTargets(a *scholia.Annotation) []int64 {
	refs := a.Refs()
	if len(refs) == 0 {
		return nil
	}
	seen := make(map[int64]bool, len(refs))
	out := make([]int64, 0, len(refs))
	for _, r := range refs {
		if r.ID > 0 && !seen[r.ID] {
			seen[r.ID] = true
			out = append(out, r.ID)
		}
	}
	return out
}

// refInfo describes a for Resolve.
func refInfo(a *scholia.Annotation) scholia.RefInfo {
	return scholia.RefInfo{ID: a.ID, Project: a.Project, Document: a.Document, Annotator: a.Annotator, Kind: a.Kind, Label: a.Label}
}
