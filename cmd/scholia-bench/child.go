package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"os/signal"
	"runtime/pprof"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/scholia-nlp/scholia/client"
	"github.com/scholia-nlp/scholia/internal/serve"
)

// childMode is the first argument that makes this program run a server: the
// benchmark starts its server as a child process, so that the server's
// memory is measured apart from the load generator's.
const childMode = "__serve"

// runChild serves db on a free loopback port and prints the address.
func runChild(db string) {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	// SCHOLIA_BENCH_CPUPROFILE names a file for a CPU profile of the server,
	// to see what limits a figure.
	if path := os.Getenv("SCHOLIA_BENCH_CPUPROFILE"); path != "" {
		f, err := os.Create(fmt.Sprintf("%s.%d", path, os.Getpid()))
		if err == nil && pprof.StartCPUProfile(f) == nil {
			defer func() { pprof.StopCPUProfile(); f.Close() }()
		}
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	err := serve.Run(ctx, serve.Config{DB: db, Listen: "127.0.0.1:0", MaxDocumentBytes: 64 << 20, Grace: 5 * time.Second, Logger: log,
		Ready: func(addr string) { fmt.Printf("ADDR %s\n", addr) }})
	if err != nil {
		fmt.Fprintln(os.Stderr, "server:", err)
		os.Exit(1)
	}
}

// serverProc is a server child process.
type serverProc struct {
	cmd   *exec.Cmd
	addr  string
	token string
	db    string
	ended bool // stop has run
}

// startServer runs a server child on db and connects an admin client.
func startServer(db string) (*serverProc, error) {
	self, err := os.Executable()
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(self, childMode, db)
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil || !strings.HasPrefix(line, "ADDR ") {
		cmd.Process.Kill()
		return nil, fmt.Errorf("the server child did not start: %q %v", line, err)
	}
	tok, err := os.ReadFile(db + ".admin-token")
	if err != nil {
		cmd.Process.Kill()
		return nil, err
	}
	return &serverProc{cmd: cmd, addr: strings.TrimSpace(strings.TrimPrefix(line, "ADDR ")), token: strings.TrimSpace(string(tok)), db: db}, nil
}

func (s *serverProc) client(token string) (*client.Client, error) {
	return client.Dial(s.addr, client.WithToken(token))
}

// peakRSS returns the child's peak resident set size in bytes (VmHWM).
func (s *serverProc) peakRSS() int64 { return peakRSSOf(s.cmd.Process.Pid) }

func peakRSSOf(pid int) int64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0
	}
	for _, l := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(l, "VmHWM:"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), 10, 64)
			return kb * 1024
		}
	}
	return 0
}

// cpuSeconds returns the CPU time (user and system) a process has used so
// far, from /proc; 0 where /proc is not there.
func cpuSeconds(pid int) float64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0
	}
	// The command name, in parentheses, may hold spaces: fields are
	// counted after its closing parenthesis. utime and stime are fields 14
	// and 15, in clock ticks of 1/100 s on Linux.
	i := strings.LastIndexByte(string(b), ')')
	if i < 0 {
		return 0
	}
	f := strings.Fields(string(b[i+1:]))
	if len(f) < 13 {
		return 0
	}
	u, _ := strconv.ParseFloat(f[11], 64)
	st, _ := strconv.ParseFloat(f[12], 64)
	return (u + st) / 100
}

// stop ends the child gracefully. A scenario that stops its server before
// measuring its limit also stops it on the way out: a second call does
// nothing.
func (s *serverProc) stop() {
	if s.ended {
		return
	}
	s.ended = true
	s.cmd.Process.Signal(os.Interrupt)
	done := make(chan struct{})
	go func() { s.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		s.cmd.Process.Kill()
		<-done
	}
}
