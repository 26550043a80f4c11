package scholia

import (
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
)

// Agreement between annotations, as curation uses it.
//
// Two annotations of one document agree when they have the same agreement
// key:
//
//   - mentions: the same label and the same fragments (start and end of
//     each; the covered text follows);
//   - events: the same type, the same trigger fragments, and the same
//     arguments, where an argument is its role and the key of its filler
//     (so the arguments of two layers agree when they point at agreeing
//     mentions, whatever their ids), compared as a multiset;
//   - claims: the same content fragments, the same claimant (the key of the
//     claimant mention, or the claimant text) and the same stance; the claim
//     type, cue and normalised value do not count;
//   - relations and clusters never agree: they link annotations across
//     documents and are curated by hand.
//
// Attributes do not count for agreement. Two annotations are at the same
// place (and, if their keys differ, in conflict) when they have the same
// kind and the same fragments.

// maxKeyDepth bounds the nesting of events as arguments of events that a key
// follows.
const maxKeyDepth = 8

// AgreementKeys returns the agreement key of every mention, event and claim
// among anns, by id. anns should hold every annotation their references
// point at (typically all current annotations of one document); a reference
// to an annotation that is not among them makes the key unique to the
// referring annotation.
func AgreementKeys(anns []Annotation) map[int64]string {
	byID := make(map[int64]*Annotation, len(anns))
	for i := range anns {
		byID[anns[i].ID] = &anns[i]
	}
	keys := make(map[int64]string, len(anns))
	var key func(a *Annotation, depth int) string
	ref := func(id int64, depth int) string {
		r, ok := byID[id]
		if !ok || depth >= maxKeyDepth {
			return "#" + strconv.FormatInt(id, 10)
		}
		return "(" + key(r, depth+1) + ")"
	}
	key = func(a *Annotation, depth int) string {
		if k, ok := keys[a.ID]; ok && depth == 0 {
			return k
		}
		var b strings.Builder
		switch a.Kind {
		case KindMention:
			fmt.Fprintf(&b, "m|%s|%s", a.Label, SpanKey(a.Spans))
		case KindEvent:
			args := make([]string, len(a.Arguments))
			for i, arg := range a.Arguments {
				args[i] = arg.Role + "=" + ref(arg.AnnotationID, depth)
			}
			slices.Sort(args)
			fmt.Fprintf(&b, "e|%s|%s|%s", a.Label, SpanKey(a.Spans), strings.Join(args, ","))
		case KindClaim:
			claimant, stance := "", ""
			if c := a.Claim; c != nil {
				stance = c.Stance
				if c.ClaimantID != 0 {
					claimant = ref(c.ClaimantID, depth)
				} else if c.ClaimantText != "" {
					claimant = "text:" + strconv.Quote(c.ClaimantText)
				}
			}
			fmt.Fprintf(&b, "c|%s|%s|%s", SpanKey(a.Spans), claimant, stance)
		default:
			fmt.Fprintf(&b, "#%d", a.ID)
		}
		return b.String()
	}
	for i := range anns {
		a := &anns[i]
		switch a.Kind {
		case KindMention, KindEvent, KindClaim:
			keys[a.ID] = key(a, 0)
		}
	}
	return keys
}

// SpanKey renders fragments as "start-end,start-end", the place part of an
// agreement key.
func SpanKey(spans []Span) string {
	parts := make([]string, len(spans))
	for i, s := range spans {
		parts[i] = strconv.FormatInt(s.Start, 10) + "-" + strconv.FormatInt(s.End, 10)
	}
	return strings.Join(parts, ",")
}

// PlaceKey is the place of an annotation: its kind and fragments.
func PlaceKey(a *Annotation) string {
	return a.Kind.String() + "|" + SpanKey(a.Spans)
}

// CurationStatus says how far annotators agree at one place.
type CurationStatus int8

// The curation statuses. The values match the API's CurationStatus numbers.
const (
	CurationAgreed   CurationStatus = 1 // every compared annotator has the same annotation
	CurationPartial  CurationStatus = 2 // some have it, the others nothing there
	CurationConflict CurationStatus = 3 // different annotations at one place
)

// String returns the status's name as the CLI shows it.
func (s CurationStatus) String() string {
	switch s {
	case CurationAgreed:
		return "agreed"
	case CurationPartial:
		return "partial"
	case CurationConflict:
		return "conflict"
	}
	return "unspecified"
}

// CurationCandidate is one annotation as one or more annotators made it.
type CurationCandidate struct {
	Key        string
	Annotation Annotation // the first annotator's, as a representative
	Annotators []string   // sorted
	IDs        []int64    // the annotators' annotations, in the order of Annotators
	GoldID     int64      // the gold annotation with the same key; 0 if none
}

// CurationRow is one place of a document with the candidates there.
type CurationRow struct {
	Status     CurationStatus
	Kind       Kind
	Spans      []Span
	Candidates []CurationCandidate // most annotators first, then by key
	GoldIDs    []int64             // the gold annotations at this place
}

// Compare groups the mentions, events and claims of the given annotators'
// layers of one document by place and agreement key. anns holds the
// document's current annotations (all layers, so that references resolve
// and gold annotations are found); the gold layer is the one named gold.
// Rows come in text order (by first fragment, then kind).
func Compare(anns []Annotation, annotators []string, gold string) []CurationRow {
	keys := AgreementKeys(anns)
	compared := make(map[string]bool, len(annotators))
	for _, a := range annotators {
		compared[a] = true
	}
	goldByKey := map[string]int64{}
	goldByPlace := map[string][]int64{}
	rows := map[string]*CurationRow{}
	var order []string
	cands := map[string]map[string]*CurationCandidate{}
	for i := range anns {
		a := &anns[i]
		k, ok := keys[a.ID]
		if !ok {
			continue
		}
		place := PlaceKey(a)
		if a.Annotator == gold {
			if _, dup := goldByKey[k]; !dup {
				goldByKey[k] = a.ID
			}
			goldByPlace[place] = append(goldByPlace[place], a.ID)
			continue
		}
		if !compared[a.Annotator] {
			continue
		}
		row := rows[place]
		if row == nil {
			row = &CurationRow{Kind: a.Kind, Spans: a.Spans}
			rows[place] = row
			cands[place] = map[string]*CurationCandidate{}
			order = append(order, place)
		}
		c := cands[place][k]
		if c == nil {
			c = &CurationCandidate{Key: k}
			cands[place][k] = c
		}
		if slices.Contains(c.Annotators, a.Annotator) {
			continue // the same annotation twice in one layer counts once
		}
		c.Annotators = append(c.Annotators, a.Annotator)
		c.IDs = append(c.IDs, a.ID)
	}
	out := make([]CurationRow, 0, len(order))
	byID := make(map[int64]*Annotation, len(anns))
	for i := range anns {
		byID[anns[i].ID] = &anns[i]
	}
	for _, place := range order {
		row := rows[place]
		for _, c := range cands[place] {
			idx := make([]int, len(c.Annotators))
			for i := range idx {
				idx[i] = i
			}
			slices.SortFunc(idx, func(x, y int) int { return strings.Compare(c.Annotators[x], c.Annotators[y]) })
			names, ids := make([]string, len(idx)), make([]int64, len(idx))
			for i, j := range idx {
				names[i], ids[i] = c.Annotators[j], c.IDs[j]
			}
			c.Annotators, c.IDs = names, ids
			c.Annotation = *byID[ids[0]]
			c.GoldID = goldByKey[c.Key]
			row.Candidates = append(row.Candidates, *c)
		}
		slices.SortFunc(row.Candidates, func(x, y CurationCandidate) int {
			if len(x.Annotators) != len(y.Annotators) {
				return len(y.Annotators) - len(x.Annotators)
			}
			return strings.Compare(x.Key, y.Key)
		})
		switch {
		case len(row.Candidates) > 1:
			row.Status = CurationConflict
		case len(row.Candidates[0].Annotators) >= len(annotators):
			row.Status = CurationAgreed
		default:
			row.Status = CurationPartial
		}
		row.GoldIDs = goldByPlace[place]
		out = append(out, *row)
	}
	slices.SortStableFunc(out, func(x, y CurationRow) int {
		if c := compareSpans(x.Spans, y.Spans); c != 0 {
			return c
		}
		return int(x.Kind) - int(y.Kind)
	})
	return out
}

func compareSpans(a, b []Span) int {
	for i := 0; i < len(a) && i < len(b); i++ {
		if a[i].Start != b[i].Start {
			return cmpInt(a[i].Start, b[i].Start)
		}
		if a[i].End != b[i].End {
			return cmpInt(a[i].End, b[i].End)
		}
	}
	return len(a) - len(b)
}

func cmpInt(a, b int64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// DescribeChange lists, one item per field, what changed from old to new:
// "label PER -> ORG", "spans [0,6) -> [0,10)", "arguments: +Place=3 -Entity=2",
// "attributes: realis ACTUAL -> GENERIC, +polarity=NEGATIVE". With old nil it
// describes the new annotation.
func DescribeChange(old, new *Annotation) []string {
	if old == nil {
		s := fmt.Sprintf("created %s", new.Kind)
		if new.Label != "" {
			s += " " + new.Label
		}
		if len(new.Spans) > 0 {
			s += " " + describeSpans(new.Spans)
		}
		return []string{s}
	}
	var out []string
	add := func(field, from, to string) {
		if from != to {
			out = append(out, fmt.Sprintf("%s %s -> %s", field, orNone(from), orNone(to)))
		}
	}
	add("label", old.Label, new.Label)
	add("spans", describeSpans(old.Spans), describeSpans(new.Spans))
	if d := diffLists(argStrings(old.Arguments), argStrings(new.Arguments)); d != "" {
		out = append(out, "arguments: "+d)
	}
	oc, nc := claimOrZero(old.Claim), claimOrZero(new.Claim)
	add("claimant", claimantString(oc), claimantString(nc))
	add("cue", describeSpans(oc.Cue), describeSpans(nc.Cue))
	add("stance", oc.Stance, nc.Stance)
	add("check-worthiness", oc.CheckWorthiness, nc.CheckWorthiness)
	add("value", normString(oc.Normalized), normString(nc.Normalized))
	if old.Relation != nil && new.Relation != nil {
		add("relation", fmt.Sprintf("%d -> %d", old.Relation.Source, old.Relation.Target), fmt.Sprintf("%d -> %d", new.Relation.Source, new.Relation.Target))
	}
	if old.Cluster != nil && new.Cluster != nil {
		if d := diffLists(int64Strings(old.Cluster.Members), int64Strings(new.Cluster.Members)); d != "" {
			out = append(out, "members: "+d)
		}
		add("title", old.Cluster.Title, new.Cluster.Title)
	}
	if d := diffAttributes(old.Attributes, new.Attributes); d != "" {
		out = append(out, "attributes: "+d)
	}
	if len(out) == 0 {
		out = []string{"no change"}
	}
	return out
}

func orNone(s string) string {
	if s == "" {
		return "(none)"
	}
	return s
}

func describeSpans(spans []Span) string {
	parts := make([]string, len(spans))
	for i, s := range spans {
		parts[i] = fmt.Sprintf("[%d,%d) %q", s.Start, s.End, s.Text)
	}
	return strings.Join(parts, " ")
}

func argStrings(args []Argument) []string {
	out := make([]string, len(args))
	for i, a := range args {
		out[i] = fmt.Sprintf("%s=%d", a.Role, a.AnnotationID)
	}
	return out
}

func int64Strings(ids []int64) []string {
	out := make([]string, len(ids))
	for i, id := range ids {
		out[i] = strconv.FormatInt(id, 10)
	}
	return out
}

// diffLists describes two multisets as "+added -removed".
func diffLists(old, new []string) string {
	count := map[string]int{}
	for _, s := range old {
		count[s]--
	}
	for _, s := range new {
		count[s]++
	}
	var parts []string
	for _, s := range slices.Sorted(maps.Keys(count)) {
		for n := count[s]; n > 0; n-- {
			parts = append(parts, "+"+s)
		}
		for n := count[s]; n < 0; n++ {
			parts = append(parts, "-"+s)
		}
	}
	return strings.Join(parts, " ")
}

func diffAttributes(old, new map[string]string) string {
	var parts []string
	keys := slices.Sorted(maps.Keys(old))
	for k := range new {
		if _, ok := old[k]; !ok {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	for _, k := range keys {
		o, inOld := old[k]
		n, inNew := new[k]
		switch {
		case !inOld:
			parts = append(parts, fmt.Sprintf("+%s=%s", k, n))
		case !inNew:
			parts = append(parts, fmt.Sprintf("-%s=%s", k, o))
		case o != n:
			parts = append(parts, fmt.Sprintf("%s %s -> %s", k, o, n))
		}
	}
	return strings.Join(parts, ", ")
}

func claimOrZero(c *ClaimFields) ClaimFields {
	if c == nil {
		return ClaimFields{}
	}
	return *c
}

func claimantString(c ClaimFields) string {
	switch {
	case c.ClaimantID != 0:
		return strconv.FormatInt(c.ClaimantID, 10)
	case c.ClaimantText != "":
		return strconv.Quote(c.ClaimantText)
	}
	return ""
}

func normString(n *NormalizedValue) string {
	if n == nil {
		return ""
	}
	s := n.Value
	if n.Unit != "" {
		s += " " + n.Unit
	}
	if n.Time != "" {
		s += " @" + n.Time
	}
	return s
}
