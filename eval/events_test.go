package eval

import (
	"testing"

	"github.com/scholia-nlp/scholia"
)

// eventToy mirrors testdata/event_toy.json, a copy of the project reference
// event_extraction_toy.json: a made-up input and the outputs of the TextEE,
// OneIE and DyGIE++ scorers run unmodified on it (TextEE @ 25d5dcac
// TextEE/scorer.py compute_E2E_scores; OneIE score_graphs in the same repo;
// DyGIE++ @ b55dec45 dygie/training/event_metrics.py).
type eventToy struct {
	Gold     []toyWindow `json:"gold"`
	Pred     []toyWindow `json:"pred"`
	Expected struct {
		TextEERaw map[string]map[string]float64 `json:"TextEE_E2E"`
		OneIE     map[string]map[string]float64 `json:"OneIE_score_graphs"`
		DyGIE     map[string]float64            `json:"DyGIEpp_EventMetrics"`
		DyGIERaw  map[string]float64            `json:"DyGIEpp_raw_counts"`
	} `json:"expected_outputs"`
}

type toyWindow struct {
	Doc    string `json:"doc_id"`
	Window string `json:"wnd_id"`
	Events []struct {
		Trigger   [3]any   `json:"trigger"`
		Arguments [][3]any `json:"arguments"`
	} `json:"events"`
}

// toyAnnotations turns toy windows into one layer: each window is a
// document; every distinct argument span is one mention.
func toyAnnotations(ws []toyWindow) []scholia.Annotation {
	var out []scholia.Annotation
	id := int64(0)
	for _, w := range ws {
		doc := w.Doc + "/" + w.Window
		mentions := map[[2]int64]int64{}
		var events []scholia.Annotation
		for _, e := range w.Events {
			id++
			ev := scholia.Annotation{ID: id, Document: doc, Kind: scholia.KindEvent, Label: e.Trigger[2].(string),
				Spans: sp(int64(e.Trigger[0].(float64)), int64(e.Trigger[1].(float64)))}
			for _, a := range e.Arguments {
				s := [2]int64{int64(a[0].(float64)), int64(a[1].(float64))}
				mid, ok := mentions[s]
				if !ok {
					id++
					mid = id
					mentions[s] = mid
					out = append(out, scholia.Annotation{ID: mid, Document: doc, Kind: scholia.KindMention, Label: "X", Spans: sp(s[0], s[1])})
				}
				ev.Arguments = append(ev.Arguments, scholia.Argument{Role: a[2].(string), AnnotationID: mid})
			}
			events = append(events, ev)
		}
		out = append(out, events...)
	}
	return out
}

// TestScoreEventsToy checks both conventions on the toy: the default (sets)
// against TextEE's six outputs (percentages with 6 decimals) and OneIE's
// (6 decimals), the list convention against DyGIE++'s raw counts and
// fractions.
func TestScoreEventsToy(t *testing.T) {
	var toy eventToy
	loadJSON(t, "event_toy.json", &toy)
	gold, pred := toyAnnotations(toy.Gold), toyAnnotations(toy.Pred)

	sets := ScoreEvents(gold, pred, EventOptions{})
	if sets.Convention != "sets" || sets.UnresolvedArguments != 0 {
		t.Errorf("convention %q, unresolved %d", sets.Convention, sets.UnresolvedArguments)
	}
	textee := map[string]PRF{
		"trigger_id":            sets.TriggerIdentification,
		"trigger_cls":           sets.TriggerClassification,
		"argument_id":           sets.ArgumentIdentification,
		"argument_cls":          sets.ArgumentClassification,
		"argument_attached_id":  sets.AttachedArgumentIdentification,
		"argument_attached_cls": sets.AttachedArgumentClassification,
	}
	for name, got := range textee {
		e := toy.Expected.TextEERaw[name]
		if got.Pred != int64(e["pred_num"]) || got.Gold != int64(e["gold_num"]) || got.MatchedPred != int64(e["match_num"]) || got.MatchedGold != int64(e["match_num"]) {
			t.Errorf("TextEE %s: counts %+v, want %v", name, got, e)
		}
		near(t, "TextEE "+name+" P", 100*got.Precision, e["precision"], 5e-7)
		near(t, "TextEE "+name+" R", 100*got.Recall, e["recall"], 5e-7)
		near(t, "TextEE "+name+" F1", 100*got.F1, e["f1"], 5e-7)
	}
	oneie := map[string]PRF{"trigger_id": sets.TriggerIdentification, "trigger": sets.TriggerClassification, "role_id": sets.ArgumentIdentification, "role": sets.ArgumentClassification}
	for name, got := range oneie {
		e := toy.Expected.OneIE[name]
		near(t, "OneIE "+name+" P", got.Precision, e["prec"], 5e-7)
		near(t, "OneIE "+name+" R", got.Recall, e["rec"], 5e-7)
		near(t, "OneIE "+name+" F", got.F1, e["f"], 5e-7)
	}

	lists := ScoreEvents(gold, pred, EventOptions{Convention: EventLists})
	raw := toy.Expected.DyGIERaw
	counts := []struct {
		name           string
		got            PRF
		gold, pred, ok string
	}{
		{"trigger id", lists.TriggerIdentification, "_gold_triggers", "_predicted_triggers", "_matched_trigger_ids"},
		{"trigger class", lists.TriggerClassification, "_gold_triggers", "_predicted_triggers", "_matched_trigger_classes"},
		{"argument id", lists.ArgumentIdentification, "_gold_arguments", "_predicted_arguments", "_matched_argument_ids"},
		{"argument class", lists.ArgumentClassification, "_gold_arguments", "_predicted_arguments", "_matched_argument_classes"},
	}
	for _, c := range counts {
		if c.got.Gold != int64(raw[c.gold]) || c.got.Pred != int64(raw[c.pred]) || c.got.MatchedPred != int64(raw[c.ok]) {
			t.Errorf("DyGIE++ %s: %+v", c.name, c.got)
		}
	}
	dy := toy.Expected.DyGIE
	for prefix, got := range map[string]PRF{"trig_id": lists.TriggerIdentification, "trig_class": lists.TriggerClassification, "arg_id": lists.ArgumentIdentification, "arg_class": lists.ArgumentClassification} {
		near(t, "DyGIE++ "+prefix+" P", got.Precision, dy[prefix+"_precision"], 5e-7)
		near(t, "DyGIE++ "+prefix+" R", got.Recall, dy[prefix+"_recall"], 5e-7)
		near(t, "DyGIE++ "+prefix+" F1", got.F1, dy[prefix+"_f1"], 5e-7)
	}
	mustJSON(t, sets)
	mustJSON(t, lists)
}

// TestScoreEventsBreakdown checks the per-type and per-role tables and the
// handling of unresolved arguments and empty layers.
func TestScoreEventsBreakdown(t *testing.T) {
	gold := []scholia.Annotation{
		{ID: 1, Document: "d", Kind: scholia.KindMention, Label: "PER", Spans: sp(0, 4)},
		{ID: 2, Document: "d", Kind: scholia.KindEvent, Label: "Life.Die", Spans: sp(5, 9), Arguments: []scholia.Argument{{Role: "Victim", AnnotationID: 1}}},
		{ID: 3, Document: "d", Kind: scholia.KindEvent, Label: "Conflict.Attack", Spans: sp(20, 26)},
	}
	pred := []scholia.Annotation{
		{ID: 7, Document: "d", Kind: scholia.KindMention, Label: "PER", Spans: sp(0, 4)},
		{ID: 8, Document: "d", Kind: scholia.KindEvent, Label: "Life.Die", Spans: sp(5, 9), Arguments: []scholia.Argument{{Role: "Victim", AnnotationID: 7}, {Role: "Place", AnnotationID: 99}}},
	}
	r := ScoreEvents(gold, pred, EventOptions{})
	if r.UnresolvedArguments != 1 {
		t.Errorf("unresolved = %d", r.UnresolvedArguments)
	}
	if len(r.EventTypes) != 2 || r.EventTypes[1].Label != "Life.Die" || r.EventTypes[1].F1 != 1 || r.EventTypes[0].Recall != 0 {
		t.Errorf("event types %+v", r.EventTypes)
	}
	if len(r.Roles) != 1 || r.Roles[0].F1 != 1 {
		t.Errorf("roles %+v", r.Roles)
	}
	near(t, "trigger recall", r.TriggerClassification.Recall, 0.5, 0)
	near(t, "attached argument F1", r.AttachedArgumentClassification.F1, 1, 0)
	empty := ScoreEvents(nil, nil, EventOptions{})
	if empty.TriggerIdentification.F1 != 1 || empty.ArgumentClassification.F1 != 1 || len(empty.EventTypes) != 0 {
		t.Errorf("empty: %+v", empty)
	}
	same := ScoreEvents(gold, gold, EventOptions{Convention: EventLists})
	if same.TriggerClassification.F1 != 1 || same.AttachedArgumentClassification.F1 != 1 {
		t.Errorf("identical: %+v", same)
	}
}
