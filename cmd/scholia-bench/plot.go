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

// The plot mode draws how the stream's figures grow with the corpus, on
// log-log axes, from the JSON reports of stream runs of several sizes:
//
//	go run ./cmd/scholia-bench plot --out docs/growth.svg run-10k.json run-100k.json run-1m.json
//
// Each report gives two points: the rate of scholia and of the raw scan
// for its corpus, and the server's peak RSS.

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
	out := fs.String("out", "growth.svg", "the SVG `file` to write")
	fs.Parse(args)
	merged := map[float64]growthPoint{}
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
	if len(pts) == 0 {
		fmt.Fprintln(os.Stderr, "scholia-bench plot: no stream figures in the reports")
		return 1
	}
	f, err := os.Create(*out)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	writeGrowthSVG(f, pts)
	if err := f.Close(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	return 0
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
	chart(w, 0, "annotations/s", []series{rate, limit})
	chart(w, 480, "MB", []series{rss})
	fmt.Fprintln(w, `</svg>`)
}

// chart draws one log-log chart at horizontal offset x0.
func chart(w io.Writer, x0 float64, unit string, ss []series) {
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
	fmt.Fprintf(w, `<text x="%.1f" y="%.1f" text-anchor="middle">annotations in the corpus</text>`+"\n", x0+left+width/2, top+height+34)
	fmt.Fprintf(w, `<text x="%.1f" y="%.1f">%s</text>`+"\n", x0+10, top-12, unit)
	for k, s := range ss {
		var pts []string
		for i := range s.x {
			pts = append(pts, fmt.Sprintf("%.1f,%.1f", px(s.x[i]), py(s.y[i])))
			fmt.Fprintf(w, `<circle cx="%.1f" cy="%.1f" r="3" fill="%s"/>`+"\n", px(s.x[i]), py(s.y[i]), s.color)
		}
		fmt.Fprintf(w, `<polyline points="%s" fill="none" stroke="%s" stroke-width="2"/>`+"\n", strings.Join(pts, " "), s.color)
		// The legend goes to the bottom right, under the lines, which
		// run high on these charts.
		fmt.Fprintf(w, `<text x="%.1f" y="%.1f" fill="%s" text-anchor="end">%s</text>`+"\n",
			x0+left+width-10, top+height-10-16*float64(len(ss)-1-k), s.color, s.name)
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
	lo, hi = math.Floor(lo), math.Ceil(hi)
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
