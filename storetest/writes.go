package storetest

import (
	"fmt"
	"testing"

	"github.com/scholia-nlp/scholia"
)

// Tests of batches, idempotency, updates, deletes and snapshot reads of
// annotations.

func init() {
	annotationTests = append(annotationTests, writeTests...)
}

var writeTests = []test{
	{"BatchAtomicity", func(t *testing.T, s scholia.Store) {
		f := setup(t, s)
		rev := f.rev()
		good1 := mention(t, "d1", text1, "alice", "PER", "Obama", 0)
		bad := mention(t, "d1", text1, "alice", "PRESIDENT", "Obama", 0)
		good2 := mention(t, "d1", text1, "alice", "PER", "Putin", 0)
		_, err := s.CreateAnnotations(ctx, alice, []scholia.Annotation{good1, bad, good2})
		wantFields(t, err, "annotations[1].mention.label")
		// Two bad items: one violation each, under their own index.
		bad2 := good2
		bad2.Spans = []scholia.Span{{Start: 150, End: 149}}
		_, err = s.CreateAnnotations(ctx, alice, []scholia.Annotation{good1, bad, bad2})
		wantFields(t, err, "annotations[1].mention.label", "annotations[2].mention.spans[0]")
		// A missing document fails the whole batch.
		missing := mention(t, "d1", text1, "alice", "PER", "Obama", 0)
		missing.Document = "d9"
		_, err = s.CreateAnnotations(ctx, alice, []scholia.Annotation{good1, good2, missing})
		wantCode(t, err, scholia.CodeNotFound)
		if f.rev() != rev {
			t.Fatalf("refused batches took %d revisions", f.rev()-rev)
		}
		list, listRev, err := s.ListAnnotations(ctx, scholia.AnnotationFilter{Project: "news"}, 0, 10, 0)
		must(t, err)
		if len(list) != 0 || listRev != rev {
			t.Fatalf("after refused batches: %d annotations at revision %d", len(list), listRev)
		}
		// A good batch is one revision, with increasing ids.
		out := f.create(alice, good1, good2, mention(t, "d2", text2, "alice", "GPE", "Paris", 0))
		if f.rev() != rev+1 {
			t.Fatalf("a batch took %d revisions", f.rev()-rev)
		}
		for i, a := range out {
			if a.Rev != rev+1 || a.CreateRev != rev+1 || (i > 0 && a.ID <= out[i-1].ID) {
				t.Fatalf("batch item %d: %s", i, show(a))
			}
		}
	}},
	{"NegativeReferences", func(t *testing.T, s scholia.Store) {
		f := setup(t, s)
		out := f.create(alice,
			mention(t, "d1", text1, "alice", "PER", "Obama", 0),
			mention(t, "d1", text1, "alice", "GPE", "Moscow", 0),
			mention(t, "d1", text1, "alice", "PER", "Putin", 0),
			scholia.Annotation{Project: "news", Document: "d1", Annotator: "alice", Kind: scholia.KindEvent, Label: "Contact.Meet",
				Spans:     []scholia.Span{span(t, text1, "met", 0)},
				Arguments: []scholia.Argument{arg("Entity", -1), arg("Entity", -3), arg("Place", -2)}},
			mention(t, "d2", text2, "alice", "PER", "Zo\u00eb", 0),
			scholia.Annotation{Project: "news", Annotator: "alice", Kind: scholia.KindCluster, Label: "entity",
				Cluster: &scholia.ClusterFields{Members: []int64{-1, -5}}},
		)
		wantArgs := []scholia.Argument{arg("Entity", out[0].ID), arg("Entity", out[2].ID), arg("Place", out[1].ID)}
		equal(t, "arguments as created", out[3].Arguments, wantArgs)
		got, err := s.GetAnnotation(ctx, out[3].ID)
		must(t, err)
		equal(t, "arguments read back", got.Arguments, wantArgs)
		got, err = s.GetAnnotation(ctx, out[5].ID)
		must(t, err)
		equal(t, "cluster members", got.Cluster.Members, []int64{out[0].ID, out[4].ID})
		// The references are real: the mention cannot be deleted.
		_, err = s.DeleteAnnotation(ctx, alice, out[0].ID, 0)
		wantReason(t, err, scholia.CodeFailedPrecondition, "ANNOTATION_REFERENCED")

		rev := f.rev()
		ev := scholia.Annotation{Project: "news", Document: "d1", Annotator: "alice", Kind: scholia.KindEvent, Label: "Contact.Meet",
			Spans: []scholia.Span{span(t, text1, "met", 0)}}
		m := mention(t, "d1", text1, "alice", "PER", "Obama", 0)
		for _, tc := range []struct {
			name string
			args []scholia.Argument
		}{
			{"later annotation", []scholia.Argument{arg("Entity", -2)}},
			{"itself", []scholia.Argument{arg("Entity", -1)}},
			{"past the end", []scholia.Argument{arg("Entity", -5)}},
		} {
			e := ev
			e.Arguments = tc.args
			_, err := s.CreateAnnotations(ctx, alice, []scholia.Annotation{e, m})
			t.Run(tc.name, func(t *testing.T) { wantFields(t, err, "annotations[0].event.arguments[0].annotation_id") })
		}
		if f.rev() != rev {
			t.Fatal("refused batches took revisions")
		}
	}},
	{"IdempotentCreate", func(t *testing.T, s scholia.Store) {
		f := setup(t, s)
		w := scholia.WriteMeta{User: "alice", RequestID: "batch-1", Fingerprint: "fp-1"}
		batch := []scholia.Annotation{
			mention(t, "d1", text1, "alice", "PER", "Obama", 0),
			mention(t, "d1", text1, "alice", "PER", "Putin", 0),
		}
		first, err := s.CreateAnnotations(ctx, w, batch)
		must(t, err)
		rev := f.rev()
		again, err := s.CreateAnnotations(ctx, w, batch)
		must(t, err)
		if f.rev() != rev {
			t.Fatal("a retried create took a revision")
		}
		sameAnnotations(t, "retried create", again, first)
		// After an update, the retry still answers as created.
		_, err = s.UpdateAnnotation(ctx, alice, first[0].ID, first[0].Rev, func(a *scholia.Annotation) error {
			a.Label = "ORG"
			return nil
		})
		must(t, err)
		again, err = s.CreateAnnotations(ctx, w, batch)
		must(t, err)
		sameAnnotations(t, "retry after an update", again, first)
		list, _, err := s.ListAnnotations(ctx, scholia.AnnotationFilter{Project: "news"}, 0, 10, 0)
		must(t, err)
		if len(list) != 2 {
			t.Fatalf("retries created annotations: %d", len(list))
		}
		w.Fingerprint = "fp-2"
		_, err = s.CreateAnnotations(ctx, w, batch[:1])
		e := wantReason(t, err, scholia.CodeInvalid, "REQUEST_ID_REUSED")
		wantContains(t, "message", e.Message, "batch-1")
		// Another user's request id is another request.
		other, err := s.CreateAnnotations(ctx, scholia.WriteMeta{User: "bob", RequestID: "batch-1", Fingerprint: "fp-1"},
			[]scholia.Annotation{mention(t, "d1", text1, "bob", "PER", "Obama", 0)})
		must(t, err)
		if other[0].ID <= first[1].ID {
			t.Fatalf("bob's create returned %s", show(other))
		}
	}},
	{"UpdateWithEtag", func(t *testing.T, s scholia.Store) {
		f := setup(t, s)
		m := f.create(alice, mention(t, "d1", text1, "alice", "PER", "Obama", 0))[0]
		rev := f.rev()
		u, err := s.UpdateAnnotation(ctx, bob, m.ID, m.Rev, func(a *scholia.Annotation) error {
			a.Label = "ORG"
			a.Spans = []scholia.Span{{Start: 142, End: 147}} // Putin
			a.Attributes = map[string]string{"mention_type": "NAM"}
			// What the store keeps cannot be changed.
			a.CreateRev, a.Rev, a.UpdateUser, a.CreateTime = 99, 98, "mallory", a.CreateTime.AddDate(-1, 0, 0)
			return nil
		})
		must(t, err)
		if u.Rev != rev+1 || u.CreateRev != m.CreateRev || u.ID != m.ID || u.Label != "ORG" || u.UpdateUser != "bob" ||
			!u.CreateTime.Equal(m.CreateTime) || u.Spans[0].Text != "Putin" || u.Attributes["mention_type"] != "NAM" {
			t.Fatalf("UpdateAnnotation = %s", show(u))
		}
		got, err := s.GetAnnotation(ctx, m.ID)
		must(t, err)
		sameAnnotation(t, "read after update", got, u)

		_, err = s.UpdateAnnotation(ctx, alice, m.ID, m.Rev, func(a *scholia.Annotation) error {
			a.Label = "GPE"
			return nil
		})
		e := wantReason(t, err, scholia.CodeAborted, "STALE_ETAG")
		wantContains(t, "message", e.Message, fmt.Sprint(u.Rev))
		for _, tc := range []struct {
			name  string
			edit  func(a *scholia.Annotation)
			field string
		}{
			{"kind", func(a *scholia.Annotation) { a.Kind = scholia.KindEvent }, "annotation.kind"},
			{"annotator", func(a *scholia.Annotation) { a.Annotator = "bob" }, "annotation.annotator"},
			{"document", func(a *scholia.Annotation) { a.Document = "d2" }, "annotation.document_id"},
			{"project", func(a *scholia.Annotation) { a.Project = "other" }, "annotation.project_id"},
			{"id", func(a *scholia.Annotation) { a.ID++ }, "annotation.id"},
			{"invalid label", func(a *scholia.Annotation) { a.Label = "NOPE" }, "annotation.mention.label"},
			{"span text", func(a *scholia.Annotation) { a.Spans[0].End++ }, "annotation.mention.spans[0].text"},
		} {
			_, err := s.UpdateAnnotation(ctx, alice, m.ID, u.Rev, func(a *scholia.Annotation) error {
				tc.edit(a)
				return nil
			})
			t.Run(tc.name, func(t *testing.T) { wantFields(t, err, tc.field) })
		}
		boom := scholia.Errorf(scholia.CodeFailedPrecondition, "TEST", "the change refuses")
		_, err = s.UpdateAnnotation(ctx, alice, m.ID, 0, func(a *scholia.Annotation) error { return boom })
		wantReason(t, err, scholia.CodeFailedPrecondition, "TEST")
		if f.rev() != rev+1 {
			t.Fatalf("refused updates took %d revisions", f.rev()-rev-1)
		}
		got, err = s.GetAnnotation(ctx, m.ID)
		must(t, err)
		sameAnnotation(t, "after refused updates", got, u)
		_, err = s.UpdateAnnotation(ctx, alice, 987654, 0, func(a *scholia.Annotation) error { return nil })
		wantReason(t, err, scholia.CodeNotFound, "ANNOTATION_NOT_FOUND")
	}},
	{"DeleteRefusedWhileReferenced", func(t *testing.T, s scholia.Store) {
		f := setup(t, s)
		ms := f.create(alice, mention(t, "d1", text1, "alice", "PER", "Obama", 0), mention(t, "d1", text1, "alice", "PER", "Putin", 0))
		ev := f.create(alice, scholia.Annotation{Project: "news", Document: "d1", Annotator: "alice", Kind: scholia.KindEvent,
			Label: "Contact.Meet", Spans: []scholia.Span{span(t, text1, "met", 0)},
			Arguments: []scholia.Argument{arg("Entity", ms[0].ID), arg("Entity", ms[1].ID)}})[0]
		cl := f.create(alice, scholia.Annotation{Project: "news", Annotator: "alice", Kind: scholia.KindCluster, Label: "entity",
			Cluster: &scholia.ClusterFields{Members: []int64{ms[0].ID}}})[0]
		rev := f.rev()
		_, err := s.DeleteAnnotation(ctx, alice, ms[0].ID, ms[0].Rev)
		e := wantReason(t, err, scholia.CodeFailedPrecondition, "ANNOTATION_REFERENCED")
		wantContains(t, "message", e.Message, fmt.Sprintf("event %d", ev.ID), fmt.Sprintf("cluster %d", cl.ID))
		_, err = s.DeleteAnnotation(ctx, alice, ev.ID, ev.Rev+1)
		wantReason(t, err, scholia.CodeAborted, "STALE_ETAG")
		if f.rev() != rev {
			t.Fatal("refused deletes took revisions")
		}
		// An update that drops a reference frees its target.
		_, err = s.UpdateAnnotation(ctx, alice, ev.ID, ev.Rev, func(a *scholia.Annotation) error {
			a.Arguments = a.Arguments[:1]
			return nil
		})
		must(t, err)
		delRev, err := s.DeleteAnnotation(ctx, alice, ms[1].ID, ms[1].Rev)
		must(t, err)
		if delRev != f.rev() || delRev != rev+2 {
			t.Fatalf("DeleteAnnotation returned revision %d; store at %d", delRev, f.rev())
		}
		_, err = s.GetAnnotation(ctx, ms[1].ID)
		wantCode(t, err, scholia.CodeNotFound)
		_, err = s.DeleteAnnotation(ctx, alice, ms[1].ID, 0)
		wantReason(t, err, scholia.CodeNotFound, "ANNOTATION_NOT_FOUND")
		// A reference to the deleted mention is refused.
		_, err = s.CreateAnnotations(ctx, alice, []scholia.Annotation{{Project: "news", Document: "d1", Annotator: "alice",
			Kind: scholia.KindEvent, Label: "Contact.Meet", Spans: []scholia.Span{span(t, text1, "met", 0)},
			Arguments: []scholia.Argument{arg("Entity", ms[1].ID)}}})
		wantFields(t, err, "annotation.event.arguments[0].annotation_id")
		_, err = s.UpdateAnnotation(ctx, alice, cl.ID, 0, func(a *scholia.Annotation) error {
			a.Cluster.Members = append(a.Cluster.Members, ms[1].ID)
			return nil
		})
		wantFields(t, err, "annotation.cluster.member_ids[1]")
		// Deleting the referrers frees the first mention.
		for _, id := range []int64{ev.ID, cl.ID, ms[0].ID} {
			_, err := s.DeleteAnnotation(ctx, alice, id, 0)
			must(t, err)
		}
		list, _, err := s.ListAnnotations(ctx, scholia.AnnotationFilter{Project: "news"}, 0, 10, 0)
		must(t, err)
		if len(list) != 0 {
			t.Fatalf("after deleting everything: %s", show(list))
		}
	}},
	{"SnapshotReads", func(t *testing.T, s scholia.Store) {
		f := setup(t, s)
		m := f.create(alice, mention(t, "d1", text1, "alice", "PER", "Obama", 0))[0]
		r1 := m.Rev
		u, err := s.UpdateAnnotation(ctx, alice, m.ID, m.Rev, func(a *scholia.Annotation) error {
			a.Label = "ORG"
			return nil
		})
		must(t, err)
		r2 := u.Rev
		m2 := f.create(alice, mention(t, "d1", text1, "alice", "PER", "Putin", 0))[0]
		r3 := m2.Rev
		r4, err := s.DeleteAnnotation(ctx, alice, m.ID, u.Rev)
		must(t, err)
		filter := scholia.AnnotationFilter{Project: "news", Document: "d1"}
		for _, tc := range []struct {
			asOf   int64
			want   []scholia.Annotation
			wantAt int64
		}{
			{r1, []scholia.Annotation{m}, r1},
			{r2, []scholia.Annotation{u}, r2},
			{r3, []scholia.Annotation{u, m2}, r3},
			{r4, []scholia.Annotation{m2}, r4},
			{0, []scholia.Annotation{m2}, r4},
		} {
			got, at, err := s.ListAnnotations(ctx, filter, 0, 10, tc.asOf)
			must(t, err)
			if at != tc.wantAt {
				t.Fatalf("as of %d: read revision %d, want %d", tc.asOf, at, tc.wantAt)
			}
			sameAnnotations(t, fmt.Sprintf("as of %d", tc.asOf), got, tc.want)
			// The same without the document filter.
			got, _, err = s.ListAnnotations(ctx, scholia.AnnotationFilter{Project: "news"}, 0, 10, tc.asOf)
			must(t, err)
			sameAnnotations(t, fmt.Sprintf("project-wide as of %d", tc.asOf), got, tc.want)
		}
		_, _, err = s.ListAnnotations(ctx, filter, 0, 10, r4+1)
		wantCode(t, err, scholia.CodeInvalid)
	}},
	{"StablePagination", func(t *testing.T, s scholia.Store) {
		f := setup(t, s)
		var batch []scholia.Annotation
		for i := range 10 {
			a := mention(t, "d1", text1, "alice", "PER", "Obama", 0)
			a.Attributes = map[string]string{"note": fmt.Sprint(i)}
			batch = append(batch, a)
		}
		orig := f.create(alice, batch...)
		page, at, err := s.ListAnnotations(ctx, scholia.AnnotationFilter{Project: "news"}, 0, 3, 0)
		must(t, err)
		seen := ids(page)
		for len(page) == 3 {
			// Writes go on between pages: new annotations, an update and a
			// delete of annotations on later pages.
			f.create(alice, mention(t, "d1", text1, "alice", "PER", "Putin", 0))
			last := orig[len(orig)-1]
			if cur, err := s.GetAnnotation(ctx, last.ID); err == nil {
				_, err := s.UpdateAnnotation(ctx, alice, last.ID, cur.Rev, func(a *scholia.Annotation) error {
					a.Attributes["note"] += "+"
					return nil
				})
				must(t, err)
			}
			if len(seen) == 3 {
				_, err := s.DeleteAnnotation(ctx, alice, orig[8].ID, 0)
				must(t, err)
			}
			page, _, err = s.ListAnnotations(ctx, scholia.AnnotationFilter{Project: "news"}, seen[len(seen)-1], 3, at)
			must(t, err)
			for _, a := range page {
				if a.ID == orig[9].ID && a.Attributes["note"] != "9" {
					t.Fatalf("a page as of %d shows a later version: %s", at, show(a))
				}
			}
			seen = append(seen, ids(page)...)
		}
		equal(t, "ids paged as of the first page's revision", seen, ids(orig))
		now := listAll(t, s, scholia.AnnotationFilter{Project: "news"}, 4, 0)
		if len(now) != 10-1+3 {
			t.Fatalf("now: %d annotations, want 12", len(now))
		}
	}},
}
