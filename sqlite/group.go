package sqlite

import (
	"context"
	"time"

	"github.com/scholia-nlp/scholia"
)

// maxGroup bounds how many writes share one transaction.
const maxGroup = 256

// writeReq is one write waiting for the group committer.
type writeReq struct {
	ctx  context.Context
	meta scholia.WriteMeta
	op   string
	fn   func(t *wtx) error
	done chan error
}

// The group committer. SQLite allows one writer, and with synchronous=FULL
// every commit waits for the disk; one transaction per write would cap the
// store at the disk's flushes per second, however many clients write. So
// writes queue for one goroutine that runs every queued write in one
// transaction, each inside its own savepoint, and commits once: each write
// still takes its own revision and still succeeds or fails alone (a failed
// write rolls back to its savepoint and leaves the others), and none is
// acknowledged before the commit that holds it is durable. Under no load a
// group is one write, with no waiting added.

// startCommitter starts the group committer.
func (s *Store) startCommitter() {
	s.writes = make(chan *writeReq)
	s.closing = make(chan struct{})
	s.committerDone = make(chan struct{})
	go s.committer()
}

// stopCommitter lets the current group finish and stops the committer.
func (s *Store) stopCommitter() {
	if s.closing == nil {
		return
	}
	s.closeOnce.Do(func() { close(s.closing) })
	<-s.committerDone
}

// write runs fn in the write transaction of the next group and returns when
// that group's commit is durable (or fn failed). fn's work is rolled back
// unless it took a revision.
func (s *Store) write(ctx context.Context, w scholia.WriteMeta, op string, fn func(t *wtx) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	req := &writeReq{ctx: ctx, meta: w, op: op, fn: fn, done: make(chan error, 1)}
	select {
	case s.writes <- req:
	case <-ctx.Done():
		return ctx.Err()
	case <-s.closing:
		return storeClosing()
	}
	// Once queued, wait for the outcome even if ctx ends meanwhile: the
	// write may commit, and its caller must not be told otherwise.
	return <-req.done
}

func storeClosing() error {
	return scholia.Errorf(scholia.CodeUnavailable, "STORE_CLOSING", "the store is closing; retry on the restarted server")
}

func (s *Store) committer() {
	defer close(s.committerDone)
	batch := make([]*writeReq, 0, maxGroup)
	for {
		var first *writeReq
		select {
		case first = <-s.writes:
		case <-s.closing:
			return
		}
		batch = append(batch[:0], first)
	fill:
		for len(batch) < maxGroup {
			select {
			case r := <-s.writes:
				batch = append(batch, r)
			default:
				break fill
			}
		}
		s.commitGroup(batch)
	}
}

// commitGroup runs a group of writes in one transaction and tells each its
// outcome.
func (s *Store) commitGroup(batch []*writeReq) {
	results := make([]error, len(batch))
	defer func() {
		for i, r := range batch {
			r.done <- results[i]
		}
	}()
	fail := func(err error) {
		for i := range results {
			if results[i] == nil {
				results[i] = err
			}
		}
	}
	// The transaction is not tied to any one caller's context: a
	// cancelled caller must not interrupt, and so roll back, the others'
	// writes.
	ctx := context.Background()
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		fail(dbError("begin a write", err))
		return
	}
	useSavepoints := len(batch) > 1
	var done []*wtx // writes that took a revision, in order
	for i, r := range batch {
		if err := r.ctx.Err(); err != nil {
			results[i] = err // never started: nothing of it is written
			continue
		}
		if useSavepoints {
			if _, err := tx.ExecContext(ctx, `SAVEPOINT w`); err != nil {
				tx.Rollback()
				fail(dbError("begin a write", err))
				return
			}
		}
		t := &wtx{tx: tx, ctx: context.WithoutCancel(r.ctx), s: s, meta: r.meta, op: r.op, now: time.Now().UnixNano()}
		ferr := r.fn(t)
		if ferr != nil || t.rev == 0 {
			if ferr != nil {
				results[i] = dbError(r.op, ferr)
			}
			if !useSavepoints {
				break // the rollback below undoes it
			}
			if _, err := tx.ExecContext(ctx, `ROLLBACK TO w; RELEASE w`); err != nil {
				// The transaction cannot be trusted any more: undo all.
				tx.Rollback()
				fail(dbError("roll back a failed write", err))
				return
			}
			continue
		}
		if useSavepoints {
			if _, err := tx.ExecContext(ctx, `RELEASE w`); err != nil {
				tx.Rollback()
				fail(dbError("finish a write", err))
				return
			}
		}
		done = append(done, t)
	}
	if len(done) == 0 {
		tx.Rollback()
		return
	}
	if err := tx.Commit(); err != nil {
		// Nothing of the group is durable; every write of it fails, also
		// those that had succeeded so far.
		for i := range results {
			if results[i] == nil {
				results[i] = dbError("commit", err)
			}
		}
		return
	}
	for _, t := range done {
		for _, f := range t.onCommit {
			f()
		}
	}
	s.notify()
	s.kickCheckpointer()
}
