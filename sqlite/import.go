package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

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
// units checked after it are checked again. The checker's few reads (an
// annotator it has not seen) go through the same transaction, whose
// statements database/sql runs one at a time; references to units of the
// call resolve from what the checker recorded, never from rows the writer
// may not have written yet.

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

// fatal reports whether an error ends the whole call rather than one unit.
func fatal(err error) bool {
	var e *scholia.Error
	return !errors.As(err, &e) || e.Code == scholia.CodeInternal || e.Code == scholia.CodeUnavailable
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
