package client_test

import (
	"context"
	"fmt"
	"log"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/scholia-nlp/scholia/client"
	pb "github.com/scholia-nlp/scholia/gen/scholia/v1"
	"github.com/scholia-nlp/scholia/server"
	"github.com/scholia-nlp/scholia/sqlite"
)

// startServer runs a scholia server on a new database in a temporary
// directory and returns its address and the admin's token. A real program
// connects to a server started with `scholia serve` instead.
func startServer() (addr, token string, stop func()) {
	ctx := context.Background()
	dir, err := os.MkdirTemp("", "scholia-example")
	if err != nil {
		log.Fatal(err)
	}
	db := filepath.Join(dir, "annotations.db")
	store, err := sqlite.Open(ctx, db)
	if err != nil {
		log.Fatal(err)
	}
	if _, err := server.BootstrapAdmin(ctx, store, db+".admin-token"); err != nil {
		log.Fatal(err)
	}
	srv, err := server.New(ctx, store, server.Options{Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		log.Fatal(err)
	}
	g := srv.NewGRPCServer()
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		log.Fatal(err)
	}
	go g.Serve(lis)
	tok, _ := os.ReadFile(db + ".admin-token")
	return lis.Addr().String(), strings.TrimSpace(string(tok)), func() {
		g.Stop()
		store.Close()
		os.RemoveAll(dir)
	}
}

const exampleText = "Ruiz met Haddad in Geneva 🕊️ on Monday."

// setUp creates a project with one annotated document.
func setUp(ctx context.Context, c *client.Client) {
	if _, err := c.Projects.CreateProject(ctx, &pb.CreateProjectRequest{Project: &pb.Project{Id: "news"}}); err != nil {
		log.Fatal(err)
	}
	if _, err := c.Documents.CreateDocument(ctx, &pb.CreateDocumentRequest{Document: &pb.Document{ProjectId: "news", Id: "d1", Text: exampleText}}); err != nil {
		log.Fatal(err)
	}
	m := func(start, end int64, label string) *pb.Annotation {
		return &pb.Annotation{ProjectId: "news", DocumentId: "d1",
			Body: &pb.Annotation_Mention{Mention: &pb.Mention{Label: label, Spans: []*pb.Span{{Start: start, End: end}}}}}
	}
	if _, err := c.Annotations.BatchCreateAnnotations(ctx, &pb.BatchCreateAnnotationsRequest{Annotations: []*pb.Annotation{
		m(0, 4, "PER"), m(9, 15, "PER"), m(19, 25, "GPE"),
		{ProjectId: "news", DocumentId: "d1", Body: &pb.Annotation_Event{Event: &pb.Event{
			Type: "Contact.Meet", Trigger: []*pb.Span{{Start: 5, End: 8}},
			Arguments: []*pb.Argument{{Role: "Entity", AnnotationId: -1}, {Role: "Entity", AnnotationId: -2}, {Role: "Place", AnnotationId: -3}}}}},
	}}); err != nil {
		log.Fatal(err)
	}
}

// Dial a server, annotate, and read the annotations back. Offsets are code
// points; the server fills in each span's text.
func ExampleDial() {
	addr, token, stop := startServer()
	defer stop()
	ctx := context.Background()

	c, err := client.Dial(addr, client.WithToken(token))
	if err != nil {
		log.Fatal(err)
	}
	defer c.Close()
	setUp(ctx, c)

	for a, err := range c.AllAnnotations(ctx, &pb.ListAnnotationsRequest{ProjectId: "news", DocumentId: "d1"}) {
		if err != nil {
			log.Fatal(err)
		}
		switch b := a.GetBody().(type) {
		case *pb.Annotation_Mention:
			fmt.Printf("%d %s %q\n", a.GetId(), b.Mention.GetLabel(), b.Mention.GetSpans()[0].GetText())
		case *pb.Annotation_Event:
			fmt.Printf("%d %s %q with %d arguments\n", a.GetId(), b.Event.GetType(), b.Event.GetTrigger()[0].GetText(), len(b.Event.GetArguments()))
		}
	}
	// Output:
	// 1 PER "Ruiz"
	// 2 PER "Haddad"
	// 3 GPE "Geneva"
	// 4 Contact.Meet "met" with 3 arguments
}

// Stream the whole corpus as of one revision. The iterator resumes by
// itself after a dropped connection or a server restart.
func ExampleClient_StreamCorpus() {
	addr, token, stop := startServer()
	defer stop()
	ctx := context.Background()
	c, err := client.Dial(addr, client.WithToken(token))
	if err != nil {
		log.Fatal(err)
	}
	defer c.Close()
	setUp(ctx, c)

	req := &pb.StreamCorpusRequest{ProjectId: "news"}
	for doc, err := range c.StreamCorpus(ctx, req, client.RetryPolicy{}) {
		if err != nil {
			log.Fatal(err)
		}
		text := []rune(doc.GetDocument().GetText())
		for _, a := range doc.GetAnnotations() {
			if m := a.GetMention(); m != nil {
				s := m.GetSpans()[0]
				fmt.Println(m.GetLabel(), string(text[s.GetStart():s.GetEnd()]))
			}
		}
	}
	// Output:
	// PER Ruiz
	// PER Haddad
	// GPE Geneva
}

// Follow the changes of a project. Store the revision of the last message
// handled: a later watch from it misses nothing.
func ExampleClient_WatchChanges() {
	addr, token, stop := startServer()
	defer stop()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, err := client.Dial(addr, client.WithToken(token))
	if err != nil {
		log.Fatal(err)
	}
	defer c.Close()
	setUp(ctx, c)

	n := 0
	for msg, err := range c.WatchChanges(ctx, &pb.WatchChangesRequest{ProjectId: "news", SinceRevision: 0}, client.RetryPolicy{}) {
		if err != nil {
			log.Fatal(err)
		}
		ch := msg.GetChange()
		switch r := ch.GetResource().(type) {
		case *pb.Change_Document:
			fmt.Println(ch.GetType(), "document", r.Document.GetId())
		case *pb.Change_Annotation:
			fmt.Println(ch.GetType(), "annotation", r.Annotation.GetId())
		}
		if n++; n == 5 {
			break
		}
	}
	// Output:
	// CHANGE_TYPE_CREATED document d1
	// CHANGE_TYPE_CREATED annotation 1
	// CHANGE_TYPE_CREATED annotation 2
	// CHANGE_TYPE_CREATED annotation 3
	// CHANGE_TYPE_CREATED annotation 4
}

// Convert offsets between code points (scholia), UTF-16 code units
// (JavaScript, Label Studio) and UTF-8 bytes (Go).
func ExampleUTF16ToCodePoint() {
	// "Monday" starts after an emoji that is two UTF-16 units but one
	// code point, and a variation selector.
	b := strings.Index(exampleText, "Monday") // a UTF-8 byte offset
	cp, _ := client.ByteToCodePoint(exampleText, b)
	js, _ := client.CodePointToUTF16(exampleText, cp)
	back, _ := client.UTF16ToCodePoint(exampleText, js)
	fmt.Println("bytes", b, "code points", cp, "UTF-16", js, "back", back)
	// Output: bytes 37 code points 32 UTF-16 33 back 32
}
