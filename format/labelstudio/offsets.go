package labelstudio

import (
	"sort"
	"unicode/utf8"
)

// OffsetUnit says what Label Studio's region offsets count.
type OffsetUnit int

// The offset units. Older Label Studio versions counted UTF-16 code units
// (JavaScript string indexes); newer ones count code points, as scholia
// does. The two differ after any character outside the Basic Multilingual
// Plane, such as most emoji.
const (
	// OffsetsAuto decides per region by comparing value.text with the
	// text at the offsets counted both ways (the default when reading).
	OffsetsAuto OffsetUnit = iota
	// OffsetsCodePoints takes offsets as code points.
	OffsetsCodePoints
	// OffsetsUTF16 takes offsets as UTF-16 code units.
	OffsetsUTF16
)

// utf16Map converts between code points and UTF-16 code units of one text.
// It holds the code-point offsets of the characters outside the BMP, which
// take two units each; texts without any need no table.
type utf16Map struct {
	astral []int64 // code-point offsets of supplementary characters, ascending
	n      int64   // length in code points
}

func newUTF16Map(s string, n int64) *utf16Map {
	m := &utf16Map{n: n}
	var cp int64
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			i++
			cp++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r > 0xFFFF {
			m.astral = append(m.astral, cp)
		}
		i += size
		cp++
	}
	return m
}

// same reports whether both units agree everywhere in the text.
func (m *utf16Map) same() bool { return len(m.astral) == 0 }

// toCodePoint converts a UTF-16 offset; ok is false for an offset inside a
// surrogate pair or past the end.
func (m *utf16Map) toCodePoint(u int64) (int64, bool) {
	// The i-th supplementary character (0-based) starts at unit
	// astral[i]+i; count those that start before u.
	k := sort.Search(len(m.astral), func(i int) bool { return m.astral[i]+int64(i) >= u })
	if k > 0 && m.astral[k-1]+int64(k-1)+1 == u {
		return 0, false // between the two halves of a surrogate pair
	}
	cp := u - int64(k)
	return cp, cp >= 0 && cp <= m.n
}

// toUTF16 converts a code-point offset.
func (m *utf16Map) toUTF16(cp int64) int64 {
	k := sort.Search(len(m.astral), func(i int) bool { return m.astral[i] >= cp })
	return cp + int64(k)
}
