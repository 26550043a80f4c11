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
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials"

	"github.com/scholia-nlp/scholia/server"
	"github.com/scholia-nlp/scholia/sqlite"
)

// Config is what a server run needs.
type Config struct {
	DB               string        // SQLite file, created if missing
	Listen           string        // address; port 0 picks a free one
	CertFile         string        // TLS certificate (PEM); empty for plaintext
	KeyFile          string        // TLS key (PEM)
	MaxDocumentBytes int           // largest document accepted
	Grace            time.Duration // how long shutdown waits for in-flight calls
	Logger           *slog.Logger
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
	if (cfg.CertFile == "") != (cfg.KeyFile == "") {
		return fmt.Errorf("a TLS certificate and key go together")
	}
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
	srv, err := server.New(ctx, store, server.Options{Logger: log, MaxDocumentBytes: cfg.MaxDocumentBytes})
	if err != nil {
		return err
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

func isLoopback(addr net.Addr) bool {
	tcp, ok := addr.(*net.TCPAddr)
	return ok && tcp.IP.IsLoopback()
}
