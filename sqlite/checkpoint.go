package sqlite

import (
	"context"
	"database/sql"
	"sync"
	"time"
)

// The checkpointer. In WAL mode every commit appends the pages it changed to
// the -wal file, and a checkpoint copies them back into the database file
// and syncs it. By default SQLite checkpoints inside the commit that takes
// the WAL past 1,000 pages: under a steady write load that was the
// committer, two dozen times a second, each time holding up the writes of
// the group behind it for the copy and the sync. The store checkpoints from
// a connection of its own instead, after commits and at most every
// checkpointGap, with PASSIVE checkpoints that neither wait for nor block the
// writer or the readers. The writer keeps SQLite's own checkpoint as a
// backstop at walBackstop pages, which it reaches only if this goroutine
// falls far behind. Nothing about durability changes: commits still sync
// the WAL (synchronous=FULL), and a checkpoint syncs the WAL before copying
// and the database file after.
const (
	checkpointGap = 50 * time.Millisecond
	walBackstop   = 20000 // pages, 80 MiB with 4 KiB pages
)

// checkpointer runs PASSIVE checkpoints when kicked, at most one every
// checkpointGap.
type checkpointer struct {
	db       *sql.DB
	kick     chan struct{}
	stop     chan struct{}
	stopOnce sync.Once
	done     chan struct{}
}

// startCheckpointer opens the checkpointer's connection and starts it.
func (s *Store) startCheckpointer(uri string) error {
	db, err := sql.Open("sqlite3", uri+"?_busy_timeout=10000&_mutex=no")
	if err != nil {
		return err
	}
	db.SetMaxOpenConns(1)
	db.SetMaxIdleConns(1)
	db.SetConnMaxLifetime(0)
	db.SetConnMaxIdleTime(0)
	s.ckpt = &checkpointer{db: db, kick: make(chan struct{}, 1), stop: make(chan struct{}), done: make(chan struct{})}
	go s.ckpt.run()
	return nil
}

func (c *checkpointer) run() {
	defer close(c.done)
	for {
		select {
		case <-c.kick:
		case <-c.stop:
			return
		}
		// A failed checkpoint (SQLITE_BUSY while the writer's backstop
		// runs one, say) changes nothing: the next kick tries again, and
		// the backstop bounds the WAL meanwhile.
		c.db.ExecContext(context.Background(), `PRAGMA wal_checkpoint(PASSIVE)`)
		t := time.NewTimer(checkpointGap)
		select {
		case <-t.C:
		case <-c.stop:
			t.Stop()
			return
		}
	}
}

// kickCheckpointer asks for a checkpoint after a commit; it never waits.
func (s *Store) kickCheckpointer() {
	if s.ckpt == nil {
		return
	}
	select {
	case s.ckpt.kick <- struct{}{}:
	default:
	}
}

// stopCheckpointer stops the checkpointer and closes its connection; a
// second call (a second Close) finds it stopped.
func (s *Store) stopCheckpointer() error {
	if s.ckpt == nil {
		return nil
	}
	s.ckpt.stopOnce.Do(func() { close(s.ckpt.stop) })
	<-s.ckpt.done
	return s.ckpt.db.Close()
}
