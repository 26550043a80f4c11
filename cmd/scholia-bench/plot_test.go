package main

import (
	"fmt"
	"strings"
	"testing"
)

// TestGrowthPoints reads the stream rows of a report as benchStream writes
// them, and draws them.
func TestGrowthPoints(t *testing.T) {
	rep := report{Docs: 1000, AnnsDoc: 50, Rows: []row{
		{Scenario: "write", Figure: "annotations", Note: fmt.Sprintf(streamNote, 1, 1)},
		{Scenario: "stream", Figure: "annotations", Unit: "anns/s", Scholia: 300000, Limit: 600000, Note: fmt.Sprintf(streamNote, 1000, 56000)},
		{Scenario: "stream", Figure: fmt.Sprintf(rssFigure, 100), Unit: "MB", PeakRSS: 40},
		{Scenario: "stream", Figure: fmt.Sprintf(rssFigure, 1000), Unit: "MB", PeakRSS: 42},
	}}
	got := growthPoints(rep)
	want := []growthPoint{
		{anns: 56000, rate: 300000, limit: 600000, hasRate: true},
		{anns: 5600, rss: 40, hasRSS: true},
		{anns: 56000, rss: 42, hasRSS: true},
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("got %v\nwant %v", got, want)
	}
	var b strings.Builder
	writeGrowthSVG(&b, []growthPoint{{anns: 5600, rss: 40, hasRSS: true}, {anns: 56000, rate: 300000, limit: 600000, rss: 42, hasRate: true, hasRSS: true}})
	svg := b.String()
	for _, s := range []string{"<svg", "StreamCorpus", "plain SQLite scan", "server peak RSS", "<polyline", "</svg>"} {
		if !strings.Contains(svg, s) {
			t.Errorf("the chart has no %q", s)
		}
	}
}

// TestWritePoints reads the write rows of a report as benchWrite writes
// them, and draws them; a run on an empty project gives no point.
func TestWritePoints(t *testing.T) {
	rows := func(base int) []row {
		return []row{
			{Scenario: "write", Figure: writesFigure, Unit: "writes/s", Scholia: 4500, Limit: 4000, Note: fmt.Sprintf(writesNote, 64, mix(10), "15s", base, "an empty database")},
			{Scenario: "write", Figure: "CreateAnnotation/claim p50/p99/p99.9", Scholia: 40, Note: "p50 20.00 ms"},
			{Scenario: "write", Figure: createLatencies, Scholia: 28.5, Note: "CreateAnnotation/mention: 100 calls (10/s), p50 12.50 ms, p99 28.50 ms, p99.9 30.00 ms, 0 errors"},
		}
	}
	if got := writePoints(report{Rows: rows(0)}); len(got) != 0 {
		t.Errorf("an empty project gave %v", got)
	}
	got := writePoints(report{Rows: rows(1000056)})
	want := []writePoint{{base: 1000056, rate: 4500, limit: 4000, p50: 12.5, p99: 28.5}}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("got %v\nwant %v", got, want)
	}
	var b strings.Builder
	writeWritesSVG(&b, append(got, writePoint{base: 10024, rate: 4700, limit: 4200, p50: 12, p99: 27}))
	svg := b.String()
	for _, s := range []string{"<svg", "writes/s", "one raw SQLite writer", "create p99", "annotations in the project at the start", "<polyline", "</svg>"} {
		if !strings.Contains(svg, s) {
			t.Errorf("the chart has no %q", s)
		}
	}
}

// TestMedianPoint takes each figure's median over runs of the same size.
func TestMedianPoint(t *testing.T) {
	got := medianPoint([]writePoint{
		{base: 10, rate: 3000, limit: 5000, p50: 14, p99: 30},
		{base: 10, rate: 5000, limit: 4000, p50: 12, p99: 26},
		{base: 10, rate: 4000, limit: 3000, p50: 13, p99: 35},
	})
	if want := (writePoint{base: 10, rate: 4000, limit: 4000, p50: 13, p99: 30}); got != want {
		t.Errorf("got %v, want %v", got, want)
	}
	if got := medianPoint([]writePoint{{base: 1, rate: 1, p99: 10}, {base: 1, rate: 3, p99: 20}}); got.rate != 2 || got.p99 != 15 {
		t.Errorf("two runs: got %v, want rate 2 and p99 15", got)
	}
}
