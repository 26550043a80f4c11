package sqlite

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/scholia-nlp/scholia"
)

// benchStore opens a store in a temporary file with an admin and project
// "p", closed at the end of the benchmark.
func benchStore(b *testing.B) (*Store, scholia.WriteMeta) {
	ctx := context.Background()
	s, err := Open(ctx, filepath.Join(b.TempDir(), "bench.db"))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { s.Close() })
	w := scholia.WriteMeta{User: "admin"}
	if _, err := s.CreateUser(ctx, scholia.User{Name: "admin", Role: scholia.RoleAdmin}); err != nil {
		b.Fatal(err)
	}
	if _, err := s.CreateProject(ctx, w, scholia.Project{ID: "p", Schema: scholia.NewsSchema()}); err != nil {
		b.Fatal(err)
	}
	return s, w
}

// BenchmarkConcurrentCreates measures the store's write path without gRPC:
// 64 writers creating one mention each per call, as annotators do. With
// group commit, concurrent writes share commits.
func BenchmarkConcurrentCreates(b *testing.B) {
	ctx := context.Background()
	s, w := benchStore(b)
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

// BenchmarkImport measures the store's share of a bulk import: units of 50
// mentions each, 100 units per call, as the server hands them over. The
// figure to compare is annotations/s against the import scenario of
// scholia-bench, which adds the CLI and gRPC.
func BenchmarkImport(b *testing.B) {
	ctx := context.Background()
	s, w := benchStore(b)
	const perUnit, perCall = 50, 100
	text := strings.Repeat("Lavrov met de Mistura in Moscow on Tuesday. ", perUnit)
	units := make([]scholia.AnnotatedDocument, perCall)
	n := 0
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		for u := range units {
			n++
			anns := make([]scholia.Annotation, perUnit)
			for k := range anns {
				anns[k] = scholia.Annotation{ID: int64(n*perUnit + k + 1), Annotator: "admin", Kind: scholia.KindMention, Label: "PER",
					Spans: []scholia.Span{{Start: int64(44 * k), End: int64(44*k + 6)}}}
			}
			units[u] = scholia.AnnotatedDocument{Document: scholia.Document{ID: fmt.Sprintf("d%d", n), Text: text}, Annotations: anns}
		}
		res, err := s.ImportDocuments(ctx, w, "p", units, scholia.ImportOptions{})
		if err != nil {
			b.Fatal(err)
		}
		for _, r := range res {
			if r.Status != scholia.ImportCreated {
				b.Fatal(r.Err)
			}
		}
	}
	b.ReportMetric(float64(b.N*perCall*perUnit)/b.Elapsed().Seconds(), "annotations/s")
}
