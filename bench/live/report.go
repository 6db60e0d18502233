package main

import (
	"fmt"
	"io"
	"math"
	"slices"
	"time"
)

// result is the outcome of one run at one subscriber count.
type result struct {
	Subscribers int
	Events      int
	Delivered   int64
	Lost        int64
	Dups        int64
	Foreign     int64
	Warm        int64

	P50, P99, Max time.Duration

	CPUPerEvent time.Duration // server CPU over the firing window / delivered
	CPUWindow   time.Duration // server CPU over the firing window
	SysWindow   time.Duration // the part of it spent in the kernel
	// ClientCPUWindow is this tool's CPU over the firing window: the cores it took from the server.
	ClientCPUWindow time.Duration
	Window          time.Duration // wall time from the first publish to the last delivery (or the drain timeout)
	IdleCPURate     float64       // server CPU seconds per second while idle with every subscription open
	IdleRSSKiB      int64         // before any connection
	SubRSSKiB       int64         // with every subscription open, settled
	KiBPerSub       float64       // (SubRSSKiB - IdleRSSKiB) / N
	HeapPerSubKiB   float64       // from go_memstats_heap_inuse_bytes; NaN when /metrics lacks it

	GoroutinesPerSub float64 // from go_goroutines; NaN when /metrics lacks it
}

// percentile is the nearest-rank percentile p (0..100] of sorted values; 0 for none.
func percentile(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	rank := int(math.Ceil(p / 100 * float64(len(sorted))))
	return sorted[min(max(rank, 1), len(sorted))-1]
}

// summarize sorts lat and fills the latency figures of r.
func (r *result) summarize(lat []time.Duration) {
	slices.Sort(lat)
	r.P50, r.P99 = percentile(lat, 50), percentile(lat, 99)
	if len(lat) > 0 {
		r.Max = lat[len(lat)-1]
	}
}

// Targets of issue #6.
const (
	targetCPUPerEvent = 15 * time.Microsecond
	targetKiBPerSub   = 32.0
)

// targetP99 is the latency bound at n subscribers: 150 ms up to 5,000, 300 ms above.
func targetP99(n int) time.Duration {
	if n <= 5000 {
		return 150 * time.Millisecond
	}
	return 300 * time.Millisecond
}

// check is one target and whether the run met it.
type check struct {
	Name string
	Got  string
	Want string
	Pass bool
}

func (r result) checks() []check {
	return []check{
		{"lost events", fmt.Sprint(r.Lost), "0", r.Lost == 0},
		{"latency p99", ms(r.P99), "<= " + ms(targetP99(r.Subscribers)), r.Delivered > 0 && r.P99 <= targetP99(r.Subscribers)},
		{"server CPU per delivered event", us(r.CPUPerEvent), "<= " + us(targetCPUPerEvent), r.Delivered > 0 && r.CPUPerEvent <= targetCPUPerEvent},
		{"server memory per idle subscription", fmt.Sprintf("%.1f KiB", r.KiBPerSub), fmt.Sprintf("<= %.0f KiB", targetKiBPerSub), r.KiBPerSub <= targetKiBPerSub},
	}
}

// passed reports whether every target was met.
func (r result) passed() bool {
	for _, c := range r.checks() {
		if !c.Pass {
			return false
		}
	}
	return true
}

func (r result) print(w io.Writer) {
	fmt.Fprintf(w, "  subscribers            %d\n", r.Subscribers)
	fmt.Fprintf(w, "  events                 %d (plus 1 warm-up, reached by %d of %d)\n", r.Events, r.Warm, r.Subscribers)
	fmt.Fprintf(w, "  delivered              %d of %d\n", r.Delivered, int64(r.Subscribers)*int64(r.Events))
	fmt.Fprintf(w, "  lost                   %d\n", r.Lost)
	if r.Dups > 0 || r.Foreign > 0 {
		fmt.Fprintf(w, "  duplicates             %d; events from another publisher ignored: %d\n", r.Dups, r.Foreign)
	}
	fmt.Fprintf(w, "  latency p50/p99/max    %s / %s / %s\n", ms(r.P50), ms(r.P99), ms(r.Max))
	fmt.Fprintf(w, "  server CPU             %s over %s of firing = %s per delivered event (%s of it in the kernel)\n",
		r.CPUWindow.Round(time.Millisecond), r.Window.Round(time.Millisecond), us(r.CPUPerEvent), us(perEvent(r.SysWindow, r.Delivered)))
	fmt.Fprintf(w, "  this tool's CPU        %s over the same window (it shares the cores)\n", r.ClientCPUWindow.Round(time.Millisecond))
	fmt.Fprintf(w, "  server CPU when idle   %.1f ms/s with every subscription open\n", r.IdleCPURate*1000)
	fmt.Fprintf(w, "  server RSS             %d KiB idle -> %d KiB subscribed = %.1f KiB per idle subscription\n",
		r.IdleRSSKiB, r.SubRSSKiB, r.KiBPerSub)
	if math.IsNaN(r.HeapPerSubKiB) {
		fmt.Fprintf(w, "  server Go heap         (no %s in /metrics)\n", heapMetric)
	} else {
		fmt.Fprintf(w, "  server Go heap in use  %.1f KiB per idle subscription\n", r.HeapPerSubKiB)
	}
	if !math.IsNaN(r.GoroutinesPerSub) {
		fmt.Fprintf(w, "  server goroutines      %.2f per idle subscription\n", r.GoroutinesPerSub)
	}
	for _, c := range r.checks() {
		fmt.Fprintf(w, "  %-4s %-35s %s (target %s)\n", passFail(c.Pass), c.Name, c.Got, c.Want)
	}
}

// printSummary prints one line per subscriber count.
func printSummary(w io.Writer, results []result) {
	fmt.Fprintf(w, "\n%8s %6s %10s %8s %9s %9s %9s %10s %12s %12s  %s\n",
		"subs", "events", "delivered", "lost", "p50", "p99", "max", "CPU/event", "KiB/sub RSS", "KiB/sub heap", "targets")
	for _, r := range results {
		fmt.Fprintf(w, "%8d %6d %10d %8d %9s %9s %9s %10s %12.1f %12.1f  %s\n",
			r.Subscribers, r.Events, r.Delivered, r.Lost, ms(r.P50), ms(r.P99), ms(r.Max),
			us(r.CPUPerEvent), r.KiBPerSub, r.HeapPerSubKiB, passFail(r.passed()))
	}
}

func passFail(ok bool) string {
	if ok {
		return "PASS"
	}
	return "FAIL"
}

func ms(d time.Duration) string { return fmt.Sprintf("%.1fms", float64(d)/float64(time.Millisecond)) }
func us(d time.Duration) string { return fmt.Sprintf("%.1fµs", float64(d)/float64(time.Microsecond)) }

// perEvent divides d over n delivered events (0 when none was).
func perEvent(d time.Duration, n int64) time.Duration {
	if n <= 0 {
		return 0
	}
	return d / time.Duration(n)
}
