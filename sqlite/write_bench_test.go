package sqlite

import (
	"context"
	"fmt"
	"path/filepath"
	"sync/atomic"
	"testing"

	"github.com/scholia-nlp/scholia"
)

// BenchmarkConcurrentCreates measures the store's write path without gRPC:
// 64 writers creating one mention each per call, as annotators do. With
// group commit, concurrent writes share commits.
func BenchmarkConcurrentCreates(b *testing.B) {
	ctx := context.Background()
	s, err := Open(ctx, filepath.Join(b.TempDir(), "bench.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	w := scholia.WriteMeta{User: "admin"}
	if _, err := s.CreateUser(ctx, scholia.User{Name: "admin", Role: scholia.RoleAdmin}); err != nil {
		b.Fatal(err)
	}
	if _, err := s.CreateProject(ctx, w, scholia.Project{ID: "p", Schema: scholia.NewsSchema()}); err != nil {
		b.Fatal(err)
	}
	for i := range 64 {
		if _, err := s.CreateDocument(ctx, w, scholia.Document{Project: "p", ID: fmt.Sprintf("d%d", i), Text: "Lavrov met de Mistura in Moscow on Tuesday."}); err != nil {
			b.Fatal(err)
		}
	}
	var n atomic.Int64
	b.SetParallelism(32) // 64 goroutines on 2 CPUs
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		doc := fmt.Sprintf("d%d", n.Add(1)%64)
		for pb.Next() {
			_, err := s.CreateAnnotations(ctx, w, []scholia.Annotation{{Project: "p", Document: doc, Annotator: "admin",
				Kind: scholia.KindMention, Label: "PER", Spans: []scholia.Span{{Start: 0, End: 6}}}})
			if err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "writes/s")
}
