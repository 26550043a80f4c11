package sqlite

import (
	"encoding/json"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/scholia-nlp/scholia"
)

// Fast paths for decoding the JSON columns that every streamed annotation
// has: spans, attributes and event arguments. They read exactly what
// encoding/json writes for them (no white space, strings without escapes
// mostly) straight from the column's string, without reflection and
// without copying it; anything else makes them report false, and the
// caller falls back to encoding/json, so they never decide what a column
// means on their own.

// jsonReader reads JSON tokens from a string.
type jsonReader struct {
	s string
	i int
}

func (r *jsonReader) eat(c byte) bool {
	if r.i < len(r.s) && r.s[r.i] == c {
		r.i++
		return true
	}
	return false
}

// str reads a string. A string with escapes is decoded by encoding/json.
func (r *jsonReader) str() (string, bool) {
	if !r.eat('"') {
		return "", false
	}
	start := r.i
	escaped := false
	for r.i < len(r.s) {
		switch c := r.s[r.i]; {
		case c == '"':
			lit := r.s[start:r.i]
			r.i++
			if !escaped && utf8.ValidString(lit) {
				return lit, true
			}
			var out string
			if err := json.Unmarshal([]byte(r.s[start-1:r.i]), &out); err != nil {
				return "", false
			}
			return out, true
		case c == '\\':
			escaped = true
			r.i += 2
		case c < 0x20:
			return "", false
		default:
			r.i++
		}
	}
	return "", false
}

// int reads an integer.
func (r *jsonReader) int() (int64, bool) {
	neg := r.eat('-')
	start := r.i
	var n int64
	for r.i < len(r.s) && r.s[r.i] >= '0' && r.s[r.i] <= '9' {
		if r.i-start >= 18 {
			return 0, false // might overflow: leave it to encoding/json
		}
		n = n*10 + int64(r.s[r.i]-'0')
		r.i++
	}
	if r.i == start {
		return 0, false
	}
	if neg {
		n = -n
	}
	return n, true
}

// object reads an object, calling field for each key with the reader at
// its value.
func (r *jsonReader) object(field func(key string) bool) bool {
	if !r.eat('{') {
		return false
	}
	if r.eat('}') {
		return true
	}
	for {
		k, ok := r.str()
		if !ok || !r.eat(':') || !field(k) {
			return false
		}
		if r.eat('}') {
			return true
		}
		if !r.eat(',') {
			return false
		}
	}
}

// array reads an array, calling elem with the reader at each element.
func (r *jsonReader) array(elem func() bool) bool {
	if !r.eat('[') {
		return false
	}
	if r.eat(']') {
		return true
	}
	for {
		if !elem() {
			return false
		}
		if r.eat(']') {
			return true
		}
		if !r.eat(',') {
			return false
		}
	}
}

func (r *jsonReader) done() bool { return r.i == len(r.s) }

// spans reads an array of spans, [{"s":0,"e":5,"t":"Obama"}, ...].
func (r *jsonReader) spans() ([]scholia.Span, bool) {
	out := make([]scholia.Span, 0, 1+strings.Count(r.s[r.i:], "},{"))
	ok := r.array(func() bool {
		var sp scholia.Span
		ok := r.object(func(k string) bool {
			var ok bool
			switch k {
			case "s":
				sp.Start, ok = r.int()
			case "e":
				sp.End, ok = r.int()
			case "t":
				sp.Text, ok = r.str()
			}
			return ok
		})
		out = append(out, sp)
		return ok
	})
	if !ok {
		return nil, false
	}
	if len(out) == 0 {
		return nil, true
	}
	return out, true
}

// fastSpans decodes a spans column.
func fastSpans(s string) ([]scholia.Span, bool) {
	r := jsonReader{s: s}
	out, ok := r.spans()
	if !ok || !r.done() {
		return nil, false
	}
	return out, true
}

// fastAttrs decodes an attributes column, {"k":"v", ...}.
func fastAttrs(s string) (map[string]string, bool) {
	r := jsonReader{s: s}
	out := make(map[string]string, 1+strings.Count(s, `","`))
	ok := r.object(func(k string) bool {
		v, ok := r.str()
		out[k] = v
		return ok
	})
	if !ok || !r.done() {
		return nil, false
	}
	return out, true
}

// fastArgs decodes the body of an event, {"args":[{"r":"Entity","a":7}, ...]}.
func fastArgs(s string) ([]scholia.Argument, bool) {
	r := jsonReader{s: s}
	var out []scholia.Argument
	ok := r.object(func(k string) bool {
		if k != "args" {
			return false
		}
		out = make([]scholia.Argument, 0, 1+strings.Count(s, "},{"))
		return r.array(func() bool {
			var a scholia.Argument
			ok := r.object(func(k string) bool {
				var ok bool
				switch k {
				case "r":
					a.Role, ok = r.str()
				case "a":
					a.AnnotationID, ok = r.int()
				}
				return ok
			})
			out = append(out, a)
			return ok
		})
	})
	if !ok || !r.done() {
		return nil, false
	}
	if len(out) == 0 {
		return nil, true
	}
	return out, true
}

// fastBody decodes the body of a claim, a relation or a cluster (bodyJSON).
func fastBody(s string) (bodyJSON, bool) {
	var b bodyJSON
	r := jsonReader{s: s}
	ok := r.object(func(k string) bool {
		var ok bool
		switch k {
		case "claim":
			b.Claim = &claimJSON{}
			ok = r.object(func(k string) bool {
				var ok bool
				c := b.Claim
				switch k {
				case "claimant":
					c.ClaimantID, ok = r.int()
				case "claimant_text":
					c.ClaimantText, ok = r.str()
				case "cue":
					var cue []scholia.Span
					if cue, ok = r.spans(); ok {
						c.Cue = encodeSpans(cue)
					}
				case "stance":
					c.Stance, ok = r.str()
				case "check":
					c.CheckWorthiness, ok = r.str()
				case "norm":
					n := &normJSON{}
					c.Normalized = n
					ok = r.object(func(k string) bool {
						var ok bool
						switch k {
						case "value":
							n.Value, ok = r.str()
						case "unit":
							n.Unit, ok = r.str()
						case "time":
							n.Time, ok = r.str()
						}
						return ok
					})
				}
				return ok
			})
		case "source":
			b.Source, ok = r.int()
		case "target":
			b.Target, ok = r.int()
		case "members":
			b.Members = make([]int64, 0, 1+strings.Count(r.s[r.i:], ","))
			ok = r.array(func() bool {
				id, ok := r.int()
				b.Members = append(b.Members, id)
				return ok
			})
		case "title":
			b.Title, ok = r.str()
		}
		return ok
	})
	if !ok || !r.done() {
		return bodyJSON{}, false
	}
	return b, true
}

// Encoders for the same columns, written for every stored annotation. They
// write exactly what encoding/json writes for spanJSON slices, attribute
// maps and the body of an event (a test holds them to it), so that a column
// does not depend on which path wrote it.

// appendSpansJSON appends spans as encoding/json writes []spanJSON.
func appendSpansJSON(b []byte, spans []scholia.Span) []byte {
	b = append(b, '[')
	for i, s := range spans {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, `{"s":`...)
		b = strconv.AppendInt(b, s.Start, 10)
		b = append(b, `,"e":`...)
		b = strconv.AppendInt(b, s.End, 10)
		if s.Text != "" {
			b = append(b, `,"t":`...)
			b = appendJSONString(b, s.Text)
		}
		b = append(b, '}')
	}
	return append(b, ']')
}

// appendAttrsJSON appends attributes as encoding/json writes the map: keys
// in order.
func appendAttrsJSON(b []byte, attrs map[string]string) []byte {
	keys := make([]string, 0, len(attrs))
	for k := range attrs {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	b = append(b, '{')
	for i, k := range keys {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendJSONString(b, k)
		b = append(b, ':')
		b = appendJSONString(b, attrs[k])
	}
	return append(b, '}')
}

// appendArgsJSON appends the body of an event with arguments, as
// encoding/json writes a bodyJSON with only Args.
func appendArgsJSON(b []byte, args []scholia.Argument) []byte {
	b = append(b, `{"args":[`...)
	for i, a := range args {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, `{"r":`...)
		b = appendJSONString(b, a.Role)
		b = append(b, `,"a":`...)
		b = strconv.AppendInt(b, a.AnnotationID, 10)
		b = append(b, '}')
	}
	return append(b, `]}`...)
}

// appendJSONString appends s as encoding/json writes a string. Strings
// that it writes as they are (valid UTF-8 without control characters,
// quotes, backslashes, the HTML characters it escapes, or U+2028 and
// U+2029) are copied; any other goes through encoding/json.
func appendJSONString(b []byte, s string) []byte {
	high := false
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c >= utf8.RuneSelf:
			high = true
		case c < 0x20, c == '"', c == '\\', c == '<', c == '>', c == '&':
			return appendMarshalled(b, s)
		}
	}
	if high && (!utf8.ValidString(s) || strings.Contains(s, "\u2028") || strings.Contains(s, "\u2029")) {
		return appendMarshalled(b, s)
	}
	b = append(b, '"')
	b = append(b, s...)
	return append(b, '"')
}

func appendMarshalled(b []byte, s string) []byte {
	m, _ := json.Marshal(s) // a string always marshals
	return append(b, m...)
}
