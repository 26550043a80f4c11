package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// The plot mode draws how the figures grow with the corpus, on log-log
// axes, from the JSON reports of runs of several sizes:
//
//	go run ./cmd/scholia-bench plot --out docs/growth.svg run-10k.json run-100k.json run-1m.json
//
// A stream report gives two points: the rate of scholia and of the raw scan
// for its corpus, and the server's peak RSS. A write report (of a run with
// --write-base) gives the write rate and its limit, and the latency of a
// create, for the annotations the project held when the run started; they
// are drawn to the file of --writes-out, each the median of the runs of its
// size.

// growthPoint is what one stream report says about one corpus size.
type growthPoint struct {
	anns            float64 // annotations in the corpus
	rate, limit     float64 // annotations/s: StreamCorpus and the raw scan
	rss             float64 // server peak RSS, MB
	hasRate, hasRSS bool
}

// The stream rows the plot reads, as benchStream writes them.
const (
	streamNote = "median of 3; %d documents, %d annotations over loopback gRPC; limit: plain SQLite scan of the same rows"
	rssFigure  = "server peak RSS, %d documents"
)

var annotationsIn = regexp.MustCompile(`(\d+) documents, (\d+) annotations`)

// growthPoints reads the stream rows of a report: the rates of its larger
// corpus and the peak RSS of both corpora, whose sizes in annotations
// follow from the annotations per document of the larger one.
func growthPoints(rep report) []growthPoint {
	var out []growthPoint
	perDoc := float64(rep.AnnsDoc)
	for _, r := range rep.Rows {
		if m := annotationsIn.FindStringSubmatch(r.Note); r.Scenario == "stream" && strings.HasPrefix(r.Figure, "annotations") && m != nil {
			docs, _ := strconv.ParseFloat(m[1], 64)
			n, _ := strconv.ParseFloat(m[2], 64)
			perDoc = n / docs
			out = append(out, growthPoint{anns: n, rate: r.Scholia, limit: r.Limit, hasRate: true})
		}
	}
	for _, r := range rep.Rows {
		rest, ok := strings.CutPrefix(r.Figure, "server peak RSS, ")
		if r.Scenario != "stream" || !ok || r.PeakRSS == 0 {
			continue
		}
		docs, err := strconv.Atoi(strings.Fields(rest)[0])
		if err != nil {
			continue
		}
		out = append(out, growthPoint{anns: math.Round(float64(docs) * perDoc), rss: r.PeakRSS, hasRSS: true})
	}
	return out
}

// runPlot is the plot mode; it returns the exit code.
func runPlot(args []string) int {
	fs := flag.NewFlagSet("scholia-bench plot", flag.ExitOnError)
	out := fs.String("out", "growth.svg", "the SVG `file` to write the stream's growth to")
	writesOut := fs.String("writes-out", "", "the SVG `file` to write the write path's growth to (from runs with --write-base; each point is the median of the runs of its size)")
	fs.Parse(args)
	merged := map[float64]growthPoint{}
	writes := map[float64][]writePoint{}
	for _, path := range fs.Args() {
		b, err := os.ReadFile(path)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		var rep report
		if err := json.Unmarshal(b, &rep); err != nil {
			fmt.Fprintf(os.Stderr, "%s: %v\n", path, err)
			return 1
		}
		for _, p := range writePoints(rep) {
			writes[p.base] = append(writes[p.base], p)
		}
		for _, p := range growthPoints(rep) {
			m := merged[p.anns]
			m.anns = p.anns
			if p.hasRate {
				m.rate, m.limit, m.hasRate = p.rate, p.limit, true
			}
			if p.hasRSS {
				m.rss, m.hasRSS = p.rss, true
			}
			merged[p.anns] = m
		}
	}
	var pts []growthPoint
	for _, p := range merged {
		pts = append(pts, p)
	}
	slices.SortFunc(pts, func(a, b growthPoint) int { return int(a.anns - b.anns) })
	var wpts []writePoint
	for _, ps := range writes {
		wpts = append(wpts, medianPoint(ps))
	}
	slices.SortFunc(wpts, func(a, b writePoint) int { return int(a.base - b.base) })
	switch {
	case len(pts) == 0 && *writesOut == "":
		fmt.Fprintln(os.Stderr, "scholia-bench plot: no stream figures in the reports")
		return 1
	case *writesOut != "" && len(wpts) == 0:
		fmt.Fprintln(os.Stderr, "scholia-bench plot: no write figures of runs with --write-base in the reports")
		return 1
	}
	if len(pts) > 0 {
		if err := writeSVG(*out, func(w io.Writer) { writeGrowthSVG(w, pts) }); err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
	}
	if *writesOut != "" {
		if err := writeSVG(*writesOut, func(w io.Writer) { writeWritesSVG(w, wpts) }); err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
	}
	return 0
}

// writeSVG creates path and draws into it.
func writeSVG(path string, draw func(io.Writer)) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	draw(f)
	return f.Close()
}

// writePoint is what one write report says about one project size.
type writePoint struct {
	base        float64 // annotations in the project when the run started
	rate, limit float64 // writes/s: scholia and the raw single writer
	p50, p99    float64 // CreateAnnotation of a mention, ms
}

// The write rows the plot reads, as benchWrite writes them.
const (
	writesFigure    = "writes (creates + updates)"
	createLatencies = "CreateAnnotation/mention p50/p99/p99.9"
)

var (
	holding = regexp.MustCompile(`on a project holding (\d+) annotations`)
	p50In   = regexp.MustCompile(`p50 ([0-9.]+) ms`)
)

// writePoints reads the write rows of a report of a run with --write-base:
// none for a run on an empty project, which a log axis cannot show.
func writePoints(rep report) []writePoint {
	var p writePoint
	for _, r := range rep.Rows {
		if r.Scenario != "write" {
			continue
		}
		switch r.Figure {
		case writesFigure:
			if m := holding.FindStringSubmatch(r.Note); m != nil {
				p.base, _ = strconv.ParseFloat(m[1], 64)
			}
			p.rate, p.limit = r.Scholia, r.Limit
		case createLatencies:
			p.p99 = r.Scholia
			if m := p50In.FindStringSubmatch(r.Note); m != nil {
				p.p50, _ = strconv.ParseFloat(m[1], 64)
			}
		}
	}
	if p.base <= 0 || p.rate <= 0 {
		return nil
	}
	return []writePoint{p}
}

// medianPoint is the median of each figure of runs on projects of the same
// size, since one run on a shared machine says little.
func medianPoint(ps []writePoint) writePoint {
	med := func(f func(writePoint) float64) float64 {
		vs := make([]float64, len(ps))
		for i, p := range ps {
			vs[i] = f(p)
		}
		return median(vs)
	}
	return writePoint{base: ps[0].base,
		rate:  med(func(p writePoint) float64 { return p.rate }),
		limit: med(func(p writePoint) float64 { return p.limit }),
		p50:   med(func(p writePoint) float64 { return p.p50 }),
		p99:   med(func(p writePoint) float64 { return p.p99 })}
}

// writeWritesSVG draws two log-log charts side by side: writes/s with its
// limit, and a create's p50 and p99, against the project's size.
func writeWritesSVG(w io.Writer, pts []writePoint) {
	rate := series{name: "writes/s", color: "#1f77b4"}
	limit := series{name: "one raw SQLite writer (limit)", color: "#7f7f7f"}
	p50 := series{name: "create p50", color: "#2ca02c"}
	p99 := series{name: "create p99", color: "#d62728"}
	for _, p := range pts {
		rate.x, rate.y = append(rate.x, p.base), append(rate.y, p.rate)
		limit.x, limit.y = append(limit.x, p.base), append(limit.y, p.limit)
		p50.x, p50.y = append(p50.x, p.base), append(p50.y, p.p50)
		p99.x, p99.y = append(p99.x, p.base), append(p99.y, p.p99)
	}
	const xlabel = "annotations in the project at the start"
	fmt.Fprintln(w, `<svg xmlns="http://www.w3.org/2000/svg" width="960" height="400" font-family="sans-serif" font-size="12">`)
	fmt.Fprintln(w, `<rect width="960" height="400" fill="white"/>`)
	chart(w, 0, "writes/s", xlabel, []series{rate, limit})
	chart(w, 480, "ms", xlabel, []series{p50, p99})
	fmt.Fprintln(w, `</svg>`)
}

// series is one line of a chart.
type series struct {
	name, color string
	x, y        []float64
}

// writeGrowthSVG draws two log-log charts side by side: annotations/s and
// server peak RSS against the corpus size.
func writeGrowthSVG(w io.Writer, pts []growthPoint) {
	var rate, limit, rss series
	rate = series{name: "StreamCorpus", color: "#1f77b4"}
	limit = series{name: "plain SQLite scan (limit)", color: "#7f7f7f"}
	rss = series{name: "server peak RSS", color: "#d62728"}
	for _, p := range pts {
		if p.hasRate {
			rate.x, rate.y = append(rate.x, p.anns), append(rate.y, p.rate)
			limit.x, limit.y = append(limit.x, p.anns), append(limit.y, p.limit)
		}
		if p.hasRSS {
			rss.x, rss.y = append(rss.x, p.anns), append(rss.y, p.rss)
		}
	}
	fmt.Fprintln(w, `<svg xmlns="http://www.w3.org/2000/svg" width="960" height="400" font-family="sans-serif" font-size="12">`)
	fmt.Fprintln(w, `<rect width="960" height="400" fill="white"/>`)
	chart(w, 0, "annotations/s", corpusAxis, []series{rate, limit})
	chart(w, 480, "MB", corpusAxis, []series{rss})
	fmt.Fprintln(w, `</svg>`)
}

// corpusAxis is the stream charts' horizontal axis.
const corpusAxis = "annotations in the corpus"

// chart draws one log-log chart at horizontal offset x0.
func chart(w io.Writer, x0 float64, unit, xlabel string, ss []series) {
	const left, top, width, height = 70.0, 30.0, 380.0, 300.0
	var xs, ys []float64
	for _, s := range ss {
		xs = append(xs, s.x...)
		ys = append(ys, s.y...)
	}
	if len(xs) == 0 {
		return
	}
	xlo, xhi := decades(xs)
	ylo, yhi := decades(ys)
	px := func(v float64) float64 {
		return x0 + left + (math.Log10(v)-xlo)/(xhi-xlo)*width
	}
	py := func(v float64) float64 { return top + height - (math.Log10(v)-ylo)/(yhi-ylo)*height }
	for d := xlo; d <= xhi; d++ {
		x := px(math.Pow(10, d))
		fmt.Fprintf(w, `<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="#ddd"/>`+"\n", x, top, x, top+height)
		fmt.Fprintf(w, `<text x="%.1f" y="%.1f" text-anchor="middle">%s</text>`+"\n", x, top+height+16, shortNum(math.Pow(10, d)))
	}
	for d := ylo; d <= yhi; d++ {
		y := py(math.Pow(10, d))
		fmt.Fprintf(w, `<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="#ddd"/>`+"\n", x0+left, y, x0+left+width, y)
		fmt.Fprintf(w, `<text x="%.1f" y="%.1f" text-anchor="end">%s</text>`+"\n", x0+left-6, y+4, shortNum(math.Pow(10, d)))
	}
	fmt.Fprintf(w, `<text x="%.1f" y="%.1f" text-anchor="middle">%s</text>`+"\n", x0+left+width/2, top+height+34, xlabel)
	fmt.Fprintf(w, `<text x="%.1f" y="%.1f">%s</text>`+"\n", x0+10, top-12, unit)
	// The legend goes to the right, at the bottom, under the lines,
	// unless a line ends in the lower half; then at the top.
	legendTop := false
	for _, s := range ss {
		if n := len(s.y); n > 0 && py(s.y[n-1]) > top+height/2 {
			legendTop = true
		}
	}
	for k, s := range ss {
		var pts []string
		for i := range s.x {
			pts = append(pts, fmt.Sprintf("%.1f,%.1f", px(s.x[i]), py(s.y[i])))
			fmt.Fprintf(w, `<circle cx="%.1f" cy="%.1f" r="3" fill="%s"/>`+"\n", px(s.x[i]), py(s.y[i]), s.color)
		}
		fmt.Fprintf(w, `<polyline points="%s" fill="none" stroke="%s" stroke-width="2"/>`+"\n", strings.Join(pts, " "), s.color)
		y := top + height - 10 - 16*float64(len(ss)-1-k)
		if legendTop {
			y = top + 20 + 16*float64(k)
		}
		fmt.Fprintf(w, `<text x="%.1f" y="%.1f" fill="%s" text-anchor="end">%s</text>`+"\n", x0+left+width-10, y, s.color, s.name)
	}
}

// decades returns the powers of ten around the values, as exponents.
func decades(vs []float64) (lo, hi float64) {
	lo, hi = math.Inf(1), math.Inf(-1)
	for _, v := range vs {
		if v > 0 {
			lo, hi = math.Min(lo, math.Log10(v)), math.Max(hi, math.Log10(v))
		}
	}
	// A value just past a power of ten (1,000,048 annotations) does not
	// open a decade of its own.
	lo, hi = math.Floor(lo+1e-3), math.Ceil(hi-1e-3)
	if hi <= lo {
		hi = lo + 1
	}
	return lo, hi
}

// shortNum writes a power of ten for an axis: 1k, 10M, 0.1.
func shortNum(v float64) string {
	for _, u := range []struct {
		f float64
		s string
	}{{1e9, "G"}, {1e6, "M"}, {1e3, "k"}} {
		if v >= u.f {
			return strconv.FormatFloat(v/u.f, 'g', -1, 64) + u.s
		}
	}
	return strconv.FormatFloat(v, 'g', -1, 64)
}
