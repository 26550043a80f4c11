package eval

import (
	"cmp"
	"fmt"
	"slices"

	"github.com/scholia-nlp/scholia"
)

// This file is the glue between a corpus as scholia delivers it (the
// documents of StreamCorpus, or of a JSONL export, each with the annotations
// of several layers) and the metrics: it splits the corpus into layers,
// applies the kinds and labels asked for, and runs every metric that
// applies. The server's EvaluationService and `scholia eval` (online and
// offline) all call it, so they give the same figures.

// CorpusOptions configure [CorpusAgreement] and [ScoreLayers].
type CorpusOptions struct {
	// Kinds selects what is evaluated: mentions (KindMention), events
	// (KindEvent: triggers and arguments), claims (KindClaim) and
	// coreference (KindCluster). Nil evaluates all four; relations are not
	// scored. Event arguments and claimants are resolved among all the
	// layer's annotations, whatever Kinds and Labels say.
	Kinds []scholia.Kind
	// Labels keeps only mentions, events and claims with these labels
	// (entity types, event types, claim types); nil keeps all. Coreference
	// clusters keep only their members with these labels.
	Labels []string
	// Match is the span rule of span and claim scores and of the
	// agreement's MatchF1 matrix. Event tuples, coreference mentions and
	// the coding coefficients of agreement always compare spans exactly.
	Match SpanMatch
	// DoneOnly keeps only layers whose status in the documents' Layers is
	// done. The server filters in the store instead and leaves it false;
	// offline evaluation of JSONL files uses it.
	DoneOnly bool
}

// wantKind reports whether k is among the selected kinds.
func (o CorpusOptions) wantKind(k scholia.Kind) bool {
	return len(o.Kinds) == 0 || slices.Contains(o.Kinds, k)
}

// wantLabel reports whether label is among the selected labels.
func (o CorpusOptions) wantLabel(label string) bool {
	return len(o.Labels) == 0 || slices.Contains(o.Labels, label)
}

// selected returns the mentions, events and claims of anns that the
// options select, in their order.
func (o CorpusOptions) selected(anns []scholia.Annotation) []scholia.Annotation {
	var out []scholia.Annotation
	for _, a := range anns {
		switch a.Kind {
		case scholia.KindMention, scholia.KindEvent, scholia.KindClaim:
			if o.wantKind(a.Kind) && o.wantLabel(a.Label) {
				out = append(out, a)
			}
		}
	}
	return out
}

// CorpusAnnotators lists, sorted, the annotators that have an annotation,
// a cluster or a layer status in docs.
func CorpusAnnotators(docs []scholia.CorpusDocument) []string {
	seen := map[string]bool{}
	for _, d := range docs {
		for _, a := range d.Annotations {
			seen[a.Annotator] = true
		}
		for _, c := range d.Clusters {
			seen[c.Annotator] = true
		}
		for _, l := range d.Layers {
			seen[l.Annotator] = true
		}
	}
	return sortedKeys(seen)
}

// CorpusLayer collects the annotations of one annotator from a corpus: its
// mentions, events, claims and relations document by document, then its
// clusters, each once (StreamCorpus sends a cluster over several documents
// with each of them). With doneOnly, only documents whose layer of the
// annotator has the status done count.
func CorpusLayer(docs []scholia.CorpusDocument, annotator string, doneOnly bool) []scholia.Annotation {
	var out, clusters []scholia.Annotation
	seen := map[int64]bool{}
	for _, d := range docs {
		if doneOnly && !layerDone(d, annotator) {
			continue
		}
		for _, a := range d.Annotations {
			if a.Annotator == annotator {
				out = append(out, a)
			}
		}
		for _, c := range d.Clusters {
			if c.Annotator == annotator && !seen[c.ID] {
				seen[c.ID] = true
				clusters = append(clusters, c)
			}
		}
	}
	slices.SortStableFunc(clusters, func(a, b scholia.Annotation) int { return cmp.Compare(a.ID, b.ID) })
	return append(out, clusters...)
}

// layerDone reports whether the annotator's layer of d is done.
func layerDone(d scholia.CorpusDocument, annotator string) bool {
	for _, l := range d.Layers {
		if l.Annotator == annotator {
			return l.Status == scholia.LayerDone
		}
	}
	return false
}

// DocLengths returns the length of every document of docs, for the
// unitizing continuum of agreement.
func DocLengths(docs []scholia.CorpusDocument) map[string]int64 {
	out := make(map[string]int64, len(docs))
	for _, d := range docs {
		n := d.Document.Length
		if n == 0 && d.Document.Text != "" {
			n = int64(len([]rune(d.Document.Text)))
		}
		out[d.Document.ID] = max(out[d.Document.ID], n)
	}
	return out
}

// CorpusAgreementReport is the agreement among several annotators' layers
// of one corpus. All covers every selected mention, event trigger and claim
// span together (labels prefixed with the kind: "mention/PER"); Mentions,
// Triggers and Claims cover one kind each and are nil when the kind is not
// selected. MatchF1 is the pairwise micro F1 of the annotators' spans (all
// selected kinds, labels compared) under Match, in the order of Annotators:
// under exact match it equals All.Pairwise.F1.
type CorpusAgreementReport struct {
	Annotators []string         `json:"annotators"`
	Match      string           `json:"match"`
	Documents  int              `json:"documents"`
	All        AgreementReport  `json:"all"`
	MatchF1    [][]float64      `json:"match_f1"`
	Mentions   *AgreementReport `json:"mentions,omitempty"`
	Triggers   *AgreementReport `json:"triggers,omitempty"`
	Claims     *AgreementReport `json:"claims,omitempty"`
}

// CorpusAgreement measures the agreement among the named annotators' layers
// of docs (see [CorpusAgreementReport]). It needs at least two distinct
// annotators; an annotator with no annotations in docs has an empty layer.
// Every document of docs belongs to the unitizing continuum, also those
// nobody annotated.
func CorpusAgreement(docs []scholia.CorpusDocument, annotators []string, opts CorpusOptions) (CorpusAgreementReport, error) {
	names := slices.Clone(annotators)
	slices.Sort(names)
	names = slices.Compact(names)
	if len(names) < 2 {
		return CorpusAgreementReport{}, fmt.Errorf("agreement needs at least two annotators, got %d", len(names))
	}
	layers := make(map[string][]scholia.Annotation, len(names))
	for _, n := range names {
		layers[n] = opts.selected(CorpusLayer(docs, n, opts.DoneOnly))
	}
	lengths := DocLengths(docs)
	agree := func(src SpanSource) AgreementReport {
		return SpanAgreement(layers, AgreementOptions{Source: src, DocLengths: lengths})
	}
	rep := CorpusAgreementReport{Annotators: names, Match: opts.Match.String(), Documents: len(lengths), All: agree(SourceAll)}
	rep.MatchF1 = identity(len(names))
	for i := range names {
		for j := i + 1; j < len(names); j++ {
			f := ScoreSpans(layers[names[i]], layers[names[j]], SpanOptions{Match: opts.Match}).Micro.F1
			set(rep.MatchF1, i, j, f)
		}
	}
	part := func(k scholia.Kind, src SpanSource) *AgreementReport {
		if !opts.wantKind(k) {
			return nil
		}
		r := agree(src)
		return &r
	}
	rep.Mentions = part(scholia.KindMention, SourceMentions)
	rep.Triggers = part(scholia.KindEvent, SourceTriggers)
	rep.Claims = part(scholia.KindClaim, SourceClaims)
	return rep, nil
}

// CorefKindReport is the coreference score of the clusters of one kind
// ("entity", "event" or "claim"). Annotations of the member kind that are
// in no cluster count as singletons (annotators need not make one-member
// clusters), as in the CoNLL scorer. Unresolved counts the members left
// out because they are not among the annotations evaluated: in a document
// or with a label not selected, or without a span.
type CorefKindReport struct {
	Kind                string `json:"kind"`
	ReferenceClusters   int    `json:"reference_clusters"`
	CandidateClusters   int    `json:"candidate_clusters"`
	ReferenceUnresolved int    `json:"reference_unresolved"`
	CandidateUnresolved int    `json:"candidate_unresolved"`
	CorefReport
}

// CorpusScoreReport scores a candidate layer against a reference layer.
// Spans covers every selected mention, event trigger and claim span
// together, with kind-prefixed labels ("mention/PER", "event/Life.Die",
// "claim/quantity"); Mentions, Events and Claims are nil when their kind is
// not selected, and Coreference holds one report per cluster kind that
// either layer uses (none when clusters are not selected). Coreference is
// across documents: the whole corpus is one partition.
type CorpusScoreReport struct {
	Reference   string            `json:"reference"`
	Candidate   string            `json:"candidate"`
	Match       string            `json:"match"`
	Documents   int               `json:"documents"`
	Spans       SpanReport        `json:"spans"`
	Mentions    *SpanReport       `json:"mentions,omitempty"`
	Events      *EventReport      `json:"events,omitempty"`
	Claims      *ClaimReport      `json:"claims,omitempty"`
	Coreference []CorefKindReport `json:"coreference"`
}

// ScoreCorpus scores the candidate annotator's layer of docs against the
// reference annotator's (see [ScoreLayers]). Either may be absent from
// docs: an empty layer.
func ScoreCorpus(docs []scholia.CorpusDocument, reference, candidate string, opts CorpusOptions) CorpusScoreReport {
	ref := CorpusLayer(docs, reference, opts.DoneOnly)
	cand := CorpusLayer(docs, candidate, opts.DoneOnly)
	rep := ScoreLayers(ref, cand, opts)
	rep.Reference, rep.Candidate, rep.Documents = reference, candidate, len(DocLengths(docs))
	return rep
}

// ScoreLayers scores the candidate annotations against the reference ones
// (each one layer, as [CorpusLayer] returns it, possibly from two different
// corpora: a gold export and a system's output). Reference, Candidate and
// Documents are left for the caller to fill in.
func ScoreLayers(ref, cand []scholia.Annotation, opts CorpusOptions) CorpusScoreReport {
	rep := CorpusScoreReport{Match: opts.Match.String(), Coreference: []CorefKindReport{}}
	rs, cs := opts.selected(ref), opts.selected(cand)
	rep.Spans = ScoreSpans(rs, cs, SpanOptions{Match: opts.Match})
	if opts.wantKind(scholia.KindMention) {
		r := ScoreSpans(rs, cs, SpanOptions{Match: opts.Match, Source: SourceMentions})
		rep.Mentions = &r
	}
	if opts.wantKind(scholia.KindEvent) {
		// The selected events with every other annotation, so that their
		// arguments resolve.
		r := ScoreEvents(withFillers(rs, ref, scholia.KindEvent), withFillers(cs, cand, scholia.KindEvent), EventOptions{})
		rep.Events = &r
	}
	if opts.wantKind(scholia.KindClaim) {
		r := ScoreClaims(withFillers(rs, ref, scholia.KindClaim), withFillers(cs, cand, scholia.KindClaim), ClaimOptions{Match: opts.Match})
		rep.Claims = &r
	}
	if opts.wantKind(scholia.KindCluster) {
		for _, kind := range []string{"entity", "event", "claim"} {
			if !hasClusters(ref, kind) && !hasClusters(cand, kind) {
				continue
			}
			key, ku := CorefClusters(corefInput(ref, kind, opts), kind, true)
			resp, cu := CorefClusters(corefInput(cand, kind, opts), kind, true)
			rep.Coreference = append(rep.Coreference, CorefKindReport{
				Kind: kind, ReferenceClusters: countClusters(ref, kind), CandidateClusters: countClusters(cand, kind),
				ReferenceUnresolved: ku, CandidateUnresolved: cu, CorefReport: ScoreCoref(key, resp, CorefOptions{}),
			})
		}
	}
	return rep
}

// withFillers returns the selected annotations of kind k followed by every
// annotation of layer that is not of kind k (the argument fillers and
// claimants they refer to, which are never scored themselves).
func withFillers(selected, layer []scholia.Annotation, k scholia.Kind) []scholia.Annotation {
	var out []scholia.Annotation
	for _, a := range selected {
		if a.Kind == k {
			out = append(out, a)
		}
	}
	for _, a := range layer {
		if a.Kind != k {
			out = append(out, a)
		}
	}
	return out
}

// hasClusters reports whether layer has a cluster of the given kind.
func hasClusters(layer []scholia.Annotation, kind string) bool {
	return countClusters(layer, kind) > 0
}

func countClusters(layer []scholia.Annotation, kind string) int {
	n := 0
	for _, a := range layer {
		if a.Kind == scholia.KindCluster && a.Label == kind {
			n++
		}
	}
	return n
}

// corefInput returns the clusters of one kind and the annotations of their
// member kind that have a selected label.
func corefInput(layer []scholia.Annotation, kind string, opts CorpusOptions) []scholia.Annotation {
	member := scholia.ClusterKinds[kind]
	var out []scholia.Annotation
	for _, a := range layer {
		switch {
		case a.Kind == scholia.KindCluster && a.Label == kind:
			out = append(out, a)
		case a.Kind == member && opts.wantLabel(a.Label):
			out = append(out, a)
		}
	}
	return out
}
