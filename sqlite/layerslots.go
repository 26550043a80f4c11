package sqlite

import (
	"database/sql"
	"errors"
	"sync"
)

// Layer slots keep each layer's annotation versions together in the
// annotations table. The table is ordered by its row id (vid); given out in
// commit order, the vids of one layer are spread over the whole table, and
// listing a layer's 100 annotations read about 100 table pages, each from
// disk or from the WAL, since SQLite's readers drop their page cache after
// every commit. A layer (project, document, annotator) instead owns a slot
// of 1 << slotBits vids (migration 0007), and a new version takes the next
// vid of its layer's slot: a layer's rows fill neighbouring pages, and a
// list reads a few. Rows written before the migration, and rows of an
// import, keep vids that SQLite chooses; only where they are kept differs.
const (
	slotBits = 32
	// maxSlot is the first slot whose vids would not fit in an int64.
	maxSlot = 1 << (63 - slotBits)
)

// slotCache remembers which slot each layer writes into. Slots are never
// deleted or given to another layer, so an entry never goes stale; it is
// learnt only from committed writes, since a rolled-back slot number can be
// given out again.
type slotCache struct {
	mu sync.Mutex
	m  map[string]int64
}

// maxCachedSlots bounds the cache; when it is full it starts again empty.
const maxCachedSlots = 1 << 16

func slotKey(project, document, annotator string) string {
	return project + "\x00" + document + "\x00" + annotator
}

func (c *slotCache) get(key string) int64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.m[key]
}

func (c *slotCache) put(key string, slot int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil || len(c.m) >= maxCachedSlots {
		c.m = make(map[string]int64)
	}
	c.m[key] = slot
}

// layerVID returns the vid for a new version in a layer: the one after the
// last vid of the layer's newest slot, in a new slot when that one is full
// or the layer has none, or nil (SQLite chooses) when slots have run out.
func (t *wtx) layerVID(project, document, annotator string) (any, error) {
	key := slotKey(project, document, annotator)
	slot := t.s.slots.get(key)
	if slot == 0 {
		err := t.tx.QueryRowContext(t.ctx, `SELECT slot FROM layer_slots WHERE project = ? AND document = ? AND annotator = ? ORDER BY slot DESC LIMIT 1`,
			project, document, annotator).Scan(&slot)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return nil, dbError("find the layer's slot", err)
		}
	}
	for {
		if slot > 0 && slot < maxSlot {
			lo, hi := slot<<slotBits, slot<<slotBits+(1<<slotBits-1)
			var last sql.NullInt64
			if err := t.tx.QueryRowContext(t.ctx, `SELECT max(vid) FROM annotations WHERE vid BETWEEN ? AND ?`, lo, hi).Scan(&last); err != nil {
				return nil, dbError("find the layer's next row id", err)
			}
			if !last.Valid || last.Int64 < hi {
				t.onCommit = append(t.onCommit, func() { t.s.slots.put(key, slot) })
				if !last.Valid {
					return lo, nil
				}
				return last.Int64 + 1, nil
			}
		}
		if slot >= maxSlot {
			return nil, nil
		}
		res, err := t.tx.ExecContext(t.ctx, `INSERT INTO layer_slots (project, document, annotator) VALUES (?, ?, ?)`, project, document, annotator)
		if err != nil {
			return nil, dbError("give the layer a slot", err)
		}
		if slot, err = res.LastInsertId(); err != nil {
			return nil, dbError("give the layer a slot", err)
		}
	}
}
