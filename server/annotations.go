package server

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/scholia-nlp/scholia"
	pb "github.com/scholia-nlp/scholia/gen/scholia/v1"
	"github.com/scholia-nlp/scholia/pbconv"
)

type annotationService struct {
	pb.UnimplementedAnnotationServiceServer
	*Server
}

// prepare fills the annotator of a new annotation and checks that the caller
// may write its layer, and is a member of its project (members remembers
// the projects checked already, for batches).
func (s *Server) prepare(ctx context.Context, a *scholia.Annotation, members map[string]bool) error {
	c := callerFrom(ctx)
	if a.Annotator == "" {
		a.Annotator = c.Name
	}
	if err := c.checkWriteLayer(a.Annotator); err != nil {
		return err
	}
	if !members[a.Project] {
		if err := s.checkMember(ctx, a.Project); err != nil {
			return err
		}
		members[a.Project] = true
	}
	return nil
}

func (s *annotationService) CreateAnnotation(ctx context.Context, req *pb.CreateAnnotationRequest) (*pb.CreateAnnotationResponse, error) {
	if err := checkRequestID("request_id", req.GetRequestId()); err != nil {
		return nil, err
	}
	a := pbconv.AnnotationFromPB(req.GetAnnotation())
	a.ID = 0
	if err := s.prepare(ctx, &a, map[string]bool{}); err != nil {
		return nil, err
	}
	fp := fingerprint(req, func(r *pb.CreateAnnotationRequest) { r.RequestId = "" })
	out, err := s.store.CreateAnnotations(ctx, write(ctx, req.GetRequestId(), fp), []scholia.Annotation{a})
	if err != nil {
		return nil, err
	}
	return &pb.CreateAnnotationResponse{Annotation: pbconv.AnnotationToPB(out[0])}, nil
}

func (s *annotationService) BatchCreateAnnotations(ctx context.Context, req *pb.BatchCreateAnnotationsRequest) (*pb.BatchCreateAnnotationsResponse, error) {
	if err := checkRequestID("request_id", req.GetRequestId()); err != nil {
		return nil, err
	}
	n := len(req.GetAnnotations())
	switch {
	case n == 0:
		return nil, scholia.Invalid("empty batch", scholia.FieldViolation{Field: "annotations", Description: "at least one annotation is required"})
	case n > s.opts.MaxBatch:
		return nil, &scholia.Error{Code: scholia.CodeResourceExhausted, Reason: "BATCH_TOO_LARGE",
			Message: fmt.Sprintf("%d annotations in one batch; at most %d are allowed", n, s.opts.MaxBatch)}
	}
	anns := make([]scholia.Annotation, n)
	members := map[string]bool{}
	for i, pa := range req.GetAnnotations() {
		anns[i] = pbconv.AnnotationFromPB(pa)
		anns[i].ID = 0
		if err := s.prepare(ctx, &anns[i], members); err != nil {
			return nil, err
		}
	}
	fp := fingerprint(req, func(r *pb.BatchCreateAnnotationsRequest) { r.RequestId = "" })
	out, err := s.store.CreateAnnotations(ctx, write(ctx, req.GetRequestId(), fp), anns)
	if err != nil {
		if n == 1 {
			err = renamePrefix(err, "annotation.", "annotations[0].")
		}
		return nil, err
	}
	resp := &pb.BatchCreateAnnotationsResponse{Annotations: make([]*pb.Annotation, len(out))}
	for i, a := range out {
		resp.Annotations[i] = pbconv.AnnotationToPB(a)
	}
	return resp, nil
}

// renamePrefix rewrites the field paths of a validation error, for the
// batch of one whose paths the store names as for a single create.
func renamePrefix(err error, from, to string) error {
	e, ok := err.(*scholia.Error)
	if !ok || len(e.Violations) == 0 {
		return err
	}
	c := *e
	c.Violations = slices.Clone(e.Violations)
	for i, v := range c.Violations {
		if rest, ok := strings.CutPrefix(v.Field, from); ok {
			c.Violations[i].Field = to + rest
		}
	}
	return &c
}

// readable fetches an annotation and checks that the caller may read it.
func (s *annotationService) readable(ctx context.Context, id int64) (scholia.Annotation, error) {
	a, err := s.store.GetAnnotation(ctx, id)
	if err != nil {
		return a, err
	}
	return a, s.checkReadLayer(ctx, a.Project, a.Document, a.Annotator)
}

func (s *annotationService) GetAnnotation(ctx context.Context, req *pb.GetAnnotationRequest) (*pb.GetAnnotationResponse, error) {
	a, err := s.readable(ctx, req.GetId())
	if err != nil {
		return nil, err
	}
	return &pb.GetAnnotationResponse{Annotation: pbconv.AnnotationToPB(a)}, nil
}

// readableAnnotators narrows an annotator filter to the layers the caller may
// read (see checkReadLayer): an annotator asking for all layers gets their
// own.
func (s *Server) readableAnnotators(ctx context.Context, project, document, annotator string) ([]string, error) {
	c := callerFrom(ctx)
	if annotator == "" {
		if c.Role == scholia.RoleAnnotator {
			return []string{c.Name}, nil
		}
		return nil, nil
	}
	if err := s.checkReadLayer(ctx, project, document, annotator); err != nil {
		return nil, err
	}
	return []string{annotator}, nil
}

func (s *annotationService) ListAnnotations(ctx context.Context, req *pb.ListAnnotationsRequest) (*pb.ListAnnotationsResponse, error) {
	n, err := s.pageSize("page_size", req.GetPageSize())
	if err != nil {
		return nil, err
	}
	annotators, err := s.readableAnnotators(ctx, req.GetProjectId(), req.GetDocumentId(), req.GetAnnotator())
	if err != nil {
		return nil, err
	}
	var v scholia.Violations
	for i, k := range req.GetKinds() {
		if !pbconv.KindFromPB(k).Valid() {
			v.Add(fmt.Sprintf("kinds[%d]", i), "not an annotation kind")
		}
	}
	if err := v.Err("bad filter"); err != nil {
		return nil, err
	}
	f := scholia.AnnotationFilter{Project: req.GetProjectId(), Document: req.GetDocumentId(), Annotators: annotators, Kinds: pbconv.KindsFromPB(req.GetKinds())}
	cur, err := s.tokens.decode("page_token", req.GetPageToken(), "annotations", digest(f))
	if err != nil {
		return nil, err
	}
	anns, rev, err := s.store.ListAnnotations(ctx, f, cur.AfterN, n+1, cur.AsOf)
	if err != nil {
		return nil, err
	}
	// An empty first page may be a project or document that does not
	// exist, which is NOT_FOUND; annotations prove that both exist.
	if cur.AsOf == 0 && len(anns) == 0 {
		if _, err := s.store.GetProject(ctx, f.Project); err != nil {
			return nil, err
		}
		if f.Document != "" {
			if _, err := s.store.GetDocument(ctx, f.Project, f.Document, false); err != nil {
				return nil, err
			}
		}
	}
	resp := &pb.ListAnnotationsResponse{Revision: rev}
	if len(anns) > n {
		anns = anns[:n]
		resp.NextPageToken = s.tokens.encode(pageCursor{List: "annotations", Filter: digest(f), AfterN: anns[n-1].ID, AsOf: rev})
	}
	resp.Annotations = make([]*pb.Annotation, len(anns))
	for i, a := range anns {
		resp.Annotations[i] = pbconv.AnnotationToPB(a)
	}
	return resp, nil
}

// updatable lists the update-mask paths of each kind's body.
var updatable = map[scholia.Kind][]string{
	scholia.KindMention:  {"mention.spans", "mention.label"},
	scholia.KindEvent:    {"event.trigger", "event.type", "event.arguments"},
	scholia.KindClaim:    {"claim.spans", "claim.claimant_id", "claim.claimant_text", "claim.cue", "claim.stance", "claim.claim_type", "claim.check_worthiness", "claim.normalized"},
	scholia.KindRelation: {"relation.type", "relation.source_id", "relation.target_id"},
	scholia.KindCluster:  {"cluster.kind", "cluster.member_ids", "cluster.title"},
}

// applyPath copies one field named by an update-mask path from in to cur.
func applyPath(path string, in, cur *scholia.Annotation) {
	switch path {
	case "attributes":
		cur.Attributes = maps.Clone(in.Attributes)
	case "mention.spans", "event.trigger", "claim.spans":
		cur.Spans = in.Spans
	case "mention.label", "event.type", "claim.claim_type", "relation.type", "cluster.kind":
		cur.Label = in.Label
	case "event.arguments":
		cur.Arguments = in.Arguments
	case "relation.source_id":
		cur.Relation.Source = in.Relation.Source
	case "relation.target_id":
		cur.Relation.Target = in.Relation.Target
	case "cluster.member_ids":
		cur.Cluster.Members = in.Cluster.Members
	case "cluster.title":
		cur.Cluster.Title = in.Cluster.Title
	default: // claim fields
		c, n := cur.Claim, in.Claim
		switch path {
		case "claim.claimant_id":
			c.ClaimantID = n.ClaimantID
		case "claim.claimant_text":
			c.ClaimantText = n.ClaimantText
		case "claim.cue":
			c.Cue = n.Cue
		case "claim.stance":
			c.Stance = n.Stance
		case "claim.check_worthiness":
			c.CheckWorthiness = n.CheckWorthiness
		case "claim.normalized":
			c.Normalized = n.Normalized
		}
	}
}

func (s *annotationService) UpdateAnnotation(ctx context.Context, req *pb.UpdateAnnotationRequest) (*pb.UpdateAnnotationResponse, error) {
	in := pbconv.AnnotationFromPB(req.GetAnnotation())
	tag, err := parseEtag("etag", req.GetEtag())
	if err != nil {
		return nil, err
	}
	c := callerFrom(ctx)
	if c.Role == scholia.RoleReader {
		return nil, denied("user %s is a reader and may not write annotations", c.Name)
	}
	// The checks that need the current version run inside the write
	// transaction, on the version the update replaces: one read less, and
	// no window between the check and the write.
	out, err := s.store.UpdateAnnotation(ctx, write(ctx, "", ""), in.ID, tag, func(cur *scholia.Annotation) error {
		if err := s.checkReadLayer(ctx, cur.Project, cur.Document, cur.Annotator); err != nil {
			return err
		}
		if err := c.checkWriteLayer(cur.Annotator); err != nil {
			return err
		}
		allowed := append([]string{"attributes"}, updatable[cur.Kind]...)
		paths, err := maskPaths("update_mask", req.GetUpdateMask(), allowed...)
		if err != nil {
			return err
		}
		needsBody := slices.ContainsFunc(paths, func(p string) bool { return p != "attributes" })
		if needsBody && in.Kind != cur.Kind {
			return scholia.Invalid("wrong body", scholia.FieldViolation{Field: "annotation.body",
				Description: fmt.Sprintf("annotation %d is a %s; send the new values in annotation.%s", cur.ID, cur.Kind, cur.Kind)})
		}
		for _, p := range paths {
			applyPath(p, &in, cur)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &pb.UpdateAnnotationResponse{Annotation: pbconv.AnnotationToPB(out)}, nil
}

func (s *annotationService) DeleteAnnotation(ctx context.Context, req *pb.DeleteAnnotationRequest) (*pb.DeleteAnnotationResponse, error) {
	tag, err := parseEtag("etag", req.GetEtag())
	if err != nil {
		return nil, err
	}
	cur, err := s.readable(ctx, req.GetId())
	if err != nil {
		return nil, err
	}
	if err := callerFrom(ctx).checkWriteLayer(cur.Annotator); err != nil {
		return nil, err
	}
	rev, err := s.store.DeleteAnnotation(ctx, write(ctx, "", ""), req.GetId(), tag)
	if err != nil {
		return nil, err
	}
	return &pb.DeleteAnnotationResponse{Revision: rev}, nil
}
