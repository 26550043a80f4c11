package sqlite

import (
	"slices"
	"testing"

	"github.com/scholia-nlp/scholia"
)

// layerVIDs returns the vids of a layer's versions, in vid order.
func layerVIDs(t *testing.T, s *Store, document, annotator string) []int64 {
	t.Helper()
	rows, err := s.r.QueryContext(ctx, `SELECT vid FROM annotations WHERE project = 'p' AND document = ? AND annotator = ? ORDER BY vid`, document, annotator)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []int64
	for rows.Next() {
		var v int64
		if err := rows.Scan(&v); err != nil {
			t.Fatal(err)
		}
		out = append(out, v)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// slotOf is the slot a vid lies in.
func slotOf(vid int64) int64 { return vid >> slotBits }

// TestLayerSlots checks that the versions of a layer get neighbouring vids
// in the layer's own slot, whatever the order of writes across layers; that
// a full slot is followed by a new one; that the slots survive reopening;
// and that rows whose vids SQLite chose (an import) share a slot without a
// clash.
func TestLayerSlots(t *testing.T) {
	s := backupFixture(t) // user w, project p, document d
	path := s.Path()
	w := scholia.WriteMeta{User: "w"}
	if _, err := s.CreateUser(ctx, scholia.User{Name: "v", Role: scholia.RoleAdmin}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.CreateDocument(ctx, w, scholia.Document{Project: "p", ID: "d2", Text: backupText}); err != nil {
		t.Fatal(err)
	}
	create := func(doc, annotator string) scholia.Annotation {
		t.Helper()
		out, err := s.CreateAnnotations(ctx, scholia.WriteMeta{User: annotator}, []scholia.Annotation{{Project: "p", Document: doc, Annotator: annotator,
			Kind: scholia.KindMention, Label: "PER", Spans: []scholia.Span{{Start: 0, End: 6}}}})
		if err != nil {
			t.Fatal(err)
		}
		return out[0]
	}
	layers := []struct{ doc, annotator string }{{"d", "w"}, {"d2", "w"}, {"d", "v"}}
	// Writes alternate between three layers, and one is updated.
	var first scholia.Annotation
	for i := range 12 {
		l := layers[i%len(layers)]
		a := create(l.doc, l.annotator)
		if i == 0 {
			first = a
		}
	}
	if _, err := s.UpdateAnnotation(ctx, w, first.ID, first.Rev, func(a *scholia.Annotation) error { a.Label = "ORG"; return nil }); err != nil {
		t.Fatal(err)
	}
	seen := map[int64]bool{}
	for _, l := range layers {
		vids := layerVIDs(t, s, l.doc, l.annotator)
		want := 4
		if l.doc == "d" && l.annotator == "w" {
			want = 5 // four creates and an update
		}
		if len(vids) != want {
			t.Fatalf("layer %s/%s has %d versions, want %d", l.doc, l.annotator, len(vids), want)
		}
		slot := slotOf(vids[0])
		if slot == 0 || seen[slot] {
			t.Fatalf("layer %s/%s is in slot %d, which is not its own (vids %v)", l.doc, l.annotator, slot, vids)
		}
		seen[slot] = true
		for i, v := range vids {
			if v != vids[0]+int64(i) {
				t.Fatalf("layer %s/%s: vids %v are not neighbours", l.doc, l.annotator, vids)
			}
		}
	}

	// A full slot: move the layer's last row to the end of its slot.
	vids := layerVIDs(t, s, "d2", "w")
	end := (slotOf(vids[0])+1)<<slotBits - 1
	if _, err := s.w.ExecContext(ctx, `UPDATE annotations SET vid = ? WHERE vid = ?`, end, vids[len(vids)-1]); err != nil {
		t.Fatal(err)
	}
	create("d2", "w")
	vids = layerVIDs(t, s, "d2", "w")
	next := vids[len(vids)-1]
	if slotOf(next) <= slotOf(end) || next != slotOf(next)<<slotBits {
		t.Fatalf("after a full slot the next version has vid %d (slot %d), want the start of a new slot after %d", next, slotOf(next), slotOf(end))
	}
	anns, _, err := s.ListAnnotations(ctx, scholia.AnnotationFilter{Project: "p", Document: "d2", Annotators: []string{"w"}}, 0, 100, 0)
	if err != nil || len(anns) != 5 {
		t.Fatalf("listing the layer over two slots: %d annotations, %v; want 5", len(anns), err)
	}

	// Reopened, the store goes on in the same slots.
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s, err = Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	before := layerVIDs(t, s, "d", "v")
	create("d", "v")
	after := layerVIDs(t, s, "d", "v")
	if got, want := after[len(after)-1], before[len(before)-1]+1; got != want {
		t.Fatalf("after reopening, the next vid is %d, want %d", got, want)
	}

	// An import's rows take vids SQLite chooses, after the largest; the
	// layer whose slot they land in goes on after them.
	res, err := s.ImportDocuments(ctx, w, "p", []scholia.AnnotatedDocument{{
		Document:    scholia.Document{Project: "p", ID: "d3", Text: backupText},
		Annotations: []scholia.Annotation{{ID: 1, Annotator: "w", Kind: scholia.KindMention, Label: "PER", Spans: []scholia.Span{{Start: 0, End: 6}}}},
	}}, scholia.ImportOptions{})
	if err != nil || res[0].Err != nil {
		t.Fatalf("import: %v %+v", err, res)
	}
	var maxVID int64
	if err := s.r.QueryRowContext(ctx, `SELECT max(vid) FROM annotations`).Scan(&maxVID); err != nil {
		t.Fatal(err)
	}
	var owner struct{ doc, annotator string }
	if err := s.r.QueryRowContext(ctx, `SELECT document, annotator FROM layer_slots WHERE slot = ?`, slotOf(maxVID)).Scan(&owner.doc, &owner.annotator); err != nil {
		t.Fatal(err)
	}
	create(owner.doc, owner.annotator)
	if got := layerVIDs(t, s, owner.doc, owner.annotator); !slices.Contains(got, maxVID+1) {
		t.Fatalf("after an import, layer %s/%s did not go on after vid %d: %v", owner.doc, owner.annotator, maxVID, got)
	}
	integrityCheck(t, path)
}
