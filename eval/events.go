package eval

import (
	"strconv"
	"strings"

	"github.com/scholia-nlp/scholia"
)

// EventConvention says how event tuples are counted.
type EventConvention int8

// The counting conventions of the common ACE-style event scorers (see
// event_extraction_scoring.md in the project's reference notes).
const (
	// EventSets is the default: each metric compares the SET of gold tuples
	// with the set of predicted tuples (TextEE's scorer, and OneIE's for
	// arguments). matched = |gold ∩ pred|; a tuple predicted twice counts
	// once. Precision and recall share the numerator.
	EventSets EventConvention = iota
	// EventLists counts predicted tuples as a LIST, as DyGIE++'s
	// EventMetrics does: every predicted tuple that equals some gold tuple is
	// a match, duplicates included, and the same count is the numerator of
	// both precision and recall (so two predicted copies of one gold
	// argument give two matches, and recall can reach 1 while a gold
	// argument is still missing). Gold tuples are counted as a list too.
	// Unlike DyGIE++, triggers are keyed by their whole span, not by a
	// single token index.
	EventLists
)

// String returns "sets" or "lists".
func (c EventConvention) String() string {
	if c == EventLists {
		return "lists"
	}
	return "sets"
}

// EventOptions configure [ScoreEvents].
type EventOptions struct {
	Convention EventConvention
}

// EventReport holds the six ACE-style event scores. Spans are compared
// exactly (same document and fragments). The tuples are:
//
//	TriggerIdentification          (document, trigger span)
//	TriggerClassification          (document, trigger span, event type)
//	ArgumentIdentification         (document, event type, argument span)
//	ArgumentClassification         (document, event type, argument span, role)
//	AttachedArgumentIdentification (document, trigger span, event type, argument span)
//	AttachedArgumentClassification (document, trigger span, event type, argument span, role)
//
// The argument tuples follow Li, Ji & Huang (2013) as DyGIE++, OneIE and
// TextEE implement it: an argument is correct when its span and the event
// type of its trigger match, whether or not the trigger itself was found;
// the "attached" variants (TextEE) also require the trigger span. An
// argument span is the span of the mention or event it points to.
// EventTypes breaks TriggerClassification down by event type and Roles
// breaks ArgumentClassification down by role.
type EventReport struct {
	Convention                     string     `json:"convention"`
	TriggerIdentification          PRF        `json:"trigger_identification"`
	TriggerClassification          PRF        `json:"trigger_classification"`
	ArgumentIdentification         PRF        `json:"argument_identification"`
	ArgumentClassification         PRF        `json:"argument_classification"`
	AttachedArgumentIdentification PRF        `json:"attached_argument_identification"`
	AttachedArgumentClassification PRF        `json:"attached_argument_classification"`
	EventTypes                     []LabelPRF `json:"event_types"`
	Roles                          []LabelPRF `json:"roles"`
	// UnresolvedArguments counts arguments (both sides) whose filler is not
	// among the given annotations; they are left out.
	UnresolvedArguments int `json:"unresolved_arguments"`
}

// spanKey identifies a span exactly: its bounds and, for a discontinuous
// span, its fragments.
type spanKey struct {
	start, end int64
	inner      string
}

// keyOf returns the exact key of a list of fragments.
func keyOf(spans []scholia.Span) spanKey {
	if len(spans) == 0 {
		return spanKey{start: -1, end: -1}
	}
	k := spanKey{start: spans[0].Start, end: spans[len(spans)-1].End}
	if len(spans) > 1 {
		var b strings.Builder
		for i, s := range spans {
			if i > 0 {
				b.WriteByte(',')
			}
			b.WriteString(strconv.FormatInt(s.Start, 10))
			b.WriteByte('-')
			b.WriteString(strconv.FormatInt(s.End, 10))
		}
		k.inner = b.String()
	}
	return k
}

// evTuple is one event tuple; fields a metric does not use stay zero.
type evTuple struct {
	doc   string
	trig  spanKey
	etype string
	arg   spanKey
	role  string
}

// annKey finds an annotation by document and id (ids may be local to a
// document, as in AnnotatedDocument).
type annKey struct {
	doc string
	id  int64
}

func indexAnnotations(anns []scholia.Annotation) map[annKey]*scholia.Annotation {
	m := make(map[annKey]*scholia.Annotation, len(anns))
	for i := range anns {
		a := &anns[i]
		m[annKey{a.Document, a.ID}] = a
	}
	return m
}

// eventTuples lists the six kinds of tuples of one layer.
type eventTuples struct {
	trigID, trigCls, argID, argCls, attID, attCls []evTuple
}

func collectEventTuples(anns []scholia.Annotation, unresolved *int) eventTuples {
	idx := indexAnnotations(anns)
	var t eventTuples
	for i := range anns {
		e := &anns[i]
		if e.Kind != scholia.KindEvent || len(e.Spans) == 0 {
			continue
		}
		trig := keyOf(e.Spans)
		t.trigID = append(t.trigID, evTuple{doc: e.Document, trig: trig})
		t.trigCls = append(t.trigCls, evTuple{doc: e.Document, trig: trig, etype: e.Label})
		for _, arg := range e.Arguments {
			f, ok := idx[annKey{e.Document, arg.AnnotationID}]
			if !ok || len(f.Spans) == 0 {
				*unresolved++
				continue
			}
			as := keyOf(f.Spans)
			t.argID = append(t.argID, evTuple{doc: e.Document, etype: e.Label, arg: as})
			t.argCls = append(t.argCls, evTuple{doc: e.Document, etype: e.Label, arg: as, role: arg.Role})
			t.attID = append(t.attID, evTuple{doc: e.Document, trig: trig, etype: e.Label, arg: as})
			t.attCls = append(t.attCls, evTuple{doc: e.Document, trig: trig, etype: e.Label, arg: as, role: arg.Role})
		}
	}
	return t
}

// compareTuples scores pred tuples against gold tuples under convention c,
// and per group when group is not nil.
func compareTuples(gold, pred []evTuple, c EventConvention, group func(evTuple) string) (PRF, []LabelPRF) {
	type counts struct{ g, p, m int64 }
	per := map[string]*counts{}
	bump := func(t evTuple) *counts {
		if group == nil {
			return &counts{}
		}
		k := group(t)
		x := per[k]
		if x == nil {
			x = &counts{}
			per[k] = x
		}
		return x
	}
	goldSet := make(map[evTuple]bool, len(gold))
	var total counts
	for _, t := range gold {
		if c == EventSets && goldSet[t] {
			continue
		}
		goldSet[t] = true
		total.g++
		bump(t).g++
	}
	predSet := make(map[evTuple]bool, len(pred))
	for _, t := range pred {
		if c == EventSets {
			if predSet[t] {
				continue
			}
			predSet[t] = true
		}
		x := bump(t)
		total.p++
		x.p++
		if goldSet[t] {
			total.m++
			x.m++
		}
	}
	var labels []LabelPRF
	for k, x := range per {
		labels = append(labels, LabelPRF{Label: k, PRF: NewPRF(x.g, x.p, x.m, x.m)})
	}
	return NewPRF(total.g, total.p, total.m, total.m), NewPRFReport(labels).Labels
}

// ScoreEvents scores the predicted events against the gold events (see
// [EventReport] for the tuples and [EventConvention] for how they are
// counted; the default is set semantics, as in TextEE). Each slice holds the
// events of one layer together with the mentions (and events) their
// arguments point to; arguments are resolved by document and annotation id
// within their own slice.
func ScoreEvents(gold, pred []scholia.Annotation, opts EventOptions) EventReport {
	rep := EventReport{Convention: opts.Convention.String()}
	g := collectEventTuples(gold, &rep.UnresolvedArguments)
	p := collectEventTuples(pred, &rep.UnresolvedArguments)
	c := opts.Convention
	rep.TriggerIdentification, _ = compareTuples(g.trigID, p.trigID, c, nil)
	rep.TriggerClassification, rep.EventTypes = compareTuples(g.trigCls, p.trigCls, c, func(t evTuple) string { return t.etype })
	rep.ArgumentIdentification, _ = compareTuples(g.argID, p.argID, c, nil)
	rep.ArgumentClassification, rep.Roles = compareTuples(g.argCls, p.argCls, c, func(t evTuple) string { return t.role })
	rep.AttachedArgumentIdentification, _ = compareTuples(g.attID, p.attID, c, nil)
	rep.AttachedArgumentClassification, _ = compareTuples(g.attCls, p.attCls, c, nil)
	return rep
}
