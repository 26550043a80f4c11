package brat

import (
	"slices"
	"strings"
)

// idTable maps brat ids to their definitions. Ids of the usual form (one
// of the letters T, E, R, A, M, N, # and a decimal number, as brat writes
// them) go to dense tables indexed by the number, which is faster than
// hashing and cache-friendly; others go to a map.
type idTable struct {
	dense [7][]ref
	str   map[string]ref
}

func newIDTable() *idTable { return &idTable{} }

// denseKey returns the table and index of an id of the usual form.
func denseKey(id string) (int, int, bool) {
	slot := strings.IndexByte("TERAMN#", id[0])
	if slot < 0 || len(id) < 2 || len(id) > 10 || (id[1] == '0' && len(id) > 2) {
		return 0, 0, false
	}
	v := 0
	for i := 1; i < len(id); i++ {
		c := id[i]
		if c < '0' || c > '9' {
			return 0, 0, false
		}
		v = v*10 + int(c-'0')
	}
	return slot, v, true
}

func (t *idTable) get(id string) (ref, bool) {
	if slot, v, ok := denseKey(id); ok && v < len(t.dense[slot]) && t.dense[slot][v].line > 0 {
		return t.dense[slot][v], true
	}
	r, ok := t.str[id]
	return r, ok
}

// at returns the definition of an id known to exist.
func (t *idTable) at(id string) ref {
	r, _ := t.get(id)
	return r
}

// put records a definition; r.line must be positive. Numbers far beyond
// the table's size (sparse ids) go to the map, so a file with "T99999999"
// does not allocate a huge table.
func (t *idTable) put(id string, r ref) {
	if slot, v, ok := denseKey(id); ok && v < 2*len(t.dense[slot])+4096 {
		d := t.dense[slot]
		if v >= len(d) {
			d = slices.Grow(d, v+1-len(d))[:v+1]
		}
		d[v] = r
		t.dense[slot] = d
		return
	}
	if t.str == nil {
		t.str = map[string]ref{}
	}
	t.str[id] = r
}
