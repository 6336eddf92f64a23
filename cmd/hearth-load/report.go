package main

import (
	"fmt"
	"io"
	"math"
	"slices"
	"sort"
	"strings"
	"text/tabwriter"
)

// metric is one row of the summary table.
type metric struct {
	key    string // JSON key of the median
	label  string
	target string // the target for Hearth, if any
	better int    // +1 when higher is better, -1 when lower is; sets the ratio's direction
	get    func(Result) (float64, bool)
}

func fan(f func(*phase) float64) func(Result) (float64, bool) {
	return func(r Result) (float64, bool) {
		if r.Fanout == nil {
			return 0, false
		}
		return f(r.Fanout), true
	}
}

// split is a percentile of one part of a multi-node lane's latency.
func split(f func(*phase) *Percentiles, q int) func(Result) (float64, bool) {
	return func(r Result) (float64, bool) {
		if r.Fanout == nil || f(r.Fanout) == nil {
			return 0, false
		}
		if q == 50 {
			return f(r.Fanout).P50, true
		}
		return f(r.Fanout).P99, true
	}
}

// dbFan is a fan-out figure of a lane whose database runs apart (the cluster's PostgreSQL).
func dbFan(f func(*phase) float64) func(Result) (float64, bool) {
	return func(r Result) (float64, bool) {
		if r.Fanout == nil || !r.Fanout.DBMeasured {
			return 0, false
		}
		return f(r.Fanout), true
	}
}

func pg(f func(*pageResult) float64) func(Result) (float64, bool) {
	return func(r Result) (float64, bool) {
		if r.Page == nil {
			return 0, false
		}
		return f(r.Page), true
	}
}

func always(f func(Result) float64) func(Result) (float64, bool) {
	return func(r Result) (float64, bool) { return f(r), true }
}

func metrics(mode string) []metric {
	perConn := metric{"rss_per_conn_kb", "server RSS per connection (KB)", "", -1, always(func(r Result) float64 { return r.RSSPerConn / 1024 })}
	switch mode {
	case "fanout":
		return []metric{
			{"deliveries_per_s", "deliveries/s", "", +1, fan(func(p *phase) float64 { return p.DeliveriesPerSec })},
			{"p50_ms", "latency p50 (ms)", "<= 5", -1, fan(func(p *phase) float64 { return p.Latency.P50 })},
			{"p95_ms", "latency p95 (ms)", "", -1, fan(func(p *phase) float64 { return p.Latency.P95 })},
			{"p99_ms", "latency p99 (ms)", "<= 50", -1, fan(func(p *phase) float64 { return p.Latency.P99 })},
			{"max_ms", "latency max (ms)", "", -1, fan(func(p *phase) float64 { return p.Latency.Max })},
			{"same_node_p50_ms", "latency p50, sender on the same node (ms)", "", -1, split(func(p *phase) *Percentiles { return p.LatencySameNode }, 50)},
			{"same_node_p99_ms", "latency p99, sender on the same node (ms)", "", -1, split(func(p *phase) *Percentiles { return p.LatencySameNode }, 99)},
			{"other_node_p50_ms", "latency p50, sender on another node (ms)", "", -1, split(func(p *phase) *Percentiles { return p.LatencyOtherNode }, 50)},
			{"other_node_p99_ms", "latency p99, sender on another node (ms)", "", -1, split(func(p *phase) *Percentiles { return p.LatencyOtherNode }, 99)},
			{"send_lag_p50_ms", "tool send lag p50 (ms, part of latency)", "", -1, fan(func(p *phase) float64 { return p.SendLag.P50 })},
			{"send_lag_p99_ms", "tool send lag p99 (ms, part of latency)", "", -1, fan(func(p *phase) float64 { return p.SendLag.P99 })},
			{"lost", "lost", "0", -1, fan(func(p *phase) float64 { return float64(p.Lost) })},
			{"duplicates", "duplicated", "0", -1, fan(func(p *phase) float64 { return float64(p.Dups) })},
			{"unsent", "unsent (tool overloaded)", "0", -1, fan(func(p *phase) float64 { return float64(p.Unsent) })},
			{"deliveries_per_frame", "messages per websocket frame", "", +1, fan(func(p *phase) float64 { return p.MsgsPerFrame })},
			{"cpu_us_per_delivery", "server CPU µs/delivery", "", -1, fan(func(p *phase) float64 { return p.CPUPerDelivUS })},
			{"server_cpu_cores", "server CPU (cores busy)", "", -1, fan(func(p *phase) float64 { return p.CPUSeconds / p.Seconds })},
			{"db_cpu_us_per_delivery", "PostgreSQL CPU µs/delivery (all its processes)", "", -1, dbFan(func(p *phase) float64 { return p.DBCPUPerDelUS })},
			{"server_db_cpu_us_per_delivery", "server + PostgreSQL CPU µs/delivery", "", -1, dbFan(func(p *phase) float64 { return p.CPUPerDelivUS + p.DBCPUPerDelUS })},
			{"tool_cpu_cores", "tool CPU (cores busy)", "", -1, fan(func(p *phase) float64 { return p.ToolCPUSeconds / p.Seconds })},
			{"other_cpu_cores", "other processes' CPU (cores busy)", "", -1, fan(func(p *phase) float64 { return p.OtherCPUSeconds / p.Seconds })},
			perConn,
			{"reconnects", "reconnects", "", -1, always(func(r Result) float64 { return float64(r.Reconnects) })},
		}
	case "saturate":
		return []metric{
			{"sat_msgs_per_s", "highest rate with p99 ok (msg/s in)", "", +1, always(func(r Result) float64 { return r.SatRate })},
			{"sat_deliveries_per_s", "saturation throughput (deliveries/s)", ">= 0.8x baseline", +1, always(func(r Result) float64 { return r.SatDeliveries })},
			{"steps", "steps run", "", 0, always(func(r Result) float64 { return float64(len(r.Steps)) })},
		}
	case "idle":
		return []metric{
			{"conns", "connections", "", 0, always(func(r Result) float64 { return float64(r.Conns) })},
			{"rss_per_conn_kb", "server RSS per idle connection (KB)", "<= 25", -1, always(func(r Result) float64 { return r.RSSPerConn / 1024 })},
			{"rss_after_mb", "server RSS total (MB)", "", -1, always(func(r Result) float64 { return float64(r.RSSAfter) / (1 << 20) })},
		}
	case "page":
		return []metric{
			{"req_per_s", "group page req/s", ">= 5000", +1, pg(func(p *pageResult) float64 { return p.ReqPerSec })},
			{"p50_ms", "latency p50 (ms)", "", -1, pg(func(p *pageResult) float64 { return p.Latency.P50 })},
			{"p99_ms", "latency p99 (ms)", "<= 20", -1, pg(func(p *pageResult) float64 { return p.Latency.P99 })},
			{"max_ms", "latency max (ms)", "", -1, pg(func(p *pageResult) float64 { return p.Latency.Max })},
			{"errors", "errors", "0", -1, pg(func(p *pageResult) float64 { return float64(p.Errors) })},
			{"cpu_us_per_req", "server CPU µs/request", "", -1, pg(func(p *pageResult) float64 { return p.CPUPerReq })},
			{"tool_cpu_cores", "tool CPU (cores busy)", "", -1, pg(func(p *pageResult) float64 { return p.ToolCores })},
			{"body_kb", "page size (KB)", "", 0, pg(func(p *pageResult) float64 { return float64(p.BodyBytes) / 1024 })},
		}
	}
	return nil
}

func median(v []float64) float64 {
	if len(v) == 0 {
		return math.NaN()
	}
	s := append([]float64(nil), v...)
	sort.Float64s(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

func medians(mode string, runs map[string][]Result) map[string]map[string]float64 {
	out := map[string]map[string]float64{}
	for lane, rs := range runs {
		m := map[string]float64{}
		for _, mt := range metrics(mode) {
			var vals []float64
			for _, r := range rs {
				if v, ok := mt.get(r); ok {
					vals = append(vals, v)
				}
			}
			if len(vals) > 0 {
				m[mt.key] = median(vals)
			}
		}
		out[lane] = m
	}
	return out
}

func printTable(w io.Writer, cfg config, rep report) {
	runs := ""
	if cfg.Runs > 1 {
		runs = fmt.Sprintf(", median of %d runs", cfg.Runs)
	}
	switch cfg.Mode {
	case "fanout":
		fmt.Fprintf(w, "\nfan-out: %d groups × %d members, %.0f msg/s in for %s (first %s not measured)%s\n",
			cfg.Groups, cfg.PerGroup, cfg.Rate, cfg.Duration, cfg.Warmup, runs)
	case "saturate":
		fmt.Fprintf(w, "\nsaturation: %d groups × %d members, rate from %.0f ×%.2f per %s step until p99 > %s%s\n",
			cfg.Groups, cfg.PerGroup, cfg.SatStart, cfg.SatFactor, cfg.SatStep, cfg.SatP99, runs)
	case "idle":
		fmt.Fprintf(w, "\nidle connections: %d in %d groups%s\n", cfg.Groups*cfg.PerGroup, cfg.Groups, runs)
	case "page":
		if cfg.PagePath != "" {
			fmt.Fprintf(w, "\n%s, logged in, %d connections for %s%s (req/s row: this page; target is the group page's)\n",
				cfg.PagePath, cfg.PageConns, cfg.PageDuration, runs)
			break
		}
		fmt.Fprintf(w, "\ngroup page, logged in, %d messages of history, %d connections for %s%s\n",
			cfg.History, cfg.PageConns, cfg.PageDuration, runs)
	}
	if slices.Contains(cfg.Lanes, "cluster") {
		fmt.Fprintf(w, "cluster: %d Hearth nodes on PostgreSQL and NATS, connections round robin over the nodes; hearth: one node on SQLite\n", cfg.Nodes)
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	hdr := []string{"metric"}
	hdr = append(hdr, cfg.Lanes...)
	// Ratio columns: Hearth against the baseline, and the cluster against one Hearth node.
	var ratios [][2]string
	for _, pair := range [][2]string{{"hearth", "baseline"}, {"cluster", "hearth"}} {
		if slices.Contains(cfg.Lanes, pair[0]) && slices.Contains(cfg.Lanes, pair[1]) {
			ratios = append(ratios, pair)
			hdr = append(hdr, pair[0]+"/"+pair[1])
		}
	}
	hdr = append(hdr, "target")
	fmt.Fprintln(tw, strings.Join(hdr, "\t")+"\t")
	for _, mt := range metrics(cfg.Mode) {
		row := []string{mt.label}
		for _, l := range cfg.Lanes {
			v, ok := rep.Medians[l][mt.key]
			row = append(row, fmtVal(v, ok))
		}
		for _, pair := range ratios {
			h, ok1 := rep.Medians[pair[0]][mt.key]
			b, ok2 := rep.Medians[pair[1]][mt.key]
			if ok1 && ok2 && b != 0 && mt.better != 0 {
				row = append(row, fmt.Sprintf("%.2fx", h/b))
			} else {
				row = append(row, "-")
			}
		}
		row = append(row, mt.target)
		fmt.Fprintln(tw, strings.Join(row, "\t")+"\t")
	}
	tw.Flush()
	for lane, rs := range rep.Runs {
		for i, r := range rs {
			if r.LastConnError != "" {
				fmt.Fprintf(w, "%s run %d: %d reconnects, last connection error: %s\n", lane, i+1, r.Reconnects, r.LastConnError)
			}
			if r.ForeignGroup > 0 {
				fmt.Fprintf(w, "%s run %d: %d messages arrived in the wrong group\n", lane, i+1, r.ForeignGroup)
			}
		}
	}
}

func fmtVal(v float64, ok bool) string {
	switch {
	case !ok || math.IsNaN(v):
		return "-"
	case v == math.Trunc(v) && math.Abs(v) < 1e9:
		return fmt.Sprintf("%.0f", v)
	case math.Abs(v) >= 100:
		return fmt.Sprintf("%.0f", v)
	case math.Abs(v) >= 10:
		return fmt.Sprintf("%.1f", v)
	default:
		return fmt.Sprintf("%.2f", v)
	}
}
