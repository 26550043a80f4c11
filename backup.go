package scholia

import "context"

// Backupper is the part of a Store that copies the whole store while it
// serves. The copy is consistent: it is the state of one revision, with
// every write committed up to it and nothing of any later write.
type Backupper interface {
	// Backup writes a consistent copy of the store to the file dst, which
	// must not exist or be empty, while reads and writes go on. The copy is
	// durable (flushed to disk) when Backup returns. On failure, dst is
	// removed.
	Backup(ctx context.Context, dst string) error
}
