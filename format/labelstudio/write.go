package labelstudio

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/scholia-nlp/scholia"
)

// WriteOptions say how to write documents as Label Studio tasks.
type WriteOptions struct {
	// TextKey is the key of the text in each task's data ("text").
	TextKey string
	// Annotators is the map given to ReadOptions.Annotators, read
	// backwards: a layer name found among its values is written with its
	// key as completed_by (a number for a decimal user id, else an object
	// with that email). Other layers are written as "user-<id>" -> id, or
	// as an object with the layer name as email.
	Annotators map[string]string
	// PredictionLayers are the layers written as predictions, with the
	// layer name as model_version; the others are written as annotations.
	PredictionLayers []string
	// UTF16 writes offsets in UTF-16 code units, for Label Studio versions
	// that count them; by default offsets are code points.
	UTF16 bool
	// Names are the control names and relation labels (see Names).
	Names Names
	// Schema says which attributes are choices (those with a value list;
	// others are written as textarea results) and which relation labels
	// are relation types (see ReadOptions.Schema). Default
	// scholia.NewsSchema().
	Schema *scholia.Schema
}

// Omission is a part of a document that Label Studio cannot hold, so Write
// left it out.
type Omission struct {
	Document     string // the document (task)
	AnnotationID int64  // the annotation that lost something
	Reason       string // what was left out and why
}

// Write writes documents as a Label Studio JSON export (an array of tasks,
// one per line) that Read reads back into the same annotations, and that
// Label Studio imports. See the package documentation for the mapping.
// It fails, naming the annotation, on what would not read back the same
// (a relation label that would read as an event argument, a reference to
// an annotation in no task); what Label Studio has no place for (cluster
// titles, relation attributes) is returned as omissions.
func Write(w io.Writer, docs []scholia.AnnotatedDocument, opts WriteOptions) ([]Omission, error) {
	if opts.TextKey == "" {
		opts.TextKey = "text"
	}
	if opts.Schema == nil {
		opts.Schema = scholia.NewsSchema()
	}
	opts.Names = opts.Names.withDefaults()
	wr := &writer{opts: opts, relations: map[string]bool{}, choices: map[string]bool{}, users: map[string]string{}}
	for _, r := range opts.Schema.RelationTypes {
		wr.relations[r.Name] = true
	}
	for _, a := range opts.Schema.Attributes {
		if len(a.Values) > 0 {
			wr.choices[a.Name] = true
		}
	}
	for k, v := range opts.Annotators {
		if old, ok := wr.users[v]; !ok || k < old {
			wr.users[v] = k
		}
	}
	bw := bufio.NewWriterSize(w, 64<<10)
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	bw.WriteString("[")
	for i := range docs {
		t, err := wr.task(&docs[i])
		if err != nil {
			return wr.omit, err
		}
		if i > 0 {
			bw.WriteString(",")
		}
		bw.WriteString("\n")
		buf.Reset()
		if err := enc.Encode(t); err != nil {
			return wr.omit, err
		}
		bw.Write(bytes.TrimSuffix(buf.Bytes(), []byte{'\n'}))
	}
	bw.WriteString("\n]\n")
	return wr.omit, bw.Flush()
}

type writer struct {
	opts      WriteOptions
	relations map[string]bool
	choices   map[string]bool
	users     map[string]string // layer name -> Annotators key
	omit      []Omission
}

// outTask is a task as written; data is ordered for people reading it.
type outTask struct {
	ID          flexString   `json:"id,omitempty"`
	Data        outData      `json:"data"`
	Annotations []annotation `json:"annotations"`
	Predictions []annotation `json:"predictions"`
}

type outData struct {
	fields [][2]string
}

// MarshalJSON writes the data fields in order.
func (d outData) MarshalJSON() ([]byte, error) {
	b := []byte{'{'}
	for i, f := range d.fields {
		if i > 0 {
			b = append(b, ',')
		}
		k, _ := json.Marshal(f[0])
		v, _ := json.Marshal(f[1])
		b = append(append(append(b, k...), ':'), v...)
	}
	return append(b, '}'), nil
}

func (wr *writer) task(d *scholia.AnnotatedDocument) (*outTask, error) {
	tx, err := scholia.NewText(d.Document.Text)
	if err != nil {
		return nil, fmt.Errorf("document %s: %v", d.Document.ID, err)
	}
	t := &outTask{Annotations: []annotation{}, Predictions: []annotation{}}
	if _, err := strconv.ParseInt(d.Document.ID, 10, 64); err == nil {
		t.ID = flexString(d.Document.ID)
	}
	t.Data.fields = append(t.Data.fields, [2]string{wr.opts.TextKey, d.Document.Text})
	if t.ID == "" && d.Document.ID != "" {
		t.Data.fields = append(t.Data.fields, [2]string{"doc_id", d.Document.ID})
	}
	for _, f := range [][2]string{{"title", d.Document.Title}, {"url", d.Document.URL}, {"source", d.Document.Source}, {"language", d.Document.Language}} {
		if f[1] != "" {
			t.Data.fields = append(t.Data.fields, f)
		}
	}
	if !d.Document.PublishTime.IsZero() {
		t.Data.fields = append(t.Data.fields, [2]string{"publish_time", d.Document.PublishTime.Format(time.RFC3339Nano)})
	}
	var layers []string
	byLayer := map[string][]*scholia.Annotation{}
	for _, l := range d.Layers {
		if _, ok := byLayer[l.Annotator]; !ok {
			layers = append(layers, l.Annotator)
			byLayer[l.Annotator] = nil
		}
	}
	for i := range d.Annotations {
		a := &d.Annotations[i]
		if _, ok := byLayer[a.Annotator]; !ok {
			layers = append(layers, a.Annotator)
		}
		byLayer[a.Annotator] = append(byLayer[a.Annotator], a)
	}
	u16 := newUTF16Map(d.Document.Text, tx.Len())
	for i, l := range layers {
		lw := &layerWriter{wr: wr, doc: d, text: tx, u16: u16, byID: map[int64]*scholia.Annotation{}}
		for _, a := range byLayer[l] {
			if _, dup := lw.byID[a.ID]; dup {
				return nil, fmt.Errorf("document %s: annotation id %d used twice in layer %s", d.Document.ID, a.ID, l)
			}
			lw.byID[a.ID] = a
		}
		for _, a := range byLayer[l] {
			if err := lw.annotation(a); err != nil {
				return nil, fmt.Errorf("document %s, layer %s: %v", d.Document.ID, l, err)
			}
		}
		out := annotation{Result: lw.results}
		if out.Result == nil {
			out.Result = []result{}
		}
		if slices.Contains(wr.opts.PredictionLayers, l) {
			out.ModelVersion = l
			t.Predictions = append(t.Predictions, out)
			continue
		}
		out.ID = flexString(strconv.Itoa(i + 1))
		out.CompletedBy = wr.completedBy(l)
		t.Annotations = append(t.Annotations, out)
	}
	return t, nil
}

// completedBy returns the completed_by of a layer (see
// WriteOptions.Annotators).
func (wr *writer) completedBy(layer string) json.RawMessage {
	key, ok := wr.users[layer]
	if !ok {
		key = layer
		if id, ok := strings.CutPrefix(layer, "user-"); ok {
			if _, err := strconv.ParseInt(id, 10, 64); err == nil {
				key = id
			}
		}
	}
	if _, err := strconv.ParseInt(key, 10, 64); err == nil {
		return json.RawMessage(key)
	}
	b, _ := json.Marshal(map[string]string{"email": key})
	return b
}

// layerWriter writes the results of one layer.
type layerWriter struct {
	wr      *writer
	doc     *scholia.AnnotatedDocument
	text    *scholia.Text
	u16     *utf16Map
	byID    map[int64]*scholia.Annotation
	results []result
}

func regionID(id int64) string { return "r" + strconv.FormatInt(id, 10) }

func (lw *layerWriter) omitf(a *scholia.Annotation, format string, args ...any) {
	lw.wr.omit = append(lw.wr.omit, Omission{Document: lw.doc.Document.ID, AnnotationID: a.ID, Reason: fmt.Sprintf(format, args...)})
}

func (lw *layerWriter) annotation(a *scholia.Annotation) error {
	n := lw.wr.opts.Names
	switch a.Kind {
	case scholia.KindMention:
		return lw.region(a, regionID(a.ID), n.Mention, labelsOf(a), a.Spans, a.Attributes)
	case scholia.KindEvent:
		if err := lw.region(a, regionID(a.ID), n.Event, labelsOf(a), a.Spans, a.Attributes); err != nil {
			return err
		}
		for _, arg := range a.Arguments {
			if lw.wr.relations[arg.Role] || arg.Role == n.Cluster {
				return fmt.Errorf("annotation %d: role %q is also a relation label and would not read back as a role", a.ID, arg.Role)
			}
			if err := lw.relation(a, a.ID, arg.AnnotationID, arg.Role, "right", nil); err != nil {
				return err
			}
		}
	case scholia.KindClaim:
		return lw.claim(a)
	case scholia.KindRelation:
		if a.Relation == nil {
			return fmt.Errorf("annotation %d: a relation without ends", a.ID)
		}
		src := lw.byID[a.Relation.Source]
		switch {
		case a.Label == n.Cluster:
			return fmt.Errorf("annotation %d: relation type %q is the label of cluster links", a.ID, a.Label)
		case src != nil && src.Kind == scholia.KindEvent && !lw.wr.relations[a.Label]:
			return fmt.Errorf("annotation %d: relation type %q from an event is not in the schema and would read back as an argument", a.ID, a.Label)
		case src != nil && src.Kind == scholia.KindClaim && (a.Label == n.SourceRole || a.Label == n.CueRole):
			return fmt.Errorf("annotation %d: relation type %q from a claim would read back as the claim's %s", a.ID, a.Label, a.Label)
		}
		dir := "right"
		for k, v := range a.Attributes {
			switch {
			case k == AttrDirection && v == "bi":
				dir = "bi"
			case k == AttrExtraLabels || k == AttrScore && isScore(v):
			default:
				lw.omitf(a, "relation attribute %s: Label Studio relations have no attributes", k)
			}
		}
		return lw.relation(a, a.Relation.Source, a.Relation.Target, a.Label, dir, a.Attributes)
	case scholia.KindCluster:
		return lw.cluster(a)
	default:
		return fmt.Errorf("annotation %d: unknown kind %d", a.ID, a.Kind)
	}
	return nil
}

// labelsOf returns an annotation's Label Studio labels.
func labelsOf(a *scholia.Annotation) []string {
	labels := []string{}
	x, extra := a.Attributes[AttrExtraLabels]
	if a.Label != "" || a.Kind != scholia.KindClaim || extra {
		labels = append(labels, a.Label)
	}
	if extra {
		labels = append(labels, strings.Split(x, "|")...)
	}
	return labels
}

// offsets converts a span to Label Studio offsets.
func (lw *layerWriter) offsets(s scholia.Span) (json.RawMessage, json.RawMessage) {
	start, end := s.Start, s.End
	if lw.wr.opts.UTF16 {
		start, end = lw.u16.toUTF16(start), lw.u16.toUTF16(end)
	}
	return json.RawMessage(strconv.FormatInt(start, 10)), json.RawMessage(strconv.FormatInt(end, 10))
}

// region writes the labels results of a span (one per fragment) and the
// per-region results of its attributes.
func (lw *layerWriter) region(a *scholia.Annotation, id, from string, labels []string, spans []scholia.Span, attrs map[string]string) error {
	if len(spans) == 0 {
		return fmt.Errorf("annotation %d: no span", a.ID)
	}
	n := lw.text.Len()
	for i, s := range spans {
		if s.Start < 0 || s.End > n || s.End <= s.Start || (i > 0 && s.Start < spans[i-1].End) {
			return fmt.Errorf("annotation %d: span [%d,%d) is empty, out of order or outside the text (%d code points)", a.ID, s.Start, s.End, n)
		}
	}
	for i, s := range spans {
		rid := id
		if i > 0 {
			rid = id + FragmentSep + strconv.Itoa(i+1)
		}
		st, en := lw.offsets(s)
		txt, _ := json.Marshal(lw.text.Slice(s.Start, s.End))
		ls := labels
		r := result{ID: flexString(rid), FromName: from, ToName: lw.wr.opts.Names.ToName, Type: "labels", Value: &value{Start: st, End: en, Text: txt, Labels: &ls}}
		if i == 0 {
			if note, ok := attrs[AttrNote]; ok {
				r.Meta = &meta{Text: strings.Split(note, "\n")}
			}
			if sc, ok := attrs[AttrScore]; ok && isScore(sc) {
				f, _ := strconv.ParseFloat(sc, 64)
				r.Score = &f
			}
		}
		lw.results = append(lw.results, r)
	}
	keys := make([]string, 0, len(attrs))
	for k := range attrs {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		v := attrs[k]
		switch k {
		case AttrNote, AttrExtraLabels:
			continue
		case AttrScore:
			if isScore(v) {
				continue
			}
		}
		lw.perRegion(id, spans[0], k, v, lw.wr.choices[k] && !strings.Contains(v, "|"))
	}
	return nil
}

// perRegion writes a choices or textarea result about a region.
func (lw *layerWriter) perRegion(id string, s scholia.Span, from, v string, choice bool) {
	st, en := lw.offsets(s)
	r := result{ID: flexString(id), FromName: from, ToName: lw.wr.opts.Names.ToName, Value: &value{Start: st, End: en}}
	if choice {
		r.Type = "choices"
		r.Value.Choices = []string{v}
	} else {
		r.Type = "textarea"
		r.Value.Text, _ = json.Marshal(strings.Split(v, "\n"))
	}
	lw.results = append(lw.results, r)
}

func (lw *layerWriter) claim(a *scholia.Annotation) error {
	n := lw.wr.opts.Names
	for _, k := range []string{ClaimStance, ClaimCheckWorthiness, ClaimClaimant, ClaimValue, ClaimUnit, ClaimTime} {
		if _, ok := a.Attributes[k]; ok {
			return fmt.Errorf("annotation %d: attribute %q is reserved for the claim's fields", a.ID, k)
		}
	}
	id := regionID(a.ID)
	if err := lw.region(a, id, n.Claim, labelsOf(a), a.Spans, a.Attributes); err != nil {
		return err
	}
	c := a.Claim
	if c == nil {
		return nil
	}
	put := func(k, v string, choice bool) {
		if v != "" {
			lw.perRegion(id, a.Spans[0], k, v, choice)
		}
	}
	put(ClaimStance, c.Stance, true)
	put(ClaimCheckWorthiness, c.CheckWorthiness, true)
	put(ClaimClaimant, c.ClaimantText, false)
	if nv := c.Normalized; nv != nil {
		// The value is written even when empty, so that an empty
		// normalised value reads back as present.
		lw.perRegion(id, a.Spans[0], ClaimValue, nv.Value, false)
		put(ClaimUnit, nv.Unit, false)
		put(ClaimTime, nv.Time, false)
	}
	if c.ClaimantID != 0 {
		if m := lw.byID[c.ClaimantID]; m == nil || m.Kind != scholia.KindMention {
			return fmt.Errorf("annotation %d: claimant %d is not a mention of the layer", a.ID, c.ClaimantID)
		}
		lw.results = append(lw.results, result{FromID: flexString(id), ToID: flexString(regionID(c.ClaimantID)), Type: "relation", Direction: "right", Labels: []string{n.SourceRole}})
	}
	if len(c.Cue) > 0 {
		cue := id + CueSuffix
		if err := lw.region(a, cue, n.Cue, []string{n.CueRole}, c.Cue, nil); err != nil {
			return err
		}
		lw.results = append(lw.results, result{FromID: flexString(id), ToID: flexString(cue), Type: "relation", Direction: "right", Labels: []string{n.CueRole}})
	}
	return nil
}

// relation writes a relation result between two annotations of the layer.
func (lw *layerWriter) relation(a *scholia.Annotation, from, to int64, label, dir string, attrs map[string]string) error {
	for _, id := range [2]int64{from, to} {
		if m := lw.byID[id]; m == nil || m.Kind == scholia.KindRelation || m.Kind == scholia.KindCluster {
			return fmt.Errorf("annotation %d refers to %d, which is no mention, event or claim of the layer", a.ID, id)
		}
	}
	labels := []string{label}
	if x, ok := attrs[AttrExtraLabels]; ok {
		labels = append(labels, strings.Split(x, "|")...)
	}
	r := result{FromID: flexString(regionID(from)), ToID: flexString(regionID(to)), Type: "relation", Direction: dir, Labels: labels}
	if sc, ok := attrs[AttrScore]; ok && isScore(sc) {
		f, _ := strconv.ParseFloat(sc, 64)
		r.Score = &f
	}
	lw.results = append(lw.results, r)
	return nil
}

// cluster writes a cluster as a chain of relations between its members in
// the task.
func (lw *layerWriter) cluster(a *scholia.Annotation) error {
	if a.Cluster == nil {
		return fmt.Errorf("annotation %d: a cluster without members", a.ID)
	}
	if a.Cluster.Title != "" {
		lw.omitf(a, "cluster title: Label Studio has no clusters")
	}
	for k := range a.Attributes {
		lw.omitf(a, "cluster attribute %s: Label Studio has no clusters", k)
	}
	var in []int64
	for _, m := range a.Cluster.Members {
		if t := lw.byID[m]; t != nil && t.Kind != scholia.KindRelation && t.Kind != scholia.KindCluster {
			in = append(in, m)
		} else {
			lw.omitf(a, "member %d is not in this task's layer", m)
		}
	}
	if len(in) < 2 {
		lw.omitf(a, "cluster has %d member(s) in this task; linking needs two", len(in))
		return nil
	}
	for i := 1; i < len(in); i++ {
		lw.results = append(lw.results, result{FromID: flexString(regionID(in[i-1])), ToID: flexString(regionID(in[i])), Type: "relation", Direction: "right", Labels: []string{lw.wr.opts.Names.Cluster}})
	}
	return nil
}

// isScore reports whether an attribute value is a number that reads back
// from a result's score as the same string.
func isScore(v string) bool {
	f, err := strconv.ParseFloat(v, 64)
	return err == nil && !math.IsNaN(f) && !math.IsInf(f, 0) && strconv.FormatFloat(f, 'g', -1, 64) == v
}
