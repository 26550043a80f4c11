package pbconv

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/scholia-nlp/scholia"
	pb "github.com/scholia-nlp/scholia/gen/scholia/v1"
)

// wireTexts are strings with the traps of news text: accents, combining
// marks, curly quotes, emoji outside the BMP, and long texts whose nested
// messages need lengths of two and three bytes.
var wireTexts = []string{
	"", "a", "Lavrov", "São Paulo", "Jose\u0301", "“Nós não vamos”", "🙂 ok 🇺🇦",
	strings.Repeat("Ceasefire talks resumed in Geneva. ", 5),
	strings.Repeat("«Ils ont dit» 🙂 ", 1200),
}

// randomTime is a zero, epoch, pre-1970 or ordinary time.
func randomTime(r *rand.Rand) time.Time {
	switch r.IntN(5) {
	case 0:
		return time.Time{}
	case 1:
		return time.Unix(0, 0)
	case 2:
		return time.Unix(-86400*365*30, int64(r.IntN(1e9)))
	default:
		return time.Unix(1_700_000_000+r.Int64N(1e8), int64(r.IntN(1e9)))
	}
}

func randomString(r *rand.Rand) string { return wireTexts[r.IntN(len(wireTexts))] }

func randomSpans(r *rand.Rand) []scholia.Span {
	var out []scholia.Span
	for range r.IntN(3) {
		s := r.Int64N(1 << 40)
		out = append(out, scholia.Span{Start: s, End: s + r.Int64N(300), Text: randomString(r)})
	}
	return out
}

func randomIDs(r *rand.Rand) []int64 {
	var out []int64
	for range r.IntN(4) {
		out = append(out, r.Int64N(1<<50)+1)
	}
	return out
}

// randomAnnotation sets every field of some annotation kind, or leaves
// fields empty, at random.
func randomAnnotation(r *rand.Rand, kind scholia.Kind) scholia.Annotation {
	a := scholia.Annotation{
		ID: r.Int64N(1<<40) + 1, Project: randomString(r), Document: randomString(r), Annotator: randomString(r),
		Kind: kind, Label: randomString(r), Spans: randomSpans(r),
		Rev: r.Int64N(1 << 33), CreateRev: r.Int64N(1 << 33),
		CreateTime: randomTime(r), UpdateTime: randomTime(r), UpdateUser: randomString(r), DerivedFrom: randomIDs(r),
	}
	if r.IntN(2) == 0 {
		a.Attributes = map[string]string{}
		for range r.IntN(4) + 1 {
			a.Attributes[randomString(r)+fmt.Sprint(r.IntN(9))] = randomString(r)
		}
	}
	switch kind {
	case scholia.KindEvent:
		for range r.IntN(4) {
			a.Arguments = append(a.Arguments, scholia.Argument{Role: randomString(r), AnnotationID: r.Int64N(1 << 40)})
		}
	case scholia.KindClaim:
		if r.IntN(4) > 0 {
			a.Claim = &scholia.ClaimFields{ClaimantID: r.Int64N(1 << 40), ClaimantText: randomString(r), Cue: randomSpans(r),
				Stance: randomString(r), CheckWorthiness: randomString(r)}
			if r.IntN(2) == 0 {
				a.Claim.Normalized = &scholia.NormalizedValue{Value: randomString(r), Unit: randomString(r), Time: randomString(r)}
			}
		}
	case scholia.KindRelation:
		if r.IntN(4) > 0 {
			a.Relation = &scholia.RelationEnds{Source: r.Int64N(1 << 40), Target: r.Int64N(1 << 40)}
		}
	case scholia.KindCluster:
		a.Label = []string{"entity", "event", "claim", "", "other"}[r.IntN(5)]
		if r.IntN(4) > 0 {
			a.Cluster = &scholia.ClusterFields{Members: randomIDs(r), Title: randomString(r)}
		}
	}
	return a
}

func randomCorpusDocument(r *rand.Rand) scholia.CorpusDocument {
	d := scholia.CorpusDocument{Document: scholia.Document{
		Project: randomString(r), ID: randomString(r), Title: randomString(r), Source: randomString(r), URL: randomString(r),
		PublishTime: randomTime(r), Language: randomString(r), Text: randomString(r), Length: r.Int64N(1 << 20),
		SHA256: randomString(r), Rev: r.Int64N(1 << 33), CreateTime: randomTime(r), UpdateTime: randomTime(r),
	}}
	kinds := []scholia.Kind{scholia.KindMention, scholia.KindEvent, scholia.KindClaim, scholia.KindRelation, scholia.KindCluster, scholia.KindUnspecified}
	for range r.IntN(12) {
		d.Annotations = append(d.Annotations, randomAnnotation(r, kinds[r.IntN(len(kinds))]))
	}
	for range r.IntN(3) {
		d.Clusters = append(d.Clusters, randomAnnotation(r, scholia.KindCluster))
	}
	for range r.IntN(4) {
		d.Layers = append(d.Layers, scholia.Layer{Project: randomString(r), Document: randomString(r), Annotator: randomString(r),
			Status: scholia.LayerStatus(r.IntN(3)), AnnotationCount: r.Int64N(1000), Rev: r.Int64N(1 << 33), UpdateTime: randomTime(r)})
	}
	return d
}

// TestAppendCorpusDocument checks that the stream's encoder and the
// message the rest of the API builds agree: the bytes decode to a message
// equal to CorpusDocumentToPB's, for documents with every field set, empty,
// long or full of multi-byte text.
func TestAppendCorpusDocument(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	docs := []scholia.CorpusDocument{{}, {Document: scholia.Document{ID: "d"}}}
	for range 2000 {
		docs = append(docs, randomCorpusDocument(r))
	}
	var buf []byte
	for i, d := range docs {
		rev, token := r.Int64N(1<<40), randomString(r)
		var err error
		buf, err = AppendCorpusDocument(buf[:0], d, rev, token)
		if err != nil {
			t.Fatalf("document %d: %v", i, err)
		}
		var got pb.StreamCorpusResponse
		if err := proto.Unmarshal(buf, &got); err != nil {
			t.Fatalf("document %d: the encoding does not decode: %v", i, err)
		}
		want := CorpusDocumentToPB(d, rev)
		want.ResumeToken = token
		if !proto.Equal(&got, want) {
			t.Fatalf("document %d: decoded\n%v\nwant\n%v", i, &got, want)
		}
	}
}

// TestAppendCorpusDocumentAppends checks that the encoding is appended
// after what the buffer holds, and that a string that is not UTF-8 is
// refused, as the protobuf marshaller refuses it.
func TestAppendCorpusDocumentAppends(t *testing.T) {
	d := scholia.CorpusDocument{Document: scholia.Document{ID: "d1", Text: "x"}}
	b, err := AppendCorpusDocument([]byte("prefix"), d, 3, "tok")
	if err != nil || !strings.HasPrefix(string(b), "prefix") {
		t.Fatalf("got %q, %v", b, err)
	}
	var got pb.StreamCorpusResponse
	if err := proto.Unmarshal(b[len("prefix"):], &got); err != nil || got.GetDocument().GetId() != "d1" || got.GetResumeToken() != "tok" {
		t.Fatalf("decoded %v, %v", &got, err)
	}
	bad := []scholia.CorpusDocument{
		{Document: scholia.Document{ID: "d\xff"}},
		{Annotations: []scholia.Annotation{{Kind: scholia.KindMention, Spans: []scholia.Span{{Text: "\xc3"}}}}},
		{Annotations: []scholia.Annotation{{Kind: scholia.KindMention, Attributes: map[string]string{"k": "\xff"}}}},
	}
	for i, d := range bad {
		if _, err := AppendCorpusDocument(nil, d, 1, ""); err == nil {
			t.Errorf("case %d: a string that is not UTF-8 was encoded", i)
		}
		if _, err := proto.Marshal(CorpusDocumentToPB(d, 1)); err == nil {
			t.Errorf("case %d: the protobuf marshaller accepts it; the encoder need not refuse it", i)
		}
	}
}

// TestWireFieldsCoverMessages fails when a field is added to a message of
// the stream without being added to the encoder.
func TestWireFieldsCoverMessages(t *testing.T) {
	seen := map[string]bool{}
	var walk func(md protoreflect.MessageDescriptor)
	walk = func(md protoreflect.MessageDescriptor) {
		name := string(md.FullName())
		if seen[name] || md.IsMapEntry() {
			return
		}
		seen[name] = true
		var nums []protowire.Number
		fields := md.Fields()
		for i := range fields.Len() {
			f := fields.Get(i)
			nums = append(nums, f.Number())
			if f.Message() != nil {
				walk(f.Message())
			}
		}
		slices.Sort(nums)
		if want, ok := wireFields[name]; !ok || !slices.Equal(nums, want) {
			t.Errorf("%s has fields %v; AppendCorpusDocument writes %v", name, nums, want)
		}
	}
	walk((&pb.StreamCorpusResponse{}).ProtoReflect().Descriptor())
	walk((&timestamppb.Timestamp{}).ProtoReflect().Descriptor())
	if len(seen) != len(wireFields) {
		t.Errorf("the stream has %d messages; wireFields lists %d", len(seen), len(wireFields))
	}
}

// benchCorpusDocument is a news article of 5,000 characters with 56
// annotations, as the stream benchmark makes them.
func benchCorpusDocument() scholia.CorpusDocument {
	now := time.Unix(1_700_000_000, 123456789)
	d := scholia.CorpusDocument{Document: scholia.Document{Project: "bench", ID: "doc-0000001", Title: "Talks resume",
		Text: strings.Repeat("Lavrov met “de Mistura” in Genève 🙂. ", 125), Length: 5000, Rev: 12, CreateTime: now, UpdateTime: now}}
	for i := range 56 {
		d.Annotations = append(d.Annotations, scholia.Annotation{ID: int64(1000 + i), Project: "bench", Document: "doc-0000001",
			Annotator: "alice", Kind: scholia.KindMention, Label: "PER", Spans: []scholia.Span{{Start: int64(10 * i), End: int64(10*i + 6), Text: "Lavrov"}},
			Rev: 12, CreateRev: 12, CreateTime: now, UpdateTime: now, UpdateUser: "alice"})
	}
	d.Layers = []scholia.Layer{{Project: "bench", Document: "doc-0000001", Annotator: "alice", Status: scholia.LayerDone, AnnotationCount: 56, Rev: 12, UpdateTime: now}}
	return d
}

func BenchmarkAppendCorpusDocument(b *testing.B) {
	d := benchCorpusDocument()
	var buf []byte
	for b.Loop() {
		buf, _ = AppendCorpusDocument(buf[:0], d, 7, "token")
	}
}

func BenchmarkCorpusDocumentMarshal(b *testing.B) {
	d := benchCorpusDocument()
	for b.Loop() {
		m := CorpusDocumentToPB(d, 7)
		m.ResumeToken = "token"
		if _, err := proto.Marshal(m); err != nil {
			b.Fatal(err)
		}
	}
}
