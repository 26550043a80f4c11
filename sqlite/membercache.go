package sqlite

import (
	"sync"
	"time"

	"github.com/scholia-nlp/scholia"
)

// memberCache remembers memberships that exist, for memberTTL, so that
// checking an annotator's membership does not cost every call a query. Only
// positive answers are kept (a membership made by an assignment is seen at
// once); removing a member, changing one or deleting a project through this
// Store forgets everything, so a removal takes effect on the next call.
type memberCache struct {
	mu  sync.Mutex
	m   map[[2]string]memberEntry
	gen uint64
}

const memberTTL = 2 * time.Second

type memberEntry struct {
	m     scholia.Member
	until time.Time
}

func (c *memberCache) get(project, user string) (scholia.Member, bool, uint64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.m[[2]string{project, user}]
	if ok && time.Now().Before(e.until) {
		return e.m, true, c.gen
	}
	return scholia.Member{}, false, c.gen
}

func (c *memberCache) put(m scholia.Member, gen uint64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if gen != c.gen {
		return
	}
	if c.m == nil || len(c.m) >= authEntries {
		c.m = map[[2]string]memberEntry{}
	}
	c.m[[2]string{m.Project, m.User}] = memberEntry{m: m, until: time.Now().Add(memberTTL)}
}

func (c *memberCache) invalidate() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gen++
	c.m = nil
}
