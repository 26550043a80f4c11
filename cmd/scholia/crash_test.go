package main

import (
	"context"
	"database/sql"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/backoff"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/fieldmaskpb"

	"github.com/scholia-nlp/scholia/client"
	pb "github.com/scholia-nlp/scholia/gen/scholia/v1"
)

// The crash test's text, and spans of it that mentions use.
const crashText = "Ana Ruiz met Malik Haddad in Geneva on Monday; Lavrov met de Mistura in Moscow."

var crashSpans = []struct {
	start, end int64
	labels     []string
}{{0, 8, []string{"PER", "ORG"}}, {13, 25, []string{"PER", "ORG"}}, {29, 35, []string{"GPE", "LOC"}}, {47, 53, []string{"PER", "ORG"}}, {72, 78, []string{"GPE", "LOC"}}}

// crashLog records what the server acknowledged and what was in flight.
type crashLog struct {
	mu      sync.Mutex
	acked   map[int64][]ackedVersion // id -> versions acknowledged
	deleted map[int64]bool           // deletes acknowledged
	doubt   map[int64]bool           // ids with an update or delete in doubt
	batches map[string]int           // request id -> size, of every batch sent
	doubted map[string]bool          // batches never acknowledged
	ops     map[string]int
}

type ackedVersion struct {
	rev   int64
	label string
}

func (l *crashLog) count(what string) {
	l.mu.Lock()
	l.ops[what]++
	l.mu.Unlock()
}

// inDoubt reports whether a failed write may or may not have been applied:
// the server went away before it answered.
func inDoubt(err error) bool {
	c := status.Code(err)
	return c == codes.Unavailable || c == codes.DeadlineExceeded || c == codes.Canceled
}

// crashServer is a `scholia serve` child process.
type crashServer struct {
	cmd *exec.Cmd
}

// TestCrashSafety runs `scholia serve` as a child process under a write
// load from many clients (batch creates with request ids, updates and
// deletes with etags), kills it with SIGKILL at random moments 22 times,
// restarts it on the same file each time, and checks after a last kill:
//
//   - PRAGMA integrity_check is ok;
//   - every acknowledged write is there: each acknowledged version exists
//     with its content, each annotation's current version is its newest
//     acknowledged one or newer, acknowledged deletes stay deleted;
//   - nothing is half there: every batch, acknowledged or not, is there
//     with all its annotations or not at all; every revision recorded
//     changed something and every version points at a recorded revision;
//     the versions of each annotation form one unbroken chain;
//   - a batch in doubt, retried with its request id after the restart, is
//     answered once: the retry returns it if it had been committed.
func TestCrashSafety(t *testing.T) {
	bin, err := exec.LookPath("scholia") // the test binary, as installed by testscript.Main
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	db := filepath.Join(dir, "crash.db")
	port, err := freePort()
	if err != nil {
		t.Fatal(err)
	}
	addr := fmt.Sprintf("127.0.0.1:%d", port)
	logFile, err := os.Create(filepath.Join(dir, "server.log"))
	if err != nil {
		t.Fatal(err)
	}
	defer logFile.Close()
	var srv *crashServer
	start := func() {
		t.Helper()
		cmd := exec.Command(bin, "serve", "--db", db, "--listen", addr)
		cmd.Stdout, cmd.Stderr = logFile, logFile
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		srv = &crashServer{cmd: cmd}
		if err := waitHealthy(addr, 30*time.Second); err != nil {
			cmd.Process.Kill()
			cmd.Wait()
			b, _ := os.ReadFile(logFile.Name())
			t.Fatalf("the server did not come up: %v\n%s", err, b)
		}
	}
	kill := func() {
		t.Helper()
		if err := srv.cmd.Process.Signal(syscall.SIGKILL); err != nil {
			t.Fatal(err)
		}
		srv.cmd.Wait()
	}
	start()
	defer func() {
		if srv.cmd.ProcessState == nil {
			kill()
		}
	}()
	tok, err := os.ReadFile(db + ".admin-token")
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	setup, err := client.Dial(addr, client.WithToken(string(tok)))
	if err != nil {
		t.Fatal(err)
	}
	defer setup.Close()
	if _, err := setup.Projects.CreateProject(ctx, &pb.CreateProjectRequest{Project: &pb.Project{Id: "p"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := setup.Documents.CreateDocument(ctx, &pb.CreateDocumentRequest{Document: &pb.Document{ProjectId: "p", Id: "d", Text: crashText}}); err != nil {
		t.Fatal(err)
	}
	lr, err := setup.Annotations.ListAnnotations(ctx, &pb.ListAnnotationsRequest{ProjectId: "p"})
	if err != nil {
		t.Fatal(err)
	}
	setupRev := lr.GetRevision()

	log := &crashLog{acked: map[int64][]ackedVersion{}, deleted: map[int64]bool{}, doubt: map[int64]bool{},
		batches: map[string]int{}, doubted: map[string]bool{}, ops: map[string]int{}}
	stop := make(chan struct{})
	var writers sync.WaitGroup
	const nWriters = 8
	for g := range nWriters {
		c, err := client.Dial(addr, client.WithToken(string(tok)), client.WithDialOptions(fastReconnect))
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		writers.Go(func() { crashWriter(t, c, g, log, stop) })
	}

	const kills = 22
	t0 := time.Now()
	for range kills {
		time.Sleep(time.Duration(100+rand.IntN(400)) * time.Millisecond)
		kill()
		start()
	}
	time.Sleep(300 * time.Millisecond)
	close(stop)
	writers.Wait()
	kill() // the last state checked is one after a crash too
	t.Logf("%d kills in %v; writes: %v; %d batches in doubt at the end", kills, time.Since(t0).Round(time.Millisecond), log.ops, len(log.doubted))
	if b, _ := os.ReadFile(logFile.Name()); strings.Contains(string(b), "DATA RACE") || strings.Contains(string(b), "panic:") {
		t.Errorf("the server's log shows a race or a panic:\n%s", b)
	}
	checkCrashDB(t, db, setupRev, log)
}

// fastReconnect makes clients reconnect within a few tens of milliseconds
// of a restart, instead of after gRPC's default backoff of a second and
// more.
var fastReconnect = grpc.WithConnectParams(grpc.ConnectParams{
	Backoff:           backoff.Config{BaseDelay: 10 * time.Millisecond, Multiplier: 1.5, Jitter: 0.2, MaxDelay: 100 * time.Millisecond},
	MinConnectTimeout: time.Second,
})

// waitHealthy waits until the server at addr answers health checks.
func waitHealthy(addr string, limit time.Duration) error {
	conn, err := grpc.NewClient(addr, grpc.WithTransportCredentials(insecure.NewCredentials()), fastReconnect)
	if err != nil {
		return err
	}
	defer conn.Close()
	h := healthpb.NewHealthClient(conn)
	var last error
	for deadline := time.Now().Add(limit); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		r, err := h.Check(ctx, &healthpb.HealthCheckRequest{})
		cancel()
		if err == nil && r.GetStatus() == healthpb.HealthCheckResponse_SERVING {
			return nil
		}
		last = err
	}
	return fmt.Errorf("not healthy after %v: %v", limit, last)
}

// crashWriter writes until stop: batch creates (a batch in doubt is retried
// with its request id half of the time), updates and deletes with etags.
func crashWriter(t *testing.T, c *client.Client, g int, log *crashLog, stop chan struct{}) {
	rng := rand.New(rand.NewPCG(uint64(g), 42))
	var retry []*pb.BatchCreateAnnotationsRequest
	for n := 0; ; n++ {
		select {
		case <-stop:
			return
		default:
		}
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		var err error
		switch op := rng.IntN(10); {
		case len(retry) > 0 && op < 3:
			req := retry[0]
			retry = retry[1:]
			err = crashBatch(ctx, c, req, log, "retried batch")
		case op < 6:
			req := &pb.BatchCreateAnnotationsRequest{RequestId: fmt.Sprintf("w%d-%d", g, n)}
			for range 1 + rng.IntN(6) {
				s := crashSpans[rng.IntN(len(crashSpans))]
				req.Annotations = append(req.Annotations, &pb.Annotation{ProjectId: "p", DocumentId: "d",
					Body: &pb.Annotation_Mention{Mention: &pb.Mention{Label: s.labels[rng.IntN(2)], Spans: []*pb.Span{{Start: s.start, End: s.end}}}}})
			}
			log.mu.Lock()
			log.batches[req.RequestId] = len(req.Annotations)
			log.mu.Unlock()
			err = crashBatch(ctx, c, req, log, "batch")
			if inDoubt(err) && rng.IntN(2) == 0 {
				retry = append(retry, req)
			}
		default:
			err = crashEdit(ctx, c, rng, log, op == 9)
		}
		cancel()
		switch {
		case err == nil, inDoubt(err):
		case status.Code(err) == codes.Aborted || status.Code(err) == codes.NotFound:
			log.count("refused (stale etag or deleted)")
		default:
			t.Errorf("writer %d: %v", g, err)
			return
		}
		if inDoubt(err) {
			time.Sleep(20 * time.Millisecond) // the server is down
		}
	}
}

// crashBatch sends a batch and records its outcome.
func crashBatch(ctx context.Context, c *client.Client, req *pb.BatchCreateAnnotationsRequest, log *crashLog, what string) error {
	resp, err := c.Annotations.BatchCreateAnnotations(ctx, req)
	log.mu.Lock()
	defer log.mu.Unlock()
	if err != nil {
		if inDoubt(err) {
			log.doubted[req.RequestId] = true
			log.ops[what+" in doubt"]++
		}
		return err
	}
	delete(log.doubted, req.RequestId)
	log.ops[what+" acknowledged"]++
	for _, a := range resp.GetAnnotations() {
		rev, _ := strconv.ParseInt(a.GetEtag(), 10, 64)
		log.acked[a.GetId()] = append(log.acked[a.GetId()], ackedVersion{rev: rev, label: a.GetMention().GetLabel()})
	}
	return nil
}

// crashEdit updates (flips the label) or deletes an acknowledged
// annotation, with the etag just read.
func crashEdit(ctx context.Context, c *client.Client, rng *rand.Rand, log *crashLog, del bool) error {
	log.mu.Lock()
	var id int64
	for k := range log.acked { // a random one: map order
		if !log.deleted[k] {
			id = k
			if rng.IntN(4) == 0 {
				break
			}
		}
	}
	log.mu.Unlock()
	if id == 0 {
		return nil
	}
	cur, err := c.Annotations.GetAnnotation(ctx, &pb.GetAnnotationRequest{Id: id})
	if err != nil {
		return err
	}
	a := cur.GetAnnotation()
	if del {
		_, err := c.Annotations.DeleteAnnotation(ctx, &pb.DeleteAnnotationRequest{Id: id, Etag: a.GetEtag()})
		log.mu.Lock()
		defer log.mu.Unlock()
		switch {
		case err == nil:
			log.deleted[id] = true
			log.ops["delete acknowledged"]++
		case inDoubt(err):
			log.doubt[id] = true
			log.ops["delete in doubt"]++
		}
		return err
	}
	label := map[string]string{"PER": "ORG", "ORG": "PER", "GPE": "LOC", "LOC": "GPE"}[a.GetMention().GetLabel()]
	resp, err := c.Annotations.UpdateAnnotation(ctx, &pb.UpdateAnnotationRequest{
		Annotation: &pb.Annotation{Id: id, Body: &pb.Annotation_Mention{Mention: &pb.Mention{Label: label}}},
		UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"mention.label"}}, Etag: a.GetEtag()})
	log.mu.Lock()
	defer log.mu.Unlock()
	switch {
	case err == nil:
		rev, _ := strconv.ParseInt(resp.GetAnnotation().GetEtag(), 10, 64)
		log.acked[id] = append(log.acked[id], ackedVersion{rev: rev, label: resp.GetAnnotation().GetMention().GetLabel()})
		log.ops["update acknowledged"]++
	case inDoubt(err):
		log.doubt[id] = true
		log.ops["update in doubt"]++
	}
	return err
}

// version is one stored version of an annotation.
type version struct {
	created, deleted int64 // deleted 0: current
	label            string
}

// checkCrashDB checks the database file after the last crash.
func checkCrashDB(t *testing.T, path string, setupRev int64, log *crashLog) {
	db, err := sql.Open("sqlite3", "file:"+path+"?_busy_timeout=5000")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var check string
	if err := db.QueryRow(`PRAGMA integrity_check`).Scan(&check); err != nil || check != "ok" {
		t.Fatalf("integrity_check: %q, %v", check, err)
	}
	query := func(q string, args ...any) int64 {
		t.Helper()
		var n int64
		if err := db.QueryRow(q, args...).Scan(&n); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		return n
	}
	if n := query(`SELECT count(*) FROM pragma_foreign_key_check`); n != 0 {
		t.Errorf("%d foreign key violations", n)
	}
	// Every version points at a recorded revision, and every revision
	// since the setup changed something.
	if n := query(`SELECT count(*) FROM annotations a WHERE NOT EXISTS (SELECT 1 FROM revisions r WHERE r.rev = a.created_rev)
		OR (a.deleted_rev IS NOT NULL AND NOT EXISTS (SELECT 1 FROM revisions r WHERE r.rev = a.deleted_rev))`); n != 0 {
		t.Errorf("%d annotation versions point at revisions that were never recorded", n)
	}
	if n := query(`SELECT count(*) FROM revisions r WHERE r.rev > ? AND NOT EXISTS (SELECT 1 FROM annotations a WHERE a.project = 'p' AND a.created_rev = r.rev)
		AND NOT EXISTS (SELECT 1 FROM annotations a WHERE a.project = 'p' AND a.deleted_rev = r.rev)`, setupRev); n != 0 {
		t.Errorf("%d revisions were recorded without their changes", n)
	}
	// Every batch is whole or absent.
	present, doubtedPresent := 0, 0
	for req, size := range log.batches {
		var rev int64
		err := db.QueryRow(`SELECT rev FROM revisions WHERE user = 'admin' AND request_id = ?`, req).Scan(&rev)
		if err == sql.ErrNoRows {
			if !log.doubted[req] {
				t.Errorf("batch %s was acknowledged but its revision is not in the database", req)
			}
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		present++
		if log.doubted[req] {
			doubtedPresent++
		}
		if n := query(`SELECT count(DISTINCT id) FROM annotations WHERE create_rev = ?`, rev); n != int64(size) {
			t.Errorf("batch %s (revision %d) has %d of its %d annotations", req, rev, n, size)
		}
	}
	// The versions of every annotation form one chain.
	rows, err := db.Query(`SELECT id, created_rev, coalesce(deleted_rev, 0), label FROM annotations WHERE project = 'p' ORDER BY id, created_rev`)
	if err != nil {
		t.Fatal(err)
	}
	versions := map[int64][]version{}
	for rows.Next() {
		var id int64
		var v version
		if err := rows.Scan(&id, &v.created, &v.deleted, &v.label); err != nil {
			t.Fatal(err)
		}
		versions[id] = append(versions[id], v)
	}
	rows.Close()
	for id, vs := range versions {
		for i, v := range vs {
			last := i == len(vs)-1
			switch {
			case !last && v.deleted != vs[i+1].created:
				t.Errorf("annotation %d: version %d closed at %d, the next opened at %d", id, v.created, v.deleted, vs[i+1].created)
			case v.deleted != 0 && v.deleted <= v.created:
				t.Errorf("annotation %d: version %d closed at %d", id, v.created, v.deleted)
			}
		}
	}
	// Every acknowledged version is there; the current version is the
	// newest acknowledged or newer; acknowledged deletes hold.
	for id, acks := range log.acked {
		vs := versions[id]
		newest := int64(0)
		for _, a := range acks {
			newest = max(newest, a.rev)
			found := false
			for _, v := range vs {
				found = found || v.created == a.rev && v.label == a.label
			}
			if !found {
				t.Errorf("annotation %d: the version %s acknowledged at revision %d is missing (versions %v)", id, a.label, a.rev, vs)
			}
		}
		if len(vs) == 0 {
			continue
		}
		cur := vs[len(vs)-1]
		switch {
		case log.deleted[id] && cur.deleted == 0:
			t.Errorf("annotation %d: its delete was acknowledged, but it is current (%v)", id, vs)
		case cur.deleted != 0 && !log.deleted[id] && !log.doubt[id]:
			t.Errorf("annotation %d was deleted, but no delete of it was sent", id)
		case cur.created < newest:
			t.Errorf("annotation %d: current version %d is older than the acknowledged %d", id, cur.created, newest)
		}
	}
	t.Logf("%d batches sent, %d in the database; of the %d never acknowledged, %d are there whole and %d not at all; %d annotations checked",
		len(log.batches), present, len(log.doubted), doubtedPresent, len(log.doubted)-doubtedPresent, len(versions))
	if len(log.acked) < 100 {
		t.Errorf("only %d annotations were acknowledged: the load was too light to show anything", len(log.acked))
	}
}
