package brat

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/scholia-nlp/scholia"
)

// numbered splits "base#k" (k >= 2) into base and k; other keys give k = 1.
func numbered(key string) (string, int) {
	i := strings.LastIndexByte(key, '#')
	if i <= 0 || i == len(key)-1 {
		return key, 1
	}
	k, err := strconv.Atoi(key[i+1:])
	if err != nil || k < 2 || key[i+1] == '0' {
		return key, 1
	}
	return key[:i], k
}

// validRef reports whether s is a normalization reference "RID:EID".
func validRef(s string) bool {
	i := strings.IndexByte(s, ':')
	return isToken(s) && i > 0 && i < len(s)-1
}

// attrLineKind says which line an attribute becomes.
type keyed struct {
	key string
	k   int
}

// writeAttrs writes the attributes of the annotation whose brat id is
// target: notes ("note", "note#2", ...) as # AnnotatorNotes lines,
// normalizations ("norm", "norm#2", ... with ".text" and ".type") as N
// lines, values without white space as A lines (binary when "true"), and
// other values, free-text attributes of the schema and the claim's
// free-text fields (claimant, value, unit, time) as # lines whose type is
// the key.
func (w *writer) writeAttrs(a *scholia.Annotation, target string, attrs map[string]string) error {
	if len(attrs) == 0 {
		return nil
	}
	var notes, norms []keyed
	var plain []string
	used := map[string]bool{}
	for key, v := range attrs {
		base, k := numbered(key)
		switch {
		case base == AttrNote:
			notes = append(notes, keyed{key, k})
		case base == AttrNorm && validRef(v):
			norms = append(norms, keyed{key, k})
			used[key+".text"], used[key+".type"] = true, true
		default:
			plain = append(plain, key)
		}
	}
	byK := func(x, y keyed) int {
		if x.k != y.k {
			return x.k - y.k
		}
		return strings.Compare(x.key, y.key)
	}
	slices.SortFunc(notes, byK)
	slices.SortFunc(norms, byK)
	slices.Sort(plain)
	for _, n := range notes {
		if err := w.writeNote(a, "AnnotatorNotes", target, attrs[n.key]); err != nil {
			return err
		}
	}
	for _, n := range norms {
		typ := "Reference"
		if t, ok := attrs[n.key+".type"]; ok {
			typ = t
		}
		if !isToken(typ) {
			return fmt.Errorf("annotation %d (%s): normalization type %q is empty or contains white space", a.ID, a.Kind, typ)
		}
		w.nN++
		b := append(w.nb, 'N')
		b = strconv.AppendInt(b, int64(w.nN), 10)
		b = append(b, '\t')
		b = append(b, typ...)
		b = append(b, ' ')
		b = append(b, target...)
		b = append(b, ' ')
		b = append(b, attrs[n.key]...)
		if t, ok := attrs[n.key+".text"]; ok {
			if strings.ContainsAny(t, "\n\r") {
				return fmt.Errorf("annotation %d (%s): normalization text %q contains a line break", a.ID, a.Kind, clip(t))
			}
			b = append(b, '\t')
			b = append(b, t...)
		}
		w.nb = append(b, '\n')
	}
	for _, key := range plain {
		if used[key] {
			continue
		}
		v := attrs[key]
		if !isToken(key) {
			return fmt.Errorf("annotation %d (%s): attribute key %q is empty or contains white space", a.ID, a.Kind, key)
		}
		if !isToken(v) || w.free[key] {
			if key == "AnnotatorNotes" {
				return fmt.Errorf("annotation %d (%s): attribute key %q would read back as a note", a.ID, a.Kind, key)
			}
			if err := w.writeNote(a, key, target, v); err != nil {
				return err
			}
			continue
		}
		w.nA++
		b := append(w.ab, 'A')
		b = strconv.AppendInt(b, int64(w.nA), 10)
		b = append(b, '\t')
		b = append(b, key...)
		b = append(b, ' ')
		b = append(b, target...)
		if v != "true" || w.valued[key] {
			b = append(b, ' ')
			b = append(b, v...)
		}
		w.ab = append(b, '\n')
	}
	return nil
}

// writeNote writes a # line.
func (w *writer) writeNote(a *scholia.Annotation, typ, target, text string) error {
	if strings.ContainsAny(text, "\n\r") {
		return fmt.Errorf("annotation %d (%s): %s %q contains a line break, which a brat line cannot hold", a.ID, a.Kind, typ, clip(text))
	}
	w.nH++
	b := append(w.hb, '#')
	b = strconv.AppendInt(b, int64(w.nH), 10)
	b = append(b, '\t')
	b = append(b, typ...)
	b = append(b, ' ')
	b = append(b, target...)
	b = append(b, '\t')
	b = append(b, text...)
	w.hb = append(b, '\n')
	return nil
}
