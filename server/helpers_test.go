package server_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/status"
	"google.golang.org/grpc/test/bufconn"

	"github.com/scholia-nlp/scholia"
	"github.com/scholia-nlp/scholia/client"
	pb "github.com/scholia-nlp/scholia/gen/scholia/v1"
	"github.com/scholia-nlp/scholia/server"
	"github.com/scholia-nlp/scholia/sqlite"
)

// env is a server on a real SQLite file, reached over an in-process
// listener, with an admin client.
type env struct {
	t     *testing.T
	store scholia.Store
	srv   *server.Server
	lis   *bufconn.Listener
	admin *client.Client
	logs  *strings.Builder
	logMu *lockedWriter
}

// logText returns what the server logged so far.
func (e *env) logText() string {
	e.logMu.mu.Lock()
	defer e.logMu.mu.Unlock()
	return e.logs.String()
}

func newEnv(t *testing.T) *env {
	return newEnvWith(t, func(s scholia.Store) scholia.Store { return s }, server.Options{})
}

// newEnvWith lets a test wrap the store (to inject failures in front of the
// real database) and set server options.
func newEnvWith(t *testing.T, wrap func(scholia.Store) scholia.Store, opts server.Options) *env {
	t.Helper()
	ctx := context.Background()
	dir := t.TempDir()
	st, err := sqlite.Open(ctx, filepath.Join(dir, "test.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	tokenPath := filepath.Join(dir, "test.db.admin-token")
	if _, err := server.BootstrapAdmin(ctx, st, tokenPath); err != nil {
		t.Fatal(err)
	}
	logs := &strings.Builder{}
	lw := &lockedWriter{w: logs}
	opts.Logger = slog.New(slog.NewTextHandler(lw, nil))
	srv, err := server.New(ctx, wrap(st), opts)
	if err != nil {
		t.Fatal(err)
	}
	g := srv.NewGRPCServer()
	lis := bufconn.Listen(1 << 20)
	go g.Serve(lis)
	t.Cleanup(g.Stop)
	e := &env{t: t, store: st, srv: srv, lis: lis, logs: logs, logMu: lw}
	tok, err := os.ReadFile(tokenPath)
	if err != nil {
		t.Fatal(err)
	}
	e.admin = e.client(strings.TrimSpace(string(tok)))
	return e
}

type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

// client dials the test server with a token ("" for none).
func (e *env) client(token string) *client.Client {
	e.t.Helper()
	opts := []client.Option{client.WithDialOptions(
		grpc.WithContextDialer(func(ctx context.Context, _ string) (net.Conn, error) { return e.lis.DialContext(ctx) }),
		grpc.WithTransportCredentials(insecure.NewCredentials()),
	)}
	if token != "" {
		opts = append(opts, client.WithToken(token))
	}
	c, err := client.Dial("passthrough:///bufnet", opts...)
	if err != nil {
		e.t.Fatal(err)
	}
	e.t.Cleanup(func() { c.Close() })
	return c
}

// user adds a user with a role and returns a client with their token.
func (e *env) user(name string, role pb.Role) *client.Client {
	e.t.Helper()
	resp, err := e.admin.Admin.CreateUser(context.Background(), &pb.CreateUserRequest{User: &pb.User{Name: name, Role: role}})
	if err != nil {
		e.t.Fatalf("adding %s: %v", name, err)
	}
	return e.client(resp.GetSecret())
}

// project creates a project with the news schema and one document.
func (e *env) project(id, docID, text string) {
	e.t.Helper()
	ctx := context.Background()
	if _, err := e.admin.Projects.CreateProject(ctx, &pb.CreateProjectRequest{Project: &pb.Project{Id: id}}); err != nil {
		e.t.Fatal(err)
	}
	if docID != "" {
		e.doc(id, docID, text)
	}
}

func (e *env) doc(project, id, text string) {
	e.t.Helper()
	if _, err := e.admin.Documents.CreateDocument(context.Background(), &pb.CreateDocumentRequest{Document: &pb.Document{ProjectId: project, Id: id, Text: text}}); err != nil {
		e.t.Fatal(err)
	}
}

func mention(project, doc, annotator string, start, end int64, text, lbl string) *pb.Annotation {
	return &pb.Annotation{ProjectId: project, DocumentId: doc, Annotator: annotator,
		Body: &pb.Annotation_Mention{Mention: &pb.Mention{Label: lbl, Spans: []*pb.Span{{Start: start, End: end, Text: text}}}}}
}

// wantCode fails unless err has the gRPC code want.
func wantCode(t *testing.T, err error, want codes.Code) *status.Status {
	t.Helper()
	st, _ := status.FromError(err)
	if st.Code() != want {
		t.Fatalf("got %v, want code %v", err, want)
	}
	return st
}

// violations returns the field violations of a status as field -> description.
func violations(st *status.Status) map[string]string {
	out := map[string]string{}
	for _, d := range st.Details() {
		if br, ok := d.(*errdetails.BadRequest); ok {
			for _, v := range br.GetFieldViolations() {
				out[v.GetField()] = v.GetDescription()
			}
		}
	}
	return out
}

func reason(st *status.Status) string {
	for _, d := range st.Details() {
		if info, ok := d.(*errdetails.ErrorInfo); ok {
			return info.GetReason()
		}
	}
	return ""
}

var errInjected = errors.New("SELECT secret_column FROM annotations: disk I/O error")

// tamper returns tok with one character in its middle replaced by a
// different one, so the result is never the token itself (replacing a fixed
// suffix would leave a token that happens to end in it unchanged).
func tamper(tok string) string {
	i := len(tok) / 2
	c := byte('A')
	if tok[i] == c {
		c = 'B'
	}
	return tok[:i] + string(c) + tok[i+1:]
}
