package eval

import (
	"cmp"
	"slices"
	"strings"

	"github.com/scholia-nlp/scholia"
)

// ClaimOptions configure [ScoreClaims].
type ClaimOptions struct {
	// Match is the span rule for claim spans, cues and claimant mentions.
	// Under MatchOverlap, claims are aligned one to one by largest overlap
	// of their outer bounds.
	Match SpanMatch
}

// FieldAgreement compares one categorical field of aligned pairs: the share
// of pairs with the same value, and Cohen's kappa between gold and
// prediction, where an unset value ("") is a category of its own.
type FieldAgreement struct {
	Accuracy Accuracy    `json:"accuracy"`
	Kappa    KappaResult `json:"kappa"`
}

// ClaimReport scores predicted claims against gold ones.
type ClaimReport struct {
	Match string `json:"match"`
	// Spans scores claim spans regardless of claim type.
	Spans PRF `json:"spans"`
	// Types scores claim spans with their claim type, per type.
	Types PRFReport `json:"types"`
	// Cues scores cue spans ("said", "told reporters") regardless of the
	// claim they belong to.
	Cues PRF `json:"cues"`
	// Aligned counts the gold-predicted claim pairs aligned by span (same
	// document; exact fragments, or overlap); the fields below compare the
	// parts of these pairs.
	Aligned int `json:"aligned"`
	// Claimant is the claimant attachment accuracy over aligned pairs where
	// either side names a claimant: correct when both do and they agree
	// (two claimant mentions match by span under Match; otherwise the
	// claimant texts, or a mention's covered text, are compared ignoring
	// case and runs of white space).
	Claimant Accuracy `json:"claimant"`
	// Cue is the cue attachment accuracy over aligned pairs where either
	// side has a cue: correct when both do and the cue spans match under
	// Match.
	Cue             Accuracy       `json:"cue"`
	Stance          FieldAgreement `json:"stance"`
	Type            FieldAgreement `json:"type"`
	CheckWorthiness FieldAgreement `json:"check_worthiness"`
}

// ScoreClaims scores the claims of pred against those of gold: claim span
// F1 (with and without type), cue span F1, and for aligned claims the
// claimant and cue attachment accuracy and the agreement on stance, claim
// type and check-worthiness. Each slice holds one layer's claims with the
// mentions their claimants point to (resolved by document and id).
func ScoreClaims(gold, pred []scholia.Annotation, opts ClaimOptions) ClaimReport {
	rep := ClaimReport{Match: opts.Match.String()}
	rep.Spans = ScoreSpans(gold, pred, SpanOptions{Match: opts.Match, Source: SourceClaims, IgnoreLabels: true}).Micro
	rep.Types = ScoreSpans(gold, pred, SpanOptions{Match: opts.Match, Source: SourceClaims}).PRFReport
	rep.Cues = ScoreSpans(gold, pred, SpanOptions{Match: opts.Match, Source: SourceCues}).Micro

	gc, pc := claimsOf(gold), claimsOf(pred)
	pairs := alignClaims(gc, pc, opts.Match)
	rep.Aligned = len(pairs)
	gi, pi := indexAnnotations(gold), indexAnnotations(pred)
	var claimantOK, claimantN, cueOK, cueN int64
	var stance, typ, worth [2][]string
	for _, p := range pairs {
		g, q := gc[p[0]], pc[p[1]]
		gf, qf := fields(g), fields(q)
		if ok, counted := sameClaimant(g, q, gf, qf, gi, pi, opts.Match); counted {
			claimantN++
			if ok {
				claimantOK++
			}
		}
		if len(gf.Cue) > 0 || len(qf.Cue) > 0 {
			cueN++
			if len(gf.Cue) > 0 && len(qf.Cue) > 0 && spansMatch(gf.Cue, qf.Cue, opts.Match) {
				cueOK++
			}
		}
		stance = appendPair(stance, gf.Stance, qf.Stance)
		typ = appendPair(typ, g.Label, q.Label)
		worth = appendPair(worth, gf.CheckWorthiness, qf.CheckWorthiness)
	}
	rep.Claimant = NewAccuracy(claimantOK, claimantN)
	rep.Cue = NewAccuracy(cueOK, cueN)
	rep.Stance = labelAgreement(stance)
	rep.Type = labelAgreement(typ)
	rep.CheckWorthiness = labelAgreement(worth)
	return rep
}

// unset stands for an empty value in label agreement, so that "not set"
// is a category rather than missing data.
const unset = "(unset)"

func appendPair(p [2][]string, a, b string) [2][]string {
	if a == "" {
		a = unset
	}
	if b == "" {
		b = unset
	}
	return [2][]string{append(p[0], a), append(p[1], b)}
}

func labelAgreement(p [2][]string) FieldAgreement {
	var same int64
	for i := range p[0] {
		if p[0][i] == p[1][i] {
			same++
		}
	}
	k, _ := CohenKappaLabels(p[0], p[1]) // same lengths, no missing values
	return FieldAgreement{Accuracy: NewAccuracy(same, int64(len(p[0]))), Kappa: k}
}

var noFields scholia.ClaimFields

func fields(a *scholia.Annotation) *scholia.ClaimFields {
	if a.Claim == nil {
		return &noFields
	}
	return a.Claim
}

func claimsOf(anns []scholia.Annotation) []*scholia.Annotation {
	var out []*scholia.Annotation
	for i := range anns {
		if anns[i].Kind == scholia.KindClaim && len(anns[i].Spans) > 0 {
			out = append(out, &anns[i])
		}
	}
	return out
}

// outer returns the outer bounds of fragments.
func outer(spans []scholia.Span) (int64, int64) {
	return spans[0].Start, spans[len(spans)-1].End
}

// spansMatch compares two non-empty fragment lists under m (overlap uses the
// outer bounds).
func spansMatch(a, b []scholia.Span, m SpanMatch) bool {
	if m == MatchOverlap {
		as, ae := outer(a)
		bs, be := outer(b)
		return as < be && bs < ae
	}
	return keyOf(a) == keyOf(b)
}

// alignClaims pairs gold and predicted claims one to one: exact mode pairs
// claims with the same document and fragments; overlap mode pairs claims of
// one document greedily by the largest overlap of their outer bounds. The
// candidate pairs come from a sweep over start positions, so the cost is
// O(n log n + overlapping pairs).
func alignClaims(gold, pred []*scholia.Annotation, m SpanMatch) [][2]int {
	var out [][2]int
	if m == MatchExact {
		byKey := map[annSpan][]int{}
		for i, g := range gold {
			k := annSpan{g.Document, keyOf(g.Spans)}
			byKey[k] = append(byKey[k], i)
		}
		for j, p := range pred {
			k := annSpan{p.Document, keyOf(p.Spans)}
			if gs := byKey[k]; len(gs) > 0 {
				out = append(out, [2]int{gs[0], j})
				byKey[k] = gs[1:]
			}
		}
		return out
	}
	type ev struct {
		doc        string
		start, end int64
		side, i    int
	}
	var evs []ev
	for i, g := range gold {
		s, e := outer(g.Spans)
		evs = append(evs, ev{g.Document, s, e, 0, i})
	}
	for j, p := range pred {
		s, e := outer(p.Spans)
		evs = append(evs, ev{p.Document, s, e, 1, j})
	}
	slices.SortFunc(evs, func(a, b ev) int {
		if c := strings.Compare(a.doc, b.doc); c != 0 {
			return c
		}
		return cmp.Compare(a.start, b.start)
	})
	type cand struct {
		overlap int64
		g, p    int
	}
	var cands []cand
	var active [2][]ev
	for k, e := range evs {
		if k > 0 && evs[k-1].doc != e.doc {
			active = [2][]ev{}
		}
		other := &active[1-e.side]
		kept := (*other)[:0]
		for _, o := range *other {
			if o.end <= e.start {
				continue // ended before e starts: drop from the active list
			}
			kept = append(kept, o)
			ov := min(o.end, e.end) - e.start
			if e.side == 0 {
				cands = append(cands, cand{ov, e.i, o.i})
			} else {
				cands = append(cands, cand{ov, o.i, e.i})
			}
		}
		*other = kept
		active[e.side] = append(active[e.side], e)
	}
	slices.SortFunc(cands, func(a, b cand) int {
		if c := cmp.Compare(b.overlap, a.overlap); c != 0 {
			return c
		}
		if c := cmp.Compare(a.g, b.g); c != 0 {
			return c
		}
		return cmp.Compare(a.p, b.p)
	})
	usedG, usedP := make([]bool, len(gold)), make([]bool, len(pred))
	for _, c := range cands {
		if !usedG[c.g] && !usedP[c.p] {
			usedG[c.g], usedP[c.p] = true, true
			out = append(out, [2]int{c.g, c.p})
		}
	}
	slices.SortFunc(out, func(a, b [2]int) int { return cmp.Compare(a[0], b[0]) })
	return out
}

type annSpan struct {
	doc string
	key spanKey
}

// claimant resolves a claim's claimant: the mention's spans and covered
// text, or the free text.
func claimant(a *scholia.Annotation, f *scholia.ClaimFields, idx map[annKey]*scholia.Annotation) (spans []scholia.Span, text string, ok bool) {
	if f.ClaimantID != 0 {
		if m, found := idx[annKey{a.Document, f.ClaimantID}]; found && len(m.Spans) > 0 {
			parts := make([]string, len(m.Spans))
			for i, s := range m.Spans {
				parts[i] = s.Text
			}
			return m.Spans, strings.Join(parts, " "), true
		}
	}
	if f.ClaimantText != "" {
		return nil, f.ClaimantText, true
	}
	return nil, "", false
}

// normText folds case and white space for comparing claimant names.
func normText(s string) string { return strings.ToLower(strings.Join(strings.Fields(s), " ")) }

// sameClaimant reports whether the claimants of an aligned pair agree, and
// whether the pair counts at all (either side has a claimant).
func sameClaimant(g, q *scholia.Annotation, gf, qf *scholia.ClaimFields, gi, pi map[annKey]*scholia.Annotation, m SpanMatch) (same, counted bool) {
	gs, gt, gok := claimant(g, gf, gi)
	qs, qt, qok := claimant(q, qf, pi)
	switch {
	case !gok && !qok:
		return false, false
	case !gok || !qok:
		return false, true
	case gs != nil && qs != nil:
		return spansMatch(gs, qs, m), true
	}
	return normText(gt) != "" && normText(gt) == normText(qt), true
}
