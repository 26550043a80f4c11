package storetest

import (
	"fmt"
	"slices"
	"testing"

	"github.com/scholia-nlp/scholia"
)

// importFixture returns the units of an import into project news: documents
// i1 (text1) and i2 (text2) in alice's layer, with local ids that refer
// forwards (the attack comes before its arguments), and a link that joins
// the two meetings in one event cluster.
func importFixture(t *testing.T) []scholia.AnnotatedDocument {
	m := func(id int64, doc, text, label, quote string, n int) scholia.Annotation {
		a := mention(t, doc, text, "alice", label, quote, n)
		a.ID, a.Project, a.Document = id, "", ""
		return a
	}
	ev := func(id int64, doc, text, label, quote string, args ...scholia.Argument) scholia.Annotation {
		return scholia.Annotation{ID: id, Annotator: "alice", Kind: scholia.KindEvent, Label: label,
			Spans: []scholia.Span{span(t, text, quote, 0)}, Arguments: args, Attributes: map[string]string{"realis": "ACTUAL"}}
	}
	i1 := scholia.AnnotatedDocument{
		Document: scholia.Document{ID: "i1", Title: "Aleppo", Source: "AFP", Language: "en", Text: text1},
		Annotations: []scholia.Annotation{
			ev(10, "i1", text1, "Conflict.Attack", "attacked", arg("Attacker", 11), arg("Target", 12), arg("Time", 13)),
			m(11, "i1", text1, "ORG", "Rebels", 0),
			m(12, "i1", text1, "GPE", "Aleppo", 0),
			m(13, "i1", text1, "TIME", "Monday", 0),
			{ID: 15, Annotator: "alice", Kind: scholia.KindClaim, Label: "quantity", Spans: []scholia.Span{span(t, text1, "270,000 people were killed in the war", 0)},
				Claim: &scholia.ClaimFields{ClaimantID: 16, Cue: []scholia.Span{span(t, text1, "said", 0)}, Stance: "asserts"}},
			m(16, "i1", text1, "ORG", "The UN", 0),
			m(17, "i1", text1, "PER", "Obama", 0),
			m(18, "i1", text1, "PER", "Putin", 0),
			m(19, "i1", text1, "GPE", "Moscow", 0),
			ev(20, "i1", text1, "Contact.Meet", "met", arg("Entity", 17), arg("Entity", 18), arg("Place", 19)),
			{ID: 21, Annotator: "alice", Kind: scholia.KindCluster, Label: "entity", Cluster: &scholia.ClusterFields{Members: []int64{17}, Title: "Obama"}},
		},
		Layers: []scholia.Layer{{Annotator: "alice", Status: scholia.LayerDone}},
	}
	i2 := scholia.AnnotatedDocument{
		Document: scholia.Document{ID: "i2", Text: text2},
		Annotations: []scholia.Annotation{
			ev(33, "i2", text2, "Contact.Meet", "met", arg("Entity", 30), arg("Entity", 31), arg("Place", 32)),
			m(30, "i2", text2, "PER", "Jose\u0301 Ram\u00edrez", 0),
			m(31, "i2", text2, "PER", "Zo\u00eb", 0),
			m(32, "i2", text2, "GPE", "Paris", 0),
		},
	}
	link := scholia.AnnotatedDocument{Annotations: []scholia.Annotation{
		{ID: 40, Annotator: "alice", Kind: scholia.KindCluster, Label: "event", Cluster: &scholia.ClusterFields{Members: []int64{20, 33}, Title: "talks"}},
		{ID: 41, Annotator: "alice", Kind: scholia.KindRelation, Label: "Causes", Relation: &scholia.RelationEnds{Source: 10, Target: 33}},
	}}
	return []scholia.AnnotatedDocument{i1, i2, link}
}

// doImport imports units and checks that there is one result per unit.
func doImport(t *testing.T, s scholia.Store, units []scholia.AnnotatedDocument, opts scholia.ImportOptions) []scholia.ImportResult {
	t.Helper()
	res, err := s.ImportDocuments(ctx, curator, "news", units, opts)
	if err != nil {
		t.Fatalf("ImportDocuments: %v", err)
	}
	if len(res) != len(units) {
		t.Fatalf("%d results for %d units", len(res), len(units))
	}
	return res
}

// statuses returns the statuses of results.
func statuses(res []scholia.ImportResult) []scholia.ImportStatus {
	out := make([]scholia.ImportStatus, len(res))
	for i, r := range res {
		out[i] = r.Status
	}
	return out
}

// linkedFrom returns an ImportOptions.Linked over the results of an earlier
// call, as a server keeps it between calls of one import.
func linkedFrom(units []scholia.AnnotatedDocument, res []scholia.ImportResult) func(int64) (scholia.RefInfo, bool) {
	m := map[int64]scholia.RefInfo{}
	for i, u := range units {
		for j, a := range u.Annotations {
			if res[i].IDs != nil {
				doc := u.Document.ID
				if a.Kind == scholia.KindCluster {
					doc = ""
				}
				m[a.ID] = scholia.RefInfo{ID: res[i].IDs[j], Project: "news", Document: doc, Annotator: a.Annotator, Kind: a.Kind, Label: a.Label}
			}
		}
	}
	return func(id int64) (scholia.RefInfo, bool) { r, ok := m[id]; return r, ok }
}

// violationOn returns the description of the violation on field, failing
// the test if there is none.
func violationOn(t *testing.T, err error, field string) string {
	t.Helper()
	e := wantCode(t, err, scholia.CodeInvalid)
	for _, v := range e.Violations {
		if v.Field == field {
			return v.Description
		}
	}
	t.Fatalf("no violation on %s in %v", field, err)
	return ""
}

var importTests = []test{
	{"DocumentsAnnotationsLinks", func(t *testing.T, s scholia.Store) {
		f := setup(t, s)
		units := importFixture(t)
		before := f.rev()
		res := doImport(t, s, units, scholia.ImportOptions{})
		equal(t, "statuses", statuses(res), []scholia.ImportStatus{scholia.ImportCreated, scholia.ImportCreated, scholia.ImportCreated})
		for i, r := range res {
			if r.Rev != before+int64(i)+1 || r.Err != nil || len(r.IDs) != len(units[i].Annotations) {
				t.Fatalf("result %d = %+v; want revision %d, no error, %d ids", i, r, before+int64(i)+1, len(units[i].Annotations))
			}
		}
		if f.rev() != res[2].Rev {
			t.Fatalf("store revision %d after the import, last unit's %d", f.rev(), res[2].Rev)
		}
		d, err := s.GetDocument(ctx, "news", "i1", true)
		must(t, err)
		if d.Text != text1 || d.Title != "Aleppo" || d.Source != "AFP" || d.Rev != res[0].Rev || res[0].Document.SHA256 != sha(text1) || res[0].Document.Text != "" {
			t.Fatalf("GetDocument = %+v; result %+v", d, res[0].Document)
		}
		id1, id2 := res[0].IDs, res[1].IDs
		attack, err := s.GetAnnotation(ctx, id1[0])
		must(t, err)
		equal(t, "attack arguments", attack.Arguments, []scholia.Argument{arg("Attacker", id1[1]), arg("Target", id1[2]), arg("Time", id1[3])})
		if attack.Document != "i1" || attack.Project != "news" || attack.Rev != res[0].Rev || attack.UpdateUser != "carol" || attack.Spans[0].Text != "attacked" {
			t.Fatalf("imported event = %s", show(attack))
		}
		if attack.ID < id1[1] {
			t.Fatalf("the event got id %d, before its arguments %v: annotations must be stored after those they refer to", attack.ID, id1[1:4])
		}
		claim, err := s.GetAnnotation(ctx, id1[4])
		must(t, err)
		if claim.Claim.ClaimantID != id1[5] || claim.Claim.Cue[0].Text != "said" {
			t.Fatalf("imported claim = %s", show(claim))
		}
		cl, err := s.GetAnnotation(ctx, id1[10])
		must(t, err)
		if cl.Document != "" || !slices.Equal(cl.Cluster.Members, []int64{id1[6]}) {
			t.Fatalf("imported cluster = %s", show(cl))
		}
		meet2, err := s.GetAnnotation(ctx, id2[0])
		must(t, err)
		equal(t, "second meeting's arguments", meet2.Arguments, []scholia.Argument{arg("Entity", id2[1]), arg("Entity", id2[2]), arg("Place", id2[3])})
		if meet2.Spans[0].Text != "met" || meet2.Attributes["realis"] != "ACTUAL" {
			t.Fatalf("second meeting = %s", show(meet2))
		}
		link, err := s.GetAnnotation(ctx, res[2].IDs[0])
		must(t, err)
		if !slices.Equal(link.Cluster.Members, []int64{id1[9], id2[0]}) || link.Cluster.Title != "talks" {
			t.Fatalf("cross-document cluster = %s", show(link))
		}
		rel, err := s.GetAnnotation(ctx, res[2].IDs[1])
		must(t, err)
		if rel.Document != "i1" || *rel.Relation != (scholia.RelationEnds{Source: id1[0], Target: id2[0]}) {
			t.Fatalf("cross-document relation = %s", show(rel))
		}
		l, err := s.GetLayer(ctx, "news", "i1", "alice")
		must(t, err)
		if l.Status != scholia.LayerDone || l.AnnotationCount != 11 || l.Rev != res[0].Rev { // with the link's relation
			t.Fatalf("layer of i1 = %+v", l)
		}
		// The references are recorded: a referenced mention cannot go.
		_, err = s.DeleteAnnotation(ctx, alice, id1[1], 0)
		wantCode(t, err, scholia.CodeFailedPrecondition)
	}},
	{"AllOrNothingPerDocument", func(t *testing.T, s scholia.Store) {
		f := setup(t, s)
		n := int64(0)
		unit := func(id string, bad bool) scholia.AnnotatedDocument {
			n += 100
			u := scholia.AnnotatedDocument{Document: scholia.Document{ID: id, Text: text1}, Annotations: []scholia.Annotation{
				{ID: n + 1, Annotator: "bob", Kind: scholia.KindMention, Label: "ORG", Spans: []scholia.Span{span(t, text1, "Rebels", 0)}},
				{ID: n + 2, Annotator: "bob", Kind: scholia.KindMention, Label: "GPE", Spans: []scholia.Span{span(t, text1, "Aleppo", 0)}},
			}}
			if bad {
				u.Annotations[1].Label = "CITY"
				u.Annotations = append(u.Annotations, scholia.Annotation{ID: n + 3, Annotator: "bob", Kind: scholia.KindEvent, Label: "Conflict.Attack",
					Spans: []scholia.Span{span(t, text1, "attacked", 0)}, Arguments: []scholia.Argument{arg("Attacker", 4242)}})
			}
			return u
		}
		before := f.rev()
		res := doImport(t, s, []scholia.AnnotatedDocument{unit("a", false), unit("b", true), unit("c", false)}, scholia.ImportOptions{})
		equal(t, "statuses", statuses(res), []scholia.ImportStatus{scholia.ImportCreated, scholia.ImportFailed, scholia.ImportNotAttempted})
		wantFields(t, res[1].Err, "annotations[1].mention.label", "annotations[2].event.arguments[0].annotation_id")
		wantContains(t, "unknown reference", violationOn(t, res[1].Err, "annotations[2].event.arguments[0].annotation_id"), "local id 4242", "no annotation of this document")
		wantContains(t, "message", res[1].Err.Error(), "document b")
		for _, id := range []string{"b", "c"} {
			_, err := s.GetDocument(ctx, "news", id, false)
			wantCode(t, err, scholia.CodeNotFound)
		}
		if f.rev() != before+1 {
			t.Fatalf("revision %d after importing one document from %d", f.rev(), before)
		}
		res = doImport(t, s, []scholia.AnnotatedDocument{unit("b2", true), unit("c", false)}, scholia.ImportOptions{KeepGoing: true})
		equal(t, "statuses with KeepGoing", statuses(res), []scholia.ImportStatus{scholia.ImportFailed, scholia.ImportCreated})
		as, _, err := s.ListAnnotations(ctx, scholia.AnnotationFilter{Project: "news", Document: "b2"}, 0, 100, 0)
		must(t, err)
		if len(as) != 0 {
			t.Fatalf("a failed document left annotations: %s", show(as))
		}
		// A document that exists, or that is not valid, fails alone.
		res = doImport(t, s, []scholia.AnnotatedDocument{
			{Document: scholia.Document{ID: "d1", Text: "again"}},
			{Document: scholia.Document{ID: "e", Project: "other", Text: "x"}},
			{Document: scholia.Document{ID: "bad id", Text: ""}},
			unit("f", false),
		}, scholia.ImportOptions{KeepGoing: true})
		equal(t, "statuses", statuses(res), []scholia.ImportStatus{scholia.ImportFailed, scholia.ImportFailed, scholia.ImportFailed, scholia.ImportCreated})
		wantReason(t, res[0].Err, scholia.CodeAlreadyExists, "DOCUMENT_EXISTS")
		wantFields(t, res[1].Err, "document.project_id")
		wantFields(t, res[2].Err, "document.id", "document.text")
		_, err = s.ImportDocuments(ctx, curator, "nothing", []scholia.AnnotatedDocument{unit("g", false)}, scholia.ImportOptions{})
		wantCode(t, err, scholia.CodeNotFound)
	}},
	{"WriteFailureBeforeLaterUnits", func(t *testing.T, s scholia.Store) {
		// The unit that fails fails only when written (its document id is
		// taken), after the units behind it may have been checked: they must
		// be checked as if it had never been, so that a link to it fails,
		// and the ids it would have had go to the units that are written.
		f := setup(t, s)
		doc := func(id string, local int64) scholia.AnnotatedDocument {
			return scholia.AnnotatedDocument{Document: scholia.Document{ID: id, Text: text1}, Annotations: []scholia.Annotation{
				{ID: local, Annotator: "bob", Kind: scholia.KindMention, Label: "ORG", Spans: []scholia.Span{span(t, text1, "Rebels", 0)}},
			}}
		}
		link := scholia.AnnotatedDocument{Annotations: []scholia.Annotation{
			{ID: 900, Annotator: "bob", Kind: scholia.KindCluster, Label: "entity", Cluster: &scholia.ClusterFields{Members: []int64{501, 601}}},
		}}
		units := []scholia.AnnotatedDocument{doc("d1", 501), doc("g", 601), link, doc("h", 701)}
		for i := range 20 {
			units = append(units, doc(fmt.Sprintf("k%d", i), int64(1000+i)))
		}
		before := f.rev()
		res := doImport(t, s, units, scholia.ImportOptions{KeepGoing: true})
		want := []scholia.ImportStatus{scholia.ImportFailed, scholia.ImportCreated, scholia.ImportFailed, scholia.ImportCreated}
		for range 20 {
			want = append(want, scholia.ImportCreated)
		}
		for i, r := range res {
			if r.Err != nil && i != 0 && i != 2 {
				t.Errorf("unit %d: %v", i, r.Err)
			}
		}
		equal(t, "statuses", statuses(res), want)
		wantReason(t, res[0].Err, scholia.CodeAlreadyExists, "DOCUMENT_EXISTS")
		wantContains(t, "link to the failed unit", violationOn(t, res[2].Err, "annotations[0].cluster.member_ids[0]"), "local id 501")
		if f.rev() != before+22 {
			t.Fatalf("revision %d after importing 22 units from %d", f.rev(), before)
		}
		var last int64
		for i, r := range res {
			if r.Status != scholia.ImportCreated {
				continue
			}
			if r.IDs[0] <= last {
				t.Fatalf("unit %d got id %d after %d: ids must increase", i, r.IDs[0], last)
			}
			last = r.IDs[0]
			a, err := s.GetAnnotation(ctx, r.IDs[0])
			must(t, err)
			if a.Document != units[i].Document.ID {
				t.Fatalf("unit %d: annotation %d is in document %q", i, a.ID, a.Document)
			}
		}
		if got := res[3].IDs[0] - res[1].IDs[0]; got != 1 {
			t.Fatalf("the ids of the written units are %d apart, want 1: the failed units' ids must not be kept", got)
		}
	}},
	{"DryRun", func(t *testing.T, s scholia.Store) {
		f := setup(t, s)
		units := importFixture(t)
		units[1].Annotations[3].Label = "CITY"
		before := f.rev()
		dry := doImport(t, s, units, scholia.ImportOptions{DryRun: true, KeepGoing: true})
		if f.rev() != before {
			t.Fatalf("a dry run took revisions: %d -> %d", before, f.rev())
		}
		for _, id := range []string{"i1", "i2"} {
			_, err := s.GetDocument(ctx, "news", id, false)
			wantCode(t, err, scholia.CodeNotFound)
		}
		// The link fails: one of its members' documents is not valid.
		equal(t, "dry statuses", statuses(dry), []scholia.ImportStatus{scholia.ImportValidated, scholia.ImportFailed, scholia.ImportFailed})
		if dry[0].Rev != 0 || len(dry[0].IDs) != 11 || dry[0].Document.Length != int64(len([]rune(text1))) {
			t.Fatalf("dry result = %+v", dry[0])
		}
		real := doImport(t, s, units, scholia.ImportOptions{KeepGoing: true})
		equal(t, "real statuses", statuses(real), []scholia.ImportStatus{scholia.ImportCreated, scholia.ImportFailed, scholia.ImportFailed})
		equal(t, "violations", real[1].Err, dry[1].Err)
		equal(t, "link violations", real[2].Err, dry[2].Err)
		wantContains(t, "link member", violationOn(t, dry[2].Err, "annotations[0].cluster.member_ids[1]"), "local id 33")

		// Across calls of one dry run, links resolve through Linked.
		units = importFixture(t)
		for i := range units[:2] {
			units[i].Document.ID += "x"
		}
		first := doImport(t, s, units[:2], scholia.ImportOptions{DryRun: true})
		link := doImport(t, s, units[2:], scholia.ImportOptions{DryRun: true, Linked: linkedFrom(units[:2], first)})
		equal(t, "dry link", statuses(link), []scholia.ImportStatus{scholia.ImportValidated})
		// And in a real import.
		first = doImport(t, s, units[:2], scholia.ImportOptions{})
		link = doImport(t, s, units[2:], scholia.ImportOptions{Linked: linkedFrom(units[:2], first)})
		equal(t, "link", statuses(link), []scholia.ImportStatus{scholia.ImportCreated})
		cl, err := s.GetAnnotation(ctx, link[0].IDs[0])
		must(t, err)
		equal(t, "members", cl.Cluster.Members, []int64{first[0].IDs[9], first[1].IDs[0]})
	}},
	{"LocalIDs", func(t *testing.T, s scholia.Store) {
		setup(t, s)
		meet := func(id, other int64) scholia.Annotation {
			return scholia.Annotation{ID: id, Annotator: "alice", Kind: scholia.KindEvent, Label: "Contact.Meet",
				Spans: []scholia.Span{span(t, text1, "met", 0)}, Arguments: []scholia.Argument{arg("Entity", other)}}
		}
		per := scholia.Annotation{ID: 1, Annotator: "alice", Kind: scholia.KindMention, Label: "PER", Spans: []scholia.Span{span(t, text1, "Obama", 0)}}
		res := doImport(t, s, []scholia.AnnotatedDocument{
			{Document: scholia.Document{ID: "dup", Text: text1}, Annotations: []scholia.Annotation{per, per}},
			{Document: scholia.Document{ID: "cycle", Text: text1}, Annotations: []scholia.Annotation{meet(5, 6), meet(6, 5)}},
			{Document: scholia.Document{ID: "ok", Text: text1}, Annotations: []scholia.Annotation{per}},
			{Document: scholia.Document{ID: "again", Text: text1}, Annotations: []scholia.Annotation{per}},
			{Annotations: []scholia.Annotation{per}},
			{Document: scholia.Document{ID: "who", Text: text1}, Annotations: []scholia.Annotation{{Annotator: "nobody", Kind: scholia.KindMention, Label: "PER",
				Spans: []scholia.Span{span(t, text1, "Obama", 0)}}}, Layers: []scholia.Layer{{Annotator: "nobody", Status: scholia.LayerDone}}},
			{Document: scholia.Document{ID: "layer", Text: text1}, Layers: []scholia.Layer{{Annotator: "nobody", Status: scholia.LayerDone}}},
			{},
		}, scholia.ImportOptions{KeepGoing: true})
		equal(t, "statuses", statuses(res), []scholia.ImportStatus{scholia.ImportFailed, scholia.ImportFailed, scholia.ImportCreated,
			scholia.ImportFailed, scholia.ImportFailed, scholia.ImportFailed, scholia.ImportFailed, scholia.ImportFailed})
		wantContains(t, "duplicate", violationOn(t, res[0].Err, "annotations[1].id"), "local id 1", "annotations[0]")
		wantContains(t, "cycle", violationOn(t, res[1].Err, "annotations[0].event.arguments[0].annotation_id"), "cycle")
		wantContains(t, "reused id", violationOn(t, res[3].Err, "annotations[0].id"), "earlier document")
		wantFields(t, res[4].Err, "annotations[0].id", "annotations[0].body")
		e := wantCode(t, res[5].Err, scholia.CodeNotFound)
		wantContains(t, "unknown annotator", e.Error(), "annotations[0]", "nobody")
		wantFields(t, res[6].Err, "layers[0].annotator")
		wantFields(t, res[7].Err, "annotations")
	}},
}

// importProvenanceTests check the provenance an import keeps.
var importProvenanceTests = []test{
	{"Provenance", func(t *testing.T, s scholia.Store) {
		// A project restored from a stream keeps the provenance of its gold
		// annotations: derived_from holds local ids, mapped like references,
		// and a source outside the import (deleted before the export) is
		// left out.
		setup(t, s)
		m := func(id int64, annotator string, from ...int64) scholia.Annotation {
			a := mention(t, "p1", text1, annotator, "GPE", "Aleppo", 0)
			a.ID, a.Project, a.Document, a.DerivedFrom = id, "", "", from
			return a
		}
		units := []scholia.AnnotatedDocument{
			{Document: scholia.Document{ID: "p1", Text: text1}, Annotations: []scholia.Annotation{
				m(51, scholia.GoldAnnotator, 50, 999, 50), m(50, "alice"),
			}},
			{Document: scholia.Document{ID: "p2", Text: text1}, Annotations: []scholia.Annotation{m(60, scholia.GoldAnnotator, 50)}},
		}
		units[1].Annotations[0].Document = ""
		res := doImport(t, s, units, scholia.ImportOptions{})
		equal(t, "statuses", statuses(res), []scholia.ImportStatus{scholia.ImportCreated, scholia.ImportCreated})
		aliceID := res[0].IDs[1]
		for _, id := range []int64{res[0].IDs[0], res[1].IDs[0]} {
			g, err := s.GetAnnotation(ctx, id)
			must(t, err)
			equal(t, fmt.Sprintf("derived_from of gold annotation %d", id), g.DerivedFrom, []int64{aliceID})
		}
		a, err := s.GetAnnotation(ctx, aliceID)
		must(t, err)
		if len(a.DerivedFrom) != 0 {
			t.Fatalf("alice's annotation has provenance %v", a.DerivedFrom)
		}

		// A create never takes provenance from its caller.
		given := mention(t, "p1", text1, "alice", "GPE", "Aleppo", 0)
		given.DerivedFrom = []int64{aliceID}
		made, err := s.CreateAnnotations(ctx, alice, []scholia.Annotation{given})
		must(t, err)
		got, err := s.GetAnnotation(ctx, made[0].ID)
		must(t, err)
		if len(made[0].DerivedFrom) != 0 || len(got.DerivedFrom) != 0 {
			t.Fatalf("a create kept the provenance it was given: returned %v, stored %v", made[0].DerivedFrom, got.DerivedFrom)
		}
	}},
}
