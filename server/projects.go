package server

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strconv"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/fieldmaskpb"

	"github.com/scholia-nlp/scholia"
	pb "github.com/scholia-nlp/scholia/gen/scholia/v1"
	"github.com/scholia-nlp/scholia/pbconv"
)

type projectService struct {
	pb.UnimplementedProjectServiceServer
	*Server
}

// fingerprint identifies a create request's content for idempotency checks.
// The request id itself is left out, and marshalling is deterministic.
func fingerprint[T proto.Message](req T, clearID func(T)) string {
	c := proto.Clone(req).(T)
	clearID(c)
	b, _ := proto.MarshalOptions{Deterministic: true}.Marshal(c)
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:16])
}

func checkRequestID(field, id string) error {
	if len(id) > 200 {
		return scholia.Invalid("bad request id", scholia.FieldViolation{Field: field, Description: "longer than 200 bytes"})
	}
	return nil
}

func invalidID(field string, err error) error {
	return scholia.Invalid("bad id", scholia.FieldViolation{Field: field, Description: err.Error()})
}

// checkSchema validates a schema sent by a client.
func checkSchema(field string, s *scholia.Schema) error {
	if _, err := s.Index(); err != nil {
		var v scholia.Violations
		if e, ok := err.(*scholia.Error); ok {
			v.Merge(field, e.Violations)
		}
		return v.Err("the schema is not valid")
	}
	return nil
}

func (s *projectService) CreateProject(ctx context.Context, req *pb.CreateProjectRequest) (*pb.CreateProjectResponse, error) {
	if err := callerFrom(ctx).requireRole("creating a project", scholia.RoleAdmin); err != nil {
		return nil, err
	}
	p := req.GetProject()
	if err := scholia.ValidateID("project id", p.GetId(), false); err != nil {
		return nil, invalidID("project.id", err)
	}
	if err := checkRequestID("request_id", req.GetRequestId()); err != nil {
		return nil, err
	}
	schema := pbconv.SchemaFromPB(p.GetSchema())
	if schema == nil {
		schema = scholia.NewsSchema()
	} else if err := checkSchema("project.schema", schema); err != nil {
		return nil, err
	}
	rid := req.GetRequestId()
	fp := fingerprint(req, func(r *pb.CreateProjectRequest) { r.RequestId = "" })
	out, err := s.store.CreateProject(ctx, write(ctx, rid, fp), scholia.Project{
		ID: p.GetId(), Title: p.GetTitle(), Description: p.GetDescription(), Schema: schema,
	})
	if err != nil {
		return nil, err
	}
	return &pb.CreateProjectResponse{Project: pbconv.ProjectToPB(out)}, nil
}

func (s *projectService) GetProject(ctx context.Context, req *pb.GetProjectRequest) (*pb.GetProjectResponse, error) {
	p, err := s.store.GetProject(ctx, req.GetProjectId())
	if err != nil {
		return nil, err
	}
	return &pb.GetProjectResponse{Project: pbconv.ProjectToPB(p)}, nil
}

func (s *projectService) ListProjects(ctx context.Context, req *pb.ListProjectsRequest) (*pb.ListProjectsResponse, error) {
	n, err := s.pageSize("page_size", req.GetPageSize())
	if err != nil {
		return nil, err
	}
	cur, err := s.tokens.decode("page_token", req.GetPageToken(), "projects", "")
	if err != nil {
		return nil, err
	}
	var ps []scholia.Project
	if c := callerFrom(ctx); c.Role == scholia.RoleAnnotator {
		ps, err = s.store.ListMemberProjects(ctx, c.Name, cur.After, n+1) // annotators see their projects only
	} else {
		ps, err = s.store.ListProjects(ctx, cur.After, n+1)
	}
	if err != nil {
		return nil, err
	}
	resp := &pb.ListProjectsResponse{}
	if len(ps) > n {
		ps = ps[:n]
		resp.NextPageToken = s.tokens.encode(pageCursor{List: "projects", After: ps[n-1].ID})
	}
	for _, p := range ps {
		p.Schema = nil
		resp.Projects = append(resp.Projects, pbconv.ProjectToPB(p))
	}
	return resp, nil
}

// maskPaths returns the mask's paths, or all of them when the mask is empty,
// and refuses paths outside allowed.
func maskPaths(field string, m *fieldmaskpb.FieldMask, allowed ...string) ([]string, error) {
	if len(m.GetPaths()) == 0 {
		return allowed, nil
	}
	ok := map[string]bool{}
	for _, a := range allowed {
		ok[a] = true
	}
	var v scholia.Violations
	for i, p := range m.GetPaths() {
		if !ok[p] {
			v.Add(fmt.Sprintf("%s.paths[%d]", field, i), "%q cannot be updated; updatable: %v", p, allowed)
		}
	}
	if err := v.Err("bad update mask"); err != nil {
		return nil, err
	}
	return m.GetPaths(), nil
}

func (s *projectService) UpdateProject(ctx context.Context, req *pb.UpdateProjectRequest) (*pb.UpdateProjectResponse, error) {
	if err := callerFrom(ctx).requireRole("changing a project", scholia.RoleAdmin); err != nil {
		return nil, err
	}
	in := req.GetProject()
	paths, err := maskPaths("update_mask", req.GetUpdateMask(), "title", "description", "schema")
	if err != nil {
		return nil, err
	}
	tag, err := parseEtag("etag", req.GetEtag())
	if err != nil {
		return nil, err
	}
	var schema *scholia.Schema
	for _, p := range paths {
		if p == "schema" {
			if schema = pbconv.SchemaFromPB(in.GetSchema()); schema == nil {
				return nil, scholia.Invalid("bad schema", scholia.FieldViolation{Field: "project.schema", Description: "required when the mask names schema"})
			}
			if err := checkSchema("project.schema", schema); err != nil {
				return nil, err
			}
		}
	}
	out, err := s.store.UpdateProject(ctx, write(ctx, "", ""), in.GetId(), tag, func(p *scholia.Project) error {
		for _, path := range paths {
			switch path {
			case "title":
				p.Title = in.GetTitle()
			case "description":
				p.Description = in.GetDescription()
			case "schema":
				p.Schema = schema
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &pb.UpdateProjectResponse{Project: pbconv.ProjectToPB(out)}, nil
}

func (s *projectService) DeleteProject(ctx context.Context, req *pb.DeleteProjectRequest) (*pb.DeleteProjectResponse, error) {
	if err := callerFrom(ctx).requireRole("deleting a project", scholia.RoleAdmin); err != nil {
		return nil, err
	}
	tag, err := parseEtag("etag", req.GetEtag())
	if err != nil {
		return nil, err
	}
	if err := s.store.DeleteProject(ctx, write(ctx, "", ""), req.GetProjectId(), tag); err != nil {
		return nil, err
	}
	return &pb.DeleteProjectResponse{}, nil
}

func (s *projectService) GetBuiltinSchema(ctx context.Context, req *pb.GetBuiltinSchemaRequest) (*pb.GetBuiltinSchemaResponse, error) {
	return &pb.GetBuiltinSchemaResponse{Schema: pbconv.SchemaToPB(scholia.NewsSchema())}, nil
}

// parseEtag reads an etag sent back by a client; empty means unconditional.
func parseEtag(field, s string) (int64, error) {
	if s == "" {
		return 0, nil
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n <= 0 {
		return 0, scholia.Invalid("bad etag", scholia.FieldViolation{Field: field, Description: "not an etag this server gave out; send the etag field as read"})
	}
	return n, nil
}
