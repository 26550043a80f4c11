package brat

import (
	"slices"
	"strings"
	"testing"

	"github.com/scholia-nlp/scholia"
	"github.com/scholia-nlp/scholia/internal/annotest"
)

// canon describes a document's annotations without their ids (see
// annotest.Canon).
func canon(t testing.TB, doc scholia.AnnotatedDocument) []string {
	t.Helper()
	return annotest.Canon(doc, false)
}

// bratCanon describes the lines of an .ann file without ids, independently
// of the reader: T lines by type and offsets, E lines by type, trigger and
// arguments (brat's role numbers removed), R, A/M, N, # lines by content,
// and * lines merged where they share ids.
func bratCanon(t testing.TB, ann string) []string {
	t.Helper()
	defs := map[string]string{}
	for line := range strings.SplitSeq(strings.ReplaceAll(ann, "\r\n", "\n"), "\n") {
		if line == "" {
			continue
		}
		id, rest, _ := strings.Cut(line, "\t")
		defs[id] = rest
	}
	memo := map[string]string{}
	var sig func(id string) string
	sig = func(id string) string {
		if s, ok := memo[id]; ok {
			return s
		}
		rest := defs[id]
		var s string
		switch id[0] {
		case 'T':
			head, text, _ := strings.Cut(rest, "\t")
			s = "T(" + head + " " + text + ")"
		case 'E':
			f := strings.Fields(rest)
			typ, trig, _ := strings.Cut(f[0], ":")
			var args []string
			for _, a := range f[1:] {
				role, ref, _ := strings.Cut(a, ":")
				args = append(args, strings.TrimRight(role, "0123456789")+"="+sig(ref))
			}
			s = "E(" + typ + " " + sig(trig) + " " + strings.Join(args, " ") + ")"
		case 'R':
			f := strings.Fields(rest)
			r1, a1, _ := strings.Cut(f[1], ":")
			r2, a2, _ := strings.Cut(f[2], ":")
			s = "R(" + f[0] + " " + r1 + "=" + sig(a1) + " " + r2 + "=" + sig(a2) + ")"
		default:
			s = "?" + id
		}
		memo[id] = s
		return s
	}
	var out []string
	var equivs [][]string
	for id, rest := range defs {
		switch id[0] {
		case 'T', 'E', 'R':
			out = append(out, sig(id))
		case 'A', 'M':
			f := strings.Fields(rest)
			v := "true"
			if len(f) == 3 {
				v = f[2]
			}
			out = append(out, "A("+f[0]+" "+sig(f[1])+" "+v+")")
		case 'N':
			head, text, _ := strings.Cut(rest, "\t")
			f := strings.Fields(head)
			out = append(out, "N("+f[0]+" "+sig(f[1])+" "+f[2]+" "+text+")")
		case '#':
			head, text, _ := strings.Cut(rest, "\t")
			f := strings.Fields(head)
			out = append(out, "#("+f[0]+" "+sig(f[1])+" "+text+")")
		}
	}
	// "*" lines share the id "*"; collect them separately.
	for line := range strings.SplitSeq(strings.ReplaceAll(ann, "\r\n", "\n"), "\n") {
		if strings.HasPrefix(line, "*\t") {
			f := strings.Fields(line[2:])
			var ms []string
			for _, m := range f[1:] {
				ms = append(ms, f[0]+" "+sig(m))
			}
			equivs = append(equivs, ms)
		}
	}
	// Merge equivalence sets that share a member.
	for merged := true; merged; {
		merged = false
		for i := 0; i < len(equivs) && !merged; i++ {
			for j := i + 1; j < len(equivs) && !merged; j++ {
				for _, m := range equivs[j] {
					if slices.Contains(equivs[i], m) {
						for _, x := range equivs[j] {
							if !slices.Contains(equivs[i], x) {
								equivs[i] = append(equivs[i], x)
							}
						}
						equivs = slices.Delete(equivs, j, j+1)
						merged = true
						break
					}
				}
			}
		}
	}
	for _, e := range equivs {
		slices.Sort(e)
		out = append(out, "*("+strings.Join(e, ", ")+")")
	}
	slices.Sort(out)
	return out
}

// diff reports the differences of two sorted descriptions.
func diff(t testing.TB, what string, want, got []string) {
	t.Helper()
	annotest.Diff(t, what, want, got)
}
