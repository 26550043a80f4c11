package serve

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/scholia-nlp/scholia/client"
	pb "github.com/scholia-nlp/scholia/gen/scholia/v1"
)

// syncBuffer is a log destination that goroutines share.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// running is a server started by start.
type running struct {
	addr string
	stop func() error // graceful shutdown; returns Run's error
	log  *syncBuffer
}

// start runs a server with cfg in the background and waits until it
// listens.
func start(t *testing.T, cfg Config) *running {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	logs := &syncBuffer{}
	cfg.Logger = slog.New(slog.NewTextHandler(logs, nil))
	if cfg.Listen == "" {
		cfg.Listen = "127.0.0.1:0"
	}
	if cfg.Grace == 0 {
		cfg.Grace = 5 * time.Second
	}
	ready := make(chan string, 1)
	cfg.Ready = func(addr string) { ready <- addr }
	done := make(chan error, 1)
	go func() { done <- Run(ctx, cfg) }()
	select {
	case addr := <-ready:
		r := &running{addr: addr, log: logs}
		var once sync.Once
		var err error
		r.stop = func() error {
			once.Do(func() { cancel(); err = <-done })
			return err
		}
		t.Cleanup(func() { r.stop() })
		return r
	case err := <-done:
		cancel()
		t.Fatalf("Run: %v\n%s", err, logs.String())
	case <-time.After(20 * time.Second):
		cancel()
		t.Fatalf("the server did not start:\n%s", logs.String())
	}
	return nil
}

// adminClient dials a server with the admin token of db.
func adminClient(t *testing.T, addr, db string) *client.Client {
	t.Helper()
	tok, err := os.ReadFile(db + ".admin-token")
	if err != nil {
		t.Fatal(err)
	}
	c, err := client.Dial(addr, client.WithToken(string(tok)))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

const text = "Lavrov met de Mistura in Moscow on Tuesday."

// TestStreamResumesAcrossRestart: a graceful shutdown ends an open
// StreamCorpus with UNAVAILABLE; the client library's iterator reconnects
// to the restarted server (same database, same address) and resumes after
// the last document it delivered, so the loop sees the snapshot exactly
// once, in order, and nothing written after the snapshot.
func TestStreamResumesAcrossRestart(t *testing.T) {
	db := filepath.Join(t.TempDir(), "a.db")
	srv := start(t, Config{DB: db})
	c := adminClient(t, srv.addr, db)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if _, err := c.Projects.CreateProject(ctx, &pb.CreateProjectRequest{Project: &pb.Project{Id: "p"}}); err != nil {
		t.Fatal(err)
	}
	const n = 120
	big := strings.Repeat(text+" ", 300) // so that flow control holds the stream back
	for i := range n {
		if _, err := c.Documents.CreateDocument(ctx, &pb.CreateDocumentRequest{Document: &pb.Document{ProjectId: "p", Id: fmt.Sprintf("d%03d", i), Text: big}}); err != nil {
			t.Fatal(err)
		}
	}
	var retries []string
	policy := client.RetryPolicy{MaxAttempts: 100, MinBackoff: 20 * time.Millisecond, MaxBackoff: 200 * time.Millisecond,
		OnRetry: func(err error, attempt int, pause time.Duration) {
			retries = append(retries, status.Code(err).String())
		}}
	var got []string
	var rev int64
	restarted := false
	restartDone := make(chan struct{})
	var restartErr error
	var stopTook time.Duration
	var stopLog string
	for m, err := range c.StreamCorpus(ctx, &pb.StreamCorpusRequest{ProjectId: "p", ExcludeText: false}, policy) {
		if err != nil {
			t.Fatalf("after %d documents: %v", len(got), err)
		}
		if rev == 0 {
			rev = m.GetRevision()
		} else if m.GetRevision() != rev {
			t.Fatalf("document %d is of revision %d, the stream's snapshot is %d", len(got), m.GetRevision(), rev)
		}
		got = append(got, m.GetDocument().GetId())
		if len(got) == 30 && !restarted {
			// Shut down and restart while the client goes on reading.
			restarted = true
			go func() {
				defer close(restartDone)
				t0 := time.Now()
				if err := srv.stop(); err != nil {
					restartErr = fmt.Errorf("graceful stop: %v\n%s", err, srv.log.String())
					return
				}
				stopTook = time.Since(t0)
				stopLog = srv.log.String()
				srv = start(t, Config{DB: db, Listen: srv.addr})
				// A write after the snapshot: the resumed stream must not show it.
				c2 := adminClient(t, srv.addr, db)
				_, restartErr = c2.Documents.CreateDocument(ctx, &pb.CreateDocumentRequest{Document: &pb.Document{ProjectId: "p", Id: "d000a", Text: text}})
			}()
		}
		if len(got) > 30 && len(got) < 40 {
			time.Sleep(20 * time.Millisecond) // slowly, so the restart happens mid-stream
		}
	}
	<-restartDone
	if restartErr != nil {
		t.Fatal(restartErr)
	}
	if !strings.Contains(stopLog, "shutting down") || strings.Contains(stopLog, "grace period over") {
		t.Errorf("not a graceful shutdown:\n%s", stopLog)
	}
	if stopTook > 3*time.Second {
		t.Errorf("the shutdown took %v with a stream open", stopTook)
	}
	if len(got) != n {
		t.Fatalf("the loop saw %d documents, want %d", len(got), n)
	}
	for i, id := range got {
		if id != fmt.Sprintf("d%03d", i) {
			t.Fatalf("document %d is %s: %v", i, id, got[max(0, i-2):min(len(got), i+3)])
		}
	}
	if len(retries) == 0 || retries[0] != codes.Unavailable.String() {
		t.Fatalf("the stream was not resumed after UNAVAILABLE: retries %v", retries)
	}
	t.Logf("resumed after %v; the shutdown took %v", retries, stopTook)
}

// TestRetentionFlag: with Retention set, old versions are pruned (a
// snapshot older than the horizon is FAILED_PRECONDITION, REVISION_EXPIRED);
// without it, they are kept.
func TestRetentionFlag(t *testing.T) {
	for _, keep := range []bool{false, true} {
		t.Run(fmt.Sprintf("retention=%v", keep), func(t *testing.T) {
			db := filepath.Join(t.TempDir(), "a.db")
			cfg := Config{DB: db, PruneInterval: 50 * time.Millisecond}
			if keep {
				cfg.Retention = time.Millisecond
			}
			srv := start(t, cfg)
			c := adminClient(t, srv.addr, db)
			ctx := context.Background()
			if _, err := c.Projects.CreateProject(ctx, &pb.CreateProjectRequest{Project: &pb.Project{Id: "p"}}); err != nil {
				t.Fatal(err)
			}
			if _, err := c.Documents.CreateDocument(ctx, &pb.CreateDocumentRequest{Document: &pb.Document{ProjectId: "p", Id: "d", Text: text}}); err != nil {
				t.Fatal(err)
			}
			a, err := c.Annotations.CreateAnnotation(ctx, &pb.CreateAnnotationRequest{Annotation: &pb.Annotation{ProjectId: "p", DocumentId: "d",
				Body: &pb.Annotation_Mention{Mention: &pb.Mention{Label: "PER", Spans: []*pb.Span{{Start: 0, End: 6}}}}}})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := c.Annotations.DeleteAnnotation(ctx, &pb.DeleteAnnotationRequest{Id: a.GetAnnotation().GetId()}); err != nil {
				t.Fatal(err)
			}
			old, _ := c.Annotations.ListAnnotations(ctx, &pb.ListAnnotationsRequest{ProjectId: "p"})
			asOf := old.GetRevision() - 1 // the annotation still existed
			read := func() error {
				s, err := c.Corpus.StreamCorpus(ctx, &pb.StreamCorpusRequest{ProjectId: "p", AsOfRevision: asOf})
				if err == nil {
					_, err = s.Recv()
				}
				return err
			}
			if !keep {
				time.Sleep(300 * time.Millisecond)
				if err := read(); err != nil {
					t.Fatalf("without retention, a read as of %d failed: %v", asOf, err)
				}
				return
			}
			for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(50 * time.Millisecond) {
				err := read()
				if status.Code(err) == codes.FailedPrecondition {
					break
				}
				if err != nil {
					t.Fatalf("as of %d: %v", asOf, err)
				}
				if time.Now().After(deadline) {
					t.Fatalf("the old revision %d was still readable after 10 s of retention", asOf)
				}
			}
			if !strings.Contains(srv.log.String(), "retention: removed old versions") {
				t.Errorf("retention did not log what it removed:\n%s", srv.log.String())
			}
		})
	}
}

// TestConfigChecks refuses limits that cannot work, before opening
// anything.
func TestConfigChecks(t *testing.T) {
	db := filepath.Join(t.TempDir(), "a.db")
	for _, cfg := range []Config{
		{DB: db, MaxPageSize: -1},
		{DB: db, MaxBatch: -1},
		{DB: db, MaxDocumentBytes: 1 << 20, MaxMessageBytes: 1 << 20},
		{DB: db, MaxMessageBytes: 5 << 20}, // under the default document limit of 10 MiB
		{DB: db, Retention: -time.Hour},
		{DB: db, CertFile: "x.pem"},
	} {
		if err := Run(context.Background(), cfg); err == nil {
			t.Errorf("Run(%+v) = nil", cfg)
		}
	}
	if _, err := os.Stat(db); !os.IsNotExist(err) {
		t.Errorf("a refused configuration created the database")
	}
}

// TestLeftoverBackupsRemoved: a server killed while making a backup leaves
// its temporary file; the next start removes it.
func TestLeftoverBackupsRemoved(t *testing.T) {
	dir := t.TempDir()
	left := filepath.Join(dir, ".scholia-backup-123.tmp")
	other := filepath.Join(dir, "keep.db")
	for _, f := range []string{left, other} {
		if err := os.WriteFile(f, []byte("x"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	start(t, Config{DB: filepath.Join(dir, "a.db")})
	if _, err := os.Stat(left); !os.IsNotExist(err) {
		t.Errorf("the leftover backup is still there")
	}
	if _, err := os.Stat(other); err != nil {
		t.Errorf("another file was removed: %v", err)
	}
}
