package brat

import (
	"fmt"
	"io"
	"os"
	"slices"
	"strconv"
	"strings"

	"github.com/scholia-nlp/scholia"
)

// WriteOptions say which annotations to write and how.
type WriteOptions struct {
	// Annotator selects one layer; empty writes every annotation of the
	// document (a brat file has no layers, so pick one for a clean file).
	Annotator string
	// Claims says how claims become attribution events; zero fields take
	// the defaults of DefaultClaimMapping.
	Claims ClaimMapping
	// Schema, when given, says how to write attributes: one whose
	// definition lists values is never written as a binary A line (without
	// it, the value "true" is, and reads back as "true"); a free-text one
	// (no value list) is written as a # line, which brat accepts without a
	// declaration in annotation.conf.
	Schema *scholia.Schema
}

// Omission is a part of a scholia document that brat cannot hold, so Write
// left it out: a cluster's title or attributes, a cluster member from
// another document, a cluster with fewer than two members in the document.
type Omission struct {
	AnnotationID int64  // the annotation (a cluster) that lost something
	Reason       string // what was left out and why
}

// WriteFiles writes the document to txtPath and annPath (see Write).
func WriteFiles(txtPath, annPath string, doc scholia.AnnotatedDocument, opts WriteOptions) ([]Omission, error) {
	w, err := newWriter(doc, opts)
	if err != nil {
		return nil, err
	}
	if err := w.run(); err != nil {
		return w.omit, err
	}
	// WriteString hands the text to the file without copying it.
	if err := writeFile(txtPath, func(f *os.File) error { _, err := f.WriteString(doc.Document.Text); return err }); err != nil {
		return w.omit, err
	}
	return w.omit, writeFile(annPath, func(f *os.File) error { _, err := f.Write(w.annotations()); return err })
}

// writeFile writes a new file at path with write.
func writeFile(path string, write func(f *os.File) error) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		return err
	}
	err = write(f)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

// Write writes the document's text to txt (exactly, line ends included)
// and its annotations as brat standoff to ann; txt may be nil. Ids are
// numbered afresh (T1, E1, R1, A1, N1, #1 in annotation order). Mentions
// become T lines, events a trigger T line and an E line (events of the same
// type with the same trigger span and trigger attributes share one T line,
// as brat does), claims attribution events (see ClaimMapping), relations R
// lines and clusters "*" lines; attributes become A, N or # lines as the
// package documentation says.
//
// Write fails, naming the annotation, when something cannot be written so
// that it reads back the same: a label or role with white space, a role
// ending in a digit that collides with brat's numbering of repeated roles
// (Arg1 twice), a span
// outside the text, a note with a line break, a reference to an annotation
// that is not written. What brat has no place for at all is returned as
// omissions.
func Write(txt, ann io.Writer, doc scholia.AnnotatedDocument, opts WriteOptions) ([]Omission, error) {
	w, err := newWriter(doc, opts)
	if err != nil {
		return nil, err
	}
	if err := w.run(); err != nil {
		return w.omit, err
	}
	if txt != nil {
		if _, err := io.WriteString(txt, doc.Document.Text); err != nil {
			return w.omit, err
		}
	}
	_, err = ann.Write(w.annotations())
	return w.omit, err
}

// annotations returns the .ann file: the lines of each type, T lines
// first.
func (w *writer) annotations() []byte {
	parts := [][]byte{w.tb, w.eb, w.rb, w.sb, w.ab, w.nb, w.hb}
	n := 0
	for _, b := range parts {
		n += len(b)
	}
	out := make([]byte, 0, n)
	for _, b := range parts {
		out = append(out, b...)
	}
	return out
}

type writer struct {
	text     *scholia.Text
	opts     WriteOptions
	claims   ClaimMapping
	valued   map[string]bool            // attributes the schema gives a value list
	roleSets map[string]map[string]bool // event type -> its roles in the schema, as looked up
	free     map[string]bool            // attributes always written as # lines
	anns     []*scholia.Annotation
	bid      map[int64]string
	refs     map[int64]int // references to each mention
	trigKeys map[int64]string
	trigN    map[string]int // events per trigger key
	trigs    map[string]string
	nT, nE   int
	nA, nN   int
	nH       int
	// Lines by type, concatenated at the end: T, E, R, *, A, N, #.
	tb, eb, rb, sb, ab, nb, hb []byte
	omit                       []Omission
}

func newWriter(doc scholia.AnnotatedDocument, opts WriteOptions) (*writer, error) {
	t, err := scholia.NewText(doc.Document.Text)
	if err != nil {
		return nil, fmt.Errorf("document %s: %v", doc.Document.ID, err)
	}
	n := len(doc.Annotations)
	w := &writer{text: t, opts: opts, claims: opts.Claims.withDefaults(), bid: make(map[int64]string, n), refs: make(map[int64]int, n),
		trigKeys: map[int64]string{}, trigN: map[string]int{}, trigs: map[string]string{}, anns: make([]*scholia.Annotation, 0, n)}
	w.free = map[string]bool{AttrClaimant: true, AttrValue: true, AttrUnit: true, AttrTime: true}
	if opts.Schema != nil {
		w.valued = map[string]bool{}
		for _, d := range opts.Schema.Attributes {
			switch {
			case len(d.Values) == 0:
				w.free[d.Name] = true
			case !slices.Equal(d.Values, []string{"true"}):
				w.valued[d.Name] = true
			}
		}
	}
	var nR int
	for i := range doc.Annotations {
		a := &doc.Annotations[i]
		if opts.Annotator != "" && a.Annotator != opts.Annotator {
			continue
		}
		w.anns = append(w.anns, a)
		if _, dup := w.bid[a.ID]; dup && a.Kind != scholia.KindCluster {
			return nil, fmt.Errorf("annotation %d: id used twice", a.ID)
		}
		switch a.Kind {
		case scholia.KindMention:
			w.nT++
			w.bid[a.ID] = "T" + strconv.Itoa(w.nT)
		case scholia.KindEvent, scholia.KindClaim:
			w.nE++
			w.bid[a.ID] = "E" + strconv.Itoa(w.nE)
		case scholia.KindRelation:
			nR++
			w.bid[a.ID] = "R" + strconv.Itoa(nR)
		case scholia.KindCluster:
		default:
			return nil, fmt.Errorf("annotation %d: unknown kind %d", a.ID, a.Kind)
		}
		w.countRefs(a)
	}
	w.nT, w.nE = 0, 0
	return w, nil
}

// countRefs counts the references an annotation makes to mentions, to tell
// which events would read back as claims (see looksLikeClaim).
func (w *writer) countRefs(a *scholia.Annotation) {
	for _, arg := range a.Arguments {
		w.refs[arg.AnnotationID]++
	}
	if a.Relation != nil {
		w.refs[a.Relation.Source]++
		w.refs[a.Relation.Target]++
	}
	if a.Cluster != nil {
		for _, m := range a.Cluster.Members {
			w.refs[m]++
		}
	}
	if a.Claim != nil && a.Claim.ClaimantID != 0 {
		w.refs[a.Claim.ClaimantID]++
	}
	if len(a.Attributes) > 0 {
		w.refs[a.ID]++
	}
	if a.Kind == scholia.KindEvent {
		k := a.Label + "\x00" + spanKey(a.Spans) + "\x00" + attrKey(a.Attributes, TriggerPrefix)
		w.trigKeys[a.ID] = k
		w.trigN[k]++
	}
}

func (w *writer) run() error {
	byID := make(map[int64]*scholia.Annotation, len(w.anns))
	for _, a := range w.anns {
		byID[a.ID] = a
	}
	argOf := map[int64]bool{}
	for _, a := range w.anns {
		for _, arg := range a.Arguments {
			argOf[arg.AnnotationID] = true
		}
	}
	// Mentions first: newWriter numbered their T lines T1, T2, ... in
	// order, before the T lines of triggers, contents and cues, so that
	// annotations in any order (an event before a mention, as annotators
	// make them) refer to the right lines.
	for _, a := range w.anns {
		if a.Kind != scholia.KindMention {
			continue
		}
		id, err := w.writeT(a, a.Label, a.Spans)
		if err == nil {
			err = w.writeAttrs(a, id, a.Attributes)
		}
		if err != nil {
			return err
		}
	}
	for _, a := range w.anns {
		var err error
		switch a.Kind {
		case scholia.KindEvent:
			if !w.claims.Disabled && a.Label == w.claims.EventType && !argOf[a.ID] && w.trigN[w.trigKeys[a.ID]] == 1 && w.looksLikeClaim(a, byID) {
				return fmt.Errorf("annotation %d (event): an event of the claim mapping's type %s with only %s, %s or %s arguments would read back as a claim; use another type or a claim", a.ID, a.Label, w.claims.Source, w.claims.Content, w.claims.Cue)
			}
			err = w.writeEvent(a)
		case scholia.KindClaim:
			err = w.writeClaim(a, byID)
		case scholia.KindRelation:
			err = w.writeRelation(a)
		case scholia.KindCluster:
			err = w.writeCluster(a)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// looksLikeClaim reports whether an event would be read as a claim.
func (w *writer) looksLikeClaim(a *scholia.Annotation, byID map[int64]*scholia.Annotation) bool {
	m := w.claims
	var src, content, cue int
	for _, arg := range a.Arguments {
		t := byID[arg.AnnotationID]
		if t == nil || t.Kind != scholia.KindMention {
			return false
		}
		switch arg.Role {
		case m.Source:
			src++
		case m.Content:
			content++
			if t.Label != m.ContentType || w.refs[t.ID] != 1 {
				return false
			}
		case m.Cue:
			cue++
			if t.Label != m.CueType || w.refs[t.ID] != 1 {
				return false
			}
		default:
			return false
		}
	}
	return src <= 1 && content <= 1 && cue <= 1 && content+cue < 2
}

// spanKey is a canonical string of spans.
func spanKey(spans []scholia.Span) string {
	var b []byte
	for _, s := range spans {
		b = strconv.AppendInt(b, s.Start, 10)
		b = append(b, ' ')
		b = strconv.AppendInt(b, s.End, 10)
		b = append(b, ';')
	}
	return string(b)
}

// attrKey is a canonical string of the attributes whose keys start with
// prefix.
func attrKey(attrs map[string]string, prefix string) string {
	var keys []string
	for k := range attrs {
		if strings.HasPrefix(k, prefix) {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	var b strings.Builder
	for _, k := range keys {
		b.WriteString(k)
		b.WriteByte(0)
		b.WriteString(attrs[k])
		b.WriteByte(0)
	}
	return b.String()
}

// isToken reports whether s can stand as one space-separated field of a
// brat line.
func isToken(s string) bool {
	return s != "" && !strings.ContainsAny(s, " \t\n\r\v\f\u0085\u00a0")
}

// writeT writes a T line and returns its id.
func (w *writer) writeT(a *scholia.Annotation, label string, spans []scholia.Span) (string, error) {
	if !isToken(label) {
		return "", fmt.Errorf("annotation %d (%s): label %q is empty or contains white space, which a brat line cannot hold", a.ID, a.Kind, label)
	}
	if len(spans) == 0 {
		return "", fmt.Errorf("annotation %d (%s): no span", a.ID, a.Kind)
	}
	n := w.text.Len()
	for i, s := range spans {
		if s.Start < 0 || s.End > n || s.End <= s.Start || (i > 0 && s.Start < spans[i-1].End) {
			return "", fmt.Errorf("annotation %d (%s): span [%d,%d) is empty, out of order or outside the text (%d code points)", a.ID, a.Kind, s.Start, s.End, n)
		}
	}
	w.nT++
	id := "T" + strconv.Itoa(w.nT)
	b := append(w.tb, id...)
	b = append(b, '\t')
	b = append(b, label...)
	b = append(b, ' ')
	for i, s := range spans {
		if i > 0 {
			b = append(b, ';')
		}
		b = strconv.AppendInt(b, s.Start, 10)
		b = append(b, ' ')
		b = strconv.AppendInt(b, s.End, 10)
	}
	b = append(b, '\t')
	doc := w.text.String()
	for i, s := range spans {
		if i > 0 {
			b = append(b, ' ')
		}
		seg := doc[w.text.ByteOffset(s.Start):w.text.ByteOffset(s.End)]
		for j := 0; j < len(seg); j++ {
			c := seg[j]
			if c == '\n' || c == '\r' {
				c = ' '
			}
			b = append(b, c)
		}
	}
	w.tb = append(b, '\n')
	return id, nil
}

// splitTrigger separates the attributes that go on the trigger T line.
func splitTrigger(attrs map[string]string) (trig, rest map[string]string) {
	for k, v := range attrs {
		if s, ok := strings.CutPrefix(k, TriggerPrefix); ok {
			if trig == nil {
				trig = map[string]string{}
			}
			trig[s] = v
		} else {
			if rest == nil {
				rest = map[string]string{}
			}
			rest[k] = v
		}
	}
	return trig, rest
}

func (w *writer) ref(a *scholia.Annotation, id int64) (string, error) {
	if b, ok := w.bid[id]; ok {
		return b, nil
	}
	return "", fmt.Errorf("annotation %d (%s) refers to annotation %d, which is not among the annotations written", a.ID, a.Kind, id)
}

func (w *writer) writeEvent(a *scholia.Annotation) error {
	trigAttrs, rest := splitTrigger(a.Attributes)
	key := w.trigKeys[a.ID]
	tid, ok := w.trigs[key]
	if !ok {
		var err error
		if tid, err = w.writeT(a, a.Label, a.Spans); err != nil {
			return err
		}
		w.trigs[key] = tid
		if err := w.writeAttrs(a, tid, trigAttrs); err != nil {
			return err
		}
	}
	args := make([]bratArg, len(a.Arguments))
	for i, arg := range a.Arguments {
		r, err := w.ref(a, arg.AnnotationID)
		if err != nil {
			return err
		}
		args[i] = bratArg{role: arg.Role, ref: r}
	}
	return w.writeE(a, tid, args, rest)
}

// writeE writes an E line, numbering repeated roles as brat does (Theme,
// Theme2, Theme3, ...), and the event's attributes.
func (w *writer) writeE(a *scholia.Annotation, tid string, args []bratArg, attrs map[string]string) error {
	id := w.bid[a.ID]
	b := append(w.eb, id...)
	b = append(b, '\t')
	b = append(b, w.typeOf(a)...)
	b = append(b, ':')
	b = append(b, tid...)
	var seen map[string]int
	written := make([]string, len(args))
	for i, arg := range args {
		if !isToken(arg.role) {
			return fmt.Errorf("annotation %d (%s): role %q is empty or contains white space", a.ID, a.Kind, arg.role)
		}
		if seen == nil {
			seen = map[string]int{}
		}
		seen[arg.role]++
		written[i] = arg.role
		if k := seen[arg.role]; k > 1 {
			written[i] += strconv.Itoa(k)
		}
		b = append(b, ' ')
		b = append(b, written[i]...)
		b = append(b, ':')
		b = append(b, arg.ref...)
	}
	// A role that ends in a digit can collide with brat's numbering of
	// repeated roles (Arg1 twice is Arg1 and Arg12, which read as Arg and
	// Arg): such roles cannot be written so that they read back the same.
	back := unnumberRoles(written, w.definedRoles(w.typeOf(a)))
	for i, arg := range args {
		if back[i] != arg.role {
			return fmt.Errorf("annotation %d (%s): role %q, written as %q, would read back as %q: brat numbers repeated roles (Theme, Theme2), which a role ending in a digit collides with",
				a.ID, a.Kind, arg.role, written[i], back[i])
		}
	}
	w.eb = append(b, '\n')
	return w.writeAttrs(a, id, attrs)
}

// definedRoles returns the schema's roles of an event type, as Read
// knows them; nil without a schema.
func (w *writer) definedRoles(typ string) map[string]bool {
	if w.opts.Schema == nil {
		return nil
	}
	if m, ok := w.roleSets[typ]; ok {
		return m
	}
	var m map[string]bool
	for _, et := range w.opts.Schema.EventTypes {
		if et.Name == typ {
			m = make(map[string]bool, len(et.Roles))
			for _, r := range et.Roles {
				m[r.Name] = true
			}
		}
	}
	if w.roleSets == nil {
		w.roleSets = map[string]map[string]bool{}
	}
	w.roleSets[typ] = m
	return m
}

func (w *writer) typeOf(a *scholia.Annotation) string {
	if a.Kind == scholia.KindClaim {
		return w.claims.EventType
	}
	return a.Label
}

func (w *writer) writeClaim(a *scholia.Annotation, byID map[int64]*scholia.Annotation) error {
	m := w.claims
	if m.Disabled {
		return fmt.Errorf("annotation %d (claim): the claim mapping is disabled", a.ID)
	}
	attrs, err := claimAttrs(a)
	if err != nil {
		return err
	}
	trigAttrs, rest := splitTrigger(attrs)
	var cue []scholia.Span
	var args []bratArg
	if a.Claim != nil {
		cue = a.Claim.Cue
		if id := a.Claim.ClaimantID; id != 0 {
			if t := byID[id]; t == nil || t.Kind != scholia.KindMention {
				return fmt.Errorf("annotation %d (claim): claimant %d is not a mention among the annotations written", a.ID, id)
			}
			args = append(args, bratArg{role: m.Source, ref: w.bid[id]})
		}
	}
	trigger := a.Spans
	if len(cue) > 0 && !m.CueArgument {
		trigger = cue
	}
	tid, err := w.writeT(a, m.EventType, trigger)
	if err != nil {
		return err
	}
	if err := w.writeAttrs(a, tid, trigAttrs); err != nil {
		return err
	}
	if len(cue) > 0 {
		label, spans, role := m.ContentType, a.Spans, m.Content
		if m.CueArgument {
			label, spans, role = m.CueType, cue, m.Cue
		}
		id, err := w.writeT(a, label, spans)
		if err != nil {
			return err
		}
		args = append(args, bratArg{role: role, ref: id})
	}
	return w.writeE(a, tid, args, rest)
}

func (w *writer) writeRelation(a *scholia.Annotation) error {
	if a.Relation == nil {
		return fmt.Errorf("annotation %d (relation): no source and target", a.ID)
	}
	if !isToken(a.Label) {
		return fmt.Errorf("annotation %d (relation): type %q is empty or contains white space", a.ID, a.Label)
	}
	src, err := w.ref(a, a.Relation.Source)
	if err != nil {
		return err
	}
	tgt, err := w.ref(a, a.Relation.Target)
	if err != nil {
		return err
	}
	r1, r2 := "Arg1", "Arg2"
	attrs := a.Attributes
	if v, ok := attrs[AttrSourceRole]; ok {
		r1 = v
	}
	if v, ok := attrs[AttrTargetRole]; ok {
		r2 = v
	}
	if r1 != "Arg1" || r2 != "Arg2" {
		attrs = maps2(attrs, AttrSourceRole, AttrTargetRole)
		if !isToken(r1) || !isToken(r2) {
			return fmt.Errorf("annotation %d (relation): argument names %q and %q must be non-empty and without white space", a.ID, r1, r2)
		}
	}
	id := w.bid[a.ID]
	b := append(w.rb, id...)
	b = append(b, '\t')
	b = append(b, a.Label...)
	for _, p := range [2][2]string{{r1, src}, {r2, tgt}} {
		b = append(b, ' ')
		b = append(b, p[0]...)
		b = append(b, ':')
		b = append(b, p[1]...)
	}
	w.rb = append(b, '\n')
	return w.writeAttrs(a, id, attrs)
}

// maps2 returns a copy of m without the given keys.
func maps2(m map[string]string, drop ...string) map[string]string {
	out := make(map[string]string, len(m))
	for k, v := range m {
		if !slices.Contains(drop, k) {
			out[k] = v
		}
	}
	return out
}

func (w *writer) writeCluster(a *scholia.Annotation) error {
	if a.Cluster == nil {
		return fmt.Errorf("annotation %d (cluster): no members", a.ID)
	}
	typ := "Equiv"
	for k, v := range a.Attributes {
		if k == AttrEquivType && isToken(v) {
			typ = v
		} else {
			w.omit = append(w.omit, Omission{a.ID, fmt.Sprintf("cluster attribute %s: brat equivalences have no attributes", k)})
		}
	}
	if a.Cluster.Title != "" {
		w.omit = append(w.omit, Omission{a.ID, "cluster title: brat equivalences have no title"})
	}
	var ids []string
	for _, m := range a.Cluster.Members {
		if b, ok := w.bid[m]; ok {
			ids = append(ids, b)
		} else {
			w.omit = append(w.omit, Omission{a.ID, fmt.Sprintf("member %d is not among the annotations written (another document or layer)", m)})
		}
	}
	if len(ids) < 2 {
		w.omit = append(w.omit, Omission{a.ID, fmt.Sprintf("cluster has %d member(s) in the document; a brat equivalence needs two", len(ids))})
		return nil
	}
	b := append(w.sb, "*\t"...)
	b = append(b, typ...)
	for _, id := range ids {
		b = append(b, ' ')
		b = append(b, id...)
	}
	w.sb = append(b, '\n')
	return nil
}
