package server_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"testing"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/mem"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/emptypb"

	"github.com/scholia-nlp/scholia"
	pb "github.com/scholia-nlp/scholia/gen/scholia/v1"
	"github.com/scholia-nlp/scholia/server"
)

func TestDocuments(t *testing.T) {
	e := newEnvWith(t, func(s scholia.Store) scholia.Store { return s }, server.Options{MaxDocumentBytes: 1 << 20})
	ctx := context.Background()
	e.project("p", "", "")
	resp, err := e.admin.Documents.CreateDocument(ctx, &pb.CreateDocumentRequest{Document: &pb.Document{ProjectId: "p", Id: "trap", Text: trapText, Title: "Talks"}})
	if err != nil {
		t.Fatal(err)
	}
	d := resp.GetDocument()
	sum := sha256.Sum256([]byte(trapText))
	if d.GetLength() != int64(len([]rune(trapText))) || d.GetSha256() != hex.EncodeToString(sum[:]) || d.GetText() != "" {
		t.Errorf("stored %v", d)
	}
	full, err := e.admin.Documents.GetDocument(ctx, &pb.GetDocumentRequest{ProjectId: "p", DocumentId: "trap", View: pb.DocumentView_DOCUMENT_VIEW_FULL})
	if err != nil || full.GetDocument().GetText() != trapText {
		t.Fatalf("the text did not round-trip byte for byte: %v", err)
	}
	for _, tc := range []struct {
		name  string
		doc   *pb.Document
		code  codes.Code
		field string
	}{
		{"empty", &pb.Document{ProjectId: "p", Id: "empty", Text: ""}, codes.InvalidArgument, "document.text"},
		{"duplicate id", &pb.Document{ProjectId: "p", Id: "trap", Text: "other text"}, codes.AlreadyExists, ""},
		{"bad id", &pb.Document{ProjectId: "p", Id: "../etc/passwd", Text: "x"}, codes.InvalidArgument, "document.id"},
		{"unknown project", &pb.Document{ProjectId: "nope", Id: "x", Text: "x"}, codes.NotFound, ""},
		{"too large", &pb.Document{ProjectId: "p", Id: "big", Text: strings.Repeat("a", 1<<20+1)}, codes.ResourceExhausted, "document.text"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := e.admin.Documents.CreateDocument(ctx, &pb.CreateDocumentRequest{Document: tc.doc})
			st := wantCode(t, err, tc.code)
			if tc.field != "" {
				if _, ok := violations(st)[tc.field]; !ok {
					t.Errorf("no violation of %s in %v (%s)", tc.field, violations(st), st.Message())
				}
			}
		})
	}
	// A message far over the limit is refused by gRPC itself, before any
	// of it reaches the store; the server stays up.
	_, err = e.admin.Documents.CreateDocument(ctx, &pb.CreateDocumentRequest{Document: &pb.Document{ProjectId: "p", Id: "huge", Text: strings.Repeat("b", 3<<20)}})
	wantCode(t, err, codes.ResourceExhausted)
	if _, err := e.admin.Documents.GetDocument(ctx, &pb.GetDocumentRequest{ProjectId: "p", DocumentId: "trap"}); err != nil {
		t.Fatalf("server unusable after an oversized message: %v", err)
	}
	// A text that is not UTF-8 never leaves a Go client (protobuf refuses to
	// marshal it); sent raw by a hostile client, gRPC's decoder refuses it
	// before scholia sees it. Either way nothing is stored.
	_, err = e.admin.Documents.CreateDocument(ctx, &pb.CreateDocumentRequest{Document: &pb.Document{ProjectId: "p", Id: "bad", Text: "ok \xff\xfe no"}})
	if err == nil {
		t.Fatal("a text with invalid UTF-8 was accepted")
	}
	raw := rawDocument("p", "bad", []byte("ok \xff\xfe no"))
	err = e.admin.Conn().Invoke(ctx, "/scholia.v1.DocumentService/CreateDocument", raw, &emptypb.Empty{}, grpc.ForceCodecV2(rawCodec{}))
	if st := wantCode(t, err, codes.Internal); !strings.Contains(st.Message(), "invalid UTF-8") {
		t.Errorf("raw invalid UTF-8: %v", st.Message())
	}
	if _, err := e.admin.Documents.GetDocument(ctx, &pb.GetDocumentRequest{ProjectId: "p", DocumentId: "bad"}); status.Code(err) != codes.NotFound {
		t.Errorf("the document with invalid UTF-8 was stored: %v", err)
	}
	// The text cannot be changed; metadata can.
	_, err = e.admin.Documents.UpdateDocument(ctx, &pb.UpdateDocumentRequest{Document: &pb.Document{ProjectId: "p", Id: "trap", Text: "new"}, UpdateMask: mask("text")})
	wantCode(t, err, codes.InvalidArgument)
	upd, err := e.admin.Documents.UpdateDocument(ctx, &pb.UpdateDocumentRequest{Document: &pb.Document{ProjectId: "p", Id: "trap", Source: "AFP"}, UpdateMask: mask("source"), Etag: d.GetEtag()})
	if err != nil || upd.GetDocument().GetSource() != "AFP" || upd.GetDocument().GetTitle() != "Talks" {
		t.Fatalf("update: %v %v", upd, err)
	}
	_, err = e.admin.Documents.UpdateDocument(ctx, &pb.UpdateDocumentRequest{Document: &pb.Document{ProjectId: "p", Id: "trap", Source: "Reuters"}, UpdateMask: mask("source"), Etag: d.GetEtag()})
	wantCode(t, err, codes.Aborted)
	// A document with annotations cannot be deleted.
	if _, err := e.admin.Annotations.CreateAnnotation(ctx, &pb.CreateAnnotationRequest{Annotation: mention("p", "trap", "", 3, 9, "", "PER")}); err != nil {
		t.Fatal(err)
	}
	_, err = e.admin.Documents.DeleteDocument(ctx, &pb.DeleteDocumentRequest{ProjectId: "p", DocumentId: "trap"})
	wantCode(t, err, codes.FailedPrecondition)
}

// rawDocument encodes a CreateDocumentRequest by hand, with text bytes that
// the protobuf library would refuse to marshal.
func rawDocument(project, id string, text []byte) []byte {
	var doc []byte
	doc = protowire.AppendTag(doc, 1, protowire.BytesType)
	doc = protowire.AppendString(doc, project)
	doc = protowire.AppendTag(doc, 2, protowire.BytesType)
	doc = protowire.AppendString(doc, id)
	doc = protowire.AppendTag(doc, 8, protowire.BytesType)
	doc = protowire.AppendBytes(doc, text)
	var req []byte
	req = protowire.AppendTag(req, 1, protowire.BytesType)
	return protowire.AppendBytes(req, doc)
}

// rawCodec sends pre-encoded bytes and decodes replies as protobuf.
type rawCodec struct{}

func (rawCodec) Marshal(v any) (mem.BufferSlice, error) {
	return mem.BufferSlice{mem.SliceBuffer(v.([]byte))}, nil
}

func (rawCodec) Unmarshal(data mem.BufferSlice, v any) error {
	return proto.Unmarshal(data.Materialize(), v.(proto.Message))
}

func (rawCodec) Name() string { return "proto" }

// failingStore fails or panics in front of a real store, to check what a
// client sees of an internal failure.
type failingStore struct {
	scholia.Store
	panics bool
}

func (f failingStore) GetProject(ctx context.Context, id string) (scholia.Project, error) {
	if f.panics {
		panic("boom: " + errInjected.Error())
	}
	return scholia.Project{}, scholia.Internal("reading the project", errInjected)
}

func TestInternalErrorsRevealNothing(t *testing.T) {
	for _, panics := range []bool{false, true} {
		e := newEnvWith(t, func(s scholia.Store) scholia.Store { return failingStore{Store: s, panics: panics} }, server.Options{})
		_, err := e.admin.Projects.GetProject(context.Background(), &pb.GetProjectRequest{ProjectId: "p"})
		st := wantCode(t, err, codes.Internal)
		if strings.Contains(st.Message(), "SELECT") || strings.Contains(st.Message(), "goroutine") || strings.Contains(st.Message(), "boom") {
			t.Errorf("the client sees %q", st.Message())
		}
		if !strings.Contains(e.logText(), "secret_column") {
			t.Errorf("the cause was not logged: %s", e.logText())
		}
		// The server still answers.
		if _, err := e.admin.Admin.WhoAmI(context.Background(), &pb.WhoAmIRequest{}); err != nil {
			t.Fatal(err)
		}
	}
}
