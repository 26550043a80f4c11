package storetest

import (
	"bytes"
	"errors"
	"sync"
	"testing"

	"github.com/scholia-nlp/scholia"
)

var revisionTests = []test{
	{"OneRevisionPerWrite", func(t *testing.T, s scholia.Store) {
		if r := revision(t, s); r != 0 {
			t.Fatalf("a new store is at revision %d", r)
		}
		f := setup(t, s)
		var ms []scholia.Annotation
		steps := []struct {
			name string
			do   func() error
		}{
			{"create project", func() error {
				_, err := s.CreateProject(ctx, curator, scholia.Project{ID: "p2"})
				return err
			}},
			{"create document", func() error {
				_, err := s.CreateDocument(ctx, curator, scholia.Document{Project: "news", ID: "d3", Text: "Short."})
				return err
			}},
			{"create a batch", func() error {
				var err error
				ms, err = s.CreateAnnotations(ctx, alice, []scholia.Annotation{
					mention(t, "d1", text1, "alice", "PER", "Obama", 0), mention(t, "d1", text1, "alice", "PER", "Putin", 0),
					mention(t, "d1", text1, "alice", "GPE", "Moscow", 0)})
				return err
			}},
			{"update annotation", func() error {
				_, err := s.UpdateAnnotation(ctx, alice, ms[0].ID, 0, func(a *scholia.Annotation) error { a.Label = "ORG"; return nil })
				return err
			}},
			{"delete annotation", func() error {
				_, err := s.DeleteAnnotation(ctx, alice, ms[1].ID, 0)
				return err
			}},
			{"update document", func() error {
				_, err := s.UpdateDocument(ctx, curator, "news", "d3", 0, func(d *scholia.Document) error { d.Title = "t"; return nil })
				return err
			}},
			{"set layer status", func() error {
				_, err := s.SetLayerStatus(ctx, alice, "news", "d1", "alice", scholia.LayerDone, 0)
				return err
			}},
			{"update project", func() error {
				_, err := s.UpdateProject(ctx, curator, "p2", 0, func(p *scholia.Project) error { p.Title = "t"; return nil })
				return err
			}},
			{"delete document", func() error { return s.DeleteDocument(ctx, curator, "news", "d3", 0) }},
			{"delete project", func() error { return s.DeleteProject(ctx, curator, "p2", 0) }},
		}
		for _, st := range steps {
			before := f.rev()
			if err := st.do(); err != nil {
				t.Fatalf("%s: %v", st.name, err)
			}
			if got := f.rev(); got != before+1 {
				t.Fatalf("%s: revision %d -> %d, want one step", st.name, before, got)
			}
		}
	}},
	{"Secret", func(t *testing.T, s scholia.Store) {
		k1, err := s.Secret(ctx)
		must(t, err)
		k2, err := s.Secret(ctx)
		must(t, err)
		if len(k1) != 32 || !bytes.Equal(k1, k2) || bytes.Equal(k1, make([]byte, 32)) {
			t.Fatalf("secrets %x and %x", k1, k2)
		}
		k1[0] ^= 0xff
		k3, err := s.Secret(ctx)
		must(t, err)
		if !bytes.Equal(k3, k2) {
			t.Fatal("changing a returned secret changed the store's")
		}
	}},
}

var concurrencyTests = []test{
	{"SameEtagOneWinner", func(t *testing.T, s scholia.Store) {
		f := setup(t, s)
		m := f.create(alice, mention(t, "d1", text1, "alice", "PER", "Obama", 0))[0]
		const n = 16
		labels := []string{"ORG", "GPE", "LOC", "FAC"}
		var wg sync.WaitGroup
		results := make([]scholia.Annotation, n)
		errs := make([]error, n)
		for i := range n {
			wg.Go(func() {
				results[i], errs[i] = s.UpdateAnnotation(ctx, alice, m.ID, m.Rev, func(a *scholia.Annotation) error {
					a.Label = labels[i%len(labels)]
					return nil
				})
			})
		}
		wg.Wait()
		winner := -1
		for i, err := range errs {
			switch {
			case err == nil:
				if winner >= 0 {
					t.Fatalf("updates %d and %d both won with etag %d", winner, i, m.Rev)
				}
				winner = i
			case scholia.ErrorCode(err) != scholia.CodeAborted:
				t.Fatalf("update %d: %v, want CodeAborted", i, err)
			}
		}
		if winner < 0 {
			t.Fatal("no update won")
		}
		got, err := s.GetAnnotation(ctx, m.ID)
		must(t, err)
		if got.Rev != results[winner].Rev || got.Label != labels[winner%len(labels)] || got.Rev != m.Rev+1 {
			t.Fatalf("after the race: %s; the winner wrote %s", show(got), show(results[winner]))
		}
	}},
	{"ParallelCreates", func(t *testing.T, s scholia.Store) {
		f := setup(t, s)
		rev := f.rev()
		const workers, each = 8, 20
		var wg sync.WaitGroup
		var mu sync.Mutex
		seen := map[int64]bool{}
		var failures []error
		byUser := [][]scholia.Annotation{
			{mention(t, "d1", text1, "alice", "PER", "Obama", 0)},
			{mention(t, "d1", text1, "bob", "PER", "Obama", 0)},
		}
		for w := range workers {
			wg.Go(func() {
				user := []scholia.WriteMeta{alice, bob}[w%2]
				for range each {
					out, err := s.CreateAnnotations(ctx, user, byUser[w%2])
					mu.Lock()
					if err != nil {
						failures = append(failures, err)
					} else {
						seen[out[0].ID] = true
					}
					mu.Unlock()
				}
			})
		}
		wg.Wait()
		if err := errors.Join(failures...); err != nil {
			t.Fatal(err)
		}
		if len(seen) != workers*each || f.rev() != rev+workers*each {
			t.Fatalf("%d distinct ids, %d revisions; want %d of each", len(seen), f.rev()-rev, workers*each)
		}
		l, err := s.GetLayer(ctx, "news", "d1", "bob")
		must(t, err)
		if l.AnnotationCount != workers*each/2 {
			t.Fatalf("bob's layer has %d annotations, want %d", l.AnnotationCount, workers*each/2)
		}
	}},
}
