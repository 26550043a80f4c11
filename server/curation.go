package server

import (
	"context"
	"slices"

	"github.com/scholia-nlp/scholia"
	pb "github.com/scholia-nlp/scholia/gen/scholia/v1"
	"github.com/scholia-nlp/scholia/pbconv"
)

// Curation compares the annotators' layers of a document (scholia.Compare:
// the agreement rules are documented in curation.go of the root package),
// copies what enough annotators agree on into gold, and lets curators
// settle the rest one annotation at a time. Every gold annotation made here
// lists, in derived_from, the annotators' annotations it stands for.

// docAnnotations returns every current annotation of a document, all
// layers.
func (s *Server) docAnnotations(ctx context.Context, project, document string) ([]scholia.Annotation, error) {
	f := scholia.AnnotationFilter{Project: project, Document: document}
	var out []scholia.Annotation
	var after, asOf int64
	for {
		page, rev, err := s.store.ListAnnotations(ctx, f, after, 1000, asOf)
		if err != nil {
			return nil, err
		}
		out = append(out, page...)
		if len(page) < 1000 {
			return out, nil
		}
		after, asOf = page[len(page)-1].ID, rev
	}
}

// models returns the project's model members.
func (s *Server) models(ctx context.Context, project string) (map[string]bool, error) {
	ms, err := s.store.ListMembers(ctx, project)
	if err != nil {
		return nil, err
	}
	out := map[string]bool{}
	for _, m := range ms {
		if m.Role == scholia.MemberModel {
			out[m.User] = true
		}
	}
	return out, nil
}

// comparison is one document prepared for curation.
type comparison struct {
	anns       []scholia.Annotation
	annotators []string
	rows       []scholia.CurationRow
	rejected   map[int64]bool
}

// compare reads a document and compares the given layers (nil: every
// annotator with annotations in it or assigned to it, except gold and the
// project's models).
func (s *Server) compare(ctx context.Context, project, document string, asked []string, doneOnly bool) (*comparison, error) {
	if _, err := s.store.GetDocument(ctx, project, document, false); err != nil {
		return nil, err
	}
	anns, err := s.docAnnotations(ctx, project, document)
	if err != nil {
		return nil, err
	}
	annotators := slices.Clone(asked)
	if len(annotators) == 0 {
		models, err := s.models(ctx, project)
		if err != nil {
			return nil, err
		}
		for _, a := range anns {
			if a.Annotator != scholia.GoldAnnotator && !models[a.Annotator] {
				annotators = append(annotators, a.Annotator)
			}
		}
		as, err := s.store.ListAssignments(ctx, scholia.AssignmentFilter{Project: project, Document: document})
		if err != nil {
			return nil, err
		}
		for _, a := range as {
			if !models[a.Annotator] {
				annotators = append(annotators, a.Annotator)
			}
		}
	}
	slices.Sort(annotators)
	annotators = slices.Compact(annotators)
	if doneOnly {
		var done []string
		for _, a := range annotators {
			l, err := s.store.GetLayer(ctx, project, document, a)
			if err != nil {
				return nil, err
			}
			if l.Status == scholia.LayerDone {
				done = append(done, a)
			}
		}
		annotators = done
	}
	c := &comparison{anns: anns, annotators: annotators, rows: scholia.Compare(anns, annotators, scholia.GoldAnnotator)}
	var ids []int64
	for _, r := range c.rows {
		for _, cand := range r.Candidates {
			ids = append(ids, cand.IDs...)
		}
	}
	ds, err := s.store.Decisions(ctx, project, scholia.GoldAnnotator, ids)
	if err != nil {
		return nil, err
	}
	c.rejected = map[int64]bool{}
	for id, d := range ds {
		if d.Rejected {
			c.rejected[id] = true
		}
	}
	return c, nil
}

// candidateRejected reports whether a curator rejected any of a candidate's
// annotations.
func (c *comparison) candidateRejected(cand scholia.CurationCandidate) bool {
	return slices.ContainsFunc(cand.IDs, func(id int64) bool { return c.rejected[id] })
}

func (s *workflowService) GetCurationDiff(ctx context.Context, req *pb.GetCurationDiffRequest) (*pb.GetCurationDiffResponse, error) {
	if err := callerFrom(ctx).requireRole("comparing layers", observers...); err != nil {
		return nil, err
	}
	if req.GetDocumentId() == "" {
		return nil, required("document_id")
	}
	c, err := s.compare(ctx, req.GetProjectId(), req.GetDocumentId(), req.GetAnnotators(), req.GetDoneOnly())
	if err != nil {
		return nil, err
	}
	resp := &pb.GetCurationDiffResponse{Annotators: c.annotators}
	for _, r := range c.rows {
		resp.Rows = append(resp.Rows, pbconv.CurationRowToPB(r, func(id int64) bool { return c.rejected[id] }))
	}
	return resp, nil
}

func (s *workflowService) MergeAgreed(ctx context.Context, req *pb.MergeAgreedRequest) (*pb.MergeAgreedResponse, error) {
	if err := callerFrom(ctx).requireRole("merging into gold", managers...); err != nil {
		return nil, err
	}
	k := int(req.GetMinAgree())
	switch {
	case k == 0:
		k = 2
	case k < 0:
		return nil, scholia.Invalid("bad min_agree", scholia.FieldViolation{Field: "min_agree", Description: "must be positive"})
	}
	docs := req.GetDocumentIds()
	if len(docs) == 0 {
		for after := ""; ; {
			page, err := s.store.ListDocuments(ctx, req.GetProjectId(), after, 1000, 0)
			if err != nil {
				return nil, err
			}
			for _, d := range page {
				docs = append(docs, d.ID)
			}
			if len(page) < 1000 {
				break
			}
			after = page[len(page)-1].ID
		}
	}
	var items []scholia.CopyItem
	var kinds []scholia.Kind
	resp := &pb.MergeAgreedResponse{}
	for _, doc := range docs {
		c, err := s.compare(ctx, req.GetProjectId(), doc, req.GetAnnotators(), req.GetDoneOnly())
		if err != nil {
			return nil, err
		}
		for _, r := range c.rows {
			if len(r.GoldIDs) > 0 {
				continue // settled: gold has an annotation here
			}
			var agreed []scholia.CurationCandidate
			open := false
			for _, cand := range r.Candidates {
				if c.candidateRejected(cand) {
					continue
				}
				open = true
				if len(cand.Annotators) >= k {
					agreed = append(agreed, cand)
				}
			}
			if len(agreed) != 1 {
				if open {
					resp.Unresolved++
				}
				continue
			}
			cand := agreed[0]
			items = append(items, scholia.CopyItem{Source: cand.Annotation.ID, SourceRev: cand.Annotation.Rev, DerivedFrom: cand.IDs})
			kinds = append(kinds, cand.Annotation.Kind)
		}
	}
	if len(items) == 0 {
		return resp, nil
	}
	// Mentions first, so that each is copied with the provenance of every
	// annotator who has it before an event or claim refers to it.
	idx := make([]int, len(items))
	for i := range idx {
		idx[i] = i
	}
	slices.SortStableFunc(idx, func(a, b int) int { return int(kinds[a]) - int(kinds[b]) })
	sorted := make([]scholia.CopyItem, len(items))
	for i, j := range idx {
		sorted[i] = items[j]
	}
	out, err := s.store.CopyAnnotations(ctx, write(ctx, "", ""), req.GetProjectId(), scholia.GoldAnnotator, sorted)
	if err != nil {
		return nil, err
	}
	resp.Annotations = pbconv.AnnotationsToPB(out)
	return resp, nil
}

// candidateOf reads an annotator's annotation for curation and finds the
// annotations of the other compared layers that agree with it.
func (s *Server) candidateOf(ctx context.Context, id int64) (scholia.Annotation, []int64, *comparison, error) {
	a, err := s.store.GetAnnotation(ctx, id)
	if err != nil {
		return a, nil, nil, err
	}
	if a.Annotator == scholia.GoldAnnotator {
		return a, nil, nil, scholia.Errorf(scholia.CodeFailedPrecondition, "ALREADY_GOLD", "annotation %d is in the gold layer already", id)
	}
	switch a.Kind {
	case scholia.KindMention, scholia.KindEvent, scholia.KindClaim:
	default:
		return a, nil, nil, scholia.Errorf(scholia.CodeFailedPrecondition, "NOT_COPYABLE",
			"annotation %d is a %s; curation copies mentions, events and claims (make gold relations and clusters by hand)", id, a.Kind)
	}
	c, err := s.compare(ctx, a.Project, a.Document, nil, false)
	if err != nil {
		return a, nil, nil, err
	}
	c.annotators = append(c.annotators, a.Annotator)
	keys := scholia.AgreementKeys(c.anns)
	agreeing := []int64{id}
	for _, b := range c.anns {
		if b.ID != id && b.Annotator != scholia.GoldAnnotator && slices.Contains(c.annotators, b.Annotator) && keys[b.ID] == keys[id] {
			agreeing = append(agreeing, b.ID)
		}
	}
	return a, agreeing, c, nil
}

func (s *workflowService) AcceptCandidate(ctx context.Context, req *pb.AcceptCandidateRequest) (*pb.AcceptCandidateResponse, error) {
	if err := callerFrom(ctx).requireRole("accepting into gold", managers...); err != nil {
		return nil, err
	}
	a, agreeing, c, err := s.candidateOf(ctx, req.GetAnnotationId())
	if err != nil {
		return nil, err
	}
	keys := scholia.AgreementKeys(c.anns)
	place := scholia.PlaceKey(&a)
	for _, g := range c.anns {
		if g.Annotator == scholia.GoldAnnotator && scholia.PlaceKey(&g) == place && keys[g.ID] != keys[a.ID] {
			return nil, scholia.Errorf(scholia.CodeFailedPrecondition, "GOLD_HAS_OTHER",
				"gold already has %s %d %s at this place: update or delete it first", g.Kind, g.ID, g.Label)
		}
	}
	out, err := s.store.CopyAnnotations(ctx, write(ctx, "", ""), a.Project, scholia.GoldAnnotator,
		[]scholia.CopyItem{{Source: a.ID, SourceRev: a.Rev, DerivedFrom: agreeing}})
	if err != nil {
		return nil, err
	}
	return &pb.AcceptCandidateResponse{Annotations: pbconv.AnnotationsToPB(out)}, nil
}

func (s *workflowService) RejectCandidate(ctx context.Context, req *pb.RejectCandidateRequest) (*pb.RejectCandidateResponse, error) {
	if err := callerFrom(ctx).requireRole("rejecting candidates", managers...); err != nil {
		return nil, err
	}
	a, agreeing, _, err := s.candidateOf(ctx, req.GetAnnotationId())
	if err != nil {
		return nil, err
	}
	slices.Sort(agreeing)
	if err := s.store.Reject(ctx, write(ctx, "", ""), a.Project, scholia.GoldAnnotator, agreeing); err != nil {
		return nil, err
	}
	return &pb.RejectCandidateResponse{AnnotationIds: agreeing}, nil
}
