package main

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/scholia-nlp/scholia/client"
	pb "github.com/scholia-nlp/scholia/gen/scholia/v1"
)

// sqliteHeader starts every SQLite database file.
const sqliteHeader = "SQLite format 3\x00"

func (a *app) backupCommand() *cobra.Command {
	var out string
	cmd := &cobra.Command{
		Use:   "backup --out FILE",
		Short: "Copy the server's database to a file while it serves (admins)",
		Long: `Copy the whole database of the running server to FILE. The server makes
the copy with SQLite's online backup API while reads and writes go on; the
copy is the state of one revision, and holds every write acknowledged
before the backup started. The file is checked (size and SHA-256) and
flushed to disk before the command succeeds; an existing FILE is never
overwritten.

To restore, stop the server, and put the backup in place of the database,
removing the database's -wal and -shm files (they belong to the old file):

  scholia backup --out annotations.backup.db
  # ... later, with the server stopped:
  rm -f annotations.db-wal annotations.db-shm
  cp annotations.backup.db annotations.db
  scholia serve --db annotations.db

Users and tokens are part of the database: the tokens valid at the backup
work again after a restore.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if out == "" {
				return usagef("--out FILE is required")
			}
			if _, err := os.Lstat(out); err == nil {
				return fmt.Errorf("%s exists: a backup never overwrites a file; remove it or choose another name", out)
			}
			return a.withClient(func(c *client.Client) error {
				stream, err := c.Admin.Backup(cmd.Context(), &pb.BackupRequest{})
				if err != nil {
					return err
				}
				tmp, err := os.CreateTemp(filepath.Dir(out), "."+filepath.Base(out)+".*.part")
				if err != nil {
					return err
				}
				ok := false
				defer func() {
					if !ok {
						tmp.Close()
						os.Remove(tmp.Name())
					}
				}()
				h := sha256.New()
				w := io.MultiWriter(tmp, h)
				var rev, size, written int64
				var sum string
				var head []byte
				for first := true; ; first = false {
					msg, err := stream.Recv()
					if errors.Is(err, io.EOF) {
						break
					}
					if err != nil {
						return err
					}
					if first {
						rev, size = msg.GetRevision(), msg.GetSizeBytes()
					}
					if len(head) < len(sqliteHeader) {
						head = append(head, msg.GetChunk()[:min(len(msg.GetChunk()), len(sqliteHeader)-len(head))]...)
					}
					n, err := w.Write(msg.GetChunk())
					written += int64(n)
					if err != nil {
						return err
					}
					if msg.GetSha256() != "" {
						sum = msg.GetSha256()
					}
				}
				switch {
				case sum == "":
					return fmt.Errorf("the backup stream ended early (%d of %d bytes): nothing was written; try again", written, size)
				case written != size:
					return fmt.Errorf("the backup has %d bytes, the server announced %d: nothing was written; try again", written, size)
				case hex.EncodeToString(h.Sum(nil)) != sum:
					return fmt.Errorf("the backup's SHA-256 does not match the server's: nothing was written; try again")
				case !bytes.Equal(head, []byte(sqliteHeader)):
					return fmt.Errorf("the server sent something that is not a SQLite database: nothing was written")
				}
				if err := tmp.Sync(); err != nil {
					return err
				}
				if err := tmp.Close(); err != nil {
					return err
				}
				// A hard link, unlike a rename, fails if FILE appeared meanwhile;
				// where links are not supported, rename.
				if err := os.Link(tmp.Name(), out); err == nil {
					os.Remove(tmp.Name())
				} else if errors.Is(err, os.ErrExist) {
					return fmt.Errorf("%s appeared while the backup ran: nothing was written", out)
				} else if err := os.Rename(tmp.Name(), out); err != nil {
					return err
				}
				ok = true
				if d, err := os.Open(filepath.Dir(out)); err == nil {
					d.Sync()
					d.Close()
				}
				if a.json() {
					return json.NewEncoder(a.stdout).Encode(map[string]any{"file": out, "revision": rev, "sizeBytes": size, "sha256": sum})
				}
				fmt.Fprintf(a.stdout, "backed up revision %d (or later) to %s: %d bytes, sha256 %s\n", rev, out, size, sum)
				return nil
			})
		},
	}
	cmd.Flags().StringVar(&out, "out", "", "the backup `FILE` to write (must not exist)")
	return cmd
}
