package labelstudio

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/scholia-nlp/scholia"
)

// FragmentSep joins a region id and a fragment number: Label Studio regions
// are contiguous, so Write writes the second and later fragments of a
// discontinuous span as regions with the ids ID_frag2, ID_frag3, ..., and
// Read joins regions with such ids to the region ID.
const FragmentSep = "_frag"

// CueSuffix makes the id of a claim's cue region from the claim region's
// id when writing.
const CueSuffix = "_cue"

// taskState is what reading one task needs.
type taskState struct {
	rd      *reader
	tr      *TaskReport
	text    *scholia.Text
	doc     *scholia.AnnotatedDocument
	next    int64
	u16     *utf16Map
	taskU16 bool // regions without value.text count UTF-16 units
}

// region is a labels result (with its fragments) of one layer.
type region struct {
	id     string
	kind   scholia.Kind // mention, event or claim; mention for a cue
	cue    bool         // a claim cue region
	owner  *region      // the claim a cue belongs to
	source *region      // a claim's claimant
	labels []string
	spans  []scholia.Span
	attrs  map[string]string
	claim  *scholia.ClaimFields
	args   []scholia.Argument
	argTo  []*region
	sid    int64
}

// decideUnits looks at every region of the task with a value.text and
// decides how to count the offsets of regions without one: as UTF-16 code
// units if some region matched only that way and none only as code points.
func (ts *taskState) decideUnits(t *task) {
	if ts.rd.opts.Offsets != OffsetsAuto || ts.u16.same() {
		return
	}
	u16only, cponly := 0, 0
	check := func(rs []result) {
		for i := range rs {
			r := &rs[i]
			if r.Value == nil || r.Value.Labels == nil {
				continue
			}
			s, ok1 := offset(r.Value.Start)
			e, ok2 := offset(r.Value.End)
			want, ok3 := spanText(r.Value.Text)
			if !ok1 || !ok2 || !ok3 {
				continue
			}
			if cs, _ := ts.u16.toCodePoint(s); cs == s {
				if ce, _ := ts.u16.toCodePoint(e); ce == e {
					continue // no supplementary character before: both units agree
				}
			}
			cp := ts.sliceCP(s, e) == want
			u := ts.sliceU16(s, e) == want
			if cp && !u {
				cponly++
			} else if u && !cp {
				u16only++
			}
		}
	}
	for _, a := range t.Annotations {
		check(a.Result)
	}
	for _, a := range t.Predictions {
		check(a.Result)
	}
	ts.taskU16 = u16only > 0 && cponly == 0
}

// sliceCP returns the text at code points [s,e), or "\x00" when that is
// not a non-empty range of the text (no value.text can equal it).
func (ts *taskState) sliceCP(s, e int64) string {
	if s < 0 || e <= s || e > ts.text.Len() {
		return "\x00"
	}
	return ts.text.Slice(s, e)
}

// sliceU16 returns the text at UTF-16 units [s,e), or "\x00".
func (ts *taskState) sliceU16(s, e int64) string {
	cs, ok1 := ts.u16.toCodePoint(s)
	ce, ok2 := ts.u16.toCodePoint(e)
	if !ok1 || !ok2 {
		return "\x00"
	}
	return ts.sliceCP(cs, ce)
}

func (ts *taskState) fail(layer, id, format string, args ...any) {
	ts.tr.Errors = append(ts.tr.Errors, &ResultError{Task: ts.tr.Index, TaskID: ts.tr.TaskID, Layer: layer, ResultID: id, Msg: fmt.Sprintf(format, args...)})
}

// span converts a region's offsets to a code-point span, or reports why it
// cannot.
func (ts *taskState) span(layer string, r *result) (scholia.Span, bool) {
	v := r.Value
	s, ok1 := offset(v.Start)
	e, ok2 := offset(v.End)
	if !ok1 || !ok2 {
		ts.fail(layer, string(r.ID), "start and end are not numbers (only Text regions are read)")
		return scholia.Span{}, false
	}
	want, hasText := spanText(v.Text)
	unit := ts.rd.opts.Offsets
	got := ""
	if unit == OffsetsAuto {
		if ts.u16.same() || hasText {
			got = ts.sliceCP(s, e)
		}
		switch {
		case ts.u16.same():
			unit = OffsetsCodePoints
		case hasText && got == want:
			unit = OffsetsCodePoints
		case hasText && ts.sliceU16(s, e) == want:
			unit = OffsetsUTF16
		case hasText:
			ts.fail(layer, string(r.ID), "value.text %q does not match the text at [%d,%d) counted in code points (%q) or in UTF-16 code units (%q)",
				clip(want), s, e, clip(strings.Trim(ts.sliceCP(s, e), "\x00")), clip(strings.Trim(ts.sliceU16(s, e), "\x00")))
			return scholia.Span{}, false
		case ts.taskU16:
			unit = OffsetsUTF16
		default:
			unit = OffsetsCodePoints
		}
	}
	if unit == OffsetsUTF16 && !ts.u16.same() {
		cs, ok1 := ts.u16.toCodePoint(s)
		ce, ok2 := ts.u16.toCodePoint(e)
		if !ok1 || !ok2 {
			ts.fail(layer, string(r.ID), "UTF-16 offsets [%d,%d) split a character or lie outside the text", s, e)
			return scholia.Span{}, false
		}
		s, e = cs, ce
		ts.tr.UTF16++
		got = ""
	}
	if got == "" {
		got = ts.sliceCP(s, e)
	}
	if got == "\x00" {
		ts.fail(layer, string(r.ID), "offsets [%d,%d) are empty, reversed or outside the text (%d code points)", s, e, ts.text.Len())
		return scholia.Span{}, false
	}
	if hasText && got != want {
		ts.fail(layer, string(r.ID), "value.text %q does not match the text at [%d,%d), which is %q", clip(want), s, e, clip(got))
		return scholia.Span{}, false
	}
	return scholia.Span{Start: s, End: e, Text: got}, true
}

// clip shortens s for a message.
func clip(s string) string {
	r := []rune(s)
	if len(r) > 60 {
		return string(r[:57]) + "..."
	}
	return s
}

// fragmentOf splits "ID_fragN" into ID and true.
func fragmentOf(id string) (string, bool) {
	i := strings.LastIndex(id, FragmentSep)
	if i <= 0 {
		return "", false
	}
	n, err := strconv.Atoi(id[i+len(FragmentSep):])
	return id[:i], err == nil && n >= 2
}

// layer reads the results of one annotation or prediction into a layer.
func (ts *taskState) layer(name string, results []result, status scholia.LayerStatus) {
	names := ts.rd.opts.Names
	regions := map[string]*region{}
	var order []*region
	var frags, attrs, rels []*result
	for i := range results {
		r := &results[i]
		switch {
		case r.Type == "relation":
			rels = append(rels, r)
		case r.Value != nil && r.Value.Labels != nil && strings.HasSuffix(r.Type, "labels"):
			if _, ok := fragmentOf(string(r.ID)); ok {
				frags = append(frags, r)
				continue
			}
			if r.ID == "" || regions[string(r.ID)] != nil {
				ts.fail(name, string(r.ID), "a region needs an id of its own")
				continue
			}
			sp, ok := ts.span(name, r)
			if !ok {
				continue
			}
			ts.tr.Regions++
			g := &region{id: string(r.ID), kind: scholia.KindMention, labels: *r.Value.Labels, spans: []scholia.Span{sp}}
			switch r.FromName {
			case names.Event:
				g.kind = scholia.KindEvent
			case names.Claim:
				g.kind, g.claim = scholia.KindClaim, &scholia.ClaimFields{}
			case names.Cue:
				g.cue = true
			}
			regions[g.id] = g
			order = append(order, g)
			ts.regionExtras(name, g, r)
		default:
			attrs = append(attrs, r)
		}
	}
	for _, r := range frags {
		base, _ := fragmentOf(string(r.ID))
		g := regions[base]
		if g == nil {
			ts.fail(name, string(r.ID), "fragment of region %s, which does not exist", base)
			continue
		}
		sp, ok := ts.span(name, r)
		if !ok {
			continue
		}
		i, _ := slices.BinarySearchFunc(g.spans, sp.Start, func(s scholia.Span, start int64) int { return int(s.Start - start) })
		if (i > 0 && g.spans[i-1].End > sp.Start) || (i < len(g.spans) && sp.End > g.spans[i].Start) || len(g.spans) >= scholia.MaxFragments {
			ts.fail(name, string(r.ID), "fragment [%d,%d) overlaps another fragment of region %s", sp.Start, sp.End, base)
			continue
		}
		g.spans = slices.Insert(g.spans, i, sp)
	}
	for _, r := range attrs {
		g := regions[string(r.ID)]
		if g == nil {
			ts.fail(name, string(r.ID), "%s result %s is not about a region; scholia has no document-level annotations", r.Type, r.FromName)
			continue
		}
		ts.attribute(name, g, r)
	}
	relations, clusters := ts.relations(name, regions, rels)
	for _, g := range order {
		if g.owner == nil {
			g.sid = ts.next
			ts.next++
		}
	}
	base := len(ts.doc.Annotations)
	for _, g := range order {
		if g.owner != nil {
			continue
		}
		a := ts.newAnnotation(name, g.sid, g.kind, "", g.attrs)
		if len(g.labels) > 0 {
			a.Label = g.labels[0]
			if len(g.labels) > 1 {
				a.Attributes = setAttr(a.Attributes, AttrExtraLabels, strings.Join(g.labels[1:], "|"))
			}
		}
		a.Spans = g.spans
		a.Claim = g.claim
		if g.source != nil {
			a.Claim.ClaimantID = g.source.sid
		}
		for i := range g.args {
			g.args[i].AnnotationID = g.argTo[i].sid
		}
		a.Arguments = g.args
		ts.doc.Annotations = append(ts.doc.Annotations, a)
	}
	for _, r := range relations {
		a := ts.newAnnotation(name, ts.next, scholia.KindRelation, r.label, r.attrs)
		ts.next++
		a.Relation = &scholia.RelationEnds{Source: r.from.sid, Target: r.to.sid}
		ts.doc.Annotations = append(ts.doc.Annotations, a)
	}
	for _, c := range clusters {
		a := ts.newAnnotation(name, ts.next, scholia.KindCluster, c.label, nil)
		a.Document = ""
		ts.next++
		a.Cluster = &scholia.ClusterFields{}
		for _, m := range c.members {
			a.Cluster.Members = append(a.Cluster.Members, m.sid)
		}
		ts.doc.Annotations = append(ts.doc.Annotations, a)
	}
	ts.doc.Layers = append(ts.doc.Layers, scholia.Layer{Project: ts.rd.opts.Project, Document: ts.doc.Document.ID, Annotator: name, Status: status,
		AnnotationCount: int64(len(ts.doc.Annotations) - base)})
}

func (ts *taskState) newAnnotation(layer string, id int64, k scholia.Kind, label string, attrs map[string]string) scholia.Annotation {
	return scholia.Annotation{ID: id, Project: ts.rd.opts.Project, Document: ts.doc.Document.ID, Annotator: layer, Kind: k, Label: label, Attributes: attrs}
}

func setAttr(m map[string]string, k, v string) map[string]string {
	if m == nil {
		m = map[string]string{}
	}
	m[k] = v
	return m
}

// regionExtras reads a region result's note and score.
func (ts *taskState) regionExtras(layer string, g *region, r *result) {
	if r.Meta != nil && len(r.Meta.Text) > 0 {
		g.attrs = setAttr(g.attrs, AttrNote, strings.Join(r.Meta.Text, "\n"))
	}
	if r.Score != nil {
		g.attrs = setAttr(g.attrs, AttrScore, strconv.FormatFloat(*r.Score, 'g', -1, 64))
	}
}

// attribute reads a per-region result (a choice, text, rating or number
// about a region) into the region's attributes or claim fields.
func (ts *taskState) attribute(layer string, g *region, r *result) {
	var v string
	switch {
	case r.Value == nil:
		ts.fail(layer, string(r.ID), "%s result %s has no value", r.Type, r.FromName)
		return
	case r.Type == "choices":
		v = strings.Join(r.Value.Choices, "|")
	case r.Type == "textarea":
		l, ok := textList(r.Value.Text)
		if !ok {
			ts.fail(layer, string(r.ID), "textarea result %s has no text", r.FromName)
			return
		}
		v = strings.Join(l, "\n")
	case r.Type == "rating" && r.Value.Rating != nil:
		v = strconv.FormatFloat(*r.Value.Rating, 'g', -1, 64)
	case r.Type == "number" && r.Value.Number != nil:
		v = strconv.FormatFloat(*r.Value.Number, 'g', -1, 64)
	default:
		ts.fail(layer, string(r.ID), "result type %q (%s) is not read", r.Type, r.FromName)
		return
	}
	if c := g.claim; c != nil {
		norm := func() *scholia.NormalizedValue {
			if c.Normalized == nil {
				c.Normalized = &scholia.NormalizedValue{}
			}
			return c.Normalized
		}
		switch r.FromName {
		case ClaimStance:
			c.Stance = v
			return
		case ClaimCheckWorthiness:
			c.CheckWorthiness = v
			return
		case ClaimClaimant:
			c.ClaimantText = v
			return
		case ClaimValue:
			norm().Value = v
			return
		case ClaimUnit:
			norm().Unit = v
			return
		case ClaimTime:
			norm().Time = v
			return
		}
	}
	if _, dup := g.attrs[r.FromName]; dup {
		ts.fail(layer, string(r.ID), "a second %s result for the region", r.FromName)
		return
	}
	g.attrs = setAttr(g.attrs, r.FromName, v)
}

type pendingRelation struct {
	from, to *region
	label    string
	attrs    map[string]string
}

type pendingCluster struct {
	label   string
	members []*region
}

// relations reads the relation results of a layer: claimants and cues of
// claims, event arguments, cluster links and relations.
func (ts *taskState) relations(layer string, regions map[string]*region, rels []*result) ([]pendingRelation, []pendingCluster) {
	names := ts.rd.opts.Names
	lookup := func(id flexString) *region {
		if g := regions[string(id)]; g != nil {
			return g
		}
		if base, ok := fragmentOf(string(id)); ok {
			return regions[base]
		}
		return nil
	}
	type rel struct {
		r        *result
		from, to *region
		label    string
		extra    []string
	}
	var todo []rel
	for _, r := range rels {
		from, to := lookup(r.FromID), lookup(r.ToID)
		id := string(r.FromID) + "->" + string(r.ToID)
		switch {
		case from == nil:
			ts.fail(layer, id, "relation from region %s, which was not read", r.FromID)
			continue
		case to == nil:
			ts.fail(layer, id, "relation to region %s, which was not read", r.ToID)
			continue
		case from == to:
			ts.fail(layer, id, "relation from a region to itself")
			continue
		}
		if r.Direction == "left" {
			from, to = to, from
		}
		// The first label says what the relation is; further labels are
		// kept on relations (AttrExtraLabels) and reported elsewhere.
		l, extra := "", []string(nil)
		if len(r.Labels) > 0 {
			l, extra = r.Labels[0], r.Labels[1:]
		}
		// Claim parts first: a cue attached to a claim is no annotation of
		// its own, whatever else refers to it.
		switch {
		case from.claim != nil && l == names.CueRole && to.cue && to.owner == nil && len(from.claim.Cue) == 0:
			to.owner = from
			from.claim.Cue = to.spans
		case from.claim != nil && l == names.SourceRole && to.kind == scholia.KindMention && !to.cue && from.source == nil:
			from.source = to
		default:
			todo = append(todo, rel{r, from, to, l, extra})
			continue
		}
		if len(extra) > 0 {
			ts.fail(layer, id, "labels %q after the first ignored", extra)
		}
	}
	var out []pendingRelation
	parent := map[*region]*region{}
	var find func(g *region) *region
	find = func(g *region) *region {
		for parent[g] != nil && parent[g] != g {
			g = parent[g]
		}
		return g
	}
	var members []*region
	for _, t := range todo {
		id := string(t.r.FromID) + "->" + string(t.r.ToID)
		if t.from.owner != nil || t.to.owner != nil {
			ts.fail(layer, id, "relation %q involves a cue region that belongs to a claim", t.label)
			continue
		}
		if len(t.extra) > 0 && (t.label == names.Cluster || t.from.kind == scholia.KindEvent && !ts.rd.relations[t.label]) {
			ts.fail(layer, id, "labels %q after the first ignored", t.extra)
		}
		switch {
		case t.label == names.Cluster:
			for _, g := range [2]*region{t.from, t.to} {
				if parent[g] == nil {
					parent[g] = g
					members = append(members, g)
				}
			}
			if a, b := find(t.from), find(t.to); a != b {
				parent[b] = a
			}
		case t.from.kind == scholia.KindEvent && !ts.rd.relations[t.label]:
			t.from.args = append(t.from.args, scholia.Argument{Role: t.label})
			t.from.argTo = append(t.from.argTo, t.to)
		default:
			var attrs map[string]string
			if t.r.Direction == "bi" {
				attrs = map[string]string{AttrDirection: "bi"}
			}
			if t.r.Score != nil {
				attrs = setAttr(attrs, AttrScore, strconv.FormatFloat(*t.r.Score, 'g', -1, 64))
			}
			if len(t.extra) > 0 {
				attrs = setAttr(attrs, AttrExtraLabels, strings.Join(t.extra, "|"))
			}
			out = append(out, pendingRelation{from: t.from, to: t.to, label: t.label, attrs: attrs})
		}
	}
	var clusters []pendingCluster
	idx := map[*region]int{}
	for _, g := range members {
		root := find(g)
		i, ok := idx[root]
		if !ok {
			i = len(clusters)
			idx[root] = i
			clusters = append(clusters, pendingCluster{label: clusterLabel(g)})
		}
		if clusterLabel(g) != clusters[i].label {
			ts.fail(layer, g.id, "%s links a %s region to a %s cluster; left out of it", names.Cluster, clusterLabel(g), clusters[i].label)
			continue
		}
		clusters[i].members = append(clusters[i].members, g)
	}
	// A cluster whose other regions were left out is no cluster.
	clusters = slices.DeleteFunc(clusters, func(c pendingCluster) bool {
		if len(c.members) < 2 {
			ts.fail(layer, c.members[0].id, "%s cluster left with one member; not kept", c.label)
			return true
		}
		return false
	})
	return out, clusters
}

func clusterLabel(g *region) string {
	switch g.kind {
	case scholia.KindEvent:
		return "event"
	case scholia.KindClaim:
		return "claim"
	}
	return "entity"
}
