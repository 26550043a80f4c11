package labelstudio

import (
	"fmt"
	"strings"
	"testing"
)

// task0 builds a one-task export with the text below and the results.
func task0(results ...string) string {
	return fmt.Sprintf(`[{"id": 7, "data": {"text": %q}, "annotations": [{"completed_by": 1, "result": [%s]}]}]`, lsText, strings.Join(results, ","))
}

// In lsText, "Évora" is at code points 13-18 and UTF-16 units 14-19 (the
// emoji before it takes two units).
const lsText = "Ana met Bo 🙂 Évora."

func jsRegion(id string, s, e int, text string) string {
	t := ""
	if text != "" {
		t = fmt.Sprintf(`, "text": %q`, text)
	}
	return fmt.Sprintf(`{"id": %q, "from_name": "label", "to_name": "text", "type": "labels", "value": {"start": %d, "end": %d%s, "labels": ["X"]}}`, id, s, e, t)
}

func TestReadResultErrors(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		opts    ReadOptions
		regions int    // regions read
		utf16   int    // regions converted
		errID   string // result id of the one error, "" for none
		msg     string
	}{
		{"code points", task0(jsRegion("a", 13, 18, "Évora")), ReadOptions{}, 1, 0, "", ""},
		{"utf-16", task0(jsRegion("a", 14, 19, "Évora")), ReadOptions{}, 1, 1, "", ""},
		{"no text, task is utf-16", task0(jsRegion("a", 14, 19, "Évora"), jsRegion("b", 14, 17, "")), ReadOptions{}, 2, 2, "", ""},
		{"no text, task is code points", task0(jsRegion("a", 0, 3, "Ana"), jsRegion("b", 13, 18, "")), ReadOptions{}, 2, 0, "", ""},
		{"mismatch", task0(jsRegion("a", 0, 3, "Ana"), jsRegion("zz9", 4, 7, "mat")), ReadOptions{}, 1, 0, "zz9", `value.text "mat" does not match the text at [4,7) counted in code points ("met") or in UTF-16 code units ("met")`},
		{"forced code points", task0(jsRegion("a", 14, 19, "Évora")), ReadOptions{Offsets: OffsetsCodePoints}, 0, 0, "a", "does not match the text at [14,19), which is"},
		{"forced utf-16", task0(jsRegion("a", 14, 19, "")), ReadOptions{Offsets: OffsetsUTF16}, 1, 1, "", ""},
		{"past the end", task0(jsRegion("a", 10, 99, "")), ReadOptions{}, 0, 0, "a", "outside the text (19 code points)"},
		{"empty", task0(jsRegion("a", 3, 3, "")), ReadOptions{}, 0, 0, "a", "empty, reversed"},
		{"inside a surrogate pair", task0(jsRegion("a", 12, 13, "")), ReadOptions{Offsets: OffsetsUTF16}, 0, 0, "a", "split a character"},
		{"hypertext offsets", task0(`{"id": "h", "from_name": "label", "type": "hypertextlabels", "value": {"start": "/p[1]", "end": "/p[1]", "labels": ["X"]}}`), ReadOptions{}, 0, 0, "h", "not numbers"},
		{"relation to missing", task0(jsRegion("a", 0, 3, "Ana"), `{"from_id": "a", "to_id": "b", "type": "relation", "labels": ["Knows"]}`), ReadOptions{}, 1, 0, "a->b", "relation to region b, which was not read"},
		{"relation to itself", task0(jsRegion("a", 0, 3, "Ana"), `{"from_id": "a", "to_id": "a", "type": "relation"}`), ReadOptions{}, 1, 0, "a->a", "to itself"},
		{"document-level choice", task0(`{"id": "c", "from_name": "topic", "type": "choices", "value": {"choices": ["news"]}}`), ReadOptions{}, 0, 0, "c", "not about a region"},
		{"unread type", task0(jsRegion("a", 0, 3, "Ana"), `{"id": "a", "from_name": "box", "type": "rectanglelabels", "value": {"x": 1}}`), ReadOptions{}, 1, 0, "a", `result type "rectanglelabels"`},
		{"fragment of nothing", task0(jsRegion("a"+FragmentSep+"2", 0, 3, "Ana")), ReadOptions{}, 0, 0, "a_frag2", "which does not exist"},
		{"overlapping fragment", task0(jsRegion("a", 0, 3, "Ana"), jsRegion("a"+FragmentSep+"2", 2, 5, "a m")), ReadOptions{}, 1, 0, "a_frag2", "overlaps"},
		{"duplicate region id", task0(jsRegion("a", 0, 3, "Ana"), jsRegion("a", 8, 10, "Bo")), ReadOptions{}, 1, 0, "a", "id of its own"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			docs, rep := mustRead(t, tc.in, tc.opts)
			tr := rep.Tasks[0]
			if tr.Regions != tc.regions || tr.UTF16 != tc.utf16 {
				t.Errorf("regions %d converted %d, want %d and %d", tr.Regions, tr.UTF16, tc.regions, tc.utf16)
			}
			if tc.errID == "" {
				if len(tr.Errors) > 0 {
					t.Errorf("errors: %v", tr.Errors)
				}
				return
			}
			if len(tr.Errors) != 1 {
				t.Fatalf("errors %v, want one", tr.Errors)
			}
			e := tr.Errors[0]
			if e.Task != 0 || e.TaskID != "7" || e.ResultID != tc.errID || !strings.Contains(e.Msg, tc.msg) || e.Layer != "user-1" {
				t.Errorf("got %v, want result %s: ...%s...", e, tc.errID, tc.msg)
			}
			if !strings.HasPrefix(e.Error(), "task 0 (id 7), user-1, result "+tc.errID+": ") {
				t.Errorf("message %q", e.Error())
			}
			_ = docs
		})
	}
}

func TestReadNotes(t *testing.T) {
	in := fmt.Sprintf(`{"id": 1, "data": {"text": %q, "publish_time": "yesterday"}, "annotations": [
		{"id": 1, "completed_by": 5, "result": []},
		{"id": 2, "completed_by": 5, "result": []},
		{"id": 3, "completed_by": 6, "was_cancelled": true, "result": []}]}
		{"data": {"text": "second task, JSON lines"}}`, lsText)
	docs, rep := mustRead(t, in, ReadOptions{})
	if len(docs) != 2 || docs[1].Document.ID != "task-1" {
		t.Fatalf("documents: %+v", docs)
	}
	notes := strings.Join(rep.Tasks[0].Notes, "; ")
	for _, want := range []string{"publish_time", "named user-5#2", "cancelled"} {
		if !strings.Contains(notes, want) {
			t.Errorf("notes %q lack %q", notes, want)
		}
	}
	if len(docs[0].Layers) != 2 {
		t.Errorf("layers %+v", docs[0].Layers)
	}
}

func TestReadFatal(t *testing.T) {
	for _, tc := range []struct{ name, in, msg string }{
		{"not json", "hello", "expected a JSON array"},
		{"broken", `[{"data": {"text": "a"}}, {"data": `, "task 1"},
		{"no text", `[{"data": {"body": "a"}}]`, "task 0: data.text is missing"},
		{"text not a string", `[{"data": {"text": 5}}]`, "data.text is missing or not a string"},
		{"bad result", `[{"data": {"text": "a"}, "annotations": [{"result": 3}]}]`, "task 0"},
		{"trailing data", `[{"data": {"text": "a"}}] x`, "after the array"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := Read(strings.NewReader(tc.in), ReadOptions{})
			if err == nil || !strings.Contains(err.Error(), tc.msg) {
				t.Errorf("error %v, want ...%s...", err, tc.msg)
			}
		})
	}
}
