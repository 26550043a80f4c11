package scholia

import (
	"strings"
	"testing"
)

// validationFixture is a layer of alice in document d of project p.
func validationFixture(t *testing.T) ValidationEnv {
	t.Helper()
	x, err := NewsSchema().Index()
	if err != nil {
		t.Fatal(err)
	}
	tx, err := NewText("Lavrov met Ruiz in Moscow 🕊️ on Tuesday.")
	if err != nil {
		t.Fatal(err)
	}
	refs := map[int64]RefInfo{
		1: {ID: 1, Project: "p", Document: "d", Annotator: "alice", Kind: KindMention, Label: "PER"},
		2: {ID: 2, Project: "p", Document: "d", Annotator: "alice", Kind: KindMention, Label: "PER"},
		3: {ID: 3, Project: "p", Document: "d", Annotator: "alice", Kind: KindMention, Label: "GPE"},
		4: {ID: 4, Project: "p", Document: "d", Annotator: "alice", Kind: KindEvent, Label: "Contact.Meet"},
		5: {ID: 5, Project: "p", Document: "e", Annotator: "alice", Kind: KindMention, Label: "PER"},
		6: {ID: 6, Project: "p", Document: "d", Annotator: "bob", Kind: KindMention, Label: "PER"},
		7: {ID: 7, Project: "q", Document: "d", Annotator: "alice", Kind: KindMention, Label: "PER"},
		8: {ID: 8, Project: "p", Document: "d", Annotator: "alice", Kind: KindClaim, Label: "quantity"},
		9: {ID: 9, Project: "p", Document: "e", Annotator: "alice", Kind: KindClaim, Label: "quantity"},
	}
	return ValidationEnv{Schema: x, Text: tx, Resolve: func(id int64) (RefInfo, bool) { r, ok := refs[id]; return r, ok }}
}

func TestValidateAnnotation(t *testing.T) {
	env := validationFixture(t)
	base := Annotation{Project: "p", Document: "d", Annotator: "alice"}
	mk := func(f func(a *Annotation)) Annotation {
		a := base
		f(&a)
		return a
	}
	meet := func(args ...Argument) Annotation {
		return mk(func(a *Annotation) {
			a.Kind, a.Label, a.Spans, a.Arguments = KindEvent, "Contact.Meet", []Span{{Start: 7, End: 10}}, args
		})
	}
	cases := []struct {
		name string
		ann  Annotation
		want map[string]string // field -> word in the description; empty: valid
	}{
		{"valid mention", mk(func(a *Annotation) {
			a.Kind, a.Label, a.Spans = KindMention, "PER", []Span{{Start: 0, End: 6, Text: "Lavrov"}}
		}), nil},
		{"span after an emoji", mk(func(a *Annotation) {
			a.Kind, a.Label, a.Spans = KindMention, "TIME", []Span{{Start: 32, End: 39, Text: "Tuesday"}}
		}), nil},
		{"discontinuous out of order", mk(func(a *Annotation) {
			a.Kind, a.Label, a.Spans = KindMention, "PER", []Span{{Start: 11, End: 15}, {Start: 0, End: 6}}
		}), map[string]string{"mention.spans[1]": "in order"}},
		{"no spans", mk(func(a *Annotation) { a.Kind, a.Label = KindMention, "PER" }), map[string]string{"mention.spans": "at least one"}},
		{"valid event with repeated role", meet(Argument{"Entity", 1}, Argument{"Entity", 2}, Argument{"Place", 3}), nil},
		{"event as argument of a role that takes entities", mk(func(a *Annotation) {
			a.Kind, a.Label, a.Spans, a.Arguments = KindEvent, "Contact.Meet", []Span{{Start: 7, End: 10}}, []Argument{{"Entity", 4}}
		}), map[string]string{"event.arguments[0].annotation_id": "labelled Contact.Meet"}},
		{"argument in another document", meet(Argument{"Entity", 5}), map[string]string{"event.arguments[0].annotation_id": `document "e"`}},
		{"argument in another layer", meet(Argument{"Entity", 6}), map[string]string{"event.arguments[0].annotation_id": "bob's layer"}},
		{"argument in another project", meet(Argument{"Entity", 7}), map[string]string{"event.arguments[0].annotation_id": `project "q"`}},
		{"argument that is a claim", meet(Argument{"Entity", 8}), map[string]string{"event.arguments[0].annotation_id": "a claim"}},
		{"missing argument id", meet(Argument{"Entity", 0}), map[string]string{"event.arguments[0].annotation_id": "required"}},
		{"claim with claimant, cue, normalised value", mk(func(a *Annotation) {
			a.Kind, a.Label, a.Spans = KindClaim, "event_report", []Span{{Start: 7, End: 25}}
			a.Claim = &ClaimFields{ClaimantID: 1, Cue: []Span{{Start: 7, End: 10}}, Stance: "asserts", Normalized: &NormalizedValue{Value: "1"}}
		}), nil},
		{"claim whose claimant is an event", mk(func(a *Annotation) {
			a.Kind, a.Spans = KindClaim, []Span{{Start: 7, End: 25}}
			a.Claim = &ClaimFields{ClaimantID: 4, Normalized: &NormalizedValue{}}
		}), map[string]string{"claim.claimant_id": "an event", "claim.normalized.value": "needs a value"}},
		{"relation across documents", mk(func(a *Annotation) {
			a.Kind, a.Label, a.Relation = KindRelation, "Contradicts", &RelationEnds{Source: 8, Target: 9}
		}), nil},
		{"relation with a wrong end kind", mk(func(a *Annotation) {
			a.Kind, a.Label, a.Relation = KindRelation, "Contradicts", &RelationEnds{Source: 8, Target: 1}
		}), map[string]string{"relation.target_id": "a mention"}},
		{"relation to itself", mk(func(a *Annotation) {
			a.Kind, a.Label, a.Relation = KindRelation, "Supports", &RelationEnds{Source: 8, Target: 8}
		}), map[string]string{"relation.target_id": "two different"}},
		{"cluster across documents", Annotation{Project: "p", Annotator: "alice", Kind: KindCluster, Label: "entity", Cluster: &ClusterFields{Members: []int64{1, 5}}}, nil},
		{"cluster with a duplicate and a document", Annotation{Project: "p", Document: "d", Annotator: "alice", Kind: KindCluster, Label: "entity",
			Cluster: &ClusterFields{Members: []int64{1, 1}}}, map[string]string{"document_id": "leave document_id empty", "cluster.member_ids[1]": "twice"}},
		{"attributes", mk(func(a *Annotation) {
			a.Kind, a.Label, a.Spans = KindMention, "PER", []Span{{Start: 0, End: 6}}
			a.Attributes = map[string]string{"realis": "ACTUAL", "mention_type": "NAME", "colour": "red"}
		}), map[string]string{`attributes["realis"]`: "not to a mention", `attributes["mention_type"]`: "NAME", `attributes["colour"]`: "unknown attribute"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := map[string]string{}
			for _, v := range c.ann.Validate(env) {
				got[v.Field] = v.Description
			}
			for f, word := range c.want {
				if !strings.Contains(got[f], word) {
					t.Errorf("%s: got %q, want it to mention %q (all: %v)", f, got[f], word, got)
				}
			}
			if len(got) != len(c.want) {
				t.Errorf("got %v, want %d violations", got, len(c.want))
			}
		})
	}
}

func TestValidateFillsCoveredText(t *testing.T) {
	env := validationFixture(t)
	a := Annotation{Project: "p", Document: "d", Annotator: "alice", Kind: KindMention, Label: "GPE", Spans: []Span{{Start: 19, End: 25}}}
	if v := a.Validate(env); len(v) != 0 {
		t.Fatal(v)
	}
	if a.Spans[0].Text != "Moscow" {
		t.Errorf("covered text %q, want Moscow", a.Spans[0].Text)
	}
}
