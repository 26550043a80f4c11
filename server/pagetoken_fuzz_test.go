package server

import (
	"bytes"
	"encoding/base64"
	"testing"

	"github.com/scholia-nlp/scholia"
)

// fuzzKey is the store secret of the token fuzz tests.
var fuzzKey = bytes.Repeat([]byte{7}, 32)

// signedCursors are the cursors whose tokens the fuzz test seeds with: page
// tokens of several listings and a StreamCorpus resume token.
var signedCursors = []pageCursor{
	{List: "users", After: "alice"},
	{List: "annotations", Filter: digest("p", "d"), AfterN: 42, AsOf: 7},
	{List: "documents", Filter: digest("p"), After: "d001", AsOf: 9},
	{List: "layers", Filter: digest("p"), After: "d", After2: "alice", AsOf: 3},
	{List: "corpus", Filter: digest("p", false, int64(0)), After: "doc-17", AsOf: 123456},
}

// FuzzPageToken decodes any string as a page or resume token, for any
// listing and filter. A decode succeeds only for a token that encode made
// with the key for that listing and filter, exactly: a forged, tampered,
// truncated or re-spelled token, or one of another listing or filter, is
// rejected with INVALID_ARGUMENT, never trusted.
func FuzzPageToken(f *testing.F) {
	p := &pageTokens{key: fuzzKey}
	signed := map[string]pageCursor{}
	for _, c := range signedCursors {
		tok := p.encode(c)
		signed[tok] = c
		f.Add(tok, c.List, c.Filter)
		f.Add(tok[:len(tok)-1], c.List, c.Filter)
		f.Add(tok, c.List, "other")
	}
	other := &pageTokens{key: bytes.Repeat([]byte{8}, 32)}
	f.Add(other.encode(signedCursors[1]), "annotations", signedCursors[1].Filter) // another server's
	f.Add(base64.RawURLEncoding.EncodeToString([]byte(`{"l":"users","a":"zz"}0123456789abcdef`)), "users", "")
	f.Add("", "users", "")
	f.Add("!!!", "users", "")
	f.Fuzz(func(t *testing.T, token, list, filter string) {
		c, err := p.decode("page_token", token, list, filter)
		if err != nil {
			if scholia.ErrorCode(err) != scholia.CodeInvalid {
				t.Fatalf("error %v is not CodeInvalid", err)
			}
			return
		}
		if token == "" {
			if c != (pageCursor{}) {
				t.Fatalf("the empty token decoded to %+v", c)
			}
			return
		}
		want, ok := signed[token]
		if !ok {
			t.Fatalf("decode accepted %q, which encode never made: %+v", token, c)
		}
		if c != want || c.List != list || c.Filter != filter {
			t.Fatalf("decode(%q, %q, %q) = %+v; it was made for %+v", token, list, filter, c, want)
		}
	})
}

// TestPageTokenTampering changes every byte of every seed token to every
// other value that keeps the token base64: each change is rejected.
func TestPageTokenTampering(t *testing.T) {
	p := &pageTokens{key: fuzzKey}
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
	for _, c := range signedCursors {
		tok := p.encode(c)
		if got, err := p.decode("page_token", tok, c.List, c.Filter); err != nil || got != c {
			t.Fatalf("a genuine token: %+v, %v", got, err)
		}
		for i := range tok {
			for _, r := range alphabet {
				if byte(r) == tok[i] {
					continue
				}
				bad := tok[:i] + string(r) + tok[i+1:]
				if got, err := p.decode("page_token", bad, c.List, c.Filter); err == nil {
					t.Fatalf("token with byte %d changed to %c accepted: %+v", i, r, got)
				}
			}
		}
		for _, bad := range []string{tok[:len(tok)-1], tok + "A", tok + "=", " " + tok} {
			if _, err := p.decode("page_token", bad, c.List, c.Filter); err == nil {
				t.Fatalf("altered token %q accepted", bad)
			}
		}
	}
}
