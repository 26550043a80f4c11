package brat

import (
	"slices"
	"strconv"

	"github.com/scholia-nlp/scholia"
)

// resolve checks every reference between the parsed lines and builds the
// scholia document.
func (p *parser) resolve() (scholia.AnnotatedDocument, error) {
	if err := p.linkTriggers(); err != nil {
		return scholia.AnnotatedDocument{}, err
	}
	if err := p.countRefs(); err != nil {
		return scholia.AnnotatedDocument{}, err
	}
	for i := range p.es {
		p.baseRoles(&p.es[i])
	}
	if !p.claims.Disabled {
		p.findClaims()
	}
	next := p.opts.FirstID
	for _, it := range p.order {
		switch it.kind {
		case 'T':
			if t := &p.ts[it.idx]; len(t.events) == 0 && !t.consume {
				t.sid = next
				next++
			}
		case 'E':
			p.es[it.idx].sid = next
			next++
		case 'R':
			p.rs[it.idx].sid = next
			next++
		}
	}
	if err := p.applyAttrs(); err != nil {
		return scholia.AnnotatedDocument{}, err
	}
	doc := scholia.AnnotatedDocument{Document: scholia.Document{
		Project: p.opts.Project, ID: p.opts.DocumentID, Text: p.text.String(), Length: p.text.Len(), SHA256: p.text.SHA256(),
	}}
	anns := make([]scholia.Annotation, 0, len(p.order))
	for _, it := range p.order {
		var a scholia.Annotation
		switch it.kind {
		case 'T':
			t := &p.ts[it.idx]
			if t.sid == 0 {
				continue
			}
			a = p.newAnnotation(t.sid, scholia.KindMention, t.typ, t.attrs)
			a.Spans = t.spans
		case 'E':
			a = p.buildEvent(&p.es[it.idx])
		case 'R':
			r := &p.rs[it.idx]
			a = p.newAnnotation(r.sid, scholia.KindRelation, r.typ, r.attrs)
			a.Relation = &scholia.RelationEnds{Source: p.sidOf(p.ids.at(r.a1.ref)), Target: p.sidOf(p.ids.at(r.a2.ref))}
			if r.a1.role != "Arg1" || r.a2.role != "Arg2" {
				if a.Attributes == nil {
					a.Attributes = map[string]string{}
				}
				for _, kv := range [2][2]string{{AttrSourceRole, r.a1.role}, {AttrTargetRole, r.a2.role}} {
					if _, dup := a.Attributes[kv[0]]; dup {
						return scholia.AnnotatedDocument{}, p.errAt(r.line, "relation %s: attribute %s is reserved for the argument names of relations", r.id, kv[0])
					}
					a.Attributes[kv[0]] = kv[1]
				}
			}
		}
		anns = append(anns, a)
	}
	clusters, err := p.clusters(next)
	if err != nil {
		return scholia.AnnotatedDocument{}, err
	}
	doc.Annotations = append(anns, clusters...)
	doc.Layers = []scholia.Layer{{Project: p.opts.Project, Document: p.opts.DocumentID, Annotator: p.opts.Annotator, AnnotationCount: int64(len(doc.Annotations))}}
	return doc, nil
}

func (p *parser) newAnnotation(id int64, k scholia.Kind, label string, attrs map[string]string) scholia.Annotation {
	if len(attrs) == 0 {
		attrs = nil
	}
	return scholia.Annotation{ID: id, Project: p.opts.Project, Document: p.opts.DocumentID, Annotator: p.opts.Annotator, Kind: k, Label: label, Attributes: attrs}
}

// linkTriggers checks each event's trigger and records which events use
// each T line as trigger.
func (p *parser) linkTriggers() error {
	for i := range p.es {
		e := &p.es[i]
		r, ok := p.ids.get(e.trigger)
		switch {
		case !ok:
			return p.errAt(e.line, "event %s: trigger %s is not defined", e.id, e.trigger)
		case r.kind != 'T':
			return p.errAt(e.line, "event %s: trigger %s is not a text-bound (T) annotation", e.id, e.trigger)
		}
		t := &p.ts[r.idx]
		if t.typ != e.typ {
			return p.errAt(e.line, "event %s has type %s but its trigger %s has type %s", e.id, e.typ, e.trigger, t.typ)
		}
		e.tidx = r.idx
		t.events = append(t.events, int32(i))
	}
	return nil
}

// lookup resolves an id that a line refers to.
func (p *parser) lookup(id string, line int, who string) (ref, error) {
	r, ok := p.ids.get(id)
	if !ok {
		return r, p.errAt(line, "%s refers to %s, which is not defined", who, id)
	}
	return r, nil
}

// countRefs checks every reference of arguments, relations, equivalences
// and attributes, and counts the references to each T line.
func (p *parser) countRefs() error {
	for i := range p.es {
		e := &p.es[i]
		for _, a := range e.args {
			r, err := p.lookup(a.ref, e.line, "event "+e.id)
			if err != nil {
				return err
			}
			switch r.kind {
			case 'T':
				t := &p.ts[r.idx]
				t.refs++
				if len(t.events) > 0 {
					if t.events[0] == int32(i) {
						return p.errAt(e.line, "event %s: argument %s:%s is the event's own trigger", e.id, a.role, a.ref)
					}
					p.es[t.events[0]].argOf = true
				}
			case 'E':
				if r.idx == int32(i) {
					return p.errAt(e.line, "event %s: argument %s:%s is the event itself", e.id, a.role, a.ref)
				}
				p.es[r.idx].argOf = true
			default:
				return p.errAt(e.line, "event %s: argument %s:%s is not a text-bound (T) or an event (E)", e.id, a.role, a.ref)
			}
		}
	}
	for i := range p.rs {
		r := &p.rs[i]
		for _, a := range [2]bratArg{r.a1, r.a2} {
			if err := p.refEnd(a.ref, r.line, "relation "+r.id); err != nil {
				return err
			}
		}
		if p.sameEnd(r.a1.ref, r.a2.ref) {
			return p.errAt(r.line, "relation %s links %s to itself", r.id, r.a1.ref)
		}
	}
	for _, q := range p.equivs {
		for _, m := range q.members {
			if err := p.refEnd(m, q.line, "equivalence "+q.typ); err != nil {
				return err
			}
		}
	}
	for _, a := range p.attrs {
		r, err := p.lookup(a.target, a.line, a.id)
		if err != nil {
			return err
		}
		switch r.kind {
		case 'T':
			p.ts[r.idx].refs++
		case 'E', 'R':
		default:
			return p.errAt(a.line, "%s refers to %s; attributes, normalizations and notes attach to T, E or R lines", a.id, a.target)
		}
	}
	return nil
}

// refEnd checks an id that a relation or equivalence refers to.
func (p *parser) refEnd(id string, line int, who string) error {
	r, err := p.lookup(id, line, who)
	if err != nil {
		return err
	}
	switch r.kind {
	case 'T':
		p.ts[r.idx].refs++
	case 'E':
	default:
		return p.errAt(line, "%s refers to %s, which is not a text-bound (T) or an event (E)", who, id)
	}
	return nil
}

// sameEnd reports whether two ids resolve to the same scholia annotation.
func (p *parser) sameEnd(a, b string) bool {
	ra, rb := p.ids.at(a), p.ids.at(b)
	if a == b {
		return true
	}
	ev := func(r ref) int32 {
		switch {
		case r.kind == 'E':
			return r.idx
		case r.kind == 'T' && len(p.ts[r.idx].events) > 0:
			return p.ts[r.idx].events[0]
		}
		return -1
	}
	ea, eb := ev(ra), ev(rb)
	return ea >= 0 && ea == eb
}

// sidOf returns the scholia id of the annotation a line stands for. A
// trigger T stands for the (first) event it triggers.
func (p *parser) sidOf(r ref) int64 {
	switch r.kind {
	case 'T':
		t := &p.ts[r.idx]
		if len(t.events) > 0 {
			return p.es[t.events[0]].sid
		}
		return t.sid
	case 'E':
		return p.es[r.idx].sid
	case 'R':
		return p.rs[r.idx].sid
	}
	return 0
}

// kindOf returns the scholia kind of the annotation a line stands for.
func (p *parser) kindOf(r ref) scholia.Kind {
	e := int32(-1)
	switch r.kind {
	case 'T':
		if t := &p.ts[r.idx]; len(t.events) > 0 {
			e = t.events[0]
		} else {
			return scholia.KindMention
		}
	case 'E':
		e = r.idx
	case 'R':
		return scholia.KindRelation
	}
	if p.es[e].claim {
		return scholia.KindClaim
	}
	return scholia.KindEvent
}

// trimDigits removes trailing ASCII digits.
func trimDigits(s string) string {
	i := len(s)
	for i > 0 && s[i-1] >= '0' && s[i-1] <= '9' {
		i--
	}
	return s[:i]
}

// baseRoles removes brat's numbers from repeated roles (see Read).
func (p *parser) baseRoles(e *eLine) {
	if len(e.args) < 1 {
		return
	}
	roles := make([]string, len(e.args))
	for i, a := range e.args {
		roles[i] = a.role
	}
	for i, r := range unnumberRoles(roles, p.roles[e.typ]) {
		e.args[i].role = r
	}
}

// unnumberRoles returns the roles of an event's arguments without brat's
// numbers of repeated roles (Theme, Theme2): a role that ends in digits,
// and that the schema's roles of the event type (defined, may be nil) do
// not name as it is, loses its digits when the schema names what is left or
// another argument's role has the same rest.
func unnumberRoles(roles []string, defined map[string]bool) []string {
	out, cloned := roles, false // out is cloned at the first change
	for i, r := range roles {
		b := trimDigits(r)
		if b == r || b == "" || defined[r] {
			continue
		}
		s := defined[b]
		for j := range roles {
			if s {
				break
			}
			s = j != i && trimDigits(roles[j]) == b
		}
		if s {
			if !cloned {
				out, cloned = slices.Clone(roles), true
			}
			out[i] = b
		}
	}
	return out
}

// findClaims marks the events that are claims (see ClaimMapping).
func (p *parser) findClaims() {
	m := p.claims
	for i := range p.es {
		e := &p.es[i]
		if e.typ != m.EventType || e.argOf || len(p.ts[e.tidx].events) != 1 {
			continue
		}
		src, content, cue := int32(-1), int32(-1), int32(-1)
		ok := true
		for _, a := range e.args {
			r := p.ids.at(a.ref)
			if r.kind != 'T' {
				ok = false
				break
			}
			t := &p.ts[r.idx]
			switch a.role {
			case m.Source:
				ok = src < 0 && len(t.events) == 0
				src = r.idx
			case m.Content:
				ok = content < 0 && t.typ == m.ContentType && len(t.events) == 0 && t.refs == 1
				content = r.idx
			case m.Cue:
				ok = cue < 0 && t.typ == m.CueType && len(t.events) == 0 && t.refs == 1
				cue = r.idx
			default:
				ok = false
			}
			if !ok {
				break
			}
		}
		if !ok || (content >= 0 && cue >= 0) {
			continue
		}
		e.claim, e.source, e.content, e.cue = true, src, content, cue
		if content >= 0 {
			p.ts[content].consume = true
		}
		if cue >= 0 {
			p.ts[cue].consume = true
		}
	}
}

// freeKey returns base, or base#2, base#3, ..., whichever m does not hold.
func freeKey(m map[string]string, base string) string {
	if _, ok := m[base]; !ok {
		return base
	}
	for k := 2; ; k++ {
		key := base + "#" + strconv.Itoa(k)
		if _, ok := m[key]; !ok {
			return key
		}
	}
}

// applyAttrs puts A/M lines, then N lines, then # lines into the attribute
// maps of their targets (see the package documentation for the keys).
func (p *parser) applyAttrs() error {
	for _, pass := range [3]byte{'A', 'N', '#'} {
		for _, a := range p.attrs {
			if a.kind != pass {
				continue
			}
			r := p.ids.at(a.target)
			var maps []*map[string]string
			prefix := ""
			switch r.kind {
			case 'T':
				t := &p.ts[r.idx]
				if len(t.events) == 0 {
					maps = append(maps, &t.attrs)
				} else {
					prefix = TriggerPrefix
					for _, e := range t.events {
						maps = append(maps, &p.es[e].attrs)
					}
				}
			case 'E':
				maps = append(maps, &p.es[r.idx].attrs)
			case 'R':
				maps = append(maps, &p.rs[r.idx].attrs)
			}
			for _, mp := range maps {
				if *mp == nil {
					*mp = make(map[string]string, 2)
				}
				m := *mp
				switch a.kind {
				case 'A':
					key := prefix + a.typ
					if _, dup := m[key]; dup {
						return p.errAt(a.line, "%s: %s already has attribute %s", a.id, a.target, a.typ)
					}
					if a.hasValue {
						m[key] = a.value
					} else {
						m[key] = "true"
					}
				case 'N':
					key := freeKey(m, prefix+AttrNorm)
					m[key] = a.value
					if a.text != "" {
						m[key+".text"] = a.text
					}
					if a.typ != "Reference" {
						m[key+".type"] = a.typ
					}
				case '#':
					base := a.typ
					if base == "AnnotatorNotes" {
						base = AttrNote
					}
					m[freeKey(m, prefix+base)] = a.text
				}
				if len(m) > scholia.MaxAttributes {
					return p.errAt(a.line, "%s: %s has more than %d attributes", a.id, a.target, scholia.MaxAttributes)
				}
			}
		}
	}
	return nil
}

// buildEvent makes the event or claim of an E line.
func (p *parser) buildEvent(e *eLine) scholia.Annotation {
	t := &p.ts[e.tidx]
	trig := t.spans
	if len(t.events) > 1 {
		trig = slices.Clone(trig)
	}
	if !e.claim {
		a := p.newAnnotation(e.sid, scholia.KindEvent, e.typ, e.attrs)
		a.Spans = trig
		if len(e.args) > 0 {
			a.Arguments = make([]scholia.Argument, len(e.args))
			for i, arg := range e.args {
				a.Arguments[i] = scholia.Argument{Role: arg.role, AnnotationID: p.sidOf(p.ids.at(arg.ref))}
			}
		}
		return a
	}
	attrs := e.attrs
	if attrs == nil {
		attrs = map[string]string{}
	}
	label, c := claimFromAttrs(attrs)
	a := p.newAnnotation(e.sid, scholia.KindClaim, label, attrs)
	a.Claim = c
	switch {
	case e.content >= 0:
		a.Spans = p.ts[e.content].spans
		c.Cue = trig
	case e.cue >= 0:
		a.Spans = trig
		c.Cue = p.ts[e.cue].spans
	default:
		a.Spans = trig
	}
	if e.source >= 0 {
		c.ClaimantID = p.ts[e.source].sid
	}
	return a
}

// clusters turns the equivalence lines into clusters, merging lines of the
// same type that share an id (equivalence is transitive).
func (p *parser) clusters(next int64) ([]scholia.Annotation, error) {
	if len(p.equivs) == 0 {
		return nil, nil
	}
	type key struct {
		typ string
		sid int64
	}
	parent := map[key]key{}
	var find func(k key) key
	find = func(k key) key {
		for {
			q, ok := parent[k]
			if !ok || q == k {
				return k
			}
			if g := parent[q]; g != q {
				parent[k] = g
			}
			k = q
		}
	}
	kinds := map[int64]scholia.Kind{}
	var order []key // members in order of first appearance
	line := map[key]int{}
	for _, q := range p.equivs {
		var root key
		distinct := map[int64]bool{}
		for _, m := range q.members {
			distinct[p.sidOf(p.ids.at(m))] = true
		}
		if len(distinct) < 2 {
			return nil, p.errAt(q.line, "equivalence %s names only one annotation; it needs at least two", q.typ)
		}
		for i, m := range q.members {
			r := p.ids.at(m)
			k := key{q.typ, p.sidOf(r)}
			if _, seen := parent[k]; !seen {
				parent[k] = k
				order = append(order, k)
				kinds[k.sid] = p.kindOf(r)
				line[k] = q.line
			}
			if i == 0 {
				root = find(k)
			} else if kr := find(k); kr != root {
				parent[kr] = root
			}
		}
	}
	groups := map[key]int{}
	var out []scholia.Annotation
	for _, k := range order {
		root := find(k)
		gi, ok := groups[root]
		if !ok {
			gi = len(out)
			groups[root] = gi
			label := ""
			switch kinds[k.sid] {
			case scholia.KindMention:
				label = "entity"
			case scholia.KindEvent:
				label = "event"
			case scholia.KindClaim:
				label = "claim"
			}
			var attrs map[string]string
			if k.typ != "Equiv" {
				attrs = map[string]string{AttrEquivType: k.typ}
			}
			a := scholia.Annotation{ID: next, Project: p.opts.Project, Annotator: p.opts.Annotator, Kind: scholia.KindCluster, Label: label, Attributes: attrs, Cluster: &scholia.ClusterFields{}}
			next++
			out = append(out, a)
		} else if kinds[k.sid] != kinds[out[gi].Cluster.Members[0]] {
			return nil, p.errAt(line[k], "equivalence %s mixes a %s and a %s; a cluster holds annotations of one kind", k.typ, kinds[out[gi].Cluster.Members[0]], kinds[k.sid])
		}
		out[gi].Cluster.Members = append(out[gi].Cluster.Members, k.sid)
	}
	return out, nil
}
