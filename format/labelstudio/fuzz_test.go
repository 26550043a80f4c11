package labelstudio

import (
	"fmt"
	"strings"
	"testing"

	"github.com/scholia-nlp/scholia/internal/annotest"
)

// FuzzReadLabelStudio feeds the reader arbitrary exports, seeded with the
// fixtures. It must never panic, and every document it accepts must have
// spans that scholia.ValidateSpans accepts against its text, references
// that resolve, and must write and read back.
func FuzzReadLabelStudio(f *testing.F) {
	f.Add(readFixture(f))
	f.Add(task0(jsRegion("a", 14, 19, "Évora"), jsRegion("a_frag2", 0, 3, "Ana"), `{"from_id": "a", "to_id": "a_frag2", "type": "relation", "labels": ["Equiv"]}`))
	f.Add(task0(jsRegion("a", 0, 3, ""), `{"id": "a", "from_name": "x", "type": "textarea", "value": {"text": ["t"]}}`))
	f.Add(`{"data": {"text": "🙂"}, "predictions": [{"model_version": "m", "result": [{"id": "p", "from_name": "claim", "type": "labels", "value": {"start": 0, "end": 2, "text": "🙂", "labels": []}}]}]}`)
	for _, in := range edgeCases {
		f.Add(in)
	}
	f.Fuzz(func(t *testing.T, in string) {
		docs, _, err := Read(strings.NewReader(in), ReadOptions{})
		if err != nil {
			return
		}
		for _, d := range docs {
			annotest.CheckSpans(t, d)
		}
		var out strings.Builder
		if _, err := Write(&out, docs, WriteOptions{}); err != nil {
			return // some documents cannot be written; that is an error, not a crash
		}
		docs2, rep, err := Read(strings.NewReader(out.String()), ReadOptions{})
		if err != nil {
			t.Fatalf("written export does not read back: %v\n%s", err, out.String())
		}
		for _, tr := range rep.Tasks {
			if len(tr.Errors) > 0 {
				t.Errorf("written export reads back with errors: %v", tr.Errors)
			}
		}
		diff(t, "round trip", canonDocs(t, docs), canonDocs(t, docs2))
		if t.Failed() {
			t.Logf("written:\n%s", out.String())
		}
	})
}

// BenchmarkRead measures importing an export in annotations (labels and
// relation results) per second.
func BenchmarkRead(b *testing.B) {
	in, n := benchExport(200, 50)
	b.SetBytes(int64(len(in)))
	for b.Loop() {
		if _, _, err := Read(strings.NewReader(in), ReadOptions{}); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "annotations/s")
}

// BenchmarkWrite measures exporting the same documents.
func BenchmarkWrite(b *testing.B) {
	in, n := benchExport(200, 50)
	docs, _, err := Read(strings.NewReader(in), ReadOptions{})
	if err != nil {
		b.Fatal(err)
	}
	var out strings.Builder
	for b.Loop() {
		out.Reset()
		if _, err := Write(&out, docs, WriteOptions{}); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "annotations/s")
}

// benchExport makes k tasks of m sentences, each with two regions and a
// relation.
func benchExport(k, m int) (string, int) {
	var b strings.Builder
	b.WriteString("[")
	n := 0
	for i := range k {
		var text strings.Builder
		var res []string
		cp := 0
		for j := range m {
			s := fmt.Sprintf("Ministra Inês Sousa met “Rui” in Évora 🙂 on day %d. ", j)
			text.WriteString(s)
			res = append(res,
				fmt.Sprintf(`{"id":"a%d","from_name":"label","to_name":"text","type":"labels","value":{"start":%d,"end":%d,"text":"Inês Sousa","labels":["PER"]}}`, j, cp+9, cp+19),
				fmt.Sprintf(`{"id":"b%d","from_name":"label","to_name":"text","type":"labels","value":{"start":%d,"end":%d,"text":"Évora","labels":["GPE"]}}`, j, cp+33, cp+38),
				fmt.Sprintf(`{"from_id":"a%d","to_id":"b%d","type":"relation","direction":"right","labels":["Located"]}`, j, j))
			cp += len([]rune(s))
			n += 3
		}
		if i > 0 {
			b.WriteString(",")
		}
		fmt.Fprintf(&b, `{"id":%d,"data":{"text":%q},"annotations":[{"id":%d,"completed_by":1,"result":[%s]}]}`, i+1, text.String(), i+1, strings.Join(res, ","))
	}
	b.WriteString("]")
	return b.String(), n
}

// TestBenchExport keeps the benchmark's export valid.
func TestBenchExport(t *testing.T) {
	in, _ := benchExport(2, 3)
	docs, rep := mustRead(t, in, ReadOptions{Schema: nil})
	if len(docs) != 2 || len(docs[0].Annotations) != 9 || len(rep.Tasks[0].Errors) > 0 {
		t.Errorf("%d docs, %d annotations, errors %v", len(docs), len(docs[0].Annotations), rep.Tasks[0].Errors)
	}
}
