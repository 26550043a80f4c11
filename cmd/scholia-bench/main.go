// Command scholia-bench measures scholia the way its users load it and holds
// each figure against a limit measured in the same run: the same rows
// written or read by plain SQLite statements, without gRPC. It generates a
// deterministic synthetic corpus, starts a real server as a child process on
// a temporary database and a loopback port, and drives it through the public
// gRPC API with the Go client library.
//
//	go run ./cmd/scholia-bench [scenario...] [--docs N] [--anns-per-doc K] [--json FILE]
//
// Scenarios: write, stream, import, export, eval (default: all).
//
//	go run ./cmd/scholia-bench plot --out FILE.svg REPORT.json...
//
// draws the stream figures of several reports against the corpus size on
// log-log axes.
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"strings"
	"text/tabwriter"
	"time"
)

// row is one line of the result table.
type row struct {
	Scenario string  `json:"scenario"`
	Figure   string  `json:"figure"`
	Unit     string  `json:"unit"`
	Scholia  float64 `json:"scholia"`
	Limit    float64 `json:"limit,omitempty"`  // the same work without scholia
	Ratio    float64 `json:"ratio,omitempty"`  // scholia / limit
	Target   string  `json:"target,omitempty"` // what the figure must reach
	PeakRSS  float64 `json:"peak_rss_mb,omitempty"`
	Note     string  `json:"note,omitempty"`
}

// config holds the flags.
type config struct {
	docs       int
	annsPerDoc int
	duration   time.Duration
	clients    int
	lists      int // percent of the write scenario's calls that list
	writeBase  int // annotations in the project before the write scenario starts
	dir        string
	seed       uint64
}

type report struct {
	Started  time.Time `json:"started"`
	GoVer    string    `json:"go"`
	CPUs     int       `json:"cpus"`
	Docs     int       `json:"docs"`
	AnnsDoc  int       `json:"anns_per_doc"`
	Rows     []row     `json:"rows"`
	Duration string    `json:"duration"`
}

var scenarios = []string{"write", "stream", "import", "export", "eval"}

func main() {
	if len(os.Args) == 3 && os.Args[1] == childMode {
		runChild(os.Args[2])
		return
	}
	if len(os.Args) > 1 && os.Args[1] == "plot" {
		os.Exit(runPlot(os.Args[2:]))
	}
	os.Exit(bench())
}

// bench runs the scenarios and returns the exit code: 1 if one failed.
func bench() int {
	var cfg config
	var jsonOut string
	fs := flag.NewFlagSet("scholia-bench", flag.ExitOnError)
	fs.IntVar(&cfg.docs, "docs", 10000, "documents in the (larger) generated corpus")
	fs.IntVar(&cfg.annsPerDoc, "anns-per-doc", 50, "annotations per document")
	fs.DurationVar(&cfg.duration, "duration", 20*time.Second, "how long the write scenario runs")
	fs.IntVar(&cfg.clients, "clients", 64, "concurrent annotator clients in the write scenario")
	fs.IntVar(&cfg.lists, "lists", 10, "percent of the write scenario's calls that list 100 annotations; the other calls are creates and updates, 7 to 2")
	fs.IntVar(&cfg.writeBase, "write-base", 0, "annotations already in the project when the write scenario starts, loaded as the stream scenario loads its corpus, to see how the write figures grow with the database")
	fs.StringVar(&cfg.dir, "dir", "", "directory for the temporary databases (default: a new temporary directory, removed at the end)")
	fs.Uint64Var(&cfg.seed, "seed", 1, "seed of the generated corpus")
	fs.StringVar(&jsonOut, "json", "", "also write the results as JSON to this `file`")
	// Accept flags before and after the scenario names.
	var names []string
	args := os.Args[1:]
	for len(args) > 0 {
		fs.Parse(args)
		args = fs.Args()
		if len(args) > 0 {
			names = append(names, args[0])
			args = args[1:]
		}
	}
	if len(names) == 0 {
		names = scenarios
	}
	if cfg.writeBase < 0 {
		fmt.Fprintf(os.Stderr, "--write-base %d: a number of annotations, 0 or more, is required\n", cfg.writeBase)
		return 2
	}
	if cfg.lists < 0 || cfg.lists > 100 {
		fmt.Fprintf(os.Stderr, "--lists %d: a percentage from 0 to 100 is required\n", cfg.lists)
		return 2
	}
	for _, n := range names {
		if !contains(scenarios, n) {
			fmt.Fprintf(os.Stderr, "unknown scenario %q; scenarios: %s\n", n, strings.Join(scenarios, " "))
			return 2
		}
	}
	// SCHOLIA_BENCH_CPUPROFILE also profiles this process, the load
	// generator (the server child writes its own profile).
	if path := os.Getenv("SCHOLIA_BENCH_CPUPROFILE"); path != "" {
		if f, err := os.Create(path + ".client"); err == nil && pprof.StartCPUProfile(f) == nil {
			defer func() { pprof.StopCPUProfile(); f.Close() }()
		}
	}
	if cfg.dir == "" {
		d, err := os.MkdirTemp("", "scholia-bench")
		if err != nil {
			fatal(err)
		}
		defer os.RemoveAll(d)
		cfg.dir = d
	}
	failed := false
	rep := report{Started: time.Now(), GoVer: runtime.Version(), CPUs: runtime.NumCPU(), Docs: cfg.docs, AnnsDoc: cfg.annsPerDoc}
	for _, n := range names {
		fmt.Fprintf(os.Stderr, "== %s\n", n)
		rows, err := run(n, cfg)
		if err != nil {
			// One failed scenario does not lose the others' figures.
			fmt.Fprintf(os.Stderr, "scholia-bench: %s: %v\n", n, err)
			rows = []row{{Scenario: n, Figure: "FAILED", Note: err.Error()}}
			failed = true
		}
		rep.Rows = append(rep.Rows, rows...)
	}
	rep.Duration = time.Since(rep.Started).Round(time.Second).String()
	printTable(os.Stdout, rep)
	if jsonOut != "" {
		b, _ := json.MarshalIndent(rep, "", "  ")
		if err := os.WriteFile(jsonOut, append(b, '\n'), 0o644); err != nil {
			fmt.Fprintln(os.Stderr, "scholia-bench:", err)
			return 1
		}
	}
	if failed {
		return 1
	}
	return 0
}

func run(name string, cfg config) ([]row, error) {
	dir := filepath.Join(cfg.dir, name)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	switch name {
	case "write":
		return benchWrite(cfg, dir)
	case "stream":
		return benchStream(cfg, dir)
	case "import":
		return benchImport(cfg, dir)
	case "export":
		return benchExport(cfg, dir)
	case "eval":
		return benchEval(cfg, dir)
	}
	return []row{{Scenario: name, Figure: "-", Note: "not built yet: the scenario comes with its issue"}}, nil
}

func printTable(w io.Writer, rep report) {
	fmt.Fprintf(w, "\nscholia-bench: %s, %d CPUs, %d documents x %d annotations, %s\n\n", rep.GoVer, rep.CPUs, rep.Docs, rep.AnnsDoc, rep.Duration)
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "scenario\tfigure\tscholia\tlimit\tratio\tpeak RSS MB\ttarget\t")
	for _, r := range rep.Rows {
		num := func(v float64) string {
			if v == 0 {
				return "-"
			}
			return formatNum(v)
		}
		ratio := "-"
		if r.Ratio != 0 {
			ratio = fmt.Sprintf("%.2f", r.Ratio)
		}
		fig := r.Figure
		if r.Unit != "" {
			fig += " (" + r.Unit + ")"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t\n", r.Scenario, fig, num(r.Scholia), num(r.Limit), ratio, num(r.PeakRSS), r.Target)
	}
	tw.Flush()
	for _, r := range rep.Rows {
		if r.Note != "" {
			fmt.Fprintf(w, "  %s, %s: %s\n", r.Scenario, r.Figure, r.Note)
		}
	}
}

func formatNum(v float64) string {
	switch {
	case v >= 100:
		return fmt.Sprintf("%.0f", v)
	case v >= 10:
		return fmt.Sprintf("%.1f", v)
	}
	return fmt.Sprintf("%.2f", v)
}

func contains(xs []string, s string) bool {
	for _, x := range xs {
		if x == s {
			return true
		}
	}
	return false
}

func fatal(err error) {
	fmt.Fprintln(os.Stderr, "scholia-bench:", err)
	os.Exit(1)
}
