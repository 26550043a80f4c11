package storetest

import (
	"testing"

	"github.com/scholia-nlp/scholia"
)

// Tests of each kind of annotation and of its validation.

var annotationTests = []test{
	{"Mention", func(t *testing.T, s scholia.Store) {
		f := setup(t, s)
		before := f.rev()
		in := mention(t, "d1", text1, "alice", "PER", "Obama", 0)
		in.Spans[0].Text = "" // the store fills it in
		in.Attributes = map[string]string{"mention_type": "NAM", "note": "the former president"}
		out := f.create(alice, in)[0]
		if out.ID <= 0 || out.Rev != before+1 || out.CreateRev != out.Rev || out.UpdateUser != "alice" || out.CreateTime.IsZero() ||
			!out.UpdateTime.Equal(out.CreateTime) {
			t.Fatalf("created %s", show(out))
		}
		want := in
		want.ID, want.Rev, want.CreateRev, want.UpdateUser = out.ID, out.Rev, out.CreateRev, "alice"
		want.CreateTime, want.UpdateTime = out.CreateTime, out.UpdateTime
		want.Spans = []scholia.Span{{Start: 132, End: 137, Text: "Obama"}}
		sameAnnotation(t, "created", out, want)
		got, err := s.GetAnnotation(ctx, out.ID)
		must(t, err)
		sameAnnotation(t, "GetAnnotation", got, want)
		_, err = s.GetAnnotation(ctx, out.ID+1000)
		wantReason(t, err, scholia.CodeNotFound, "ANNOTATION_NOT_FOUND")
		// What a create returns is what reads return, empty lists included.
		empty := mention(t, "d1", text1, "alice", "PER", "Putin", 0)
		empty.Attributes = map[string]string{}
		created := f.create(alice, empty)[0]
		got, err = s.GetAnnotation(ctx, created.ID)
		must(t, err)
		sameAnnotation(t, "read back with empty attributes", got, created)
		// Gold is written like any layer.
		g := f.create(curator, mention(t, "d1", text1, "gold", "PER", "Obama", 0))[0]
		if g.Annotator != "gold" || g.UpdateUser != "carol" || g.ID <= out.ID {
			t.Fatalf("gold mention %s", show(g))
		}
	}},
	{"MentionViolations", func(t *testing.T, s scholia.Store) {
		f := setup(t, s)
		rev := f.rev()
		for _, tc := range []struct {
			name   string
			edit   func(a *scholia.Annotation)
			fields []string
		}{
			{"unknown label", func(a *scholia.Annotation) { a.Label = "PERSON" }, []string{"annotation.mention.label"}},
			{"no label", func(a *scholia.Annotation) { a.Label = "" }, []string{"annotation.mention.label"}},
			{"no spans", func(a *scholia.Annotation) { a.Spans = nil }, []string{"annotation.mention.spans"}},
			{"negative start", func(a *scholia.Annotation) { a.Spans = []scholia.Span{{Start: -1, End: 3}} }, []string{"annotation.mention.spans[0].start"}},
			{"past the end", func(a *scholia.Annotation) { a.Spans = []scholia.Span{{Start: 0, End: 1000}} }, []string{"annotation.mention.spans[0].end"}},
			{"wrong text", func(a *scholia.Annotation) { a.Spans[0].Text = "Obamma" }, []string{"annotation.mention.spans[0].text"}},
			{"overlapping fragments", func(a *scholia.Annotation) {
				a.Spans = []scholia.Span{{Start: 0, End: 6}, {Start: 3, End: 10}}
			}, []string{"annotation.mention.spans[1]"}},
			{"three problems", func(a *scholia.Annotation) {
				a.Label = "NOPE"
				a.Spans = []scholia.Span{{Start: 5, End: 3}}
				a.Attributes = map[string]string{"realis": "ACTUAL", "mention_type": "XYZ"}
			}, []string{"annotation.mention.spans[0]", "annotation.mention.label", `annotation.attributes["mention_type"]`, `annotation.attributes["realis"]`}},
			{"no body", func(a *scholia.Annotation) { a.Kind = scholia.KindUnspecified }, []string{"annotation.body"}},
			{"no document", func(a *scholia.Annotation) { a.Document = "" }, []string{"annotation.document_id"}},
		} {
			a := mention(t, "d1", text1, "alice", "PER", "Obama", 0)
			tc.edit(&a)
			_, err := s.CreateAnnotations(ctx, alice, []scholia.Annotation{a})
			if err == nil {
				t.Fatalf("%s: no error", tc.name)
			}
			t.Run(tc.name, func(t *testing.T) { wantFields(t, err, tc.fields...) })
		}
		for _, tc := range []struct {
			name string
			edit func(a *scholia.Annotation)
		}{
			{"unknown project", func(a *scholia.Annotation) { a.Project = "nothing" }},
			{"unknown document", func(a *scholia.Annotation) { a.Document = "d9" }},
			{"unknown annotator", func(a *scholia.Annotation) { a.Annotator = "zed" }},
		} {
			a := mention(t, "d1", text1, "alice", "PER", "Obama", 0)
			tc.edit(&a)
			_, err := s.CreateAnnotations(ctx, alice, []scholia.Annotation{a})
			t.Run(tc.name, func(t *testing.T) { wantCode(t, err, scholia.CodeNotFound) })
		}
		_, err := s.CreateAnnotations(ctx, alice, nil)
		wantCode(t, err, scholia.CodeInvalid)
		if f.rev() != rev {
			t.Fatalf("refused creates took %d revisions", f.rev()-rev)
		}
	}},
	{"Event", func(t *testing.T, s scholia.Store) {
		f := setup(t, s)
		ms := f.create(alice,
			mention(t, "d1", text1, "alice", "ORG", "Rebels", 0),
			mention(t, "d1", text1, "alice", "GPE", "Aleppo", 0),
			mention(t, "d1", text1, "alice", "TIME", "Monday", 0),
			mention(t, "d1", text1, "alice", "PER", "12 people", 0))
		ev := scholia.Annotation{Project: "news", Document: "d1", Annotator: "alice", Kind: scholia.KindEvent, Label: "Conflict.Attack",
			Spans:      []scholia.Span{span(t, text1, "attacked", 0)},
			Arguments:  []scholia.Argument{arg("Attacker", ms[0].ID), arg("Place", ms[1].ID), arg("Time", ms[2].ID), arg("Target", ms[3].ID)},
			Attributes: map[string]string{"realis": "ACTUAL", "polarity": "POSITIVE"}}
		out := f.create(alice, ev)[0]
		got, err := s.GetAnnotation(ctx, out.ID)
		must(t, err)
		sameAnnotation(t, "event read back", got, out)
		equal(t, "arguments", got.Arguments, ev.Arguments)
		equal(t, "trigger", got.Spans, []scholia.Span{{Start: 7, End: 15, Text: "attacked"}})

		// Nested events fill roles too, and die needs a victim.
		die := scholia.Annotation{Project: "news", Document: "d1", Annotator: "alice", Kind: scholia.KindEvent, Label: "Life.Die",
			Spans: []scholia.Span{span(t, text1, "killing", 0)}, Arguments: []scholia.Argument{arg("Victim", ms[3].ID)}}
		f.create(alice, die)

		bobs := f.create(bob, mention(t, "d1", text1, "bob", "PER", "Obama", 0))[0]
		other := f.create(alice, mention(t, "d2", text2, "alice", "PER", "Zo\u00eb", 0))[0]
		rev := f.rev()
		for _, tc := range []struct {
			name   string
			edit   func(a *scholia.Annotation)
			fields []string
		}{
			{"wrong filler type", func(a *scholia.Annotation) {
				a.Arguments = []scholia.Argument{arg("Target", ms[2].ID)}
			}, []string{"annotation.event.arguments[0].annotation_id"}},
			{"unknown role", func(a *scholia.Annotation) {
				a.Arguments = []scholia.Argument{arg("Attacker", ms[0].ID), arg("Victim", ms[3].ID)}
			}, []string{"annotation.event.arguments[1].role"}},
			{"unknown type", func(a *scholia.Annotation) { a.Label = "Conflict.Skirmish"; a.Arguments = nil }, []string{"annotation.event.type"}},
			{"bad attributes", func(a *scholia.Annotation) {
				a.Attributes = map[string]string{"realis": "MAYBE", "mention_type": "NAM"}
			}, []string{`annotation.attributes["mention_type"]`, `annotation.attributes["realis"]`}},
			{"argument in another document", func(a *scholia.Annotation) {
				a.Arguments = []scholia.Argument{arg("Attacker", other.ID)}
			}, []string{"annotation.event.arguments[0].annotation_id"}},
			{"argument in another layer", func(a *scholia.Annotation) {
				a.Arguments = []scholia.Argument{arg("Attacker", bobs.ID)}
			}, []string{"annotation.event.arguments[0].annotation_id"}},
			{"argument that does not exist", func(a *scholia.Annotation) {
				a.Arguments = []scholia.Argument{arg("Attacker", 987654)}
			}, []string{"annotation.event.arguments[0].annotation_id"}},
			{"filler of the wrong type and no filler", func(a *scholia.Annotation) {
				a.Arguments = []scholia.Argument{arg("Attacker", out.ID), arg("Place", 0)}
			}, []string{"annotation.event.arguments[0].annotation_id", "annotation.event.arguments[1].annotation_id"}},
			{"no trigger", func(a *scholia.Annotation) { a.Spans = nil }, []string{"annotation.event.trigger"}},
		} {
			a := ev
			tc.edit(&a)
			_, err := s.CreateAnnotations(ctx, alice, []scholia.Annotation{a})
			t.Run(tc.name, func(t *testing.T) { wantFields(t, err, tc.fields...) })
		}
		if f.rev() != rev {
			t.Fatal("refused events took revisions")
		}
	}},
	{"Claim", func(t *testing.T, s scholia.Store) {
		f := setup(t, s)
		un := f.create(alice, mention(t, "d1", text1, "alice", "ORG", "The UN", 0))[0]
		cl := scholia.Annotation{Project: "news", Document: "d1", Annotator: "alice", Kind: scholia.KindClaim, Label: "quantity",
			Spans: []scholia.Span{span(t, text1, "270,000 people were killed in the war", 0)},
			Claim: &scholia.ClaimFields{ClaimantID: un.ID, Cue: []scholia.Span{{Start: span(t, text1, "said", 0).Start, End: span(t, text1, "said", 0).End}},
				Stance: "asserts", CheckWorthiness: "checkworthy",
				Normalized: &scholia.NormalizedValue{Value: "270000", Unit: "people", Time: "2016"}},
			Attributes: map[string]string{"note": "death toll"}}
		out := f.create(alice, cl)[0]
		if out.Claim.Cue[0].Text != "said" {
			t.Fatalf("cue text %q", out.Claim.Cue[0].Text)
		}
		got, err := s.GetAnnotation(ctx, out.ID)
		must(t, err)
		sameAnnotation(t, "claim read back", got, out)
		equal(t, "normalized value", *got.Claim.Normalized, scholia.NormalizedValue{Value: "270000", Unit: "people", Time: "2016"})
		if got.Claim.ClaimantID != un.ID || got.Claim.Stance != "asserts" || got.Claim.CheckWorthiness != "checkworthy" || got.Label != "quantity" {
			t.Fatalf("claim fields %+v", *got.Claim)
		}
		// A claimant outside the article is free text.
		free := f.create(alice, scholia.Annotation{Project: "news", Document: "d1", Annotator: "alice", Kind: scholia.KindClaim,
			Spans: []scholia.Span{span(t, text1, "Obama met Putin", 0)}, Claim: &scholia.ClaimFields{ClaimantText: "a Kremlin spokesman", Stance: "reports"}})[0]
		got, err = s.GetAnnotation(ctx, free.ID)
		must(t, err)
		if got.Claim == nil || got.Claim.ClaimantText != "a Kremlin spokesman" || got.Claim.ClaimantID != 0 || got.Label != "" {
			t.Fatalf("free-text claimant: %s", show(got))
		}
		ev := f.create(alice, scholia.Annotation{Project: "news", Document: "d1", Annotator: "alice", Kind: scholia.KindEvent,
			Label: "Contact.Meet", Spans: []scholia.Span{span(t, text1, "met", 0)}})[0]
		for _, tc := range []struct {
			name   string
			edit   func(c *scholia.Annotation)
			fields []string
		}{
			{"bad stance", func(c *scholia.Annotation) { c.Claim.Stance = "shouts" }, []string{"annotation.claim.stance"}},
			{"claimant is an event", func(c *scholia.Annotation) { c.Claim.ClaimantID = ev.ID }, []string{"annotation.claim.claimant_id"}},
			{"cue past the end", func(c *scholia.Annotation) { c.Claim.Cue = []scholia.Span{{Start: 10, End: 9999}} }, []string{"annotation.claim.cue[0].end"}},
			{"unknown claim type", func(c *scholia.Annotation) { c.Label = "gossip" }, []string{"annotation.claim.claim_type"}},
			{"normalized without value", func(c *scholia.Annotation) { c.Claim.Normalized = &scholia.NormalizedValue{Unit: "people"} }, []string{"annotation.claim.normalized.value"}},
			{"three problems", func(c *scholia.Annotation) {
				c.Claim.Stance = "shouts"
				c.Claim.ClaimantID = ev.ID
				c.Claim.Cue = []scholia.Span{{Start: 10, End: 9999}}
			}, []string{"annotation.claim.stance", "annotation.claim.claimant_id", "annotation.claim.cue[0].end"}},
		} {
			c := cl
			claim := *cl.Claim
			c.Claim = &claim
			tc.edit(&c)
			_, err := s.CreateAnnotations(ctx, alice, []scholia.Annotation{c})
			t.Run(tc.name, func(t *testing.T) { wantFields(t, err, tc.fields...) })
		}
	}},
	{"Relation", func(t *testing.T, s scholia.Store) {
		f := setup(t, s)
		claims := f.create(alice,
			scholia.Annotation{Project: "news", Document: "d1", Annotator: "alice", Kind: scholia.KindClaim, Label: "quantity",
				Spans: []scholia.Span{span(t, text1, "killing 12 people", 0)}, Claim: &scholia.ClaimFields{Stance: "reports"}},
			scholia.Annotation{Project: "news", Document: "d1", Annotator: "alice", Kind: scholia.KindClaim, Label: "quantity",
				Spans: []scholia.Span{span(t, text1, "270,000 people were killed", 0)}, Claim: &scholia.ClaimFields{Stance: "asserts"}},
			mention(t, "d1", text1, "alice", "PER", "Obama", 0))
		rel := scholia.Annotation{Project: "news", Document: "d1", Annotator: "alice", Kind: scholia.KindRelation, Label: "Supports",
			Relation: &scholia.RelationEnds{Source: claims[0].ID, Target: claims[1].ID}}
		out := f.create(alice, rel)[0]
		got, err := s.GetAnnotation(ctx, out.ID)
		must(t, err)
		sameAnnotation(t, "relation read back", got, out)
		equal(t, "relation ends", *got.Relation, scholia.RelationEnds{Source: claims[0].ID, Target: claims[1].ID})
		if got.Spans != nil || got.Label != "Supports" {
			t.Fatalf("relation %s", show(got))
		}
		for _, tc := range []struct {
			name   string
			edit   func(r *scholia.Annotation)
			fields []string
		}{
			{"source of the wrong kind", func(r *scholia.Annotation) {
				r.Relation = &scholia.RelationEnds{Source: claims[2].ID, Target: claims[1].ID}
			},
				[]string{"annotation.relation.source_id"}},
			{"same ends", func(r *scholia.Annotation) {
				r.Relation = &scholia.RelationEnds{Source: claims[1].ID, Target: claims[1].ID}
			},
				[]string{"annotation.relation.target_id"}},
			{"no ends", func(r *scholia.Annotation) { r.Relation = nil }, []string{"annotation.relation"}},
			{"unknown type", func(r *scholia.Annotation) { r.Label = "Likes" }, []string{"annotation.relation.type"}},
			{"no document", func(r *scholia.Annotation) { r.Document = "" }, []string{"annotation.document_id"}},
		} {
			r := rel
			tc.edit(&r)
			_, err := s.CreateAnnotations(ctx, alice, []scholia.Annotation{r})
			t.Run(tc.name, func(t *testing.T) { wantFields(t, err, tc.fields...) })
		}
	}},
	{"ClusterAcrossDocuments", func(t *testing.T, s scholia.Store) {
		f := setup(t, s)
		m1 := f.create(alice, mention(t, "d1", text1, "alice", "PER", "Obama", 0))[0]
		m2 := f.create(alice, mention(t, "d2", text2, "alice", "PER", "Zo\u00eb", 0))[0]
		ev := f.create(alice, scholia.Annotation{Project: "news", Document: "d1", Annotator: "alice", Kind: scholia.KindEvent,
			Label: "Contact.Meet", Spans: []scholia.Span{span(t, text1, "met", 0)}})[0]
		cl := scholia.Annotation{Project: "news", Annotator: "alice", Kind: scholia.KindCluster, Label: "entity",
			Cluster: &scholia.ClusterFields{Members: []int64{m1.ID, m2.ID}, Title: "the people"}}
		out := f.create(alice, cl)[0]
		got, err := s.GetAnnotation(ctx, out.ID)
		must(t, err)
		sameAnnotation(t, "cluster read back", got, out)
		equal(t, "cluster", *got.Cluster, scholia.ClusterFields{Members: []int64{m1.ID, m2.ID}, Title: "the people"})
		if got.Document != "" {
			t.Fatalf("cluster document %q", got.Document)
		}
		bobs := f.create(bob, mention(t, "d2", text2, "bob", "PER", "Zo\u00eb", 0))[0]
		for _, tc := range []struct {
			name   string
			edit   func(c *scholia.Annotation)
			fields []string
		}{
			{"member of the wrong kind", func(c *scholia.Annotation) { c.Cluster = &scholia.ClusterFields{Members: []int64{m1.ID, ev.ID}} },
				[]string{"annotation.cluster.member_ids[1]"}},
			{"member listed twice", func(c *scholia.Annotation) { c.Cluster = &scholia.ClusterFields{Members: []int64{m1.ID, m2.ID, m1.ID}} },
				[]string{"annotation.cluster.member_ids[2]"}},
			{"member in another layer", func(c *scholia.Annotation) { c.Cluster = &scholia.ClusterFields{Members: []int64{m1.ID, bobs.ID}} },
				[]string{"annotation.cluster.member_ids[1]"}},
			{"no members", func(c *scholia.Annotation) { c.Cluster = &scholia.ClusterFields{} }, []string{"annotation.cluster.member_ids"}},
			{"with a document", func(c *scholia.Annotation) { c.Document = "d1" }, []string{"annotation.document_id"}},
			{"unknown cluster kind", func(c *scholia.Annotation) { c.Label = "thing" }, []string{"annotation.cluster.kind"}},
		} {
			c := cl
			tc.edit(&c)
			_, err := s.CreateAnnotations(ctx, alice, []scholia.Annotation{c})
			t.Run(tc.name, func(t *testing.T) { wantFields(t, err, tc.fields...) })
		}
		// An event cluster across documents.
		ev2 := f.create(alice, scholia.Annotation{Project: "news", Document: "d2", Annotator: "alice", Kind: scholia.KindEvent,
			Label: "Contact.Meet", Spans: []scholia.Span{span(t, text2, "met", 0)}})[0]
		f.create(alice, scholia.Annotation{Project: "news", Annotator: "alice", Kind: scholia.KindCluster, Label: "event",
			Cluster: &scholia.ClusterFields{Members: []int64{ev.ID, ev2.ID}}})
		// Filters: clusters are found by kind across the project.
		list, _, err := s.ListAnnotations(ctx, scholia.AnnotationFilter{Project: "news", Kinds: []scholia.Kind{scholia.KindCluster}}, 0, 10, 0)
		must(t, err)
		if len(list) != 2 || list[0].ID != out.ID || list[1].Label != "event" {
			t.Fatalf("clusters: %s", show(list))
		}
	}},
	{"Filters", func(t *testing.T, s scholia.Store) {
		f := setup(t, s)
		a1 := f.create(alice, mention(t, "d1", text1, "alice", "PER", "Obama", 0))[0]
		b1 := f.create(bob, mention(t, "d1", text1, "bob", "PER", "Putin", 0))[0]
		a2 := f.create(alice, mention(t, "d2", text2, "alice", "GPE", "Paris", 0))[0]
		e1 := f.create(alice, scholia.Annotation{Project: "news", Document: "d1", Annotator: "alice", Kind: scholia.KindEvent,
			Label: "Contact.Meet", Spans: []scholia.Span{span(t, text1, "met", 0)}, Arguments: []scholia.Argument{arg("Entity", a1.ID)}})[0]
		_, err := s.CreateProject(ctx, curator, scholia.Project{ID: "other"})
		must(t, err)
		for _, tc := range []struct {
			name string
			f    scholia.AnnotationFilter
			want []int64
		}{
			{"project", scholia.AnnotationFilter{Project: "news"}, []int64{a1.ID, b1.ID, a2.ID, e1.ID}},
			{"document", scholia.AnnotationFilter{Project: "news", Document: "d1"}, []int64{a1.ID, b1.ID, e1.ID}},
			{"annotator", scholia.AnnotationFilter{Project: "news", Annotators: []string{"bob"}}, []int64{b1.ID}},
			{"annotators", scholia.AnnotationFilter{Project: "news", Annotators: []string{"bob", "alice"}}, []int64{a1.ID, b1.ID, a2.ID, e1.ID}},
			{"kind", scholia.AnnotationFilter{Project: "news", Kinds: []scholia.Kind{scholia.KindEvent}}, []int64{e1.ID}},
			{"all of them", scholia.AnnotationFilter{Project: "news", Document: "d1", Annotators: []string{"alice"}, Kinds: []scholia.Kind{scholia.KindMention}}, []int64{a1.ID}},
			{"other project", scholia.AnnotationFilter{Project: "other"}, []int64{}},
		} {
			t.Run(tc.name, func(t *testing.T) {
				got := ids(listAll(t, s, tc.f, 2, 0))
				equal(t, "ids", got, tc.want)
			})
		}
		_, _, err = s.ListAnnotations(ctx, scholia.AnnotationFilter{}, 0, 10, 0)
		wantCode(t, err, scholia.CodeInvalid)
	}},
}
