package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"os"
	"strconv"
	"strings"

	"github.com/rogpeppe/go-internal/testscript"
)

// jsonlCanon rewrites the output of `scholia stream` (args: IN OUT) so that
// two corpora with the same content compare equal whatever ids, revisions,
// times and project they were stored under: annotation ids are renumbered
// in the order they appear (annotations, then clusters), references with
// them, and etags, revisions, times, resume tokens, project ids and update
// users are left out. Keys are sorted.
func jsonlCanon(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 2 {
		ts.Fatalf("usage: jsonlcanon IN OUT")
	}
	b, err := os.ReadFile(ts.MkAbs(args[0]))
	ts.Check(err)
	var lines []map[string]any
	sc := bufio.NewScanner(bytes.NewReader(b))
	sc.Buffer(nil, 64<<20)
	for sc.Scan() {
		if strings.TrimSpace(sc.Text()) == "" {
			continue
		}
		var m map[string]any
		ts.Check(json.Unmarshal(sc.Bytes(), &m))
		lines = append(lines, m)
	}
	ts.Check(sc.Err())
	ids := map[string]string{}
	define := func(key string) {
		for _, l := range lines {
			list, _ := l[key].([]any)
			for _, x := range list {
				if id, ok := x.(map[string]any)["id"].(string); ok {
					if _, seen := ids[id]; !seen {
						ids[id] = "a" + strconv.Itoa(len(ids)+1)
					}
				}
			}
		}
	}
	define("annotations")
	define("clusters")
	drop := map[string]bool{"etag": true, "createRevision": true, "updateRevision": true, "createTime": true, "updateTime": true,
		"revision": true, "resumeToken": true, "projectId": true, "updateUser": true}
	refs := map[string]bool{"annotationId": true, "claimantId": true, "sourceId": true, "targetId": true}
	mapID := func(v any) any {
		if s, ok := v.(string); ok {
			if c, ok := ids[s]; ok {
				return c
			}
			return "unknown-" + s
		}
		return v
	}
	var fix func(v any, inDoc bool) any
	fix = func(v any, inDoc bool) any {
		switch x := v.(type) {
		case map[string]any:
			out := map[string]any{}
			for k, val := range x {
				switch {
				case drop[k]:
				case k == "id" && !inDoc, refs[k]:
					out[k] = mapID(val)
				case k == "memberIds", k == "derivedFrom":
					list, _ := val.([]any)
					for i := range list {
						list[i] = mapID(list[i])
					}
					out[k] = list
				default:
					out[k] = fix(val, k == "document")
				}
			}
			return out
		case []any:
			for i := range x {
				x[i] = fix(x[i], inDoc)
			}
			return x
		}
		return v
	}
	var out bytes.Buffer
	for _, l := range lines {
		b, err := json.Marshal(fix(l, false))
		ts.Check(err)
		out.Write(b)
		out.WriteByte('\n')
	}
	ts.Check(os.WriteFile(ts.MkAbs(args[1]), out.Bytes(), 0o644))
}
