package brat

import (
	"errors"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/scholia-nlp/scholia"
)

func TestParseConf(t *testing.T) {
	f, err := os.Open("testdata/annotation.conf")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	s, err := ParseConf(f)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Index(); err != nil {
		t.Fatalf("schema not valid: %v", err)
	}
	var ents []string
	for _, e := range s.EntityTypes {
		ents = append(ents, e.Name)
	}
	if want := []string{"PER", "ORG", "GPE", "LOC", "FAC", "TIME", "JOB-TITLE"}; !slices.Equal(ents, want) {
		t.Errorf("entities %v, want %v (abstract Agent and claim types left out)", ents, want)
	}
	var evs []string
	for _, e := range s.EventTypes {
		evs = append(evs, e.Name)
	}
	if want := []string{"Conflict.Attack", "Justice.Arrest-Jail", "Contact.Meet"}; !slices.Equal(evs, want) {
		t.Errorf("events %v, want %v", evs, want)
	}
	attack := s.EventTypes[0]
	if r := attack.Roles[0]; r.Name != "Attacker" || !slices.Equal(r.FillerTypes, []string{"PER", "ORG"}) {
		t.Errorf("abstract filler: %+v", r)
	}
	if r := attack.Roles[1]; r.Name != "Target" || !slices.Equal(r.FillerTypes, []string{"GPE", "LOC", "FAC", "PER"}) {
		t.Errorf("macro filler: %+v", r)
	}
	if r := s.EventTypes[1].Roles[2]; r.Name != "Crime" || !slices.Equal(r.FillerTypes, []string{"Conflict.Attack"}) {
		t.Errorf("nested event filler: %+v", r)
	}
	if r := s.EventTypes[2].Roles[0]; r.Name != "Entity" {
		t.Errorf("cardinality {2-5} not removed: %+v", r)
	}
	var rels []string
	for _, r := range s.RelationTypes {
		rels = append(rels, r.Name)
	}
	if want := []string{"Located", "Contradicts", "Causes", "Part-Whole"}; !slices.Equal(rels, want) {
		t.Errorf("relations %v, want %v (Alias, Equiv and <OVERLAP> ignored)", rels, want)
	}
	if r := s.RelationTypes[1]; !slices.Equal(r.SourceKinds, []scholia.Kind{scholia.KindClaim}) {
		t.Errorf("claim relation: %+v", r)
	}
	if r := s.RelationTypes[3]; r.SourceKinds != nil || r.TargetKinds != nil {
		t.Errorf("<ANY> relation: %+v", r)
	}
	want := []scholia.AttributeDefinition{
		{Name: "Confirmed", AppliesTo: []scholia.Kind{scholia.KindEvent}, Values: []string{"true"}},
		{Name: "Realis", AppliesTo: []scholia.Kind{scholia.KindEvent}, Values: []string{"ACTUAL", "GENERIC", "OTHER"}},
		{Name: "mention_type", AppliesTo: []scholia.Kind{scholia.KindMention}, Values: []string{"NAM", "NOM", "PRO"}},
	}
	if len(s.Attributes) != len(want) {
		t.Fatalf("attributes %+v", s.Attributes)
	}
	for i := range want {
		if a := s.Attributes[i]; a.Name != want[i].Name || !slices.Equal(a.AppliesTo, want[i].AppliesTo) || !slices.Equal(a.Values, want[i].Values) {
			t.Errorf("attribute %+v, want %+v", a, want[i])
		}
	}
	if !slices.Equal(s.ClaimTypes, []string{"quantity", "quote"}) || !slices.Equal(s.ClaimStances, []string{"asserts", "denies"}) || len(s.CheckWorthinessValues) != 2 {
		t.Errorf("claim fields: %v %v %v", s.ClaimTypes, s.ClaimStances, s.CheckWorthinessValues)
	}
}

// TestConfRoundTrip writes the news schema as annotation.conf and reads it
// back: everything but descriptions and the name survives.
func TestConfRoundTrip(t *testing.T) {
	want := scholia.NewsSchema()
	var b strings.Builder
	if err := WriteConf(&b, want); err != nil {
		t.Fatal(err)
	}
	got, err := ParseConf(strings.NewReader(b.String()))
	if err != nil {
		t.Fatalf("%v\n%s", err, b.String())
	}
	strip := func(s *scholia.Schema) {
		s.Name = ""
		for i := range s.EntityTypes {
			s.EntityTypes[i].Description = ""
		}
		for i := range s.EventTypes {
			s.EventTypes[i].Description = ""
		}
		for i := range s.RelationTypes {
			s.RelationTypes[i].Description = ""
		}
	}
	strip(want)
	if g, w := schemaString(got), schemaString(want); g != w {
		t.Errorf("schema changed:\ngot  %s\nwant %s\nconf:\n%s", g, w, b.String())
	}
}

func schemaString(s *scholia.Schema) string {
	var b strings.Builder
	for _, e := range s.EntityTypes {
		b.WriteString(e.Name + " ")
	}
	for _, e := range s.EventTypes {
		b.WriteString("\n" + e.Name)
		for _, r := range e.Roles {
			b.WriteString(" " + r.Name + ":" + strings.Join(r.FillerTypes, "|"))
		}
	}
	for _, a := range s.Attributes {
		b.WriteString("\n@" + a.Name + " " + kindsString(a.AppliesTo) + " " + strings.Join(a.Values, "|"))
	}
	for _, r := range s.RelationTypes {
		b.WriteString("\n>" + r.Name + " " + kindsString(r.SourceKinds) + " " + kindsString(r.TargetKinds))
	}
	b.WriteString("\n" + strings.Join(s.ClaimTypes, "|") + " " + strings.Join(s.ClaimStances, "|") + " " + strings.Join(s.CheckWorthinessValues, "|"))
	return b.String()
}

func kindsString(ks []scholia.Kind) string {
	var out []string
	for _, k := range ks {
		out = append(out, k.String())
	}
	return "[" + strings.Join(out, ",") + "]"
}

func TestParseConfErrors(t *testing.T) {
	tests := []struct {
		name, conf string
		line       int
		msg        string
	}{
		{"unknown section", "[entities]\nPER\n[things]\n", 3, "unknown section [things]"},
		{"outside section", "PER\n", 1, "outside a section"},
		{"unknown filler", "[entities]\nPER\n[events]\nMeet\tEntity:PRE\n", 4, `unknown type "PRE"`},
		{"bad arg", "[entities]\nPER\n[events]\nMeet\tEntity\n", 4, "expected ROLE:TYPES"},
		{"relation arity", "[entities]\nPER\n[relations]\nKnows\tArg1:PER\n", 4, "needs two arguments"},
		{"duplicate role", "[entities]\nPER\n[events]\nMeet\tEntity:PER, Entity+:PER\n", 4, "role Entity is defined twice"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseConfWith(strings.NewReader(tc.conf), ConfOptions{Name: "x.conf"})
			var pe *ParseError
			if !errors.As(err, &pe) || pe.File != "x.conf" || pe.Line != tc.line || !strings.Contains(pe.Msg, tc.msg) {
				t.Errorf("error %v, want x.conf:%d: ...%s...", err, tc.line, tc.msg)
			}
		})
	}
}
