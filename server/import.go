package server

import (
	"context"
	"errors"
	"io"

	"github.com/scholia-nlp/scholia"
	pb "github.com/scholia-nlp/scholia/gen/scholia/v1"
	"github.com/scholia-nlp/scholia/pbconv"
)

// ImportDocuments receives units while the store writes the ones before:
// units are collected into batches of about importBatchDocs documents or
// importBatchAnns annotations, and each batch is one store call (one
// transaction) while the next batch is received.
const (
	importBatchDocs = 256
	importBatchAnns = 20000
)

// importUnit is one received unit, or why the server refused it before the
// store saw it.
type importUnit struct {
	unit   scholia.AnnotatedDocument
	source string
	err    error
}

// linkRef is what the server remembers of an imported annotation, so that
// later units of the same import can refer to it: a few bytes per
// annotation, with the strings interned.
type linkRef struct {
	id                    int64
	doc, annotator, label int32
	kind                  scholia.Kind
}

// importRun is the state of one ImportDocuments call.
type importRun struct {
	s       *Server
	ctx     context.Context
	w       scholia.WriteMeta
	project string
	opts    *pb.ImportOptions
	linked  map[int64]linkRef
	strs    []string
	strIdx  map[string]int32
	resp    *pb.ImportDocumentsResponse
}

func (r *importRun) intern(s string) int32 {
	if i, ok := r.strIdx[s]; ok {
		return i
	}
	r.strs = append(r.strs, s)
	r.strIdx[s] = int32(len(r.strs) - 1)
	return int32(len(r.strs) - 1)
}

func (r *importRun) lookup(local int64) (scholia.RefInfo, bool) {
	l, ok := r.linked[local]
	if !ok {
		return scholia.RefInfo{}, false
	}
	return scholia.RefInfo{ID: l.id, Project: r.project, Document: r.strs[l.doc], Annotator: r.strs[l.annotator], Kind: l.kind, Label: r.strs[l.label]}, true
}

func (s *documentService) ImportDocuments(stream pb.DocumentService_ImportDocumentsServer) error {
	ctx := stream.Context()
	c := callerFrom(ctx)
	if err := c.requireRole("importing documents", scholia.RoleAdmin, scholia.RoleCurator); err != nil {
		return err
	}
	first, err := stream.Recv()
	if errors.Is(err, io.EOF) {
		return scholia.Invalid("an empty import", scholia.FieldViolation{Field: "options", Description: "the first message carries the import's options"})
	}
	if err != nil {
		return err
	}
	opts := first.GetOptions()
	if opts == nil {
		return scholia.Invalid("no options", scholia.FieldViolation{Field: "options", Description: "required in the first message"})
	}
	if _, err := s.store.GetProject(ctx, opts.GetProjectId()); err != nil {
		return err
	}
	if opts.GetAnnotator() == "" {
		opts.Annotator = c.Name
	}
	if a := opts.GetAnnotator(); a != scholia.GoldAnnotator {
		if _, err := s.store.GetUser(ctx, a); err != nil {
			if scholia.ErrorCode(err) == scholia.CodeNotFound {
				return scholia.Errorf(scholia.CodeNotFound, "USER_NOT_FOUND", "options.annotator: %q is neither %q nor a user", a, scholia.GoldAnnotator)
			}
			return err
		}
	}
	r := &importRun{s: s.Server, ctx: ctx, w: write(ctx, "", ""), project: opts.GetProjectId(), opts: opts,
		linked: map[int64]linkRef{}, strIdx: map[string]int32{}, resp: &pb.ImportDocumentsResponse{DryRun: opts.GetDryRun()}}

	// The store works on one batch while the next is received. halt is
	// closed when the worker stops storing: at a failed unit without
	// keep_going, or at an error.
	batches := make(chan []importUnit, 1)
	done := make(chan error, 1)
	halt := make(chan struct{})
	go func() {
		var err error
		for b := range batches {
			if err != nil || r.resp.Stopped {
				continue
			}
			if err = r.store(b); err != nil || r.resp.Stopped {
				close(halt)
			}
		}
		done <- err
	}()
	send := func(b []importUnit) {
		select {
		case batches <- b:
		case <-halt:
		}
	}
	finish := func(err error) error {
		close(batches)
		if werr := <-done; err == nil {
			err = werr
		}
		if err != nil {
			return err
		}
		return stream.SendAndClose(r.resp)
	}
	var batch []importUnit
	nAnns := 0
	for msg := first; ; {
		if msg != first && msg.GetOptions() != nil {
			return finish(scholia.Invalid("options twice", scholia.FieldViolation{Field: "options", Description: "only the first message carries options"}))
		}
		for _, d := range msg.GetDocuments() {
			u := r.receive(d)
			batch = append(batch, u)
			nAnns += len(u.unit.Annotations)
			if len(batch) >= importBatchDocs || nAnns >= importBatchAnns {
				send(batch)
				batch, nAnns = nil, 0
			}
		}
		select {
		case <-halt:
			// The import ended at a failed unit (or an error): what else
			// the client sends is not imported, as the response says.
			return finish(nil)
		default:
		}
		msg, err = stream.Recv()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return finish(err)
		}
	}
	if len(batch) > 0 {
		send(batch)
	}
	return finish(nil)
}

// receive turns a received unit into the domain's, filling in the import's
// project and default annotator, and checks what CreateDocument checks
// before the store.
func (r *importRun) receive(d *pb.ImportDocument) importUnit {
	u := importUnit{source: d.GetSource()}
	if pd := d.GetDocument(); pd != nil && (pd.GetId() != "" || pd.GetText() != "") {
		if err := r.s.checkSize(pd); err != nil {
			u.err = err
		} else {
			var v scholia.Violations
			checkNew(&v, pd)
			u.err = v.Err("the document is not valid")
		}
		u.unit.Document = pbconv.DocumentFromPB(pd)
		u.unit.Document.Rev, u.unit.Document.Length, u.unit.Document.SHA256 = 0, 0, ""
		if u.unit.Document.Project == "" {
			u.unit.Document.Project = r.project
		}
	}
	u.unit.Annotations = make([]scholia.Annotation, len(d.GetAnnotations()))
	for i, pa := range d.GetAnnotations() {
		a := pbconv.AnnotationFromPB(pa)
		if a.Annotator == "" {
			a.Annotator = r.opts.GetAnnotator()
		}
		u.unit.Annotations[i] = a
	}
	for _, l := range d.GetLayers() {
		u.unit.Layers = append(u.unit.Layers, pbconv.LayerFromPB(l))
	}
	return u
}

// store imports one batch: the units the server refused are reported
// without going to the store, the others are stored in runs between them.
func (r *importRun) store(batch []importUnit) error {
	for start := 0; start < len(batch) && !r.resp.Stopped; {
		if batch[start].err != nil {
			r.report(&batch[start], scholia.ImportResult{Status: scholia.ImportFailed, Err: batch[start].err})
			start++
			continue
		}
		end := start
		for end < len(batch) && batch[end].err == nil {
			end++
		}
		units := make([]scholia.AnnotatedDocument, end-start)
		for i := range units {
			units[i] = batch[start+i].unit
		}
		res, err := r.s.store.ImportDocuments(r.ctx, r.w, r.project, units, scholia.ImportOptions{
			DryRun: r.opts.GetDryRun(), KeepGoing: r.opts.GetKeepGoing(), Linked: r.lookup})
		if err != nil {
			return err
		}
		for i := range res {
			if res[i].Status == scholia.ImportNotAttempted {
				continue // the one that failed is reported and stopped the import
			}
			r.report(&batch[start+i], res[i])
		}
		start = end
	}
	return nil
}

// report adds the result of a unit to the response and remembers its
// annotations for later units.
func (r *importRun) report(u *importUnit, res scholia.ImportResult) {
	out := &pb.ImportResult{DocumentId: u.unit.Document.ID, Source: u.source, Status: pb.ImportStatus(res.Status), Revision: res.Rev}
	switch res.Status {
	case scholia.ImportCreated, scholia.ImportValidated:
		out.AnnotationCount = int32(len(res.IDs))
		if u.unit.Document.ID == "" {
			r.resp.Links++
		} else {
			r.resp.Documents++
		}
		r.resp.Annotations += int64(len(res.IDs))
		r.resp.Revision = max(r.resp.Revision, res.Rev)
		doc := r.intern(u.unit.Document.ID)
		for i, a := range u.unit.Annotations {
			if a.ID == 0 {
				continue
			}
			d := doc
			if a.Kind == scholia.KindCluster {
				d = r.intern("")
			}
			r.linked[a.ID] = linkRef{id: res.IDs[i], doc: d, annotator: r.intern(a.Annotator), label: r.intern(a.Label), kind: a.Kind}
		}
	case scholia.ImportFailed:
		r.resp.Failed++
		out.Error = importError(res.Err)
		if !r.opts.GetKeepGoing() {
			r.resp.Stopped = true
		}
	}
	r.resp.Results = append(r.resp.Results, out)
}

// importError describes why a unit failed as a failed call's status would.
func importError(err error) *pb.ImportError {
	var e *scholia.Error
	if !errors.As(err, &e) {
		return &pb.ImportError{Code: int32(codeMap[scholia.CodeInternal]), Reason: "INTERNAL", Message: "internal error"}
	}
	out := &pb.ImportError{Code: int32(codeMap[e.Code]), Reason: e.Reason, Message: e.Message}
	for _, v := range e.Violations {
		out.FieldViolations = append(out.FieldViolations, &pb.ImportFieldViolation{Field: v.Field, Description: v.Description})
	}
	return out
}
