package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/scholia-nlp/scholia"
)

const backupText = "Lavrov met de Mistura in Moscow on Tuesday, and Ruiz met Haddad in Geneva."

// backupFixture makes a store with a project, a document and a user.
func backupFixture(t *testing.T) *Store {
	t.Helper()
	s := openTemp(t)
	w := scholia.WriteMeta{User: "w"}
	if _, err := s.CreateUser(ctx, scholia.User{Name: "w", Role: scholia.RoleAdmin}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.CreateProject(ctx, w, scholia.Project{ID: "p", Schema: scholia.NewsSchema()}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.CreateDocument(ctx, w, scholia.Document{Project: "p", ID: "d", Text: backupText}); err != nil {
		t.Fatal(err)
	}
	return s
}

func backupMention(label string) scholia.Annotation {
	return scholia.Annotation{Project: "p", Document: "d", Annotator: "w", Kind: scholia.KindMention, Label: label,
		Spans: []scholia.Span{{Start: 0, End: 6}}}
}

// integrityCheck runs PRAGMA integrity_check on a database file, read-only.
func integrityCheck(t *testing.T, path string) {
	t.Helper()
	db, err := sql.Open("sqlite3", fileURI(path)+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var res string
	if err := db.QueryRow(`PRAGMA integrity_check`).Scan(&res); err != nil || res != "ok" {
		t.Fatalf("integrity_check of %s: %q, %v", path, res, err)
	}
}

// TestBackupUnderWriteLoad backs up while writers create and update
// annotations as fast as they can, then opens the backup: it passes
// integrity_check, holds every write acknowledged before the backup began,
// and is exactly the live store as of the backup's newest revision (one
// state that existed, not a mix of two).
func TestBackupUnderWriteLoad(t *testing.T) {
	s := backupFixture(t)
	w := scholia.WriteMeta{User: "w"}
	// Some history first, so that the file has more than a few pages.
	for i := range 50 {
		batch := make([]scholia.Annotation, 20)
		for j := range batch {
			batch[j] = backupMention([]string{"PER", "ORG"}[(i+j)%2])
		}
		if _, err := s.CreateAnnotations(ctx, w, batch); err != nil {
			t.Fatal(err)
		}
	}

	var mu sync.Mutex
	acked := map[int64]int64{} // id -> newest acknowledged etag
	ack := func(a scholia.Annotation) {
		mu.Lock()
		acked[a.ID] = max(acked[a.ID], a.Rev)
		mu.Unlock()
	}
	stop := make(chan struct{})
	var wg sync.WaitGroup
	var writes, failures int64
	for g := range 6 {
		wg.Go(func() {
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				var err error
				if i%3 == 0 {
					// Update one of the existing annotations; ABORTED is fine.
					var a scholia.Annotation
					if a, err = s.GetAnnotation(ctx, int64(1+(g*37+i)%900)); err == nil {
						a, err = s.UpdateAnnotation(ctx, w, a.ID, a.Rev, func(a *scholia.Annotation) error {
							a.Label = map[string]string{"PER": "ORG", "ORG": "PER"}[a.Label]
							return nil
						})
						if err == nil {
							ack(a)
						}
					}
				} else {
					var out []scholia.Annotation
					out, err = s.CreateAnnotations(ctx, w, []scholia.Annotation{backupMention("PER"), backupMention("GPE")})
					for _, a := range out {
						ack(a)
					}
				}
				mu.Lock()
				writes++
				if err != nil && scholia.ErrorCode(err) != scholia.CodeAborted && scholia.ErrorCode(err) != scholia.CodeNotFound {
					failures++
					t.Errorf("write: %v", err)
				}
				mu.Unlock()
			}
		})
	}
	// Many small steps, so that many writes commit while the copy runs.
	defer func(n int) { backupPages, backupStepped = n, nil }(backupPages)
	backupPages = 4
	steps := 0
	backupStepped = func() { steps++; time.Sleep(time.Millisecond) }
	time.Sleep(300 * time.Millisecond) // the load is on
	mu.Lock()
	before := maps.Clone(acked)
	mu.Unlock()
	startRev, err := s.Revision(ctx)
	if err != nil {
		t.Fatal(err)
	}
	dst := filepath.Join(t.TempDir(), "backup.db")
	t0 := time.Now()
	// A backup that restarts whenever another connection writes would
	// never finish under this load: give it ten seconds.
	bctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := s.Backup(bctx, dst); err != nil {
		t.Fatal(err)
	}
	took := time.Since(t0)
	time.Sleep(200 * time.Millisecond) // writes go on after the backup
	close(stop)
	wg.Wait()
	mu.Lock()
	t.Logf("%d writes during the test; the backup took %v (%d pages in %d steps)", writes, took, pageCount(t, dst), steps)
	mu.Unlock()

	// No -wal or -journal beside the backup: it is one file.
	for _, suffix := range []string{"-wal", "-journal"} {
		if _, err := os.Stat(dst + suffix); err == nil {
			t.Errorf("the backup left %s%s", dst, suffix)
		}
	}
	integrityCheck(t, dst)
	b, err := Open(ctx, dst)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	backupRev, err := b.Revision(ctx)
	if err != nil {
		t.Fatal(err)
	}
	liveRev, _ := s.Revision(ctx)
	if backupRev < startRev || backupRev >= liveRev {
		t.Fatalf("backup at revision %d; the backup started at %d and the writers went on to %d", backupRev, startRev, liveRev)
	}
	// Every write acknowledged before the backup started is there, with its
	// version or a newer one.
	for id, etag := range before {
		a, err := b.GetAnnotation(ctx, id)
		if err != nil {
			t.Fatalf("annotation %d (acknowledged at %d) is not in the backup: %v", id, etag, err)
		}
		if a.Rev < etag {
			t.Fatalf("annotation %d is at %d in the backup, but %d was acknowledged before it began", id, a.Rev, etag)
		}
	}
	// The backup is the live store as of backupRev: the same annotations,
	// versions and contents, and nothing newer.
	f := scholia.AnnotationFilter{Project: "p"}
	got := listEvery(t, b, f, 0)
	want := listEvery(t, s, f, backupRev)
	if len(got) != len(want) {
		t.Fatalf("the backup has %d annotations; the live store had %d at revision %d", len(got), len(want), backupRev)
	}
	for i := range got {
		g, w := got[i], want[i]
		if g.ID != w.ID || g.Rev != w.Rev || g.Label != w.Label || g.Rev > backupRev {
			t.Fatalf("annotation %d: backup has %d@%d %s, live at %d has %d@%d %s", i, g.ID, g.Rev, g.Label, backupRev, w.ID, w.Rev, w.Label)
		}
	}
	// The backup is a store of its own: it takes writes.
	if _, err := b.CreateAnnotations(ctx, w, []scholia.Annotation{backupMention("PER")}); err != nil {
		t.Fatalf("writing to the opened backup: %v", err)
	}
}

// listEvery lists every annotation f selects as of asOf, in id order.
func listEvery(t *testing.T, s *Store, f scholia.AnnotationFilter, asOf int64) []scholia.Annotation {
	t.Helper()
	var out []scholia.Annotation
	var after int64
	for {
		page, rev, err := s.ListAnnotations(ctx, f, after, 500, asOf)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, page...)
		if len(page) < 500 {
			return out
		}
		after, asOf = page[len(page)-1].ID, rev
	}
}

// TestBackupRefusals: a backup never overwrites a file, never the database
// itself, and a cancelled backup leaves nothing behind.
func TestBackupRefusals(t *testing.T) {
	s := backupFixture(t)
	dir := t.TempDir()
	taken := filepath.Join(dir, "taken.db")
	if err := os.WriteFile(taken, []byte("precious"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := s.Backup(ctx, taken); scholia.ErrorCode(err) != scholia.CodeAlreadyExists {
		t.Errorf("backup over a file: %v", err)
	}
	if b, _ := os.ReadFile(taken); string(b) != "precious" {
		t.Errorf("the existing file was changed")
	}
	if err := s.Backup(ctx, s.Path()); scholia.ErrorCode(err) != scholia.CodeInvalid {
		t.Errorf("backup over the database: %v", err)
	}
	stale := filepath.Join(dir, "stale.db")
	if err := os.WriteFile(stale+"-wal", []byte("old"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := s.Backup(ctx, stale); scholia.ErrorCode(err) != scholia.CodeAlreadyExists {
		t.Errorf("backup beside a stale WAL: %v", err)
	}
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	gone := filepath.Join(dir, "gone.db")
	if err := s.Backup(cancelled, gone); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled backup: %v", err)
	}
	if _, err := os.Stat(gone); !os.IsNotExist(err) {
		t.Errorf("a cancelled backup left %s", gone)
	}
	// An empty file (os.CreateTemp's) is fine.
	empty, err := os.CreateTemp(dir, "empty-*.db")
	if err != nil {
		t.Fatal(err)
	}
	empty.Close()
	if err := s.Backup(ctx, empty.Name()); err != nil {
		t.Fatalf("backup into an empty file: %v", err)
	}
	entries, _ := os.ReadDir(dir)
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	slices.Sort(names)
	want := []string{filepath.Base(empty.Name()), "stale.db-wal", "taken.db"}
	slices.Sort(want)
	if fmt.Sprint(names) != fmt.Sprint(want) {
		t.Errorf("files left: %v, want %v", names, want)
	}
	integrityCheck(t, empty.Name())
}

// pageCount returns the number of pages of a database file.
func pageCount(t *testing.T, path string) int64 {
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	return fi.Size() / 4096
}
