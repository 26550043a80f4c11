package main

import (
	"context"
	"fmt"
	"net"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/rogpeppe/go-internal/testscript"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
)

// TestMain lets the test binary act as the scholia binary inside scripts, so
// the scripts drive the real CLI (and a real `scholia serve` child process).
func TestMain(m *testing.M) {
	testscript.Main(m, map[string]func(){
		"scholia": func() { os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr)) },
	})
}

// TestScripts runs the end-to-end sessions in testdata/script.
func TestScripts(t *testing.T) {
	testscript.Run(t, testscript.Params{
		Dir: "testdata/script",
		Setup: func(env *testscript.Env) error {
			port, err := freePort()
			if err != nil {
				return err
			}
			env.Setenv("SCHOLIA_SERVER", fmt.Sprintf("127.0.0.1:%d", port))
			env.Setenv("SCHOLIA_TOKEN", "")
			env.Setenv("SCHOLIA_TOKEN_FILE", "")
			return nil
		},
		Cmds: map[string]func(ts *testscript.TestScript, neg bool, args []string){
			"waitserver": waitServer,
			"crlf":       crlf,
			"jsonlcanon": jsonlCanon,
		},
	})
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// waitServer waits until the server at $SCHOLIA_SERVER answers health checks
// (or, negated, until it stops answering).
func waitServer(ts *testscript.TestScript, neg bool, args []string) {
	addr := ts.Getenv("SCHOLIA_SERVER")
	conn, err := grpc.NewClient(addr, grpc.WithTransportCredentials(insecure.NewCredentials()))
	ts.Check(err)
	defer conn.Close()
	h := healthpb.NewHealthClient(conn)
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		r, err := h.Check(ctx, &healthpb.HealthCheckRequest{})
		cancel()
		up := err == nil && r.GetStatus() == healthpb.HealthCheckResponse_SERVING
		if up != neg {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	ts.Fatalf("the server at %s did not %s in time", addr, map[bool]string{false: "come up", true: "stop"}[neg])
}

// crlf rewrites a file's line ends as CRLF, since script archives cannot be
// trusted to keep them.
func crlf(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 1 {
		ts.Fatalf("usage: crlf FILE")
	}
	path := ts.MkAbs(args[0])
	b, err := os.ReadFile(path)
	ts.Check(err)
	ts.Check(os.WriteFile(path, []byte(strings.ReplaceAll(string(b), "\n", "\r\n")), 0o644))
}
