package labelstudio

import (
	"bytes"
	"encoding/json"
	"strconv"
)

// The JSON of a Label Studio export, as far as this package reads it.
type (
	task struct {
		ID          flexString                 `json:"id,omitempty"`
		Data        map[string]json.RawMessage `json:"data"`
		Annotations []annotation               `json:"annotations,omitempty"`
		Predictions []annotation               `json:"predictions,omitempty"`
	}
	annotation struct {
		ID           flexString      `json:"id,omitempty"`
		CompletedBy  json.RawMessage `json:"completed_by,omitempty"`
		ModelVersion string          `json:"model_version,omitempty"`
		WasCancelled bool            `json:"was_cancelled,omitempty"`
		Result       []result        `json:"result"`
	}
	result struct {
		ID        flexString `json:"id,omitempty"`
		FromName  string     `json:"from_name,omitempty"`
		ToName    string     `json:"to_name,omitempty"`
		Type      string     `json:"type"`
		Origin    string     `json:"origin,omitempty"`
		Value     *value     `json:"value,omitempty"`
		FromID    flexString `json:"from_id,omitempty"`
		ToID      flexString `json:"to_id,omitempty"`
		Direction string     `json:"direction,omitempty"`
		Labels    []string   `json:"labels,omitempty"`
		Meta      *meta      `json:"meta,omitempty"`
		Score     *float64   `json:"score,omitempty"`
	}
	// value holds a region's offsets and labels, or a per-region choice,
	// text or number. Start and End are numbers for text; other object
	// tags (HyperText) use strings, which this package does not read.
	value struct {
		Start   json.RawMessage `json:"start,omitempty"`
		End     json.RawMessage `json:"end,omitempty"`
		Text    json.RawMessage `json:"text,omitempty"` // the span's text, or a TextArea's list
		Labels  *[]string       `json:"labels,omitempty"`
		Choices []string        `json:"choices,omitempty"`
		Rating  *float64        `json:"rating,omitempty"`
		Number  *float64        `json:"number,omitempty"`
	}
	meta struct {
		Text []string `json:"text,omitempty"`
	}
	// user is the object form of completed_by.
	user struct {
		ID    *int64 `json:"id"`
		Email string `json:"email"`
	}
)

// flexString is an id that an export may write as a string or a number.
type flexString string

// UnmarshalJSON accepts a string, a number or null.
func (f *flexString) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if len(b) > 0 && b[0] == '"' {
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		*f = flexString(s)
		return nil
	}
	if string(b) == "null" {
		*f = ""
		return nil
	}
	var n json.Number
	if err := json.Unmarshal(b, &n); err != nil {
		return err
	}
	*f = flexString(n.String())
	return nil
}

// MarshalJSON writes a decimal integer as a number, anything else as a
// string, so that ids keep the form Label Studio gave them.
func (f flexString) MarshalJSON() ([]byte, error) {
	if _, err := strconv.ParseInt(string(f), 10, 64); err == nil {
		return []byte(f), nil
	}
	return json.Marshal(string(f))
}

// offset reads a region offset; ok is false for a non-number.
func offset(raw json.RawMessage) (int64, bool) {
	if len(raw) == 0 {
		return 0, false
	}
	n, err := strconv.ParseInt(string(bytes.TrimSpace(raw)), 10, 64)
	return n, err == nil
}

// spanText reads value.text as the covered text of a region; ok is false
// when it is absent or not a string.
func spanText(raw json.RawMessage) (string, bool) {
	if len(raw) < 2 || raw[0] != '"' {
		return "", false
	}
	// Most texts have no escapes and need no decoding.
	if body := raw[1 : len(raw)-1]; raw[len(raw)-1] == '"' && bytes.IndexByte(body, '\\') < 0 && bytes.IndexByte(body, '"') < 0 {
		return string(body), true
	}
	var s string
	if json.Unmarshal(raw, &s) != nil {
		return "", false
	}
	return s, true
}

// textList reads value.text as a TextArea's list of strings.
func textList(raw json.RawMessage) ([]string, bool) {
	var l []string
	if len(raw) == 0 || json.Unmarshal(raw, &l) != nil {
		if s, ok := spanText(raw); ok {
			return []string{s}, true
		}
		return nil, false
	}
	return l, true
}
