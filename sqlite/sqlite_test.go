package sqlite

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/scholia-nlp/scholia"
	"github.com/scholia-nlp/scholia/storetest"
)

var ctx = context.Background()

func openTemp(t *testing.T) *Store {
	t.Helper()
	s, err := Open(ctx, filepath.Join(t.TempDir(), "annotations.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// TestConformance runs the store conformance suite on real SQLite files.
func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) scholia.Store { return openTemp(t) })
}

// TestOpenCreatesTheFile checks that Open creates a missing file, whatever
// its name, and fails in a missing directory.
func TestOpenCreatesTheFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "new.db")
	if _, err := os.Stat(path); !os.IsNotExist(err) {
		t.Fatalf("the file exists before Open: %v", err)
	}
	s, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, err := os.Stat(path); err != nil {
		t.Fatalf("Open did not create the file: %v", err)
	}
	if s.Path() != path {
		t.Fatalf("Path() = %q, want %q", s.Path(), path)
	}
	// Characters that mean something in a URI are escaped.
	odd := filepath.Join(t.TempDir(), "a b#c?d%20e.db")
	s2, err := Open(ctx, odd)
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Close()
	if _, err := s2.CreateUser(ctx, scholia.User{Name: "alice", Role: scholia.RoleReader}); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(odd); err != nil {
		t.Fatalf("the file was not created under its own name: %v", err)
	}
	if _, err := Open(ctx, filepath.Join(t.TempDir(), "no", "such", "dir", "x.db")); scholia.ErrorCode(err) != scholia.CodeInternal {
		t.Fatalf("opening in a missing directory: %v", err)
	}
}

// TestReopen checks that reopening a database keeps everything and applies
// no migration twice.
func TestReopen(t *testing.T) {
	path := filepath.Join(t.TempDir(), "annotations.db")
	s, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.CreateUser(ctx, scholia.User{Name: "alice", Role: scholia.RoleAnnotator}); err != nil {
		t.Fatal(err)
	}
	w := scholia.WriteMeta{User: "alice", RequestID: "r1", Fingerprint: "f"}
	if _, err := s.CreateProject(ctx, w, scholia.Project{ID: "news"}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.CreateDocument(ctx, w, scholia.Document{Project: "news", ID: "d1", Text: "Obama met Putin."}); err == nil {
		t.Fatal("a request id of a project create was accepted for a document")
	}
	if _, err := s.CreateDocument(ctx, scholia.WriteMeta{User: "alice"}, scholia.Document{Project: "news", ID: "d1", Text: "Obama met Putin."}); err != nil {
		t.Fatal(err)
	}
	anns, err := s.CreateAnnotations(ctx, scholia.WriteMeta{User: "alice"}, []scholia.Annotation{{Project: "news", Document: "d1",
		Annotator: "alice", Kind: scholia.KindMention, Label: "PER", Spans: []scholia.Span{{Start: 0, End: 5}}}})
	if err != nil {
		t.Fatal(err)
	}
	secret, _ := s.Secret(ctx)
	rev, _ := s.Revision(ctx)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil { // a second Close finds everything closed
		t.Fatalf("a second Close: %v", err)
	}

	s, err = Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	var n, applied int
	if err := s.r.QueryRowContext(ctx, `SELECT count(*), count(DISTINCT version) FROM schema_migrations`).Scan(&n, &applied); err != nil {
		t.Fatal(err)
	}
	ms, _ := migrations()
	if n != len(ms) || applied != len(ms) {
		t.Fatalf("schema_migrations has %d rows (%d versions) after reopening; want %d", n, applied, len(ms))
	}
	secret2, _ := s.Secret(ctx)
	if !bytes.Equal(secret, secret2) {
		t.Fatal("the secret changed on reopening")
	}
	if rev2, _ := s.Revision(ctx); rev2 != rev {
		t.Fatalf("revision %d after reopening, %d before", rev2, rev)
	}
	got, err := s.GetAnnotation(ctx, anns[0].ID)
	if err != nil || got.Spans[0].Text != "Obama" || got.Rev != anns[0].Rev {
		t.Fatalf("annotation after reopening: %+v, %v", got, err)
	}
	if p, err := s.GetProject(ctx, "news"); err != nil || p.Schema == nil || p.Schema.Name != "news" {
		t.Fatalf("project after reopening: %+v, %v", p, err)
	}
	// The idempotency record survives too.
	p, err := s.CreateProject(ctx, w, scholia.Project{ID: "news"})
	if err != nil || p.ID != "news" {
		t.Fatalf("retried create after reopening: %+v, %v", p, err)
	}
	if rev2, _ := s.Revision(ctx); rev2 != rev {
		t.Fatalf("a retried create after reopening took a revision")
	}
}

// TestPragmas checks that the DSN settings are in effect on every
// connection.
func TestPragmas(t *testing.T) {
	s := openTemp(t)
	for _, c := range []struct {
		pragma, want string
	}{
		{"journal_mode", "wal"},
		{"foreign_keys", "1"},
		{"synchronous", "2"},
		{"busy_timeout", "10000"},
		{"temp_store", "2"},                             // memory: savepoint journals never spill to a file
		{"wal_autocheckpoint", fmt.Sprint(walBackstop)}, // the checkpointer does the work
	} {
		var got string
		if err := s.w.QueryRowContext(ctx, "PRAGMA "+c.pragma).Scan(&got); err != nil {
			t.Fatal(err)
		}
		if got != c.want {
			t.Errorf("writer: PRAGMA %s = %s, want %s", c.pragma, got, c.want)
		}
	}
	// Every connection of the read pool has them, and cannot write.
	conns := make([]interface{ Close() error }, 0, readConns)
	for range readConns {
		c, err := s.r.Conn(ctx)
		if err != nil {
			t.Fatal(err)
		}
		conns = append(conns, c)
		var fk, timeout int
		var mode string
		if err := c.QueryRowContext(ctx, "PRAGMA foreign_keys").Scan(&fk); err != nil {
			t.Fatal(err)
		}
		if err := c.QueryRowContext(ctx, "PRAGMA busy_timeout").Scan(&timeout); err != nil {
			t.Fatal(err)
		}
		if err := c.QueryRowContext(ctx, "PRAGMA journal_mode").Scan(&mode); err != nil {
			t.Fatal(err)
		}
		if fk != 1 || timeout != 10000 || mode != "wal" {
			t.Errorf("reader: foreign_keys %d, busy_timeout %d, journal_mode %s", fk, timeout, mode)
		}
		if _, err := c.ExecContext(ctx, `INSERT INTO meta (key, value) VALUES ('x', 'y')`); err == nil || !strings.Contains(err.Error(), "readonly") {
			t.Errorf("a read connection could write: %v", err)
		}
	}
	for _, c := range conns {
		c.Close()
	}
	if n := s.w.Stats().MaxOpenConnections; n != 1 {
		t.Errorf("the writer pool allows %d connections", n)
	}
}

// TestConcurrentWriters writes from many goroutines through two stores on
// the same file (as a server and a command-line tool would), while readers
// read; no write may fail with "database is locked".
func TestConcurrentWriters(t *testing.T) {
	path := filepath.Join(t.TempDir(), "annotations.db")
	s1, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer s1.Close()
	s2, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Close()
	if _, err := s1.CreateUser(ctx, scholia.User{Name: "alice", Role: scholia.RoleAnnotator}); err != nil {
		t.Fatal(err)
	}
	w := scholia.WriteMeta{User: "alice"}
	if _, err := s1.CreateProject(ctx, w, scholia.Project{ID: "news"}); err != nil {
		t.Fatal(err)
	}
	if _, err := s1.CreateDocument(ctx, w, scholia.Document{Project: "news", ID: "d1", Text: "Obama met Putin in Moscow."}); err != nil {
		t.Fatal(err)
	}
	const writers, each = 8, 40
	var wg sync.WaitGroup
	errs := make(chan error, writers*each*2)
	stop := make(chan struct{})
	for i := range writers {
		s := []*Store{s1, s2}[i%2]
		wg.Go(func() {
			for j := range each {
				a := scholia.Annotation{Project: "news", Document: "d1", Annotator: "alice", Kind: scholia.KindMention, Label: "PER",
					Spans: []scholia.Span{{Start: 0, End: 5}}}
				out, err := s.CreateAnnotations(ctx, w, []scholia.Annotation{a})
				if err != nil {
					errs <- fmt.Errorf("writer %d, create %d: %w", i, j, err)
					continue
				}
				if j%4 == 0 {
					if _, err := s.UpdateAnnotation(ctx, w, out[0].ID, out[0].Rev, func(a *scholia.Annotation) error {
						a.Label = "ORG"
						return nil
					}); err != nil {
						errs <- fmt.Errorf("writer %d, update %d: %w", i, j, err)
					}
				}
			}
		})
	}
	var readers sync.WaitGroup
	for range 2 {
		readers.Go(func() {
			for {
				select {
				case <-stop:
					return
				default:
				}
				if _, _, err := s1.ListAnnotations(ctx, scholia.AnnotationFilter{Project: "news"}, 0, 50, 0); err != nil {
					errs <- fmt.Errorf("reader: %w", err)
					return
				}
			}
		})
	}
	wg.Wait()
	close(stop)
	readers.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	l, err := s2.GetLayer(ctx, "news", "d1", "alice")
	if err != nil {
		t.Fatal(err)
	}
	if l.AnnotationCount != writers*each {
		t.Fatalf("%d annotations, want %d", l.AnnotationCount, writers*each)
	}
	rev, _ := s1.Revision(ctx)
	if want := int64(2 + writers*each + writers*each/4); rev != want { // a project, a document, the creates and the updates
		t.Fatalf("revision %d, want %d", rev, want)
	}
}

// BenchmarkCreateAnnotation measures small writes: one mention per call,
// each its own transaction and revision.
func BenchmarkCreateAnnotation(b *testing.B) {
	s, err := Open(ctx, filepath.Join(b.TempDir(), "bench.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	w := scholia.WriteMeta{User: "alice"}
	if _, err := s.CreateUser(ctx, scholia.User{Name: "alice", Role: scholia.RoleAnnotator}); err != nil {
		b.Fatal(err)
	}
	if _, err := s.CreateProject(ctx, w, scholia.Project{ID: "news"}); err != nil {
		b.Fatal(err)
	}
	if _, err := s.CreateDocument(ctx, w, scholia.Document{Project: "news", ID: "d1", Text: "Obama met Putin in Moscow."}); err != nil {
		b.Fatal(err)
	}
	anns := []scholia.Annotation{{Project: "news", Document: "d1", Annotator: "alice", Kind: scholia.KindMention, Label: "PER",
		Spans: []scholia.Span{{Start: 0, End: 5}}}}
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := s.CreateAnnotations(ctx, w, anns); err != nil {
				b.Error(err)
				return
			}
		}
	})
}

// TestBackgroundCheckpoint checks that committed pages reach the database
// file long before the writer's own checkpoint would copy them (at
// walBackstop pages of WAL): the checkpointer copies them after commits.
func TestBackgroundCheckpoint(t *testing.T) {
	s := backupFixture(t)
	size := func() int64 {
		fi, err := os.Stat(s.Path())
		if err != nil {
			t.Fatal(err)
		}
		return fi.Size()
	}
	before := size()
	w := scholia.WriteMeta{User: "w"}
	for i := range 50 {
		a := backupMention("PER")
		a.Attributes = map[string]string{"note": strings.Repeat("n", 1000+i)}
		if _, err := s.CreateAnnotations(ctx, w, []scholia.Annotation{a}); err != nil {
			t.Fatal(err)
		}
	}
	wal, err := os.Stat(s.Path() + "-wal")
	if err != nil {
		t.Fatal(err)
	}
	if frames := wal.Size() / 4096; frames >= walBackstop {
		t.Fatalf("the test wrote %d pages of WAL, enough for the writer's own checkpoint", frames)
	}
	deadline := time.Now().Add(10 * time.Second)
	for size() < before+50*1000 {
		if time.Now().After(deadline) {
			t.Fatalf("the database file stayed at %d bytes (%d before the writes): nothing was checkpointed", size(), before)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
