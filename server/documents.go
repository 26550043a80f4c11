package server

import (
	"context"
	"fmt"

	"github.com/scholia-nlp/scholia"
	pb "github.com/scholia-nlp/scholia/gen/scholia/v1"
	"github.com/scholia-nlp/scholia/pbconv"
)

type documentService struct {
	pb.UnimplementedDocumentServiceServer
	*Server
}

// Limits on document metadata fields, in bytes.
const maxMetaBytes = 4096

func (s *documentService) CreateDocument(ctx context.Context, req *pb.CreateDocumentRequest) (*pb.CreateDocumentResponse, error) {
	if err := callerFrom(ctx).requireRole("adding documents", scholia.RoleAdmin, scholia.RoleCurator); err != nil {
		return nil, err
	}
	d := req.GetDocument()
	if err := s.checkSize(d); err != nil {
		return nil, err
	}
	var v scholia.Violations
	checkNew(&v, d)
	if err := checkRequestID("request_id", req.GetRequestId()); err != nil {
		return nil, err
	}
	if err := v.Err("the document is not valid"); err != nil {
		return nil, err
	}
	fp := fingerprint(req, func(r *pb.CreateDocumentRequest) { r.RequestId = "" })
	out, err := s.store.CreateDocument(ctx, write(ctx, req.GetRequestId(), fp), pbconv.DocumentFromPB(d))
	if err != nil {
		return nil, err
	}
	out.Text = ""
	return &pb.CreateDocumentResponse{Document: pbconv.DocumentToPB(out)}, nil
}

// checkSize refuses a document text larger than the server accepts.
func (s *Server) checkSize(d *pb.Document) error {
	if len(d.GetText()) > s.opts.MaxDocumentBytes {
		return &scholia.Error{Code: scholia.CodeResourceExhausted, Reason: "DOCUMENT_TOO_LARGE",
			Message:    fmt.Sprintf("the document text is %d bytes; this server accepts at most %d (serve --max-document-bytes)", len(d.GetText()), s.opts.MaxDocumentBytes),
			Violations: []scholia.FieldViolation{{Field: "document.text", Description: "too large"}}}
	}
	return nil
}

// checkNew checks the fields of a new document.
func checkNew(v *scholia.Violations, d *pb.Document) {
	if err := scholia.ValidateID("document id", d.GetId(), true); err != nil {
		v.Add("document.id", "%s", err)
	}
	if d.GetText() == "" {
		v.Add("document.text", "a document needs a text")
	}
	checkMeta(v, d)
}

func checkMeta(v *scholia.Violations, d *pb.Document) {
	for _, f := range []struct{ name, val string }{
		{"title", d.GetTitle()}, {"source", d.GetSource()}, {"url", d.GetUrl()}, {"language", d.GetLanguage()},
	} {
		if len(f.val) > maxMetaBytes {
			v.Add("document."+f.name, "longer than %d bytes", maxMetaBytes)
		}
	}
}

func (s *documentService) GetDocument(ctx context.Context, req *pb.GetDocumentRequest) (*pb.GetDocumentResponse, error) {
	d, err := s.store.GetDocument(ctx, req.GetProjectId(), req.GetDocumentId(), req.GetView() == pb.DocumentView_DOCUMENT_VIEW_FULL)
	if err != nil {
		return nil, err
	}
	return &pb.GetDocumentResponse{Document: pbconv.DocumentToPB(d)}, nil
}

func (s *documentService) ListDocuments(ctx context.Context, req *pb.ListDocumentsRequest) (*pb.ListDocumentsResponse, error) {
	n, err := s.pageSize("page_size", req.GetPageSize())
	if err != nil {
		return nil, err
	}
	cur, err := s.tokens.decode("page_token", req.GetPageToken(), "documents", digest(req.GetProjectId()))
	if err != nil {
		return nil, err
	}
	if cur.AsOf == 0 {
		if _, err := s.store.GetProject(ctx, req.GetProjectId()); err != nil {
			return nil, err
		}
		if cur.AsOf, err = s.store.Revision(ctx); err != nil {
			return nil, err
		}
	}
	ds, err := s.store.ListDocuments(ctx, req.GetProjectId(), cur.After, n+1, cur.AsOf)
	if err != nil {
		return nil, err
	}
	resp := &pb.ListDocumentsResponse{}
	if len(ds) > n {
		ds = ds[:n]
		resp.NextPageToken = s.tokens.encode(pageCursor{List: "documents", Filter: cur.Filter, After: ds[n-1].ID, AsOf: cur.AsOf})
	}
	for _, d := range ds {
		d.Text = ""
		resp.Documents = append(resp.Documents, pbconv.DocumentToPB(d))
	}
	return resp, nil
}

func (s *documentService) UpdateDocument(ctx context.Context, req *pb.UpdateDocumentRequest) (*pb.UpdateDocumentResponse, error) {
	if err := callerFrom(ctx).requireRole("changing documents", scholia.RoleAdmin, scholia.RoleCurator); err != nil {
		return nil, err
	}
	in := req.GetDocument()
	for i, p := range req.GetUpdateMask().GetPaths() {
		if p == "text" {
			return nil, scholia.Invalid("the text cannot change", scholia.FieldViolation{Field: fmt.Sprintf("update_mask.paths[%d]", i),
				Description: "a document's text never changes, so offsets stay valid; add the changed article as a new document"})
		}
	}
	paths, err := maskPaths("update_mask", req.GetUpdateMask(), "title", "source", "url", "publish_time", "language")
	if err != nil {
		return nil, err
	}
	var v scholia.Violations
	checkMeta(&v, in)
	if err := v.Err("the document is not valid"); err != nil {
		return nil, err
	}
	tag, err := parseEtag("etag", req.GetEtag())
	if err != nil {
		return nil, err
	}
	nd := pbconv.DocumentFromPB(in)
	out, err := s.store.UpdateDocument(ctx, write(ctx, "", ""), in.GetProjectId(), in.GetId(), tag, func(d *scholia.Document) error {
		for _, p := range paths {
			switch p {
			case "title":
				d.Title = nd.Title
			case "source":
				d.Source = nd.Source
			case "url":
				d.URL = nd.URL
			case "publish_time":
				d.PublishTime = nd.PublishTime
			case "language":
				d.Language = nd.Language
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	out.Text = ""
	return &pb.UpdateDocumentResponse{Document: pbconv.DocumentToPB(out)}, nil
}

func (s *documentService) DeleteDocument(ctx context.Context, req *pb.DeleteDocumentRequest) (*pb.DeleteDocumentResponse, error) {
	if err := callerFrom(ctx).requireRole("deleting documents", scholia.RoleAdmin, scholia.RoleCurator); err != nil {
		return nil, err
	}
	tag, err := parseEtag("etag", req.GetEtag())
	if err != nil {
		return nil, err
	}
	if err := s.store.DeleteDocument(ctx, write(ctx, "", ""), req.GetProjectId(), req.GetDocumentId(), tag); err != nil {
		return nil, err
	}
	return &pb.DeleteDocumentResponse{}, nil
}
