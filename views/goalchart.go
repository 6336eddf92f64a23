package views

import (
	"fmt"
	"html/template"
	"strings"
	"time"
)

// ChartPoint is one moment of a goal's history for its progress chart: how many milestones
// were done after it, and whether the member started again there.
type ChartPoint struct {
	At      time.Time
	Done    int
	Restart bool
}

// Chart geometry, in SVG user units; the chart scales to its container (viewBox).
const (
	chartW, chartH             = 640, 220
	chartLeft, chartRight      = 44, 16
	chartTop, chartBottom      = 16, 36
	chartPlotW, chartPlotH     = chartW - chartLeft - chartRight, chartH - chartTop - chartBottom
	chartMaxLabelledRestarts   = 20
	chartDateLayout            = "2 Jan 2006"
	chartNoProgressDescription = "No progress recorded yet."
)

// GoalChart draws a goal's progress as an SVG on the server: milestones done over time as
// a step line, a dot for each change, and each restart as a dashed vertical line. It has a
// title and a description for screen readers (the page puts the same data in a table
// beside it), uses no script and no style attribute, and costs O(points).
// id makes the element ids unique on the page; total is the goal's milestone count.
func GoalChart(id int64, title string, total int, pts []ChartPoint) template.HTML {
	var b strings.Builder
	tid, did := fmt.Sprintf("chart-%d-title", id), fmt.Sprintf("chart-%d-desc", id)
	maxY := total
	restarts := 0
	for _, p := range pts {
		if p.Done > maxY {
			maxY = p.Done
		}
		if p.Restart {
			restarts++
		}
	}
	if maxY < 1 {
		maxY = 1
	}
	desc := chartNoProgressDescription
	if len(pts) > 0 {
		last := pts[len(pts)-1]
		desc = fmt.Sprintf("From %s to %s: %d of %d milestones done", pts[0].At.UTC().Format(chartDateLayout),
			last.At.UTC().Format(chartDateLayout), last.Done, total)
		switch restarts {
		case 0:
			desc += "."
		case 1:
			desc += "; started again once."
		default:
			desc += fmt.Sprintf("; started again %d times.", restarts)
		}
	}
	fmt.Fprintf(&b, `<svg class="goal-chart" viewBox="0 0 %d %d" role="img" aria-labelledby="%s %s" xmlns="http://www.w3.org/2000/svg">`, chartW, chartH, tid, did)
	fmt.Fprintf(&b, `<title id="%s">%s</title><desc id="%s">%s</desc>`, tid, template.HTMLEscapeString("Progress of "+title), did, template.HTMLEscapeString(desc))
	// Axes and a grid line per milestone (at most 10 labels).
	fmt.Fprintf(&b, `<g class="chart-axes" stroke="currentColor" stroke-width="1" fill="none"><path d="M%d %dV%dH%d"/></g>`,
		chartLeft, chartTop, chartTop+chartPlotH, chartLeft+chartPlotW)
	step := 1
	if maxY > 10 {
		step = (maxY + 9) / 10
	}
	b.WriteString(`<g class="chart-labels" fill="currentColor" font-size="12">`)
	for v := 0; v <= maxY; v += step {
		fmt.Fprintf(&b, `<text x="%d" y="%.1f" text-anchor="end">%d</text>`, chartLeft-6, y(v, maxY)+4, v)
	}
	if len(pts) > 0 {
		fmt.Fprintf(&b, `<text x="%d" y="%d">%s</text>`, chartLeft, chartH-12, pts[0].At.UTC().Format(chartDateLayout))
		fmt.Fprintf(&b, `<text x="%d" y="%d" text-anchor="end">%s</text>`, chartLeft+chartPlotW, chartH-12, pts[len(pts)-1].At.UTC().Format(chartDateLayout))
	} else {
		fmt.Fprintf(&b, `<text x="%d" y="%d" text-anchor="middle">%s</text>`, chartLeft+chartPlotW/2, chartTop+chartPlotH/2, chartNoProgressDescription)
	}
	b.WriteString(`</g>`)
	if len(pts) == 0 {
		b.WriteString(`</svg>`)
		return template.HTML(b.String()) // built from escaped text and numbers only
	}
	t0, t1 := pts[0].At, pts[len(pts)-1].At
	x := func(t time.Time) float64 {
		if !t1.After(t0) {
			return chartLeft + chartPlotW/2
		}
		return chartLeft + float64(chartPlotW)*float64(t.Sub(t0))/float64(t1.Sub(t0))
	}
	// Restarts first, under the line.
	labelled := 0
	for _, p := range pts {
		if !p.Restart {
			continue
		}
		px := x(p.At)
		fmt.Fprintf(&b, `<g class="chart-restart"><line x1="%.1f" y1="%d" x2="%.1f" y2="%d" stroke="currentColor" stroke-dasharray="4 3"/>`,
			px, chartTop, px, chartTop+chartPlotH)
		if labelled < chartMaxLabelledRestarts {
			fmt.Fprintf(&b, `<text x="%.1f" y="%d" font-size="11" fill="currentColor">restart</text>`, px+3, chartTop+10)
			labelled++
		}
		b.WriteString(`</g>`)
	}
	// The step line.
	b.WriteString(`<path class="chart-line" fill="none" stroke="currentColor" stroke-width="2" d="`)
	for i, p := range pts {
		px, py := x(p.At), y(p.Done, maxY)
		if i == 0 {
			fmt.Fprintf(&b, "M%.1f %.1f", px, py)
			continue
		}
		fmt.Fprintf(&b, "H%.1fV%.1f", px, py)
	}
	b.WriteString(`"/>`)
	// Dots, only while there are few enough to tell apart.
	if len(pts) <= 60 {
		b.WriteString(`<g class="chart-dots" fill="currentColor">`)
		for _, p := range pts {
			fmt.Fprintf(&b, `<circle cx="%.1f" cy="%.1f" r="3"/>`, x(p.At), y(p.Done, maxY))
		}
		b.WriteString(`</g>`)
	}
	b.WriteString(`</svg>`)
	return template.HTML(b.String()) // built from escaped text and numbers only
}

func y(v, maxY int) float64 {
	return chartTop + float64(chartPlotH) - float64(chartPlotH)*float64(v)/float64(maxY)
}
