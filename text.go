package scholia

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// checkpointEvery is how many code points lie between two remembered byte
// offsets in a Text's index: a conversion scans at most this many runes.
// Every span of every annotation is converted, so the index is dense: it
// costs a quarter of a byte per code point.
const checkpointEvery = 32

// Text is a document's text with an index from code-point offsets to byte
// offsets. Offsets in scholia are Unicode code points (as in Python slicing
// and brat); Go strings are UTF-8 bytes, and Text converts between the two in
// O(1) memory per 256 code points, so even a very long document is cheap to
// index.
type Text struct {
	s      string
	n      int64
	ascii  bool
	points []int // byte offset of code point i*checkpointEvery
}

// NewText indexes s. It fails if s is not valid UTF-8, saying at which byte.
func NewText(s string) (*Text, error) {
	t := &Text{s: s, ascii: true}
	var cp int64
	for i := 0; i < len(s); {
		c := s[i]
		if cp%checkpointEvery == 0 {
			t.points = append(t.points, i)
		}
		if c < utf8.RuneSelf {
			i++
		} else {
			t.ascii = false
			r, size := utf8.DecodeRuneInString(s[i:])
			if r == utf8.RuneError && size <= 1 {
				return nil, fmt.Errorf("invalid UTF-8 at byte %d", i)
			}
			i += size
		}
		cp++
	}
	t.n = cp
	if t.ascii {
		t.points = nil
	}
	return t, nil
}

// String returns the whole text.
func (t *Text) String() string { return t.s }

// Len returns the length in code points.
func (t *Text) Len() int64 { return t.n }

// ByteOffset returns the byte offset of code point cp, for 0 <= cp <= Len().
func (t *Text) ByteOffset(cp int64) int {
	if t.ascii || cp <= 0 {
		return int(max(cp, 0))
	}
	if cp >= t.n {
		return len(t.s)
	}
	// The text is valid UTF-8 (NewText checked): a code point is a lead
	// byte and the continuation bytes (10xxxxxx) after it.
	i := t.points[cp/checkpointEvery]
	for k := cp % checkpointEvery; k > 0; k-- {
		for i++; i < len(t.s) && t.s[i]&0xC0 == 0x80; i++ {
		}
	}
	return i
}

// CodePoint returns the code-point offset of byte offset b, which must lie on
// a rune boundary.
func (t *Text) CodePoint(b int) int64 {
	if t.ascii {
		return int64(b)
	}
	// Binary search the checkpoint at or before b, then count forward.
	lo, hi := 0, len(t.points)-1
	for lo < hi {
		mid := (lo + hi + 1) / 2
		if t.points[mid] <= b {
			lo = mid
		} else {
			hi = mid - 1
		}
	}
	if len(t.points) == 0 {
		return 0
	}
	return int64(lo)*checkpointEvery + int64(utf8.RuneCountInString(t.s[t.points[lo]:b]))
}

// Slice returns the text between code points start and end.
func (t *Text) Slice(start, end int64) string {
	return t.s[t.ByteOffset(start):t.ByteOffset(end)]
}

// SHA256 returns the lower-case hex SHA-256 of the text's bytes.
func (t *Text) SHA256() string {
	sum := sha256.Sum256([]byte(t.s))
	return hex.EncodeToString(sum[:])
}

// Match is one place where a quote was found in a text.
type Match struct {
	Start, End int64 // code points
	// Exact is false when the quote matched only after folding whitespace
	// runs, curly quotes and dashes (see FindQuote).
	Exact bool
}

// FindQuote returns every occurrence of quote in the text, in text order.
// Occurrences may overlap ("aa" occurs twice in "aaa"). If the quote does not
// occur exactly, it is searched again with any run of white space (including
// CRLF) matching any other run, curly quotes matching straight ones, all
// dashes matching '-', and composed accented letters matching their
// decomposed forms (Unicode canonical equivalence), so that a quote typed at a terminal finds the text an
// article really has; such matches have Exact false.
//
// A quote that is not valid UTF-8 occurs nowhere: its bytes could only match
// inside the text's characters.
func (t *Text) FindQuote(quote string) []Match {
	if quote == "" || !utf8.ValidString(quote) {
		return nil
	}
	var out []Match
	qn := int64(utf8.RuneCountInString(quote))
	for from := 0; from <= len(t.s); {
		i := strings.Index(t.s[from:], quote)
		if i < 0 {
			break
		}
		b := from + i
		// A match must not split a character: the text after it must not
		// go on with a combining mark that belongs to its last letter.
		if next, _ := utf8.DecodeRuneInString(t.s[b+len(quote):]); b+len(quote) == len(t.s) || !unicode.Is(unicode.Mn, next) {
			start := t.CodePoint(b)
			out = append(out, Match{Start: start, End: start + qn, Exact: true})
		}
		_, size := utf8.DecodeRuneInString(t.s[b:])
		from = b + max(size, 1)
	}
	if len(out) > 0 {
		return out
	}
	return t.findFolded(quote)
}

// foldRune maps runes that people type differently from how articles print
// them to one form; white space maps to ' '.
func foldRune(r rune) rune {
	switch {
	case unicode.IsSpace(r):
		return ' '
	case r == '\u2018' || r == '\u2019' || r == '\u201A' || r == '\u201B' || r == '\u2032':
		return '\''
	case r == '\u201C' || r == '\u201D' || r == '\u201E' || r == '\u201F' || r == '\u2033' || r == '\u00AB' || r == '\u00BB':
		return '"'
	case r == '\u2010' || r == '\u2011' || r == '\u2012' || r == '\u2013' || r == '\u2014' || r == '\u2015' || r == '\u2212':
		return '-'
	}
	return r
}

// folded is a text with folded runes and white space runs collapsed, and the
// code-point offset in the original of each folded rune.
type folded struct {
	runes []rune
	orig  []int64 // orig[i] is the original offset of runes[i]; one extra entry for the end
}

func foldString(s string) folded {
	var f folded
	var cp int64
	prevSpace := false
	var buf [utf8.UTFMax * 4]byte
	for _, r := range s {
		r = foldRune(r)
		if r == ' ' && prevSpace {
			cp++
			continue
		}
		prevSpace = r == ' '
		if r < utf8.RuneSelf {
			f.runes = append(f.runes, r)
			f.orig = append(f.orig, cp)
		} else {
			// Canonical decomposition, so that "é" typed as one code point
			// matches "e" + U+0301 in the text and the other way round.
			n := utf8.EncodeRune(buf[:], r)
			for _, d := range norm.NFD.String(string(buf[:n])) {
				f.runes = append(f.runes, d)
				f.orig = append(f.orig, cp)
			}
		}
		cp++
	}
	f.orig = append(f.orig, cp)
	return f
}

func (t *Text) findFolded(quote string) []Match {
	q := foldString(strings.TrimSpace(quote))
	if len(q.runes) == 0 {
		return nil
	}
	h := foldString(t.s)
	var out []Match
	for i := 0; i+len(q.runes) <= len(h.runes); i++ {
		if h.runes[i] != q.runes[0] {
			continue
		}
		ok := true
		for j := 1; j < len(q.runes); j++ {
			if h.runes[i+j] != q.runes[j] {
				ok = false
				break
			}
		}
		if !ok {
			continue
		}
		last := i + len(q.runes) - 1
		// A match must not start or end inside a decomposed character.
		if (i > 0 && h.orig[i-1] == h.orig[i]) || (last+1 < len(h.runes) && (h.orig[last+1] == h.orig[last] || unicode.Is(unicode.Mn, h.runes[last+1]))) {
			continue
		}
		// The match ends after the last matched rune; if that rune stands
		// for a collapsed white-space run, the run is not part of the quote.
		end := h.orig[last] + 1
		out = append(out, Match{Start: h.orig[i], End: end, Exact: false})
	}
	return out
}
