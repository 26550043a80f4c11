package main

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"unicode/utf8"

	pb "github.com/scholia-nlp/scholia/gen/scholia/v1"
)

// The generator writes news-like sentences with the traps of real articles:
// curly quotes, accented names (some with combining accents), emoji outside
// the Basic Multilingual Plane, so that offsets are code points and not
// bytes or UTF-16 units.
var (
	people  = []string{"Ana Ruiz", "Malik Haddad", "Jose\u0301 Mart\u00edn", "Sergei Volkov", "Li Wei", "Fatima Zahra", "Jo\u00e3o Silva", "Ingrid M\u00f8ller", "Kwame Mensah", "Ay\u015fe Y\u0131lmaz"}
	places  = []string{"Geneva", "Moscow", "Aleppo", "S\u00e3o Paulo", "Z\u00fcrich", "Nairobi", "Istanbul", "Krak\u00f3w"}
	times   = []string{"Monday", "Tuesday", "last week", "on 3 May", "in 2016", "yesterday"}
	quotes  = []string{"the ceasefire must hold", "there is no alternative to talks", "more than 270,000 people have died", "the convoy will arrive", "we will not give up"}
	emojis  = []string{"\U0001F54A\uFE0F", "\U0001F4CA", "\U0001F1FA\U0001F1F3", "\u2014"}
	outlets = []string{"Example Wire", "Daily Ledger", "Le Courrier", "Der Bote"}
)

// genDoc is one generated document with its annotations, whose references
// are negative batch references (-k is the k-th annotation of the batch).
type genDoc struct {
	id   string
	text string
	anns []*pb.Annotation
}

// textBuilder appends text and tracks the code-point offset.
type textBuilder struct {
	b  strings.Builder
	cp int64
}

func (t *textBuilder) add(s string) (start, end int64) {
	start = t.cp
	t.b.WriteString(s)
	t.cp += int64(utf8.RuneCountInString(s))
	return start, t.cp
}

// generate makes document number i of a corpus, deterministically from
// (seed, i), with about annsPerDoc annotations in the layer of annotator
// ("" for the caller's own).
func generate(seed uint64, i, annsPerDoc int, project, annotator string) genDoc {
	r := rand.New(rand.NewPCG(seed, uint64(i)))
	pick := func(xs []string) string { return xs[r.IntN(len(xs))] }
	d := genDoc{id: fmt.Sprintf("doc-%07d", i)}
	var t textBuilder
	t.add(fmt.Sprintf("%s (%s) %s ", strings.ToUpper(pick(places)), pick(outlets), pick(emojis)))
	n := 0 // annotations so far; batch references are -(index+1)
	ref := func() int64 { return -int64(n) }
	mention := func(s, label string) int64 {
		start, end := t.add(s)
		d.anns = append(d.anns, &pb.Annotation{ProjectId: project, DocumentId: d.id, Annotator: annotator,
			Body: &pb.Annotation_Mention{Mention: &pb.Mention{Label: label, Spans: []*pb.Span{{Start: start, End: end}}}}})
		n++
		return ref()
	}
	for n < annsPerDoc {
		// "{PER} met {PER} in {GPE} {TIME}. {PER} said “{QUOTE}” {emoji}"
		p1 := mention(pick(people), "PER")
		t.add(" ")
		ts, te := t.add("met")
		t.add(" ")
		p2 := mention(pick(people), "PER")
		t.add(" in ")
		g := mention(pick(places), "GPE")
		t.add(" ")
		tm := mention(pick(times), "TIME")
		t.add(". ")
		args := []*pb.Argument{{Role: "Entity", AnnotationId: p1}, {Role: "Entity", AnnotationId: p2}, {Role: "Place", AnnotationId: g}, {Role: "Time", AnnotationId: tm}}
		args = args[:2+r.IntN(3)] // 2 to 4 arguments
		d.anns = append(d.anns, &pb.Annotation{ProjectId: project, DocumentId: d.id, Annotator: annotator,
			Attributes: map[string]string{"realis": "ACTUAL"},
			Body:       &pb.Annotation_Event{Event: &pb.Event{Type: "Contact.Meet", Trigger: []*pb.Span{{Start: ts, End: te}}, Arguments: args}}})
		n++
		claimant := mention(pick(people), "PER")
		t.add(" ")
		cs, ce := t.add("said")
		t.add(" \u201c")
		qs, qe := t.add(pick(quotes))
		t.add("\u201d " + pick(emojis) + "\n")
		d.anns = append(d.anns, &pb.Annotation{ProjectId: project, DocumentId: d.id, Annotator: annotator,
			Body: &pb.Annotation_Claim{Claim: &pb.Claim{Spans: []*pb.Span{{Start: qs, End: qe}}, ClaimantId: claimant,
				Cue: []*pb.Span{{Start: cs, End: ce}}, Stance: "asserts", ClaimType: "quote"}}})
		n++
	}
	d.text = t.b.String()
	return d
}

// annsPerGenDoc is how many annotations generate makes per document: whole
// sentences of seven, so --anns-per-doc 50 makes 56.
func annsPerGenDoc(cfg config) int {
	return len(generate(cfg.seed, 0, cfg.annsPerDoc, benchProject, "").anns)
}
