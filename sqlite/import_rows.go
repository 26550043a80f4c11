package sqlite

import (
	"database/sql"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/scholia-nlp/scholia"
)

// insertRows is how many rows one INSERT of an import writes: a statement
// per row would spend more time in database/sql and cgo than in SQLite.
// The rest of a unit is written with statements of 16, 8, 4, 2 and 1 rows.
const insertRows = 32

// rowInserter inserts rows into one table, insertRows at a time. The values
// that every row of a unit shares (the project, the unit's revision and
// time) are bound once per statement rather than once per row: binding is a
// call into SQLite per value, and an import binds millions of them.
type rowInserter struct {
	t      *wtx
	table  string
	shared []any       // the unit's shared values: parameters 1 to len(shared)
	cols   int         // values per row
	stmts  []*sql.Stmt // stmts[k] inserts insertRows>>k rows
	args   []any       // room for the shared values, then the queued rows
}

// newRowInserter prepares the statements of one table: the columns in
// shared take the values given to share, those in perRow the values given
// to add.
func newRowInserter(t *wtx, table string, shared, perRow []string) (*rowInserter, error) {
	s, n := len(shared), len(perRow)
	r := &rowInserter{t: t, table: table, shared: make([]any, s), cols: n, args: make([]any, s, s+n*insertRows)}
	cols := strings.Join(append(slices.Clone(shared), perRow...), ", ")
	for rows := insertRows; rows >= 1; rows /= 2 {
		var q strings.Builder
		q.WriteString(`INSERT INTO ` + r.table + ` (` + cols + `) VALUES `)
		for i := range rows {
			if i > 0 {
				q.WriteString(", ")
			}
			q.WriteByte('(')
			for j := range s + n {
				if j > 0 {
					q.WriteString(", ")
				}
				k := j + 1 // a shared value's parameter
				if j >= s {
					k = s + i*n + (j - s) + 1
				}
				q.WriteString("?" + strconv.Itoa(k))
			}
			q.WriteByte(')')
		}
		st, err := t.tx.PrepareContext(t.ctx, q.String())
		if err != nil {
			r.close()
			return nil, dbError("prepare the import", err)
		}
		r.stmts = append(r.stmts, st)
	}
	return r, nil
}

func (r *rowInserter) close() {
	for _, st := range r.stmts {
		st.Close()
	}
}

// share sets the shared values of the rows added next; the queue must be
// empty (flushed or discarded).
func (r *rowInserter) share(vals ...any) error {
	if len(vals) != len(r.shared) || len(r.args) != len(r.shared) {
		return scholia.Internal("store the rows of "+r.table, fmt.Errorf("%d shared values for %d, with %d values queued", len(vals), len(r.shared), len(r.args)-len(r.shared)))
	}
	copy(r.shared, vals)
	return nil
}

// add queues one row, and writes the queue when it is full.
func (r *rowInserter) add(vals ...any) error {
	r.args = append(r.args, vals...)
	if len(r.args) == len(r.shared)+r.cols*insertRows {
		return r.flush()
	}
	return nil
}

// flush writes the queued rows. Each statement takes the shared values and
// then its rows' values as one slice: the shared values are copied into the
// slots just before the rows, which the previous statement has used.
func (r *rowInserter) flush() error {
	var err error
	s := len(r.shared)
	at := s // where the rows not written yet start
	for k, rows := 0, insertRows; rows >= 1 && err == nil; k, rows = k+1, rows/2 {
		for len(r.args)-at >= rows*r.cols && err == nil {
			copy(r.args[at-s:at], r.shared)
			_, err = r.stmts[k].ExecContext(r.t.ctx, r.args[at-s:at+rows*r.cols]...)
			at += rows * r.cols
		}
	}
	r.discard()
	if err != nil {
		return dbError("store the rows of "+r.table, err)
	}
	return nil
}

// discard drops the queued rows of a unit that failed.
func (r *rowInserter) discard() {
	clear(r.args)
	r.args = r.args[:len(r.shared)]
}
