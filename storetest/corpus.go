package storetest

import (
	"context"
	"errors"
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
	{"Changes", func(t *testing.T, s scholia.Store) {
		f := setup(t, s)
		base := f.rev()
		ms := f.create(alice, mention(t, "d1", text1, "alice", "PER", "Obama", 0), mention(t, "d1", text1, "alice", "PER", "Putin", 0))
		bobs := f.create(bob, mention(t, "d1", text1, "bob", "PER", "Obama", 0))[0]
		upd, err := s.UpdateAnnotation(ctx, alice, ms[0].ID, 0, func(a *scholia.Annotation) error { a.Label = "ORG"; return nil })
		must(t, err)
		t0 := time.Now()
		delRev, err := s.DeleteAnnotation(ctx, alice, ms[1].ID, 0)
		must(t, err)
		t1 := time.Now()
		d1, err := s.UpdateDocument(ctx, curator, "news", "d1", 0, func(d *scholia.Document) error { d.Title = "new"; return nil })
		must(t, err)
		d3 := f.doc("d3", "Nothing happened.")
		done, err := s.SetLayerStatus(ctx, alice, "news", "d1", "alice", scholia.LayerDone, 0)
		must(t, err)
		again, err := s.SetLayerStatus(ctx, alice, "news", "d1", "alice", scholia.LayerInProgress, 0)
		must(t, err)
		t2 := time.Now()
		must(t, s.DeleteDocument(ctx, curator, "news", "d3", 0))
		t3 := time.Now()
		bobDone, err := s.SetLayerStatus(ctx, bob, "news", "d1", "bob", scholia.LayerDone, 0)
		must(t, err)
		last := f.rev()
		if last != base+10 {
			t.Fatalf("%d revisions, want 10", last-base)
		}

		type row struct {
			Rev  int64
			Type scholia.ChangeType
			User string
			What string
		}
		describe := func(chs []scholia.Change) []row {
			out := []row{}
			for _, ch := range chs {
				var what string
				switch {
				case ch.Annotation != nil && ch.Document == nil && ch.Layer == nil:
					a := ch.Annotation
					what = fmt.Sprintf("annotation %d %s rev %d", a.ID, a.Label, a.Rev)
				case ch.Document != nil && ch.Annotation == nil && ch.Layer == nil:
					what = fmt.Sprintf("document %s %q rev %d text %q", ch.Document.ID, ch.Document.Title, ch.Document.Rev, ch.Document.Text)
				case ch.Layer != nil && ch.Annotation == nil && ch.Document == nil:
					l := ch.Layer
					what = fmt.Sprintf("layer %s %s %s %s count %d rev %d", l.Project, l.Document, l.Annotator, l.Status, l.AnnotationCount, l.Rev)
				default:
					t.Fatalf("change of revision %d has not exactly one resource", ch.Rev)
				}
				out = append(out, row{ch.Rev, ch.Type, ch.User, what})
			}
			return out
		}
		a := func(x scholia.Annotation) string { return fmt.Sprintf("annotation %d %s rev %d", x.ID, x.Label, x.Rev) }
		C, U, D := scholia.ChangeCreated, scholia.ChangeUpdated, scholia.ChangeDeleted
		want := []row{
			{base + 1, C, "alice", a(ms[0])},
			{base + 1, C, "alice", a(ms[1])},
			{base + 2, C, "bob", a(bobs)},
			{base + 3, U, "alice", a(upd)},
			{base + 4, D, "alice", a(ms[1])},
			{base + 5, U, "carol", fmt.Sprintf("document d1 \"new\" rev %d text \"\"", base+5)},
			{base + 6, C, "carol", fmt.Sprintf("document d3 \"title of d3\" rev %d text \"\"", base+6)},
			{base + 7, C, "alice", fmt.Sprintf("layer news d1 alice %s count 1 rev %d", scholia.LayerDone, base+7)},
			{base + 8, U, "alice", fmt.Sprintf("layer news d1 alice %s count 1 rev %d", scholia.LayerInProgress, base+8)},
			{base + 9, D, "carol", fmt.Sprintf("document d3 \"title of d3\" rev %d text \"\"", base+6)},
			{base + 10, C, "bob", fmt.Sprintf("layer news d1 bob %s count 1 rev %d", scholia.LayerDone, base+10)},
		}
		chs, err := s.Changes(ctx, "news", nil, base, 100)
		must(t, err)
		equal(t, "changes", describe(chs), want)
		// The resources are the versions as written, at their revisions' times.
		sameAnnotation(t, "created", *chs[0].Annotation, ms[0])
		sameAnnotation(t, "updated", *chs[3].Annotation, upd)
		sameAnnotation(t, "deleted: the last version", *chs[4].Annotation, ms[1])
		for i, wantTime := range map[int]time.Time{0: ms[0].CreateTime, 1: ms[1].CreateTime, 2: bobs.CreateTime, 3: upd.UpdateTime,
			5: d1.UpdateTime, 6: d3.CreateTime, 7: done.UpdateTime, 8: again.UpdateTime, 10: bobDone.UpdateTime} {
			if !chs[i].Time.Equal(wantTime) {
				t.Errorf("change %d (%+v) at %v, want %v", i, want[i], chs[i].Time, wantTime)
			}
		}
		for _, b := range []struct {
			i      int
			t0, t1 time.Time
		}{{4, t0, t1}, {9, t2, t3}} {
			if tm := chs[b.i].Time; tm.Before(t0.Add(-time.Second)) || tm.After(b.t1.Add(time.Second)) || tm.Before(chs[b.i-1].Time) || tm.After(chs[b.i+1].Time) {
				t.Errorf("change %d at %v, not between its neighbours' times", b.i, tm)
			}
		}
		if chs[4].Rev != delRev || !chs[7].Layer.UpdateTime.Equal(done.UpdateTime) {
			t.Fatalf("delete at %d, layer %+v", chs[4].Rev, chs[7].Layer)
		}
		gotDoc := *chs[5].Document
		d1.Text = ""
		equal(t, "the updated document", gotDoc, d1)

		// maxRevs counts revisions, and never splits one.
		one, err := s.Changes(ctx, "news", nil, base, 1)
		must(t, err)
		equal(t, "one revision", describe(one), want[:2])
		two, err := s.Changes(ctx, "news", nil, base, 2)
		must(t, err)
		equal(t, "two revisions", describe(two), want[:3])
		var stepped []scholia.Change
		for since := base; ; {
			page, err := s.Changes(ctx, "news", nil, since, 3)
			must(t, err)
			if len(page) == 0 {
				break
			}
			stepped = append(stepped, page...)
			since = page[len(page)-1].Rev
		}
		equal(t, "changes three revisions at a time", describe(stepped), want)
		mid, err := s.Changes(ctx, "news", nil, base+4, 2)
		must(t, err)
		equal(t, "from the middle", describe(mid), want[5:7])
		end, err := s.Changes(ctx, "news", nil, last, 10)
		must(t, err)
		equal(t, "nothing after the last", describe(end), []row{})

		// The annotator filter narrows annotations and layers, not documents.
		bobsOnly, err := s.Changes(ctx, "news", []string{"bob"}, base, 100)
		must(t, err)
		equal(t, "bob's changes", describe(bobsOnly), []row{want[2], want[5], want[6], want[9], want[10]})
		bobsTwo, err := s.Changes(ctx, "news", []string{"bob"}, base, 2)
		must(t, err)
		equal(t, "bob's first two revisions", describe(bobsTwo), []row{want[2], want[5]})

		// From the start: the fixture's documents; other projects' changes
		// never come.
		_, err = s.CreateProject(ctx, curator, scholia.Project{ID: "other"})
		must(t, err)
		_, err = s.CreateDocument(ctx, curator, scholia.Document{Project: "other", ID: "d1", Text: "Other."})
		must(t, err)
		first, err := s.Changes(ctx, "news", nil, 0, 2)
		must(t, err)
		equal(t, "the first changes", describe(first), []row{
			{base - 1, C, "carol", fmt.Sprintf("document d1 \"title of d1\" rev %d text \"\"", base-1)},
			{base, C, "carol", fmt.Sprintf("document d2 \"title of d2\" rev %d text \"\"", base)},
		})
		end, err = s.Changes(ctx, "news", nil, last, 10)
		must(t, err)
		equal(t, "another project's changes", describe(end), []row{})
		other, err := s.Changes(ctx, "other", nil, 0, 10)
		must(t, err)
		equal(t, "the other project's changes", describe(other), []row{
			{last + 2, C, "carol", fmt.Sprintf("document d1 \"\" rev %d text \"\"", last+2)},
		})
		_, err = s.Changes(ctx, "news", nil, -1, 10)
		wantCode(t, err, scholia.CodeInvalid)
	}},
	{"ChangesOfClusters", func(t *testing.T, s scholia.Store) {
		f := setup(t, s)
		c := makeCorpus(f)
		since := f.rev()
		upd, err := s.UpdateAnnotation(ctx, alice, c.people.ID, 0, func(a *scholia.Annotation) error {
			a.Cluster.Members = []int64{c.zoe.ID}
			return nil
		})
		must(t, err)
		_, err = s.DeleteAnnotation(ctx, alice, c.obama.ID, 0)
		wantCode(t, err, scholia.CodeFailedPrecondition) // the event still refers to it
		chs, err := s.Changes(ctx, "news", []string{"alice"}, since, 10)
		must(t, err)
		if len(chs) != 1 || chs[0].Type != scholia.ChangeUpdated || chs[0].Annotation == nil || chs[0].User != "alice" {
			t.Fatalf("changes %+v", chs)
		}
		sameAnnotation(t, "the updated cluster", *chs[0].Annotation, upd)
		chs, err = s.Changes(ctx, "news", []string{"bob"}, since, 10)
		must(t, err)
		if len(chs) != 0 {
			t.Fatalf("bob's changes: %+v", chs)
		}
	}},
	{"WaitRevision", func(t *testing.T, s scholia.Store) {
		f := setup(t, s)
		rev := f.rev()
		got, err := s.WaitRevision(ctx, rev-1)
		must(t, err)
		if got != rev {
			t.Fatalf("WaitRevision(%d) = %d, want %d at once", rev-1, got, rev)
		}
		type result struct {
			rev int64
			err error
		}
		woke := make(chan result, 1)
		wctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		defer cancel()
		go func() {
			r, err := s.WaitRevision(wctx, rev)
			woke <- result{r, err}
		}()
		time.Sleep(50 * time.Millisecond)
		select {
		case r := <-woke:
			t.Fatalf("WaitRevision returned %+v with no new revision", r)
		default:
		}
		f.create(alice, mention(t, "d1", text1, "alice", "PER", "Obama", 0))
		select {
		case r := <-woke:
			if r.err != nil || r.rev != rev+1 {
				t.Fatalf("WaitRevision after a commit = %d, %v; want %d", r.rev, r.err, rev+1)
			}
		case <-time.After(10 * time.Second):
			t.Fatal("WaitRevision did not wake on a commit")
		}

		// A cancelled or expired context ends the wait.
		cctx, cancelNow := context.WithCancel(ctx)
		go func() {
			r, err := s.WaitRevision(cctx, rev+1)
			woke <- result{r, err}
		}()
		time.Sleep(20 * time.Millisecond)
		cancelNow()
		select {
		case r := <-woke:
			if r.err == nil || !(errors.Is(r.err, context.Canceled) || scholia.ErrorCode(r.err) == scholia.CodeUnavailable) {
				t.Fatalf("WaitRevision after cancel = %d, %v", r.rev, r.err)
			}
		case <-time.After(10 * time.Second):
			t.Fatal("WaitRevision did not return on cancel")
		}
		tctx, cancelLater := context.WithTimeout(ctx, 30*time.Millisecond)
		defer cancelLater()
		start := time.Now()
		_, err = s.WaitRevision(tctx, rev+1)
		if err == nil || time.Since(start) > 10*time.Second {
			t.Fatalf("WaitRevision with a deadline: %v after %v", err, time.Since(start))
		}
	}},
	{"Prune", func(t *testing.T, s scholia.Store) {
		pr, ok := s.(interface {
			Prune(ctx context.Context, before time.Time) (int64, int, error)
		})
		if !ok {
			t.Skip("the store has no Prune")
		}
		oldest, err := s.OldestRevision(ctx)
		must(t, err)
		if oldest != 0 {
			t.Fatalf("a new store's oldest revision is %d", oldest)
		}
		f := setup(t, s)
		c := makeCorpus(f)
		// History before the horizon: updates, deletes, a status set and
		// unset, a document updated, one deleted.
		_, err = s.UpdateAnnotation(ctx, alice, c.putin.ID, 0, func(a *scholia.Annotation) error { a.Label = "ORG"; return nil })
		must(t, err)
		_, err = s.DeleteAnnotation(ctx, bob, c.moscow.ID, 0)
		must(t, err)
		_, err = s.UpdateAnnotation(ctx, alice, c.people.ID, 0, func(a *scholia.Annotation) error {
			a.Cluster.Members = []int64{c.obama.ID}
			return nil
		})
		must(t, err)
		_, err = s.SetLayerStatus(ctx, alice, "news", "d1", "alice", scholia.LayerInProgress, 0)
		must(t, err)
		_, err = s.UpdateDocument(ctx, curator, "news", "d2", 0, func(d *scholia.Document) error { d.Title = "d2 again"; return nil })
		must(t, err)
		f.doc("d3", "Gone soon.")
		must(t, s.DeleteDocument(ctx, curator, "news", "d3", 0))
		horizon := f.rev()
		time.Sleep(5 * time.Millisecond)
		cut := time.Now()
		time.Sleep(5 * time.Millisecond)
		// History after it.
		_, err = s.UpdateAnnotation(ctx, alice, c.putin.ID, 0, func(a *scholia.Annotation) error { a.Label = "PER"; return nil })
		must(t, err)
		f.create(bob, mention(t, "d2", text2, "bob", "GPE", "Paris", 0))
		_, err = s.SetLayerStatus(ctx, alice, "news", "d1", "alice", scholia.LayerDone, 0)
		must(t, err)
		_, err = s.DeleteAnnotation(ctx, alice, c.paris.ID, 0)
		must(t, err)
		last := f.rev()

		all := scholia.CorpusFilter{Project: "news", WithText: true}
		type snapshot struct {
			corpus  []scholia.CorpusDocument
			done    []scholia.CorpusDocument
			changes []scholia.Change
			anns    []scholia.Annotation
			docs    []scholia.Document
		}
		read := func(rev int64) snapshot {
			var sn snapshot
			sn.corpus = readAll(t, s, all, 1, rev)
			sn.done = readAll(t, s, scholia.CorpusFilter{Project: "news", DoneOnly: true}, 10, rev)
			sn.changes, err = s.Changes(ctx, "news", nil, rev, 1000)
			must(t, err)
			sn.anns = listAll(t, s, scholia.AnnotationFilter{Project: "news"}, 100, rev)
			sn.docs, err = s.ListDocuments(ctx, "news", "", 100, rev)
			must(t, err)
			return sn
		}
		before := map[int64]snapshot{}
		for r := horizon; r <= last; r++ {
			before[r] = read(r)
		}
		current := listAll(t, s, scholia.AnnotationFilter{Project: "news"}, 100, 0)
		layers, err := s.ListLayers(ctx, scholia.LayerFilter{Project: "news"}, scholia.LayerKey{}, 100)
		must(t, err)

		h, removed, err := pr.Prune(ctx, cut)
		must(t, err)
		if h != horizon || removed <= 0 {
			t.Fatalf("Prune = %d, %d; want horizon %d and rows removed", h, removed, horizon)
		}
		oldest, err = s.OldestRevision(ctx)
		must(t, err)
		if oldest != horizon {
			t.Fatalf("OldestRevision = %d after pruning to %d", oldest, horizon)
		}
		for r := horizon; r <= last; r++ {
			equal(t, fmt.Sprintf("snapshot %d after pruning", r), read(r), before[r])
		}
		sameAnnotations(t, "current annotations", listAll(t, s, scholia.AnnotationFilter{Project: "news"}, 100, 0), current)
		for _, a := range current {
			got, err := s.GetAnnotation(ctx, a.ID)
			must(t, err)
			sameAnnotation(t, "GetAnnotation after pruning", got, a)
		}
		gotLayers, err := s.ListLayers(ctx, scholia.LayerFilter{Project: "news"}, scholia.LayerKey{}, 100)
		must(t, err)
		equal(t, "layers after pruning", gotLayers, layers)
		for _, r := range []int64{1, horizon - 5, horizon - 1} {
			_, err := s.ReadCorpus(ctx, all, "", 10, r)
			wantReason(t, err, scholia.CodeFailedPrecondition, "REVISION_EXPIRED")
			_, err = s.Changes(ctx, "news", nil, r, 10)
			wantReason(t, err, scholia.CodeFailedPrecondition, "REVISION_EXPIRED")
			_, _, err = s.ListAnnotations(ctx, scholia.AnnotationFilter{Project: "news"}, 0, 10, r)
			wantCode(t, err, scholia.CodeFailedPrecondition)
			_, err = s.ListDocuments(ctx, "news", "", 10, r)
			wantCode(t, err, scholia.CodeFailedPrecondition)
		}
		_, err = s.Changes(ctx, "news", nil, 0, 10)
		wantReason(t, err, scholia.CodeFailedPrecondition, "REVISION_EXPIRED")

		// Again: nothing more to remove. Earlier: the horizon stays.
		h, removed, err = pr.Prune(ctx, cut)
		must(t, err)
		if h != horizon || removed != 0 {
			t.Fatalf("pruning again = %d, %d; want %d, 0", h, removed, horizon)
		}
		h, _, err = pr.Prune(ctx, cut.Add(-time.Hour))
		must(t, err)
		if h != horizon {
			t.Fatalf("pruning to an earlier time moved the horizon to %d", h)
		}
		// The store goes on: writes, and the feed from the horizon.
		moscow := f.create(alice, mention(t, "d1", text1, "alice", "GPE", "Moscow", 0))[0]
		chs, err := s.Changes(ctx, "news", nil, horizon, 1000)
		must(t, err)
		equal(t, "changes from the horizon", len(chs), len(before[horizon].changes)+1)
		// Pruning everything keeps every current row.
		time.Sleep(5 * time.Millisecond)
		h, _, err = pr.Prune(ctx, time.Now())
		must(t, err)
		if h != f.rev() {
			t.Fatalf("pruning up to now: horizon %d, newest %d", h, f.rev())
		}
		now := readAll(t, s, all, 10, h)
		equal(t, "the corpus as of 0 after pruning everything", readAll(t, s, all, 10, 0), now)
		bobParis := before[last].corpus[1].Annotations[1]
		equal(t, "what is left", views(now), []docView{
			{"d1", "title of d1", ids64(c.obama, c.putin, c.met, c.bobObama, moscow), ids64(c.people), []layerRow{
				{"d1", "alice", scholia.LayerDone, 4, before[last].corpus[0].Layers[0].Rev},
				{"d1", "bob", scholia.LayerInProgress, 1, 0},
			}},
			{"d2", "d2 again", ids64(c.zoe, bobParis), []int64{}, []layerRow{
				{"d2", "alice", scholia.LayerInProgress, 1, 0},
				{"d2", "bob", scholia.LayerDone, 1, c.bobDone.Rev},
			}},
		})
		equal(t, "bob's Paris", bobParis.Annotator+" "+bobParis.Label, "bob GPE")
	}},
}
