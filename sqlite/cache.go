package sqlite

import (
	"container/list"
	"sync"

	"github.com/scholia-nlp/scholia"
)

// textCache is a bounded LRU of indexed document texts, keyed by the id of
// the text's row. Texts never change, so entries never go stale.
type textCache struct {
	mu       sync.Mutex
	maxItems int
	maxBytes int
	bytes    int
	order    *list.List // front: most recently used; values are *textEntry
	byID     map[int64]*list.Element
}

type textEntry struct {
	id   int64
	text *scholia.Text
}

func newTextCache(maxItems, maxBytes int) *textCache {
	return &textCache{maxItems: maxItems, maxBytes: maxBytes, order: list.New(), byID: map[int64]*list.Element{}}
}

func (c *textCache) get(id int64) (*scholia.Text, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.byID[id]
	if !ok {
		return nil, false
	}
	c.order.MoveToFront(e)
	return e.Value.(*textEntry).text, true
}

func (c *textCache) put(id int64, t *scholia.Text) {
	size := len(t.String())
	if size > c.maxBytes {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.byID[id]; ok {
		return
	}
	c.byID[id] = c.order.PushFront(&textEntry{id, t})
	c.bytes += size
	for c.order.Len() > c.maxItems || c.bytes > c.maxBytes {
		last := c.order.Back()
		e := last.Value.(*textEntry)
		c.order.Remove(last)
		delete(c.byID, e.id)
		c.bytes -= len(e.text.String())
	}
}

// schemaKey names one version of one project's schema. pk never repeats,
// even when a deleted project's id is used again.
type schemaKey struct {
	projectPK int64
	version   int32
}

// schemaCache keeps compiled schemas. Schema versions never change, so
// entries never go stale; the cache is emptied when it is full.
type schemaCache struct {
	mu  sync.Mutex
	max int
	m   map[schemaKey]*scholia.SchemaIndex
}

func newSchemaCache(max int) *schemaCache {
	return &schemaCache{max: max, m: map[schemaKey]*scholia.SchemaIndex{}}
}

func (c *schemaCache) get(k schemaKey) (*scholia.SchemaIndex, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	x, ok := c.m[k]
	return x, ok
}

func (c *schemaCache) put(k schemaKey, x *scholia.SchemaIndex) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.m) >= c.max {
		clear(c.m)
	}
	c.m[k] = x
}
