package eval

import (
	"fmt"
	"math/rand/v2"
	"sync"
	"testing"

	"github.com/scholia-nlp/scholia"
)

// benchLayers builds three annotators' layers of one million mentions each
// over 10,000 documents (100 spans per document, 7 labels). The second and
// third annotators differ from the first on about 15% of the spans: shifted
// boundaries, other labels, dropped and added spans.
var benchLayers = sync.OnceValue(func() [3][]scholia.Annotation {
	const docs, perDoc = 10000, 100
	labels := []string{"PER", "ORG", "GPE", "LOC", "FAC", "WEA", "VEH"}
	r := rand.New(rand.NewPCG(42, 1))
	var out [3][]scholia.Annotation
	for a := range out {
		out[a] = make([]scholia.Annotation, 0, docs*perDoc)
	}
	var id int64
	for d := 0; d < docs; d++ {
		doc := fmt.Sprintf("doc%05d", d)
		for i := 0; i < perDoc; i++ {
			s := int64(i*40 + r.IntN(10))
			e := s + 1 + int64(r.IntN(15))
			l := labels[r.IntN(len(labels))]
			for a := range out {
				s2, e2, l2 := s, e, l
				if a > 0 {
					switch r.IntN(20) {
					case 0:
						s2++
					case 1:
						e2 += 2
					case 2:
						l2 = labels[r.IntN(len(labels))]
					case 3:
						s2, e2 = s+20, s+23 // dropped here, another span added
					}
				}
				id++
				out[a] = append(out[a], scholia.Annotation{ID: id, Document: doc, Kind: scholia.KindMention, Label: l2, Spans: []scholia.Span{{Start: s2, End: e2}}})
			}
		}
	}
	return out
})

// BenchmarkSpanScore1M scores one annotator's million spans against
// another's.
func BenchmarkSpanScore1M(b *testing.B) {
	l := benchLayers()
	for _, m := range []SpanMatch{MatchExact, MatchOverlap} {
		b.Run(m.String(), func(b *testing.B) {
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				r := ScoreSpans(l[0], l[1], SpanOptions{Match: m, Source: SourceMentions})
				if r.Micro.Gold != 1_000_000 {
					b.Fatalf("gold %d", r.Micro.Gold)
				}
			}
		})
	}
}

// BenchmarkAgreement1M measures agreement between three annotators with a
// million spans each: coding coefficients, pairwise matrices, alpha_U and
// per-label values.
func BenchmarkAgreement1M(b *testing.B) {
	l := benchLayers()
	layers := map[string][]scholia.Annotation{"a": l[0], "b": l[1], "c": l[2]}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		r := SpanAgreement(layers, AgreementOptions{Source: SourceMentions})
		if r.Items < 1_000_000 {
			b.Fatalf("items %d", r.Items)
		}
	}
}

// BenchmarkCoref1M scores a million mentions in clusters of about five,
// with a response that splits and merges some of them.
func BenchmarkCoref1M(b *testing.B) {
	r := rand.New(rand.NewPCG(9, 9))
	var key, resp [][]MentionKey
	var cur []MentionKey
	for i := 0; i < 1_000_000; i++ {
		m := MentionKey{Doc: fmt.Sprintf("doc%04d", i/1000), Start: int64(i%1000) * 10, End: int64(i%1000)*10 + 5}
		cur = append(cur, m)
		if len(cur) == 5 || i%1000 == 999 {
			key = append(key, cur)
			cur = nil
		}
	}
	for i := 0; i < len(key); i++ {
		switch {
		case r.IntN(10) == 0 && i+1 < len(key) && key[i][0].Doc == key[i+1][0].Doc:
			resp = append(resp, append(append([]MentionKey{}, key[i]...), key[i+1]...))
			i++
		case r.IntN(10) == 0:
			resp = append(resp, key[i][:2], key[i][2:])
		default:
			resp = append(resp, key[i])
		}
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		rep := ScoreCoref(key, resp, CorefOptions{})
		if rep.CoNLL <= 0 {
			b.Fatal("no score")
		}
	}
}
