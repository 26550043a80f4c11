package scholia

import (
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"
)

// Limits on one annotation, so that a hostile client cannot make one row
// arbitrarily large.
const (
	MaxFragments      = 100
	MaxAttributes     = 50
	MaxValueBytes     = 4096
	MaxArguments      = 100
	MaxClusterMembers = 100000
)

// Span is one contiguous fragment of a text, in code points, end exclusive.
type Span struct {
	Start int64
	End   int64
	Text  string // the covered text; checked against the document when given
}

// Argument is one (role, filler) pair of an event.
type Argument struct {
	Role         string
	AnnotationID int64
}

// NormalizedValue is a claim's content made comparable.
type NormalizedValue struct {
	Value string
	Unit  string
	Time  string
}

// ClaimFields are the parts of a claim beyond its span and claim type.
type ClaimFields struct {
	ClaimantID      int64 // a mention of the same layer, or 0
	ClaimantText    string
	Cue             []Span
	Stance          string
	CheckWorthiness string
	Normalized      *NormalizedValue
}

// RelationEnds are a relation's two annotations.
type RelationEnds struct {
	Source int64
	Target int64
}

// ClusterFields are a cluster's members and title.
type ClusterFields struct {
	Members []int64
	Title   string
}

// Annotation is one mention, event, claim, relation or cluster in one
// annotator's layer. Label is the mention's entity type, the event's type,
// the claim's claim type, the relation's type or the cluster's kind
// ("entity", "event", "claim"). Spans is the mention's fragments, the
// event's trigger or the claim's content.
type Annotation struct {
	ID         int64
	Project    string
	Document   string // empty for clusters
	Annotator  string
	Kind       Kind
	Label      string
	Spans      []Span
	Attributes map[string]string
	Arguments  []Argument     // events
	Claim      *ClaimFields   // claims
	Relation   *RelationEnds  // relations
	Cluster    *ClusterFields // clusters

	CreateRev  int64 // the revision that created the annotation
	Rev        int64 // the revision of the current version: the etag
	CreateTime time.Time
	UpdateTime time.Time
	UpdateUser string
	// DerivedFrom lists the annotations this one was copied from (curation
	// into gold, accepted suggestions), by id; nil for most.
	DerivedFrom []int64
}

// Ref is a reference from one annotation to another, with the field that
// holds it.
type Ref struct {
	Field string
	ID    int64
}

// Refs lists the annotations a refers to.
func (a *Annotation) Refs() []Ref {
	var out []Ref
	for i, arg := range a.Arguments {
		out = append(out, Ref{fmt.Sprintf("event.arguments[%d].annotation_id", i), arg.AnnotationID})
	}
	if a.Claim != nil && a.Claim.ClaimantID != 0 {
		out = append(out, Ref{"claim.claimant_id", a.Claim.ClaimantID})
	}
	if a.Relation != nil {
		out = append(out, Ref{"relation.source_id", a.Relation.Source}, Ref{"relation.target_id", a.Relation.Target})
	}
	if a.Cluster != nil {
		for i, m := range a.Cluster.Members {
			out = append(out, Ref{fmt.Sprintf("cluster.member_ids[%d]", i), m})
		}
	}
	return out
}

// ClusterKinds maps a cluster label to the kind of its members.
var ClusterKinds = map[string]Kind{"entity": KindMention, "event": KindEvent, "claim": KindClaim}

// SpansField returns the API field that holds the spans of an annotation of
// kind k, for error messages.
func SpansField(k Kind) string {
	switch k {
	case KindEvent:
		return "event.trigger"
	case KindClaim:
		return "claim.spans"
	}
	return "mention.spans"
}

// RefInfo describes an annotation that another refers to.
type RefInfo struct {
	ID        int64
	Project   string
	Document  string
	Annotator string
	Kind      Kind
	Label     string
}

// ValidationEnv is what validating an annotation needs: the project's
// schema, the document's text (nil for clusters) and a way to look up the
// current annotations it refers to.
type ValidationEnv struct {
	Schema *SchemaIndex
	Text   *Text
	// Resolve returns the current version of annotation id, or false if it
	// does not exist or is deleted.
	Resolve func(id int64) (RefInfo, bool)
}

// Validate checks a against the schema, the text and the annotations it
// refers to, and fills in the covered text of spans that came without one.
// It returns one violation per problem; none means a may be stored.
func (a *Annotation) Validate(env ValidationEnv) []FieldViolation {
	var v Violations
	if !a.Kind.Valid() {
		v.Add("body", "one of mention, event, claim, relation or cluster is required")
		return v.List()
	}
	x := env.Schema
	switch a.Kind {
	case KindMention, KindEvent, KindClaim:
		if a.Document == "" {
			v.Add("document_id", "required for a %s", a.Kind)
		}
		if env.Text != nil {
			v.Merge(SpansField(a.Kind), ValidateSpans(env.Text, a.Spans, true))
		}
	}
	switch a.Kind {
	case KindMention:
		if !x.HasEntityType(a.Label) {
			v.Add("mention.label", "%s", unknown("entity type", a.Label, names(x.Schema.EntityTypes, func(e EntityType) string { return e.Name })))
		}
	case KindEvent:
		a.validateEvent(env, &v)
	case KindClaim:
		a.validateClaim(env, &v)
	case KindRelation:
		a.validateRelation(env, &v)
	case KindCluster:
		a.validateCluster(env, &v)
	}
	a.validateAttributes(x, &v)
	return v.List()
}

func unknown(what, got string, known []string) string {
	if got == "" {
		return what + " is required"
	}
	if len(known) > 12 {
		return fmt.Sprintf("unknown %s %q (the schema has %d; see the project's schema)", what, got, len(known))
	}
	return fmt.Sprintf("unknown %s %q (the schema has: %v)", what, got, known)
}

// ValidateSpans checks fragments against a text: each within the text and
// not empty, in order and not overlapping, and its text, when given, equal to
// the covered text (which is filled in when missing). Field paths are
// relative, like "[0].end".
func ValidateSpans(t *Text, spans []Span, required bool) []FieldViolation {
	var v Violations
	if len(spans) == 0 {
		if required {
			v.Add("", "at least one span is required")
		}
		return v.List()
	}
	if len(spans) > MaxFragments {
		v.Add("", "%d fragments; at most %d are allowed", len(spans), MaxFragments)
		return v.List()
	}
	n := t.Len()
	for i := range spans {
		s := &spans[i]
		f := fmt.Sprintf("[%d]", i)
		switch {
		case s.Start < 0:
			v.Add(f+".start", "offset %d is negative", s.Start)
			continue
		case s.End > n:
			v.Add(f+".end", "offset %d is past the end of the document (%d code points)", s.End, n)
			continue
		case s.End <= s.Start:
			v.Add(f, "span [%d,%d) covers nothing: end must be greater than start", s.Start, s.End)
			continue
		}
		if i > 0 && s.Start < spans[i-1].End {
			v.Add(f, "fragment [%d,%d) starts before the previous fragment ends at %d: fragments must be in order and must not overlap", s.Start, s.End, spans[i-1].End)
		}
		covered := t.Slice(s.Start, s.End)
		if s.Text == "" {
			s.Text = covered
		} else if s.Text != covered {
			v.Add(f+".text", "text %q does not match the document, which has %q at [%d,%d)", clip(s.Text), clip(covered), s.Start, s.End)
		}
	}
	return v.List()
}

// clip shortens s for an error message.
func clip(s string) string {
	r := []rune(s)
	if len(r) > 80 {
		return string(r[:77]) + "..."
	}
	return s
}

// resolveRef looks up a reference and checks that it stays within the
// annotation's project, layer owner and (when sameDoc) document.
func (a *Annotation) resolveRef(env ValidationEnv, v *Violations, field string, id int64, sameDoc bool) (RefInfo, bool) {
	if id == 0 {
		v.Add(field, "an annotation id is required")
		return RefInfo{}, false
	}
	if id == a.ID {
		v.Add(field, "an annotation cannot refer to itself")
		return RefInfo{}, false
	}
	r, ok := env.Resolve(id)
	if !ok {
		v.Add(field, "annotation %d does not exist or has been deleted", id)
		return r, false
	}
	switch {
	case r.Project != a.Project:
		v.Add(field, "annotation %d belongs to project %q, not %q", id, r.Project, a.Project)
	case r.Annotator != a.Annotator:
		v.Add(field, "annotation %d is in %s's layer, not %s's: references stay within one layer", id, r.Annotator, a.Annotator)
	case sameDoc && r.Document != a.Document:
		v.Add(field, "annotation %d is in document %q, not %q", id, r.Document, a.Document)
	default:
		return r, true
	}
	return r, false
}

func (a *Annotation) validateEvent(env ValidationEnv, v *Violations) {
	et := env.Schema.EventType(a.Label)
	if et == nil {
		v.Add("event.type", "%s", unknown("event type", a.Label, names(env.Schema.Schema.EventTypes, func(e EventType) string { return e.Name })))
	}
	if len(a.Arguments) > MaxArguments {
		v.Add("event.arguments", "%d arguments; at most %d are allowed", len(a.Arguments), MaxArguments)
		return
	}
	for i, arg := range a.Arguments {
		f := fmt.Sprintf("event.arguments[%d]", i)
		var role *RoleDefinition
		if et != nil {
			role = env.Schema.Role(et.Name, arg.Role)
			if role == nil {
				v.Add(f+".role", "%s", unknown("role of "+et.Name, arg.Role, names(et.Roles, func(r RoleDefinition) string { return r.Name })))
			}
		}
		r, ok := a.resolveRef(env, v, f+".annotation_id", arg.AnnotationID, true)
		if !ok {
			continue
		}
		if r.Kind != KindMention && r.Kind != KindEvent {
			v.Add(f+".annotation_id", "annotation %d is %s; an argument is a mention or an event", r.ID, aKind(r.Kind))
			continue
		}
		if role != nil && len(role.FillerTypes) > 0 && !slices.Contains(role.FillerTypes, r.Label) {
			v.Add(f+".annotation_id", "annotation %d is labelled %s; role %s of %s takes %v", r.ID, r.Label, role.Name, et.Name, role.FillerTypes)
		}
	}
}

func (a *Annotation) validateClaim(env ValidationEnv, v *Violations) {
	x := env.Schema
	c := a.Claim
	if c == nil {
		c = &ClaimFields{}
		a.Claim = c
	}
	if a.Label != "" && !x.HasClaimType(a.Label) {
		v.Add("claim.claim_type", "%s", unknown("claim type", a.Label, x.Schema.ClaimTypes))
	}
	if c.Stance != "" && !x.HasStance(c.Stance) {
		v.Add("claim.stance", "%s", unknown("stance", c.Stance, x.Schema.ClaimStances))
	}
	if c.CheckWorthiness != "" && !x.HasCheckWorthiness(c.CheckWorthiness) {
		v.Add("claim.check_worthiness", "%s", unknown("check-worthiness value", c.CheckWorthiness, x.Schema.CheckWorthinessValues))
	}
	if c.ClaimantID != 0 {
		if r, ok := a.resolveRef(env, v, "claim.claimant_id", c.ClaimantID, true); ok && r.Kind != KindMention {
			v.Add("claim.claimant_id", "annotation %d is %s; a claimant is a mention", r.ID, aKind(r.Kind))
		}
	}
	if len(c.ClaimantText) > MaxValueBytes {
		v.Add("claim.claimant_text", "longer than %d bytes", MaxValueBytes)
	}
	if env.Text != nil {
		v.Merge("claim.cue", ValidateSpans(env.Text, c.Cue, false))
	}
	if n := c.Normalized; n != nil {
		if n.Value == "" {
			v.Add("claim.normalized.value", "a normalised value needs a value")
		}
		for _, s := range []struct{ f, s string }{{"value", n.Value}, {"unit", n.Unit}, {"time", n.Time}} {
			if len(s.s) > MaxValueBytes {
				v.Add("claim.normalized."+s.f, "longer than %d bytes", MaxValueBytes)
			}
		}
	}
}

func (a *Annotation) validateRelation(env ValidationEnv, v *Violations) {
	rt := env.Schema.RelationType(a.Label)
	if rt == nil {
		v.Add("relation.type", "%s", unknown("relation type", a.Label, names(env.Schema.Schema.RelationTypes, func(r RelationType) string { return r.Name })))
	}
	if a.Relation == nil {
		v.Add("relation", "source_id and target_id are required")
		return
	}
	if a.Relation.Source != 0 && a.Relation.Source == a.Relation.Target {
		v.Add("relation.target_id", "a relation links two different annotations")
		return
	}
	for _, end := range []struct {
		field string
		id    int64
		kinds func() []Kind
	}{
		{"relation.source_id", a.Relation.Source, func() []Kind { return rt.SourceKinds }},
		{"relation.target_id", a.Relation.Target, func() []Kind { return rt.TargetKinds }},
	} {
		r, ok := a.resolveRef(env, v, end.field, end.id, false)
		if !ok {
			continue
		}
		allowed := []Kind{KindMention, KindEvent, KindClaim}
		if rt != nil && len(end.kinds()) > 0 {
			allowed = end.kinds()
		}
		if !slices.Contains(allowed, r.Kind) {
			v.Add(end.field, "annotation %d is %s; this end of %s takes %v", r.ID, aKind(r.Kind), a.Label, allowed)
		}
	}
	if a.Document == "" {
		v.Add("document_id", "required for a relation (the source's document)")
	}
}

func (a *Annotation) validateCluster(env ValidationEnv, v *Violations) {
	memberKind, ok := ClusterKinds[a.Label]
	if !ok {
		v.Add("cluster.kind", "a cluster is of kind entity, event or claim")
	}
	if a.Document != "" {
		v.Add("document_id", "a cluster belongs to the project, not to one document; leave document_id empty")
	}
	if a.Cluster == nil || len(a.Cluster.Members) == 0 {
		v.Add("cluster.member_ids", "at least one member is required")
		return
	}
	if len(a.Cluster.Members) > MaxClusterMembers {
		v.Add("cluster.member_ids", "%d members; at most %d are allowed", len(a.Cluster.Members), MaxClusterMembers)
		return
	}
	if len(a.Cluster.Title) > MaxValueBytes {
		v.Add("cluster.title", "longer than %d bytes", MaxValueBytes)
	}
	seen := make(map[int64]bool, len(a.Cluster.Members))
	for i, id := range a.Cluster.Members {
		f := fmt.Sprintf("cluster.member_ids[%d]", i)
		if seen[id] {
			v.Add(f, "annotation %d is listed twice", id)
			continue
		}
		seen[id] = true
		r, ok2 := a.resolveRef(env, v, f, id, false)
		if ok2 && ok && r.Kind != memberKind {
			v.Add(f, "annotation %d is %s; %s %s cluster holds %ss", id, aKind(r.Kind), article(a.Label), a.Label, memberKind)
		}
	}
}

func (a *Annotation) validateAttributes(x *SchemaIndex, v *Violations) {
	if len(a.Attributes) > MaxAttributes {
		v.Add("attributes", "%d attributes; at most %d are allowed", len(a.Attributes), MaxAttributes)
		return
	}
	keys := make([]string, 0, len(a.Attributes))
	for k := range a.Attributes {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		val := a.Attributes[k]
		f := fmt.Sprintf("attributes[%q]", k)
		def := x.Attribute(k)
		switch {
		case def == nil:
			v.Add(f, "%s", unknown("attribute", k, names(x.Schema.Attributes, func(d AttributeDefinition) string { return d.Name })))
		case len(def.AppliesTo) > 0 && !slices.Contains(def.AppliesTo, a.Kind):
			v.Add(f, "attribute %s applies to %v, not to %s", k, def.AppliesTo, aKind(a.Kind))
		case val == "":
			v.Add(f, "empty value")
		case len(def.Values) > 0 && !slices.Contains(def.Values, val):
			v.Add(f, "value %q is not one of %v", val, def.Values)
		case len(val) > MaxValueBytes:
			v.Add(f, "longer than %d bytes", MaxValueBytes)
		}
	}
}

// article returns "a" or "an" for a word.
func article(word string) string {
	if word != "" && strings.ContainsRune("aeiouAEIOU", rune(word[0])) {
		return "an"
	}
	return "a"
}

// aKind names a kind with its article, as in "an event".
func aKind(k Kind) string { return article(k.String()) + " " + k.String() }
