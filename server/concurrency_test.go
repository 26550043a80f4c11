package server_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/fieldmaskpb"

	"github.com/scholia-nlp/scholia"
	"github.com/scholia-nlp/scholia/client"
	pb "github.com/scholia-nlp/scholia/gen/scholia/v1"
	"github.com/scholia-nlp/scholia/sqlite"
)

// winner is an update that was acknowledged.
type winner struct {
	id    int64
	rev   int64
	token string
}

// TestConcurrentEditsWithEtags has many goroutines of several curators edit
// the same few clusters of the gold layer with etags: read the title,
// append a token of their own, update with the etag read; on ABORTED read
// again and retry, a bounded number of times. Meanwhile other clients
// create annotations, stream the corpus, take a backup and run retention.
//
// Every update either wins or gets ABORTED; a lost update would drop a
// token. So the final title of each cluster must be the serial replay of
// its winners in revision order, and the change feed must show exactly the
// winners' revisions, each with the title of the replay up to it. No call
// anywhere fails with anything else, and "database is locked" reaches
// neither a client nor the server's log.
func TestConcurrentEditsWithEtags(t *testing.T) {
	e := newEnv(t)
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	e.project("p", "d", rolesText)
	curators := make([]*client.Client, 4)
	for i := range curators {
		curators[i] = e.user(fmt.Sprintf("cur%d", i), pb.Role_ROLE_CURATOR)
	}
	const clusters, goroutines, wins, maxTries = 3, 16, 6, 200
	m, err := curators[0].Annotations.CreateAnnotation(ctx, &pb.CreateAnnotationRequest{Annotation: mention("p", "d", "gold", 0, 6, "Lavrov", "PER")})
	if err != nil {
		t.Fatal(err)
	}
	ids := make([]int64, clusters)
	start := map[int64]string{}
	for k := range ids {
		c, err := curators[0].Annotations.CreateAnnotation(ctx, &pb.CreateAnnotationRequest{Annotation: &pb.Annotation{ProjectId: "p", Annotator: "gold",
			Body: &pb.Annotation_Cluster{Cluster: &pb.Cluster{Kind: pb.ClusterKind_CLUSTER_KIND_ENTITY, MemberIds: []int64{m.GetAnnotation().GetId()}, Title: fmt.Sprintf("c%d:", k)}}}})
		if err != nil {
			t.Fatal(err)
		}
		ids[k] = c.GetAnnotation().GetId()
		start[ids[k]] = c.GetAnnotation().GetCluster().GetTitle()
	}
	startRev, _ := e.store.Revision(ctx)

	var (
		mu      sync.Mutex
		won     []winner
		errs    []error
		aborted atomic.Int64
		gaveUp  atomic.Int64
	)
	fail := func(err error) {
		mu.Lock()
		errs = append(errs, err)
		mu.Unlock()
	}
	var editors sync.WaitGroup
	for g := range goroutines {
		c := curators[g%len(curators)]
		editors.Go(func() {
			for w := range wins {
				id := ids[(g+w)%clusters]
				token := fmt.Sprintf("%d.%d,", g, w)
				tries := 0
				for ; tries < maxTries; tries++ {
					cur, err := c.Annotations.GetAnnotation(ctx, &pb.GetAnnotationRequest{Id: id})
					if err != nil {
						fail(err)
						return
					}
					a := cur.GetAnnotation()
					upd := &pb.Annotation{Id: id, Body: &pb.Annotation_Cluster{Cluster: &pb.Cluster{Title: a.GetCluster().GetTitle() + token}}}
					resp, err := c.Annotations.UpdateAnnotation(ctx, &pb.UpdateAnnotationRequest{Annotation: upd,
						UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"cluster.title"}}, Etag: a.GetEtag()})
					if status.Code(err) == codes.Aborted {
						aborted.Add(1)
						continue
					}
					if err != nil {
						fail(err)
						return
					}
					rev, _ := strconv.ParseInt(resp.GetAnnotation().GetEtag(), 10, 64)
					mu.Lock()
					won = append(won, winner{id: id, rev: rev, token: token})
					mu.Unlock()
					break
				}
				if tries == maxTries {
					gaveUp.Add(1)
				}
			}
		})
	}
	// The rest of the load, until the editors are done.
	done := make(chan struct{})
	var load sync.WaitGroup
	var creates, streams atomic.Int64
	for i := range 3 {
		c := curators[i]
		load.Go(func() {
			for {
				select {
				case <-done:
					return
				default:
				}
				_, err := c.Annotations.BatchCreateAnnotations(ctx, &pb.BatchCreateAnnotationsRequest{Annotations: []*pb.Annotation{
					mention("p", "d", "", 25, 31, "Moscow", "GPE"), mention("p", "d", "", 11, 21, "de Mistura", "PER")}})
				if err != nil {
					fail(err)
					return
				}
				creates.Add(1)
			}
		})
	}
	load.Go(func() {
		for {
			select {
			case <-done:
				return
			default:
			}
			for _, err := range e.admin.StreamCorpus(ctx, &pb.StreamCorpusRequest{ProjectId: "p"}, client.RetryPolicy{MaxAttempts: -1}) {
				if err != nil {
					fail(err)
					return
				}
			}
			if _, err := e.admin.Annotations.ListAnnotations(ctx, &pb.ListAnnotationsRequest{ProjectId: "p", PageSize: 50}); err != nil {
				fail(err)
				return
			}
			streams.Add(1)
		}
	})
	load.Go(func() {
		time.Sleep(100 * time.Millisecond)
		stream, err := e.admin.Admin.Backup(ctx, &pb.BackupRequest{})
		for err == nil {
			_, err = stream.Recv()
		}
		if !errors.Is(err, io.EOF) {
			fail(fmt.Errorf("backup: %w", err))
		}
		// Retention, up to the start of the test: it removes nothing
		// that the checks below read.
		if _, _, err := e.store.(*sqlite.Store).Prune(ctx, time.Now().Add(-time.Hour)); err != nil {
			fail(fmt.Errorf("prune: %w", err))
		}
	})
	editors.Wait()
	close(done)
	load.Wait()
	t.Logf("%d updates won, %d ABORTED and retried, %d gave up; meanwhile %d batch creates and %d corpus streams",
		len(won), aborted.Load(), gaveUp.Load(), creates.Load(), streams.Load())

	for _, err := range errs {
		t.Errorf("a call failed: %v", err)
	}
	if strings.Contains(e.logText(), "database is locked") || strings.Contains(e.logText(), "STORE_BUSY") {
		t.Errorf("the server logged a busy database:\n%s", e.logText())
	}
	if aborted.Load() == 0 {
		t.Error("no update was ABORTED: the edits did not really overlap")
	}
	if int64(len(won))+gaveUp.Load() != goroutines*wins {
		t.Fatalf("%d wins and %d give-ups of %d updates", len(won), gaveUp.Load(), goroutines*wins)
	}

	// The serial replay of the winners, in revision order.
	slices.SortFunc(won, func(a, b winner) int { return int(a.rev - b.rev) })
	replay := map[int64]string{}
	prefix := map[int64]string{} // revision -> title after that winner
	for k, v := range start {
		replay[k] = v
	}
	for i, w := range won {
		if i > 0 && w.rev == won[i-1].rev {
			t.Fatalf("two updates acknowledged with revision %d", w.rev)
		}
		replay[w.id] += w.token
		prefix[w.rev] = replay[w.id]
	}
	for _, id := range ids {
		a, err := e.admin.Annotations.GetAnnotation(ctx, &pb.GetAnnotationRequest{Id: id})
		if err != nil {
			t.Fatal(err)
		}
		if got := a.GetAnnotation().GetCluster().GetTitle(); got != replay[id] {
			t.Errorf("cluster %d is\n  %q\nthe serial replay of its winners is\n  %q", id, got, replay[id])
		}
	}
	// The change feed is the winners, in revision order, each with the
	// replay's title.
	var updates []int64
	for since := startRev; ; {
		chs, err := e.store.Changes(ctx, "p", []string{scholia.GoldAnnotator}, since, 1000)
		if err != nil {
			t.Fatal(err)
		}
		if len(chs) == 0 {
			break
		}
		for _, ch := range chs {
			if ch.Annotation == nil || ch.Annotation.Kind != scholia.KindCluster {
				continue
			}
			if ch.Type != scholia.ChangeUpdated {
				t.Errorf("change %v of cluster %d", ch.Type, ch.Annotation.ID)
				continue
			}
			updates = append(updates, ch.Rev)
			if want, ok := prefix[ch.Rev]; !ok || ch.Annotation.Cluster.Title != want {
				t.Errorf("the feed has cluster %d at revision %d titled %q; the replay has %q", ch.Annotation.ID, ch.Rev, ch.Annotation.Cluster.Title, want)
			}
		}
		since = chs[len(chs)-1].Rev
	}
	if len(updates) != len(won) {
		t.Errorf("the change feed has %d updates of the clusters, %d were acknowledged", len(updates), len(won))
	}
}
