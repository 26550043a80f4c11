package conll

import (
	"unicode"
	"unicode/utf8"
)

// Token is a token of a text with its code-point offsets, so that a tag
// can always be traced back to the characters it came from.
type Token struct {
	Text  string
	Start int64 // code point, inclusive
	End   int64 // code point, exclusive
}

const (
	zwj        = '\u200D' // zero-width joiner
	softHyphen = '\u00AD'
)

// Tokenize splits a text into tokens. The rules, on code points:
//
//  1. White space (unicode.IsSpace), control characters and format
//     characters (zero-width space, byte order mark, direction marks)
//     separate tokens and belong to none. The soft hyphen U+00AD and the
//     zero-width joiner U+200D stay inside a token when another character
//     of it follows directly; otherwise they separate too.
//  2. A word is a run of letters, digits and other numbers ("²", "½") with
//     their combining marks. It also takes an apostrophe (' U+0027,
//     ’ U+2019, ʼ U+02BC) between two letters ("don't", "O’Brien",
//     "Inês's"), a hyphen (- U+002D, ‐ U+2010, ‑ U+2011) between two
//     letters or digits ("well-known", "COVID-19", "2023-24"), and a full
//     stop or comma between two digits ("270,000", "3.5", "1.250.000").
//     "Between" means directly before and after, without space. Scripts
//     written without spaces (Chinese, Japanese, Thai) are not segmented
//     further: a run of their letters is one token.
//  3. Every other character (punctuation, symbols, emoji) is a token of its
//     own: "“about" is "“" and "about", "..." three "." tokens, "—" and
//     "…" one token each. Apostrophes and hyphens that do not join two
//     word characters are tokens ("students'" is "students" and "'",
//     "-5" is "-" and "5"); so are the dashes – and — ("1990–2000" is three
//     tokens).
//  4. Combining marks, variation selectors, emoji skin-tone modifiers and
//     emoji tag characters stay with the character before them; a
//     zero-width joiner joins an emoji sequence into one token ("👩‍🚒");
//     two regional indicators form one token (a flag, "🇵🇹").
func Tokenize(text string) []Token {
	toks, _ := tokenize(text)
	return toks
}

// tokenize is Tokenize that also returns the byte offset of each token.
func tokenize(text string) ([]Token, []int) {
	toks := make([]Token, 0, len(text)/5+1)
	bytesAt := make([]int, 0, cap(toks))
	var cp int64
	for i := 0; i < len(text); {
		r, size := decode(text, i)
		if separates(r) || r == zwj || r == softHyphen {
			i += size
			cp++
			continue
		}
		start, startCP := i, cp
		word := isWord(r) || unicode.IsMark(r)
		flag := isRegional(r)
		base := r // the last character of the token that is not a mark
		i += size
		cp++
	scan:
		for i < len(text) {
			r2, s2 := decode(text, i)
			switch {
			case isAttached(r2):
				i += s2
				cp++
				continue
			case r2 == zwj || r2 == softHyphen:
				if i+s2 >= len(text) {
					break scan
				}
				r3, s3 := decode(text, i+s2)
				if separates(r3) || r3 == zwj || r3 == softHyphen {
					break scan
				}
				i += s2 + s3
				cp += 2
				base = r3
				continue
			case word && isWord(r2):
			case flag && isRegional(r2):
			case word && infixJoins(r2, base, text[i+s2:]):
			default:
				break scan
			}
			flag = false
			i += s2
			cp++
			base = r2
		}
		toks = append(toks, Token{Text: text[start:i], Start: startCP, End: cp})
		bytesAt = append(bytesAt, start)
	}
	return toks, bytesAt
}

func decode(s string, i int) (rune, int) {
	if c := s[i]; c < utf8.RuneSelf {
		return rune(c), 1
	}
	return utf8.DecodeRuneInString(s[i:])
}

// separates reports whether r separates tokens (rule 1).
func separates(r rune) bool {
	if r < utf8.RuneSelf {
		return r <= ' ' || r == 0x7f
	}
	return unicode.IsSpace(r) || unicode.Is(unicode.Cc, r) || (unicode.Is(unicode.Cf, r) && r != zwj && r != softHyphen && !isTag(r))
}

// isWord reports whether r is a letter, digit or other number.
func isWord(r rune) bool {
	if r < utf8.RuneSelf {
		return 'a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || '0' <= r && r <= '9'
	}
	return unicode.IsLetter(r) || unicode.IsNumber(r)
}

// isAttached reports whether r stays with the character before it (rule 4).
func isAttached(r rune) bool {
	if r < utf8.RuneSelf {
		return false
	}
	return unicode.IsMark(r) || (r >= 0x1F3FB && r <= 0x1F3FF) || isTag(r)
}

func isTag(r rune) bool      { return r >= 0xE0020 && r <= 0xE007F }
func isRegional(r rune) bool { return r >= 0x1F1E6 && r <= 0x1F1FF }

// infixJoins reports whether r, coming after base inside a word and before
// rest, stays in the word (rule 2).
func infixJoins(r, base rune, rest string) bool {
	if rest == "" {
		return false
	}
	next, _ := decode(rest, 0)
	switch r {
	case '\'', '\u2019', '\u02BC':
		return unicode.IsLetter(base) && unicode.IsLetter(next)
	case '-', '\u2010', '\u2011':
		return isWord(base) && isWord(next) && !unicode.IsMark(next)
	case '.', ',':
		return unicode.IsDigit(base) && unicode.IsDigit(next)
	}
	return false
}
