package server_test

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"google.golang.org/grpc/codes"

	"github.com/scholia-nlp/scholia"
	pb "github.com/scholia-nlp/scholia/gen/scholia/v1"
	"github.com/scholia-nlp/scholia/server"
	"github.com/scholia-nlp/scholia/sqlite"
)

// TestBackupRPCWhileWriting streams a backup while clients write, writes it
// to a file, and opens that with sqlite.Open: the file is what the server
// said (size, SHA-256), passes integrity_check, holds every write
// acknowledged before the backup was asked for, and equals the live store
// as of the backup's newest revision. The server's temporary copy is gone
// afterwards.
func TestBackupRPCWhileWriting(t *testing.T) {
	backupDir := t.TempDir()
	e := newEnvWith(t, func(s scholia.Store) scholia.Store { return s }, server.Options{BackupDir: backupDir})
	ctx := context.Background()
	e.project("p", "d", rolesText)
	e.doc("p", "big", strings.Repeat(rolesText+"\n", 60000)) // a file of a few chunks
	ann := e.user("ann", pb.Role_ROLE_ANNOTATOR)
	e.member("p", "ann") // annotators see only the projects they belong to

	var mu sync.Mutex
	acked := map[int64]string{} // id -> etag
	stop := make(chan struct{})
	var wg sync.WaitGroup
	var writes atomic.Int64
	for range 4 {
		wg.Go(func() {
			for {
				select {
				case <-stop:
					return
				default:
				}
				resp, err := ann.Annotations.BatchCreateAnnotations(ctx, &pb.BatchCreateAnnotationsRequest{Annotations: []*pb.Annotation{
					mention("p", "d", "", 0, 6, "Lavrov", "PER"), mention("p", "d", "", 25, 31, "Moscow", "GPE")}})
				if err != nil {
					t.Errorf("write: %v", err)
					return
				}
				writes.Add(1)
				mu.Lock()
				for _, a := range resp.GetAnnotations() {
					acked[a.GetId()] = a.GetEtag()
				}
				mu.Unlock()
			}
		})
	}
	time.Sleep(200 * time.Millisecond)
	mu.Lock()
	before := len(acked)
	beforeIDs := make([]int64, 0, before)
	for id := range acked {
		beforeIDs = append(beforeIDs, id)
	}
	mu.Unlock()

	stream, err := e.admin.Admin.Backup(ctx, &pb.BackupRequest{})
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "backup.db")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	h := sha256.New()
	var size, rev, written int64
	var sum string
	chunks := 0
	for {
		m, err := stream.Recv()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if chunks == 0 {
			size, rev = m.GetSizeBytes(), m.GetRevision()
		}
		chunks++
		f.Write(m.GetChunk())
		h.Write(m.GetChunk())
		written += int64(len(m.GetChunk()))
		if m.GetSha256() != "" {
			sum = m.GetSha256()
		}
	}
	f.Close()
	time.Sleep(100 * time.Millisecond) // the writers go on
	close(stop)
	wg.Wait()
	t.Logf("%d writes; a backup of %d bytes in %d messages", writes.Load(), size, chunks)
	if written != size || sum != hex.EncodeToString(h.Sum(nil)) || chunks < 3 {
		t.Fatalf("got %d bytes with SHA-256 %x; the server announced %d bytes and %s", written, h.Sum(nil), size, sum)
	}
	if left, _ := os.ReadDir(backupDir); len(left) != 0 {
		t.Errorf("the server left %v in its backup directory", left)
	}

	db, err := sql.Open("sqlite3", "file:"+path+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	var check string
	if err := db.QueryRow(`PRAGMA integrity_check`).Scan(&check); err != nil || check != "ok" {
		t.Fatalf("integrity_check: %q %v", check, err)
	}
	db.Close()
	b, err := sqlite.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	brev, err := b.Revision(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if brev < rev {
		t.Fatalf("the backup is at revision %d, older than the %d the server announced", brev, rev)
	}
	for _, id := range beforeIDs {
		if _, err := b.GetAnnotation(ctx, id); err != nil {
			t.Fatalf("annotation %d, acknowledged before the backup, is not in it: %v", id, err)
		}
	}
	f2 := scholia.AnnotationFilter{Project: "p"}
	got, _, err := b.ListAnnotations(ctx, f2, 0, 1<<20, 0)
	if err != nil {
		t.Fatal(err)
	}
	want, _, err := e.store.ListAnnotations(ctx, f2, 0, 1<<20, brev)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(want) || len(got) < before {
		t.Fatalf("the backup has %d annotations, the live store had %d at revision %d (%d acknowledged before)", len(got), len(want), brev, before)
	}
	for i := range got {
		if got[i].ID != want[i].ID || got[i].Rev != want[i].Rev || got[i].Rev > brev {
			t.Fatalf("annotation %d: %d@%d in the backup, %d@%d live at %d", i, got[i].ID, got[i].Rev, want[i].ID, want[i].Rev, brev)
		}
	}
	// The users and tokens are in the backup too.
	if u, _, err := b.Authenticate(ctx, server.HashToken(tokenOf(t, e))); err != nil || u.Name != "admin" {
		t.Fatalf("the admin token does not work on the backup: %v %v", u, err)
	}
}

// tokenOf returns the admin token of a test env.
func tokenOf(t *testing.T, e *env) string {
	t.Helper()
	b, err := os.ReadFile(e.store.(interface{ Path() string }).Path() + ".admin-token")
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimSpace(string(b))
}

// TestBackupIsForAdmins: other roles are refused before anything is copied.
func TestBackupIsForAdmins(t *testing.T) {
	backupDir := t.TempDir()
	e := newEnvWith(t, func(s scholia.Store) scholia.Store { return s }, server.Options{BackupDir: backupDir})
	cur := e.user("cur", pb.Role_ROLE_CURATOR)
	stream, err := cur.Admin.Backup(context.Background(), &pb.BackupRequest{})
	if err == nil {
		_, err = stream.Recv()
	}
	wantCode(t, err, codes.PermissionDenied)
	if left, _ := os.ReadDir(backupDir); len(left) != 0 {
		t.Errorf("a refused backup left %v", left)
	}
}
