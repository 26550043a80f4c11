package scholia

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"
)

// Hostile input: the fuzz targets of the root package. Their corpora of
// seeds and of inputs that once failed are in testdata/fuzz/<FuzzName>;
// CI runs each for a few seconds (.ci/run).

// FuzzFindQuote checks NewText and FindQuote on any text and quote: NewText
// accepts exactly the valid UTF-8 strings and converts offsets both ways;
// every match lies within the text, in order; an exact match's slice is the
// quote, and the exact matches are every occurrence that does not split a
// character; a folded match's slice folds to the folded quote.
func FuzzFindQuote(f *testing.F) {
	f.Add("Lavrov met de Mistura in Moscow.", "Moscow")
	f.Add("Ana said \u201cten\u201d, and \u201cten\u201d again.", "\"ten\"")
	f.Add("Jose\u0301 Mart\u00edn and Jos\u00e9", "Jos\u00e9")
	f.Add("a\r\n  b \u2014 c", "a b - c")
	f.Add("aaaa", "aa")
	f.Add("\U0001F642 emoji \U0001F642", "\U0001F642")
	f.Add("e\u0301e", "e")
	f.Add("\xff\xfe", "x")
	f.Add(strings.Repeat("\u00e9t\u00e9 ", 300), "t\u00e9 \u00e9")
	f.Fuzz(func(t *testing.T, text, quote string) {
		tx, err := NewText(text)
		if (err == nil) != utf8.ValidString(text) {
			t.Fatalf("NewText(%q): %v, but ValidString is %v", text, err, utf8.ValidString(text))
		}
		if err != nil {
			return
		}
		n := tx.Len()
		if n != int64(utf8.RuneCountInString(text)) || tx.String() != text {
			t.Fatalf("Len %d, want %d", n, utf8.RuneCountInString(text))
		}
		// Offsets convert both ways, at every code point of short texts
		// and at a sample of long ones.
		step := max(n/300, 1)
		for cp := int64(0); cp <= n; cp += step {
			b := tx.ByteOffset(cp)
			if got := tx.CodePoint(b); got != cp {
				t.Fatalf("CodePoint(ByteOffset(%d) = %d) = %d", cp, b, got)
			}
			if b < len(text) && !utf8.RuneStart(text[b]) {
				t.Fatalf("ByteOffset(%d) = %d is inside a character", cp, b)
			}
		}
		ms := tx.FindQuote(quote)
		exact := 0
		for i, m := range ms {
			if m.Start < 0 || m.End > n || m.Start >= m.End {
				t.Fatalf("match %d [%d,%d) is outside the text of %d code points", i, m.Start, m.End, n)
			}
			if i > 0 && m.Start <= ms[i-1].Start {
				t.Fatalf("matches out of order: %v", ms)
			}
			if m.Exact != ms[0].Exact {
				t.Fatalf("exact and folded matches mixed: %v", ms)
			}
			got := tx.Slice(m.Start, m.End)
			if m.Exact {
				exact++
				if got != quote {
					t.Fatalf("exact match [%d,%d) is %q, not the quote %q", m.Start, m.End, got, quote)
				}
				continue
			}
			if a, b := foldString(got).runes, foldString(strings.TrimSpace(quote)).runes; !slices.Equal(a, b) {
				t.Fatalf("folded match [%d,%d) %q folds to %q, the quote %q to %q", m.Start, m.End, got, string(a), quote, string(b))
			}
		}
		if len(ms) > 0 && !ms[0].Exact {
			return
		}
		// The exact matches are every occurrence of a valid quote that does
		// not end inside a character (before a combining mark).
		want := 0
		if quote != "" && utf8.ValidString(quote) {
			for b := 0; b+len(quote) <= len(text); b++ {
				if !utf8.RuneStart(text[b]) || !strings.HasPrefix(text[b:], quote) {
					continue
				}
				next, _ := utf8.DecodeRuneInString(text[b+len(quote):])
				if b+len(quote) == len(text) || !unicode.Is(unicode.Mn, next) {
					want++
				}
			}
		}
		if exact != want {
			t.Fatalf("%d exact matches of %q, want %d", exact, quote, want)
		}
	})
}

// FuzzValidateSpans checks ValidateSpans on any text and up to two spans:
// it never panics, and spans it accepts lie within the text, are not
// empty, are in order without overlapping, and carry the covered text.
func FuzzValidateSpans(f *testing.F) {
	f.Add("Lavrov met de Mistura.", int64(0), int64(6), "Lavrov", int64(11), int64(21), true)
	f.Add("Lavrov met de Mistura.", int64(0), int64(6), "", int64(3), int64(8), true)
	f.Add("\U0001F642 Jose\u0301", int64(2), int64(7), "Jose\u0301", int64(-1), int64(0), false)
	f.Add("abc", int64(0), int64(1<<62), "", int64(1<<62), int64(-1<<62), true)
	f.Add("", int64(0), int64(0), "", int64(0), int64(0), false)
	f.Fuzz(func(t *testing.T, text string, s1, e1 int64, t1 string, s2, e2 int64, two bool) {
		tx, err := NewText(text)
		if err != nil {
			return
		}
		spans := []Span{{Start: s1, End: e1, Text: t1}}
		if two {
			spans = append(spans, Span{Start: s2, End: e2})
		}
		given := slices.Clone(spans)
		v := ValidateSpans(tx, spans, true)
		for _, x := range v {
			if !strings.HasPrefix(x.Field, "[") || x.Description == "" {
				t.Fatalf("violation %+v has no field path", x)
			}
		}
		if len(v) > 0 {
			return
		}
		for i, s := range spans {
			if s.Start < 0 || s.End > tx.Len() || s.Start >= s.End {
				t.Fatalf("accepted span %d [%d,%d) in a text of %d code points", i, s.Start, s.End, tx.Len())
			}
			if i > 0 && s.Start < spans[i-1].End {
				t.Fatalf("accepted overlapping spans %v", spans)
			}
			if s.Text != tx.Slice(s.Start, s.End) {
				t.Fatalf("accepted span %d with text %q; the text has %q", i, s.Text, tx.Slice(s.Start, s.End))
			}
			if given[i].Text != "" && given[i].Text != s.Text {
				t.Fatalf("the given text %q was replaced by %q", given[i].Text, s.Text)
			}
		}
	})
}

// FuzzSchemaIndex parses any JSON as a schema, as the store reads stored
// schemas. Index never panics; a schema it accepts answers every look-up
// for what it defines, and is still accepted after the JSON round trip a
// stored schema goes through (else a project could become unreadable).
func FuzzSchemaIndex(f *testing.F) {
	news, err := json.Marshal(NewsSchema())
	if err != nil {
		f.Fatal(err)
	}
	f.Add(news)
	f.Add([]byte(`{"entityTypes":[{"name":"PER"},{"name":"ORG"}],"eventTypes":[{"name":"Meet","roles":[{"name":"Entity","fillerTypes":["PER","Meet"]}]}],"attributes":[{"name":"realis","appliesTo":[2],"values":["ACTUAL"]}],"relationTypes":[{"name":"Supports","sourceKinds":[3],"targetKinds":[3]}],"claimStances":["asserts"]}`))
	f.Add([]byte(`{"entityTypes":[{"name":"PER"},{"name":"PER"}],"eventTypes":[{"name":"PER"}]}`))
	f.Add([]byte(`{"eventTypes":[{"name":"A","roles":[{"name":"r","fillerTypes":["B"]}]},{"name":"B"}],"attributes":[{"name":"x","appliesTo":[9]}]}`))
	f.Add([]byte(`{"entityTypes":[{"name":"a b"},{"name":""}],"claimTypes":["q","q"]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		var s Schema
		if json.Unmarshal(data, &s) != nil {
			return
		}
		x, err := s.Index()
		if err != nil {
			if ErrorCode(err) != CodeInvalid {
				t.Fatalf("Index: %v is not CodeInvalid", err)
			}
			return
		}
		checkIndex(t, &s, x)
		b, err := json.Marshal(&s)
		if err != nil {
			t.Fatalf("an accepted schema does not marshal: %v", err)
		}
		var s2 Schema
		if err := json.Unmarshal(b, &s2); err != nil {
			t.Fatalf("an accepted schema does not read back: %v", err)
		}
		x2, err := s2.Index()
		if err != nil {
			t.Fatalf("an accepted schema is refused after a JSON round trip: %v\n%s", err, b)
		}
		checkIndex(t, &s2, x2)
	})
}

// checkIndex checks that an index answers for everything its schema
// defines.
func checkIndex(t *testing.T, s *Schema, x *SchemaIndex) {
	t.Helper()
	for _, e := range s.EntityTypes {
		if !x.HasEntityType(e.Name) || checkLabel(e.Name) != "" {
			t.Fatalf("entity type %q accepted but not indexed, or not a label", e.Name)
		}
	}
	for _, e := range s.EventTypes {
		if et := x.EventType(e.Name); et == nil || et.Name != e.Name {
			t.Fatalf("event type %q not indexed", e.Name)
		}
		for _, r := range e.Roles {
			if x.Role(e.Name, r.Name) == nil {
				t.Fatalf("role %q of %q not indexed", r.Name, e.Name)
			}
			for _, ft := range r.FillerTypes {
				if !x.HasEntityType(ft) && x.EventType(ft) == nil {
					t.Fatalf("filler type %q of %s.%s is not a type", ft, e.Name, r.Name)
				}
			}
		}
	}
	for _, a := range s.Attributes {
		if x.Attribute(a.Name) == nil {
			t.Fatalf("attribute %q not indexed", a.Name)
		}
		for _, k := range a.AppliesTo {
			if !k.Valid() {
				t.Fatalf("attribute %q applies to kind %d", a.Name, k)
			}
		}
	}
	for _, r := range s.RelationTypes {
		if x.RelationType(r.Name) == nil {
			t.Fatalf("relation type %q not indexed", r.Name)
		}
	}
	for _, v := range s.ClaimStances {
		if !x.HasStance(v) {
			t.Fatalf("stance %q not indexed", v)
		}
	}
}
