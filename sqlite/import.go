package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/scholia-nlp/scholia"
)

// Bulk import. One ImportDocuments call is one write of the group
// committer, so its units share one transaction; each unit runs inside a
// savepoint of its own and takes a revision of its own, so a unit that fails
// is rolled back alone and the others commit. The statements that every
// unit runs are prepared once per call. Validation is the validator's, as
// in CreateAnnotations; only the mapping of local ids is particular to
// imports.
//
// The committer is the one goroutine that writes, so it does nothing but
// write: a second goroutine checks the units (validates them, maps their
// local ids, encodes their rows) a few units ahead. A unit is checked on the
// assumption that the units before it will be written; in the rare case
// that writing one fails (its document id was taken meanwhile, say), the
// units checked after it are checked again.

// synthetic is the first key under which a dry run registers annotations
// that earlier calls of the same import validated but did not store, so
// that references to them resolve without a row. Real ids never reach it.
const synthetic = int64(1) << 62

// importCall is the state of one ImportDocuments call inside its write.
type importCall struct {
	t       *wtx
	project string
	opts    scholia.ImportOptions
	nextID  int64
	// linked maps the local ids of the units this call stored (or, dry
	// run, validated) to what references to them need.
	linked map[int64]scholia.RefInfo
	// shared caches of the units' validators
	schemas    map[string]*scholia.SchemaIndex
	annotators map[string]bool
	nSynth     int64

	text, doc       *sql.Stmt
	annID, ann, ref *rowInserter
	// layerID and layerAnn write the annotations of a unit that are all of
	// one layer (one document, one annotator: the common case), whose
	// document and annotator are then shared values too.
	layerID, layerAnn *rowInserter
}

// ImportDocuments stores the units of an import (see scholia.Importer).
func (s *Store) ImportDocuments(ctx context.Context, w scholia.WriteMeta, project string, units []scholia.AnnotatedDocument, opts scholia.ImportOptions) ([]scholia.ImportResult, error) {
	results := make([]scholia.ImportResult, len(units))
	texts := make([]*scholia.Text, len(units))
	pre := make([]error, len(units))
	for i := range units {
		if d := units[i].Document; d.ID != "" {
			if d.Project == "" {
				d.Project = project
			}
			texts[i], pre[i] = checkDocument(d)
			if pre[i] == nil && d.Project != project {
				pre[i] = scholia.Invalid("the document is not valid", scholia.FieldViolation{Field: "document.project_id",
					Description: fmt.Sprintf("%q, but the import goes to project %q", d.Project, project)})
			}
		}
	}
	err := s.write(ctx, w, "import documents", func(t *wtx) error {
		c, err := newImportCall(t, project, opts)
		if err != nil {
			return err
		}
		defer c.close()
		for i := range results {
			results[i] = scholia.ImportResult{Status: scholia.ImportNotAttempted}
		}
		if err := c.run(units, texts, pre, results); err != nil {
			return err
		}
		if opts.DryRun {
			t.rev = 0 // the committer rolls back a write without a revision
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return results, nil
}

// checkAhead is how many checked units may wait for the committer.
const checkAhead = 8

// checker checks units from one index on, in a goroutine of its own.
type checker struct {
	out  chan *checkedUnit
	stop chan struct{}
}

// startChecker checks units[from:] in order and sends them to out, until
// a unit fails and the import does not keep going, a failure ends the
// call, or stop is closed.
func (c *importCall) startChecker(units []scholia.AnnotatedDocument, texts []*scholia.Text, pre []error, from int) *checker {
	k := &checker{out: make(chan *checkedUnit, checkAhead), stop: make(chan struct{})}
	go func() {
		defer close(k.out)
		for i := from; i < len(units); i++ {
			var u *checkedUnit
			if pre[i] != nil {
				u = &checkedUnit{i: i, err: pre[i], pre: true}
			} else {
				u = c.check(i, &units[i], texts[i])
			}
			select {
			case k.out <- u:
			case <-k.stop:
				c.undo(u) // the last unit checked, undone before the others
				return
			}
			if u.err != nil && (u.fatal() || !c.opts.KeepGoing) {
				return
			}
		}
	}()
	return k
}

// halt stops the checker and returns the units it checked and sent that
// were not taken yet. A unit it checked but could not send it has undone
// itself.
func (k *checker) halt() []*checkedUnit {
	close(k.stop)
	var left []*checkedUnit
	for u := range k.out {
		left = append(left, u)
	}
	return left
}

// run writes the units as the checker checks them.
func (c *importCall) run(units []scholia.AnnotatedDocument, texts []*scholia.Text, pre []error, results []scholia.ImportResult) error {
	k := c.startChecker(units, texts, pre, 0)
	defer func() {
		if k != nil {
			k.halt()
		}
	}()
	for {
		u, ok := <-k.out // k changes when units are checked again
		if !ok {
			return nil
		}
		err, isFatal := u.err, u.fatal()
		if err == nil {
			var res scholia.ImportResult
			if res, err = c.write(u); err == nil {
				results[u.i] = res
				continue
			}
			// The units checked after u took it for written: undo what
			// their checks and u's recorded, and check them again.
			left := k.halt()
			k = nil
			for j := len(left) - 1; j >= 0; j-- {
				c.undo(left[j])
			}
			c.undo(u)
			if isFatal = fatal(err); !isFatal && c.opts.KeepGoing && u.i+1 < len(units) {
				k = c.startChecker(units, texts, pre, u.i+1)
			}
		}
		if isFatal {
			return err
		}
		results[u.i] = scholia.ImportResult{Status: scholia.ImportFailed, Err: err}
		if k == nil || !c.opts.KeepGoing {
			return nil
		}
	}
}

func newImportCall(t *wtx, project string, opts scholia.ImportOptions) (*importCall, error) {
	c := &importCall{t: t, project: project, opts: opts, linked: map[int64]scholia.RefInfo{},
		schemas: map[string]*scholia.SchemaIndex{}, annotators: map[string]bool{}}
	p, err := t.project(project)
	if err != nil {
		return nil, err
	}
	if c.schemas[project], err = t.s.schema(t.ctx, t.tx, p); err != nil {
		return nil, err
	}
	if err := t.tx.QueryRowContext(t.ctx, `SELECT coalesce(max(id), 0) FROM annotation_ids`).Scan(&c.nextID); err != nil {
		return nil, dbError("allocate annotation ids", err)
	}
	c.nextID++
	for _, p := range []struct {
		st **sql.Stmt
		q  string
	}{
		{&c.text, `INSERT INTO texts (text) VALUES (?)`},
		{&c.doc, `INSERT INTO documents (project, id, created_rev, text_id, title, source, url, publish_time, language, length, sha256, create_time, update_time)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`},
	} {
		if *p.st, err = t.tx.PrepareContext(t.ctx, p.q); err != nil {
			c.close()
			return nil, dbError("prepare the import", err)
		}
	}
	for _, p := range []struct {
		r              **rowInserter
		table          string
		shared, perRow []string
	}{
		{&c.annID, "annotation_ids", []string{"project"}, []string{"id", "document", "annotator", "kind"}},
		{&c.ann, "annotations", []string{"project", "created_rev", "create_rev", "create_time", "update_time", "update_user"},
			[]string{"id", "document", "annotator", "kind", "label", "spans", "attrs", "body"}},
		{&c.ref, "annotation_refs", []string{"created_rev"}, []string{"source", "target", "kind"}},
		{&c.layerID, "annotation_ids", []string{"project", "document", "annotator"}, []string{"id", "kind"}},
		{&c.layerAnn, "annotations", []string{"project", "created_rev", "create_rev", "create_time", "update_time", "update_user", "document", "annotator"},
			[]string{"id", "kind", "label", "spans", "attrs", "body"}},
	} {
		if *p.r, err = newRowInserter(t, p.table, p.shared, p.perRow); err != nil {
			c.close()
			return nil, err
		}
	}
	return c, nil
}

func (c *importCall) close() {
	for _, st := range []*sql.Stmt{c.text, c.doc} {
		if st != nil {
			st.Close()
		}
	}
	for _, r := range c.inserters() {
		if r != nil {
			r.close()
		}
	}
}

// insertRows is how many rows one INSERT of an import writes: a statement
// per row would spend more time in database/sql and cgo than in SQLite.
// The rest of a unit is written with statements of 16, 8, 4, 2 and 1 rows.
const insertRows = 32

// rowInserter inserts rows into one table, insertRows at a time. The values
// that every row of a unit shares (the project, the unit's revision and
// time) are bound once per statement rather than once per row: binding is a
// call into SQLite per value, and an import binds millions of them.
type rowInserter struct {
	t      *wtx
	table  string
	shared []any       // the unit's shared values: parameters 1 to len(shared)
	cols   int         // values per row
	stmts  []*sql.Stmt // stmts[k] inserts insertRows>>k rows
	args   []any       // room for the shared values, then the queued rows
}

// newRowInserter prepares the statements of one table: the columns in
// shared take the values given to share, those in perRow the values given
// to add.
func newRowInserter(t *wtx, table string, shared, perRow []string) (*rowInserter, error) {
	s, n := len(shared), len(perRow)
	r := &rowInserter{t: t, table: table, shared: make([]any, s), cols: n, args: make([]any, s, s+n*insertRows)}
	cols := strings.Join(append(slices.Clone(shared), perRow...), ", ")
	for rows := insertRows; rows >= 1; rows /= 2 {
		var q strings.Builder
		q.WriteString(`INSERT INTO ` + r.table + ` (` + cols + `) VALUES `)
		for i := range rows {
			if i > 0 {
				q.WriteString(", ")
			}
			q.WriteByte('(')
			for j := range s + n {
				if j > 0 {
					q.WriteString(", ")
				}
				k := j + 1 // a shared value's parameter
				if j >= s {
					k = s + i*n + (j - s) + 1
				}
				q.WriteString("?" + strconv.Itoa(k))
			}
			q.WriteByte(')')
		}
		st, err := t.tx.PrepareContext(t.ctx, q.String())
		if err != nil {
			r.close()
			return nil, dbError("prepare the import", err)
		}
		r.stmts = append(r.stmts, st)
	}
	return r, nil
}

func (r *rowInserter) close() {
	for _, st := range r.stmts {
		st.Close()
	}
}

// share sets the shared values of the rows added next; the queue must be
// empty (flushed or discarded).
func (r *rowInserter) share(vals ...any) error {
	if len(vals) != len(r.shared) || len(r.args) != len(r.shared) {
		return scholia.Internal("store the rows of "+r.table, fmt.Errorf("%d shared values for %d, with %d values queued", len(vals), len(r.shared), len(r.args)-len(r.shared)))
	}
	copy(r.shared, vals)
	return nil
}

// add queues one row, and writes the queue when it is full.
func (r *rowInserter) add(vals ...any) error {
	r.args = append(r.args, vals...)
	if len(r.args) == len(r.shared)+r.cols*insertRows {
		return r.flush()
	}
	return nil
}

// flush writes the queued rows. Each statement takes the shared values and
// then its rows' values as one slice: the shared values are copied into the
// slots just before the rows, which the previous statement has used.
func (r *rowInserter) flush() error {
	var err error
	s := len(r.shared)
	at := s // where the rows not written yet start
	for k, rows := 0, insertRows; rows >= 1 && err == nil; k, rows = k+1, rows/2 {
		for len(r.args)-at >= rows*r.cols && err == nil {
			copy(r.args[at-s:at], r.shared)
			_, err = r.stmts[k].ExecContext(r.t.ctx, r.args[at-s:at+rows*r.cols]...)
			at += rows * r.cols
		}
	}
	r.discard()
	if err != nil {
		return dbError("store the rows of "+r.table, err)
	}
	return nil
}

// discard drops the queued rows of a unit that failed.
func (r *rowInserter) discard() {
	clear(r.args)
	r.args = r.args[:len(r.shared)]
}

// fatal reports whether an error ends the whole call rather than one unit.
func fatal(err error) bool {
	var e *scholia.Error
	return !errors.As(err, &e) || e.Code == scholia.CodeInternal || e.Code == scholia.CodeUnavailable
}

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

// write stores a checked unit in a savepoint: all of it, or, when it
// fails, nothing.
func (c *importCall) write(u *checkedUnit) (scholia.ImportResult, error) {
	t := c.t
	if _, err := t.tx.ExecContext(t.ctx, `SAVEPOINT import_unit`); err != nil {
		return scholia.ImportResult{}, dbError("begin an imported document", err)
	}
	prevRev := t.rev
	res, err := c.insert(u)
	if err != nil {
		if _, rerr := t.tx.ExecContext(t.ctx, `ROLLBACK TO import_unit; RELEASE import_unit`); rerr != nil {
			return res, dbError("roll back an imported document", rerr)
		}
		t.rev = prevRev
		for _, r := range c.inserters() {
			r.discard()
		}
		return res, err
	}
	if _, err := t.tx.ExecContext(t.ctx, `RELEASE import_unit`); err != nil {
		return res, dbError("finish an imported document", err)
	}
	return res, nil
}

// insert writes the rows of a checked unit under a revision of its own.
func (c *importCall) insert(u *checkedUnit) (scholia.ImportResult, error) {
	t := c.t
	if err := t.newRev(""); err != nil {
		return scholia.ImportResult{}, err
	}
	res := scholia.ImportResult{Status: scholia.ImportCreated, IDs: u.ids, Rev: t.rev}
	if docID := u.u.Document.ID; docID != "" {
		d := u.u.Document
		d.Project = c.project
		res.Document = newDocument(d, u.text, t.now)
		res.Document.Rev = t.rev
		if err := c.insertDocument(&u.u.Document, &res.Document, u.text); err != nil {
			return scholia.ImportResult{}, err
		}
	}
	oneLayer := len(u.out) > 0
	for i := range u.out {
		if u.out[i].Document != u.out[0].Document || u.out[i].Annotator != u.out[0].Annotator {
			oneLayer = false
			break
		}
	}
	shares := []error{
		c.annID.share(c.project),
		c.ann.share(c.project, t.rev, t.rev, t.now, t.now, t.meta.User),
		c.ref.share(t.rev),
	}
	if oneLayer {
		doc, annotator := u.out[0].Document, u.out[0].Annotator
		shares = append(shares, c.layerID.share(c.project, doc, annotator),
			c.layerAnn.share(c.project, t.rev, t.rev, t.now, t.now, t.meta.User, doc, annotator))
	}
	for _, err := range shares {
		if err != nil {
			return scholia.ImportResult{}, err
		}
	}
	for _, i := range u.order {
		if err := c.insertAnnotation(&u.out[i], &u.enc[i], oneLayer); err != nil {
			return scholia.ImportResult{}, err
		}
	}
	for _, r := range c.inserters() {
		if err := r.flush(); err != nil {
			return scholia.ImportResult{}, err
		}
	}
	for i := range u.out {
		for _, src := range u.sources[i] {
			if _, err := t.tx.ExecContext(t.ctx, `INSERT INTO annotation_sources (annotation, source, rev) VALUES (?, ?, ?) ON CONFLICT DO NOTHING`,
				u.out[i].ID, src, t.rev); err != nil {
				return scholia.ImportResult{}, dbError("record the provenance", err)
			}
		}
	}
	for _, l := range u.layers {
		if err := c.setLayer(u.u.Document.ID, l); err != nil {
			return scholia.ImportResult{}, err
		}
	}
	if c.opts.DryRun {
		res.Status, res.Rev, res.Document.Rev = scholia.ImportValidated, 0, 0
	}
	return res, nil
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

func (c *importCall) insertDocument(in, d *scholia.Document, text *scholia.Text) error {
	t := c.t
	res, err := c.text.ExecContext(t.ctx, in.Text)
	if err != nil {
		return dbError("store the document's text", err)
	}
	textID, err := res.LastInsertId()
	if err != nil {
		return dbError("store the document's text", err)
	}
	_, err = c.doc.ExecContext(t.ctx, d.Project, d.ID, t.rev, textID, d.Title, d.Source, d.URL, timeNS(d.PublishTime), d.Language,
		d.Length, d.SHA256, d.CreateTime.UnixNano(), d.UpdateTime.UnixNano())
	if isUnique(err) {
		return documentExists(d.Project, d.ID)
	}
	if err != nil {
		return dbError("store the document", err)
	}
	return nil
}

func (c *importCall) insertAnnotation(a *scholia.Annotation, e *encodedAnnotation, oneLayer bool) error {
	// The project, revision, times and user are the unit's, shared (see
	// insert); so are the document and annotator of a unit of one layer.
	var err error
	if oneLayer {
		if err = c.layerID.add(a.ID, a.Kind); err == nil {
			err = c.layerAnn.add(a.ID, a.Kind, a.Label, e.spans, e.attrs, e.body)
		}
	} else if err = c.annID.add(a.ID, a.Document, a.Annotator, a.Kind); err == nil {
		err = c.ann.add(a.ID, a.Document, a.Annotator, a.Kind, a.Label, e.spans, e.attrs, e.body)
	}
	if err != nil {
		return err
	}
	for _, target := range refTargets(a) {
		if err := c.ref.add(a.ID, target, a.Kind); err != nil {
			return err
		}
	}
	return nil
}

// inserters returns the call's row inserters, in the order their rows
// must be written: an annotation's identity before its versions, and the
// versions before the references between them.
func (c *importCall) inserters() []*rowInserter {
	return []*rowInserter{c.annID, c.layerID, c.ann, c.layerAnn, c.ref}
}

// setLayer stores a layer status at the unit's revision, as SetLayerStatus
// does.
func (c *importCall) setLayer(docID string, l scholia.Layer) error {
	t := c.t
	if _, err := t.tx.ExecContext(t.ctx, `INSERT INTO layers (project, document, annotator, status, rev, time) VALUES (?, ?, ?, ?, ?, ?)
		ON CONFLICT (project, document, annotator) DO UPDATE SET status = excluded.status, rev = excluded.rev, time = excluded.time`,
		c.project, docID, l.Annotator, l.Status, t.rev, t.now); err != nil {
		return dbError("store the layer's status", err)
	}
	if _, err := t.tx.ExecContext(t.ctx, `INSERT INTO layer_history (project, document, annotator, rev, status, time) VALUES (?, ?, ?, ?, ?, ?)`,
		c.project, docID, l.Annotator, t.rev, l.Status, t.now); err != nil {
		return dbError("record the layer's status", err)
	}
	return nil
}
