package sqlite

import (
	"context"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"time"

	"github.com/mattn/go-sqlite3"

	"github.com/scholia-nlp/scholia"
)

// backupPages is how many pages one step of a backup copies (16 MiB of
// 4 KiB pages); between steps Backup looks at its context. Tests make it
// small, so that writes land between the steps.
var backupPages = 4096

// backupStepped, when set (by tests), runs between two steps of a backup.
var backupStepped func()

// Backup writes a consistent copy of the database to dst with SQLite's
// online backup API, while reads and writes go on.
//
// The copy reads from its own read-only connection inside one read
// transaction, so every page comes from one snapshot: the copy is the state
// of the newest revision committed when it started, whatever is written
// meanwhile. (Without the transaction, SQLite restarts a backup whenever
// another connection writes, and a backup under a steady write load would
// never finish.) In WAL mode the read transaction does not block writers;
// it keeps checkpoints from going past its snapshot until the copy is done,
// which takes as long as copying the file.
//
// dst must not exist, or be an empty file (such as one made by
// os.CreateTemp). When Backup returns nil, dst is a complete database,
// flushed to disk, that Open accepts; on failure dst is removed.
func (s *Store) Backup(ctx context.Context, dst string) (err error) {
	if dst == "" {
		return scholia.Invalid("a backup file is required", scholia.FieldViolation{Field: "dst", Description: "required"})
	}
	abs, err := filepath.Abs(dst)
	if err != nil {
		return scholia.Internal("resolve the backup path", err)
	}
	if abs == s.path {
		return scholia.Errorf(scholia.CodeInvalid, "BACKUP_OVER_DATABASE", "the backup file %s is the database itself", dst)
	}
	if fi, err := os.Stat(abs); err == nil && (fi.Size() > 0 || !fi.Mode().IsRegular()) {
		return scholia.Errorf(scholia.CodeAlreadyExists, "BACKUP_EXISTS", "%s exists and is not empty: a backup never overwrites a file", dst)
	}
	// A leftover journal or WAL of an earlier file of that name would be
	// applied to the new file by SQLite.
	for _, suffix := range []string{"-journal", "-wal"} {
		if _, err := os.Stat(abs + suffix); err == nil {
			return scholia.Errorf(scholia.CodeAlreadyExists, "BACKUP_EXISTS", "%s exists: remove it or choose another backup file", dst+suffix)
		}
	}
	defer func() {
		if err != nil {
			os.Remove(abs)
			os.Remove(abs + "-journal")
		}
	}()

	drv := &sqlite3.SQLiteDriver{}
	srcConn, err := drv.Open(fileURI(s.path) + "?mode=ro&_busy_timeout=10000")
	if err != nil {
		return dbError("open the database for the backup", err)
	}
	defer srcConn.Close()
	src := srcConn.(*sqlite3.SQLiteConn)
	dstConn, err := drv.Open(fileURI(abs))
	if err != nil {
		return dbError("create the backup file", err)
	}
	dest := dstConn.(*sqlite3.SQLiteConn)
	destOpen := true
	defer func() {
		if destOpen {
			dest.Close()
		}
	}()

	// Pin one snapshot for the whole copy.
	if _, err := src.Exec("BEGIN", nil); err != nil {
		return dbError("begin the backup's read transaction", err)
	}
	defer src.Exec("ROLLBACK", nil)
	if err := readOne(src, `SELECT coalesce(max(rev), 0) FROM revisions`); err != nil {
		return dbError("begin the backup's read transaction", err)
	}

	b, err := dest.Backup("main", src, "main")
	if err != nil {
		return dbError("start the backup", err)
	}
	defer b.Close() // a no-op after Finish
	remaining := -1
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		done, err := b.Step(backupPages)
		if err != nil {
			return dbError("copy the database", err)
		}
		if done {
			break
		}
		if backupStepped != nil {
			backupStepped()
		}
		if r := b.Remaining(); r != remaining {
			remaining = r
			continue
		}
		time.Sleep(10 * time.Millisecond) // no progress (SQLITE_BUSY): try again
	}
	if err := b.Finish(); err != nil {
		return dbError("finish the backup", err)
	}
	destOpen = false
	if err := dest.Close(); err != nil {
		return dbError("close the backup file", err)
	}
	if err := syncFile(abs); err != nil {
		return scholia.Internal("flush the backup file", err)
	}
	if err := syncFile(filepath.Dir(abs)); err != nil {
		return scholia.Internal("flush the backup's directory", err)
	}
	return nil
}

// readOne runs a query on a driver connection and reads its first row,
// which starts a read transaction inside an explicit BEGIN.
func readOne(c *sqlite3.SQLiteConn, query string) error {
	rows, err := c.Query(query, nil)
	if err != nil {
		return err
	}
	defer rows.Close()
	vals := make([]driver.Value, len(rows.Columns()))
	if err := rows.Next(vals); err != nil && !errors.Is(err, io.EOF) {
		return err
	}
	return nil
}

// fileURI is the SQLite URI of an absolute path.
func fileURI(abs string) string {
	return "file:" + (&url.URL{Path: abs}).EscapedPath()
}

// syncFile flushes a file or directory to disk.
func syncFile(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	if err := f.Sync(); err != nil {
		return fmt.Errorf("fsync %s: %w", path, err)
	}
	return nil
}
