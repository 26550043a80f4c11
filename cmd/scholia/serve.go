package main

import (
	"crypto/tls"
	"fmt"
	"log/slog"
	"net"
	"time"

	"github.com/spf13/cobra"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials"

	"github.com/scholia-nlp/scholia/client"
	"github.com/scholia-nlp/scholia/server"
	"github.com/scholia-nlp/scholia/sqlite"
)

func (a *app) serveCommand() *cobra.Command {
	var (
		dbPath, listen, logFormat, certFile, keyFile string
		maxDoc                                       int
		grace                                        time.Duration
	)
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Run the scholia server",
		Long: `Run the scholia server on a SQLite database (created if missing).

The first start on a new database creates the user "admin" and writes its
token to <db>.admin-token, readable by its owner only. SIGINT or SIGTERM
stops the server gracefully: in-flight calls finish first.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			var h slog.Handler = slog.NewTextHandler(a.stderr, nil)
			if logFormat == "json" {
				h = slog.NewJSONHandler(a.stderr, nil)
			} else if logFormat != "text" {
				return usagef("--log-format must be text or json")
			}
			log := slog.New(h)
			if (certFile == "") != (keyFile == "") {
				return usagef("--tls-cert and --tls-key go together")
			}
			store, err := sqlite.Open(ctx, dbPath)
			if err != nil {
				return fmt.Errorf("opening %s: %w", dbPath, err)
			}
			defer store.Close()
			if path, err := server.BootstrapAdmin(ctx, store, dbPath+".admin-token"); err != nil {
				return err
			} else if path != "" {
				log.Info("new database: created user admin; its token is in the file", "token_file", path)
			}
			srv, err := server.New(ctx, store, server.Options{Logger: log, MaxDocumentBytes: maxDoc})
			if err != nil {
				return err
			}
			var extra []grpc.ServerOption
			if certFile != "" {
				cert, err := tls.LoadX509KeyPair(certFile, keyFile)
				if err != nil {
					return fmt.Errorf("loading the TLS certificate: %w", err)
				}
				extra = append(extra, grpc.Creds(credentials.NewTLS(&tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12})))
			}
			g := srv.NewGRPCServer(extra...)
			lis, err := net.Listen("tcp", listen)
			if err != nil {
				return fmt.Errorf("listening on %s: %w", listen, err)
			}
			if certFile == "" && !isLoopback(lis.Addr()) {
				log.Warn("serving without TLS on a non-loopback address: tokens cross the network in the clear; use --tls-cert and --tls-key", "addr", lis.Addr().String())
			}
			log.Info("serving", "addr", lis.Addr().String(), "db", dbPath, "tls", certFile != "")
			done := make(chan error, 1)
			go func() { done <- g.Serve(lis) }()
			select {
			case err := <-done:
				return err
			case <-ctx.Done():
			}
			log.Info("shutting down: finishing in-flight calls", "grace", grace.String())
			srv.Shutdown()
			stopped := make(chan struct{})
			go func() { g.GracefulStop(); close(stopped) }()
			select {
			case <-stopped:
			case <-time.After(grace):
				log.Warn("grace period over: cancelling the remaining calls")
				g.Stop()
			}
			log.Info("stopped")
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&dbPath, "db", "annotations.db", "SQLite database `file`")
	f.StringVar(&listen, "listen", client.DefaultAddress, "`address` to listen on")
	f.IntVar(&maxDoc, "max-document-bytes", 10<<20, "largest document text accepted, in bytes")
	f.StringVar(&logFormat, "log-format", "text", "log format: text or json")
	f.StringVar(&certFile, "tls-cert", "", "PEM certificate `file` for TLS")
	f.StringVar(&keyFile, "tls-key", "", "PEM private key `file` for TLS")
	f.DurationVar(&grace, "grace", 30*time.Second, "how long a shutdown waits for in-flight calls")
	return cmd
}

func isLoopback(addr net.Addr) bool {
	tcp, ok := addr.(*net.TCPAddr)
	return ok && tcp.IP.IsLoopback()
}
