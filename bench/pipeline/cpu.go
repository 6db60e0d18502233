package main

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// userHZ is the unit of the CPU times in /proc/<pid>/stat: fixed at 100 by the Linux ABI
// whatever the kernel's own tick.
const userHZ = 100

// procCPU is utime + stime of a process from /proc/<pid>/stat (fields 14 and 15, counted
// after the command name, which is in parentheses and may hold spaces).
func procCPU(pid int) (time.Duration, bool) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, false
	}
	rest := string(b[strings.LastIndexByte(string(b), ')')+1:])
	f := strings.Fields(rest)
	if len(f) < 13 {
		return 0, false
	}
	u, err1 := strconv.ParseInt(f[11], 10, 64)
	s, err2 := strconv.ParseInt(f[12], 10, 64)
	if err1 != nil || err2 != nil {
		return 0, false
	}
	return time.Duration(u+s) * time.Second / userHZ, true
}

// cpuUse follows the CPU time of the processes that do a round's work: the worker
// processes and the PostgreSQL backends connected to the scratch database (by
// application_name: the workers' and this tool's). A backend may close while the round
// runs (the pool keeps 10 idle), so each is sampled often and its last reading kept.
type cpuUse struct {
	conn    *sql.DB
	workers []int
	last    map[int]time.Duration // by pid
	kind    map[int]string        // by pid: "workers", "postgres (workers)", "postgres (tool)"
}

func newCPUUse(conn *sql.DB, workers []int) *cpuUse {
	u := &cpuUse{conn: conn, workers: workers, last: map[int]time.Duration{}, kind: map[int]string{}}
	for _, pid := range workers {
		u.kind[pid] = "workers"
	}
	return u
}

// sample reads every process now.
func (u *cpuUse) sample(ctx context.Context) error {
	rows, err := u.conn.QueryContext(ctx, `SELECT pid, application_name FROM pg_stat_activity WHERE datname = current_database()`)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var pid int
		var app string
		if err := rows.Scan(&pid, &app); err != nil {
			return err
		}
		if _, ok := u.kind[pid]; !ok {
			u.kind[pid] = "postgres (workers)"
			if app == toolAppName {
				u.kind[pid] = "postgres (tool)"
			}
		}
	}
	if err := rows.Err(); err != nil {
		return err
	}
	for pid := range u.kind {
		if d, ok := procCPU(pid); ok {
			u.last[pid] = d
		}
	}
	return nil
}

// totals is the CPU time seen so far by kind, and this process's own as "tool".
func (u *cpuUse) totals() map[string]time.Duration {
	out := map[string]time.Duration{"tool": selfCPU()}
	for pid, d := range u.last {
		out[u.kind[pid]] += d
	}
	return out
}

// since is now's totals less before's.
func since(now, before map[string]time.Duration) map[string]time.Duration {
	out := map[string]time.Duration{}
	for k, v := range now {
		out[k] = v - before[k]
	}
	return out
}

// selfCPU is this process's CPU time so far (0 if the kernel does not say).
func selfCPU() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
