// Command scholia runs the scholia annotation server and is its command-line
// client: `scholia serve` starts the server; the other subcommands annotate,
// manage users and projects, and list what is stored.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/spf13/cobra"
	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"

	"github.com/scholia-nlp/scholia/client"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

// run executes the CLI with the given arguments and streams and returns the
// exit code: 0 on success, 1 on a failed call, 2 on bad usage.
func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	app := &app{stdin: stdin, stdout: stdout, stderr: stderr}
	root := app.rootCommand()
	root.SetArgs(args)
	root.SetIn(stdin)
	root.SetOut(stdout)
	root.SetErr(stderr)
	err := root.ExecuteContext(ctx)
	if err == nil {
		return 0
	}
	fmt.Fprintln(stderr, "scholia:", describe(err))
	var u usageError
	if errors.As(err, &u) {
		return 2
	}
	return 1
}

// app holds the global flags and the streams of one CLI run.
type app struct {
	stdin          io.Reader
	stdout, stderr io.Writer

	server    string
	token     string
	tokenFile string
	output    string
	useTLS    bool
	caFile    string
}

// usageError is a mistake in the command line, exit code 2.
type usageError struct{ msg string }

func (u usageError) Error() string { return u.msg }

func usagef(format string, args ...any) error { return usageError{fmt.Sprintf(format, args...)} }

func envOr(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}

func (a *app) rootCommand() *cobra.Command {
	root := &cobra.Command{
		Use:   "scholia",
		Short: "Annotate news articles with events and claims, and stream the corpus to programs",
		Long: `scholia stores annotations of news articles (mentions, events with their
arguments, claims with who claims them, relations and clusters across
documents) and serves them over gRPC.

  scholia serve                      run the server on annotations.db
  scholia <command> --help           help on any command

Client commands reach the server named by --server or SCHOLIA_SERVER
(default ` + client.DefaultAddress + `) with the token of --token, SCHOLIA_TOKEN,
--token-file or SCHOLIA_TOKEN_FILE. Offsets are Unicode code points;
--quote finds text so that nobody has to count characters.`,
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	pf := root.PersistentFlags()
	pf.StringVar(&a.server, "server", envOr("SCHOLIA_SERVER", client.DefaultAddress), "server address `host:port` (env SCHOLIA_SERVER)")
	pf.StringVar(&a.token, "token", os.Getenv("SCHOLIA_TOKEN"), "bearer token (env SCHOLIA_TOKEN)")
	pf.StringVar(&a.tokenFile, "token-file", os.Getenv("SCHOLIA_TOKEN_FILE"), "read the token from this file (env SCHOLIA_TOKEN_FILE)")
	pf.StringVarP(&a.output, "output", "o", "text", "output format: text or json")
	pf.BoolVar(&a.useTLS, "tls", false, "connect with TLS")
	pf.StringVar(&a.caFile, "ca", "", "PEM file of the CA to trust with --tls")
	root.SetFlagErrorFunc(func(c *cobra.Command, err error) error { return usageError{err.Error()} })
	root.AddCommand(
		a.serveCommand(),
		a.backupCommand(),
		a.userCommand(),
		a.whoamiCommand(),
		a.projectCommand(),
		a.docCommand(),
		a.mentionCommand(),
		a.eventCommand(),
		a.claimCommand(),
		a.relationCommand(),
		a.clusterCommand(),
		a.annCommand(),
		a.streamCommand(),
		a.watchCommand(),
		a.evalCommand(),
		a.memberCommand(),
		a.settingsCommand(),
		a.assignCommand(),
		a.unassignCommand(),
		a.assignmentsCommand(),
		a.queueCommand(),
		a.curateCommand(),
		a.historyCommand(),
		a.activityCommand(),
		a.suggestCommand(),
		a.importCommand(),
		a.exportCommand(),
	)
	return root
}

// dial connects to the server with the configured token.
func (a *app) dial() (*client.Client, error) {
	if a.output != "text" && a.output != "json" {
		return nil, usagef("-o must be text or json, not %q", a.output)
	}
	tok := a.token
	if tok == "" && a.tokenFile != "" {
		b, err := os.ReadFile(a.tokenFile)
		if err != nil {
			return nil, fmt.Errorf("reading the token file: %w", err)
		}
		tok = strings.TrimSpace(string(b))
	}
	if tok == "" {
		return nil, usagef("no token: pass --token or --token-file, or set SCHOLIA_TOKEN (the first admin token is in <db>.admin-token beside the database)")
	}
	opts := []client.Option{client.WithToken(tok)}
	if a.useTLS {
		opts = append(opts, client.WithTLS(a.caFile))
	}
	return client.Dial(a.server, opts...)
}

// withClient dials the server, runs fn with the client and closes it: every
// command that calls the server goes through it, so none can forget to close
// the connection.
func (a *app) withClient(fn func(c *client.Client) error) error {
	c, err := a.dial()
	if err != nil {
		return err
	}
	defer c.Close()
	return fn(c)
}

// json reports whether machine-readable output was asked for.
func (a *app) json() bool { return a.output == "json" }

// printProto writes m in the protobuf JSON mapping, one object per line.
func (a *app) printProto(m proto.Message) error {
	b, err := protojson.MarshalOptions{UseProtoNames: false}.Marshal(m)
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(a.stdout, "%s\n", b)
	return err
}

// describe turns an error into one readable message: gRPC statuses lose
// their "rpc error" prefix and show their field violations one per line.
func describe(err error) string {
	st, ok := status.FromError(err)
	if !ok {
		return err.Error()
	}
	var b strings.Builder
	b.WriteString(st.Message())
	b.WriteString(" (" + st.Code().String() + ")")
	for _, d := range st.Details() {
		if br, ok := d.(*errdetails.BadRequest); ok {
			for _, v := range br.GetFieldViolations() {
				fmt.Fprintf(&b, "\n  %s: %s", v.GetField(), v.GetDescription())
			}
		}
	}
	if st.Code().String() == "Unavailable" {
		b.WriteString("\n  is the server running? (scholia serve)")
	}
	return b.String()
}
