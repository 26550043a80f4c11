package sqlite

import (
	"fmt"
	"path/filepath"
	"testing"
)

func TestDbg(t *testing.T) {
	path := filepath.Join(t.TempDir(), "annotations.db")
	s, _ := Open(ctx, path)
	for _, q := range []string{`DROP TABLE layer_history`, `DELETE FROM schema_migrations WHERE version = 2`} {
		if _, err := s.w.ExecContext(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	fmt.Println(count(t, s, "schema_migrations"))
	s.Close()
	s, err := Open(ctx, path)
	fmt.Println(err, count(t, s, "schema_migrations"))
	var n int
	err = s.w.QueryRowContext(ctx, "SELECT count(*) FROM layer_history").Scan(&n)
	fmt.Println(n, err)
	err = s.r.QueryRowContext(ctx, "SELECT count(*) FROM layer_history").Scan(&n)
	fmt.Println(n, err)
}
