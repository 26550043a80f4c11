package server

import (
	"context"

	"github.com/scholia-nlp/scholia"
	pb "github.com/scholia-nlp/scholia/gen/scholia/v1"
	"github.com/scholia-nlp/scholia/pbconv"
)

// Suggestions are the annotations of a project's model members (ML jobs
// that write pre-annotations with BatchCreateAnnotations into their own
// layer). An annotator lists them in a document, and accepts one (it is
// copied into their own layer, derived_from naming the suggestion) or
// rejects it. Annotators may read model layers whatever the blind
// annotation setting: they are offered to them.

// checkModel refuses a layer that is not a model member's.
func (s *Server) checkModel(ctx context.Context, project, model string) error {
	m, err := s.store.GetMember(ctx, project, model)
	if err == nil && m.Role == scholia.MemberModel {
		return nil
	}
	if err != nil && scholia.ErrorCode(err) != scholia.CodeNotFound {
		return err
	}
	return scholia.Errorf(scholia.CodeFailedPrecondition, "NOT_A_MODEL",
		"%s is not a model of project %q: suggestions come from members with the role model (scholia member add %s %s --role model)", model, project, project, model)
}

// suggestion reads a suggestion and checks that the caller may decide about
// it for the target layer (empty: the caller's).
func (s *Server) suggestion(ctx context.Context, id int64, target string) (scholia.Annotation, string, error) {
	c := callerFrom(ctx)
	if target == "" {
		target = c.Name
	}
	a, err := s.store.GetAnnotation(ctx, id)
	if err != nil {
		return a, target, err
	}
	if err := c.checkWriteLayer(target); err != nil {
		return a, target, err
	}
	if err := s.checkMember(ctx, a.Project); err != nil {
		return a, target, err
	}
	return a, target, s.checkModel(ctx, a.Project, a.Annotator)
}

func (s *workflowService) ListSuggestions(ctx context.Context, req *pb.ListSuggestionsRequest) (*pb.ListSuggestionsResponse, error) {
	annotator, err := ownAnnotator(ctx, req.GetAnnotator(), "decisions")
	if err != nil {
		return nil, err
	}
	if req.GetDocumentId() == "" {
		return nil, required("document_id")
	}
	if req.GetModel() == "" {
		return nil, required("model")
	}
	if _, err := s.store.GetDocument(ctx, req.GetProjectId(), req.GetDocumentId(), false); err != nil {
		return nil, err
	}
	if err := s.checkModel(ctx, req.GetProjectId(), req.GetModel()); err != nil {
		return nil, err
	}
	anns, err := s.docAnnotations(ctx, req.GetProjectId(), req.GetDocumentId())
	if err != nil {
		return nil, err
	}
	var sugs []scholia.Annotation
	var ids []int64
	for _, a := range anns {
		if a.Annotator == req.GetModel() {
			sugs = append(sugs, a)
			ids = append(ids, a.ID)
		}
	}
	ds, err := s.store.Decisions(ctx, req.GetProjectId(), annotator, ids)
	if err != nil {
		return nil, err
	}
	resp := &pb.ListSuggestionsResponse{}
	for _, a := range sugs {
		sg := &pb.Suggestion{Annotation: pbconv.AnnotationToPB(a), Status: pb.SuggestionStatus_SUGGESTION_STATUS_OPEN}
		if d, ok := ds[a.ID]; ok {
			switch {
			case len(d.Derived) > 0:
				sg.Status, sg.AcceptedId = pb.SuggestionStatus_SUGGESTION_STATUS_ACCEPTED, d.Derived[0]
			case d.Rejected:
				sg.Status = pb.SuggestionStatus_SUGGESTION_STATUS_REJECTED
			}
		}
		resp.Suggestions = append(resp.Suggestions, sg)
	}
	return resp, nil
}

func (s *workflowService) AcceptSuggestion(ctx context.Context, req *pb.AcceptSuggestionRequest) (*pb.AcceptSuggestionResponse, error) {
	a, target, err := s.suggestion(ctx, req.GetSuggestionId(), req.GetAnnotator())
	if err != nil {
		return nil, err
	}
	out, err := s.store.CopyAnnotations(ctx, write(ctx, "", ""), a.Project, target, []scholia.CopyItem{{Source: a.ID, SourceRev: a.Rev}})
	if err != nil {
		return nil, err
	}
	return &pb.AcceptSuggestionResponse{Annotations: pbconv.AnnotationsToPB(out)}, nil
}

func (s *workflowService) RejectSuggestion(ctx context.Context, req *pb.RejectSuggestionRequest) (*pb.RejectSuggestionResponse, error) {
	a, target, err := s.suggestion(ctx, req.GetSuggestionId(), req.GetAnnotator())
	if err != nil {
		return nil, err
	}
	if err := s.store.Reject(ctx, write(ctx, "", ""), a.Project, target, []int64{a.ID}); err != nil {
		return nil, err
	}
	return &pb.RejectSuggestionResponse{}, nil
}

func (s *workflowService) GetSuggestionStats(ctx context.Context, req *pb.GetSuggestionStatsRequest) (*pb.GetSuggestionStatsResponse, error) {
	if err := callerFrom(ctx).requireRole("reading suggestion statistics", observers...); err != nil {
		return nil, err
	}
	if req.GetModel() == "" {
		return nil, required("model")
	}
	ds, err := s.store.LabelDecisions(ctx, req.GetProjectId(), req.GetModel())
	if err != nil {
		return nil, err
	}
	resp := &pb.GetSuggestionStatsResponse{}
	var total scholia.LabelDecisions
	for _, d := range ds {
		resp.Labels = append(resp.Labels, pbconv.LabelAcceptanceToPB(d))
		total.Current += d.Current
		total.Accepted += d.Accepted
		total.Rejected += d.Rejected
	}
	resp.Total = pbconv.LabelAcceptanceToPB(total)
	return resp, nil
}

func (s *workflowService) GetActivity(ctx context.Context, req *pb.GetActivityRequest) (*pb.GetActivityResponse, error) {
	if err := callerFrom(ctx).requireRole("reading activity", observers...); err != nil {
		return nil, err
	}
	as, err := s.store.Activity(ctx, req.GetProjectId())
	if err != nil {
		return nil, err
	}
	resp := &pb.GetActivityResponse{}
	for _, a := range as {
		resp.Annotators = append(resp.Annotators, pbconv.ActivityToPB(a))
	}
	return resp, nil
}
