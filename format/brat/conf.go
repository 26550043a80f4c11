package brat

import (
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/scholia-nlp/scholia"
)

// ConfOptions configure ParseConfWith and WriteConfWith.
type ConfOptions struct {
	// Name names the file in errors (default "annotation.conf").
	Name string
	// Claims is the claim mapping (zero fields take the defaults): its
	// event type and content and cue entity types stand for claims.
	Claims ClaimMapping
}

// freeAttrComment starts the comment line that WriteConf uses for a
// free-text attribute, which annotation.conf cannot declare (brat values
// without white space are A lines, others # lines; see Write).
const freeAttrComment = "#scholia:free-attribute "

// ParseConf reads a brat annotation.conf into a scholia schema with the
// default claim mapping. See ParseConfWith.
func ParseConf(r io.Reader) (*scholia.Schema, error) {
	return ParseConfWith(r, ConfOptions{})
}

// confLine is one type definition, kept until every type is known.
type confLine struct {
	section  string
	name     string
	args     [][2]string // key, types (macros expanded)
	line     int
	abstract bool
	free     bool // a free-text attribute from a freeAttrComment line
	parent   string
}

// ParseConfWith reads a brat annotation.conf into a scholia schema:
//
//   - [entities] (or [spans]) become entity types, [events] event types
//     with their roles and filler types, [relations] relation types and
//     [attributes] attribute definitions (binary attributes get the single
//     value "true", as Read gives them);
//   - the type hierarchy (indentation) is flattened; abstract types ("!")
//     are left out, and stand for their descendants where they are used;
//   - macros (<NAME>=TYPES) are expanded; <ENTITY>, <EVENT> and <ANY> stand
//     for all entity types, all event types and anything;
//   - role cardinalities (?, *, +, {n}, {n-m}) are ignored: scholia roles
//     take any number of fillers;
//   - relation argument types become the kinds each end takes (scholia
//     relation types constrain kinds, not types), and argument names are
//     not kept;
//   - the claim event type and its content and cue entity types do not
//     become types: claims are scholia claims, and the attributes
//     claim.type, claim.stance and claim.check_worthiness give the schema's
//     claim types, stances and check-worthiness values;
//   - ignored: <OVERLAP> lines (scholia allows any overlap), ENTITY-NESTING,
//     symmetric-transitive relations such as Equiv (equivalences are
//     clusters in scholia), the symmetric flag of other relations, and
//     attribute glyphs.
func ParseConfWith(r io.Reader, opts ConfOptions) (*scholia.Schema, error) {
	name := opts.Name
	if name == "" {
		name = "annotation.conf"
	}
	m := opts.Claims.withDefaults()
	errAt := func(line int, format string, args ...any) error {
		return &ParseError{File: name, Line: line, Msg: fmt.Sprintf(format, args...)}
	}
	lr := newLineReader(r)
	var defs []confLine
	macros := map[string]string{}
	section := ""
	type level struct {
		indent int
		name   string
	}
	var stack []level
	for {
		raw, ok, err := lr.next()
		if err != nil {
			return nil, errAt(lr.n+1, "reading: %v", err)
		}
		if !ok {
			break
		}
		ln := lr.n
		trimmed := strings.TrimSpace(raw)
		free := false
		if strings.HasPrefix(trimmed, freeAttrComment) && section == "attributes" {
			trimmed = strings.TrimPrefix(trimmed, freeAttrComment)
			free = true
		} else if trimmed == "" || trimmed[0] == '#' || strings.Trim(trimmed, "-") == "" {
			continue
		} else if trimmed[0] == '[' && trimmed[len(trimmed)-1] == ']' {
			section = strings.ToLower(strings.TrimSpace(trimmed[1 : len(trimmed)-1]))
			switch section {
			case "spans":
				section = "entities"
			case "entities", "relations", "events", "attributes":
			default:
				return nil, errAt(ln, "unknown section [%s]: annotation.conf has [entities], [relations], [events] and [attributes]", section)
			}
			stack = stack[:0]
			continue
		} else if k, v, ok := strings.Cut(trimmed, "="); ok && trimmed[0] == '<' && strings.HasSuffix(k, ">") {
			macros[k] = strings.TrimSpace(v)
			continue
		}
		if section == "" {
			return nil, errAt(ln, "definition outside a section")
		}
		for k, v := range macros {
			trimmed = strings.ReplaceAll(trimmed, k, v)
		}
		d := confLine{section: section, line: ln, free: free}
		head, rest, _ := strings.Cut(strings.ReplaceAll(trimmed, "\t", " "), " ")
		if strings.HasPrefix(head, "!") {
			d.abstract = true
			head = head[1:]
		}
		head, _, _ = strings.Cut(head, "|")
		if head == "" {
			return nil, errAt(ln, "missing type name")
		}
		d.name = head
		indent := len(raw) - len(strings.TrimLeft(raw, " \t"))
		for len(stack) > 0 && stack[len(stack)-1].indent >= indent {
			stack = stack[:len(stack)-1]
		}
		if len(stack) > 0 {
			d.parent = stack[len(stack)-1].name
		}
		stack = append(stack, level{indent, d.name})
		for f := range strings.SplitSeq(rest, ",") {
			f = strings.TrimSpace(f)
			if f == "" {
				continue
			}
			k, v, ok := strings.Cut(f, ":")
			if !ok {
				return nil, errAt(ln, "%s: expected ROLE:TYPES, got %q", d.name, f)
			}
			d.args = append(d.args, [2]string{strings.TrimSpace(k), strings.TrimSpace(v)})
		}
		defs = append(defs, d)
	}
	return buildSchema(defs, m, errAt)
}

// buildSchema resolves the parsed definitions into a schema.
func buildSchema(defs []confLine, m ClaimMapping, errAt func(int, string, ...any) error) (*scholia.Schema, error) {
	s := &scholia.Schema{}
	hasClaims := false
	entity, event := map[string]bool{}, map[string]bool{}
	children := map[string][]string{}
	abstract := map[string]bool{}
	for _, d := range defs {
		switch d.section {
		case "entities":
			entity[d.name] = true
		case "events":
			event[d.name] = true
			hasClaims = hasClaims || d.name == m.EventType
		default:
			continue
		}
		if d.parent != "" {
			children[d.parent] = append(children[d.parent], d.name)
		}
		if d.abstract {
			abstract[d.name] = true
		}
	}
	skipType := func(name string) bool {
		return hasClaims && (name == m.EventType || name == m.ContentType || name == m.CueType)
	}
	// concrete lists the non-abstract types a type name stands for.
	var concrete func(name string, out []string) []string
	concrete = func(name string, out []string) []string {
		if !abstract[name] && !slices.Contains(out, name) {
			out = append(out, name)
		}
		for _, c := range children[name] {
			out = concrete(c, out)
		}
		return out
	}
	var entities, events []string
	for _, d := range defs {
		if d.abstract || skipType(d.name) {
			continue
		}
		switch {
		case d.section == "entities" && !slices.Contains(entities, d.name):
			entities = append(entities, d.name)
			s.EntityTypes = append(s.EntityTypes, scholia.EntityType{Name: d.name})
		case d.section == "events" && !slices.Contains(events, d.name):
			events = append(events, d.name)
		}
	}
	// fillers expands a role's type list; nil means any.
	fillers := func(d confLine, types string) ([]string, error) {
		var out []string
		hasEnt, hasEv := false, false
		for t := range strings.SplitSeq(types, "|") {
			t = strings.TrimSpace(t)
			switch {
			case t == "<ANY>":
				return nil, nil
			case t == "<ENTITY>":
				hasEnt = true
				for _, e := range entities {
					if !slices.Contains(out, e) {
						out = append(out, e)
					}
				}
			case t == "<EVENT>":
				hasEv = true
				for _, e := range events {
					if !slices.Contains(out, e) {
						out = append(out, e)
					}
				}
			case skipType(t):
			case entity[t] || event[t]:
				for _, c := range concrete(t, nil) {
					if !skipType(c) && !slices.Contains(out, c) {
						out = append(out, c)
					}
				}
			default:
				return nil, errAt(d.line, "%s: unknown type %q", d.name, t)
			}
		}
		if hasEnt && hasEv {
			return nil, nil
		}
		return out, nil
	}
	// kinds maps a type list to annotation kinds; nil means any.
	kinds := func(d confLine, types string, all []scholia.Kind) ([]scholia.Kind, error) {
		var out []scholia.Kind
		add := func(k scholia.Kind) {
			if !slices.Contains(out, k) {
				out = append(out, k)
			}
		}
		for t := range strings.SplitSeq(types, "|") {
			switch t = strings.TrimSpace(t); {
			case t == "<ANY>":
				return nil, nil
			case t == "<ENTITY>":
				add(scholia.KindMention)
			case t == "<EVENT>":
				add(scholia.KindEvent)
			case t == "<RELATION>":
				add(scholia.KindRelation)
			case hasClaims && t == m.EventType:
				add(scholia.KindClaim)
			case entity[t]:
				add(scholia.KindMention)
			case event[t]:
				add(scholia.KindEvent)
			default:
				return nil, errAt(d.line, "%s: unknown type %q", d.name, t)
			}
		}
		slices.Sort(out)
		covers := true
		for _, k := range all {
			covers = covers && slices.Contains(out, k)
		}
		if covers {
			return nil, nil
		}
		return out, nil
	}
	relIdx := map[string]int{}
	for _, d := range defs {
		switch d.section {
		case "events":
			if d.abstract || skipType(d.name) {
				continue
			}
			et := scholia.EventType{Name: d.name}
			if i := slices.IndexFunc(s.EventTypes, func(e scholia.EventType) bool { return e.Name == d.name }); i >= 0 {
				return nil, errAt(d.line, "event type %s is defined twice", d.name)
			}
			for _, a := range d.args {
				role := stripCardinality(a[0])
				f, err := fillers(d, a[1])
				if err != nil {
					return nil, err
				}
				if i := slices.IndexFunc(et.Roles, func(r scholia.RoleDefinition) bool { return r.Name == role }); i >= 0 {
					return nil, errAt(d.line, "%s: role %s is defined twice", d.name, role)
				}
				et.Roles = append(et.Roles, scholia.RoleDefinition{Name: role, FillerTypes: f})
			}
			s.EventTypes = append(s.EventTypes, et)
		case "relations":
			if d.abstract || d.name == "<OVERLAP>" || d.name == "ENTITY-NESTING" {
				continue
			}
			var ends [2]string
			equiv := false
			for _, a := range d.args {
				switch {
				case a[0] == "<REL-TYPE>":
					equiv = strings.Contains(a[1], "transitive")
				case strings.HasPrefix(a[0], "<"):
				case ends[0] == "":
					ends[0] = a[1]
				case ends[1] == "":
					ends[1] = a[1]
				default:
					return nil, errAt(d.line, "relation %s has more than two arguments", d.name)
				}
			}
			if equiv {
				continue
			}
			if ends[1] == "" {
				return nil, errAt(d.line, "relation %s needs two arguments (Arg1:TYPES, Arg2:TYPES)", d.name)
			}
			all := []scholia.Kind{scholia.KindMention, scholia.KindEvent, scholia.KindClaim}
			src, err := kinds(d, ends[0], all)
			if err != nil {
				return nil, err
			}
			tgt, err := kinds(d, ends[1], all)
			if err != nil {
				return nil, err
			}
			if i, ok := relIdx[d.name]; ok {
				// brat defines one relation type on several lines for
				// different argument types; scholia takes the union.
				rt := &s.RelationTypes[i]
				rt.SourceKinds = unionKinds(rt.SourceKinds, src, all)
				rt.TargetKinds = unionKinds(rt.TargetKinds, tgt, all)
				continue
			}
			relIdx[d.name] = len(s.RelationTypes)
			s.RelationTypes = append(s.RelationTypes, scholia.RelationType{Name: d.name, SourceKinds: src, TargetKinds: tgt})
		case "attributes":
			def := scholia.AttributeDefinition{Name: d.name}
			binary := true
			for _, a := range d.args {
				switch a[0] {
				case "Arg":
					k, err := kinds(d, a[1], []scholia.Kind{scholia.KindMention, scholia.KindEvent, scholia.KindRelation})
					if err != nil {
						return nil, err
					}
					def.AppliesTo = k
				case "Value":
					binary = false
					for v := range strings.SplitSeq(a[1], "|") {
						if v = strings.TrimSpace(v); v != "" {
							def.Values = append(def.Values, v)
						}
					}
				}
			}
			switch d.name {
			case AttrClaimType:
				s.ClaimTypes = def.Values
			case AttrStance:
				s.ClaimStances = def.Values
			case AttrCheckWorthiness:
				s.CheckWorthinessValues = def.Values
			case AttrClaimant, AttrValue, AttrUnit, AttrTime:
			default:
				if binary && !d.free {
					def.Values = []string{"true"}
				}
				s.Attributes = append(s.Attributes, def)
			}
		}
	}
	return s, nil
}

// unionKinds merges two kind lists, where nil means all.
func unionKinds(a, b, all []scholia.Kind) []scholia.Kind {
	if a == nil || b == nil {
		return nil
	}
	for _, k := range b {
		if !slices.Contains(a, k) {
			a = append(a, k)
		}
	}
	slices.Sort(a)
	if len(a) == len(all) {
		return nil
	}
	return a
}

// stripCardinality removes ?, *, +, {n} or {n-m} from a role name.
func stripCardinality(role string) string {
	if i := strings.IndexByte(role, '{'); i > 0 && strings.HasSuffix(role, "}") {
		return role[:i]
	}
	return strings.TrimRight(role, "?*+")
}
