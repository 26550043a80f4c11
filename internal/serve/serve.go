// Package serve runs a scholia server on a SQLite database: the code behind
// `scholia serve`, shared with the benchmark program so that both measure
// and ship the same server.
package serve

import (
	"context"
	"crypto/tls"
	"fmt"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"runtime/debug"
	"sync"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials"

	"github.com/scholia-nlp/scholia/server"
	"github.com/scholia-nlp/scholia/sqlite"
)

// Config is what a server run needs. Zero limits take the defaults of
// server.Options.
type Config struct {
	DB               string        // SQLite file, created if missing
	Listen           string        // address; port 0 picks a free one
	CertFile         string        // TLS certificate (PEM); empty for plaintext
	KeyFile          string        // TLS key (PEM)
	MaxDocumentBytes int           // largest document accepted
	MaxPageSize      int           // largest page a List serves
	MaxBatch         int           // most annotations in one batch create
	MaxMessageBytes  int           // largest request message
	Grace            time.Duration // how long shutdown waits for in-flight calls
	// Retention is how long old versions (of annotations, documents and
	// layer statuses) are kept for snapshot reads and the change feed; 0
	// keeps every version. Retention runs at the start and then every
	// PruneInterval (default an hour).
	Retention     time.Duration
	PruneInterval time.Duration
	Logger        *slog.Logger
	// Ready, if set, is called with the address once the server listens.
	Ready func(addr string)
}

// Run serves until ctx ends, then shuts down gracefully: health checks turn
// to NOT_SERVING, open streams end with UNAVAILABLE (clients resume), and
// in-flight calls get Grace to finish.
func Run(ctx context.Context, cfg Config) error {
	log := cfg.Logger
	if log == nil {
		log = slog.Default()
	}
	if err := cfg.check(); err != nil {
		return err
	}
	TuneGC()
	store, err := sqlite.Open(ctx, cfg.DB)
	if err != nil {
		return fmt.Errorf("opening %s: %w", cfg.DB, err)
	}
	defer store.Close()
	if path, err := server.BootstrapAdmin(ctx, store, cfg.DB+".admin-token"); err != nil {
		return err
	} else if path != "" {
		log.Info("new database: created user admin; its token is in the file", "token_file", path)
	}
	backupDir := filepath.Dir(store.Path())
	removeLeftoverBackups(backupDir, log)
	srv, err := server.New(ctx, store, server.Options{Logger: log, MaxDocumentBytes: cfg.MaxDocumentBytes,
		MaxPageSize: cfg.MaxPageSize, MaxBatch: cfg.MaxBatch, MaxMessageBytes: cfg.MaxMessageBytes, BackupDir: backupDir})
	if err != nil {
		return err
	}
	// Retention stops before the store closes (defers run in reverse).
	retainCtx, stopRetention := context.WithCancel(ctx)
	var retaining sync.WaitGroup
	defer func() { stopRetention(); retaining.Wait() }()
	if cfg.Retention > 0 {
		retaining.Go(func() { retain(retainCtx, store, cfg.Retention, cfg.PruneInterval, log) })
	}
	var extra []grpc.ServerOption
	if cfg.CertFile != "" {
		cert, err := tls.LoadX509KeyPair(cfg.CertFile, cfg.KeyFile)
		if err != nil {
			return fmt.Errorf("loading the TLS certificate: %w", err)
		}
		extra = append(extra, grpc.Creds(credentials.NewTLS(&tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12})))
	}
	g := srv.NewGRPCServer(extra...)
	lis, err := net.Listen("tcp", cfg.Listen)
	if err != nil {
		return fmt.Errorf("listening on %s: %w", cfg.Listen, err)
	}
	if cfg.CertFile == "" && !isLoopback(lis.Addr()) {
		log.Warn("serving without TLS on a non-loopback address: tokens cross the network in the clear; use --tls-cert and --tls-key", "addr", lis.Addr().String())
	}
	log.Info("serving", "addr", lis.Addr().String(), "db", cfg.DB, "tls", cfg.CertFile != "")
	if cfg.Ready != nil {
		cfg.Ready(lis.Addr().String())
	}
	done := make(chan error, 1)
	go func() { done <- g.Serve(lis) }()
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
	}
	log.Info("shutting down: finishing in-flight calls", "grace", cfg.Grace.String())
	srv.Shutdown()
	stopped := make(chan struct{})
	go func() { g.GracefulStop(); close(stopped) }()
	select {
	case <-stopped:
	case <-time.After(cfg.Grace):
		log.Warn("grace period over: cancelling the remaining calls")
		g.Stop()
	}
	log.Info("stopped")
	return nil
}

// check refuses limits that cannot work together.
func (cfg *Config) check() error {
	if (cfg.CertFile == "") != (cfg.KeyFile == "") {
		return fmt.Errorf("a TLS certificate and key go together")
	}
	for _, l := range []struct {
		name string
		v    int
	}{{"max-document-bytes", cfg.MaxDocumentBytes}, {"max-page-size", cfg.MaxPageSize}, {"max-batch", cfg.MaxBatch}, {"max-message-bytes", cfg.MaxMessageBytes}} {
		if l.v < 0 {
			return fmt.Errorf("--%s must not be negative", l.name)
		}
	}
	doc := cfg.MaxDocumentBytes
	if doc == 0 {
		doc = 10 << 20 // server.Options' default
	}
	if cfg.MaxMessageBytes > 0 && cfg.MaxMessageBytes < doc+(64<<10) {
		return fmt.Errorf("--max-message-bytes (%d) must exceed --max-document-bytes (%d) by at least 64 KiB, or a document at the limit could not be sent", cfg.MaxMessageBytes, doc)
	}
	if cfg.Retention < 0 || cfg.PruneInterval < 0 {
		return fmt.Errorf("--retention and --prune-interval must not be negative")
	}
	return nil
}

// retain removes the versions older than keep, now and then every interval,
// until ctx ends.
func retain(ctx context.Context, store *sqlite.Store, keep, interval time.Duration, log *slog.Logger) {
	if interval <= 0 {
		interval = time.Hour
	}
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		start := time.Now()
		horizon, removed, err := store.Prune(ctx, start.Add(-keep))
		switch {
		case ctx.Err() != nil:
			return
		case err != nil:
			log.Error("retention failed; it runs again later", "err", err)
		case removed > 0:
			log.Info("retention: removed old versions", "oldest_revision", horizon, "rows", removed, "ms", time.Since(start).Milliseconds())
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// removeLeftoverBackups removes the temporary files of backups that a
// server killed while making them left behind.
func removeLeftoverBackups(dir string, log *slog.Logger) {
	old, _ := filepath.Glob(filepath.Join(dir, ".scholia-backup-*.tmp"))
	for _, f := range old {
		if err := os.Remove(f); err == nil {
			log.Info("removed the temporary file of an interrupted backup", "file", f)
		}
	}
}

func isLoopback(addr net.Addr) bool {
	tcp, ok := addr.(*net.TCPAddr)
	return ok && tcp.IP.IsLoopback()
}

// TuneGC sets the collector for a server or a bulk client (an import, an
// export), unless GOGC or GOMEMLIMIT say otherwise. Their live heap is
// small and steady (a stream holds two chunks of documents, a write a few
// messages), so collecting when garbage reaches four times the live heap
// instead of once costs little memory and saves much of the collector's
// CPU on the streaming path. The soft limit makes it collect sooner when a
// large live heap (an agreement over a whole big project) would otherwise
// grow to five times its size; it is well above what such work holds, so
// that the collector never runs without end near it.
func TuneGC() {
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(400)
	}
	if os.Getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(1 << 30)
	}
}
