package storetest

import (
	"testing"

	"github.com/scholia-nlp/scholia"
)

// changedSinceTests check CorpusFilter.ChangedSince: an incremental export
// gets exactly the documents that changed after a revision, in full.
var changedSinceTests = []test{
	{"ChangedSince", func(t *testing.T, s scholia.Store) {
		f := setup(t, s)
		c := makeCorpus(f)
		since := f.rev()
		docIDs := func(cf scholia.CorpusFilter, asOf int64) []string {
			var out []string
			for _, d := range readAll(t, s, cf, 1, asOf) {
				out = append(out, d.Document.ID)
			}
			return out
		}
		all := scholia.CorpusFilter{Project: "news", ChangedSince: since}
		equal(t, "nothing changed yet", docIDs(all, 0), []string(nil))

		// bob adds a mention to d2: d2 changed (for bob's layer, not alice's).
		f.create(bob, mention(t, "d2", text2, "bob", "GPE", "Paris", 0))
		equal(t, "after bob's mention", docIDs(all, 0), []string{"d2"})
		equal(t, "alice's layer only", docIDs(scholia.CorpusFilter{Project: "news", ChangedSince: since, Annotators: []string{"alice"}}, 0), []string(nil))
		mid := f.rev()

		// alice deletes a mention of d1 (after deleting the event that
		// refers to it): d1 changed too, and the old window still shows
		// only d2.
		_, err := s.DeleteAnnotation(ctx, alice, c.met.ID, 0)
		must(t, err)
		equal(t, "after the deletion", docIDs(all, 0), []string{"d1", "d2"})
		equal(t, "as of the revision before it", docIDs(all, mid), []string{"d2"})
		equal(t, "changed after the mention", docIDs(scholia.CorpusFilter{Project: "news", ChangedSince: mid}, 0), []string{"d1"})

		// A layer status change alone counts.
		since2 := f.rev()
		_, err = s.SetLayerStatus(ctx, alice, "news", "d2", "alice", scholia.LayerDone, 0)
		must(t, err)
		equal(t, "after a status change", docIDs(scholia.CorpusFilter{Project: "news", ChangedSince: since2}, 0), []string{"d2"})

		// Changed documents come whole: every selected annotation, not
		// only the changed ones.
		docs := readAll(t, s, scholia.CorpusFilter{Project: "news", ChangedSince: since2, Annotators: []string{"alice"}}, 10, 0)
		equal(t, "the whole layer of the changed document", ids(docs[0].Annotations), ids64(c.zoe, c.paris))
	}},
}
