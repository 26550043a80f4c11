package server

import (
	"context"

	"github.com/scholia-nlp/scholia"
	pb "github.com/scholia-nlp/scholia/gen/scholia/v1"
	"github.com/scholia-nlp/scholia/pbconv"
)

func (s *annotationService) GetLayer(ctx context.Context, req *pb.GetLayerRequest) (*pb.GetLayerResponse, error) {
	c := callerFrom(ctx)
	annotator := req.GetAnnotator()
	if annotator == "" {
		annotator = c.Name
	}
	if err := s.checkReadLayer(ctx, req.GetProjectId(), req.GetDocumentId(), annotator); err != nil {
		return nil, err
	}
	l, err := s.store.GetLayer(ctx, req.GetProjectId(), req.GetDocumentId(), annotator)
	if err != nil {
		return nil, err
	}
	return &pb.GetLayerResponse{Layer: pbconv.LayerToPB(l)}, nil
}

func (s *annotationService) ListLayers(ctx context.Context, req *pb.ListLayersRequest) (*pb.ListLayersResponse, error) {
	n, err := s.pageSize("page_size", req.GetPageSize())
	if err != nil {
		return nil, err
	}
	annotators, err := s.readableAnnotators(ctx, req.GetProjectId(), req.GetDocumentId(), req.GetAnnotator())
	if err != nil {
		return nil, err
	}
	f := scholia.LayerFilter{Project: req.GetProjectId(), Document: req.GetDocumentId(), Annotators: annotators}
	cur, err := s.tokens.decode("page_token", req.GetPageToken(), "layers", digest(f))
	if err != nil {
		return nil, err
	}
	if _, err := s.store.GetProject(ctx, f.Project); err != nil {
		return nil, err
	}
	ls, err := s.store.ListLayers(ctx, f, scholia.LayerKey{Document: cur.After, Annotator: cur.After2}, n+1)
	if err != nil {
		return nil, err
	}
	resp := &pb.ListLayersResponse{}
	if len(ls) > n {
		ls = ls[:n]
		last := ls[n-1]
		resp.NextPageToken = s.tokens.encode(pageCursor{List: "layers", Filter: digest(f), After: last.Document, After2: last.Annotator})
	}
	for _, l := range ls {
		resp.Layers = append(resp.Layers, pbconv.LayerToPB(l))
	}
	return resp, nil
}

func (s *annotationService) UpdateLayer(ctx context.Context, req *pb.UpdateLayerRequest) (*pb.UpdateLayerResponse, error) {
	in := req.GetLayer()
	annotator := in.GetAnnotator()
	if annotator == "" {
		annotator = callerFrom(ctx).Name
	}
	if err := callerFrom(ctx).checkWriteLayer(annotator); err != nil {
		return nil, err
	}
	if err := s.checkMember(ctx, in.GetProjectId()); err != nil {
		return nil, err
	}
	st := pbconv.LayerStatusFromPB(in.GetStatus())
	if st != scholia.LayerInProgress && st != scholia.LayerDone {
		return nil, scholia.Invalid("bad status", scholia.FieldViolation{Field: "layer.status", Description: "LAYER_STATUS_IN_PROGRESS or LAYER_STATUS_DONE"})
	}
	tag, err := parseEtag("etag", req.GetEtag())
	if err != nil {
		return nil, err
	}
	l, err := s.store.SetLayerStatus(ctx, write(ctx, "", ""), in.GetProjectId(), in.GetDocumentId(), annotator, st, tag)
	if err != nil {
		return nil, err
	}
	return &pb.UpdateLayerResponse{Layer: pbconv.LayerToPB(l)}, nil
}
