package server_test

import (
	"context"
	"testing"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/scholia-nlp/scholia/client"
	pb "github.com/scholia-nlp/scholia/gen/scholia/v1"
)

// TestWorkflowRoles tries every workflow method (and the reads that
// membership and blind annotation govern) with every kind of user: an
// admin, a curator, an annotator who is a member of the project, one who
// is not, and a reader. A user not in a case's allowed set must get
// PERMISSION_DENIED; an allowed one must get past the role checks (any
// other code: the requests are valid, or fail for another reason such as a
// decision already made).
func TestWorkflowRoles(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	e.project("p", "d", rolesText)
	users := map[string]*client.Client{
		"admin": e.admin,
		"cur":   e.user("cur", pb.Role_ROLE_CURATOR),
		"ann":   e.user("ann", pb.Role_ROLE_ANNOTATOR),
		"out":   e.user("out", pb.Role_ROLE_ANNOTATOR),
		"rdr":   e.user("rdr", pb.Role_ROLE_READER),
	}
	ann2 := e.user("ann2", pb.Role_ROLE_ANNOTATOR)
	ml := e.user("ml", pb.Role_ROLE_ANNOTATOR)
	e.member("p", "ann", "ann2")
	if _, err := e.admin.Workflow.AddProjectMember(ctx, &pb.AddProjectMemberRequest{ProjectId: "p", User: "ml", Role: pb.MemberRole_MEMBER_ROLE_MODEL}); err != nil {
		t.Fatal(err)
	}
	create := func(c *client.Client, start, end int64, text string) int64 {
		t.Helper()
		r, err := c.Annotations.CreateAnnotation(ctx, &pb.CreateAnnotationRequest{Annotation: mention("p", "d", "", start, end, text, "PER")})
		if err != nil {
			t.Fatal(err)
		}
		return r.GetAnnotation().GetId()
	}
	own := create(users["ann"], 0, 6, "Lavrov")
	other := create(ann2, 11, 21, "de Mistura")
	sug := create(ml, 0, 6, "Lavrov")

	all := map[string]bool{"admin": true, "cur": true, "ann": true, "rdr": true}
	managers := map[string]bool{"admin": true, "cur": true}
	observers := map[string]bool{"admin": true, "cur": true, "rdr": true}
	w := func(c *client.Client) pb.WorkflowServiceClient { return c.Workflow }
	ops := []struct {
		name string
		call func(c *client.Client) error
		ok   map[string]bool
	}{
		{"AddProjectMember", func(c *client.Client) error {
			_, err := w(c).AddProjectMember(ctx, &pb.AddProjectMemberRequest{ProjectId: "p", User: "ann2"})
			return err
		}, managers},
		{"RemoveProjectMember", func(c *client.Client) error {
			_, err := w(c).RemoveProjectMember(ctx, &pb.RemoveProjectMemberRequest{ProjectId: "p", User: "rdr"})
			return err
		}, managers},
		{"ListProjectMembers", func(c *client.Client) error {
			_, err := w(c).ListProjectMembers(ctx, &pb.ListProjectMembersRequest{ProjectId: "p"})
			return err
		}, observers},
		{"GetWorkflowSettings", func(c *client.Client) error {
			_, err := w(c).GetWorkflowSettings(ctx, &pb.GetWorkflowSettingsRequest{ProjectId: "p"})
			return err
		}, all},
		{"UpdateWorkflowSettings", func(c *client.Client) error {
			_, err := w(c).UpdateWorkflowSettings(ctx, &pb.UpdateWorkflowSettingsRequest{Settings: &pb.WorkflowSettings{ProjectId: "p", BlindAnnotation: true}})
			return err
		}, managers},
		{"AssignDocuments", func(c *client.Client) error {
			_, err := w(c).AssignDocuments(ctx, &pb.AssignDocumentsRequest{ProjectId: "p", Assignments: []*pb.Assignment{{DocumentId: "d", Annotator: "ann"}}})
			return err
		}, managers},
		{"SpreadAssignments", func(c *client.Client) error {
			_, err := w(c).SpreadAssignments(ctx, &pb.SpreadAssignmentsRequest{ProjectId: "p", K: 1})
			return err
		}, managers},
		{"UnassignDocument", func(c *client.Client) error {
			_, err := w(c).UnassignDocument(ctx, &pb.UnassignDocumentRequest{ProjectId: "p", DocumentId: "d", Annotator: "rdr"})
			return err
		}, managers},
		{"ListAssignments (own)", func(c *client.Client) error {
			_, err := w(c).ListAssignments(ctx, &pb.ListAssignmentsRequest{ProjectId: "p"})
			return err
		}, all},
		{"ListAssignments of ann2", func(c *client.Client) error {
			_, err := w(c).ListAssignments(ctx, &pb.ListAssignmentsRequest{ProjectId: "p", Annotator: "ann2"})
			return err
		}, observers},
		{"ListQueue (own)", func(c *client.Client) error {
			_, err := w(c).ListQueue(ctx, &pb.ListQueueRequest{ProjectId: "p"})
			return err
		}, all},
		{"ListQueue of ann2", func(c *client.Client) error {
			_, err := w(c).ListQueue(ctx, &pb.ListQueueRequest{ProjectId: "p", Annotator: "ann2"})
			return err
		}, observers},
		{"GetCurationDiff", func(c *client.Client) error {
			_, err := w(c).GetCurationDiff(ctx, &pb.GetCurationDiffRequest{ProjectId: "p", DocumentId: "d"})
			return err
		}, observers},
		{"MergeAgreed", func(c *client.Client) error {
			_, err := w(c).MergeAgreed(ctx, &pb.MergeAgreedRequest{ProjectId: "p"})
			return err
		}, managers},
		{"AcceptCandidate", func(c *client.Client) error {
			_, err := w(c).AcceptCandidate(ctx, &pb.AcceptCandidateRequest{AnnotationId: other})
			return err
		}, managers},
		{"RejectCandidate", func(c *client.Client) error {
			_, err := w(c).RejectCandidate(ctx, &pb.RejectCandidateRequest{AnnotationId: own})
			return err
		}, managers},
		{"ListSuggestions", func(c *client.Client) error {
			_, err := w(c).ListSuggestions(ctx, &pb.ListSuggestionsRequest{ProjectId: "p", DocumentId: "d", Model: "ml"})
			return err
		}, all},
		{"ListSuggestions with ann2's decisions", func(c *client.Client) error {
			_, err := w(c).ListSuggestions(ctx, &pb.ListSuggestionsRequest{ProjectId: "p", DocumentId: "d", Model: "ml", Annotator: "ann2"})
			return err
		}, observers},
		{"AcceptSuggestion into own layer", func(c *client.Client) error {
			_, err := w(c).AcceptSuggestion(ctx, &pb.AcceptSuggestionRequest{SuggestionId: sug})
			return err
		}, map[string]bool{"admin": true, "cur": true, "ann": true}},
		{"AcceptSuggestion into ann2's layer", func(c *client.Client) error {
			_, err := w(c).AcceptSuggestion(ctx, &pb.AcceptSuggestionRequest{SuggestionId: sug, Annotator: "ann2"})
			return err
		}, map[string]bool{"admin": true}},
		{"AcceptSuggestion into gold", func(c *client.Client) error {
			_, err := w(c).AcceptSuggestion(ctx, &pb.AcceptSuggestionRequest{SuggestionId: sug, Annotator: "gold"})
			return err
		}, managers},
		{"RejectSuggestion", func(c *client.Client) error {
			_, err := w(c).RejectSuggestion(ctx, &pb.RejectSuggestionRequest{SuggestionId: sug})
			return err
		}, map[string]bool{"admin": true, "cur": true, "ann": true}},
		{"GetSuggestionStats", func(c *client.Client) error {
			_, err := w(c).GetSuggestionStats(ctx, &pb.GetSuggestionStatsRequest{ProjectId: "p", Model: "ml"})
			return err
		}, observers},
		{"GetActivity", func(c *client.Client) error {
			_, err := w(c).GetActivity(ctx, &pb.GetActivityRequest{ProjectId: "p"})
			return err
		}, observers},
		{"ListAnnotationRevisions of own", func(c *client.Client) error {
			_, err := c.Annotations.ListAnnotationRevisions(ctx, &pb.ListAnnotationRevisionsRequest{Id: own})
			return err
		}, all},
		{"ListAnnotationRevisions of ann2's (blind)", func(c *client.Client) error {
			_, err := c.Annotations.ListAnnotationRevisions(ctx, &pb.ListAnnotationRevisionsRequest{Id: other})
			return err
		}, observers},
		{"read the model's layer", func(c *client.Client) error {
			_, err := c.Annotations.ListAnnotations(ctx, &pb.ListAnnotationsRequest{ProjectId: "p", Annotator: "ml"})
			return err
		}, all},
		{"read gold (blind)", func(c *client.Client) error {
			_, err := c.Annotations.ListAnnotations(ctx, &pb.ListAnnotationsRequest{ProjectId: "p", DocumentId: "d", Annotator: "gold"})
			return err
		}, observers},
		{"write gold", func(c *client.Client) error {
			_, err := c.Annotations.CreateAnnotation(ctx, &pb.CreateAnnotationRequest{Annotation: mention("p", "d", "gold", 25, 31, "Moscow", "GPE")})
			return err
		}, managers},
		{"read the project", func(c *client.Client) error {
			if _, err := c.Projects.GetProject(ctx, &pb.GetProjectRequest{ProjectId: "p"}); err != nil {
				return err
			}
			_, err := c.Documents.GetDocument(ctx, &pb.GetDocumentRequest{ProjectId: "p", DocumentId: "d"})
			return err
		}, all},
		{"stream the corpus", func(c *client.Client) error {
			st, err := c.Corpus.StreamCorpus(ctx, &pb.StreamCorpusRequest{ProjectId: "p"})
			if err != nil {
				return err
			}
			_, err = st.Recv()
			return err
		}, all},
		{"mark own layer done", func(c *client.Client) error {
			_, err := c.Annotations.UpdateLayer(ctx, &pb.UpdateLayerRequest{Layer: &pb.Layer{ProjectId: "p", DocumentId: "d", Status: pb.LayerStatus_LAYER_STATUS_IN_PROGRESS}})
			return err
		}, map[string]bool{"admin": true, "cur": true, "ann": true}},
	}
	for _, op := range ops {
		for _, name := range []string{"admin", "cur", "ann", "out", "rdr"} {
			t.Run(op.name+"/"+name, func(t *testing.T) {
				err := op.call(users[name])
				code := status.Code(err)
				if op.ok[name] {
					if code == codes.PermissionDenied || code == codes.Internal || code == codes.Unknown {
						t.Fatalf("%s may do this, got %v", name, err)
					}
					return
				}
				wantCode(t, err, codes.PermissionDenied)
			})
		}
	}
	// The non-member sees no project; the member sees theirs.
	for name, want := range map[string]int{"out": 0, "ann": 1, "rdr": 1} {
		ps, err := users[name].Projects.ListProjects(ctx, &pb.ListProjectsRequest{})
		if err != nil || len(ps.GetProjects()) != want {
			t.Errorf("%s lists %d projects (%v), want %d", name, len(ps.GetProjects()), err, want)
		}
	}
}
