package sqlite

import (
	"sync"
	"time"

	"github.com/scholia-nlp/scholia"
)

// authTTL is how long a successful authentication is remembered. Revoking a
// token or changing a user through this Store forgets every remembered one
// at once, so revocation takes effect on the next call; a change made by
// another process on the same file takes effect within authTTL.
const (
	authTTL     = 2 * time.Second
	authEntries = 10000
)

// authCache saves the query that authenticating every call would cost a
// busy client.
type authCache struct {
	mu  sync.Mutex
	m   map[string]authEntry
	gen uint64 // bumped by every invalidation
}

type authEntry struct {
	u     scholia.User
	t     scholia.Token
	until time.Time
}

// get returns a remembered authentication of hash, and the generation to
// pass to put after a look-up in the database.
func (c *authCache) get(hash []byte) (authEntry, bool, uint64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.m[string(hash)]
	if ok && time.Now().Before(e.until) {
		return e, true, c.gen
	}
	return authEntry{}, false, c.gen
}

// put remembers an authentication read from the database, unless an
// invalidation happened since the read began (gen changed), which could
// make it stale.
func (c *authCache) put(hash []byte, u scholia.User, t scholia.Token, gen uint64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if gen != c.gen {
		return
	}
	if c.m == nil || len(c.m) >= authEntries {
		c.m = map[string]authEntry{}
	}
	c.m[string(hash)] = authEntry{u: u, t: t, until: time.Now().Add(authTTL)}
}

// invalidate forgets everything.
func (c *authCache) invalidate() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gen++
	c.m = nil
}
