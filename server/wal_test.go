package server_test

import (
	"context"
	"encoding/binary"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/scholia-nlp/scholia"
	pb "github.com/scholia-nlp/scholia/gen/scholia/v1"
)

// walState reads the size of a database's WAL file and the checkpoint
// sequence number and first salt of its header, which change each time a
// writer starts the log over after a complete checkpoint.
func walState(path string) (size int64, seq, salt uint32) {
	f, err := os.Open(path + "-wal")
	if err != nil {
		return 0, 0, 0
	}
	defer f.Close()
	var hdr [32]byte
	if _, err := io.ReadFull(f, hdr[:]); err != nil {
		return 0, 0, 0
	}
	fi, err := f.Stat()
	if err != nil {
		return 0, 0, 0
	}
	return fi.Size(), binary.BigEndian.Uint32(hdr[12:]), binary.BigEndian.Uint32(hdr[16:])
}

// TestLongStreamDoesNotStopCheckpoints holds a StreamCorpus open for many
// seconds, reading one document every 40 ms, while writers add annotations
// as fast as they can. A stream that held one read transaction open would
// pin the WAL: checkpoints could not complete and the -wal file would grow
// with every write. StreamCorpus reads its snapshot in short chunks, so
// the WAL must start over again and again (its header's checkpoint
// sequence number changes) and stay within the writer's checkpoint
// backstop (20,000 pages, about 80 MiB: see sqlite/checkpoint.go); and the
// stream still delivers exactly its snapshot.
func TestLongStreamDoesNotStopCheckpoints(t *testing.T) {
	e := newEnv(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	e.project("p", "", "")
	const docs = 250
	text := strings.Repeat(rolesText+" ", 20)
	for i := range docs {
		e.doc("p", fmt.Sprintf("d%03d", i), text)
	}
	job := e.user("job", pb.Role_ROLE_READER)
	path := e.store.(interface{ Path() string }).Path()

	stream, err := job.Corpus.StreamCorpus(ctx, &pb.StreamCorpusRequest{ProjectId: "p"})
	if err != nil {
		t.Fatal(err)
	}
	first, err := stream.Recv()
	if err != nil {
		t.Fatal(err)
	}
	snapshot := first.GetRevision()

	done := make(chan struct{})
	var wg sync.WaitGroup
	var written atomic.Int64
	for w := range 3 {
		wg.Go(func() {
			for i := 0; ; i++ {
				select {
				case <-done:
					return
				default:
				}
				batch := make([]*pb.Annotation, 25)
				doc := fmt.Sprintf("d%03d", (w*83+i)%docs)
				for j := range batch {
					batch[j] = mention("p", doc, "", 0, 6, "Lavrov", "PER")
					batch[j].Attributes = map[string]string{"note": strings.Repeat("n", 200)}
				}
				if _, err := e.admin.Annotations.BatchCreateAnnotations(ctx, &pb.BatchCreateAnnotationsRequest{Annotations: batch}); err != nil {
					t.Errorf("write: %v", err)
					return
				}
				written.Add(int64(len(batch)))
			}
		})
	}
	var maxWAL int64
	seqs := map[[2]uint32]bool{}
	wg.Go(func() {
		tick := time.NewTicker(20 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-done:
				return
			case <-tick.C:
			}
			size, seq, salt := walState(path)
			maxWAL = max(maxWAL, size)
			if size > 0 {
				seqs[[2]uint32{seq, salt}] = true
			}
		}
	})

	start := time.Now()
	got := 1
	anns := len(first.GetAnnotations())
	for {
		m, err := stream.Recv()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("the stream failed after %d documents: %v", got, err)
		}
		if m.GetRevision() != snapshot {
			t.Fatalf("the stream moved from revision %d to %d", snapshot, m.GetRevision())
		}
		got++
		anns += len(m.GetAnnotations())
		time.Sleep(40 * time.Millisecond)
	}
	held := time.Since(start)
	close(done)
	wg.Wait()
	dbSize, _ := os.Stat(path)
	t.Logf("stream open %v; %d annotations written meanwhile; database %d bytes; WAL at most %d bytes; %d WAL generations",
		held.Round(time.Millisecond), written.Load(), dbSize.Size(), maxWAL, len(seqs))
	if got != docs {
		t.Fatalf("the stream delivered %d documents, want %d", got, docs)
	}
	want, _, err := e.store.ListAnnotations(ctx, scholia.AnnotationFilter{Project: "p"}, 0, 1<<20, snapshot)
	if err != nil {
		t.Fatal(err)
	}
	if anns != len(want) {
		t.Errorf("the stream delivered %d annotations; its snapshot at revision %d has %d", anns, snapshot, len(want))
	}
	if len(seqs) < 3 {
		t.Errorf("the WAL started over only %d times while the stream was open: checkpoints did not complete", len(seqs)-1)
	}
	if maxWAL > 100<<20 {
		t.Errorf("the WAL grew to %d bytes while the stream was open", maxWAL)
	}
}
