package main

import (
	"bufio"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// counters are what a run reads from Backbone's /metrics before and after it: the
// database pool's waits (database/sql's statistics: how often a request waited for a free
// connection, and how long in all), and the Go runtime's allocation and collections.
type counters struct {
	waits, waitSeconds float64
	allocBytes, gcs    float64
	found              bool // false for a server without the pool's (built before they were exported)
}

// counterNames are the series read, each into its field.
var counterNames = map[string]func(*counters) *float64{
	`go_sql_wait_count_total{db_name="main"}`:            func(c *counters) *float64 { return &c.waits },
	`go_sql_wait_duration_seconds_total{db_name="main"}`: func(c *counters) *float64 { return &c.waitSeconds },
	`go_memstats_alloc_bytes_total`:                      func(c *counters) *float64 { return &c.allocBytes },
	`go_gc_duration_seconds_count`:                       func(c *counters) *float64 { return &c.gcs },
}

// readCounters reads the counters from a /metrics URL; a target without one has none.
func readCounters(url string) (counters, error) {
	var c counters
	if url == "" {
		return c, nil
	}
	resp, err := http.Get(url)
	if err != nil {
		return c, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return c, fmt.Errorf("GET %s: %s", url, resp.Status)
	}
	found := 0
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		name, value, ok := strings.Cut(sc.Text(), " ")
		field, known := counterNames[name]
		if !ok || !known {
			continue
		}
		if *field(&c), err = strconv.ParseFloat(value, 64); err != nil {
			return c, fmt.Errorf("%s: %w", name, err)
		}
		found++
	}
	if err := sc.Err(); err != nil {
		return c, err
	}
	c.found = found == len(counterNames)
	return c, nil
}

// since describes the run between before and c, over requests in d: the pool's waits per
// request and their mean, the bytes allocated per request and the collections a second.
func (c counters) since(before counters, requests int64, d time.Duration) string {
	if !c.found {
		return "  (no pool counters)"
	}
	waits := c.waits - before.waits
	mean := time.Duration(0)
	if waits > 0 {
		mean = time.Duration((c.waitSeconds - before.waitSeconds) / waits * float64(time.Second))
	}
	return fmt.Sprintf("  pool waits/req %.2f mean %s  alloc/req %.0f KB  GC/s %.1f",
		waits/float64(requests), mean.Round(10*time.Microsecond),
		(c.allocBytes-before.allocBytes)/float64(requests)/1024, (c.gcs-before.gcs)/d.Seconds())
}
