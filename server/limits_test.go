package server_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"google.golang.org/grpc/codes"

	"github.com/scholia-nlp/scholia"
	pb "github.com/scholia-nlp/scholia/gen/scholia/v1"
	"github.com/scholia-nlp/scholia/server"
)

// TestLimits: each limit of server.Options (the flags of `scholia serve`)
// is enforced with the documented code. A page size over the maximum is
// served at the maximum (AIP-158: coerced, not refused), with a token for
// the rest; a batch or a document over its limit is RESOURCE_EXHAUSTED and
// stores nothing; a request message over MaxMessageBytes is refused by gRPC
// with RESOURCE_EXHAUSTED before it is decoded.
func TestLimits(t *testing.T) {
	opts := server.Options{MaxPageSize: 3, MaxBatch: 5, MaxDocumentBytes: 100 << 10, MaxMessageBytes: 200 << 10}
	e := newEnvWith(t, func(s scholia.Store) scholia.Store { return s }, opts)
	ctx := context.Background()
	e.project("p", "d", rolesText)
	for i := range 4 {
		e.doc("p", fmt.Sprintf("e%d", i), rolesText)
	}
	batch := func(n int) []*pb.Annotation {
		out := make([]*pb.Annotation, n)
		for i := range out {
			out[i] = mention("p", "d", "", 0, 6, "Lavrov", "PER")
		}
		return out
	}

	t.Run("page size over the maximum is served at the maximum", func(t *testing.T) {
		if _, err := e.admin.Annotations.BatchCreateAnnotations(ctx, &pb.BatchCreateAnnotationsRequest{Annotations: batch(5)}); err != nil {
			t.Fatal(err)
		}
		var seen int
		token := ""
		for pages := 0; ; pages++ {
			resp, err := e.admin.Annotations.ListAnnotations(ctx, &pb.ListAnnotationsRequest{ProjectId: "p", PageSize: 1 << 30, PageToken: token})
			if err != nil {
				t.Fatal(err)
			}
			if n := len(resp.GetAnnotations()); n > 3 {
				t.Fatalf("a page of %d annotations; the maximum is 3", n)
			}
			seen += len(resp.GetAnnotations())
			if token = resp.GetNextPageToken(); token == "" {
				break
			}
		}
		if seen != 5 {
			t.Fatalf("listed %d annotations over the pages, want 5", seen)
		}
		docs, err := e.admin.Documents.ListDocuments(ctx, &pb.ListDocumentsRequest{ProjectId: "p", PageSize: 1000})
		if err != nil || len(docs.GetDocuments()) != 3 || docs.GetNextPageToken() == "" {
			t.Fatalf("ListDocuments with page_size 1000: %d documents, token %q, %v", len(docs.GetDocuments()), docs.GetNextPageToken(), err)
		}
		_, err = e.admin.Documents.ListDocuments(ctx, &pb.ListDocumentsRequest{ProjectId: "p", PageSize: -1})
		wantCode(t, err, codes.InvalidArgument)
	})

	t.Run("batch over the maximum", func(t *testing.T) {
		rev, _ := e.store.Revision(ctx)
		_, err := e.admin.Annotations.BatchCreateAnnotations(ctx, &pb.BatchCreateAnnotationsRequest{Annotations: batch(6)})
		st := wantCode(t, err, codes.ResourceExhausted)
		if reason(st) != "BATCH_TOO_LARGE" || !strings.Contains(st.Message(), "at most 5") {
			t.Errorf("reason %s, message %q", reason(st), st.Message())
		}
		if now, _ := e.store.Revision(ctx); now != rev {
			t.Errorf("the refused batch wrote something: revision %d -> %d", rev, now)
		}
	})

	t.Run("document over the maximum", func(t *testing.T) {
		_, err := e.admin.Documents.CreateDocument(ctx, &pb.CreateDocumentRequest{Document: &pb.Document{ProjectId: "p", Id: "big", Text: strings.Repeat("x", 100<<10+1)}})
		st := wantCode(t, err, codes.ResourceExhausted)
		if !strings.Contains(st.Message(), "--max-document-bytes") {
			t.Errorf("the message does not name the flag: %q", st.Message())
		}
		// At the limit is fine.
		if _, err := e.admin.Documents.CreateDocument(ctx, &pb.CreateDocumentRequest{Document: &pb.Document{ProjectId: "p", Id: "max", Text: strings.Repeat("x", 100<<10)}}); err != nil {
			t.Fatal(err)
		}
	})

	t.Run("message over the maximum", func(t *testing.T) {
		rev, _ := e.store.Revision(ctx)
		// 250 KiB of request: over MaxMessageBytes, whatever its content.
		big := batch(1)
		big[0].Attributes = map[string]string{"note": strings.Repeat("y", 250<<10)}
		_, err := e.admin.Annotations.BatchCreateAnnotations(ctx, &pb.BatchCreateAnnotationsRequest{Annotations: big})
		wantCode(t, err, codes.ResourceExhausted)
		_, err = e.admin.Documents.CreateDocument(ctx, &pb.CreateDocumentRequest{Document: &pb.Document{ProjectId: "p", Id: "huge", Text: strings.Repeat("x", 300<<10)}})
		wantCode(t, err, codes.ResourceExhausted)
		if now, _ := e.store.Revision(ctx); now != rev {
			t.Errorf("a refused message wrote something: revision %d -> %d", rev, now)
		}
		// The connection is still good.
		if _, err := e.admin.Admin.WhoAmI(ctx, &pb.WhoAmIRequest{}); err != nil {
			t.Fatal(err)
		}
	})
}
