package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// workload is one GraphQL request, as one caller sends it.
type workload struct {
	Name   string
	Query  string
	Bearer string
	// Check says what a correct answer's data holds (a request that errors is not counted
	// as served).
	Check func(data map[string]any) error
}

// result is what one load run measured.
type result struct {
	RPS       float64
	P50, P99  time.Duration
	Requests  int64
	Errors    int64 // socket errors and non-2xx answers
	CPUPerReq time.Duration
	// PGCPUPerReq is the CPU of every PostgreSQL process over the run per request: the
	// database's share of serving it (other databases on that server should be idle).
	PGCPUPerReq time.Duration
	Load        string // 1-minute load average when the run ended
	Server      string // from Backbone's /metrics over the run: its pool's waits, allocation, collections
}

// verify sends w once to url and checks the answer.
func verify(url string, w workload) error {
	body, _ := json.Marshal(map[string]string{"query": w.Query})
	req, _ := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	if w.Bearer != "" {
		req.Header.Set("Authorization", "Bearer "+w.Bearer)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var out struct {
		Data   map[string]any
		Errors []any
	}
	if err := json.Unmarshal(raw, &out); err != nil || len(out.Errors) > 0 || out.Data == nil {
		return fmt.Errorf("%s: HTTP %d %.300s", w.Name, resp.StatusCode, raw)
	}
	if w.Check != nil {
		if err := w.Check(out.Data); err != nil {
			return fmt.Errorf("%s: %w: %.300s", w.Name, err, raw)
		}
	}
	return nil
}

// wrkScript makes wrk send w as a POST.
func wrkScript(dir string, w workload) (string, error) {
	body, _ := json.Marshal(map[string]string{"query": w.Query})
	var b strings.Builder
	fmt.Fprintf(&b, "wrk.method = \"POST\"\nwrk.body = %s\nwrk.headers[\"Content-Type\"] = \"application/json\"\n", strconv.Quote(string(body)))
	if w.Bearer != "" {
		fmt.Fprintf(&b, "wrk.headers[\"Authorization\"] = %s\n", strconv.Quote("Bearer "+w.Bearer))
	}
	path := filepath.Join(dir, "wrk-"+w.Name+".lua")
	return path, os.WriteFile(path, []byte(b.String()), 0o644)
}

// run loads t with w through wrk for d at conns connections (2 threads) and measures the
// server's CPU over the run from /proc.
func run(ctx context.Context, dir string, t *target, w workload, conns int, d time.Duration) (result, error) {
	script, err := wrkScript(dir, w)
	if err != nil {
		return result{}, err
	}
	before, err := cpuTicks(t.pid())
	if err != nil {
		return result{}, err
	}
	pgBefore := postgresTicks()
	serverBefore, err := readCounters(t.Metrics)
	if err != nil {
		return result{}, err
	}
	cmd := exec.CommandContext(ctx, "wrk", "-t2", "-c"+strconv.Itoa(conns), "-d"+d.String(), "--latency", "-s", script, t.URL)
	out, err := cmd.CombinedOutput()
	if err != nil {
		return result{}, fmt.Errorf("wrk: %w\n%s", err, out)
	}
	after, err := cpuTicks(t.pid())
	if err != nil {
		return result{}, err
	}
	pgAfter := postgresTicks()
	r, err := parseWrk(out)
	if err != nil {
		return result{}, fmt.Errorf("%w\n%s", err, out)
	}
	serverAfter, err := readCounters(t.Metrics)
	if err != nil {
		return result{}, err
	}
	if r.Requests > 0 {
		r.CPUPerReq = time.Duration(after-before) * tick / time.Duration(r.Requests)
		r.PGCPUPerReq = time.Duration(postgresTicksSince(pgBefore, pgAfter)) * tick / time.Duration(r.Requests)
		if t.Metrics != "" {
			r.Server = serverAfter.since(serverBefore, r.Requests, d)
		}
	}
	r.Load = loadAverage()
	return r, nil
}

var (
	reRPS      = regexp.MustCompile(`Requests/sec:\s+([\d.]+)`)
	reTotal    = regexp.MustCompile(`(\d+) requests in`)
	reP50      = regexp.MustCompile(`\n\s+50%\s+([\d.]+)(us|ms|s)`)
	reP99      = regexp.MustCompile(`\n\s+99%\s+([\d.]+)(us|ms|s)`)
	reNon2xx   = regexp.MustCompile(`Non-2xx or 3xx responses: (\d+)`)
	reSockErrs = regexp.MustCompile(`Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)`)
)

// parseWrk reads wrk --latency's summary.
func parseWrk(out []byte) (result, error) {
	var r result
	m := reRPS.FindSubmatch(out)
	t := reTotal.FindSubmatch(out)
	p50, p99 := reP50.FindSubmatch(out), reP99.FindSubmatch(out)
	if m == nil || t == nil || p50 == nil || p99 == nil {
		return r, fmt.Errorf("unexpected wrk output")
	}
	r.RPS, _ = strconv.ParseFloat(string(m[1]), 64)
	r.Requests, _ = strconv.ParseInt(string(t[1]), 10, 64)
	r.P50, r.P99 = wrkDuration(p50), wrkDuration(p99)
	if n := reNon2xx.FindSubmatch(out); n != nil {
		v, _ := strconv.ParseInt(string(n[1]), 10, 64)
		r.Errors += v
	}
	if s := reSockErrs.FindSubmatch(out); s != nil {
		for _, f := range s[1:] {
			v, _ := strconv.ParseInt(string(f), 10, 64)
			r.Errors += v
		}
	}
	return r, nil
}

func wrkDuration(m [][]byte) time.Duration {
	v, _ := strconv.ParseFloat(string(m[1]), 64)
	unit := map[string]time.Duration{"us": time.Microsecond, "ms": time.Millisecond, "s": time.Second}[string(m[2])]
	return time.Duration(v * float64(unit))
}

// tick is one /proc clock tick (USER_HZ, 100 on Linux).
const tick = 10 * time.Millisecond

// cpuTicks is utime+stime of pid, fields 14 and 15 of /proc/<pid>/stat, counted after the
// parenthesised command name.
func cpuTicks(pid int) (int64, error) {
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, err
	}
	end := bytes.LastIndexByte(stat, ')')
	f := strings.Fields(string(stat[end+1:]))
	if end < 0 || len(f) < 13 {
		return 0, fmt.Errorf("malformed /proc/%d/stat", pid)
	}
	u, err1 := strconv.ParseInt(f[11], 10, 64)
	s, err2 := strconv.ParseInt(f[12], 10, 64)
	if err1 != nil || err2 != nil {
		return 0, fmt.Errorf("malformed /proc/%d/stat", pid)
	}
	return u + s, nil
}

// postgresTicks is utime+stime of every process named postgres (the server and its
// backends), by pid.
func postgresTicks() map[int]int64 {
	comms, _ := filepath.Glob("/proc/[0-9]*/comm")
	ticks := map[int]int64{}
	for _, comm := range comms {
		name, err := os.ReadFile(comm)
		if err != nil || strings.TrimSpace(string(name)) != "postgres" {
			continue
		}
		pid, err := strconv.Atoi(filepath.Base(filepath.Dir(comm)))
		if err != nil {
			continue
		}
		if t, err := cpuTicks(pid); err == nil {
			ticks[pid] = t
		}
	}
	return ticks
}

// postgresTicksSince is the PostgreSQL processes' CPU between two readings: a process
// that started meanwhile counts whole, one that ended (such as an autovacuum worker)
// takes its ticks with it.
func postgresTicksSince(before, after map[int]int64) int64 {
	var sum int64
	for pid, t := range after {
		sum += t - before[pid]
	}
	return sum
}

// loadAverage is the machine's 1-minute load average: the machine is shared.
func loadAverage() string {
	b, _ := os.ReadFile("/proc/loadavg")
	if f := strings.Fields(string(b)); len(f) > 0 {
		return f[0]
	}
	return "?"
}
