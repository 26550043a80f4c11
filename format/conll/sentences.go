package conll

import (
	"strings"
	"unicode"
)

// Sentence-final punctuation, closing punctuation that may follow it, and
// abbreviations after which a full stop ends no sentence.
var (
	enders  = map[string]bool{".": true, "!": true, "?": true, "…": true, "‼": true, "⁇": true, "⁈": true, "⁉": true, "。": true, "！": true, "？": true}
	closers = map[string]bool{"\"": true, "'": true, "”": true, "’": true, "»": true, "›": true, ")": true, "]": true, "}": true}
	abbrevs = map[string]bool{}
)

func init() {
	for _, a := range strings.Fields(`Mr Mrs Ms Dr Prof St Jr Sr Gen Sen Rep Gov Lt Col Sgt Capt Cpt Maj Adm Rev Hon Pres
		Inc Ltd Co Corp Bros vs etc approx No Nos Vol Fig pp cf al Jan Feb Mar Apr Jun Jul Aug Sep Sept Oct Nov Dec
		Mon Tue Tues Wed Thu Thur Thurs Fri Sat Sun Mt Ft Ave Blvd Rd Sra Sr Sres Dra`) {
		abbrevs[a] = true
	}
}

// Sentences splits tokens (from Tokenize on the same text) into sentences.
// A sentence ends:
//
//   - at a line break: "\n" or "\r" in the white space between two tokens
//     (news texts here hold one paragraph per line);
//   - after sentence-final punctuation (. ! ? … ‼ ⁇ ⁈ ⁉ 。 ！ ？), with the
//     closing quotes and brackets (" ' ” ’ » › ) ] }) and further
//     sentence-final punctuation right after it, when the next token does
//     not start with a lower-case letter or with , ; : — except for a full
//     stop written directly after an abbreviation (Mr, Dr, Gen, Inc, Jan,
//     ... see the list in the source) or after a single upper-case letter
//     (an initial, as in "J. Smith");
//   - at the end of the text.
//
// Write never ends a sentence inside a span it tags (see Write).
func Sentences(text string, toks []Token) [][]Token {
	at, ok := byteOffsets(text, toks)
	if !ok {
		return [][]Token{toks}
	}
	ends := sentenceEnds(text, toks, at)
	var out [][]Token
	start := 0
	for i := range toks {
		if ends[i] {
			out = append(out, toks[start:i+1])
			start = i + 1
		}
	}
	return out
}

// sentenceEnds returns, for each token, whether a sentence ends after it.
// at holds the byte offset of each token in text.
func sentenceEnds(text string, toks []Token, at []int) []bool {
	ends := make([]bool, len(toks))
	if len(toks) == 0 {
		return ends
	}
	pending := false // sentence-final punctuation, maybe followed by closers
	abbrev := false  // ... which is a full stop after an abbreviation
	for i := range toks {
		t := toks[i].Text
		switch {
		case enders[t]:
			if !pending {
				abbrev = t == "." && i > 0 && toks[i-1].End == toks[i].Start && isAbbrev(toks[i-1].Text)
			}
			pending = true
		case pending && closers[t]:
		default:
			pending = false
		}
		if i == len(toks)-1 {
			ends[i] = true
			break
		}
		gap := text[at[i]+len(t) : at[i+1]]
		if strings.ContainsAny(gap, "\n\r") {
			ends[i] = true
			continue
		}
		next := toks[i+1].Text
		if pending && !abbrev && !enders[next] && !closers[next] && startsSentence(next) {
			ends[i] = true
		}
	}
	return ends
}

// isAbbrev reports whether a token before a full stop is an abbreviation
// or an initial.
func isAbbrev(t string) bool {
	if abbrevs[t] {
		return true
	}
	r := []rune(t)
	return len(r) == 1 && unicode.IsUpper(r[0])
}

// startsSentence reports whether a token may start a sentence.
func startsSentence(t string) bool {
	r, _ := decode(t, 0)
	return !unicode.IsLower(r) && r != ',' && r != ';' && r != ':'
}

// byteOffsets finds the byte offset of each token in text; ok is false if
// the tokens are not, in order, substrings of the text.
func byteOffsets(text string, toks []Token) ([]int, bool) {
	at := make([]int, len(toks))
	pos := 0
	for i, t := range toks {
		j := strings.Index(text[pos:], t.Text)
		if j < 0 {
			return nil, false
		}
		at[i] = pos + j
		pos += j + len(t.Text)
	}
	return at, true
}
