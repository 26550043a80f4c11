package server

import (
	"crypto/sha256"
	"encoding/hex"
	"io"
	"os"

	"github.com/scholia-nlp/scholia"
	pb "github.com/scholia-nlp/scholia/gen/scholia/v1"
)

// backupChunk is how many bytes of the backup file one message carries.
const backupChunk = 1 << 20

// Backup makes a consistent copy of the database with the store's online
// backup into a temporary file in Options.BackupDir, streams it, and
// removes it. Admins only.
func (s *adminService) Backup(req *pb.BackupRequest, stream pb.AdminService_BackupServer) error {
	ctx := stream.Context()
	if err := callerFrom(ctx).requireRole("backing up the database", scholia.RoleAdmin); err != nil {
		return err
	}
	// Every write acknowledged before this point is in the copy.
	rev, err := s.store.Revision(ctx)
	if err != nil {
		return err
	}
	f, err := os.CreateTemp(s.opts.BackupDir, ".scholia-backup-*.tmp")
	if err != nil {
		return scholia.Internal("make the backup's temporary file", err)
	}
	path := f.Name()
	f.Close()
	defer os.Remove(path)
	if err := s.store.Backup(ctx, path); err != nil {
		return err
	}
	f, err = os.Open(path)
	if err != nil {
		return scholia.Internal("open the backup", err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return scholia.Internal("open the backup", err)
	}
	// The file is unlinked now: it stays readable through f, and a server
	// killed while streaming leaves nothing behind.
	os.Remove(path)
	s.log.InfoContext(ctx, "backup", "revision", rev, "bytes", fi.Size(), "user", callerFrom(ctx).Name)
	h := sha256.New()
	first := true
	for {
		// A new buffer per message: gRPC may still hold the last one.
		buf := make([]byte, backupChunk)
		n, err := io.ReadFull(f, buf)
		if err != nil && err != io.ErrUnexpectedEOF && err != io.EOF {
			return scholia.Internal("read the backup", err)
		}
		last := err != nil
		h.Write(buf[:n])
		msg := &pb.BackupResponse{Chunk: buf[:n]}
		if first {
			msg.Revision, msg.SizeBytes = rev, fi.Size()
			first = false
		}
		if last {
			msg.Sha256 = hex.EncodeToString(h.Sum(nil))
		}
		if n > 0 || last {
			if err := stream.Send(msg); err != nil {
				return err
			}
		}
		if last {
			return nil
		}
		if s.stopped() {
			return errStopping()
		}
	}
}
