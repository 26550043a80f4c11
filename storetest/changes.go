package storetest

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/scholia-nlp/scholia"
)

// changeTests check the change feed, waiting for revisions and retention.
var changeTests = []test{
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
