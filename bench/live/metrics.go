package main

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Metrics read from the server's /metrics (Go collector). heap_inuse counts heap spans in
// use: live objects, their fragmentation and garbage not yet collected, without the freed
// memory RSS may still hold.
const (
	heapMetric      = "go_memstats_heap_inuse_bytes"
	goroutineMetric = "go_goroutines"
)

// runtimeSample is one scrape; a field is NaN when /metrics or the metric is missing.
type runtimeSample struct {
	HeapInuse  float64
	Goroutines float64
}

// scrapeRuntime reads heapMetric and goroutineMetric from base/metrics.
func scrapeRuntime(ctx context.Context, base string) runtimeSample {
	s := runtimeSample{HeapInuse: math.NaN(), Goroutines: math.NaN()}
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+"/metrics", nil)
	if err != nil {
		return s
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return s
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return s
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, 4<<20))
	if err != nil {
		return s
	}
	if v, err := promValue(bytes.NewReader(body), heapMetric); err == nil {
		s.HeapInuse = v
	}
	if v, err := promValue(bytes.NewReader(body), goroutineMetric); err == nil {
		s.Goroutines = v
	}
	return s
}

// promValue finds an unlabelled sample of name in Prometheus text exposition.
func promValue(r io.Reader, name string) (float64, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		rest, ok := strings.CutPrefix(line, name)
		if !ok || !strings.HasPrefix(rest, " ") {
			continue // a comment, another metric, or one whose name merely starts with name
		}
		f := strings.Fields(rest)
		return strconv.ParseFloat(f[0], 64)
	}
	if err := sc.Err(); err != nil {
		return 0, err
	}
	return 0, fmt.Errorf("metric %s not found", name)
}
