package scholia

import (
	"fmt"
	"slices"
)

// Schema is a project's label set. It is data: projects store it as JSON and
// version it, and the API carries it as the Schema message.
type Schema struct {
	Name                  string                `json:"name,omitempty"`
	EntityTypes           []EntityType          `json:"entityTypes,omitempty"`
	EventTypes            []EventType           `json:"eventTypes,omitempty"`
	Attributes            []AttributeDefinition `json:"attributes,omitempty"`
	ClaimStances          []string              `json:"claimStances,omitempty"`
	ClaimTypes            []string              `json:"claimTypes,omitempty"`
	CheckWorthinessValues []string              `json:"checkWorthinessValues,omitempty"`
	RelationTypes         []RelationType        `json:"relationTypes,omitempty"`
}

// EntityType is a mention label.
type EntityType struct {
	Name        string `json:"name"`
	Description string `json:"description,omitempty"`
}

// EventType is an event label with its argument roles.
type EventType struct {
	Name        string           `json:"name"`
	Description string           `json:"description,omitempty"`
	Roles       []RoleDefinition `json:"roles,omitempty"`
}

// RoleDefinition is one argument role. FillerTypes lists the entity types
// (or event types, for nested events) that may fill it; empty allows any
// mention or event.
type RoleDefinition struct {
	Name        string   `json:"name"`
	FillerTypes []string `json:"fillerTypes,omitempty"`
}

// AttributeDefinition is an attribute key with the kinds that may carry it
// (empty: all) and its allowed values (empty: any non-empty string).
type AttributeDefinition struct {
	Name      string   `json:"name"`
	AppliesTo []Kind   `json:"appliesTo,omitempty"`
	Values    []string `json:"values,omitempty"`
}

// RelationType is a relation label with the kinds allowed at each end (empty:
// any of mention, event, claim).
type RelationType struct {
	Name        string `json:"name"`
	Description string `json:"description,omitempty"`
	SourceKinds []Kind `json:"sourceKinds,omitempty"`
	TargetKinds []Kind `json:"targetKinds,omitempty"`
}

// SchemaIndex is a validated schema with look-up tables. Build one with
// Index; it is read-only and safe for concurrent use.
type SchemaIndex struct {
	Schema     *Schema
	entities   map[string]bool
	events     map[string]*EventType
	roles      map[string]map[string]*RoleDefinition // event type -> role -> definition
	attributes map[string]*AttributeDefinition
	stances    map[string]bool
	claimTypes map[string]bool
	checkVals  map[string]bool
	relations  map[string]*RelationType
}

func set(values []string) map[string]bool {
	m := make(map[string]bool, len(values))
	for _, v := range values {
		m[v] = true
	}
	return m
}

// Index validates s and builds its look-up tables. The error lists every
// problem with a field path such as "event_types[3].roles[1].filler_types[0]".
func (s *Schema) Index() (*SchemaIndex, error) {
	var v Violations
	x := &SchemaIndex{
		Schema:     s,
		entities:   map[string]bool{},
		events:     map[string]*EventType{},
		roles:      map[string]map[string]*RoleDefinition{},
		attributes: map[string]*AttributeDefinition{},
		stances:    set(s.ClaimStances),
		claimTypes: set(s.ClaimTypes),
		checkVals:  set(s.CheckWorthinessValues),
		relations:  map[string]*RelationType{},
	}
	for i, e := range s.EntityTypes {
		f := fmt.Sprintf("entity_types[%d].name", i)
		if msg := checkLabel(e.Name); msg != "" {
			v.Add(f, "%s", msg)
		} else if x.entities[e.Name] {
			v.Add(f, "entity type %q is defined twice", e.Name)
		}
		x.entities[e.Name] = true
	}
	for i := range s.EventTypes {
		e := &s.EventTypes[i]
		f := fmt.Sprintf("event_types[%d]", i)
		if msg := checkLabel(e.Name); msg != "" {
			v.Add(f+".name", "%s", msg)
		} else if x.events[e.Name] != nil {
			v.Add(f+".name", "event type %q is defined twice", e.Name)
		} else if x.entities[e.Name] {
			v.Add(f+".name", "%q is both an entity type and an event type", e.Name)
		}
		x.events[e.Name] = e
		roles := map[string]*RoleDefinition{}
		for j := range e.Roles {
			r := &e.Roles[j]
			if msg := checkLabel(r.Name); msg != "" {
				v.Add(fmt.Sprintf("%s.roles[%d].name", f, j), "%s", msg)
			} else if roles[r.Name] != nil {
				v.Add(fmt.Sprintf("%s.roles[%d].name", f, j), "role %q of %q is defined twice", r.Name, e.Name)
			}
			roles[r.Name] = r
		}
		x.roles[e.Name] = roles
	}
	// Filler types may name event types defined later, so check them last.
	for i, e := range s.EventTypes {
		for j, r := range e.Roles {
			for k, t := range r.FillerTypes {
				if !x.entities[t] && x.events[t] == nil {
					v.Add(fmt.Sprintf("event_types[%d].roles[%d].filler_types[%d]", i, j, k),
						"%q is neither an entity type nor an event type of the schema", t)
				}
			}
		}
	}
	for i := range s.Attributes {
		a := &s.Attributes[i]
		f := fmt.Sprintf("attributes[%d]", i)
		if msg := checkLabel(a.Name); msg != "" {
			v.Add(f+".name", "%s", msg)
		} else if x.attributes[a.Name] != nil {
			v.Add(f+".name", "attribute %q is defined twice", a.Name)
		}
		for j, k := range a.AppliesTo {
			if !k.Valid() {
				v.Add(fmt.Sprintf("%s.applies_to[%d]", f, j), "not an annotation kind")
			}
		}
		for j, val := range a.Values {
			if val == "" {
				v.Add(fmt.Sprintf("%s.values[%d]", f, j), "empty value")
			}
		}
		x.attributes[a.Name] = a
	}
	for _, l := range []struct {
		field  string
		values []string
	}{{"claim_stances", s.ClaimStances}, {"claim_types", s.ClaimTypes}, {"check_worthiness_values", s.CheckWorthinessValues}} {
		seen := map[string]bool{}
		for i, val := range l.values {
			if msg := checkLabel(val); msg != "" {
				v.Add(fmt.Sprintf("%s[%d]", l.field, i), "%s", msg)
			} else if seen[val] {
				v.Add(fmt.Sprintf("%s[%d]", l.field, i), "%q is listed twice", val)
			}
			seen[val] = true
		}
	}
	for i := range s.RelationTypes {
		r := &s.RelationTypes[i]
		f := fmt.Sprintf("relation_types[%d]", i)
		if msg := checkLabel(r.Name); msg != "" {
			v.Add(f+".name", "%s", msg)
		} else if x.relations[r.Name] != nil {
			v.Add(f+".name", "relation type %q is defined twice", r.Name)
		}
		for j, k := range append(slices.Clone(r.SourceKinds), r.TargetKinds...) {
			if k != KindMention && k != KindEvent && k != KindClaim {
				v.Add(fmt.Sprintf("%s.kinds[%d]", f, j), "a relation end is a mention, an event or a claim")
			}
		}
		x.relations[r.Name] = r
	}
	if err := v.Err("the schema is not valid"); err != nil {
		return nil, err
	}
	return x, nil
}

// checkLabel returns why a label is unusable, or "".
func checkLabel(s string) string {
	if s == "" {
		return "empty name"
	}
	if len(s) > 100 {
		return "longer than 100 bytes"
	}
	for _, r := range s {
		if r <= ' ' || r == 0x7f {
			return fmt.Sprintf("%q contains white space or a control character", s)
		}
	}
	return ""
}

// HasEntityType reports whether label is an entity type of the schema.
func (x *SchemaIndex) HasEntityType(label string) bool { return x.entities[label] }

// EventType returns the event type called name, or nil.
func (x *SchemaIndex) EventType(name string) *EventType { return x.events[name] }

// Role returns the role of an event type, or nil.
func (x *SchemaIndex) Role(eventType, role string) *RoleDefinition { return x.roles[eventType][role] }

// Attribute returns the attribute definition called name, or nil.
func (x *SchemaIndex) Attribute(name string) *AttributeDefinition { return x.attributes[name] }

// RelationType returns the relation type called name, or nil.
func (x *SchemaIndex) RelationType(name string) *RelationType { return x.relations[name] }

// HasStance, HasClaimType and HasCheckWorthiness report whether a claim field
// value is allowed.
func (x *SchemaIndex) HasStance(s string) bool { return x.stances[s] }

// HasClaimType reports whether s is an allowed claim type.
func (x *SchemaIndex) HasClaimType(s string) bool { return x.claimTypes[s] }

// HasCheckWorthiness reports whether s is an allowed check-worthiness value.
func (x *SchemaIndex) HasCheckWorthiness(s string) bool { return x.checkVals[s] }

// names lists the names of a slice for error messages.
func names[T any](items []T, name func(T) string) []string {
	out := make([]string, len(items))
	for i, it := range items {
		out[i] = name(it)
	}
	return out
}
