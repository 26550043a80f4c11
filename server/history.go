package server

import (
	"context"

	"github.com/scholia-nlp/scholia"
	pb "github.com/scholia-nlp/scholia/gen/scholia/v1"
	"github.com/scholia-nlp/scholia/pbconv"
)

// ListAnnotationRevisions lists every kept version of an annotation with who
// wrote it, when, and what it changed. Whoever may read the annotation's
// layer may read its history.
func (s *annotationService) ListAnnotationRevisions(ctx context.Context, req *pb.ListAnnotationRevisionsRequest) (*pb.ListAnnotationRevisionsResponse, error) {
	vs, err := s.store.AnnotationVersions(ctx, req.GetId())
	if err != nil {
		return nil, err
	}
	resp := &pb.ListAnnotationRevisionsResponse{}
	if len(vs) == 0 {
		return resp, nil // every version is older than the retention
	}
	last := vs[len(vs)-1].Annotation
	if err := s.checkReadLayer(ctx, last.Project, last.Document, last.Annotator); err != nil {
		return nil, err
	}
	for i, v := range vs {
		a := v.Annotation
		r := &pb.AnnotationRevision{Revision: a.Rev, Time: pbconv.TS(a.UpdateTime), User: a.UpdateUser, Annotation: pbconv.AnnotationToPB(a)}
		switch {
		case i == 0 && a.Rev == a.CreateRev:
			r.Type, r.Changes = pb.ChangeType_CHANGE_TYPE_CREATED, scholia.DescribeChange(nil, &a)
		case i == 0:
			r.Type, r.Changes = pb.ChangeType_CHANGE_TYPE_UPDATED, []string{"(the earlier versions are older than the retention)"}
		default:
			r.Type, r.Changes = pb.ChangeType_CHANGE_TYPE_UPDATED, scholia.DescribeChange(&vs[i-1].Annotation, &a)
		}
		resp.Revisions = append(resp.Revisions, r)
		if v.DeleteRev != 0 {
			resp.Revisions = append(resp.Revisions, &pb.AnnotationRevision{Revision: v.DeleteRev, Time: pbconv.TS(v.DeleteTime), User: v.DeleteUser,
				Type: pb.ChangeType_CHANGE_TYPE_DELETED, Annotation: pbconv.AnnotationToPB(a), Changes: []string{"deleted"}})
		}
	}
	return resp, nil
}
