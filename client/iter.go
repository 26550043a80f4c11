package client

import (
	"context"
	"iter"

	"google.golang.org/protobuf/proto"

	pb "github.com/scholia-nlp/scholia/gen/scholia/v1"
)

// AllAnnotations iterates over every annotation a ListAnnotations request
// selects, page by page. All pages show the project as of the first page's
// revision. The request is not modified. Iteration stops at the first error,
// which is yielded.
func (c *Client) AllAnnotations(ctx context.Context, req *pb.ListAnnotationsRequest) iter.Seq2[*pb.Annotation, error] {
	return func(yield func(*pb.Annotation, error) bool) {
		r := proto.Clone(req).(*pb.ListAnnotationsRequest)
		for {
			resp, err := c.Annotations.ListAnnotations(ctx, r)
			if err != nil {
				yield(nil, err)
				return
			}
			for _, a := range resp.GetAnnotations() {
				if !yield(a, nil) {
					return
				}
			}
			if resp.GetNextPageToken() == "" {
				return
			}
			r.PageToken = resp.GetNextPageToken()
		}
	}
}

// AllDocuments iterates over every document of a project, without texts.
func (c *Client) AllDocuments(ctx context.Context, project string) iter.Seq2[*pb.Document, error] {
	return func(yield func(*pb.Document, error) bool) {
		r := &pb.ListDocumentsRequest{ProjectId: project, PageSize: 1000}
		for {
			resp, err := c.Documents.ListDocuments(ctx, r)
			if err != nil {
				yield(nil, err)
				return
			}
			for _, d := range resp.GetDocuments() {
				if !yield(d, nil) {
					return
				}
			}
			if resp.GetNextPageToken() == "" {
				return
			}
			r.PageToken = resp.GetNextPageToken()
		}
	}
}
