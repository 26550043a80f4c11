package brat

import (
	"fmt"
	"strings"
	"testing"

	"github.com/scholia-nlp/scholia"
	"github.com/scholia-nlp/scholia/internal/annotest"
)

// FuzzReadAnn feeds the reader arbitrary text and .ann pairs, seeded with
// the fixtures. The reader must never panic; every document it accepts must
// have spans that scholia.ValidateSpans accepts against its text and
// references that resolve; and what it accepts must write and read back.
func FuzzReadAnn(f *testing.F) {
	txt, ann := readFixture(f, "news1")
	f.Add(txt, ann)
	f.Add(txt, strings.ReplaceAll(ann, "\n", "\r\n"))
	f.Add("Ana and Bo met twice.", "T1\tPER 0 3\tAna\nT2\tPER 8 10\tBo\nT3\tContact.Meet 11 14\tmet\nE1\tContact.Meet:T3 Entity:T1\nE2\tContact.Meet:T3 Entity:T2 Theme:E1\nA1\tRealis T3 ACTUAL\n#1\tAnnotatorNotes T3\tx\n")
	f.Add("🙂 Ana said “ten”.", "T1\tPER 2 5\tAna\nT2\tAttribution 6 10\tsaid\nT3\tContent 11 16\t“ten”\nE1\tAttribution:T2 Source:T1 Content:T3\n#1\tclaim.value E1\t10\n")
	f.Add("North and South Korea", "T1\tGPE 0 5;16 21\tNorth Korea\nT2\tGPE 10 21\tSouth Korea\n*\tEquiv T1 T2\nN1\tReference T1 W:1\tx\n")
	f.Add("a\r\nb", "T1\tX 0 4\ta  b\nR1\tR Arg1:T1 Arg2:T1\n")
	f.Add("Ana and Bo met twice.", "T1\tAttribution 11 14\tmet\nT2\tContent 0 3\tAna\nT3\tCue 8 10\tBo\nE1\tAttribution:T1 Content:T2\nE2\tAttribution:T1 Cue:T3\nR1\tSupports From:E1 To:E2\n*\tEquiv E1 E2\n")
	f.Add("Ana and Bo met twice.", "T1\tPER 0 3\tAna\nT2\tMeet 11 14\tmet\nE1\tMeet:T2 Theme1:T1 Theme2:E2\nT3\tMeet 15 20\ttwice\nE2\tMeet:T3\nA1\tNeg T2\nN1\tX T3 a:b\n#1\tFoo E1\tx y\n#2\tFoo E1\tz\n")
	f.Fuzz(func(t *testing.T, txt, ann string) {
		doc, err := Read(txt, strings.NewReader(ann), ReadOptions{})
		if err != nil {
			if _, ok := err.(*ParseError); !ok {
				t.Fatalf("error %v is not a *ParseError", err)
			}
			return
		}
		annotest.CheckSpans(t, doc)
		var out strings.Builder
		if _, err := Write(nil, &out, doc, WriteOptions{}); err != nil {
			return // some documents cannot be written; that is reported, not a crash
		}
		doc2, err := Read(txt, strings.NewReader(out.String()), ReadOptions{})
		if err != nil {
			t.Fatalf("written .ann does not read back: %v\n%s", err, out.String())
		}
		diff(t, "round trip", canon(t, doc), canon(t, doc2))
		if t.Failed() {
			t.Logf("written:\n%s", out.String())
		}
	})
}

// BenchmarkRead measures parsing in annotation lines per second, for an
// article-sized document (20 sentences, 120 lines) and a very large one
// (20,000 sentences).
func BenchmarkRead(b *testing.B) {
	for _, k := range []int{20, 20000} {
		b.Run(fmt.Sprintf("sentences=%d", k), func(b *testing.B) {
			txt, ann, n := benchDoc(k)
			b.SetBytes(int64(len(ann)))
			for b.Loop() {
				if _, err := Read(txt, strings.NewReader(ann), ReadOptions{}); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "annotations/s")
		})
	}
}

// BenchmarkWrite measures writing the same documents.
func BenchmarkWrite(b *testing.B) {
	for _, k := range []int{20, 20000} {
		b.Run(fmt.Sprintf("sentences=%d", k), func(b *testing.B) {
			txt, ann, n := benchDoc(k)
			doc, err := Read(txt, strings.NewReader(ann), ReadOptions{})
			if err != nil {
				b.Fatal(err)
			}
			var out strings.Builder
			for b.Loop() {
				out.Reset()
				if _, err := Write(nil, &out, doc, WriteOptions{}); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "annotations/s")
		})
	}
}

// benchDoc makes a document of k sentences, each with two mentions, an
// event with two arguments, an attribute and a note (n annotation lines).
func benchDoc(k int) (string, string, int) {
	var tb, ab strings.Builder
	var cp int
	n := 0
	for i := range k {
		s := fmt.Sprintf("Ministra Inês Sousa met “Rui” in Évora 🙂 on day %d. ", i)
		tb.WriteString(s)
		t := 4 * i
		fmt.Fprintf(&ab, "T%d\tPER %d %d\tInês Sousa\n", t+1, cp+9, cp+19)
		fmt.Fprintf(&ab, "T%d\tPER %d %d\t“Rui”\n", t+2, cp+24, cp+29)
		fmt.Fprintf(&ab, "T%d\tContact.Meet %d %d\tmet\n", t+3, cp+20, cp+23)
		fmt.Fprintf(&ab, "E%d\tContact.Meet:T%d Entity:T%d Entity2:T%d\n", i+1, t+3, t+1, t+2)
		fmt.Fprintf(&ab, "A%d\tRealis E%d ACTUAL\n", i+1, i+1)
		fmt.Fprintf(&ab, "#%d\tAnnotatorNotes T%d\tchecked\n", i+1, t+1)
		cp += len([]rune(s))
		n += 6
	}
	return tb.String(), ab.String(), n
}

// TestBenchDoc keeps the benchmark's document valid.
func TestBenchDoc(t *testing.T) {
	txt, ann, _ := benchDoc(50)
	doc := mustRead(t, txt, ann, ReadOptions{})
	if len(doc.Annotations) != 150 {
		t.Errorf("%d annotations", len(doc.Annotations))
	}
	_ = scholia.KindEvent
}
