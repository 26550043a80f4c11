package sqlite

import (
	"database/sql"
	"encoding/json"
	"fmt"

	"github.com/scholia-nlp/scholia"
)

// An annotation version is stored as columns for what filters and indexes
// need (id, revisions, project, document, annotator, kind, label) and three
// JSON columns:
//
//	spans  [{"s":0,"e":5,"t":"Obama"}, ...]   NULL when there are none
//	attrs  {"realis":"ACTUAL", ...}            NULL when there are none
//	body   the kind's own fields (bodyJSON)    NULL for mentions
//
// Spans keep their covered text, so a version reads back exactly as it was
// stored without looking at the document's text.

type spanJSON struct {
	S int64  `json:"s"`
	E int64  `json:"e"`
	T string `json:"t,omitempty"`
}

type argJSON struct {
	R string `json:"r"`
	A int64  `json:"a"`
}

type normJSON struct {
	Value string `json:"value,omitempty"`
	Unit  string `json:"unit,omitempty"`
	Time  string `json:"time,omitempty"`
}

type claimJSON struct {
	ClaimantID      int64      `json:"claimant,omitempty"`
	ClaimantText    string     `json:"claimant_text,omitempty"`
	Cue             []spanJSON `json:"cue,omitempty"`
	Stance          string     `json:"stance,omitempty"`
	CheckWorthiness string     `json:"check,omitempty"`
	Normalized      *normJSON  `json:"norm,omitempty"`
}

type bodyJSON struct {
	Args    []argJSON  `json:"args,omitempty"`
	Claim   *claimJSON `json:"claim,omitempty"`
	Source  int64      `json:"source,omitempty"`
	Target  int64      `json:"target,omitempty"`
	Members []int64    `json:"members,omitempty"`
	Title   string     `json:"title,omitempty"`
}

func encodeSpans(spans []scholia.Span) []spanJSON {
	if len(spans) == 0 {
		return nil
	}
	out := make([]spanJSON, len(spans))
	for i, s := range spans {
		out[i] = spanJSON{s.Start, s.End, s.Text}
	}
	return out
}

func decodeSpans(spans []spanJSON) []scholia.Span {
	if len(spans) == 0 {
		return nil
	}
	out := make([]scholia.Span, len(spans))
	for i, s := range spans {
		out[i] = scholia.Span{Start: s.S, End: s.E, Text: s.T}
	}
	return out
}

// encodedAnnotation is the column values of an annotation's JSON columns.
type encodedAnnotation struct {
	spans, attrs, body any // string or nil
}

// encodeAnnotation turns the body of a valid annotation into column values.
func encodeAnnotation(a *scholia.Annotation) (encodedAnnotation, error) {
	var e encodedAnnotation
	if len(a.Spans) > 0 {
		e.spans = string(appendSpansJSON(nil, a.Spans))
	}
	if len(a.Attributes) > 0 {
		e.attrs = string(appendAttrsJSON(nil, a.Attributes))
	}
	var body *bodyJSON
	switch a.Kind {
	case scholia.KindEvent:
		if len(a.Arguments) > 0 {
			e.body = string(appendArgsJSON(nil, a.Arguments))
		}
	case scholia.KindClaim:
		c := a.Claim
		cj := &claimJSON{ClaimantID: c.ClaimantID, ClaimantText: c.ClaimantText, Cue: encodeSpans(c.Cue),
			Stance: c.Stance, CheckWorthiness: c.CheckWorthiness}
		if n := c.Normalized; n != nil {
			cj.Normalized = &normJSON{n.Value, n.Unit, n.Time}
		}
		body = &bodyJSON{Claim: cj}
	case scholia.KindRelation:
		body = &bodyJSON{Source: a.Relation.Source, Target: a.Relation.Target}
	case scholia.KindCluster:
		body = &bodyJSON{Members: a.Cluster.Members, Title: a.Cluster.Title}
	}
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return e, err
		}
		e.body = string(b)
	}
	return e, nil
}

// annotationColumns are the columns that scanAnnotation reads.
const annotationColumns = `id, created_rev, project, document, annotator, kind, label, spans, attrs, body, create_rev, create_time, update_time, update_user`

// scanAnnotation reads one annotation version selected with
// annotationColumns.
func scanAnnotation(row interface{ Scan(...any) error }) (scholia.Annotation, error) {
	var a scholia.Annotation
	var spans, attrs, body sql.NullString
	var kind, ct, ut int64 // kind as int64: database/sql converts other integer types by reflection
	if err := row.Scan(&a.ID, &a.Rev, &a.Project, &a.Document, &a.Annotator, &kind, &a.Label,
		&spans, &attrs, &body, &a.CreateRev, &ct, &ut, &a.UpdateUser); err != nil {
		return a, err
	}
	a.Kind = scholia.Kind(kind)
	err := decodeAnnotation(&a, spans, attrs, body, ct, ut)
	return a, err
}

// scanAnnotationWith is scanAnnotation for rows with more columns after
// annotationColumns, which it scans into extra.
func scanAnnotationWith(row interface{ Scan(...any) error }, extra ...any) (scholia.Annotation, error) {
	var a scholia.Annotation
	var spans, attrs, body sql.NullString
	var kind, ct, ut int64
	dest := append([]any{&a.ID, &a.Rev, &a.Project, &a.Document, &a.Annotator, &kind, &a.Label,
		&spans, &attrs, &body, &a.CreateRev, &ct, &ut, &a.UpdateUser}, extra...)
	if err := row.Scan(dest...); err != nil {
		return a, err
	}
	a.Kind = scholia.Kind(kind)
	err := decodeAnnotation(&a, spans, attrs, body, ct, ut)
	return a, err
}

// corpusColumns are the columns of an annotation version that a corpus
// read selects: annotationColumns without the project, which it knows, and
// without create_time, update_time and update_user, which are the time of
// the revision create_rev and the time and user of the revision
// created_rev (insertVersion writes them so), and which it reads once per
// revision from the revisions table (see readRevisions) instead of once per
// row. The document comes first: a query may select, instead, the position
// of the document in a list (see annotationsQuery).
const (
	corpusColumns      = `document, ` + corpusOtherColumns
	corpusOtherColumns = `id, created_rev, annotator, kind, label, spans, attrs, body, create_rev`
)

// annotationScanner reads annotation versions of one project selected
// with corpusColumns. Every column is scanned into an any, which
// database/sql fills without conversion (it converts an integer into an
// *int64 by reflection), into the same variables for every row.
type annotationScanner struct {
	project string
	cols    [10]any
	dest    []any
}

func newAnnotationScanner(project string) *annotationScanner {
	s := &annotationScanner{project: project}
	s.dest = make([]any, len(s.cols))
	for i := range s.cols {
		s.dest[i] = &s.cols[i]
	}
	return s
}

// scan reads the current row into a, all but its times and update user.
// If the row has the position of its document rather than the document,
// scan returns it and leaves a.Document empty; otherwise it returns -1.
func (s *annotationScanner) scan(rows *sql.Rows, a *scholia.Annotation) (docPos int64, err error) {
	if err := rows.Scan(s.dest...); err != nil {
		return -1, err
	}
	c := &s.cols
	docPos = -1
	var ok [7]bool
	switch d := c[0].(type) {
	case int64:
		docPos, ok[0] = d, true
	case string:
		a.Document, ok[0] = d, true
	}
	a.ID, ok[1] = c[1].(int64)
	a.Rev, ok[2] = c[2].(int64)
	a.Annotator, ok[3] = c[3].(string)
	kind, ok4 := c[4].(int64)
	a.Label, ok[5] = c[5].(string)
	a.CreateRev, ok[6] = c[9].(int64)
	ok[4] = ok4
	for _, good := range ok {
		if !good {
			return -1, fmt.Errorf("an annotation row holds values of unexpected types: %v", c[:])
		}
	}
	a.Project, a.Kind = s.project, scholia.Kind(kind)
	spans, attrs, body := columnString(c[6]), columnString(c[7]), columnString(c[8])
	clear(c[:]) // hold on to no row's values
	return docPos, decodeAnnotation(a, spans, attrs, body, 0, 0)
}

// columnString turns a column value read as any into a NullString.
func columnString(v any) sql.NullString {
	switch x := v.(type) {
	case string:
		return sql.NullString{String: x, Valid: true}
	case []byte:
		return sql.NullString{String: string(x), Valid: true}
	}
	return sql.NullString{}
}

// decodeAnnotation fills in an annotation from its stored times and JSON
// columns.
func decodeAnnotation(a *scholia.Annotation, spans, attrs, body sql.NullString, ct, ut int64) error {
	a.CreateTime = nsTime(ct)
	a.UpdateTime = nsTime(ut)
	if spans.Valid {
		var ok bool
		if a.Spans, ok = fastSpans(spans.String); !ok {
			var sj []spanJSON
			if err := json.Unmarshal([]byte(spans.String), &sj); err != nil {
				return err
			}
			a.Spans = decodeSpans(sj)
		}
	}
	if attrs.Valid {
		var ok bool
		if a.Attributes, ok = fastAttrs(attrs.String); !ok {
			if err := json.Unmarshal([]byte(attrs.String), &a.Attributes); err != nil {
				return err
			}
		}
	}
	if a.Kind == scholia.KindEvent && body.Valid {
		if args, ok := fastArgs(body.String); ok {
			a.Arguments = args
			return nil
		}
	}
	var b bodyJSON
	if body.Valid {
		var ok bool
		if b, ok = fastBody(body.String); !ok {
			b = bodyJSON{}
			if err := json.Unmarshal([]byte(body.String), &b); err != nil {
				return err
			}
		}
	}
	switch a.Kind {
	case scholia.KindEvent:
		if len(b.Args) > 0 {
			a.Arguments = make([]scholia.Argument, len(b.Args))
			for i, arg := range b.Args {
				a.Arguments[i] = scholia.Argument{Role: arg.R, AnnotationID: arg.A}
			}
		}
	case scholia.KindClaim:
		c := &scholia.ClaimFields{}
		if cj := b.Claim; cj != nil {
			c.ClaimantID, c.ClaimantText, c.Cue = cj.ClaimantID, cj.ClaimantText, decodeSpans(cj.Cue)
			c.Stance, c.CheckWorthiness = cj.Stance, cj.CheckWorthiness
			if n := cj.Normalized; n != nil {
				c.Normalized = &scholia.NormalizedValue{Value: n.Value, Unit: n.Unit, Time: n.Time}
			}
		}
		a.Claim = c
	case scholia.KindRelation:
		a.Relation = &scholia.RelationEnds{Source: b.Source, Target: b.Target}
	case scholia.KindCluster:
		a.Cluster = &scholia.ClusterFields{Members: b.Members, Title: b.Title}
	}
	return nil
}

// normalize gives an annotation the canonical form it reads back in: empty
// lists and maps are nil, and a claim, relation or cluster has its body.
func normalize(a *scholia.Annotation) {
	if len(a.Spans) == 0 {
		a.Spans = nil
	}
	if len(a.Attributes) == 0 {
		a.Attributes = nil
	}
	if len(a.Arguments) == 0 {
		a.Arguments = nil
	}
	if a.Claim != nil && len(a.Claim.Cue) == 0 {
		a.Claim.Cue = nil
	}
	if a.Cluster != nil && len(a.Cluster.Members) == 0 {
		a.Cluster.Members = nil
	}
}

// cloneAnnotation returns a deep copy, so that a change function cannot
// alter the version it was given.
func cloneAnnotation(a scholia.Annotation) scholia.Annotation {
	c := a
	if a.Spans != nil {
		c.Spans = append([]scholia.Span(nil), a.Spans...)
	}
	if a.Attributes != nil {
		c.Attributes = make(map[string]string, len(a.Attributes))
		for k, v := range a.Attributes {
			c.Attributes[k] = v
		}
	}
	if a.Arguments != nil {
		c.Arguments = append([]scholia.Argument(nil), a.Arguments...)
	}
	if a.Claim != nil {
		cl := *a.Claim
		if cl.Cue != nil {
			cl.Cue = append([]scholia.Span(nil), cl.Cue...)
		}
		if cl.Normalized != nil {
			n := *cl.Normalized
			cl.Normalized = &n
		}
		c.Claim = &cl
	}
	if a.Relation != nil {
		r := *a.Relation
		c.Relation = &r
	}
	if a.Cluster != nil {
		cl := *a.Cluster
		cl.Members = append([]int64(nil), cl.Members...)
		c.Cluster = &cl
	}
	return c
}
