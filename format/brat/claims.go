package brat

import (
	"fmt"

	"github.com/scholia-nlp/scholia"
)

// Attribute keys with a fixed meaning in the brat mapping. Scholia
// attributes with these keys are written as the brat lines named here, and
// those lines are read back into them, so that they round-trip.
const (
	// AttrNote holds a "#" AnnotatorNotes line's text. A second note on the
	// same annotation is "note#2", a third "note#3", and so on.
	AttrNote = "note"
	// AttrNorm holds an N normalization's "RID:ID" reference; AttrNorm+".text"
	// holds the text after the reference and AttrNorm+".type" the
	// normalization type when it is not "Reference". Further normalizations
	// of the same annotation are "norm#2", "norm#2.text", ...
	AttrNorm = "norm"
	// TriggerPrefix prefixes attributes, notes and normalizations that brat
	// attaches to an event's trigger T line rather than to its E line (brat
	// allows both; scholia has one annotation for the two).
	TriggerPrefix = "trigger."
	// AttrSourceRole and AttrTargetRole hold the argument names of an R line
	// when they are not brat's usual "Arg1" and "Arg2".
	AttrSourceRole = "source_role"
	AttrTargetRole = "target_role" // see AttrSourceRole
	// AttrEquivType holds the type of a "*" equivalence line when it is not
	// "Equiv".
	AttrEquivType = "equiv_type"

	// AttrClaimType and the keys after it carry a claim's fields on its
	// brat event: the claim type (the claim's Label), stance,
	// check-worthiness, free-text claimant (when the source is outside the
	// article) and the normalised value's value, unit and time. The last
	// four are written as # lines, since they are free text.
	AttrClaimType       = "claim.type"
	AttrStance          = "claim.stance"           // the claim's stance
	AttrCheckWorthiness = "claim.check_worthiness" // the claim's check-worthiness
	AttrClaimant        = "claim.claimant"         // the claim's free-text claimant
	AttrValue           = "claim.value"            // the normalised value
	AttrUnit            = "claim.unit"             // the normalised value's unit
	AttrTime            = "claim.time"             // the normalised value's time
)

// claimKeys are the attribute keys that a claim's fields occupy.
var claimKeys = [...]string{AttrClaimType, AttrStance, AttrCheckWorthiness, AttrClaimant, AttrValue, AttrUnit, AttrTime}

// ClaimMapping says how a scholia claim is written in brat, which has no
// claims: as a PARC-style attribution event. The event's type is EventType;
// its trigger is the cue ("said"), its Content argument a T line of type
// ContentType over the claim's span(s), its Source argument the claimant
// mention. Stance, claim type, check-worthiness, a free-text claimant and the
// normalised value are attributes of the event (AttrClaimType, AttrStance,
// ...), written as A lines or, when a value contains white space, as "#"
// lines of that type.
//
// Reading, an event of type EventType is a claim when it has the shape the
// writer produces: at most one Source argument (a mention), at most one of
// Content and Cue arguments (each a T line of type ContentType or CueType
// that nothing else refers to), no other arguments, a trigger of its own,
// and it is no argument of another event. Then:
//
//   - with a Content argument: the claim's spans are the Content span and
//     the cue is the trigger;
//   - with a Cue argument: the claim's spans are the trigger and the cue is
//     the Cue span (the style CueArgument writes);
//   - with neither: the claim's spans are the trigger and it has no cue.
//
// An attribution event of any other shape is read as an ordinary event, so
// that nothing of it is lost.
type ClaimMapping struct {
	// Disabled reads attribution events as ordinary events. Writing a claim
	// with a disabled mapping is an error.
	Disabled bool
	// EventType is the brat event type of claims (default "Attribution").
	EventType string
	// Source, Cue and Content are the argument roles (defaults "Source",
	// "Cue", "Content").
	Source, Cue, Content string
	// ContentType and CueType are the entity types of the T lines that carry
	// the content and the cue (defaults "Content" and "Cue").
	ContentType, CueType string
	// CueArgument makes the writer use the claim's content span as the
	// trigger and write the cue as a Cue argument, for projects whose
	// annotation.conf defines the cue as a role. By default the cue is the
	// trigger, as in PARC.
	CueArgument bool
}

// DefaultClaimMapping returns the mapping used when options leave it zero:
// Attribution events with Source, Cue and Content roles.
func DefaultClaimMapping() ClaimMapping {
	return ClaimMapping{EventType: "Attribution", Source: "Source", Cue: "Cue", Content: "Content", ContentType: "Content", CueType: "Cue"}
}

// withDefaults fills empty fields from DefaultClaimMapping.
func (m ClaimMapping) withDefaults() ClaimMapping {
	d := DefaultClaimMapping()
	for _, f := range []struct {
		p *string
		d string
	}{
		{&m.EventType, d.EventType}, {&m.Source, d.Source}, {&m.Cue, d.Cue}, {&m.Content, d.Content},
		{&m.ContentType, d.ContentType}, {&m.CueType, d.CueType},
	} {
		if *f.p == "" {
			*f.p = f.d
		}
	}
	return m
}

// claimFromAttrs moves the claim fields out of a claim event's attributes.
func claimFromAttrs(attrs map[string]string) (label string, c *scholia.ClaimFields) {
	c = &scholia.ClaimFields{}
	take := func(k string) string {
		v := attrs[k]
		delete(attrs, k)
		return v
	}
	label = take(AttrClaimType)
	c.Stance = take(AttrStance)
	c.CheckWorthiness = take(AttrCheckWorthiness)
	c.ClaimantText = take(AttrClaimant)
	_, hasV := attrs[AttrValue]
	_, hasU := attrs[AttrUnit]
	_, hasT := attrs[AttrTime]
	if hasV || hasU || hasT {
		c.Normalized = &scholia.NormalizedValue{Value: take(AttrValue), Unit: take(AttrUnit), Time: take(AttrTime)}
	}
	return label, c
}

// claimAttrs returns a claim's attributes with its fields added under the
// claim keys; a claim attribute that already uses one of them is an error,
// since it could not be told apart when reading.
func claimAttrs(a *scholia.Annotation) (map[string]string, error) {
	out := make(map[string]string, len(a.Attributes)+4)
	for k, v := range a.Attributes {
		out[k] = v
	}
	for _, k := range claimKeys {
		if _, ok := out[k]; ok {
			return nil, fmt.Errorf("annotation %d (claim): attribute %q is reserved for the claim's fields in brat", a.ID, k)
		}
	}
	put := func(k, v string) {
		if v != "" {
			out[k] = v
		}
	}
	put(AttrClaimType, a.Label)
	if c := a.Claim; c != nil {
		put(AttrStance, c.Stance)
		put(AttrCheckWorthiness, c.CheckWorthiness)
		put(AttrClaimant, c.ClaimantText)
		if n := c.Normalized; n != nil {
			// The value is written even when empty, so that an empty
			// normalised value still round-trips as present.
			out[AttrValue] = n.Value
			put(AttrUnit, n.Unit)
			put(AttrTime, n.Time)
		}
	}
	return out, nil
}
