package brat

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/scholia-nlp/scholia"
	"github.com/scholia-nlp/scholia/internal/annotest"
)

func readFixture(t testing.TB, name string) (string, string) {
	t.Helper()
	txt, err := os.ReadFile(filepath.Join("testdata", name+".txt"))
	if err != nil {
		t.Fatal(err)
	}
	ann, err := os.ReadFile(filepath.Join("testdata", name+".ann"))
	if err != nil {
		t.Fatal(err)
	}
	return string(txt), string(ann)
}

func mustRead(t testing.TB, txt, ann string, opts ReadOptions) scholia.AnnotatedDocument {
	t.Helper()
	doc, err := Read(txt, strings.NewReader(ann), opts)
	if err != nil {
		t.Fatal(err)
	}
	annotest.CheckSpans(t, doc)
	return doc
}

func find(doc scholia.AnnotatedDocument, kind scholia.Kind, text string) *scholia.Annotation {
	for i := range doc.Annotations {
		a := &doc.Annotations[i]
		if a.Kind == kind && len(a.Spans) > 0 && a.Spans[0].Text == text {
			return a
		}
	}
	return nil
}

func byID(doc scholia.AnnotatedDocument, id int64) *scholia.Annotation {
	for i := range doc.Annotations {
		if doc.Annotations[i].ID == id {
			return &doc.Annotations[i]
		}
	}
	return nil
}

func TestReadFixture(t *testing.T) {
	txt, ann := readFixture(t, "news1")
	doc := mustRead(t, txt, ann, ReadOptions{Project: "p", DocumentID: "news1", Annotator: "ana"})
	count := map[scholia.Kind]int{}
	for _, a := range doc.Annotations {
		count[a.Kind]++
		if a.Annotator != "ana" || a.Project != "p" {
			t.Errorf("annotation %d: annotator %q project %q", a.ID, a.Annotator, a.Project)
		}
	}
	want := map[scholia.Kind]int{scholia.KindMention: 16, scholia.KindEvent: 3, scholia.KindClaim: 3, scholia.KindRelation: 3, scholia.KindCluster: 1}
	for k, n := range want {
		if count[k] != n {
			t.Errorf("%d %ss, want %d", count[k], k, n)
		}
	}

	ines := find(doc, scholia.KindMention, "Inês Ferreira")
	if ines == nil || ines.Spans[0].Start != 27 || ines.Spans[0].End != 40 {
		t.Fatalf("Inês Ferreira: %+v", ines)
	}
	if ines.Attributes["note"] != "Mayor since 2021; name spelled “Inês”" || ines.Attributes["note#2"] != "second note\twith a tab" || ines.Attributes["mention_type"] != "NAM" {
		t.Errorf("Inês Ferreira attributes: %v", ines.Attributes)
	}

	claim := find(doc, scholia.KindClaim, "“about 270,000 residents” were affected by the floods")
	if claim == nil {
		t.Fatal("no 270,000 claim")
	}
	c := claim.Claim
	if claim.Label != "quantity" || c.Stance != "asserts" || c.CheckWorthiness != "checkworthy" || c.ClaimantID != ines.ID ||
		len(c.Cue) != 1 || c.Cue[0].Text != "said" || c.Normalized == nil || c.Normalized.Value != "270000" || c.Normalized.Unit != "residents" {
		t.Errorf("claim: %+v %+v", claim, c)
	}
	if len(claim.Attributes) != 0 {
		t.Errorf("claim attributes left over: %v", claim.Attributes)
	}
	talks := find(doc, scholia.KindClaim, "the talks")
	if talks == nil || len(talks.Spans) != 2 || talks.Spans[1].Text != "were “productive”" || talks.Claim.ClaimantText != "the mayor, in an interview" {
		t.Errorf("discontinuous claim: %+v", talks)
	}

	arrest := find(doc, scholia.KindEvent, "arrested")
	attack := find(doc, scholia.KindEvent, "attack")
	if arrest == nil || attack == nil {
		t.Fatal("events missing")
	}
	if i := slices.IndexFunc(arrest.Arguments, func(a scholia.Argument) bool { return a.Role == "Crime" }); i < 0 || arrest.Arguments[i].AnnotationID != attack.ID {
		t.Errorf("nested event argument: %+v (attack %d)", arrest.Arguments, attack.ID)
	}
	if arrest.Attributes["Confirmed"] != "true" || arrest.Attributes["Realis"] != "ACTUAL" || arrest.Attributes["trigger.note"] != "check the date of the arrest" {
		t.Errorf("arrest attributes: %v", arrest.Attributes)
	}
	if attack.Attributes["Realis"] != "ACTUAL" {
		t.Errorf("M line: %v", attack.Attributes)
	}
	meet := find(doc, scholia.KindEvent, "met")
	var roles []string
	for _, a := range meet.Arguments {
		roles = append(roles, a.Role)
	}
	if !slices.Equal(roles, []string{"Entity", "Entity", "Entity", "Place"}) {
		t.Errorf("repeated roles: %v", roles)
	}

	korea := find(doc, scholia.KindMention, "North")
	if korea == nil || len(korea.Spans) != 2 || korea.Spans[1].Text != "Korea" {
		t.Errorf("discontinuous mention: %+v", korea)
	}
	evora := find(doc, scholia.KindMention, "Évora")
	if evora.Attributes["norm"] != "GeoNames:2268339" || evora.Attributes["norm#2"] != "Wikidata:Q179948" || evora.Attributes["norm#2.text"] != "Évora, Portugal" {
		t.Errorf("normalizations: %v", evora.Attributes)
	}
	for _, a := range doc.Annotations {
		switch {
		case a.Kind == scholia.KindCluster:
			if a.Label != "entity" || len(a.Cluster.Members) != 3 || a.Document != "" {
				t.Errorf("cluster: %+v %+v", a, a.Cluster)
			}
		case a.Kind == scholia.KindRelation && a.Label == "Part-Whole":
			if a.Attributes[AttrSourceRole] != "Part" || a.Attributes[AttrTargetRole] != "Whole" || byID(doc, a.Relation.Target).Spans[0].Text != "Lisbon" {
				t.Errorf("relation roles: %+v", a)
			}
		case a.Kind == scholia.KindRelation && a.Label == "Contradicts":
			if byID(doc, a.Relation.Source).Kind != scholia.KindClaim || byID(doc, a.Relation.Target) != claim {
				t.Errorf("relation between claims: %+v", a.Relation)
			}
		}
	}
	if doc.Document.Length != int64(len([]rune(txt))) || len(doc.Layers) != 1 || doc.Layers[0].Annotator != "ana" {
		t.Errorf("document: %+v layers %+v", doc.Document.Length, doc.Layers)
	}
}

// TestReadCRLFAnn reads the fixture with CRLF line ends in the .ann, as
// files edited on Windows have.
func TestReadCRLFAnn(t *testing.T) {
	txt, ann := readFixture(t, "news1")
	a := mustRead(t, txt, ann, ReadOptions{})
	b := mustRead(t, txt, strings.ReplaceAll(ann, "\n", "\r\n"), ReadOptions{})
	diff(t, "CRLF", canon(t, a), canon(t, b))
}

// TestReadTabsBetweenFields: brat splits the fields of E, R, A and * lines
// at any white space, so stray tabs there read as the same lines with
// spaces.
func TestReadTabsBetweenFields(t *testing.T) {
	txt := "Ana met Rui."
	spaced := "T1\tPER 0 3\tAna\nT2\tPER 8 11\tRui\nT3\tContact.Meet 4 7\tmet\nE1\tContact.Meet:T3 Entity:T1 Entity2:T2\nR1\tKnows Arg1:T1 Arg2:T2\nA1\tNegated E1\n*\tEquiv T1 T2\n"
	tabbed := "T1\tPER 0 3\tAna\nT2\tPER 8 11\tRui\nT3\tContact.Meet 4 7\tmet\nE1\tContact.Meet:T3\tEntity:T1 Entity2:T2\t\nR1\tKnows\tArg1:T1 Arg2:T2\nA1\tNegated\tE1\n*\t\tEquiv T1\tT2\n"
	diff(t, "tabs between fields", canon(t, mustRead(t, txt, spaced, ReadOptions{})), canon(t, mustRead(t, txt, tabbed, ReadOptions{})))
}

func TestReadLongLine(t *testing.T) {
	long := strings.Repeat("ä", 300000)
	ann := "T1\tPER 0 3\tabc\n#1\tAnnotatorNotes T1\t" + long + "\n"
	doc := mustRead(t, "abc def", ann, ReadOptions{})
	if doc.Annotations[0].Attributes["note"] != long {
		t.Errorf("long note lost")
	}
}

func TestReadRoleNumbersWithSchema(t *testing.T) {
	txt := "Ann met Bo."
	ann := "T1\tPER 0 3\tAnn\nT2\tContact.Meet 4 7\tmet\nT3\tPER 8 10\tBo\nE1\tContact.Meet:T2 Arg1:T1 Theme2:T3\n"
	s := &scholia.Schema{EventTypes: []scholia.EventType{{Name: "Contact.Meet", Roles: []scholia.RoleDefinition{{Name: "Arg1"}, {Name: "Theme"}}}}}
	for _, tc := range []struct {
		schema *scholia.Schema
		want   []string
	}{
		{nil, []string{"Arg1", "Theme2"}},
		{s, []string{"Arg1", "Theme"}},
	} {
		doc := mustRead(t, txt, ann, ReadOptions{Schema: tc.schema})
		ev := find(doc, scholia.KindEvent, "met")
		var roles []string
		for _, a := range ev.Arguments {
			roles = append(roles, a.Role)
		}
		if !slices.Equal(roles, tc.want) {
			t.Errorf("schema %v: roles %v, want %v", tc.schema != nil, roles, tc.want)
		}
	}
}

func TestReadSharedTrigger(t *testing.T) {
	txt := "Ann and Bo met twice."
	ann := "T1\tPER 0 3\tAnn\nT2\tPER 8 10\tBo\nT3\tContact.Meet 11 14\tmet\nE1\tContact.Meet:T3 Entity:T1\nE2\tContact.Meet:T3 Entity:T2\nA1\tRealis T3 ACTUAL\n"
	doc := mustRead(t, txt, ann, ReadOptions{})
	var events []*scholia.Annotation
	for i := range doc.Annotations {
		if doc.Annotations[i].Kind == scholia.KindEvent {
			events = append(events, &doc.Annotations[i])
		}
	}
	if len(events) != 2 || events[0].Attributes["trigger.Realis"] != "ACTUAL" || events[1].Attributes["trigger.Realis"] != "ACTUAL" {
		t.Fatalf("shared trigger: %+v", events)
	}
	var out strings.Builder
	if _, err := Write(nil, &out, doc, WriteOptions{}); err != nil {
		t.Fatal(err)
	}
	diff(t, "shared trigger", bratCanon(t, ann), bratCanon(t, out.String()))
	if n := strings.Count(out.String(), "Contact.Meet 11 14"); n != 1 {
		t.Errorf("trigger written %d times:\n%s", n, out.String())
	}
}

func TestReadErrors(t *testing.T) {
	const txt = "Ana met Bo in Évora. 🙂 Done.\n"
	tests := []struct {
		name, txt, ann string
		line           int
		file, msg      string
	}{
		{"past end", txt, "T1\tPER 0 3\tAna\nT2\tPER 20 99\tx\n", 2, "document.ann", "past the end of the text (29 code points)"},
		{"text mismatch", txt, "T1\tPER 0 3\tAnn\n", 1, "document.ann", `covered text "Ann" does not match the text at its offsets, which is "Ana"`},
		{"fragment text", txt, "T1\tPER 0 3;8 10\tAna  Bo\n", 1, "document.ann", "does not match"},
		{"code points not bytes", txt, "T1\tGPE 14 19\tÉvora\nT2\tX 23 27\tDone\n", 0, "", ""},
		{"UTF-16 instead of code points", txt, "T1\tX 24 28\tDone\n", 1, "document.ann", "does not match"},
		{"unknown id", txt, "T1\tPER 0 3\tAna\nT2\tContact.Meet 4 7\tmet\nE1\tContact.Meet:T2 Entity:T1 Entity2:T9\n", 3, "document.ann", "refers to T9, which is not defined"},
		{"unknown trigger", txt, "E1\tContact.Meet:T2\n", 1, "document.ann", "trigger T2 is not defined"},
		{"duplicate id", txt, "T1\tPER 0 3\tAna\nT1\tPER 8 10\tBo\n", 2, "document.ann", "duplicate id T1 (first defined on line 1)"},
		{"bad utf8", txt, "T1\tPER 0 3\tAna\n#1\tAnnotatorNotes T1\tbad \xff byte\n", 2, "document.ann", "invalid UTF-8"},
		{"bad utf8 in txt", "line one\nline \xfe two\n", "", 2, "document.txt", "invalid UTF-8 at byte 14"},
		{"unknown line type", txt, "T1\tPER 0 3\tAna\n\nX1\tfoo\n", 3, "document.ann", `unknown line type "X1"`},
		{"no tab", txt, "T1 PER 0 3 Ana\n", 1, "document.ann", "no tab after the id"},
		{"no text", txt, "T1\tPER 0 3\n", 1, "document.ann", "has no covered text"},
		{"bad offsets", txt, "T1\tPER 0 x\tAna\n", 1, "document.ann", "bad offsets"},
		{"empty span", txt, "T1\tPER 3 3\t\n", 1, "document.ann", "empty or reversed"},
		{"overlapping fragments", txt, "T1\tPER 0 3;2 5\tAna a m\n", 1, "document.ann", "must be in order"},
		{"trigger type", txt, "T1\tPER 0 3\tAna\nE1\tMeet:T1\n", 2, "document.ann", "has type Meet but its trigger T1 has type PER"},
		{"trigger not T", txt, "T1\tMeet 4 7\tmet\nE1\tMeet:T1\nE2\tMeet:E1\n", 3, "document.ann", "is not a text-bound"},
		{"argument is relation", txt, "T1\tPER 0 3\tAna\nT2\tPER 8 10\tBo\nR1\tKnows Arg1:T1 Arg2:T2\nT3\tMeet 4 7\tmet\nE1\tMeet:T3 Entity:R1\n", 5, "document.ann", "is not a text-bound (T) or an event (E)"},
		{"self argument", txt, "T1\tMeet 4 7\tmet\nE1\tMeet:T1 Entity:E1\n", 2, "document.ann", "is the event itself"},
		{"relation arity", txt, "T1\tPER 0 3\tAna\nR1\tKnows Arg1:T1\n", 2, "document.ann", "expected TYPE Arg1:ID Arg2:ID"},
		{"relation to itself", txt, "T1\tPER 0 3\tAna\nR1\tKnows Arg1:T1 Arg2:T1\n", 2, "document.ann", "links T1 to itself"},
		{"attribute target", txt, "T1\tPER 0 3\tAna\nA1\tNeg T1\nA2\tNeg A1\n", 3, "document.ann", "attach to T, E or R lines"},
		{"attribute unknown", txt, "A1\tNeg T4\n", 1, "document.ann", "A1 refers to T4, which is not defined"},
		{"attribute twice", txt, "T1\tPER 0 3\tAna\nA1\tNeg T1\nA2\tNeg T1 yes\n", 3, "document.ann", "already has attribute Neg"},
		{"norm ref", txt, "T1\tPER 0 3\tAna\nN1\tReference T1 Q42\tAna\n", 2, "document.ann", "is not RID:EID"},
		{"note fields", txt, "T1\tPER 0 3\tAna\n#1\tAnnotatorNotes\tx\n", 2, "document.ann", "expected TYPE ID<TAB>TEXT"},
		{"equiv one id", txt, "T1\tPER 0 3\tAna\n*\tEquiv T1\n", 2, "document.ann", "at least two ids"},
		{"equiv one annotation", txt, "T1\tMeet 4 7\tmet\nE1\tMeet:T1\n*\tEquiv T1 E1\n", 3, "document.ann", "names only one annotation"},
		{"equiv unknown", txt, "T1\tPER 0 3\tAna\n*\tEquiv T1 T7\n", 2, "document.ann", "refers to T7"},
		{"equiv mixed kinds", txt, "T1\tPER 0 3\tAna\nT2\tMeet 4 7\tmet\nE1\tMeet:T2\n*\tEquiv T1 E1\n", 4, "document.ann", "mixes a mention and a event"},
		{"bad equiv id", txt, "*1\tEquiv T1 T2\n", 1, "document.ann", "starts with *"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Read(tc.txt, strings.NewReader(tc.ann), ReadOptions{})
			if tc.msg == "" {
				if err != nil {
					t.Fatalf("unexpected error: %v", err)
				}
				return
			}
			var pe *ParseError
			if !errors.As(err, &pe) {
				t.Fatalf("error %v is not a *ParseError", err)
			}
			if pe.File != tc.file || pe.Line != tc.line || !strings.Contains(pe.Msg, tc.msg) {
				t.Errorf("got %q, want %s:%d: ...%s...", err, tc.file, tc.line, tc.msg)
			}
		})
	}
}

func TestReadFiles(t *testing.T) {
	doc, err := ReadFiles("testdata/news1.txt", "testdata/news1.ann", ReadOptions{DocumentID: "news1"})
	if err != nil {
		t.Fatal(err)
	}
	if len(doc.Annotations) != 26 {
		t.Fatal("no annotations")
	}
	_, err = ReadFiles("testdata/news1.txt", "testdata/bad.ann", ReadOptions{})
	if err == nil || !strings.HasPrefix(err.Error(), "testdata/bad.ann:3: ") {
		t.Errorf("file name in error: %v", err)
	}
}
