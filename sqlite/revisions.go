package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/scholia-nlp/scholia"
)

// oldestKey is the meta key of the retention horizon.
const oldestKey = "oldest_revision"

// pollInterval is how often WaitRevision looks for revisions committed by
// other processes, which do not wake it (Store.poll; tests change it).
const pollInterval = time.Second

// defaultChangeRevs is how many revisions Changes reads when maxRevs is not
// positive.
const defaultChangeRevs = 256

func revisionExpired(rev, oldest int64) error {
	return scholia.Errorf(scholia.CodeFailedPrecondition, "REVISION_EXPIRED",
		"revision %d is older than the oldest revision still kept (%d): its old versions have been removed; start again from revision %d or newer",
		rev, oldest, oldest)
}

func revisionTooNew(rev, newest int64) error {
	return scholia.Errorf(scholia.CodeInvalid, "INVALID_REVISION", "revision %d does not exist yet: the newest is %d", rev, newest)
}

// oldestRevision reads the retention horizon: 0 on a store never pruned.
func oldestRevision(ctx context.Context, q querier) (int64, error) {
	var oldest int64
	err := q.QueryRowContext(ctx, `SELECT value FROM meta WHERE key = '`+oldestKey+`'`).Scan(&oldest)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	if err != nil {
		return 0, dbError("read the oldest revision", err)
	}
	return oldest, nil
}

// OldestRevision returns the oldest revision that can still be read as a
// snapshot: 0 on a store never pruned, where every revision can.
func (s *Store) OldestRevision(ctx context.Context) (int64, error) {
	return oldestRevision(ctx, s.r)
}

// checkRetained fails with REVISION_EXPIRED if retention has passed rev.
// A read not in a transaction calls it after reading: Prune records its
// horizon before it deletes anything, so a read that might have missed a
// deleted version finds the new horizon afterwards.
func (s *Store) checkRetained(ctx context.Context, rev int64) error {
	oldest, err := oldestRevision(ctx, s.r)
	if err != nil {
		return err
	}
	if rev < oldest {
		return revisionExpired(rev, oldest)
	}
	return nil
}

// snapshot begins a short read transaction and returns it with the newest
// revision and the retention horizon it sees.
func (s *Store) snapshot(ctx context.Context) (tx *sql.Tx, newest, oldest int64, err error) {
	tx, err = s.r.BeginTx(ctx, nil)
	if err != nil {
		return nil, 0, 0, dbError("begin a read", err)
	}
	if err = tx.QueryRowContext(ctx, `SELECT coalesce(max(rev), 0) FROM revisions`).Scan(&newest); err != nil {
		tx.Rollback()
		return nil, 0, 0, dbError("read the revision", err)
	}
	if oldest, err = oldestRevision(ctx, tx); err != nil {
		tx.Rollback()
		return nil, 0, 0, err
	}
	return tx, newest, oldest, nil
}

// notify wakes the WaitRevision calls of this Store after a commit.
func (s *Store) notify() {
	s.mu.Lock()
	close(s.changed)
	s.changed = make(chan struct{})
	s.mu.Unlock()
}

func (s *Store) changedChan() <-chan struct{} {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.changed
}

// WaitRevision blocks until a revision newer than rev is committed, or ctx
// ends, and returns the newest revision. Writes through this Store wake it
// at once; writes by other processes on the same file are noticed within
// pollInterval. When ctx ends it returns the newest revision it saw and
// ctx.Err().
func (s *Store) WaitRevision(ctx context.Context, rev int64) (int64, error) {
	var cur int64
	for {
		// Take the channel before reading the revision: a commit after the
		// read closes this channel, so no wake-up is lost.
		ch := s.changedChan()
		if err := ctx.Err(); err != nil {
			return cur, err
		}
		r, err := s.Revision(ctx)
		if err != nil {
			if ctx.Err() != nil {
				return cur, ctx.Err()
			}
			return cur, err
		}
		cur = r
		if cur > rev {
			return cur, nil
		}
		timer := time.NewTimer(s.poll)
		select {
		case <-ch:
		case <-timer.C:
		case <-ctx.Done():
		}
		timer.Stop()
	}
}
