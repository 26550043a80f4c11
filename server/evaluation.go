package server

import (
	"context"
	"fmt"
	"slices"

	"github.com/scholia-nlp/scholia"
	"github.com/scholia-nlp/scholia/eval"
	pb "github.com/scholia-nlp/scholia/gen/scholia/v1"
	"github.com/scholia-nlp/scholia/pbconv"
)

// evaluationService computes agreement and scores over the store. It reads
// the corpus exactly as StreamCorpus does (ReadCorpus in chunks of
// corpusChunk documents, all at one revision) and hands it to the corpus
// functions of package eval, which `scholia eval` also uses offline on
// JSONL exports, so both give the same figures.
type evaluationService struct {
	pb.UnimplementedEvaluationServiceServer
	*Server
}

// evalRequest is what the two methods have in common.
type evalRequest struct {
	project    string
	annotators []string // the layers read
	documents  []string
	kinds      []pb.AnnotationKind
	labels     []string
	doneOnly   bool
	asOf       int64
	match      pb.SpanMatch
}

// evalKinds are the kinds each method evaluates.
var (
	agreementKinds = []scholia.Kind{scholia.KindMention, scholia.KindEvent, scholia.KindClaim}
	scoreKinds     = []scholia.Kind{scholia.KindMention, scholia.KindEvent, scholia.KindClaim, scholia.KindCluster}
)

// validate checks the parts of a request every method shares, adding to v.
func (r *evalRequest) validate(v *scholia.Violations, allowed []scholia.Kind) {
	if r.project == "" {
		v.Add("project_id", "required")
	}
	for i, k := range r.kinds {
		switch {
		case !pbconv.KindFromPB(k).Valid():
			v.Add(fmt.Sprintf("kinds[%d]", i), "not an annotation kind")
		case !slices.Contains(allowed, pbconv.KindFromPB(k)):
			v.Add(fmt.Sprintf("kinds[%d]", i), "%ss are not evaluated here; choose among %v", pbconv.KindFromPB(k), allowed)
		}
	}
	if _, ok := pb.SpanMatch_name[int32(r.match)]; !ok {
		v.Add("match", "not a span match rule")
	}
	if r.asOf < 0 {
		v.Add("as_of_revision", "must not be negative")
	}
	for i, d := range r.documents {
		if d == "" {
			v.Add(fmt.Sprintf("document_ids[%d]", i), "must not be empty")
		}
	}
}

// options returns the evaluation options of the request. DoneOnly is left
// to the store's filter.
func (r *evalRequest) options() eval.CorpusOptions {
	return eval.CorpusOptions{Kinds: pbconv.KindsFromPB(r.kinds), Labels: r.labels, Match: pbconv.SpanMatchFromPB(r.match)}
}

// checkAnnotators makes sure every layer named exists: "gold" or a user.
func (s *Server) checkAnnotators(ctx context.Context, field string, names []string) error {
	for _, n := range names {
		if n == scholia.GoldAnnotator {
			continue
		}
		if _, err := s.store.GetUser(ctx, n); err != nil {
			if scholia.ErrorCode(err) == scholia.CodeNotFound {
				return scholia.Errorf(scholia.CodeNotFound, "ANNOTATOR_NOT_FOUND", "%s: there is no user %q (layers belong to users, or are \"gold\")", field, n)
			}
			return err
		}
	}
	return nil
}

// readCorpus reads the selected layers of the selected documents at a
// fixed revision, without texts and with every kind and label (event
// arguments and claimants must resolve whatever is evaluated; eval applies
// the kinds and labels). A document id asked for that is not in the
// project at that revision is NOT_FOUND.
func (s *Server) readCorpus(ctx context.Context, r *evalRequest) ([]scholia.CorpusDocument, int64, error) {
	rev, err := s.snapshot(ctx, r.project, r.asOf)
	if err != nil {
		return nil, 0, err
	}
	f := scholia.CorpusFilter{Project: r.project, Annotators: r.annotators, Documents: r.documents, DoneOnly: r.doneOnly}
	var docs []scholia.CorpusDocument
	err = s.eachCorpusChunk(ctx, f, "", rev, func(chunk []scholia.CorpusDocument) error {
		if s.stopped() {
			return errStopping()
		}
		docs = append(docs, chunk...)
		return nil
	})
	if err != nil {
		return nil, 0, err
	}
	read := make(map[string]bool, len(docs))
	for _, d := range docs {
		read[d.Document.ID] = true
	}
	for _, id := range r.documents {
		if !read[id] {
			return nil, 0, scholia.Errorf(scholia.CodeNotFound, "DOCUMENT_NOT_FOUND", "document %s/%s does not exist at revision %d", r.project, id, rev)
		}
	}
	return docs, rev, nil
}

// checkEvalRoles lets readers, curators and admins evaluate any layers, and
// annotators only their own (they may not read anyone else's).
func (s *Server) checkEvalRoles(ctx context.Context, project, field string, layers []string) error {
	c := callerFrom(ctx)
	for _, l := range layers {
		if err := s.checkReadLayer(ctx, project, "", l); err != nil {
			if scholia.ErrorCode(err) != scholia.CodePermissionDenied {
				return err
			}
			return denied("user %s is an annotator and may evaluate only their own layer, not %s's (%s); ask a curator or a reader", c.Name, l, field)
		}
	}
	return nil
}

// ComputeAgreement measures the agreement among annotators' layers.
func (s *evaluationService) ComputeAgreement(ctx context.Context, req *pb.ComputeAgreementRequest) (*pb.ComputeAgreementResponse, error) {
	names := slices.Clone(req.GetAnnotators())
	slices.Sort(names)
	names = slices.Compact(names)
	r := &evalRequest{project: req.GetProjectId(), annotators: names, documents: req.GetDocumentIds(), kinds: req.GetKinds(),
		labels: req.GetLabels(), doneOnly: req.GetDoneOnly(), asOf: req.GetAsOfRevision(), match: req.GetMatch()}
	var v scholia.Violations
	r.validate(&v, agreementKinds)
	for i, a := range req.GetAnnotators() {
		if a == "" {
			v.Add(fmt.Sprintf("annotators[%d]", i), "must not be empty")
		}
	}
	if len(names) < 2 {
		v.Add("annotators", "agreement needs at least two distinct annotators, got %d", len(names))
	}
	if err := v.Err("bad agreement request"); err != nil {
		return nil, err
	}
	if c := callerFrom(ctx); c.Role == scholia.RoleAnnotator {
		return nil, denied("user %s is an annotator: annotators may evaluate only their own layer, so they cannot compute agreement with others; ask a curator or a reader", c.Name)
	}
	if err := s.checkAnnotators(ctx, "annotators", names); err != nil {
		return nil, err
	}
	docs, rev, err := s.readCorpus(ctx, r)
	if err != nil {
		return nil, err
	}
	rep, err := eval.CorpusAgreement(docs, names, r.options())
	if err != nil {
		return nil, scholia.Invalid("bad agreement request", scholia.FieldViolation{Field: "annotators", Description: err.Error()})
	}
	return pbconv.AgreementReportToPB(rep, rev)
}

// ScoreAnnotator scores a candidate layer against a reference layer.
func (s *evaluationService) ScoreAnnotator(ctx context.Context, req *pb.ScoreAnnotatorRequest) (*pb.ScoreAnnotatorResponse, error) {
	ref, cand := req.GetReference(), req.GetCandidate()
	if ref == "" {
		ref = scholia.GoldAnnotator
	}
	r := &evalRequest{project: req.GetProjectId(), annotators: []string{ref, cand}, documents: req.GetDocumentIds(), kinds: req.GetKinds(),
		labels: req.GetLabels(), doneOnly: req.GetDoneOnly(), asOf: req.GetAsOfRevision(), match: req.GetMatch()}
	var v scholia.Violations
	r.validate(&v, scoreKinds)
	switch {
	case cand == "":
		v.Add("candidate", "required: the layer to score")
	case cand == ref:
		v.Add("candidate", "is the reference layer %s; score another layer against it", ref)
	}
	if err := v.Err("bad score request"); err != nil {
		return nil, err
	}
	if err := s.checkEvalRoles(ctx, r.project, "reference", []string{ref}); err != nil {
		return nil, err
	}
	if err := s.checkEvalRoles(ctx, r.project, "candidate", []string{cand}); err != nil {
		return nil, err
	}
	if err := s.checkAnnotators(ctx, "reference", []string{ref}); err != nil {
		return nil, err
	}
	if err := s.checkAnnotators(ctx, "candidate", []string{cand}); err != nil {
		return nil, err
	}
	slices.Sort(r.annotators)
	docs, rev, err := s.readCorpus(ctx, r)
	if err != nil {
		return nil, err
	}
	return pbconv.ScoreReportToPB(eval.ScoreCorpus(docs, ref, cand, r.options()), rev)
}
