package main

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"sync/atomic"
	"time"

	_ "github.com/mattn/go-sqlite3"
	"google.golang.org/grpc"
	"google.golang.org/grpc/stats"

	"github.com/scholia-nlp/scholia/client"
	pb "github.com/scholia-nlp/scholia/gen/scholia/v1"
)

// streamed is what one stream delivered: documents in order, and the
// annotation ids of each.
type streamed struct {
	docs  []string
	anns  map[string][]int64
	nAnn  int64
	bytes int64
	rev   int64
	secs  float64
}

// streamAll reads the whole bench corpus through StreamCorpus. With stopAfter
// > 0 it stops after that many documents and returns the last resume token.
func streamAll(ctx context.Context, c *client.Client, req *pb.StreamCorpusRequest, stopAfter int, collect bool) (*streamed, string, error) {
	s := &streamed{anns: map[string][]int64{}}
	start := time.Now()
	token := ""
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	for msg, err := range c.StreamCorpus(ctx, req, client.RetryPolicy{}) {
		if err != nil {
			return nil, "", err
		}
		id := msg.GetDocument().GetId()
		s.docs = append(s.docs, id)
		if collect {
			for _, a := range msg.GetAnnotations() {
				s.anns[id] = append(s.anns[id], a.GetId())
			}
		}
		s.nAnn += int64(len(msg.GetAnnotations()))
		s.rev = msg.GetRevision()
		token = msg.GetResumeToken()
		if stopAfter > 0 && len(s.docs) == stopAfter {
			break
		}
	}
	s.secs = time.Since(start).Seconds()
	s.bytes = wireBytes.Swap(0)
	return s, token, nil
}

// wireBytes counts the bytes of the messages the client receives, as they
// came over the wire (no second pass over each message to size it).
var wireBytes atomic.Int64

type byteCounter struct{}

func (byteCounter) TagRPC(ctx context.Context, _ *stats.RPCTagInfo) context.Context { return ctx }
func (byteCounter) HandleRPC(_ context.Context, s stats.RPCStats) {
	if p, ok := s.(*stats.InPayload); ok {
		wireBytes.Add(int64(p.WireLength))
	}
}
func (byteCounter) TagConn(ctx context.Context, _ *stats.ConnTagInfo) context.Context { return ctx }
func (byteCounter) HandleConn(context.Context, stats.ConnStats)                       {}

// rawScan reads the same rows with plain SQLite statements: the current
// documents with their texts and the current annotations of the project,
// every column, no decoding: the storage limit of a stream.
func rawScan(db string) (docs, anns, bytes int64, secs float64, err error) {
	h, err := sql.Open("sqlite3", "file:"+db+"?mode=ro&_busy_timeout=10000")
	if err != nil {
		return
	}
	defer h.Close()
	start := time.Now()
	rows, err := h.Query(`SELECT d.id, t.text FROM documents d JOIN texts t ON t.id = d.text_id
		WHERE d.project = ? AND d.deleted_rev IS NULL ORDER BY d.id`, benchProject)
	if err != nil {
		return
	}
	for rows.Next() {
		var id string
		var text sql.RawBytes
		if err = rows.Scan(&id, &text); err != nil {
			rows.Close()
			return
		}
		docs++
		bytes += int64(len(id) + len(text))
	}
	rows.Close()
	rows, err = h.Query(`SELECT id, document, annotator, kind, label, spans, attrs, body, created_rev FROM annotations
		WHERE project = ? AND deleted_rev IS NULL ORDER BY document, id`, benchProject)
	if err != nil {
		return
	}
	defer rows.Close()
	for rows.Next() {
		var id, kind, rev int64
		var doc, annotator, label sql.RawBytes
		var spans, attrs, body sql.RawBytes
		if err = rows.Scan(&id, &doc, &annotator, &kind, &label, &spans, &attrs, &body, &rev); err != nil {
			return
		}
		anns++
		bytes += int64(24 + len(doc) + len(annotator) + len(label) + len(spans) + len(attrs) + len(body))
	}
	secs = time.Since(start).Seconds()
	err = rows.Err()
	return
}

// median is the middle of xs, or the mean of the two middle values when
// their number is even: the figure quoted from repeated runs on a noisy
// machine.
func median(xs []float64) float64 {
	s := slices.Clone(xs)
	sort.Float64s(s)
	if n := len(s); n%2 == 0 {
		return (s[n/2-1] + s[n/2]) / 2
	}
	return s[len(s)/2]
}

// benchStream loads a small corpus and a 10x larger one, streams each
// through a fresh server, and holds the large one's rates against a raw scan
// of the same rows; it also checks that a stream killed halfway and resumed
// delivers exactly what an uninterrupted one does, while writes go on.
func benchStream(cfg config, dir string) ([]row, error) {
	ctx := context.Background()
	var rows []row
	small := max(cfg.docs/10, 1)
	var rssSmall, rssLarge float64
	for _, docs := range []int{small, cfg.docs} {
		db := filepath.Join(dir, fmt.Sprintf("stream-%d.db", docs))
		srv, err := startServer(db)
		if err != nil {
			return nil, err
		}
		fmt.Fprintf(os.Stderr, "  loading %d documents x %d annotations\n", docs, cfg.annsPerDoc)
		rate, _, err := loadCorpus(ctx, srv, cfg, docs)
		srv.stop()
		if err != nil {
			return nil, err
		}
		if docs == cfg.docs {
			rows = append(rows, row{Scenario: "stream", Figure: "load through BatchCreateAnnotations", Unit: "annotations/s", Scholia: rate,
				Note: fmt.Sprintf("%d loaders, one batch of %d annotations per document", loaders, annsPerGenDoc(cfg))})
		}
		// A fresh server, so that its peak memory is the stream's.
		srv, err = startServer(db)
		if err != nil {
			return nil, err
		}
		c, err := client.Dial(srv.addr, client.WithToken(srv.token), client.WithDialOptions(grpc.WithStatsHandler(byteCounter{})))
		if err != nil {
			srv.stop()
			return nil, err
		}
		req := &pb.StreamCorpusRequest{ProjectId: benchProject}
		var streams []*streamed
		var raws [][4]float64
		for i := 0; i < 3; i++ {
			d, a, b, secs, err := rawScan(db)
			if err != nil {
				srv.stop()
				return nil, fmt.Errorf("raw scan: %w", err)
			}
			raws = append(raws, [4]float64{float64(d) / secs, float64(a) / secs, float64(b) / 1e6 / secs, secs})
			wireBytes.Store(0)
			s, _, err := streamAll(ctx, c, req, 0, i == 0)
			if err != nil {
				srv.stop()
				return nil, err
			}
			if int(a) != int(s.nAnn) || int(d) != len(s.docs) {
				srv.stop()
				return nil, fmt.Errorf("the stream delivered %d documents and %d annotations, the raw scan %d and %d", len(s.docs), s.nAnn, d, a)
			}
			streams = append(streams, s)
			fmt.Fprintf(os.Stderr, "  %d documents: stream %.2fs, raw scan %.2fs\n", docs, s.secs, secs)
		}
		rss := float64(srv.peakRSS()) / (1 << 20)
		if docs == small {
			rssSmall = rss
		} else {
			rssLarge = rss
			pick := func(f func(s *streamed) float64) []float64 {
				var out []float64
				for _, s := range streams {
					out = append(out, f(s))
				}
				return out
			}
			rawCol := func(i int) []float64 {
				var out []float64
				for _, r := range raws {
					out = append(out, r[i])
				}
				return out
			}
			docsS := median(pick(func(s *streamed) float64 { return float64(len(s.docs)) / s.secs }))
			annsS := median(pick(func(s *streamed) float64 { return float64(s.nAnn) / s.secs }))
			mbS := median(pick(func(s *streamed) float64 { return float64(s.bytes) / 1e6 / s.secs }))
			rd, ra, rm := median(rawCol(0)), median(rawCol(1)), median(rawCol(2))
			note := fmt.Sprintf(streamNote, len(streams[0].docs), streams[0].nAnn)
			rows = append(rows,
				row{Scenario: "stream", Figure: "documents", Unit: "docs/s", Scholia: docsS, Limit: rd, Ratio: docsS / rd},
				row{Scenario: "stream", Figure: "annotations", Unit: "anns/s", Scholia: annsS, Limit: ra, Ratio: annsS / ra, Target: ">= 0.50 of limit", Note: note},
				row{Scenario: "stream", Figure: "bytes", Unit: "MB/s", Scholia: mbS, Limit: rm, Ratio: mbS / rm},
			)
			ok, note, err := checkResume(ctx, c, streams[0], srv)
			if err != nil {
				srv.stop()
				return nil, err
			}
			res := "identical"
			if !ok {
				res = "DIFFERENT"
			}
			rows = append(rows, row{Scenario: "stream", Figure: "killed and resumed stream: " + res, Note: note})
		}
		c.Close()
		srv.stop()
	}
	rows = append(rows,
		row{Scenario: "stream", Figure: fmt.Sprintf(rssFigure, small), Unit: "MB", PeakRSS: rssSmall},
		row{Scenario: "stream", Figure: fmt.Sprintf(rssFigure, cfg.docs), Unit: "MB", PeakRSS: rssLarge,
			Limit: rssSmall, Ratio: rssLarge / rssSmall, Target: "< 100 MB, <= 1.5x the small corpus"},
	)
	return rows, nil
}

// checkResume streams the snapshot of full again, cancels it a third of the
// way through, resumes from the last token, and compares, while another
// client keeps writing annotations.
func checkResume(ctx context.Context, c *client.Client, full *streamed, srv *serverProc) (bool, string, error) {
	wctx, stopWriting := context.WithCancel(ctx)
	defer stopWriting()
	var written atomic.Int64
	go func() {
		w, err := srv.client(srv.token)
		if err != nil {
			return
		}
		defer w.Close()
		for i := 0; wctx.Err() == nil; i++ {
			doc := full.docs[i%len(full.docs)]
			_, err := w.Annotations.CreateAnnotation(wctx, &pb.CreateAnnotationRequest{Annotation: &pb.Annotation{ProjectId: benchProject, DocumentId: doc, Annotator: benchAnnotator,
				Body: &pb.Annotation_Mention{Mention: &pb.Mention{Label: "GPE", Spans: []*pb.Span{{Start: 0, End: 3}}}}}})
			if err == nil {
				written.Add(1)
			}
		}
	}()
	req := &pb.StreamCorpusRequest{ProjectId: benchProject, AsOfRevision: full.rev}
	first, token, err := streamAll(ctx, c, req, max(len(full.docs)/3, 1), true)
	if err != nil {
		return false, "", err
	}
	req.ResumeToken = token
	rest, _, err := streamAll(ctx, c, req, 0, true)
	if err != nil {
		return false, "", err
	}
	stopWriting()
	got := append(slices.Clone(first.docs), rest.docs...)
	ok := slices.Equal(got, full.docs)
	for id, anns := range first.anns {
		ok = ok && slices.Equal(anns, full.anns[id])
	}
	for id, anns := range rest.anns {
		ok = ok && slices.Equal(anns, full.anns[id])
	}
	return ok, fmt.Sprintf("%d + %d documents, %d + %d annotations, against %d documents, %d annotations; %d annotations written meanwhile",
		len(first.docs), len(rest.docs), first.nAnn, rest.nAnn, len(full.docs), full.nAnn, written.Load()), nil
}
