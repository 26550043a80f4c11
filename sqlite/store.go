// Package sqlite is the SQLite implementation of scholia.Store.
//
// One *sql.DB holds the single writer connection (WAL, BEGIN IMMEDIATE,
// foreign keys, synchronous=FULL in the DSN; the savepoint journal in
// memory), another a small pool of read-only connections, so reads never
// wait for writes, and a third the connection that checkpoints the WAL in
// the background (checkpoint.go). Every write is one
// short transaction that inserts one row into the revisions table; its rowid
// is the write's revision. Documents and annotations are versioned by
// revision (see migrations/0001_init.sql), which makes "as of revision R"
// reads consistent without holding a read transaction open.
//
// Statements are cached per connection by the driver (_stmt_cache_size), so
// every constant query is prepared once per connection. Connections are
// opened without SQLite's own mutexes (_mutex=no): database/sql never uses
// one connection from two goroutines at once, and the locking cost several
// per cent of every read and write.
package sqlite

import (
	"context"
	"crypto/rand"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"net/url"
	"path/filepath"
	"sync"
	"time"

	"github.com/mattn/go-sqlite3"

	"github.com/scholia-nlp/scholia"
)

var _ scholia.Store = (*Store)(nil)

// readConns is the size of the read-only pool.
const readConns = 4

// Store is a scholia.Store kept in one SQLite file.
type Store struct {
	path   string
	w      *sql.DB // the one writer connection
	r      *sql.DB // read-only pool
	secret []byte

	texts   *textCache
	schemas *schemaCache
	users   sync.Map // names of users known to exist (users are never deleted)
	auth    authCache
	members memberCache
	slots   slotCache     // layer slots of annotation row ids (layerslots.go)
	ckpt    *checkpointer // checkpoint.go

	// changed is closed and replaced after every committed write of this
	// Store, to wake WaitRevision; mu guards it.
	mu      sync.Mutex
	changed chan struct{}
	poll    time.Duration // how often WaitRevision looks for other processes' commits

	// The group committer (group.go).
	writes        chan *writeReq
	closing       chan struct{}
	closeOnce     sync.Once
	committerDone chan struct{}
}

// Open opens the store in the SQLite file at path, creating the file if it
// does not exist, and applies the migrations it has not applied yet.
func Open(ctx context.Context, path string) (*Store, error) {
	if path == "" {
		return nil, scholia.Errorf(scholia.CodeInvalid, "INVALID_ARGUMENT", "a database path is required")
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, scholia.Internal("resolve the database path", err)
	}
	uri := "file:" + (&url.URL{Path: abs}).EscapedPath()
	// The writer gets a 64 MiB page cache (SQLite's default is 2 MiB): a
	// bulk import's transaction touches tens of MiB of index pages, and with
	// a small cache they spill to the WAL and are read back, which halves
	// the insert rate.
	w := sql.OpenDB(connector{writerDriver, uri + "?_journal_mode=WAL&_busy_timeout=10000&_foreign_keys=on&_txlock=immediate&_synchronous=FULL&_stmt_cache_size=128&_cache_size=-65536&_mutex=no"})
	w.SetMaxOpenConns(1)
	w.SetMaxIdleConns(1)
	w.SetConnMaxLifetime(0)
	w.SetConnMaxIdleTime(0)
	s := &Store{path: abs, w: w, texts: newTextCache(512, 64<<20), schemas: newSchemaCache(256),
		changed: make(chan struct{}), poll: pollInterval}
	if err := s.migrate(ctx); err != nil {
		w.Close()
		return nil, err
	}
	r, err := sql.Open("sqlite3", uri+"?mode=ro&_busy_timeout=10000&_foreign_keys=on&_stmt_cache_size=128&_mutex=no")
	if err != nil {
		w.Close()
		return nil, scholia.Internal("open the database for reading", err)
	}
	r.SetMaxOpenConns(readConns)
	r.SetMaxIdleConns(readConns)
	s.r = r
	if err := r.PingContext(ctx); err != nil {
		s.Close()
		return nil, scholia.Internal("open the database for reading", err)
	}
	if err := s.loadSecret(ctx); err != nil {
		s.Close()
		return nil, err
	}
	s.startCommitter()
	if err := s.startCheckpointer(uri); err != nil {
		s.Close()
		return nil, scholia.Internal("open the database for checkpoints", err)
	}
	return s, nil
}

// writerDriver opens the writer's connection. Its savepoint journal (every
// write of a group, and every document of an import, runs in a savepoint of
// its own) is kept in memory: by default SQLite spills a journal over 64 KiB
// to a temporary file, and an import's documents, whose savepoints each
// touch many pages, then spent a fifth of their time writing that file.
// Its own automatic checkpoint is only a backstop (see checkpoint.go).
var writerDriver = &sqlite3.SQLiteDriver{ConnectHook: func(c *sqlite3.SQLiteConn) error {
	_, err := c.Exec("PRAGMA temp_store = MEMORY", nil)
	if err == nil {
		_, err = c.Exec(fmt.Sprintf("PRAGMA wal_autocheckpoint = %d", walBackstop), nil)
	}
	return err
}}

// connector opens connections of one driver and DSN, for sql.OpenDB.
type connector struct {
	d   *sqlite3.SQLiteDriver
	dsn string
}

func (c connector) Connect(context.Context) (driver.Conn, error) { return c.d.Open(c.dsn) }
func (c connector) Driver() driver.Driver                        { return c.d }

// Path returns the absolute path of the database file.
func (s *Store) Path() string { return s.path }

// Close releases the store's connections.
func (s *Store) Close() error {
	s.stopCommitter()
	errs := []error{s.stopCheckpointer()}
	if s.r != nil {
		errs = append(errs, s.r.Close())
	}
	errs = append(errs, s.w.Close())
	if err := errors.Join(errs...); err != nil {
		return scholia.Internal("close the database", err)
	}
	return nil
}

// Revision returns the newest committed revision.
func (s *Store) Revision(ctx context.Context) (int64, error) {
	var rev int64
	if err := s.r.QueryRowContext(ctx, `SELECT coalesce(max(rev), 0) FROM revisions`).Scan(&rev); err != nil {
		return 0, dbError("read the revision", err)
	}
	return rev, nil
}

// Secret returns the random key made when the store was created.
func (s *Store) Secret(ctx context.Context) ([]byte, error) {
	return append([]byte(nil), s.secret...), nil
}

// loadSecret reads the secret, making it on the first open.
func (s *Store) loadSecret(ctx context.Context) error {
	key := make([]byte, 32)
	if _, err := rand.Read(key); err != nil {
		return scholia.Internal("make the store's secret", err)
	}
	if _, err := s.w.ExecContext(ctx, `INSERT INTO meta (key, value) VALUES ('secret', ?) ON CONFLICT (key) DO NOTHING`, key); err != nil {
		return dbError("store the secret", err)
	}
	if err := s.w.QueryRowContext(ctx, `SELECT value FROM meta WHERE key = 'secret'`).Scan(&s.secret); err != nil {
		return dbError("read the secret", err)
	}
	if len(s.secret) != 32 {
		return scholia.Internal("read the secret", fmt.Errorf("the secret has %d bytes, not 32", len(s.secret)))
	}
	return nil
}

// dbError turns a database failure into a *scholia.Error: a busy database is
// CodeUnavailable (the caller may retry), anything else CodeInternal. Errors
// that already are *scholia.Error pass through.
func dbError(op string, err error) error {
	if err == nil {
		return nil
	}
	var e *scholia.Error
	if errors.As(err, &e) {
		return err
	}
	var se sqlite3.Error
	if errors.As(err, &se) && (se.Code == sqlite3.ErrBusy || se.Code == sqlite3.ErrLocked) {
		return &scholia.Error{Code: scholia.CodeUnavailable, Reason: "STORE_BUSY", Message: op + ": the database is busy; retry", Err: err}
	}
	return scholia.Internal(op, err)
}

// isUnique reports whether err is a UNIQUE or PRIMARY KEY constraint failure.
func isUnique(err error) bool {
	var se sqlite3.Error
	return errors.As(err, &se) && (se.ExtendedCode == sqlite3.ErrConstraintUnique || se.ExtendedCode == sqlite3.ErrConstraintPrimaryKey)
}

// querier is what *sql.DB and *sql.Tx have in common.
type querier interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// nullString maps "" to NULL.
func nullString(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// clampLimit gives a page size its default.
func clampLimit(limit int) int {
	if limit <= 0 {
		return 100
	}
	return limit
}

// rowScanner is what a scan function reads one row from.
type rowScanner = interface{ Scan(...any) error }

// queryAll runs a query and scans every row with scan; errors are wrapped
// as op.
func queryAll[T any](ctx context.Context, q querier, op string, scan func(rowScanner) (T, error), query string, args ...any) ([]T, error) {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, dbError(op, err)
	}
	defer rows.Close()
	var out []T
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, dbError(op, err)
		}
		out = append(out, v)
	}
	if err := rows.Err(); err != nil {
		return nil, dbError(op, err)
	}
	return out, nil
}

// scanProjectRow and scanDocumentRow adapt the scanners that take extra
// columns to queryAll.
func scanProjectRow(r rowScanner) (scholia.Project, error)   { return scanProject(r) }
func scanDocumentRow(r rowScanner) (scholia.Document, error) { return scanDocument(r) }
