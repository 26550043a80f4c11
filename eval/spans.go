package eval

import (
	"cmp"
	"slices"
	"sort"

	"github.com/scholia-nlp/scholia"
)

// SpanMatch says when a predicted span counts as a gold span.
type SpanMatch int8

// The span matching rules.
const (
	// MatchExact: same document, same label, and the same fragments (every
	// start and end equal). This is the rule of conlleval and seqeval.
	MatchExact SpanMatch = iota
	// MatchOverlap: same document, same label, and at least one code point
	// in common (any fragment of one overlaps any fragment of the other). A
	// predicted span is correct if it overlaps some gold span (precision);
	// a gold span is found if some predicted span overlaps it (recall). The
	// two numerators may differ: one long prediction can find two gold spans.
	MatchOverlap
)

// String returns "exact" or "overlap".
func (m SpanMatch) String() string {
	if m == MatchOverlap {
		return "overlap"
	}
	return "exact"
}

// SpanSource selects which spans of annotations are scored.
type SpanSource int8

// The span sources.
const (
	// SourceAll scores mention spans, event triggers and claim spans
	// together; labels are prefixed with the kind ("mention/PER",
	// "event/Conflict.Attack", "claim/quantity") so that they cannot collide.
	SourceAll SpanSource = iota
	// SourceMentions scores mentions; the label is the entity type.
	SourceMentions
	// SourceTriggers scores event triggers; the label is the event type.
	SourceTriggers
	// SourceClaims scores claim spans; the label is the claim type.
	SourceClaims
	// SourceCues scores the cue spans of claims ("said", "told reporters");
	// the label is "cue". A claim with a discontinuous cue gives one item.
	SourceCues
)

// SpanItem is one labelled span of one document: the unit the span scorer
// and the span agreement functions count. Spans holds the fragments in text
// order (more than one for a discontinuous span); their Text is ignored.
type SpanItem struct {
	Doc   string         `json:"doc"`
	Label string         `json:"label"`
	Spans []scholia.Span `json:"spans"`
}

// SpanOptions configure [ScoreSpans].
type SpanOptions struct {
	Match  SpanMatch
	Source SpanSource
	// IgnoreLabels scores span identification only: every item gets the
	// label "" and a span matches whatever its label.
	IgnoreLabels bool
}

// SpanReport is the result of [ScoreSpans]: micro, macro and weighted
// averages and the score of every label either side used.
type SpanReport struct {
	Match string `json:"match"`
	PRFReport
}

// kindLabel caches the "kind/label" strings of SourceAll.
type kindLabel struct {
	k scholia.Kind
	l string
}

// eachSpan calls fn for every item that annotations give under src.
func eachSpan(anns []scholia.Annotation, src SpanSource, ignoreLabels bool, fn func(doc, label string, spans []scholia.Span)) {
	prefixed := map[kindLabel]string{}
	want := map[SpanSource]scholia.Kind{SourceMentions: scholia.KindMention, SourceTriggers: scholia.KindEvent, SourceClaims: scholia.KindClaim}[src]
	for i := range anns {
		a := &anns[i]
		var spans []scholia.Span
		label := a.Label
		switch src {
		case SourceAll:
			if a.Kind != scholia.KindMention && a.Kind != scholia.KindEvent && a.Kind != scholia.KindClaim {
				continue
			}
			spans = a.Spans
			if !ignoreLabels {
				key := kindLabel{a.Kind, a.Label}
				s, ok := prefixed[key]
				if !ok {
					s = a.Kind.String() + "/" + a.Label
					prefixed[key] = s
				}
				label = s
			}
		case SourceMentions, SourceTriggers, SourceClaims:
			if a.Kind != want {
				continue
			}
			spans = a.Spans
		case SourceCues:
			if a.Kind != scholia.KindClaim || a.Claim == nil {
				continue
			}
			spans = a.Claim.Cue
			label = "cue"
		}
		if len(spans) == 0 {
			continue
		}
		if ignoreLabels {
			label = ""
		}
		fn(a.Document, label, spans)
	}
}

// SpanItems extracts the items that annotations give under src (see
// [SpanSource]); annotations without spans give none. With ignoreLabels
// every label is "".
func SpanItems(anns []scholia.Annotation, src SpanSource, ignoreLabels bool) []SpanItem {
	var out []SpanItem
	eachSpan(anns, src, ignoreLabels, func(doc, label string, spans []scholia.Span) {
		out = append(out, SpanItem{Doc: doc, Label: label, Spans: spans})
	})
	return out
}

// ScoreSpans scores predicted annotations against gold ones: the spans that
// opts.Source selects, grouped by document and label, matched under
// opts.Match. Each side is a set: an item repeated in one layer (same
// document, label and fragments) counts once. It runs in O(n log n).
func ScoreSpans(gold, pred []scholia.Annotation, opts SpanOptions) SpanReport {
	b := newRecBuilder()
	g, p := make([]spanRec, 0, len(gold)), make([]spanRec, 0, len(pred))
	eachSpan(gold, opts.Source, opts.IgnoreLabels, func(doc, label string, spans []scholia.Span) {
		g = b.add(g, doc, label, spans)
	})
	eachSpan(pred, opts.Source, opts.IgnoreLabels, func(doc, label string, spans []scholia.Span) {
		p = b.add(p, doc, label, spans)
	})
	return b.score(g, p, opts.Match)
}

// ScoreSpanItems is [ScoreSpans] over items (for spans that do not come from
// annotations, or were filtered first).
func ScoreSpanItems(gold, pred []SpanItem, match SpanMatch) SpanReport {
	b := newRecBuilder()
	g := make([]spanRec, 0, len(gold))
	for _, it := range gold {
		g = b.add(g, it.Doc, it.Label, it.Spans)
	}
	p := make([]spanRec, 0, len(pred))
	for _, it := range pred {
		p = b.add(p, it.Doc, it.Label, it.Spans)
	}
	return b.score(g, p, match)
}

// spanRec is a compact SpanItem: interned document and label, the outer
// bounds, and the fragments (in recBuilder.multi) when there are several.
type spanRec struct {
	doc, label int32
	multi      int32 // index into recBuilder.multi, or -1 for one fragment
	ann        int32 // annotator index (span agreement only)
	start, end int64
}

// recBuilder turns items into spanRecs and holds what they refer to.
type recBuilder struct {
	docs, labels *interner
	multi        [][]scholia.Span
}

func newRecBuilder() *recBuilder {
	return &recBuilder{docs: newInterner(), labels: newInterner()}
}

// add appends the record of one item to out; items without spans are
// skipped.
func (b *recBuilder) add(out []spanRec, doc, label string, spans []scholia.Span) []spanRec {
	if len(spans) == 0 {
		return out
	}
	return append(out, b.rec(doc, label, spans))
}

// rec returns the record of one item with at least one span.
func (b *recBuilder) rec(doc, label string, spans []scholia.Span) spanRec {
	r := spanRec{doc: b.docs.id(doc), label: b.labels.id(label), multi: -1, start: spans[0].Start, end: spans[len(spans)-1].End}
	if len(spans) > 1 {
		r.multi = int32(len(b.multi))
		b.multi = append(b.multi, spans)
	}
	return r
}

// frags returns r's fragments as start/end pairs (allocating for a
// one-fragment record; hot loops test r.multi first).
func (b *recBuilder) frags(r spanRec) []scholia.Span {
	if r.multi < 0 {
		return []scholia.Span{{Start: r.start, End: r.end}}
	}
	return b.multi[r.multi]
}

// cmpFrags orders two records with equal outer bounds by their fragments.
func (b *recBuilder) cmpFrags(x, y spanRec) int {
	if x.multi < 0 && y.multi < 0 {
		return 0
	}
	fx, fy := b.frags(x), b.frags(y)
	for i := 0; i < len(fx) && i < len(fy); i++ {
		if c := cmp.Compare(fx[i].Start, fy[i].Start); c != 0 {
			return c
		}
		if c := cmp.Compare(fx[i].End, fy[i].End); c != 0 {
			return c
		}
	}
	return cmp.Compare(len(fx), len(fy))
}

// cmpLabelled orders by document, label, bounds and fragments.
func (b *recBuilder) cmpLabelled(x, y spanRec) int {
	if c := cmp.Compare(x.doc, y.doc); c != 0 {
		return c
	}
	if c := cmp.Compare(x.label, y.label); c != 0 {
		return c
	}
	if c := cmp.Compare(x.start, y.start); c != 0 {
		return c
	}
	if c := cmp.Compare(x.end, y.end); c != 0 {
		return c
	}
	return b.cmpFrags(x, y)
}

// sortUnique sorts records by cmpLabelled and drops repeats.
func (b *recBuilder) sortUnique(rs []spanRec) []spanRec {
	tmp := make([]spanRec, len(rs))
	countingSort(rs, tmp, b.labels.len(), func(r *spanRec) int32 { return r.label })
	countingSort(tmp, rs, b.docs.len(), func(r *spanRec) int32 { return r.doc })
	sortGroups(rs, func(x, y *spanRec) bool { return x.doc == y.doc && x.label == y.label }, b.cmpLabelled)
	return slices.CompactFunc(rs, func(x, y spanRec) bool { return b.cmpLabelled(x, y) == 0 })
}

// countingSort moves src into dst ordered by key (0 <= key < n), keeping
// the order of equal keys: with two passes, records are grouped by
// (document, label) in O(records + documents + labels).
func countingSort(src, dst []spanRec, n int, key func(*spanRec) int32) {
	pos := make([]int, n+1)
	for i := range src {
		pos[key(&src[i])+1]++
	}
	for k := 1; k <= n; k++ {
		pos[k] += pos[k-1]
	}
	for i := range src {
		k := key(&src[i])
		dst[pos[k]] = src[i]
		pos[k]++
	}
}

// sortGroups sorts each run of records that same says belong together.
// Groups are small (the spans of one document, or one document and label)
// and usually made of a few runs already in order, as annotations mostly
// come sorted by position: those are merged, anything else is sorted.
func sortGroups(rs []spanRec, same func(x, y *spanRec) bool, cmp func(x, y spanRec) int) {
	var buf []spanRec
	var bounds []int
	for i := 0; i < len(rs); {
		j := i + 1
		for j < len(rs) && same(&rs[i], &rs[j]) {
			j++
		}
		buf, bounds = sortRuns(rs[i:j], buf, bounds, cmp)
		i = j
	}
}

// maxRuns is the number of ascending runs up to which sortRuns merges
// them rather than sorting from scratch.
const maxRuns = 16

// sortRuns sorts g by merging its ascending runs (a natural merge sort),
// or with pdqsort when there are many runs. buf and bounds are scratch.
func sortRuns(g, buf []spanRec, bounds []int, cmp func(x, y spanRec) int) ([]spanRec, []int) {
	bounds = append(bounds[:0], 0)
	for k := 1; k < len(g); k++ {
		if cmp(g[k-1], g[k]) > 0 {
			bounds = append(bounds, k)
			if len(bounds) > maxRuns {
				slices.SortFunc(g, cmp)
				return buf, bounds
			}
		}
	}
	if len(bounds) == 1 {
		return buf, bounds
	}
	bounds = append(bounds, len(g))
	buf = slices.Grow(buf[:0], len(g))[:len(g)]
	src, dst := g, buf
	for len(bounds) > 2 {
		w := 1
		for k := 0; k+1 < len(bounds); k += 2 {
			lo, mid := bounds[k], bounds[k+1]
			hi := mid
			if k+2 < len(bounds) {
				hi = bounds[k+2]
			}
			x, y, o := lo, mid, lo
			for x < mid && y < hi {
				if cmp(src[y], src[x]) < 0 {
					dst[o] = src[y]
					y++
				} else {
					dst[o] = src[x]
					x++
				}
				o++
			}
			o += copy(dst[o:], src[x:mid])
			copy(dst[o:], src[y:hi])
			bounds[w] = hi
			w++
		}
		bounds = bounds[:w]
		if bounds[w-1] != len(g) {
			bounds = append(bounds, len(g))
		}
		src, dst = dst, src
	}
	if &src[0] != &g[0] {
		copy(g, src)
	}
	return buf, bounds
}

// score computes the report of gold against pred.
func (b *recBuilder) score(g, p []spanRec, match SpanMatch) SpanReport {
	g, p = b.sortUnique(g), b.sortUnique(p)
	n := b.labels.len()
	c := newLabelCounts(n)
	for _, r := range g {
		c.gold[r.label]++
	}
	for _, r := range p {
		c.pred[r.label]++
	}
	if match == MatchOverlap {
		b.overlapMatches(g, p, c.matchedGold, c.matchedPred)
	} else {
		exactMatches(b, g, p, c.matchedGold)
		copy(c.matchedPred, c.matchedGold)
	}
	return SpanReport{Match: match.String(), PRFReport: c.report(b.labels.names)}
}

// labelCounts are per-label counts indexed by label id.
type labelCounts struct {
	gold, pred, matchedGold, matchedPred []int64
}

func newLabelCounts(n int) labelCounts {
	return labelCounts{make([]int64, n), make([]int64, n), make([]int64, n), make([]int64, n)}
}

// report turns the counts of the labels used by either side into a report.
func (c labelCounts) report(names []string) PRFReport {
	var labels []LabelPRF
	for i, name := range names {
		if c.gold[i] == 0 && c.pred[i] == 0 {
			continue
		}
		labels = append(labels, LabelPRF{Label: name, PRF: NewPRF(c.gold[i], c.pred[i], c.matchedGold[i], c.matchedPred[i])})
	}
	return NewPRFReport(labels)
}

// exactMatches counts, per label, the records present in both sorted,
// duplicate-free lists.
func exactMatches(b *recBuilder, g, p []spanRec, matched []int64) {
	i, j := 0, 0
	for i < len(g) && j < len(p) {
		switch c := b.cmpLabelled(g[i], p[j]); {
		case c < 0:
			i++
		case c > 0:
			j++
		default:
			matched[g[i].label]++
			i++
			j++
		}
	}
}

// interval is one fragment of a record, for overlap matching.
type interval struct {
	doc, label int32
	owner      int32 // index of the record in its list
	start, end int64
}

// intervals returns the fragments of rs sorted by document, label and start,
// and the running maximum of their ends within each (document, label) group.
func (b *recBuilder) intervals(rs []spanRec) ([]interval, []int64) {
	out := make([]interval, 0, len(rs))
	for i, r := range rs {
		if r.multi < 0 {
			out = append(out, interval{doc: r.doc, label: r.label, owner: int32(i), start: r.start, end: r.end})
			continue
		}
		for _, f := range b.multi[r.multi] {
			out = append(out, interval{doc: r.doc, label: r.label, owner: int32(i), start: f.Start, end: f.End})
		}
	}
	// Records are sorted by document, label and start already; only the
	// later fragments of discontinuous spans can be out of order.
	byStart := func(x, y interval) int {
		if c := cmp.Compare(x.doc, y.doc); c != 0 {
			return c
		}
		if c := cmp.Compare(x.label, y.label); c != 0 {
			return c
		}
		return cmp.Compare(x.start, y.start)
	}
	if len(b.multi) > 0 && !slices.IsSortedFunc(out, byStart) {
		slices.SortStableFunc(out, byStart)
	}
	maxEnd := make([]int64, len(out))
	for i, v := range out {
		maxEnd[i] = v.end
		if i > 0 && out[i-1].doc == v.doc && out[i-1].label == v.label && maxEnd[i-1] > v.end {
			maxEnd[i] = maxEnd[i-1]
		}
	}
	return out, maxEnd
}

// overlapMatches counts, per label, the gold records that some predicted
// record overlaps and the predicted records that overlap some gold record.
func (b *recBuilder) overlapMatches(g, p []spanRec, matchedGold, matchedPred []int64) {
	gi, gmax := b.intervals(g)
	pi, pmax := b.intervals(p)
	mark := func(qs []interval, in []interval, inMax []int64, hit []bool) {
		for _, q := range qs {
			if hit[q.owner] {
				continue
			}
			lo := sort.Search(len(in), func(k int) bool {
				return in[k].doc > q.doc || in[k].doc == q.doc && in[k].label >= q.label
			})
			// Last interval of the group that starts before q ends.
			hi := lo + sort.Search(len(in)-lo, func(k int) bool {
				v := in[lo+k]
				return v.doc != q.doc || v.label != q.label || v.start >= q.end
			})
			if hi > lo && inMax[hi-1] > q.start {
				hit[q.owner] = true
			}
		}
	}
	hitP := make([]bool, len(p))
	mark(pi, gi, gmax, hitP)
	hitG := make([]bool, len(g))
	mark(gi, pi, pmax, hitG)
	for i, h := range hitG {
		if h {
			matchedGold[g[i].label]++
		}
	}
	for i, h := range hitP {
		if h {
			matchedPred[p[i].label]++
		}
	}
}
