package views_test

import (
	"encoding/xml"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hearth-community/hearth/views"
)

var updateGolden = flag.Bool("update", false, "rewrite the golden files in testdata")

func chartHistory() []views.ChartPoint {
	t0 := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	day := 24 * time.Hour
	return []views.ChartPoint{
		{At: t0, Done: 0},
		{At: t0.Add(2 * day), Done: 1},
		{At: t0.Add(5 * day), Done: 2},
		{At: t0.Add(7 * day), Done: 2, Restart: true},
		{At: t0.Add(10 * day), Done: 3},
	}
}

// The chart of a fixed history, with a restart, matches the golden file byte for byte.
func TestGoalChartGolden(t *testing.T) {
	got := string(views.GoalChart(7, "Walk every morning <3", 4, chartHistory()))
	path := filepath.Join("testdata", "goal_chart.golden.svg")
	if *updateGolden {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("read golden (run with -update to create it): %v", err)
	}
	if got != string(want) {
		t.Errorf("chart differs from %s:\ngot:  %s\nwant: %s", path, got, want)
	}
	for _, must := range []string{`class="chart-restart"`, `<title id="chart-7-title">Progress of Walk every morning &lt;3</title>`,
		`started again once`, `3 of 4 milestones done`, `role="img"`} {
		if !strings.Contains(got, must) {
			t.Errorf("chart lacks %q", must)
		}
	}
}

// The chart is well-formed XML with a title and description for 0, 1 and 1,000 points.
func TestGoalChartSizes(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	many := make([]views.ChartPoint, 1000)
	for i := range many {
		many[i] = views.ChartPoint{At: t0.Add(time.Duration(i) * time.Hour), Done: i / 10, Restart: i%100 == 99}
	}
	for _, tc := range []struct {
		name string
		pts  []views.ChartPoint
		want string
	}{
		{"none", nil, "No progress recorded yet."},
		{"one", []views.ChartPoint{{At: t0, Done: 1}}, "1 of 3 milestones done."},
		{"thousand", many, "started again 10 times"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			svg := string(views.GoalChart(1, "A goal", 3, tc.pts))
			if err := xml.Unmarshal([]byte(svg), new(struct{})); err != nil {
				t.Fatalf("not well-formed XML: %v", err)
			}
			if !strings.Contains(svg, tc.want) || !strings.Contains(svg, "<title") || !strings.Contains(svg, "<desc") {
				t.Errorf("chart lacks %q, a title or a description: %.300s", tc.want, svg)
			}
			if strings.Contains(svg, "NaN") || strings.Contains(svg, "Inf") {
				t.Errorf("chart holds NaN or Inf")
			}
			if len(svg) > 64<<10 {
				t.Errorf("chart of %d points is %d bytes", len(tc.pts), len(svg))
			}
		})
	}
}
