package scholia

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestTextOffsets(t *testing.T) {
	long := strings.Repeat("ab🕊️é\r\n", 300) // crosses many checkpoints
	for _, s := range []string{"", "plain ascii", "🇺🇳 Se\u0301bastien said “no”.\r\n", long} {
		tx, err := NewText(s)
		if err != nil {
			t.Fatal(err)
		}
		runes := []rune(s)
		if tx.Len() != int64(len(runes)) {
			t.Fatalf("Len = %d, want %d", tx.Len(), len(runes))
		}
		b := 0
		for cp := 0; cp <= len(runes); cp++ {
			if got := tx.ByteOffset(int64(cp)); got != b {
				t.Fatalf("ByteOffset(%d) = %d, want %d", cp, got, b)
			}
			if got := tx.CodePoint(b); got != int64(cp) {
				t.Fatalf("CodePoint(%d) = %d, want %d", b, got, cp)
			}
			if cp < len(runes) {
				b += utf8.RuneLen(runes[cp])
			}
		}
		if len(runes) > 3 {
			if got, want := tx.Slice(1, 3), string(runes[1:3]); got != want {
				t.Errorf("Slice(1,3) = %q, want %q", got, want)
			}
		}
	}
}

func TestTextRejectsInvalidUTF8(t *testing.T) {
	for _, s := range []string{"ok \xff", "\xc3", "a\xed\xa0\x80b"} { // stray byte, truncated, surrogate
		if _, err := NewText(s); err == nil || !strings.Contains(err.Error(), "invalid UTF-8 at byte") {
			t.Errorf("NewText(%q) error = %v", s, err)
		}
	}
}

func TestFindQuote(t *testing.T) {
	text := "Haddad met Ruiz.\r\nHaddad said “no” — twice – in Jose\u0301’s office. aaa"
	tx, _ := NewText(text)
	cases := []struct {
		quote string
		want  []Match
	}{
		{"Haddad", []Match{{0, 6, true}, {18, 24, true}}},
		{"aa", []Match{{64, 66, true}, {65, 67, true}}}, // overlapping occurrences
		{"Ruiz. Haddad", []Match{{11, 24, false}}},      // a space matches CRLF
		{`said "no"`, []Match{{25, 34, false}}},         // straight quotes match curly ones
		{"no\" - twice - in", []Match{{31, 47, false}}}, // dashes fold to '-'
		{"José’s", []Match{{48, 55, false}}},            // precomposed é matches e + U+0301
		{"Jos", []Match{{48, 51, true}}},
		{"Kofi", nil},
		{"", nil},
	}
	for _, c := range cases {
		got := tx.FindQuote(c.quote)
		if len(got) != len(c.want) {
			t.Errorf("FindQuote(%q) = %v, want %v", c.quote, got, c.want)
			continue
		}
		for i := range got {
			if got[i] != c.want[i] {
				t.Errorf("FindQuote(%q)[%d] = %v, want %v (%q)", c.quote, i, got[i], c.want[i], tx.Slice(got[i].Start, got[i].End))
			}
		}
	}
	// An unaccented quote does not match an accented letter.
	if got := tx.FindQuote("Jose’s"); len(got) != 0 {
		t.Errorf("FindQuote(Jose’s) = %v, want no match", got)
	}
	// A loose match never starts or ends inside a decomposed character.
	tx2, _ := NewText("caf\u00e9s and cafe\u0301")
	if got := tx2.FindQuote("cafe\u0301s"); len(got) != 1 || got[0] != (Match{0, 5, false}) {
		t.Errorf("FindQuote(cafe+U+0301 s) = %v, want [0,5) loose", got)
	}
	if got := tx2.FindQuote("cafe"); len(got) != 0 {
		t.Errorf("FindQuote(cafe) = %v: a match splits é", got)
	}
}
