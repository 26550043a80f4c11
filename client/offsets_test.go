package client

import "testing"

func TestOffsetConversions(t *testing.T) {
	text := "a🕊️é\r\nb" // a, dove (2 UTF-16 units, 4 bytes), VS16, é (2 bytes), CR, LF, b
	cases := []struct{ cp, u16, b int }{
		{0, 0, 0}, {1, 1, 1}, {2, 3, 5}, {3, 4, 8}, {4, 5, 10}, {5, 6, 11}, {6, 7, 12}, {7, 8, 13},
	}
	for _, c := range cases {
		if got, err := CodePointToUTF16(text, c.cp); err != nil || got != c.u16 {
			t.Errorf("CodePointToUTF16(%d) = %d, %v; want %d", c.cp, got, err, c.u16)
		}
		if got, err := UTF16ToCodePoint(text, c.u16); err != nil || got != c.cp {
			t.Errorf("UTF16ToCodePoint(%d) = %d, %v; want %d", c.u16, got, err, c.cp)
		}
		if got, err := CodePointToByte(text, c.cp); err != nil || got != c.b {
			t.Errorf("CodePointToByte(%d) = %d, %v; want %d", c.cp, got, err, c.b)
		}
		if got, err := ByteToCodePoint(text, c.b); err != nil || got != c.cp {
			t.Errorf("ByteToCodePoint(%d) = %d, %v; want %d", c.b, got, err, c.cp)
		}
	}
	for _, bad := range []func() error{
		func() error { _, err := UTF16ToCodePoint(text, 2); return err }, // inside the surrogate pair
		func() error { _, err := UTF16ToCodePoint(text, 9); return err }, // past the end
		func() error { _, err := ByteToCodePoint(text, 2); return err },  // inside the dove's bytes
		func() error { _, err := CodePointToByte(text, 8); return err },
		func() error { _, err := CodePointToUTF16(text, -1); return err },
	} {
		if bad() == nil {
			t.Error("an impossible offset was converted")
		}
	}
}
