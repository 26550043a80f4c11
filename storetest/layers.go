package storetest

import (
	"fmt"
	"testing"

	"github.com/scholia-nlp/scholia"
)

// layerRow is what the layer tests compare.
type layerRow struct {
	Document, Annotator string
	Status              scholia.LayerStatus
	Count               int64
	Rev                 int64
}

func rows(ls []scholia.Layer) []layerRow {
	out := []layerRow{}
	for _, l := range ls {
		out = append(out, layerRow{l.Document, l.Annotator, l.Status, l.AnnotationCount, l.Rev})
	}
	return out
}

var layerTests = []test{
	{"StatusAndCount", func(t *testing.T, s scholia.Store) {
		f := setup(t, s)
		l, err := s.GetLayer(ctx, "news", "d1", "alice")
		must(t, err)
		if l.Status != scholia.LayerInProgress || l.AnnotationCount != 0 || l.Rev != 0 || l.Project != "news" ||
			l.Document != "d1" || l.Annotator != "alice" || !l.UpdateTime.IsZero() {
			t.Fatalf("untouched layer: %+v", l)
		}
		ms := f.create(alice, mention(t, "d1", text1, "alice", "PER", "Obama", 0), mention(t, "d1", text1, "alice", "PER", "Putin", 0))
		f.create(bob, mention(t, "d1", text1, "bob", "PER", "Obama", 0))
		l, err = s.GetLayer(ctx, "news", "d1", "alice")
		must(t, err)
		if l.AnnotationCount != 2 || l.Status != scholia.LayerInProgress || l.Rev != 0 {
			t.Fatalf("alice's layer: %+v", l)
		}
		done, err := s.SetLayerStatus(ctx, alice, "news", "d1", "alice", scholia.LayerDone, 0)
		must(t, err)
		if done.Status != scholia.LayerDone || done.Rev != f.rev() || done.AnnotationCount != 2 || done.UpdateTime.IsZero() {
			t.Fatalf("SetLayerStatus = %+v (store at %d)", done, f.rev())
		}
		l, err = s.GetLayer(ctx, "news", "d1", "alice")
		must(t, err)
		if l.Status != scholia.LayerDone || l.Rev != done.Rev || !l.UpdateTime.Equal(done.UpdateTime) {
			t.Fatalf("GetLayer after SetLayerStatus: %+v", l)
		}
		rev := f.rev()
		_, err = s.SetLayerStatus(ctx, alice, "news", "d1", "alice", scholia.LayerInProgress, done.Rev-1)
		e := wantReason(t, err, scholia.CodeAborted, "STALE_ETAG")
		wantContains(t, "message", e.Message, fmt.Sprint(done.Rev))
		_, err = s.SetLayerStatus(ctx, alice, "news", "d1", "alice", scholia.LayerStatusUnspecified, 0)
		wantCode(t, err, scholia.CodeInvalid)
		_, err = s.SetLayerStatus(ctx, alice, "news", "d9", "alice", scholia.LayerDone, 0)
		wantCode(t, err, scholia.CodeNotFound)
		_, err = s.SetLayerStatus(ctx, alice, "news", "d1", "zed", scholia.LayerDone, 0)
		wantCode(t, err, scholia.CodeNotFound)
		if f.rev() != rev {
			t.Fatal("refused status changes took revisions")
		}
		_, err = s.GetLayer(ctx, "news", "d9", "alice")
		wantCode(t, err, scholia.CodeNotFound)
		_, err = s.GetLayer(ctx, "nothing", "d1", "alice")
		wantCode(t, err, scholia.CodeNotFound)

		back, err := s.SetLayerStatus(ctx, alice, "news", "d1", "alice", scholia.LayerInProgress, done.Rev)
		must(t, err)
		if back.Status != scholia.LayerInProgress || back.Rev != rev+1 {
			t.Fatalf("back in progress: %+v", back)
		}
		_, err = s.DeleteAnnotation(ctx, alice, ms[0].ID, 0)
		must(t, err)
		l, err = s.GetLayer(ctx, "news", "d1", "alice")
		must(t, err)
		if l.AnnotationCount != 1 || l.Rev != back.Rev {
			t.Fatalf("after a delete: %+v", l)
		}
		// The gold layer has a status like any other.
		g, err := s.SetLayerStatus(ctx, curator, "news", "d2", "gold", scholia.LayerDone, 0)
		must(t, err)
		if g.Annotator != "gold" || g.Status != scholia.LayerDone {
			t.Fatalf("gold layer: %+v", g)
		}
	}},
	{"List", func(t *testing.T, s scholia.Store) {
		f := setup(t, s)
		f.doc("d3", "Nothing happened.")
		f.create(alice, mention(t, "d1", text1, "alice", "PER", "Obama", 0), mention(t, "d1", text1, "alice", "PER", "Putin", 0))
		f.create(bob, mention(t, "d1", text1, "bob", "PER", "Obama", 0))
		f.create(alice, mention(t, "d2", text2, "alice", "GPE", "Paris", 0))
		st, err := s.SetLayerStatus(ctx, curator, "news", "d2", "carol", scholia.LayerDone, 0)
		must(t, err)
		dn, err := s.SetLayerStatus(ctx, alice, "news", "d1", "alice", scholia.LayerDone, 0)
		must(t, err)
		all := []layerRow{
			{"d1", "alice", scholia.LayerDone, 2, dn.Rev},
			{"d1", "bob", scholia.LayerInProgress, 1, 0},
			{"d2", "alice", scholia.LayerInProgress, 1, 0},
			{"d2", "carol", scholia.LayerDone, 0, st.Rev},
		}
		list, err := s.ListLayers(ctx, scholia.LayerFilter{Project: "news"}, scholia.LayerKey{}, 10)
		must(t, err)
		equal(t, "all layers", rows(list), all)
		for _, l := range list {
			if l.Project != "news" {
				t.Fatalf("layer of project %q", l.Project)
			}
		}
		// Pages of two, keyed by (document, annotator).
		var paged []layerRow
		var after scholia.LayerKey
		for {
			page, err := s.ListLayers(ctx, scholia.LayerFilter{Project: "news"}, after, 2)
			must(t, err)
			paged = append(paged, rows(page)...)
			if len(page) < 2 {
				break
			}
			after = scholia.LayerKey{Document: page[len(page)-1].Document, Annotator: page[len(page)-1].Annotator}
		}
		equal(t, "paged layers", paged, all)
		for _, tc := range []struct {
			name string
			f    scholia.LayerFilter
			want []layerRow
		}{
			{"document", scholia.LayerFilter{Project: "news", Document: "d2"}, all[2:]},
			{"annotator", scholia.LayerFilter{Project: "news", Annotators: []string{"alice"}}, []layerRow{all[0], all[2]}},
			{"both", scholia.LayerFilter{Project: "news", Document: "d1", Annotators: []string{"bob", "carol"}}, all[1:2]},
			{"nothing", scholia.LayerFilter{Project: "news", Document: "d3"}, []layerRow{}},
		} {
			t.Run(tc.name, func(t *testing.T) {
				got, err := s.ListLayers(ctx, tc.f, scholia.LayerKey{}, 10)
				must(t, err)
				equal(t, "layers", rows(got), tc.want)
			})
		}
		got, err := s.ListLayers(ctx, scholia.LayerFilter{Project: "news"}, scholia.LayerKey{Document: "d1", Annotator: "bob"}, 10)
		must(t, err)
		equal(t, "after (d1, bob)", rows(got), all[2:])
		// Clusters belong to no document, so they are in no layer; the
		// statuses of a deleted document go with it.
		m2 := f.create(alice, mention(t, "d2", text2, "alice", "PER", "Zo\u00eb", 0))[0]
		f.create(alice, scholia.Annotation{Project: "news", Annotator: "alice", Kind: scholia.KindCluster, Label: "entity",
			Cluster: &scholia.ClusterFields{Members: []int64{m2.ID}}})
		_, err = s.SetLayerStatus(ctx, bob, "news", "d3", "bob", scholia.LayerDone, 0)
		must(t, err)
		must(t, s.DeleteDocument(ctx, curator, "news", "d3", 0))
		f.doc("d3", "Something else happened.")
		l, err := s.GetLayer(ctx, "news", "d3", "bob")
		must(t, err)
		if l.Status != scholia.LayerInProgress || l.Rev != 0 {
			t.Fatalf("the layer of a new document with an old id: %+v", l)
		}
		got, err = s.ListLayers(ctx, scholia.LayerFilter{Project: "news"}, scholia.LayerKey{}, 10)
		must(t, err)
		all[2].Count = 2
		equal(t, "layers with a cluster", rows(got), all)
	}},
}
