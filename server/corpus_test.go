package server_test

import (
	"context"
	"fmt"
	"io"
	"slices"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/scholia-nlp/scholia/client"
	pb "github.com/scholia-nlp/scholia/gen/scholia/v1"
)

// corpusFixture makes n documents with two mentions each in alice's layer
// and one in bob's, and returns alice's and bob's clients.
func corpusFixture(t *testing.T, e *env, n int) (alice, bob *client.Client) {
	t.Helper()
	ctx := context.Background()
	e.project("p", "", "")
	alice = e.user("alice", pb.Role_ROLE_ANNOTATOR)
	bob = e.user("bob", pb.Role_ROLE_ANNOTATOR)
	e.member("p", "alice", "bob")
	for i := 0; i < n; i++ {
		id := fmt.Sprintf("d%03d", i)
		e.doc("p", id, rolesText)
		if _, err := alice.Annotations.BatchCreateAnnotations(ctx, &pb.BatchCreateAnnotationsRequest{Annotations: []*pb.Annotation{
			mention("p", id, "", 0, 6, "Lavrov", "PER"), mention("p", id, "", 25, 31, "Moscow", "GPE"),
		}}); err != nil {
			t.Fatal(err)
		}
		if _, err := bob.Annotations.CreateAnnotation(ctx, &pb.CreateAnnotationRequest{Annotation: mention("p", id, "", 11, 21, "de Mistura", "PER")}); err != nil {
			t.Fatal(err)
		}
	}
	return alice, bob
}

// drain reads a stream to its end or to stopAfter messages.
func drain(t *testing.T, c *client.Client, req *pb.StreamCorpusRequest, stopAfter int) ([]*pb.StreamCorpusResponse, error) {
	t.Helper()
	stream, err := c.Corpus.StreamCorpus(context.Background(), req)
	if err != nil {
		return nil, err
	}
	var out []*pb.StreamCorpusResponse
	for {
		m, err := stream.Recv()
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return out, err
		}
		out = append(out, m)
		if len(out) == stopAfter {
			return out, nil
		}
	}
}

// ids summarises messages as "doc:ann,ann" strings.
func ids(ms []*pb.StreamCorpusResponse) []string {
	var out []string
	for _, m := range ms {
		s := m.GetDocument().GetId() + ":"
		for _, a := range m.GetAnnotations() {
			s += fmt.Sprintf("%d,", a.GetId())
		}
		out = append(out, s)
	}
	return out
}

func TestStreamCorpusSnapshotAndResume(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	corpusFixture(t, e, 150) // more than two chunks of 64
	full, err := drain(t, e.admin, &pb.StreamCorpusRequest{ProjectId: "p"}, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(full) != 150 || len(full[0].GetAnnotations()) != 3 || full[0].GetDocument().GetText() != rolesText {
		t.Fatalf("got %d documents, first %v", len(full), full[0])
	}
	rev := full[0].GetRevision()
	// Writes after the snapshot: a new document, new and deleted annotations.
	e.doc("p", "d000a", rolesText)
	if _, err := e.admin.Annotations.CreateAnnotation(ctx, &pb.CreateAnnotationRequest{Annotation: mention("p", "d010", "", 7, 10, "met", "PER")}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.admin.Annotations.DeleteAnnotation(ctx, &pb.DeleteAnnotationRequest{Id: full[100].GetAnnotations()[0].GetId()}); err != nil {
		t.Fatal(err)
	}
	// Interrupted after 70 documents, resumed with the last token: exactly
	// the snapshot, nothing twice, nothing missing.
	req := &pb.StreamCorpusRequest{ProjectId: "p", AsOfRevision: rev}
	first, err := drain(t, e.admin, req, 70)
	if err != nil {
		t.Fatal(err)
	}
	req.ResumeToken = first[len(first)-1].GetResumeToken()
	rest, err := drain(t, e.admin, req, 0)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := append(ids(first), ids(rest)...), ids(full); !slices.Equal(got, want) {
		t.Fatalf("resumed stream differs from the snapshot:\n got %d %v\nwant %d", len(got), got[:3], len(want))
	}
	// The newest revision shows the writes.
	now, err := drain(t, e.admin, &pb.StreamCorpusRequest{ProjectId: "p", ExcludeText: true}, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(now) != 151 || now[1].GetDocument().GetId() != "d000a" || now[0].GetDocument().GetText() != "" {
		t.Errorf("newest: %d documents, second %s", len(now), now[1].GetDocument().GetId())
	}
	// Bad tokens and requests.
	tok := first[0].GetResumeToken()
	for _, c := range []struct {
		name string
		req  *pb.StreamCorpusRequest
		code codes.Code
	}{
		{"tampered token", &pb.StreamCorpusRequest{ProjectId: "p", AsOfRevision: rev, ResumeToken: tamper(tok)}, codes.InvalidArgument},
		{"token with other filters", &pb.StreamCorpusRequest{ProjectId: "p", AsOfRevision: rev, ResumeToken: tok, Annotators: []string{"bob"}}, codes.InvalidArgument},
		{"future revision", &pb.StreamCorpusRequest{ProjectId: "p", AsOfRevision: rev + 1000}, codes.InvalidArgument},
		{"unknown project", &pb.StreamCorpusRequest{ProjectId: "nope"}, codes.NotFound},
		{"bad kind", &pb.StreamCorpusRequest{ProjectId: "p", Kinds: []pb.AnnotationKind{42}}, codes.InvalidArgument},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := drain(t, e.admin, c.req, 0)
			wantCode(t, err, c.code)
		})
	}
}

func TestStreamCorpusFiltersAndRoles(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	alice, _ := corpusFixture(t, e, 5)
	if _, err := alice.Annotations.UpdateLayer(ctx, &pb.UpdateLayerRequest{Layer: &pb.Layer{ProjectId: "p", DocumentId: "d002", Status: pb.LayerStatus_LAYER_STATUS_DONE}}); err != nil {
		t.Fatal(err)
	}
	count := func(ms []*pb.StreamCorpusResponse) (docs, anns int) {
		for _, m := range ms {
			docs++
			anns += len(m.GetAnnotations())
		}
		return
	}
	for _, c := range []struct {
		name       string
		c          *client.Client
		req        *pb.StreamCorpusRequest
		docs, anns int
	}{
		{"all layers", e.admin, &pb.StreamCorpusRequest{ProjectId: "p"}, 5, 15},
		{"bob's layer", e.admin, &pb.StreamCorpusRequest{ProjectId: "p", Annotators: []string{"bob"}}, 5, 5},
		{"labels", e.admin, &pb.StreamCorpusRequest{ProjectId: "p", Labels: []string{"GPE"}}, 5, 5},
		{"documents", e.admin, &pb.StreamCorpusRequest{ProjectId: "p", DocumentIds: []string{"d001", "d003"}}, 2, 6},
		{"done only, skip empty", e.admin, &pb.StreamCorpusRequest{ProjectId: "p", DoneOnly: true, SkipEmpty: true}, 1, 2},
		{"an annotator sees their own layer", alice, &pb.StreamCorpusRequest{ProjectId: "p"}, 5, 10},
	} {
		t.Run(c.name, func(t *testing.T) {
			ms, err := drain(t, c.c, c.req, 0)
			if err != nil {
				t.Fatal(err)
			}
			if d, a := count(ms); d != c.docs || a != c.anns {
				t.Errorf("%d documents, %d annotations; want %d, %d", d, a, c.docs, c.anns)
			}
		})
	}
	_, err := drain(t, alice, &pb.StreamCorpusRequest{ProjectId: "p", Annotators: []string{"bob"}}, 0)
	wantCode(t, err, codes.PermissionDenied)
}

func TestStreamNoticesRevokedToken(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	// Documents large enough that the whole stream cannot sit in the
	// transport's flow-control windows while the client does not read.
	e.project("p", "", "")
	big := strings.Repeat(rolesText+" ", 500)
	for i := 0; i < 200; i++ {
		e.doc("p", fmt.Sprintf("d%03d", i), big)
	}
	resp, err := e.admin.Admin.CreateUser(ctx, &pb.CreateUserRequest{User: &pb.User{Name: "job", Role: pb.Role_ROLE_READER}})
	if err != nil {
		t.Fatal(err)
	}
	job := e.client(resp.GetSecret())
	stream, err := job.Corpus.StreamCorpus(ctx, &pb.StreamCorpusRequest{ProjectId: "p"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := stream.Recv(); err != nil {
		t.Fatal(err)
	}
	if _, err := e.admin.Admin.RevokeToken(ctx, &pb.RevokeTokenRequest{Id: resp.GetToken().GetId()}); err != nil {
		t.Fatal(err)
	}
	for {
		_, err := stream.Recv()
		if err == nil {
			continue
		}
		if status.Code(err) != codes.Unauthenticated {
			t.Fatalf("the stream ended with %v, want Unauthenticated", err)
		}
		break
	}
}

func TestWatchChanges(t *testing.T) {
	e := newEnv(t)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	e.project("p", "d", rolesText)
	a, err := e.admin.Annotations.CreateAnnotation(ctx, &pb.CreateAnnotationRequest{Annotation: mention("p", "d", "", 0, 6, "Lavrov", "PER")})
	if err != nil {
		t.Fatal(err)
	}
	stream, err := e.admin.Corpus.WatchChanges(ctx, &pb.WatchChangesRequest{ProjectId: "p", HeartbeatSeconds: 1})
	if err != nil {
		t.Fatal(err)
	}
	next := func() *pb.WatchChangesResponse {
		t.Helper()
		m, err := stream.Recv()
		if err != nil {
			t.Fatal(err)
		}
		return m
	}
	// The history: the document, then the annotation.
	if m := next(); m.GetChange().GetDocument().GetId() != "d" || m.GetChange().GetType() != pb.ChangeType_CHANGE_TYPE_CREATED {
		t.Fatalf("first change %v", m)
	}
	m := next()
	if m.GetChange().GetAnnotation().GetId() != a.GetAnnotation().GetId() || m.GetRevision() != m.GetChange().GetRevision() {
		t.Fatalf("second change %v", m)
	}
	caughtUp := m.GetRevision()
	// Nothing happens: a heartbeat with the current revision.
	if hb := next(); !hb.GetHeartbeat() || hb.GetRevision() < caughtUp {
		t.Fatalf("expected a heartbeat, got %v", hb)
	}
	// Live: an update and a delete arrive in order.
	upd := mention("p", "d", "", 0, 6, "", "ORG")
	upd.Id = a.GetAnnotation().GetId()
	if _, err := e.admin.Annotations.UpdateAnnotation(ctx, &pb.UpdateAnnotationRequest{Annotation: upd, UpdateMask: mask("mention.label")}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.admin.Annotations.DeleteAnnotation(ctx, &pb.DeleteAnnotationRequest{Id: upd.Id}); err != nil {
		t.Fatal(err)
	}
	var got []string
	for len(got) < 2 {
		m := next()
		if m.GetHeartbeat() {
			continue
		}
		got = append(got, fmt.Sprintf("%s %s", m.GetChange().GetType(), m.GetChange().GetAnnotation().GetMention().GetLabel()))
	}
	if want := []string{"CHANGE_TYPE_UPDATED ORG", "CHANGE_TYPE_DELETED ORG"}; !slices.Equal(got, want) {
		t.Errorf("live changes %v, want %v", got, want)
	}
	// A reconnect from the revision it had caught up to misses nothing.
	again, err := e.admin.Corpus.WatchChanges(ctx, &pb.WatchChangesRequest{ProjectId: "p", SinceRevision: caughtUp})
	if err != nil {
		t.Fatal(err)
	}
	m2, err := again.Recv()
	if err != nil || m2.GetChange().GetType() != pb.ChangeType_CHANGE_TYPE_UPDATED {
		t.Fatalf("after reconnecting: %v %v", m2, err)
	}
}

func TestShutdownEndsStreamsSoClientsResume(t *testing.T) {
	e := newEnv(t)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	e.project("p", "d", rolesText)
	stream, err := e.admin.Corpus.WatchChanges(ctx, &pb.WatchChangesRequest{ProjectId: "p", HeartbeatSeconds: 60})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := stream.Recv(); err != nil { // the document's creation
		t.Fatal(err)
	}
	e.srv.Shutdown()
	_, err = stream.Recv()
	if status.Code(err) != codes.Unavailable {
		t.Fatalf("a watch open at shutdown ended with %v, want Unavailable (which clients resume from)", err)
	}
}
