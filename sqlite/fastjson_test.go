package sqlite

import (
	"encoding/json"
	"math/rand/v2"
	"testing"

	"github.com/scholia-nlp/scholia"
)

// TestJSONEncodersMatchEncodingJSON holds the column encoders to what
// encoding/json writes for the same values, on strings chosen to take every
// path (escapes, HTML characters, U+2028, invalid UTF-8, emoji) and on
// random ones.
func TestJSONEncodersMatchEncodingJSON(t *testing.T) {
	strs := []string{"", "Obama", "Ana Ruiz", "naïve café", "🕊️ peace", "“quoted”", `say "no"`, `back\slash`,
		"tab\there", "line\nbreak", "cr\r", "<b>&amp;</b>", "a\u2028b", "a\u2029b", "bad \xff utf-8", "\x00", "\x7f",
		"Se\u0301bastien", "🇺🇳"}
	r := rand.New(rand.NewPCG(1, 2))
	alphabet := []rune{'a', 'Z', ' ', '"', '\\', '<', '>', '&', '\n', 0x1f, 0x7f, 'é', '中', '🕊', 0x2028, 0xfffd}
	for range 500 {
		rs := make([]rune, r.IntN(8))
		for i := range rs {
			rs[i] = alphabet[r.IntN(len(alphabet))]
		}
		s := string(rs)
		if r.IntN(10) == 0 {
			s += "\xc3" // cut in the middle of a rune
		}
		strs = append(strs, s)
	}
	for _, s := range strs {
		spans := []scholia.Span{{Start: 0, End: 5, Text: s}, {Start: 7, End: 1 << 40}}
		want, err := json.Marshal(encodeSpans(spans))
		if err != nil {
			t.Fatal(err)
		}
		if got := appendSpansJSON(nil, spans); string(got) != string(want) {
			t.Errorf("spans with %q:\n got %s\nwant %s", s, got, want)
		}
		attrs := map[string]string{s: "x", "realis": s, "b" + s: s + "c"}
		if want, _ = json.Marshal(attrs); string(appendAttrsJSON(nil, attrs)) != string(want) {
			t.Errorf("attributes with %q:\n got %s\nwant %s", s, appendAttrsJSON(nil, attrs), want)
		}
		args := []scholia.Argument{{Role: s, AnnotationID: 42}, {Role: "Place", AnnotationID: -1}}
		body := bodyJSON{Args: []argJSON{{s, 42}, {"Place", -1}}}
		if want, _ = json.Marshal(body); string(appendArgsJSON(nil, args)) != string(want) {
			t.Errorf("arguments with %q:\n got %s\nwant %s", s, appendArgsJSON(nil, args), want)
		}
	}
}
