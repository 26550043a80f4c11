package scholia

import (
	"strings"
	"testing"
)

func TestNewsSchema(t *testing.T) {
	s := NewsSchema()
	x, err := s.Index()
	if err != nil {
		t.Fatalf("the built-in schema is invalid: %v", err)
	}
	// ACE 2005 has 33 event subtypes (LDC2006T06 guidelines, section 5).
	if n := len(s.EventTypes); n != 33 {
		t.Errorf("%d event types, want the 33 ACE subtypes", n)
	}
	for _, c := range []struct{ event, role string }{
		{"Conflict.Attack", "Attacker"}, {"Conflict.Attack", "Target"}, {"Conflict.Attack", "Instrument"},
		{"Contact.Meet", "Entity"}, {"Life.Die", "Victim"}, {"Life.Die", "Agent"}, {"Justice.Sentence", "Sentence"},
	} {
		if x.Role(c.event, c.role) == nil {
			t.Errorf("%s has no role %s", c.event, c.role)
		}
	}
	if r := x.Role("Life.Die", "Victim"); len(r.FillerTypes) != 1 || r.FillerTypes[0] != "PER" {
		t.Errorf("Life.Die Victim fillers = %v", r.FillerTypes)
	}
	// Each call returns a fresh copy: changing one does not change the next.
	s.EventTypes[0].Name = "changed"
	if NewsSchema().EventTypes[0].Name == "changed" {
		t.Error("NewsSchema shares state between calls")
	}
}

func TestSchemaIndexReportsEveryProblem(t *testing.T) {
	s := &Schema{
		EntityTypes: []EntityType{{Name: "PER"}, {Name: "PER"}, {Name: "bad label"}},
		EventTypes: []EventType{
			{Name: "Meet", Roles: []RoleDefinition{{Name: "Who", FillerTypes: []string{"PER", "ALIEN"}}, {Name: "Who"}}},
			{Name: "PER"},
		},
		Attributes:    []AttributeDefinition{{Name: "realis", AppliesTo: []Kind{Kind(9)}, Values: []string{""}}},
		ClaimStances:  []string{"asserts", "asserts"},
		RelationTypes: []RelationType{{Name: "Links", SourceKinds: []Kind{KindCluster}}},
	}
	_, err := s.Index()
	e, ok := err.(*Error)
	if !ok || e.Code != CodeInvalid {
		t.Fatalf("Index() = %v, want an invalid-argument error", err)
	}
	want := map[string]string{
		"entity_types[1].name":                    "twice",
		"entity_types[2].name":                    "white space",
		"event_types[0].roles[1].name":            "twice",
		"event_types[0].roles[0].filler_types[1]": "ALIEN",
		"event_types[1].name":                     "both an entity type and an event type",
		"attributes[0].applies_to[0]":             "not an annotation kind",
		"attributes[0].values[0]":                 "empty",
		"claim_stances[1]":                        "twice",
		"relation_types[0].kinds[0]":              "relation end",
	}
	got := map[string]string{}
	for _, v := range e.Violations {
		got[v.Field] = v.Description
	}
	for f, word := range want {
		if !strings.Contains(got[f], word) {
			t.Errorf("%s: got %q, want it to mention %q", f, got[f], word)
		}
	}
	if len(got) != len(want) {
		t.Errorf("got %d violations, want %d: %v", len(got), len(want), got)
	}
}

func TestValidateID(t *testing.T) {
	for _, c := range []struct {
		id    string
		colon bool
		ok    bool
	}{
		{"afp-2016-05-10", false, true},
		{"doc:1", true, true},
		{"doc:1", false, false},
		{"", false, false},
		{"-lead", false, false},
		{"a/b", true, false},
		{"../x", true, false},
		{"naïve", false, false},
		{strings.Repeat("a", 129), false, false},
	} {
		err := ValidateID("id", c.id, c.colon)
		if (err == nil) != c.ok {
			t.Errorf("ValidateID(%q, %v) = %v, want ok=%v", c.id, c.colon, err, c.ok)
		}
	}
}
