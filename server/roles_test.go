package server_test

import (
	"context"
	"fmt"
	"testing"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/scholia-nlp/scholia/client"
	pb "github.com/scholia-nlp/scholia/gen/scholia/v1"
)

const rolesText = "Lavrov met de Mistura in Moscow on Tuesday."

func TestRoles(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	e.project("p", "d", rolesText)
	users := map[string]*client.Client{
		"admin": e.admin,
		"cur":   e.user("cur", pb.Role_ROLE_CURATOR),
		"ann1":  e.user("ann1", pb.Role_ROLE_ANNOTATOR),
		"ann2":  e.user("ann2", pb.Role_ROLE_ANNOTATOR),
		"rdr":   e.user("rdr", pb.Role_ROLE_READER),
	}
	e.member("p", "ann1", "ann2") // annotators see only the projects they belong to
	// One mention in ann2's layer for the read checks.
	got, err := users["ann2"].Annotations.CreateAnnotation(ctx, &pb.CreateAnnotationRequest{Annotation: mention("p", "d", "", 0, 6, "Lavrov", "PER")})
	if err != nil {
		t.Fatal(err)
	}
	ann2ID := got.GetAnnotation().GetId()
	n := 0
	create := func(c *client.Client, annotator string) error {
		_, err := c.Annotations.CreateAnnotation(ctx, &pb.CreateAnnotationRequest{Annotation: mention("p", "d", annotator, 11, 21, "de Mistura", "PER")})
		return err
	}
	ops := []struct {
		name string
		call func(c *client.Client) error
		ok   map[string]bool // users allowed; all others get PERMISSION_DENIED
	}{
		{"CreateProject", func(c *client.Client) error {
			n++
			_, err := c.Projects.CreateProject(ctx, &pb.CreateProjectRequest{Project: &pb.Project{Id: fmt.Sprintf("np%d", n)}})
			return err
		}, map[string]bool{"admin": true}},
		{"CreateDocument", func(c *client.Client) error {
			n++
			_, err := c.Documents.CreateDocument(ctx, &pb.CreateDocumentRequest{Document: &pb.Document{ProjectId: "p", Id: fmt.Sprintf("d%d", n), Text: "x"}})
			return err
		}, map[string]bool{"admin": true, "cur": true}},
		{"annotate own layer", func(c *client.Client) error { return create(c, "") }, map[string]bool{"admin": true, "cur": true, "ann1": true, "ann2": true}},
		{"annotate ann2's layer", func(c *client.Client) error { return create(c, "ann2") }, map[string]bool{"admin": true, "ann2": true}},
		{"annotate gold", func(c *client.Client) error { return create(c, "gold") }, map[string]bool{"admin": true, "cur": true}},
		{"read ann2's layer", func(c *client.Client) error {
			_, err := c.Annotations.ListAnnotations(ctx, &pb.ListAnnotationsRequest{ProjectId: "p", Annotator: "ann2"})
			return err
		}, map[string]bool{"admin": true, "cur": true, "rdr": true, "ann2": true}},
		{"get ann2's annotation", func(c *client.Client) error {
			_, err := c.Annotations.GetAnnotation(ctx, &pb.GetAnnotationRequest{Id: ann2ID})
			return err
		}, map[string]bool{"admin": true, "cur": true, "rdr": true, "ann2": true}},
		{"delete ann2's annotation (with a stale etag, so nothing changes)", func(c *client.Client) error {
			_, err := c.Annotations.DeleteAnnotation(ctx, &pb.DeleteAnnotationRequest{Id: ann2ID, Etag: "1"})
			if status.Code(err) == codes.Aborted {
				return nil // allowed past the role check
			}
			return err
		}, map[string]bool{"admin": true, "ann2": true}},
		{"mark own layer done", func(c *client.Client) error {
			_, err := c.Annotations.UpdateLayer(ctx, &pb.UpdateLayerRequest{Layer: &pb.Layer{ProjectId: "p", DocumentId: "d", Status: pb.LayerStatus_LAYER_STATUS_DONE}})
			return err
		}, map[string]bool{"admin": true, "cur": true, "ann1": true, "ann2": true}},
		{"ListUsers", func(c *client.Client) error {
			_, err := c.Admin.ListUsers(ctx, &pb.ListUsersRequest{})
			return err
		}, map[string]bool{"admin": true}},
		{"CreateUser", func(c *client.Client) error {
			n++
			_, err := c.Admin.CreateUser(ctx, &pb.CreateUserRequest{User: &pb.User{Name: fmt.Sprintf("u%d", n), Role: pb.Role_ROLE_READER}})
			return err
		}, map[string]bool{"admin": true}},
		{"CreateToken for another user", func(c *client.Client) error {
			_, err := c.Admin.CreateToken(ctx, &pb.CreateTokenRequest{User: "ann2"})
			return err
		}, map[string]bool{"admin": true, "ann2": true}},
		{"UpdateProject", func(c *client.Client) error {
			_, err := c.Projects.UpdateProject(ctx, &pb.UpdateProjectRequest{Project: &pb.Project{Id: "p", Title: "t"}, UpdateMask: mask("title")})
			return err
		}, map[string]bool{"admin": true}},
		{"reads anyone may do", func(c *client.Client) error {
			if _, err := c.Projects.GetProject(ctx, &pb.GetProjectRequest{ProjectId: "p"}); err != nil {
				return err
			}
			if _, err := c.Documents.ListDocuments(ctx, &pb.ListDocumentsRequest{ProjectId: "p"}); err != nil {
				return err
			}
			_, err := c.Admin.WhoAmI(ctx, &pb.WhoAmIRequest{})
			return err
		}, map[string]bool{"admin": true, "cur": true, "ann1": true, "ann2": true, "rdr": true}},
	}
	for _, op := range ops {
		for _, name := range []string{"admin", "cur", "ann1", "ann2", "rdr"} {
			t.Run(op.name+"/"+name, func(t *testing.T) {
				err := op.call(users[name])
				if op.ok[name] {
					if err != nil {
						t.Fatalf("%s may do this, got %v", name, err)
					}
					return
				}
				wantCode(t, err, codes.PermissionDenied)
			})
		}
	}
	// An annotator listing "all layers" sees only their own.
	resp, err := users["ann1"].Annotations.ListAnnotations(ctx, &pb.ListAnnotationsRequest{ProjectId: "p"})
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range resp.GetAnnotations() {
		if a.GetAnnotator() != "ann1" {
			t.Errorf("ann1 sees %s's annotation %d", a.GetAnnotator(), a.GetId())
		}
	}
	if len(resp.GetAnnotations()) != 1 {
		t.Errorf("ann1 sees %d annotations, want their 1", len(resp.GetAnnotations()))
	}
}
