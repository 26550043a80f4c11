package server

import (
	"context"
	"fmt"

	"github.com/scholia-nlp/scholia"
	pb "github.com/scholia-nlp/scholia/gen/scholia/v1"
	"github.com/scholia-nlp/scholia/pbconv"
)

// workflowService runs projects with several annotators: members,
// settings, assignments and queues here; curation in curation.go;
// suggestions and activity in suggestions.go.
type workflowService struct {
	pb.UnimplementedWorkflowServiceServer
	*Server
}

// managers are the roles that manage a project's workflow.
var managers = []scholia.Role{scholia.RoleAdmin, scholia.RoleCurator}

// observers are the roles that read everything of every project.
var observers = []scholia.Role{scholia.RoleAdmin, scholia.RoleCurator, scholia.RoleReader}

func required(field string) error {
	return scholia.Invalid("missing "+field, scholia.FieldViolation{Field: field, Description: "required"})
}

func (s *workflowService) AddProjectMember(ctx context.Context, req *pb.AddProjectMemberRequest) (*pb.AddProjectMemberResponse, error) {
	if err := callerFrom(ctx).requireRole("adding members", managers...); err != nil {
		return nil, err
	}
	if req.GetUser() == "" {
		return nil, required("user")
	}
	m, err := s.store.AddMember(ctx, write(ctx, "", ""), scholia.Member{Project: req.GetProjectId(), User: req.GetUser(), Role: scholia.MemberRole(req.GetRole())})
	if err != nil {
		return nil, err
	}
	return &pb.AddProjectMemberResponse{Member: pbconv.MemberToPB(m)}, nil
}

func (s *workflowService) RemoveProjectMember(ctx context.Context, req *pb.RemoveProjectMemberRequest) (*pb.RemoveProjectMemberResponse, error) {
	if err := callerFrom(ctx).requireRole("removing members", managers...); err != nil {
		return nil, err
	}
	if err := s.store.RemoveMember(ctx, write(ctx, "", ""), req.GetProjectId(), req.GetUser()); err != nil {
		return nil, err
	}
	return &pb.RemoveProjectMemberResponse{}, nil
}

func (s *workflowService) ListProjectMembers(ctx context.Context, req *pb.ListProjectMembersRequest) (*pb.ListProjectMembersResponse, error) {
	if err := callerFrom(ctx).requireRole("listing members", observers...); err != nil {
		return nil, err
	}
	ms, err := s.store.ListMembers(ctx, req.GetProjectId())
	if err != nil {
		return nil, err
	}
	resp := &pb.ListProjectMembersResponse{}
	for _, m := range ms {
		resp.Members = append(resp.Members, pbconv.MemberToPB(m))
	}
	return resp, nil
}

func (s *workflowService) GetWorkflowSettings(ctx context.Context, req *pb.GetWorkflowSettingsRequest) (*pb.GetWorkflowSettingsResponse, error) {
	// Members may read their project's settings (the interceptor checked
	// membership).
	ws, err := s.store.GetWorkflowSettings(ctx, req.GetProjectId())
	if err != nil {
		return nil, err
	}
	return &pb.GetWorkflowSettingsResponse{Settings: pbconv.WorkflowSettingsToPB(ws)}, nil
}

func (s *workflowService) UpdateWorkflowSettings(ctx context.Context, req *pb.UpdateWorkflowSettingsRequest) (*pb.UpdateWorkflowSettingsResponse, error) {
	if err := callerFrom(ctx).requireRole("changing workflow settings", managers...); err != nil {
		return nil, err
	}
	in := req.GetSettings()
	if in.GetProjectId() == "" {
		return nil, required("settings.project_id")
	}
	paths, err := maskPaths("update_mask", req.GetUpdateMask(), "blind_annotation")
	if err != nil {
		return nil, err
	}
	tag, err := parseEtag("etag", req.GetEtag())
	if err != nil {
		return nil, err
	}
	cur, err := s.store.GetWorkflowSettings(ctx, in.GetProjectId())
	if err != nil {
		return nil, err
	}
	for _, p := range paths {
		if p == "blind_annotation" {
			cur.BlindAnnotation = in.GetBlindAnnotation()
		}
	}
	if tag == 0 {
		tag = cur.Rev // unconditional, but not over a change made since the read above
	}
	out, err := s.store.SetWorkflowSettings(ctx, write(ctx, "", ""), cur, tag)
	if err != nil {
		return nil, err
	}
	return &pb.UpdateWorkflowSettingsResponse{Settings: pbconv.WorkflowSettingsToPB(out)}, nil
}

func (s *workflowService) AssignDocuments(ctx context.Context, req *pb.AssignDocumentsRequest) (*pb.AssignDocumentsResponse, error) {
	if err := callerFrom(ctx).requireRole("assigning documents", managers...); err != nil {
		return nil, err
	}
	var v scholia.Violations
	as := make([]scholia.Assignment, len(req.GetAssignments()))
	for i, a := range req.GetAssignments() {
		if a.GetDocumentId() == "" {
			v.Add(fmt.Sprintf("assignments[%d].document_id", i), "required")
		}
		if a.GetAnnotator() == "" {
			v.Add(fmt.Sprintf("assignments[%d].annotator", i), "required")
		}
		if p := a.GetProjectId(); p != "" && p != req.GetProjectId() {
			v.Add(fmt.Sprintf("assignments[%d].project_id", i), "%q is not the request's project %q", p, req.GetProjectId())
		}
		as[i] = scholia.Assignment{Project: req.GetProjectId(), Document: a.GetDocumentId(), Annotator: a.GetAnnotator()}
	}
	if err := v.Err("bad assignments"); err != nil {
		return nil, err
	}
	out, err := s.store.Assign(ctx, write(ctx, "", ""), req.GetProjectId(), as)
	if err != nil {
		return nil, err
	}
	return &pb.AssignDocumentsResponse{Assignments: pbconv.AssignmentsToPB(out)}, nil
}

func (s *workflowService) SpreadAssignments(ctx context.Context, req *pb.SpreadAssignmentsRequest) (*pb.SpreadAssignmentsResponse, error) {
	if err := callerFrom(ctx).requireRole("assigning documents", managers...); err != nil {
		return nil, err
	}
	out, err := s.store.Spread(ctx, write(ctx, "", ""), req.GetProjectId(), int(req.GetK()), req.GetAnnotators(), req.GetDocumentIds())
	if err != nil {
		return nil, err
	}
	return &pb.SpreadAssignmentsResponse{Assignments: pbconv.AssignmentsToPB(out)}, nil
}

func (s *workflowService) UnassignDocument(ctx context.Context, req *pb.UnassignDocumentRequest) (*pb.UnassignDocumentResponse, error) {
	if err := callerFrom(ctx).requireRole("unassigning documents", managers...); err != nil {
		return nil, err
	}
	if err := s.store.Unassign(ctx, write(ctx, "", ""), req.GetProjectId(), req.GetDocumentId(), req.GetAnnotator()); err != nil {
		return nil, err
	}
	return &pb.UnassignDocumentResponse{}, nil
}

// ownAnnotator returns the annotator a request is about (the caller when
// empty) and refuses annotators asking about someone else.
func ownAnnotator(ctx context.Context, annotator, what string) (string, error) {
	c := callerFrom(ctx)
	if annotator == "" {
		annotator = c.Name
	}
	if c.Role == scholia.RoleAnnotator && annotator != c.Name {
		return "", denied("user %s is an annotator and may see only their own %s, not %s's", c.Name, what, annotator)
	}
	return annotator, nil
}

func (s *workflowService) ListAssignments(ctx context.Context, req *pb.ListAssignmentsRequest) (*pb.ListAssignmentsResponse, error) {
	annotator := req.GetAnnotator()
	if c := callerFrom(ctx); c.Role == scholia.RoleAnnotator {
		var err error
		if annotator, err = ownAnnotator(ctx, annotator, "assignments"); err != nil {
			return nil, err
		}
	}
	out, err := s.store.ListAssignments(ctx, scholia.AssignmentFilter{Project: req.GetProjectId(), Document: req.GetDocumentId(), Annotator: annotator})
	if err != nil {
		return nil, err
	}
	return &pb.ListAssignmentsResponse{Assignments: pbconv.AssignmentsToPB(out)}, nil
}

func (s *workflowService) ListQueue(ctx context.Context, req *pb.ListQueueRequest) (*pb.ListQueueResponse, error) {
	annotator, err := ownAnnotator(ctx, req.GetAnnotator(), "queue")
	if err != nil {
		return nil, err
	}
	all, err := s.store.ListAssignments(ctx, scholia.AssignmentFilter{Project: req.GetProjectId(), Annotator: annotator})
	if err != nil {
		return nil, err
	}
	open, err := s.store.ListAssignments(ctx, scholia.AssignmentFilter{Project: req.GetProjectId(), Annotator: annotator, OpenOnly: true})
	if err != nil {
		return nil, err
	}
	return &pb.ListQueueResponse{Assignments: pbconv.AssignmentsToPB(open), DoneCount: int32(len(all) - len(open))}, nil
}
