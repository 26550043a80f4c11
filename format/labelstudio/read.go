package labelstudio

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"time"

	"github.com/scholia-nlp/scholia"
)

// Names are the Label Studio control names and relation labels that stand
// for scholia's kinds and claim parts. Zero fields take the defaults shown.
type Names struct {
	// Mention is the from_name of mention regions when writing ("label");
	// reading, any labels control not named below holds mentions.
	Mention string
	// Event, Claim and Cue are the from_names of event triggers ("event"),
	// claim spans ("claim") and claim cues ("cue").
	Event, Claim, Cue string
	// ToName is the to_name of the Text object ("text"), for writing.
	ToName string
	// SourceRole labels the relation from a claim to its claimant mention
	// ("Source"); CueRole the relation from a claim to its cue region
	// ("Cue").
	SourceRole, CueRole string
	// Cluster labels the relations that link the members of a cluster
	// ("Equiv"); members linked directly or through others form one
	// cluster.
	Cluster string
}

func (n Names) withDefaults() Names {
	for _, f := range []struct {
		p *string
		d string
	}{
		{&n.Mention, "label"}, {&n.Event, "event"}, {&n.Claim, "claim"}, {&n.Cue, "cue"}, {&n.ToName, "text"},
		{&n.SourceRole, "Source"}, {&n.CueRole, "Cue"}, {&n.Cluster, "Equiv"},
	} {
		if *f.p == "" {
			*f.p = f.d
		}
	}
	return n
}

// Attribute keys with a fixed meaning in the mapping.
const (
	// AttrNote holds a region's meta.text (Label Studio's region note),
	// lines joined by "\n".
	AttrNote = "note"
	// AttrExtraLabels holds the labels of a region or relation after the
	// first, joined by "|": scholia annotations have one label.
	AttrExtraLabels = "extra_labels"
	// AttrScore holds a result's score (predictions).
	AttrScore = "score"
	// AttrDirection is "bi" for a relation Label Studio draws both ways.
	AttrDirection = "direction"
)

// The from_names of the per-region results of a claim region that hold its
// fields: stance and check-worthiness as choices, the others as textarea
// results.
const (
	ClaimStance          = "stance"           // the claim's stance
	ClaimCheckWorthiness = "check_worthiness" // the claim's check-worthiness
	ClaimClaimant        = "claimant"         // the free-text claimant
	ClaimValue           = "normalized_value" // the normalised value
	ClaimUnit            = "normalized_unit"  // the normalised value's unit
	ClaimTime            = "normalized_time"  // the normalised value's time
)

// ReadOptions say how to read a Label Studio export.
type ReadOptions struct {
	// Project fills in the project of documents and annotations.
	Project string
	// TextKey is the key of the text in each task's data ("text").
	TextKey string
	// Annotators maps a completed_by value to a layer name: the user id as
	// a decimal string, or the user's email when completed_by is an object
	// with one. Unmapped users get their email, else "user-<id>".
	Annotators map[string]string
	// PredictionLayer names the layer of predictions; by default each
	// prediction's model_version, else "prediction".
	PredictionLayer string
	// Offsets says what region offsets count (default OffsetsAuto).
	Offsets OffsetUnit
	// FirstID is the id of each document's first annotation (default 1).
	FirstID int64
	// Names are the control names and relation labels (see Names).
	Names Names
	// Schema tells relations from event arguments: a relation from an
	// event region whose label is one of the schema's relation types is a
	// relation, any other is an argument with that role. Default
	// scholia.NewsSchema().
	Schema *scholia.Schema
}

// Report says what Read did to each task.
type Report struct {
	Tasks []TaskReport
	// PredictionLayers lists the layers read from predictions, for
	// WriteOptions.PredictionLayers.
	PredictionLayers []string
}

// TaskReport is what happened to one task.
type TaskReport struct {
	Index    int    // position of the task in the export, from 0
	TaskID   string // the task's id, if it has one
	Document string // the document id given to it
	Regions  int    // labels regions read
	// UTF16 counts the regions whose offsets were UTF-16 code units and
	// were converted to code points.
	UTF16 int
	// Errors lists the results that could not be read and were left out:
	// offsets that do not match value.text, relations to missing regions,
	// result types scholia has no place for.
	Errors []*ResultError
	// Notes lists other things done, such as a renamed duplicate layer or
	// a skipped cancelled annotation.
	Notes []string
}

// ResultError is a problem with one result of a task.
type ResultError struct {
	Task     int    // index of the task in the export
	TaskID   string // the task's id
	Layer    string // the layer the result belongs to
	ResultID string // the result's id (relations: "from->to")
	Msg      string
}

// Error says which task and result and what is wrong.
func (e *ResultError) Error() string {
	id := ""
	if e.TaskID != "" {
		id = " (id " + e.TaskID + ")"
	}
	return fmt.Sprintf("task %d%s, %s, result %s: %s", e.Task, id, e.Layer, e.ResultID, e.Msg)
}

// Read reads a Label Studio JSON export: an array of tasks (or a stream of
// task objects, one per line or concatenated). Each task becomes a
// document with the text data[TextKey]; each of its annotations becomes one
// layer, named after completed_by through opts.Annotators; each prediction
// a layer named after its model_version (see ReadOptions). The package
// documentation says how results map to annotations.
//
// Region offsets are converted to code points: with OffsetsAuto, a region
// whose value.text equals the text at its offsets as code points is taken
// as is; one whose value.text matches only when the offsets count UTF-16
// code units (older Label Studio versions) is converted; a region without
// value.text follows the other regions of its task. Results that cannot be
// read are left out and listed in the report, never silently. The error is
// for input that is not a Label Studio export at all.
func Read(r io.Reader, opts ReadOptions) ([]scholia.AnnotatedDocument, *Report, error) {
	if opts.TextKey == "" {
		opts.TextKey = "text"
	}
	if opts.FirstID == 0 {
		opts.FirstID = 1
	}
	if opts.Schema == nil {
		opts.Schema = scholia.NewsSchema()
	}
	opts.Names = opts.Names.withDefaults()
	br := bufio.NewReaderSize(r, 64<<10)
	array, err := startsArray(br)
	if err != nil {
		return nil, nil, err
	}
	dec := json.NewDecoder(br)
	if array {
		if _, err := dec.Token(); err != nil {
			return nil, nil, fmt.Errorf("labelstudio: %v", err)
		}
	}
	rd := newReader(opts)
	var docs []scholia.AnnotatedDocument
	rep := &Report{}
	for i := 0; ; i++ {
		if array && !dec.More() {
			break
		}
		var t task
		if err := dec.Decode(&t); err == io.EOF && !array {
			break
		} else if err != nil {
			return nil, nil, fmt.Errorf("labelstudio: task %d: %v", i, err)
		}
		doc, tr, err := rd.task(i, &t, rep)
		if err != nil {
			return nil, nil, err
		}
		docs = append(docs, doc)
		rep.Tasks = append(rep.Tasks, tr)
	}
	if array {
		if _, err := dec.Token(); err != nil {
			return nil, nil, fmt.Errorf("labelstudio: after the last task: %v", err)
		}
		if _, err := dec.Token(); err != io.EOF {
			return nil, nil, fmt.Errorf("labelstudio: data after the array of tasks")
		}
	}
	return docs, rep, nil
}

// startsArray skips white space and reports whether the input is a JSON
// array; anything but an array or an object is an error.
func startsArray(br *bufio.Reader) (bool, error) {
	for {
		b, err := br.Peek(1)
		if err == io.EOF {
			return false, nil
		}
		if err != nil {
			return false, err
		}
		switch b[0] {
		case ' ', '\t', '\r', '\n':
			br.ReadByte()
		case '[':
			return true, nil
		case '{':
			return false, nil
		default:
			return false, fmt.Errorf("labelstudio: expected a JSON array of tasks, found %q", b[0])
		}
	}
}

// reader holds what reading all tasks shares.
type reader struct {
	opts      ReadOptions
	relations map[string]bool
}

func newReader(opts ReadOptions) *reader {
	rd := &reader{opts: opts, relations: map[string]bool{}}
	for _, r := range opts.Schema.RelationTypes {
		rd.relations[r.Name] = true
	}
	return rd
}

// dataString returns a string field of a task's data.
func dataString(t *task, key string) (string, bool) {
	raw, ok := t.Data[key]
	if !ok {
		return "", false
	}
	s, ok := spanText(raw)
	return s, ok
}

// task reads one task.
func (rd *reader) task(i int, t *task, rep *Report) (scholia.AnnotatedDocument, TaskReport, error) {
	tr := TaskReport{Index: i, TaskID: string(t.ID)}
	text, ok := dataString(t, rd.opts.TextKey)
	if !ok {
		return scholia.AnnotatedDocument{}, tr, fmt.Errorf("labelstudio: task %d: data.%s is missing or not a string", i, rd.opts.TextKey)
	}
	tx, err := scholia.NewText(text)
	if err != nil {
		return scholia.AnnotatedDocument{}, tr, fmt.Errorf("labelstudio: task %d: %v", i, err)
	}
	id, ok := dataString(t, "doc_id")
	switch {
	case ok && id != "":
	case t.ID != "":
		id = string(t.ID)
	default:
		id = "task-" + strconv.Itoa(i)
	}
	tr.Document = id
	doc := scholia.AnnotatedDocument{Document: scholia.Document{Project: rd.opts.Project, ID: id, Text: text, Length: tx.Len(), SHA256: tx.SHA256()}}
	doc.Document.Title, _ = dataString(t, "title")
	doc.Document.URL, _ = dataString(t, "url")
	doc.Document.Source, _ = dataString(t, "source")
	doc.Document.Language, _ = dataString(t, "language")
	if s, ok := dataString(t, "publish_time"); ok {
		if pt, err := time.Parse(time.RFC3339Nano, s); err == nil {
			doc.Document.PublishTime = pt
		} else {
			tr.Notes = append(tr.Notes, fmt.Sprintf("data.publish_time %q is not RFC 3339; left out", s))
		}
	}
	ts := &taskState{rd: rd, tr: &tr, text: tx, doc: &doc, next: rd.opts.FirstID, u16: newUTF16Map(text, tx.Len())}
	ts.decideUnits(t)
	used := map[string]bool{}
	layerName := func(name string) string {
		if !used[name] {
			used[name] = true
			return name
		}
		for k := 2; ; k++ {
			n := name + "#" + strconv.Itoa(k)
			if !used[n] {
				tr.Notes = append(tr.Notes, fmt.Sprintf("a second layer of %s was named %s", name, n))
				used[n] = true
				return n
			}
		}
	}
	for j := range t.Annotations {
		a := &t.Annotations[j]
		name := rd.annotator(a.CompletedBy)
		if a.WasCancelled {
			tr.Notes = append(tr.Notes, fmt.Sprintf("annotation %s of %s was cancelled; skipped", a.ID, name))
			continue
		}
		ts.layer(layerName(name), a.Result, scholia.LayerDone)
	}
	for j := range t.Predictions {
		p := &t.Predictions[j]
		name := rd.opts.PredictionLayer
		if name == "" {
			name = p.ModelVersion
		}
		if name == "" {
			name = "prediction"
		}
		name = layerName(name)
		if !contains(rep.PredictionLayers, name) {
			rep.PredictionLayers = append(rep.PredictionLayers, name)
		}
		ts.layer(name, p.Result, scholia.LayerStatusUnspecified)
	}
	return doc, tr, nil
}

func contains(l []string, s string) bool {
	for _, x := range l {
		if x == s {
			return true
		}
	}
	return false
}

// annotator maps completed_by to a layer name (see ReadOptions.Annotators).
func (rd *reader) annotator(raw json.RawMessage) string {
	var id string
	var u user
	if len(raw) > 0 && raw[0] == '{' && json.Unmarshal(raw, &u) == nil {
		if u.ID != nil {
			id = strconv.FormatInt(*u.ID, 10)
		}
	} else if n, ok := offset(raw); ok {
		id = strconv.FormatInt(n, 10)
	}
	if name, ok := rd.opts.Annotators[id]; ok && id != "" {
		return name
	}
	if name, ok := rd.opts.Annotators[u.Email]; ok && u.Email != "" {
		return name
	}
	switch {
	case u.Email != "":
		return u.Email
	case id != "":
		return "user-" + id
	}
	return "unknown"
}
