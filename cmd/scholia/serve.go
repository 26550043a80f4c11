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
	)
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Run the scholia server",
		Long: `Run the scholia server on a SQLite database (created if missing).

The first start on a new database creates the user "admin" and writes its
token to <db>.admin-token, readable by its owner only. SIGINT or SIGTERM
stops the server gracefully: in-flight calls finish first, and open streams
end with UNAVAILABLE so that their clients resume after a restart.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			var h slog.Handler = slog.NewTextHandler(a.stderr, nil)
			switch logFormat {
			case "json":
				h = slog.NewJSONHandler(a.stderr, nil)
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
	f.IntVar(&cfg.MaxDocumentBytes, "max-document-bytes", 10<<20, "largest document text accepted, in bytes")
	f.StringVar(&logFormat, "log-format", "text", "log format: text or json")
	f.StringVar(&cfg.CertFile, "tls-cert", "", "PEM certificate `file` for TLS")
	f.StringVar(&cfg.KeyFile, "tls-key", "", "PEM private key `file` for TLS")
	f.DurationVar(&cfg.Grace, "grace", 30*time.Second, "how long a shutdown waits for in-flight calls")
	return cmd
}
