package client

import (
	"fmt"
	"unicode/utf8"
)

// scholia counts offsets in Unicode code points (as Python and brat do).
// Browser JavaScript, Label Studio's older exports and WebAnno count UTF-16
// code units, and Go and Rust count UTF-8 bytes; these functions convert one
// offset in text between the three. They fail on an offset that is outside
// the text or falls inside a character (between the two halves of a
// surrogate pair, or inside a multi-byte UTF-8 sequence), rather than
// silently moving it.

// UTF16ToCodePoint converts a UTF-16 code-unit offset into a code-point
// offset.
func UTF16ToCodePoint(text string, u16 int) (int, error) {
	if u16 < 0 {
		return 0, fmt.Errorf("UTF-16 offset %d is negative", u16)
	}
	units, cps := 0, 0
	for _, r := range text {
		if units == u16 {
			return cps, nil
		}
		if units > u16 {
			break
		}
		units += utf16Len(r)
		cps++
	}
	if units == u16 {
		return cps, nil
	}
	if units > u16 {
		return 0, fmt.Errorf("UTF-16 offset %d falls inside a surrogate pair", u16)
	}
	return 0, fmt.Errorf("UTF-16 offset %d is past the end of the text (%d units)", u16, units)
}

// CodePointToUTF16 converts a code-point offset into a UTF-16 code-unit
// offset.
func CodePointToUTF16(text string, cp int) (int, error) {
	if cp < 0 {
		return 0, fmt.Errorf("offset %d is negative", cp)
	}
	units, n := 0, 0
	for _, r := range text {
		if n == cp {
			return units, nil
		}
		units += utf16Len(r)
		n++
	}
	if n == cp {
		return units, nil
	}
	return 0, fmt.Errorf("offset %d is past the end of the text (%d code points)", cp, n)
}

// ByteToCodePoint converts a UTF-8 byte offset into a code-point offset.
func ByteToCodePoint(text string, b int) (int, error) {
	if b < 0 || b > len(text) {
		return 0, fmt.Errorf("byte offset %d is outside the text (%d bytes)", b, len(text))
	}
	if b < len(text) && !utf8.RuneStart(text[b]) {
		return 0, fmt.Errorf("byte offset %d falls inside a UTF-8 sequence", b)
	}
	return utf8.RuneCountInString(text[:b]), nil
}

// CodePointToByte converts a code-point offset into a UTF-8 byte offset.
func CodePointToByte(text string, cp int) (int, error) {
	if cp < 0 {
		return 0, fmt.Errorf("offset %d is negative", cp)
	}
	n := 0
	for i := range text {
		if n == cp {
			return i, nil
		}
		n++
	}
	if n == cp {
		return len(text), nil
	}
	return 0, fmt.Errorf("offset %d is past the end of the text (%d code points)", cp, n)
}

func utf16Len(r rune) int {
	if r >= 0x10000 {
		return 2
	}
	return 1
}
