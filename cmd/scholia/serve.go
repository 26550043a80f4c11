package main

import (
	"log/slog"
	"time"

	"github.com/spf13/cobra"

	"github.com/scholia-nlp/scholia/client"
	"github.com/scholia-nlp/scholia/internal/serve"
)

func (a *app) serveCommand() *cobra.Command {
	var (
		cfg       serve.Config
		logFormat string
		logLevel  string
	)
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Run the scholia server",
		Long: `Run the scholia server on a SQLite database (created if missing).

The first start on a new database creates the user "admin" and writes its
token to <db>.admin-token, readable by its owner only. SIGINT or SIGTERM
stops the server gracefully: in-flight calls finish first, and open streams
end with UNAVAILABLE so that their clients resume after a restart.

Every write is acknowledged only once it is durable on disk (SQLite WAL,
synchronous=FULL). Without TLS, listen on loopback only: on any other
address tokens would cross the network in the clear (the server warns).
See docs/reliability.md for what scholia guarantees, backups and restore.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			var level slog.Level
			if err := level.UnmarshalText([]byte(logLevel)); err != nil {
				return usagef("--log-level must be debug, info, warn or error")
			}
			opts := &slog.HandlerOptions{Level: level}
			var h slog.Handler = slog.NewTextHandler(a.stderr, opts)
			switch logFormat {
			case "json":
				h = slog.NewJSONHandler(a.stderr, opts)
			case "text":
			default:
				return usagef("--log-format must be text or json")
			}
			if (cfg.CertFile == "") != (cfg.KeyFile == "") {
				return usagef("--tls-cert and --tls-key go together")
			}
			cfg.Logger = slog.New(h)
			return serve.Run(cmd.Context(), cfg)
		},
	}
	f := cmd.Flags()
	f.StringVar(&cfg.DB, "db", "annotations.db", "SQLite database `file`")
	f.StringVar(&cfg.Listen, "listen", client.DefaultAddress, "`address` to listen on")
	f.IntVar(&cfg.MaxDocumentBytes, "max-document-bytes", 10<<20, "largest document text accepted, in bytes (larger: RESOURCE_EXHAUSTED)")
	f.IntVar(&cfg.MaxPageSize, "max-page-size", 1000, "largest page a List serves; a larger page_size is served this many (AIP-158)")
	f.IntVar(&cfg.MaxBatch, "max-batch", 10000, "most annotations one batch create takes (more: RESOURCE_EXHAUSTED)")
	f.IntVar(&cfg.MaxMessageBytes, "max-message-bytes", 0, "largest request message, in bytes (larger: RESOURCE_EXHAUSTED); 0: --max-document-bytes plus 1 MiB, at least 4 MiB")
	f.DurationVar(&cfg.Retention, "retention", 0, "keep old versions this long (e.g. 720h) for snapshots, resume tokens and the change feed; 0 keeps every version")
	f.DurationVar(&cfg.PruneInterval, "prune-interval", time.Hour, "how often --retention removes old versions")
	f.StringVar(&logFormat, "log-format", "text", "log format: text or json")
	f.StringVar(&logLevel, "log-level", "info", "log level: debug (a line per call), info (refused calls, start and stop), warn or error")
	f.StringVar(&cfg.CertFile, "tls-cert", "", "PEM certificate `file` for TLS")
	f.StringVar(&cfg.KeyFile, "tls-key", "", "PEM private key `file` for TLS")
	f.DurationVar(&cfg.Grace, "grace", 30*time.Second, "how long a shutdown waits for in-flight calls")
	return cmd
}
