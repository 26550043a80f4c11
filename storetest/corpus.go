package storetest

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/scholia-nlp/scholia"
)

// Tests of the CorpusReader: snapshot reads, the change feed, waiting for
// revisions and retention.

// corpus is the fixture of the corpus tests, made on top of setup, one
// write per revision:
//
//	d1  alice: Obama, Putin (PER), met (Contact.Meet; Entity Obama, Entity Putin); done
//	    bob:   Obama (PER), Moscow (GPE)
//	d2  alice: Zoë (PER), Paris (GPE)
//	    bob:   no annotations; done
//
// and alice's entity cluster "people" of Obama (d1) and Zoë (d2).
type corpus struct {
	obama, putin, met, bobObama, moscow, zoe, paris, people scholia.Annotation
	aliceDone, bobDone                                      scholia.Layer
}

func makeCorpus(f *fixture) *corpus {
	t, s := f.t, f.s
	t.Helper()
	c := &corpus{}
	ms := f.create(alice, mention(t, "d1", text1, "alice", "PER", "Obama", 0), mention(t, "d1", text1, "alice", "PER", "Putin", 0))
	c.obama, c.putin = ms[0], ms[1]
	c.met = f.create(alice, scholia.Annotation{Project: "news", Document: "d1", Annotator: "alice", Kind: scholia.KindEvent,
		Label: "Contact.Meet", Spans: []scholia.Span{span(t, text1, "met", 0)},
		Arguments: []scholia.Argument{arg("Entity", c.obama.ID), arg("Entity", c.putin.ID)}})[0]
	bs := f.create(bob, mention(t, "d1", text1, "bob", "PER", "Obama", 0), mention(t, "d1", text1, "bob", "GPE", "Moscow", 0))
	c.bobObama, c.moscow = bs[0], bs[1]
	as := f.create(alice, mention(t, "d2", text2, "alice", "PER", "Zo\u00eb", 0), mention(t, "d2", text2, "alice", "GPE", "Paris", 0))
	c.zoe, c.paris = as[0], as[1]
	c.people = f.create(alice, scholia.Annotation{Project: "news", Annotator: "alice", Kind: scholia.KindCluster, Label: "entity",
		Cluster: &scholia.ClusterFields{Members: []int64{c.obama.ID, c.zoe.ID}, Title: "people"}})[0]
	var err error
	c.aliceDone, err = s.SetLayerStatus(ctx, alice, "news", "d1", "alice", scholia.LayerDone, 0)
	must(t, err)
	c.bobDone, err = s.SetLayerStatus(ctx, bob, "news", "d2", "bob", scholia.LayerDone, 0)
	must(t, err)
	return c
}

// docView is what most corpus tests compare of a CorpusDocument.
type docView struct {
	ID          string
	Title       string
	Annotations []int64
	Clusters    []int64
	Layers      []layerRow
}

func views(docs []scholia.CorpusDocument) []docView {
	out := []docView{}
	for _, d := range docs {
		v := docView{ID: d.Document.ID, Title: d.Document.Title, Annotations: ids(d.Annotations), Clusters: ids(d.Clusters), Layers: rows(d.Layers)}
		out = append(out, v)
	}
	return out
}

// readAll reads the whole corpus matching cf as of asOf, in chunks of
// chunk documents, and checks that the chunks come in id order.
func readAll(t *testing.T, s scholia.Store, cf scholia.CorpusFilter, chunk int, asOf int64) []scholia.CorpusDocument {
	t.Helper()
	var out []scholia.CorpusDocument
	after := ""
	for {
		docs, err := s.ReadCorpus(ctx, cf, after, chunk, asOf)
		if err != nil {
			t.Fatalf("ReadCorpus(after %q, as of %d): %v", after, asOf, err)
		}
		if len(docs) > chunk {
			t.Fatalf("ReadCorpus returned %d documents, asked for %d", len(docs), chunk)
		}
		for _, d := range docs {
			if d.Document.ID <= after {
				t.Fatalf("document %q after %q", d.Document.ID, after)
			}
			after = d.Document.ID
		}
		out = append(out, docs...)
		if len(docs) < chunk {
			return out
		}
	}
}

func ids64(xs ...scholia.Annotation) []int64 { return ids(xs) }

var corpusTests = []test{
	{"Snapshot", func(t *testing.T, s scholia.Store) {
		f := setup(t, s)
		c := makeCorpus(f)
		snap := f.rev()
		all := scholia.CorpusFilter{Project: "news", WithText: true}
		before := readAll(t, s, all, 10, snap)
		equal(t, "the corpus", views(before), []docView{
			{"d1", "title of d1", ids64(c.obama, c.putin, c.met, c.bobObama, c.moscow), ids64(c.people), []layerRow{
				{"d1", "alice", scholia.LayerDone, 3, c.aliceDone.Rev},
				{"d1", "bob", scholia.LayerInProgress, 2, 0},
			}},
			{"d2", "title of d2", ids64(c.zoe, c.paris), ids64(c.people), []layerRow{
				{"d2", "alice", scholia.LayerInProgress, 2, 0},
				{"d2", "bob", scholia.LayerDone, 0, c.bobDone.Rev},
			}},
		})
		// Everything reads as the other reads of the store read it.
		for _, d := range before {
			doc, err := s.GetDocument(ctx, "news", d.Document.ID, true)
			must(t, err)
			equal(t, "document "+doc.ID, d.Document, doc)
			sameAnnotations(t, "annotations of "+doc.ID, d.Annotations,
				listAll(t, s, scholia.AnnotationFilter{Project: "news", Document: doc.ID}, 100, snap))
			people, err := s.GetAnnotation(ctx, c.people.ID)
			must(t, err)
			sameAnnotation(t, "the cluster with "+doc.ID, d.Clusters[0], people)
			for _, l := range d.Layers {
				got, err := s.GetLayer(ctx, "news", l.Document, l.Annotator)
				must(t, err)
				if l.Project != "news" || !l.UpdateTime.Equal(got.UpdateTime) {
					t.Fatalf("layer %+v; GetLayer says %+v", l, got)
				}
			}
		}

		// Writes of every sort after the snapshot.
		aleppo := f.create(alice, mention(t, "d1", text1, "alice", "GPE", "Aleppo", 0))[0]
		putin2, err := s.UpdateAnnotation(ctx, alice, c.putin.ID, 0, func(a *scholia.Annotation) error { a.Label = "ORG"; return nil })
		must(t, err)
		_, err = s.DeleteAnnotation(ctx, bob, c.moscow.ID, 0)
		must(t, err)
		people2, err := s.UpdateAnnotation(ctx, alice, c.people.ID, 0, func(a *scholia.Annotation) error {
			a.Cluster = &scholia.ClusterFields{Members: []int64{c.obama.ID}, Title: "one person"}
			return nil
		})
		must(t, err)
		_, err = s.DeleteAnnotation(ctx, alice, c.zoe.ID, 0)
		must(t, err)
		_, err = s.UpdateDocument(ctx, curator, "news", "d1", 0, func(d *scholia.Document) error { d.Title = "new title"; return nil })
		must(t, err)
		back, err := s.SetLayerStatus(ctx, alice, "news", "d1", "alice", scholia.LayerInProgress, c.aliceDone.Rev)
		must(t, err)
		f.doc("d3", "Nothing happened.")

		after := readAll(t, s, all, 10, snap)
		equal(t, "the snapshot after the writes", after, before)
		for _, chunk := range []int{1, 2} {
			equal(t, fmt.Sprintf("the snapshot in chunks of %d", chunk), readAll(t, s, all, chunk, snap), before)
		}
		now := readAll(t, s, all, 10, f.rev())
		equal(t, "the corpus now", views(now), []docView{
			{"d1", "new title", ids64(c.obama, c.putin, c.met, c.bobObama, aleppo), ids64(c.people), []layerRow{
				{"d1", "alice", scholia.LayerInProgress, 4, back.Rev},
				{"d1", "bob", scholia.LayerInProgress, 1, 0},
			}},
			{"d2", "title of d2", ids64(c.paris), []int64{}, []layerRow{
				{"d2", "alice", scholia.LayerInProgress, 1, 0},
				{"d2", "bob", scholia.LayerDone, 0, c.bobDone.Rev},
			}},
			{"d3", "title of d3", []int64{}, []int64{}, []layerRow{}},
		})
		sameAnnotation(t, "the updated mention", now[0].Annotations[1], putin2)
		sameAnnotation(t, "the updated cluster", now[0].Clusters[0], people2)
		if now[0].Document.Text != text1 || now[2].Document.Text != "Nothing happened." {
			t.Fatalf("texts %q, %q", now[0].Document.Text, now[2].Document.Text)
		}
		// As of 0 is the newest revision.
		equal(t, "the corpus as of 0", readAll(t, s, all, 10, 0), now)

		_, err = s.ReadCorpus(ctx, all, "", 10, f.rev()+1)
		wantCode(t, err, scholia.CodeInvalid)
		_, err = s.ReadCorpus(ctx, all, "", 10, -1)
		wantCode(t, err, scholia.CodeInvalid)
		_, err = s.ReadCorpus(ctx, scholia.CorpusFilter{}, "", 10, snap)
		wantCode(t, err, scholia.CodeInvalid)
		// Before the documents existed there was nothing to read.
		early, err := s.ReadCorpus(ctx, all, "", 10, 1)
		must(t, err)
		equal(t, "the corpus at revision 1", views(early), []docView{})
	}},
	{"Filters", func(t *testing.T, s scholia.Store) {
		f := setup(t, s)
		c := makeCorpus(f)
		snap := f.rev()
		// Statuses change after the snapshot: done only reads those at it.
		_, err := s.SetLayerStatus(ctx, alice, "news", "d1", "alice", scholia.LayerInProgress, 0)
		must(t, err)
		d2Done, err := s.SetLayerStatus(ctx, alice, "news", "d2", "alice", scholia.LayerDone, 0)
		must(t, err)
		now := f.rev()
		d1Alice := layerRow{"d1", "alice", scholia.LayerDone, 3, c.aliceDone.Rev}
		d1Bob := layerRow{"d1", "bob", scholia.LayerInProgress, 2, 0}
		d2Alice := layerRow{"d2", "alice", scholia.LayerInProgress, 2, 0}
		d2Bob := layerRow{"d2", "bob", scholia.LayerDone, 0, c.bobDone.Rev}
		none := []int64{}
		for _, tc := range []struct {
			name string
			f    scholia.CorpusFilter
			rev  int64
			want []docView
		}{
			{"annotators", scholia.CorpusFilter{Annotators: []string{"bob"}}, snap, []docView{
				{"d1", "title of d1", ids64(c.bobObama, c.moscow), none, []layerRow{d1Bob}},
				{"d2", "title of d2", none, none, []layerRow{d2Bob}},
			}},
			{"documents", scholia.CorpusFilter{Documents: []string{"d2", "nothing"}}, snap, []docView{
				{"d2", "title of d2", ids64(c.zoe, c.paris), ids64(c.people), []layerRow{d2Alice, d2Bob}},
			}},
			{"events", scholia.CorpusFilter{Kinds: []scholia.Kind{scholia.KindEvent}}, snap, []docView{
				{"d1", "title of d1", ids64(c.met), none, []layerRow{d1Alice, d1Bob}},
				{"d2", "title of d2", none, none, []layerRow{d2Alice, d2Bob}},
			}},
			{"mentions and clusters", scholia.CorpusFilter{Kinds: []scholia.Kind{scholia.KindCluster, scholia.KindMention}}, snap, []docView{
				{"d1", "title of d1", ids64(c.obama, c.putin, c.bobObama, c.moscow), ids64(c.people), []layerRow{d1Alice, d1Bob}},
				{"d2", "title of d2", ids64(c.zoe, c.paris), ids64(c.people), []layerRow{d2Alice, d2Bob}},
			}},
			{"clusters alone hold nothing", scholia.CorpusFilter{Kinds: []scholia.Kind{scholia.KindCluster}}, snap, []docView{
				{"d1", "title of d1", none, none, []layerRow{d1Alice, d1Bob}},
				{"d2", "title of d2", none, none, []layerRow{d2Alice, d2Bob}},
			}},
			{"labels", scholia.CorpusFilter{Labels: []string{"GPE"}}, snap, []docView{
				{"d1", "title of d1", ids64(c.moscow), none, []layerRow{d1Alice, d1Bob}},
				{"d2", "title of d2", ids64(c.paris), none, []layerRow{d2Alice, d2Bob}},
			}},
			{"labels and annotators", scholia.CorpusFilter{Labels: []string{"PER", "Contact.Meet"}, Annotators: []string{"alice"}}, snap, []docView{
				{"d1", "title of d1", ids64(c.obama, c.putin, c.met), ids64(c.people), []layerRow{d1Alice}},
				{"d2", "title of d2", ids64(c.zoe), ids64(c.people), []layerRow{d2Alice}},
			}},
			{"done at the snapshot", scholia.CorpusFilter{DoneOnly: true}, snap, []docView{
				{"d1", "title of d1", ids64(c.obama, c.putin, c.met), ids64(c.people), []layerRow{d1Alice}},
				{"d2", "title of d2", none, none, []layerRow{d2Bob}},
			}},
			{"done now", scholia.CorpusFilter{DoneOnly: true}, now, []docView{
				{"d1", "title of d1", none, none, []layerRow{}},
				{"d2", "title of d2", ids64(c.zoe, c.paris), ids64(c.people), []layerRow{{"d2", "alice", scholia.LayerDone, 2, d2Done.Rev}, d2Bob}},
			}},
			{"done and kinds", scholia.CorpusFilter{DoneOnly: true, Kinds: []scholia.Kind{scholia.KindMention}, Annotators: []string{"alice", "bob"}}, snap, []docView{
				{"d1", "title of d1", ids64(c.obama, c.putin), none, []layerRow{d1Alice}},
				{"d2", "title of d2", none, none, []layerRow{d2Bob}},
			}},
			{"nobody's", scholia.CorpusFilter{Annotators: []string{"carol"}}, snap, []docView{
				{"d1", "title of d1", none, none, []layerRow{}},
				{"d2", "title of d2", none, none, []layerRow{}},
			}},
		} {
			t.Run(tc.name, func(t *testing.T) {
				cf := tc.f
				cf.Project = "news"
				got := readAll(t, s, cf, 10, tc.rev)
				equal(t, "documents", views(got), tc.want)
				for _, d := range got {
					if d.Document.Text != "" {
						t.Fatalf("the text of %s came without WithText", d.Document.ID)
					}
				}
				// Chunks of one document read the same.
				equal(t, "in chunks of 1", readAll(t, s, cf, 1, tc.rev), got)
			})
		}
		// A cluster comes whole, with its member in a document not read.
		got := readAll(t, s, scholia.CorpusFilter{Project: "news", Documents: []string{"d2"}}, 10, snap)
		sameAnnotation(t, "the cluster read with d2 alone", got[0].Clusters[0], c.people)
		equal(t, "its members", got[0].Clusters[0].Cluster.Members, []int64{c.obama.ID, c.zoe.ID})
		sameAnnotations(t, "d2's annotations", got[0].Annotations, []scholia.Annotation{c.zoe, c.paris})
	}},
	{"PublishTimeRange", func(t *testing.T, s scholia.Store) {
		setup(t, s)
		day := func(d int) time.Time { return time.Date(2024, 3, d, 0, 0, 0, 0, time.UTC) }
		for i, id := range []string{"p1", "p2", "p3"} {
			_, err := s.CreateDocument(ctx, curator, scholia.Document{Project: "news", ID: id, Title: id, PublishTime: day(i + 1), Text: "Text of " + id + "."})
			must(t, err)
		}
		rev := revision(t, s)
		for _, tc := range []struct {
			name     string
			from, to time.Time
			want     []string
		}{
			{"open", time.Time{}, time.Time{}, []string{"d1", "d2", "p1", "p2", "p3"}},
			{"closed", day(1), day(3), []string{"p1", "p2"}},
			{"from", day(2), time.Time{}, []string{"p2", "p3"}},
			{"to", time.Time{}, day(2), []string{"p1"}},
			{"to just after", time.Time{}, day(2).Add(time.Nanosecond), []string{"p1", "p2"}},
			{"empty", day(2), day(2), []string{}},
		} {
			t.Run(tc.name, func(t *testing.T) {
				got := readAll(t, s, scholia.CorpusFilter{Project: "news", From: tc.from, To: tc.to}, 2, rev)
				ids := []string{}
				for _, d := range got {
					ids = append(ids, d.Document.ID)
				}
				equal(t, "documents", ids, tc.want)
			})
		}
		got := readAll(t, s, scholia.CorpusFilter{Project: "news", From: day(3)}, 2, rev)
		if len(got) != 1 || !got[0].Document.PublishTime.Equal(day(3)) {
			t.Fatalf("publish time read back: %+v", got)
		}
	}},
	{"Pagination", func(t *testing.T, s scholia.Store) {
		f := setup(t, s)
		var want []string
		for i := range 9 {
			id := fmt.Sprintf("doc%d", i)
			f.doc(id, "Obama met Putin.")
			if i%3 != 0 {
				f.create(alice, mention(t, id, "Obama met Putin.", "alice", "PER", "Putin", 0))
			}
			want = append(want, id)
		}
		want = append(want, "d1", "d2")
		slices.Sort(want)
		rev := f.rev()
		f.doc("later", "Obama met Putin.")
		whole := readAll(t, s, scholia.CorpusFilter{Project: "news"}, 100, rev)
		for chunk := 1; chunk <= 4; chunk++ {
			got := readAll(t, s, scholia.CorpusFilter{Project: "news"}, chunk, rev)
			var seen []string
			for _, d := range got {
				seen = append(seen, d.Document.ID)
			}
			equal(t, fmt.Sprintf("documents in chunks of %d", chunk), seen, want)
			equal(t, fmt.Sprintf("chunks of %d", chunk), got, whole)
		}
		// After a document that no longer exists, the next one follows.
		page, err := s.ReadCorpus(ctx, scholia.CorpusFilter{Project: "news"}, "doc35", 2, rev)
		must(t, err)
		equal(t, "after doc35", views(page)[0].ID, "doc4")
		equal(t, "its annotations", len(page[0].Annotations), 1)
	}},
	{"LayersOfADeletedDocument", func(t *testing.T, s scholia.Store) {
		f := setup(t, s)
		f.doc("d3", "Nothing happened.")
		st, err := s.SetLayerStatus(ctx, bob, "news", "d3", "bob", scholia.LayerDone, 0)
		must(t, err)
		withStatus := f.rev()
		must(t, s.DeleteDocument(ctx, curator, "news", "d3", 0))
		f.doc("d3", "Something else happened.")
		cf := scholia.CorpusFilter{Project: "news", Documents: []string{"d3"}, WithText: true}
		got := readAll(t, s, cf, 10, withStatus)
		equal(t, "the old d3", views(got), []docView{{"d3", "title of d3", []int64{}, []int64{}, []layerRow{{"d3", "bob", scholia.LayerDone, 0, st.Rev}}}})
		equal(t, "the old text", got[0].Document.Text, "Nothing happened.")
		got = readAll(t, s, cf, 10, f.rev())
		equal(t, "the new d3", views(got), []docView{{"d3", "title of d3", []int64{}, []int64{}, []layerRow{}}})
		equal(t, "the new text", got[0].Document.Text, "Something else happened.")
		got = readAll(t, s, scholia.CorpusFilter{Project: "news", DoneOnly: true, Documents: []string{"d3"}}, 10, f.rev())
		equal(t, "done layers of the new d3", views(got), []docView{{"d3", "title of d3", []int64{}, []int64{}, []layerRow{}}})
		got = readAll(t, s, cf, 10, f.rev()-1)
		equal(t, "no d3 between", views(got), []docView{})
	}},
}
