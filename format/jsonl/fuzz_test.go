package jsonl

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"google.golang.org/protobuf/proto"

	"github.com/scholia-nlp/scholia/pbconv"
)

// FuzzReader reads any bytes as JSONL. The reader never panics; a failure
// is a *LineError naming a line that exists; and what it accepts writes
// back and reads again to the same documents, and then to the same bytes.
func FuzzReader(f *testing.F) {
	var buf bytes.Buffer
	w := NewWriter(&buf, 42)
	for _, d := range corpus() {
		if err := w.Write(d); err != nil {
			f.Fatal(err)
		}
	}
	w.Flush()
	f.Add(buf.Bytes())
	f.Add([]byte("\xef\xbb\xbf" + strings.ReplaceAll(buf.String(), "\n", "\r\n\r\n")))
	f.Add([]byte(`{"document":{"projectId":"p","id":"d","text":"x"},"revision":"3","newField":1}` + "\n" + `{"document":{}}`))
	f.Add([]byte(`{"document":{"id":"d","publishTime":"2026-01-01T00:00:00Z"},"annotations":[{"id":"1","mention":{"label":"PER","spans":[{"start":"0","end":"1"}]},"attributes":{"a":"b"}}]}`))
	f.Add([]byte("not json\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		docs, revs, err := ReadAll(bytes.NewReader(data))
		if err != nil {
			var le *LineError
			if !errors.As(err, &le) {
				t.Fatalf("error %v is not a *LineError", err)
			}
			if lines := bytes.Count(data, []byte("\n")) + 1; le.Line < 1 || le.Line > lines {
				t.Fatalf("error on line %d of %d", le.Line, lines)
			}
			return
		}
		// Messages read raw write back to equal messages.
		r := NewReader(bytes.NewReader(data))
		for {
			m, err := r.ReadMessage()
			if err != nil {
				break
			}
			var b bytes.Buffer
			w := NewWriter(&b, 0)
			if err := w.WriteMessage(m); err != nil {
				t.Fatalf("an accepted message does not write: %v", err)
			}
			w.Flush()
			m2, err := NewReader(&b).ReadMessage()
			if err != nil || !proto.Equal(m, m2) {
				t.Fatalf("message round trip: %v\n in %v\nout %v", err, m, m2)
			}
		}
		// Documents write and read back the same, and a second write is
		// byte for byte the first.
		var rev int64
		if len(revs) > 0 {
			rev = revs[0]
		}
		var first bytes.Buffer
		w := NewWriter(&first, rev)
		for _, d := range docs {
			if err := w.Write(d); err != nil {
				t.Fatalf("an accepted document does not write: %v", err)
			}
		}
		w.Flush()
		back, _, err := ReadAll(bytes.NewReader(first.Bytes()))
		if err != nil {
			t.Fatalf("written documents do not read back: %v\n%s", err, first.Bytes())
		}
		// Compared as messages: an empty map or list and a missing one are
		// the same in JSON.
		if len(back) != len(docs) {
			t.Fatalf("%d documents read back, %d written", len(back), len(docs))
		}
		for i := range docs {
			if a, b := pbconv.CorpusDocumentToPB(back[i], rev), pbconv.CorpusDocumentToPB(docs[i], rev); !proto.Equal(a, b) {
				t.Fatalf("document %d changed in a round trip:\n got %v\nwant %v", i, a, b)
			}
		}
		var second bytes.Buffer
		w = NewWriter(&second, rev)
		for _, d := range back {
			w.Write(d)
		}
		w.Flush()
		if !bytes.Equal(first.Bytes(), second.Bytes()) {
			t.Fatalf("a second write differs:\n%s\nfirst:\n%s", second.Bytes(), first.Bytes())
		}
	})
}
