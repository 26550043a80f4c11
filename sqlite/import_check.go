package sqlite

import (
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strconv"

	"github.com/scholia-nlp/scholia"
)

// Checking the units of an import: validation, the mapping of local ids to
// stored ones, and the encoding of rows, all before the writer takes them
// (see import.go).

// checkedUnit is a unit ready to be written: validated, its local ids
// mapped, its rows encoded. err is why it failed, or the failure that ends
// the call.
type checkedUnit struct {
	i       int // its index in the call
	err     error
	pre     bool // err is from the checks made before the write began
	u       *scholia.AnnotatedDocument
	text    *scholia.Text
	order   []int   // the annotations in the order they are written
	ids     []int64 // their stored ids, in the unit's order
	out     []scholia.Annotation
	enc     []encodedAnnotation
	sources [][]int64 // provenance, mapped
	layers  []scholia.Layer
	firstID int64   // c.nextID before the unit
	locals  []int64 // the local ids the check entered in c.linked
}

// fatal reports whether u's failure ends the whole call.
func (u *checkedUnit) fatal() bool { return u.err != nil && !u.pre && fatal(u.err) }

// undo forgets what checking u recorded: the ids it took and its local
// ids. Units are undone from the last one checked back.
func (c *importCall) undo(u *checkedUnit) {
	if u.err != nil {
		return // a unit that failed its check recorded nothing
	}
	c.nextID = u.firstID
	for _, l := range u.locals {
		delete(c.linked, l)
	}
}

// check validates one unit and prepares its rows. When it passes, the ids
// it takes and its local ids are recorded, for the units after it.
func (c *importCall) check(i int, u *scholia.AnnotatedDocument, text *scholia.Text) *checkedUnit {
	t := c.t
	docID := u.Document.ID
	anns := u.Annotations
	v := &validator{t: t, projects: c.schemas, texts: map[[2]string]*scholia.Text{}, annotators: c.annotators,
		batch: make(map[int64]scholia.RefInfo, len(anns))}
	if docID != "" {
		v.texts[[2]string{c.project, docID}] = text
	}
	var viol scholia.Violations
	if docID == "" && len(anns) == 0 {
		viol.Add("annotations", "a link (a unit without a document) needs at least one cluster or relation")
	}
	pos := make(map[int64]int, len(anns)) // local id -> index in anns
	for i := range anns {
		id := anns[i].ID
		if id == 0 {
			continue
		}
		if j, dup := pos[id]; dup {
			viol.Add(fmt.Sprintf("annotations[%d].id", i), "local id %d is also the id of annotations[%d]: ids must be unique within an import", id, j)
			continue
		}
		pos[id] = i
		if _, ok := c.lookup(id); ok {
			viol.Add(fmt.Sprintf("annotations[%d].id", i), "local id %d is the id of an annotation of an earlier document of this import: ids must be unique within an import", id)
		}
	}
	order, cyclic := refOrder(anns, pos)
	ids := make([]int64, len(anns))
	for k, i := range order {
		ids[i] = c.nextID + int64(k)
	}
	out := make([]scholia.Annotation, len(anns))
	perAnn := make([][]scholia.FieldViolation, len(anns))
	for _, j := range order {
		a := cloneAnnotation(anns[j])
		a.ID = ids[j]
		fv, err := c.prepare(&a, docID, j, pos, ids, cyclic, v)
		if err != nil {
			return &checkedUnit{i: i, err: inItem(fmt.Sprintf("annotations[%d]", j), err)}
		}
		perAnn[j] = fv
		out[j] = a
	}
	for j, fv := range perAnn {
		if len(fv) > 0 {
			viol.Merge(fmt.Sprintf("annotations[%d]", j), unitNames(fv, ids))
		}
	}
	layers, err := c.layers(u, docID, &viol)
	if err != nil {
		return &checkedUnit{i: i, err: err}
	}
	if n := len(viol.List()); n > 0 {
		what := "document " + docID
		if docID == "" {
			what = "link"
		}
		plural := "s"
		if n == 1 {
			plural = ""
		}
		return &checkedUnit{i: i, err: viol.Err(fmt.Sprintf("%s: %d violation%s: nothing of it was imported", what, n, plural))}
	}
	k := &checkedUnit{i: i, u: u, text: text, order: order, ids: ids, out: out, layers: layers, firstID: c.nextID,
		enc: make([]encodedAnnotation, len(anns)), sources: make([][]int64, len(anns))}
	for j := range out {
		if k.enc[j], err = encodeAnnotation(&out[j]); err != nil {
			return &checkedUnit{i: i, err: scholia.Internal("encode an annotation", err)}
		}
		k.sources[j] = c.sources(anns[j].DerivedFrom, pos, ids)
	}
	c.nextID += int64(len(anns))
	for j := range anns {
		if local := anns[j].ID; local != 0 {
			c.linked[local] = refInfo(&out[j])
			k.locals = append(k.locals, local)
		}
	}
	return k
}

// sources maps the provenance of an imported annotation (the local ids of
// the annotations it was made from) to stored ids. Provenance is a record,
// not a reference the annotation depends on: a source that is not part of
// the import (an annotation deleted before the export, say) is left out
// rather than failing the document.
func (c *importCall) sources(local []int64, pos map[int64]int, ids []int64) []int64 {
	var out []int64
	for _, l := range local {
		id := int64(0)
		if j, ok := pos[l]; ok {
			id = ids[j]
		} else if r, ok := c.lookup(l); ok && !c.opts.DryRun {
			id = r.ID
		}
		if id != 0 && !slices.Contains(out, id) {
			out = append(out, id)
		}
	}
	slices.Sort(out)
	return out
}

// lookup finds an annotation that an earlier unit of the import stored.
func (c *importCall) lookup(local int64) (scholia.RefInfo, bool) {
	if r, ok := c.linked[local]; ok {
		return r, true
	}
	if c.opts.Linked != nil {
		return c.opts.Linked(local)
	}
	return scholia.RefInfo{}, false
}

// prepare fills in and checks the place of the i-th annotation of a unit,
// maps its references from local ids to stored ones, and validates it.
func (c *importCall) prepare(a *scholia.Annotation, docID string, i int, pos map[int64]int, ids []int64, cyclic map[int]bool, v *validator) ([]scholia.FieldViolation, error) {
	var own scholia.Violations
	if a.Project == "" {
		a.Project = c.project
	} else if a.Project != c.project {
		own.Add("project_id", "%q, but the import goes to project %q", a.Project, c.project)
	}
	switch {
	case docID == "" && a.Kind != scholia.KindRelation && a.Kind != scholia.KindCluster:
		own.Add("body", "%s belongs to a document: a link holds only clusters and relations", aKind(a.Kind))
	case docID != "" && a.Kind != scholia.KindCluster:
		if a.Document == "" {
			a.Document = docID
		} else if a.Document != docID {
			own.Add("document_id", "%q, but the annotation comes with document %q", a.Document, docID)
		}
	}
	var bad map[string]string // why a reference resolves to nothing, by field
	setBad := func(field, why string) {
		if bad == nil {
			bad = map[string]string{}
		}
		bad[field] = why
	}
	forEachRef(a, func(field func() string, id *int64) {
		local := *id
		if local == 0 {
			return
		}
		if j, ok := pos[local]; ok {
			*id = ids[j]
			if cyclic[i] && cyclic[j] {
				setBad(field(), fmt.Sprintf("annotations[%d] (local id %d) leads back to this annotation through its references: references must not form a cycle", j, local))
			}
			return
		}
		if r, ok := c.linked[local]; ok {
			// Checked earlier in this call, and perhaps not written yet:
			// the validator must not look for it in the database.
			*id = r.ID
			v.batch[r.ID] = r
			return
		}
		if c.opts.Linked != nil {
			if r, ok := c.opts.Linked(local); ok {
				if !c.opts.DryRun {
					*id = r.ID
					return
				}
				key := synthetic + c.nSynth
				c.nSynth++
				v.batch[key] = r
				*id = key
				return
			}
		}
		setBad(field(), fmt.Sprintf("local id %d is no annotation of this document nor of an earlier document of this import", local))
		*id = -1 - int64(len(bad)) // resolves to nothing, and differs from the others
	})
	if docID == "" && a.Kind == scholia.KindRelation && a.Relation != nil {
		// A link's relation belongs to its source's document, whose text a
		// relation does not need (and which, in a dry run, may not be
		// stored).
		if r, ok := v.resolve(a.Relation.Source); ok {
			if a.Document == "" {
				a.Document = r.Document
			}
			if a.Document == r.Document {
				v.texts[[2]string{r.Project, r.Document}] = emptyText
			}
		}
	}
	if len(own.List()) > 0 {
		v.batch[a.ID] = refInfo(a)
		return own.List(), nil
	}
	fv, err := v.validate(a)
	if err != nil {
		return nil, err
	}
	explainBadRefs(fv, bad)
	normalize(a)
	v.batch[a.ID] = refInfo(a)
	return fv, nil
}

// storedID finds the annotation ids in violation descriptions.
var storedID = regexp.MustCompile(`\bannotation (\d+)\b`)

// unitNames rewrites the stored ids of a unit's annotations that the
// validation names in descriptions ("annotation 4711 is labelled ...") as
// their place in the unit ("annotations[3] is labelled ..."), which is what
// the client knows.
func unitNames(fv []scholia.FieldViolation, ids []int64) []scholia.FieldViolation {
	if len(fv) == 0 || len(ids) == 0 {
		return fv
	}
	first := slices.Min(ids)
	for i := range fv {
		fv[i].Description = storedID.ReplaceAllStringFunc(fv[i].Description, func(m string) string {
			id, err := strconv.ParseInt(m[len("annotation "):], 10, 64)
			if j := int(id - first); err == nil && j >= 0 && j < len(ids) {
				if k := slices.Index(ids, id); k >= 0 {
					return fmt.Sprintf("annotations[%d]", k)
				}
			}
			return m
		})
	}
	return fv
}

// emptyText stands for the text of a document that only relations of a
// link refer to.
var emptyText, _ = scholia.NewText(" ")

// aKind names a kind with its article.
func aKind(k scholia.Kind) string {
	switch k {
	case scholia.KindEvent:
		return "an event"
	case scholia.KindUnspecified:
		return "an annotation without a body"
	}
	return "a " + k.String()
}

// refOrder returns the indexes of anns in an order where every annotation
// comes after the annotations of the unit it refers to, keeping the given
// order where it can. Annotations in a reference cycle come last, in the
// given order, and are returned in cyclic.
func refOrder(anns []scholia.Annotation, pos map[int64]int) (order []int, cyclic map[int]bool) {
	n := len(anns)
	pending := make([]int, n)   // references to annotations not yet placed
	users := make([][]int32, n) // who refers to each annotation
	var seen []int
	for i := range anns {
		seen = seen[:0]
		forEachRef(&anns[i], func(_ func() string, id *int64) {
			if j, ok := pos[*id]; ok && j != i && !slices.Contains(seen, j) {
				seen = append(seen, j)
				pending[i]++
				users[j] = append(users[j], int32(i))
			}
		})
	}
	order = make([]int, 0, n)
	placed := make([]bool, n)
	var place func(i int)
	place = func(i int) {
		placed[i] = true
		order = append(order, i)
		for _, u := range users[i] {
			if pending[u]--; pending[u] == 0 && int(u) < i {
				place(int(u)) // waited for i, and its turn has passed
			}
		}
	}
	for i := 0; i < n; i++ {
		if !placed[i] && pending[i] == 0 {
			place(i)
		}
	}
	if len(order) < n {
		cyclic = map[int]bool{}
		for i := 0; i < n; i++ {
			if !placed[i] {
				cyclic[i] = true
				order = append(order, i)
			}
		}
	}
	return order, cyclic
}

// layers checks the layer statuses of a unit and returns those to set.
func (c *importCall) layers(u *scholia.AnnotatedDocument, docID string, viol *scholia.Violations) ([]scholia.Layer, error) {
	var out []scholia.Layer
	for i, l := range u.Layers {
		f := fmt.Sprintf("layers[%d]", i)
		set := l.Status == scholia.LayerDone || (l.Status == scholia.LayerInProgress && l.Rev > 0)
		switch {
		case !set:
			continue // in progress is what a layer without a status is
		case docID == "":
			viol.Add(f, "a link has no layers; layers belong to documents")
			continue
		case l.Document != "" && l.Document != docID:
			viol.Add(f+".document_id", "%q, but the layer comes with document %q", l.Document, docID)
			continue
		case l.Status != scholia.LayerDone && l.Status != scholia.LayerInProgress:
			viol.Add(f+".status", "in progress or done is required")
			continue
		}
		if !c.annotators[l.Annotator] {
			if err := c.t.s.checkAnnotator(c.t.ctx, c.t.tx, l.Annotator); err != nil {
				var e *scholia.Error
				if fatal(err) || !errors.As(err, &e) {
					return nil, err
				}
				viol.Add(f+".annotator", "%s", e.Message)
				continue
			}
			c.annotators[l.Annotator] = true
		}
		out = append(out, l)
	}
	return out, nil
}
