package server_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"google.golang.org/grpc/codes"

	"github.com/scholia-nlp/scholia"
	"github.com/scholia-nlp/scholia/client"
	pb "github.com/scholia-nlp/scholia/gen/scholia/v1"
	"github.com/scholia-nlp/scholia/server"
)

// importText has a curly quote, an emoji outside the BMP and a CRLF, so
// that offsets are code points.
const importText = "\U0001F54A\uFE0F Ana Ruiz met Malik Haddad in Geneva.\r\n\u201cPeace\u201d, said Ruiz."

// importSpan returns the span of the n-th quote in importText.
func importSpan(quote string, n int) *pb.Span {
	from := 0
	for {
		i := strings.Index(importText[from:], quote)
		if i < 0 {
			panic(quote)
		}
		if n == 0 {
			start := int64(len([]rune(importText[:from+i])))
			return &pb.Span{Start: start, End: start + int64(len([]rune(quote))), Text: quote}
		}
		n--
		from += i + 1
	}
}

// importDoc is a document with two people, a place and a meeting whose
// arguments come after it, with local ids from base.
func importDoc(id string, base int64) *pb.ImportDocument {
	m := func(local int64, quote, label string) *pb.Annotation {
		return &pb.Annotation{Id: local, Body: &pb.Annotation_Mention{Mention: &pb.Mention{Label: label, Spans: []*pb.Span{importSpan(quote, 0)}}}}
	}
	return &pb.ImportDocument{Source: id + ".ann", Document: &pb.Document{Id: id, Text: importText, Title: "Talks"},
		Annotations: []*pb.Annotation{
			{Id: base + 4, Attributes: map[string]string{"realis": "ACTUAL"}, Body: &pb.Annotation_Event{Event: &pb.Event{Type: "Contact.Meet",
				Trigger: []*pb.Span{importSpan("met", 0)}, Arguments: []*pb.Argument{{Role: "Entity", AnnotationId: base + 1}, {Role: "Entity", AnnotationId: base + 2}, {Role: "Place", AnnotationId: base + 3}}}}},
			m(base+1, "Ana Ruiz", "PER"), m(base+2, "Malik Haddad", "PER"), m(base+3, "Geneva", "GPE"),
		},
		Layers: []*pb.Layer{{Annotator: "gold", Status: pb.LayerStatus_LAYER_STATUS_DONE}},
	}
}

// runImport sends an import in messages of up to perMsg units.
func runImport(t *testing.T, c *client.Client, opts *pb.ImportOptions, units []*pb.ImportDocument, perMsg int) (*pb.ImportDocumentsResponse, error) {
	t.Helper()
	stream, err := c.Documents.ImportDocuments(context.Background())
	if err != nil {
		return nil, err
	}
	if err := stream.Send(&pb.ImportDocumentsRequest{Options: opts}); err != nil {
		return stream.CloseAndRecv()
	}
	for len(units) > 0 {
		n := min(perMsg, len(units))
		if err := stream.Send(&pb.ImportDocumentsRequest{Documents: units[:n]}); err != nil {
			break // the server ended the import; CloseAndRecv says why
		}
		units = units[n:]
	}
	return stream.CloseAndRecv()
}

func importStatuses(resp *pb.ImportDocumentsResponse) string {
	var out []string
	for _, r := range resp.GetResults() {
		out = append(out, strings.TrimPrefix(r.GetStatus().String(), "IMPORT_STATUS_"))
	}
	return strings.Join(out, " ")
}

func TestImportDocuments(t *testing.T) {
	e := newEnvWith(t, func(s scholia.Store) scholia.Store { return s }, server.Options{MaxDocumentBytes: 1 << 20})
	ctx := context.Background()
	e.project("p", "", "")
	curator := e.user("carol", pb.Role_ROLE_CURATOR)
	link := &pb.ImportDocument{Source: "links", Annotations: []*pb.Annotation{{Id: 100, Body: &pb.Annotation_Cluster{Cluster: &pb.Cluster{
		Kind: pb.ClusterKind_CLUSTER_KIND_EVENT, MemberIds: []int64{4, 14}, Title: "Geneva talks"}}}}}
	opts := &pb.ImportOptions{ProjectId: "p", Annotator: "gold"}
	resp, err := runImport(t, curator, opts, []*pb.ImportDocument{importDoc("a", 0), importDoc("b", 10), link}, 2)
	if err != nil {
		t.Fatal(err)
	}
	if importStatuses(resp) != "CREATED CREATED CREATED" || resp.GetDocuments() != 2 || resp.GetLinks() != 1 || resp.GetAnnotations() != 9 ||
		resp.GetFailed() != 0 || resp.GetStopped() || resp.GetRevision() == 0 || resp.GetResults()[0].GetSource() != "a.ann" {
		t.Fatalf("response %v", resp)
	}
	list, err := curator.Annotations.ListAnnotations(ctx, &pb.ListAnnotationsRequest{ProjectId: "p", DocumentId: "b"})
	if err != nil {
		t.Fatal(err)
	}
	anns := list.GetAnnotations()
	if len(anns) != 4 || anns[3].GetEvent() == nil || anns[3].GetAnnotator() != "gold" || anns[3].GetUpdateUser() != "carol" {
		t.Fatalf("stored annotations of b: %v", anns)
	}
	if args := anns[3].GetEvent().GetArguments(); args[0].GetAnnotationId() != anns[0].GetId() || args[2].GetAnnotationId() != anns[2].GetId() {
		t.Fatalf("arguments not mapped to stored ids: %v", args)
	}
	var clusters []*pb.Annotation
	for msg, err := range curator.StreamCorpus(ctx, &pb.StreamCorpusRequest{ProjectId: "p", DocumentIds: []string{"b"}}, client.RetryPolicy{}) {
		if err != nil {
			t.Fatal(err)
		}
		clusters = msg.GetClusters()
		if l := msg.GetLayers(); len(l) != 1 || l[0].GetStatus() != pb.LayerStatus_LAYER_STATUS_DONE {
			t.Fatalf("layers of b: %v", l)
		}
	}
	if len(clusters) != 1 || clusters[0].GetCluster().GetMemberIds()[1] != anns[3].GetId() {
		t.Fatalf("the cross-document cluster: %v", clusters)
	}

	// The same documents again: each fails, and the first stops the import.
	resp, err = runImport(t, curator, opts, []*pb.ImportDocument{importDoc("c", 20), importDoc("a", 30), importDoc("d", 40)}, 1)
	if err != nil {
		t.Fatal(err)
	}
	if importStatuses(resp) != "CREATED FAILED" || !resp.GetStopped() || resp.GetFailed() != 1 {
		t.Fatalf("response %v", resp)
	}
	if ie := resp.GetResults()[1].GetError(); ie.GetCode() != int32(codes.AlreadyExists) || ie.GetReason() != "DOCUMENT_EXISTS" {
		t.Fatalf("error of an existing document: %v", ie)
	}
	_, err = curator.Documents.GetDocument(ctx, &pb.GetDocumentRequest{ProjectId: "p", DocumentId: "d"})
	wantCode(t, err, codes.NotFound)

	// A bad annotation fails its document, which is reported with the
	// field; keep_going imports the others.
	bad := importDoc("e", 50)
	bad.Annotations[1].GetMention().Label = "PERSON"
	tooBig := importDoc("big", 60)
	tooBig.Document.Text = strings.Repeat("x", 1<<20+1)
	unknown := importDoc("u", 70)
	unknown.Annotations[2].Annotator = "nobody"
	opts.KeepGoing = true
	resp, err = runImport(t, curator, opts, []*pb.ImportDocument{bad, tooBig, unknown, importDoc("f", 80)}, 1)
	if err != nil {
		t.Fatal(err)
	}
	if importStatuses(resp) != "FAILED FAILED FAILED CREATED" || resp.GetStopped() || resp.GetFailed() != 3 {
		t.Fatalf("response %v", resp)
	}
	ie := resp.GetResults()[0].GetError()
	if fv := ie.GetFieldViolations(); ie.GetCode() != int32(codes.InvalidArgument) || len(fv) != 2 || fv[1].GetField() != "annotations[1].mention.label" ||
		fv[0].GetDescription() != "annotations[1] is labelled PERSON; role Entity of Contact.Meet takes [PER ORG GPE]" {
		t.Fatalf("error of a bad annotation: %v", ie)
	}
	if ie := resp.GetResults()[1].GetError(); ie.GetCode() != int32(codes.ResourceExhausted) {
		t.Fatalf("error of a large document: %v", ie)
	}
	if ie := resp.GetResults()[2].GetError(); ie.GetCode() != int32(codes.NotFound) || !strings.Contains(ie.GetMessage(), "nobody") {
		t.Fatalf("error of an unknown annotator: %v", ie)
	}

	// A dry run validates and writes nothing.
	rev, err := e.store.Revision(ctx)
	if err != nil {
		t.Fatal(err)
	}
	resp, err = runImport(t, curator, &pb.ImportOptions{ProjectId: "p", Annotator: "gold", DryRun: true, KeepGoing: true},
		[]*pb.ImportDocument{importDoc("g", 90), importDoc("a", 100)}, 5)
	if err != nil {
		t.Fatal(err)
	}
	if importStatuses(resp) != "VALIDATED FAILED" || !resp.GetDryRun() || resp.GetRevision() != 0 || resp.GetDocuments() != 1 {
		t.Fatalf("dry run response %v", resp)
	}
	if now, _ := e.store.Revision(ctx); now != rev {
		t.Fatalf("a dry run wrote: revision %d -> %d", rev, now)
	}
}

// TestImportLinksAcrossBatches imports more documents than one store call
// takes, then a cluster over the first and the last, for real and dry.
func TestImportLinksAcrossBatches(t *testing.T) {
	e := newEnv(t)
	e.project("p", "", "")
	for _, dry := range []bool{true, false} {
		var units []*pb.ImportDocument
		n := 300
		for i := 0; i < n; i++ {
			units = append(units, importDoc(fmt.Sprintf("doc%d-%v", i, dry), int64(i*10)))
		}
		units = append(units, &pb.ImportDocument{Annotations: []*pb.Annotation{{Id: 1_000_000, Body: &pb.Annotation_Cluster{Cluster: &pb.Cluster{
			Kind: pb.ClusterKind_CLUSTER_KIND_ENTITY, MemberIds: []int64{1, int64((n-1)*10 + 1)}}}}}})
		resp, err := runImport(t, e.admin, &pb.ImportOptions{ProjectId: "p", Annotator: "gold", DryRun: dry}, units, 7)
		if err != nil {
			t.Fatal(err)
		}
		want := "CREATED"
		if dry {
			want = "VALIDATED"
		}
		if got := importStatuses(resp); got != strings.TrimSpace(strings.Repeat(want+" ", n+1)) {
			t.Fatalf("dry run %v: %s", dry, got)
		}
		if resp.GetDocuments() != int32(n) || resp.GetLinks() != 1 || resp.GetAnnotations() != int64(4*n+1) {
			t.Fatalf("dry run %v: %v documents, %v links, %v annotations", dry, resp.GetDocuments(), resp.GetLinks(), resp.GetAnnotations())
		}
	}
}

func TestImportRefusals(t *testing.T) {
	e := newEnv(t)
	e.project("p", "", "")
	ann := e.user("ann", pb.Role_ROLE_ANNOTATOR)
	reader := e.user("rita", pb.Role_ROLE_READER)
	for _, c := range []*client.Client{ann, reader} {
		_, err := runImport(t, c, &pb.ImportOptions{ProjectId: "p"}, []*pb.ImportDocument{importDoc("a", 0)}, 1)
		wantCode(t, err, codes.PermissionDenied)
	}
	_, err := runImport(t, e.admin, &pb.ImportOptions{ProjectId: "nope"}, nil, 1)
	wantCode(t, err, codes.NotFound)
	_, err = runImport(t, e.admin, &pb.ImportOptions{ProjectId: "p", Annotator: "nobody"}, nil, 1)
	wantCode(t, err, codes.NotFound)
	_, err = runImport(t, e.admin, nil, []*pb.ImportDocument{importDoc("a", 0)}, 1)
	st := wantCode(t, err, codes.InvalidArgument)
	if _, ok := violations(st)["options"]; !ok {
		t.Fatalf("violations %v", violations(st))
	}
	// Options twice.
	stream, err := e.admin.Documents.ImportDocuments(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	stream.Send(&pb.ImportDocumentsRequest{Options: &pb.ImportOptions{ProjectId: "p"}})
	stream.Send(&pb.ImportDocumentsRequest{Options: &pb.ImportOptions{ProjectId: "p"}})
	_, err = stream.CloseAndRecv()
	wantCode(t, err, codes.InvalidArgument)
}
