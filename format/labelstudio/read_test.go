package labelstudio

import (
	"encoding/json"
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/scholia-nlp/scholia"
	"github.com/scholia-nlp/scholia/internal/annotest"
)

func readFixture(t testing.TB) string {
	t.Helper()
	b, err := os.ReadFile("testdata/tasks.json")
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func mustRead(t testing.TB, in string, opts ReadOptions) ([]scholia.AnnotatedDocument, *Report) {
	t.Helper()
	docs, rep, err := Read(strings.NewReader(in), opts)
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range docs {
		annotest.CheckSpans(t, d)
	}
	return docs, rep
}

func find(doc scholia.AnnotatedDocument, layer string, kind scholia.Kind, text string) *scholia.Annotation {
	for i := range doc.Annotations {
		a := &doc.Annotations[i]
		if a.Annotator == layer && a.Kind == kind && len(a.Spans) > 0 && a.Spans[0].Text == text {
			return a
		}
	}
	return nil
}

func TestReadFixture(t *testing.T) {
	docs, rep := mustRead(t, readFixture(t), ReadOptions{Project: "p", Annotators: map[string]string{"3": "ana"}})
	if len(docs) != 2 || len(rep.Tasks) != 2 {
		t.Fatalf("%d documents, %d task reports", len(docs), len(rep.Tasks))
	}
	for _, tr := range rep.Tasks {
		if len(tr.Errors) > 0 || len(tr.Notes) > 0 {
			t.Errorf("task %d: errors %v notes %v", tr.Index, tr.Errors, tr.Notes)
		}
	}
	if r := rep.Tasks[0]; r.UTF16 != 13 || r.Regions != 13 || r.TaskID != "101" || r.Document != "101" {
		t.Errorf("task 0 report: %+v", r)
	}
	if r := rep.Tasks[1]; r.UTF16 != 0 || r.Regions != 8 {
		t.Errorf("task 1 report: %+v", r)
	}
	if !slices.Equal(rep.PredictionLayers, []string{"ner-v2"}) {
		t.Errorf("prediction layers %v", rep.PredictionLayers)
	}
	d := docs[0]
	var layers []string
	for _, l := range d.Layers {
		layers = append(layers, l.Annotator)
	}
	if !slices.Equal(layers, []string{"ana", "bo@example.org", "ner-v2"}) || d.Document.Title != "Fire in Porto" {
		t.Errorf("layers %v, title %q", layers, d.Document.Title)
	}
	porto := find(d, "ana", scholia.KindMention, "Porto")
	if porto == nil || porto.Spans[0].Start != 3 || porto.Spans[0].End != 8 {
		t.Fatalf("Porto (UTF-16 5-10 is code points 3-8): %+v", porto)
	}
	joana := find(d, "ana", scholia.KindMention, "Joana Araújo")
	if joana.Attributes["note"] != "fire chief since 2019\nspelling checked" || joana.Attributes["mention_type"] != "NAM" {
		t.Errorf("Joana: %v", joana.Attributes)
	}
	claim := find(d, "ana", scholia.KindClaim, "“at least 40 families” lost their homes")
	if claim == nil {
		t.Fatal("no claim")
	}
	if c := claim.Claim; claim.Label != "quantity" || c.ClaimantID != joana.ID || len(c.Cue) != 1 || c.Cue[0].Text != "said" ||
		c.Stance != "asserts" || c.CheckWorthiness != "checkworthy" || c.Normalized == nil || c.Normalized.Value != "40" || c.Normalized.Unit != "families" {
		t.Errorf("claim %+v %+v", claim, claim.Claim)
	}
	if find(d, "ana", scholia.KindMention, "said") != nil {
		t.Error("a cue became a mention")
	}
	pred := find(d, "ner-v2", scholia.KindMention, "Porto")
	if pred == nil || pred.Label != "LOC" || pred.Attributes["score"] != "0.75" {
		t.Errorf("prediction: %+v", pred)
	}
	if cc := find(d, "ner-v2", scholia.KindMention, "city council"); cc == nil || cc.Label != "ORG" || cc.Attributes[AttrExtraLabels] != "GPE" {
		t.Errorf("two labels: %+v", cc)
	}
	var contradicts, cluster *scholia.Annotation
	for i := range d.Annotations {
		a := &d.Annotations[i]
		if a.Kind == scholia.KindRelation && a.Label == "Contradicts" {
			contradicts = a
		}
		if a.Kind == scholia.KindCluster {
			cluster = a
		}
	}
	if contradicts == nil || contradicts.Relation.Target != claim.ID {
		t.Errorf("relation between claims: %+v", contradicts)
	}
	if cluster == nil || cluster.Annotator != "bo@example.org" || cluster.Label != "entity" || len(cluster.Cluster.Members) != 2 {
		t.Errorf("cluster: %+v", cluster)
	}

	d = docs[1]
	met := find(d, "ana", scholia.KindEvent, "met")
	meeting := find(d, "ana", scholia.KindEvent, "meeting")
	if met == nil || len(met.Arguments) != 2 || met.Arguments[1].Role != "Place" || met.Attributes["realis"] != "ACTUAL" {
		t.Errorf("event: %+v", met)
	}
	c := find(d, "ana", scholia.KindClaim, "ended “without agreement”")
	if c == nil || c.Claim.ClaimantText != "officials quoted by a local radio" || c.Label != "event_report" {
		t.Errorf("claim: %+v", c)
	}
	for _, a := range d.Annotations {
		switch a.Kind {
		case scholia.KindRelation:
			if a.Label != "Reports" || a.Relation.Source != c.ID || a.Relation.Target != meeting.ID {
				t.Errorf("relation drawn leftwards: %+v %+v", a, a.Relation)
			}
		case scholia.KindCluster:
			if a.Label != "event" || !slices.Equal(a.Cluster.Members, []int64{met.ID, meeting.ID}) {
				t.Errorf("event cluster: %+v", a.Cluster)
			}
		}
	}
	if d.Document.URL != "https://example.org/braga" || d.Document.ID != "102" {
		t.Errorf("document: %+v", d.Document)
	}
}

// lsCanon describes the results of an export without ids or offsets:
// regions by control, labels and text, per-region results by region,
// relations by label and the regions at their ends (leftward ones turned
// round), per layer.
func lsCanon(t testing.TB, in string) []string {
	t.Helper()
	var tasks []task
	if err := json.Unmarshal([]byte(in), &tasks); err != nil {
		t.Fatal(err)
	}
	var out []string
	for i, tk := range tasks {
		layer := func(a annotation) string {
			if a.ModelVersion != "" {
				return "pred " + a.ModelVersion
			}
			var u user
			if json.Unmarshal(a.CompletedBy, &u) == nil && u.Email != "" {
				return u.Email
			}
			return string(a.CompletedBy)
		}
		for _, a := range append(slices.Clone(tk.Annotations), tk.Predictions...) {
			sig := map[flexString]string{}
			for _, r := range a.Result {
				if r.Type == "labels" {
					txt, _ := spanText(r.Value.Text)
					sig[r.ID] = fmt.Sprintf("%s%v%q", r.FromName, *r.Value.Labels, txt)
				}
			}
			for _, r := range a.Result {
				var s string
				switch r.Type {
				case "labels":
					s = "region " + sig[r.ID]
					if r.Meta != nil {
						s += fmt.Sprintf(" meta=%q", r.Meta.Text)
					}
					if r.Score != nil {
						s += fmt.Sprintf(" score=%v", *r.Score)
					}
				case "relation":
					from, to := r.FromID, r.ToID
					if r.Direction == "left" {
						from, to = to, from
					}
					s = fmt.Sprintf("relation %v %s -> %s", r.Labels, sig[from], sig[to])
				default:
					l, _ := textList(r.Value.Text)
					s = fmt.Sprintf("%s %s of %s: %q %q", r.Type, r.FromName, sig[r.ID], r.Value.Choices, l)
				}
				out = append(out, fmt.Sprintf("task %d, %s: %s", i, layer(a), s))
			}
		}
	}
	slices.Sort(out)
	return out
}
