package main

import (
	"bufio"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// poolStats are the database pool's wait counters from Backbone's /metrics
// (database/sql's statistics): how often a request waited for a free connection, and
// how long in all.
type poolStats struct {
	waits   float64
	waitSum float64 // seconds
	found   bool    // false for a server without them (built before they were exported)
}

// readPool reads the pool's counters from a /metrics URL; a target without one has none.
func readPool(url string) (poolStats, error) {
	var p poolStats
	if url == "" {
		return p, nil
	}
	resp, err := http.Get(url)
	if err != nil {
		return p, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return p, fmt.Errorf("GET %s: %s", url, resp.Status)
	}
	found := 0
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		name, value, ok := strings.Cut(sc.Text(), " ")
		var into *float64
		switch name {
		case `go_sql_wait_count_total{db_name="main"}`:
			into = &p.waits
		case `go_sql_wait_duration_seconds_total{db_name="main"}`:
			into = &p.waitSum
		}
		if !ok || into == nil {
			continue
		}
		if *into, err = strconv.ParseFloat(value, 64); err != nil {
			return p, fmt.Errorf("%s: %w", name, err)
		}
		found++
	}
	if err := sc.Err(); err != nil {
		return p, err
	}
	p.found = found == 2
	return p, nil
}

// since describes the waits between before and p over requests: waits per request and
// the mean wait.
func (p poolStats) since(before poolStats, requests int64) string {
	if !p.found {
		return "  pool waits n/a"
	}
	waits := p.waits - before.waits
	mean := time.Duration(0)
	if waits > 0 {
		mean = time.Duration((p.waitSum - before.waitSum) / waits * float64(time.Second))
	}
	return fmt.Sprintf("  pool waits/req %.2f mean %s", waits/float64(requests), mean.Round(10*time.Microsecond))
}
