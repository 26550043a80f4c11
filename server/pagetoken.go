package server

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"

	"github.com/scholia-nlp/scholia"
)

// pageTokens makes and checks page tokens. A token carries where the last
// page ended, the revision the listing reads (so every page shows one
// consistent state) and a digest of the request's filters (so a token cannot
// be replayed with other filters); it is signed with the store's secret so a
// forged or tampered token is rejected instead of trusted.
type pageTokens struct {
	key []byte
}

// pageCursor is the content of a page token.
type pageCursor struct {
	List   string `json:"l"`           // which List method
	Filter string `json:"f,omitempty"` // digest of the request's filters
	After  string `json:"a,omitempty"` // last key of the previous page
	After2 string `json:"b,omitempty"` // second part of a two-part key
	AfterN int64  `json:"n,omitempty"` // numeric last key
	AsOf   int64  `json:"r,omitempty"` // revision read by the first page
}

const macLen = 16

func (p *pageTokens) encode(c pageCursor) string {
	body, _ := json.Marshal(c)
	m := hmac.New(sha256.New, p.key)
	m.Write(body)
	return base64.RawURLEncoding.EncodeToString(append(body, m.Sum(nil)[:macLen]...))
}

// decode checks a token against the list and filter it must belong to. An
// empty token is the first page.
func (p *pageTokens) decode(field, token, list, filter string) (pageCursor, error) {
	var c pageCursor
	if token == "" {
		return c, nil
	}
	bad := func(why string) error {
		return scholia.Invalid("bad page token", scholia.FieldViolation{Field: field, Description: why})
	}
	// Strict: one token has one spelling, so that no altered token is
	// ever accepted, not even one that decodes to the same bytes.
	// The decoder skips line breaks even when strict, so the token must
	// also be exactly what encoding its bytes gives back.
	raw, err := base64.RawURLEncoding.Strict().DecodeString(token)
	if err != nil || len(raw) <= macLen || base64.RawURLEncoding.EncodeToString(raw) != token {
		return c, bad("not a page token of this server")
	}
	body, mac := raw[:len(raw)-macLen], raw[len(raw)-macLen:]
	m := hmac.New(sha256.New, p.key)
	m.Write(body)
	if !hmac.Equal(mac, m.Sum(nil)[:macLen]) {
		return c, bad("not a page token of this server (it was changed or made elsewhere)")
	}
	if err := json.Unmarshal(body, &c); err != nil {
		return c, bad("not a page token of this server")
	}
	if c.List != list || c.Filter != filter {
		return c, bad("the token belongs to a different listing: send the same filters as for the first page")
	}
	return c, nil
}

// digest summarises a request's filters for pageCursor.Filter.
func digest(parts ...any) string {
	b, _ := json.Marshal(parts)
	h := sha256.Sum256(b)
	return base64.RawURLEncoding.EncodeToString(h[:9])
}
