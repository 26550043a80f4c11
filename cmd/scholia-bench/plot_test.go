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
