package conll

import (
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/scholia-nlp/scholia"
)

func TestTokenize(t *testing.T) {
	tests := []struct {
		text string
		want []string
	}{
		{"about 270,000 people.", []string{"about", "270,000", "people", "."}},
		{"It rose 3.5% to 1.250.000 in 2023-24.", []string{"It", "rose", "3.5", "%", "to", "1.250.000", "in", "2023-24", "."}},
		{"don't O’Brien Inês's students' rock'n'roll", []string{"don't", "O’Brien", "Inês's", "students", "'", "rock'n'roll"}},
		{"well-known COVID-19 -5 a--b x-", []string{"well-known", "COVID-19", "-", "5", "a", "-", "-", "b", "x", "-"}},
		{"“about” (yes)...", []string{"“", "about", "”", "(", "yes", ")", ".", ".", "."}},
		{"1990–2000 — fine…", []string{"1990", "–", "2000", "—", "fine", "…"}},
		{"🗞️ news 👩‍🚒 👍🏽 🇵🇹🇪🇸", []string{"🗞️", "news", "👩‍🚒", "👍🏽", "🇵🇹", "🇪🇸"}},
		{"Cafe\u0301 co\u00ADoperate zero\u200Bwidth \uFEFFbom", []string{"Cafe\u0301", "co\u00ADoperate", "zero", "width", "bom"}},
		{"Line one.\r\nLine two", []string{"Line", "one", ".", "Line", "two"}},
		{"北京 欢迎你", []string{"北京", "欢迎你"}},
		{"U.S. e-mail 3,5 1,a", []string{"U", ".", "S", ".", "e-mail", "3,5", "1", ",", "a"}},
		{"", nil},
		{" \t\n", nil},
	}
	for _, tc := range tests {
		toks := Tokenize(tc.text)
		var got []string
		runes := []rune(tc.text)
		for i, tk := range toks {
			got = append(got, tk.Text)
			if string(runes[tk.Start:tk.End]) != tk.Text {
				t.Errorf("%q: token %q has offsets [%d,%d) over %q", tc.text, tk.Text, tk.Start, tk.End, string(runes[tk.Start:tk.End]))
			}
			if i > 0 && tk.Start < toks[i-1].End {
				t.Errorf("%q: tokens overlap", tc.text)
			}
		}
		if !slices.Equal(got, tc.want) {
			t.Errorf("Tokenize(%q) = %q, want %q", tc.text, got, tc.want)
		}
	}
}

func TestSentences(t *testing.T) {
	tests := []struct {
		text string
		want []string
	}{
		{"Police arrived. The fire was out.", []string{"Police arrived .", "The fire was out ."}},
		{"She said: “It is over.” Then she left!", []string{"She said : “ It is over . ”", "Then she left !"}},
		{"Mr. Costa met Dr. Sousa and J. Smith in the U.S. on Monday.", []string{"Mr . Costa met Dr . Sousa and J . Smith in the U . S . on Monday ."}},
		{"Was it 3? 40 people were hurt. and then", []string{"Was it 3 ?", "40 people were hurt . and then"}},
		{"Headline\r\nFirst paragraph, no full stop\nSecond", []string{"Headline", "First paragraph , no full stop", "Second"}},
		{"Wait... what?! Yes.", []string{"Wait . . . what ? !", "Yes ."}},
	}
	for _, tc := range tests {
		var got []string
		for _, s := range Sentences(tc.text, Tokenize(tc.text)) {
			var w []string
			for _, tk := range s {
				w = append(w, tk.Text)
			}
			got = append(got, strings.Join(w, " "))
		}
		if !slices.Equal(got, tc.want) {
			t.Errorf("Sentences(%q) =\n%q\nwant\n%q", tc.text, got, tc.want)
		}
	}
}

// newsDoc is a document with two layers: nested, overlapping,
// discontinuous and partial-token spans, an emoji before the spans, curly
// quotes, accents and CRLF line ends.
func newsDoc(t testing.TB) scholia.AnnotatedDocument {
	text := "🗞️ Mayor Inês Ferreira said “about 270,000 residents” fled.\r\nNorth and South Korea's envoys met in Évora. They left."
	at := func(s string, nth int) scholia.Span {
		r := []rune(text)
		q := []rune(s)
		for i := 0; i+len(q) <= len(r); i++ {
			if string(r[i:i+len(q)]) == s {
				if nth == 0 {
					return scholia.Span{Start: int64(i), End: int64(i + len(q)), Text: s}
				}
				nth--
			}
		}
		t.Fatalf("%q not in text", s)
		return scholia.Span{}
	}
	m := func(id int64, layer, label string, spans ...scholia.Span) scholia.Annotation {
		return scholia.Annotation{ID: id, Annotator: layer, Kind: scholia.KindMention, Label: label, Spans: spans}
	}
	return scholia.AnnotatedDocument{
		Document: scholia.Document{ID: "news-1", Text: text},
		Layers:   []scholia.Layer{{Annotator: "ana"}, {Annotator: scholia.GoldAnnotator}, {Annotator: "empty"}},
		Annotations: []scholia.Annotation{
			m(1, "gold", "PER", at("Mayor Inês Ferreira", 0)),
			m(2, "gold", "PER", at("Inês Ferreira", 0)),         // nested: dropped
			m(3, "gold", "NUM", at("270,000 residents", 0)),     // longer than 4: kept
			m(4, "gold", "QUOTE", at("about 270,000", 0)),       // overlaps 3, shorter: dropped
			m(5, "gold", "GPE", at("North", 0), at("Korea", 0)), // discontinuous
			m(6, "gold", "GPE", at("Évora", 0)),
			m(7, "gold", "GPE", at("Kor", 0)), // partial token, nested in 5's chunk
			m(8, "ana", "PER", at("Inês Ferreira", 0)),
			m(9, "ana", "GPE", at("Évora. They", 0)),                          // across a sentence end: no break
			m(10, "ana", "ORG", scholia.Span{Start: 60, End: 61, Text: "\n"}), // white space only
			{ID: 11, Annotator: "ana", Kind: scholia.KindEvent, Label: "Contact.Meet", Spans: []scholia.Span{at("met", 0)}},
			m(12, "ana", "New Label", at("envoys", 0)), // white space in the label
		},
	}
}

func TestWriteGolden(t *testing.T) {
	doc := newsDoc(t)
	var b strings.Builder
	rep, err := Write(&b, []scholia.AnnotatedDocument{doc, {Document: scholia.Document{ID: "empty-doc"}}}, Options{Offsets: true})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(rep.Columns, []string{"gold", "ana", "empty"}) {
		t.Errorf("columns %v", rep.Columns)
	}
	golden := "testdata/news.conll"
	if os.Getenv("UPDATE_GOLDEN") != "" {
		os.WriteFile(golden, []byte(b.String()), 0o644)
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if b.String() != string(want) {
		t.Errorf("output differs from %s:\n%s", golden, b.String())
	}
	var dropped []string
	for _, d := range rep.Dropped {
		dropped = append(dropped, d.Layer+" "+strconv.FormatInt(d.AnnotationID, 10)+": "+d.Reason)
	}
	wantDropped := []string{
		`gold 2: nested in annotation 1 (PER, "Mayor Inês Ferreira"); BIO cannot express nested or overlapping spans and the longest wins`,
		`gold 4: overlaps annotation 3 (NUM, "270,000 residents"); BIO cannot express nested or overlapping spans and the longest wins`,
		`gold 7: nested in annotation 5 (GPE, "North … Korea's"); BIO cannot express nested or overlapping spans and the longest wins`,
		`ana 10: covers no token (white space only)`,
	}
	slices.Sort(dropped)
	slices.Sort(wantDropped)
	if !slices.Equal(dropped, wantDropped) {
		t.Errorf("dropped:\n%s\nwant:\n%s", strings.Join(dropped, "\n"), strings.Join(wantDropped, "\n"))
	}
	var adjusted []string
	for _, a := range rep.Adjusted {
		adjusted = append(adjusted, a.Reason)
	}
	if len(adjusted) != 4 {
		t.Errorf("adjusted: %q", adjusted)
	}
}

// TestNothingSilentlyDropped: every annotation of an exported kind is
// either tagged (its first token has B-) or in the report.
func TestNothingSilentlyDropped(t *testing.T) {
	doc := newsDoc(t)
	var b strings.Builder
	rep, err := Write(&b, []scholia.AnnotatedDocument{doc}, Options{Kinds: []scholia.Kind{scholia.KindMention, scholia.KindEvent}})
	if err != nil {
		t.Fatal(err)
	}
	bs := strings.Count(b.String(), "B-")
	reported := map[int64]bool{}
	for _, d := range rep.Dropped {
		reported[d.AnnotationID] = true
	}
	// Annotation 5 is discontinuous: two chunks, two B- tags.
	if bs-1 != len(doc.Annotations)-len(reported) {
		t.Errorf("%d B- tags for %d annotations, %d dropped:\n%s", bs, len(doc.Annotations), len(reported), b.String())
	}
}

// FuzzTokenize checks the tokeniser's invariants on any text: tokens are in
// order, do not overlap, hold no white space, and their offsets give their
// text.
func FuzzTokenize(f *testing.F) {
	f.Add("🗞️ Mayor Inês said “270,000”.\r\nNo.")
	f.Add("a\u200D\u200Db \U0001F1F5\U0001F1F9\U0001F1EA x'y'- 1.2.")
	f.Fuzz(func(t *testing.T, text string) {
		toks := Tokenize(strings.ToValidUTF8(text, "\uFFFD"))
		text = strings.ToValidUTF8(text, "\uFFFD")
		runes := []rune(text)
		for i, tk := range toks {
			if tk.Start < 0 || tk.End > int64(len(runes)) || tk.End <= tk.Start || (i > 0 && tk.Start < toks[i-1].End) {
				t.Fatalf("token %d %q at [%d,%d)", i, tk.Text, tk.Start, tk.End)
			}
			if string(runes[tk.Start:tk.End]) != tk.Text || strings.ContainsAny(tk.Text, " \t\n\r") {
				t.Fatalf("token %q at [%d,%d) is %q", tk.Text, tk.Start, tk.End, string(runes[tk.Start:tk.End]))
			}
		}
		n := 0
		for _, s := range Sentences(text, toks) {
			n += len(s)
		}
		if n != len(toks) {
			t.Fatalf("sentences hold %d of %d tokens", n, len(toks))
		}
	})
}

// BenchmarkWrite measures export in annotations per second.
func BenchmarkWrite(b *testing.B) {
	var docs []scholia.AnnotatedDocument
	n := 0
	for range 200 {
		d := newsDoc(b)
		docs = append(docs, d)
		n += len(d.Annotations)
	}
	var out strings.Builder
	for b.Loop() {
		out.Reset()
		if _, err := Write(&out, docs, Options{}); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "annotations/s")
}
