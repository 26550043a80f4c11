package pbconv

import (
	"fmt"
	"slices"
	"strconv"
	"time"
	"unicode/utf8"

	"google.golang.org/protobuf/encoding/protowire"

	"github.com/scholia-nlp/scholia"
	pb "github.com/scholia-nlp/scholia/gen/scholia/v1"
)

// AppendCorpusDocument appends to b the wire encoding of the StreamCorpus
// message that CorpusDocumentToPB(d, rev) makes, with its resume token set.
// The stream is the API's bulk path: encoding straight from the domain
// types, with no message tree to build, marshal and collect, roughly halves
// the server's work per annotation. The bytes decode to a message equal to
// the one CorpusDocumentToPB builds (the package's tests check this for
// every field); a string that is not UTF-8, which the protobuf marshaller
// would refuse too, is an error.
func AppendCorpusDocument(b []byte, d scholia.CorpusDocument, rev int64, resumeToken string) ([]byte, error) {
	e := wireEncoder{b: b}
	e.document(1, &d.Document)
	for i := range d.Annotations {
		e.annotation(2, &d.Annotations[i])
	}
	for i := range d.Clusters {
		e.annotation(3, &d.Clusters[i])
	}
	for i := range d.Layers {
		e.layer(4, &d.Layers[i])
	}
	e.int(5, rev)
	e.str(6, resumeToken)
	if e.err != nil {
		return b, e.err
	}
	return e.b, nil
}

// wireEncoder appends protobuf fields to b. A nested message is written in
// place after a one-byte length, which end widens when the message turns
// out to be 128 bytes or longer; the first string that is not UTF-8 is
// remembered in err.
type wireEncoder struct {
	b   []byte
	err error
}

// begin starts a nested message in field num and returns where its
// content starts, for end.
func (e *wireEncoder) begin(num protowire.Number) int {
	e.b = protowire.AppendTag(e.b, num, protowire.BytesType)
	e.b = append(e.b, 0)
	return len(e.b)
}

// end writes the length of the nested message that started at start.
func (e *wireEncoder) end(start int) {
	n := len(e.b) - start
	if n < 0x80 {
		e.b[start-1] = byte(n)
		return
	}
	extra := protowire.SizeVarint(uint64(n)) - 1
	e.b = append(e.b, make([]byte, extra)...)
	copy(e.b[start+extra:], e.b[start:start+n])
	protowire.AppendVarint(e.b[:start-1], uint64(n)) // in place: capacity is there
}

func (e *wireEncoder) str(num protowire.Number, s string) {
	if s == "" {
		return
	}
	if !utf8.ValidString(s) && e.err == nil {
		e.err = fmt.Errorf("field %d: string %.40q is not valid UTF-8", num, s)
	}
	e.b = protowire.AppendTag(e.b, num, protowire.BytesType)
	e.b = protowire.AppendString(e.b, s)
}

func (e *wireEncoder) int(num protowire.Number, v int64) {
	if v == 0 {
		return
	}
	e.b = protowire.AppendTag(e.b, num, protowire.VarintType)
	e.b = protowire.AppendVarint(e.b, uint64(v))
}

// etag writes Etag(rev) without making the string.
func (e *wireEncoder) etag(num protowire.Number, rev int64) {
	if rev == 0 {
		return
	}
	start := e.begin(num)
	e.b = strconv.AppendInt(e.b, rev, 10)
	e.end(start)
}

// time writes TS(t): nothing for the zero time.
func (e *wireEncoder) time(num protowire.Number, t time.Time) {
	if t.IsZero() {
		return
	}
	start := e.begin(num)
	e.int(1, t.Unix())
	e.int(2, int64(t.Nanosecond()))
	e.end(start)
}

// ints writes a packed repeated int64 field.
func (e *wireEncoder) ints(num protowire.Number, vs []int64) {
	if len(vs) == 0 {
		return
	}
	n := 0
	for _, v := range vs {
		n += protowire.SizeVarint(uint64(v))
	}
	e.b = protowire.AppendTag(e.b, num, protowire.BytesType)
	e.b = protowire.AppendVarint(e.b, uint64(n))
	for _, v := range vs {
		e.b = protowire.AppendVarint(e.b, uint64(v))
	}
}

func (e *wireEncoder) spans(num protowire.Number, spans []scholia.Span) {
	for _, s := range spans {
		start := e.begin(num)
		e.int(1, s.Start)
		e.int(2, s.End)
		e.str(3, s.Text)
		e.end(start)
	}
}

// strMap writes a map<string, string> field, in key order so that equal
// maps give equal bytes.
func (e *wireEncoder) strMap(num protowire.Number, m map[string]string) {
	if len(m) == 0 {
		return
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		start := e.begin(num)
		// A map entry carries its key and value even when empty, as the
		// protobuf marshaller writes them.
		e.b = protowire.AppendTag(e.b, 1, protowire.BytesType)
		e.b = protowire.AppendString(e.b, k)
		e.b = protowire.AppendTag(e.b, 2, protowire.BytesType)
		e.b = protowire.AppendString(e.b, m[k])
		if e.err == nil && (!utf8.ValidString(k) || !utf8.ValidString(m[k])) {
			e.err = fmt.Errorf("field %d: attribute %.40q is not valid UTF-8", num, k)
		}
		e.end(start)
	}
}

// document writes DocumentToPB(*d) as field num; the message is there
// even when every field is empty.
func (e *wireEncoder) document(num protowire.Number, d *scholia.Document) {
	start := e.begin(num)
	e.str(1, d.Project)
	e.str(2, d.ID)
	e.str(3, d.Title)
	e.str(4, d.Source)
	e.str(5, d.URL)
	e.time(6, d.PublishTime)
	e.str(7, d.Language)
	e.str(8, d.Text)
	e.int(9, d.Length)
	e.str(10, d.SHA256)
	e.etag(11, d.Rev)
	e.time(12, d.CreateTime)
	e.time(13, d.UpdateTime)
	e.end(start)
}

// layer writes LayerToPB(*l) as field num.
func (e *wireEncoder) layer(num protowire.Number, l *scholia.Layer) {
	start := e.begin(num)
	e.str(1, l.Project)
	e.str(2, l.Document)
	e.str(3, l.Annotator)
	e.int(4, int64(l.Status))
	e.int(5, l.AnnotationCount)
	e.etag(6, l.Rev)
	e.time(7, l.UpdateTime)
	e.end(start)
}

// annotation writes AnnotationToPB(*a) as field num.
func (e *wireEncoder) annotation(num protowire.Number, a *scholia.Annotation) {
	start := e.begin(num)
	e.int(1, a.ID)
	e.str(2, a.Project)
	e.str(3, a.Document)
	e.str(4, a.Annotator)
	e.body(a)
	e.strMap(10, a.Attributes)
	e.etag(11, a.Rev)
	e.int(12, a.CreateRev)
	e.int(13, a.Rev)
	e.time(14, a.CreateTime)
	e.time(15, a.UpdateTime)
	e.str(16, a.UpdateUser)
	e.ints(17, a.DerivedFrom)
	e.end(start)
}

// body writes the oneof body of an annotation: the message of its kind,
// present even when empty; nothing for an unknown kind.
func (e *wireEncoder) body(a *scholia.Annotation) {
	switch a.Kind {
	case scholia.KindMention:
		start := e.begin(5)
		e.spans(1, a.Spans)
		e.str(2, a.Label)
		e.end(start)
	case scholia.KindEvent:
		start := e.begin(6)
		e.spans(1, a.Spans)
		e.str(2, a.Label)
		for _, arg := range a.Arguments {
			s := e.begin(3)
			e.str(1, arg.Role)
			e.int(2, arg.AnnotationID)
			e.end(s)
		}
		e.end(start)
	case scholia.KindClaim:
		start := e.begin(7)
		e.spans(1, a.Spans)
		if f := a.Claim; f != nil {
			e.int(2, f.ClaimantID)
			e.str(3, f.ClaimantText)
			e.spans(4, f.Cue)
			e.str(5, f.Stance)
		}
		e.str(6, a.Label)
		if f := a.Claim; f != nil {
			e.str(7, f.CheckWorthiness)
			if n := f.Normalized; n != nil {
				s := e.begin(8)
				e.str(1, n.Value)
				e.str(2, n.Unit)
				e.str(3, n.Time)
				e.end(s)
			}
		}
		e.end(start)
	case scholia.KindRelation:
		start := e.begin(8)
		e.str(1, a.Label)
		if r := a.Relation; r != nil {
			e.int(2, r.Source)
			e.int(3, r.Target)
		}
		e.end(start)
	case scholia.KindCluster:
		start := e.begin(9)
		e.int(1, int64(ClusterKind(a.Label)))
		if c := a.Cluster; c != nil {
			e.ints(2, c.Members)
			e.str(3, c.Title)
		}
		e.end(start)
	}
}

// wireFields lists, per message, the field numbers AppendCorpusDocument
// writes; a test compares it with the messages' descriptors, so that a
// field added to the API is not silently left out of the stream.
var wireFields = map[string][]protowire.Number{
	string((&pb.StreamCorpusResponse{}).ProtoReflect().Descriptor().FullName()): {1, 2, 3, 4, 5, 6},
	string((&pb.Document{}).ProtoReflect().Descriptor().FullName()):             {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13},
	string((&pb.Layer{}).ProtoReflect().Descriptor().FullName()):                {1, 2, 3, 4, 5, 6, 7},
	string((&pb.Annotation{}).ProtoReflect().Descriptor().FullName()):           {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17},
	string((&pb.Mention{}).ProtoReflect().Descriptor().FullName()):              {1, 2},
	string((&pb.Event{}).ProtoReflect().Descriptor().FullName()):                {1, 2, 3},
	string((&pb.Argument{}).ProtoReflect().Descriptor().FullName()):             {1, 2},
	string((&pb.Claim{}).ProtoReflect().Descriptor().FullName()):                {1, 2, 3, 4, 5, 6, 7, 8},
	string((&pb.NormalizedValue{}).ProtoReflect().Descriptor().FullName()):      {1, 2, 3},
	string((&pb.Relation{}).ProtoReflect().Descriptor().FullName()):             {1, 2, 3},
	string((&pb.Cluster{}).ProtoReflect().Descriptor().FullName()):              {1, 2, 3},
	string((&pb.Span{}).ProtoReflect().Descriptor().FullName()):                 {1, 2, 3},
	"google.protobuf.Timestamp":                                                 {1, 2},
}
