package main

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"
)

// procSample is what /proc says about the server process at one moment.
type procSample struct {
	RSSKiB   int64 // VmRSS
	CPUTicks int64 // utime + stime, in clock ticks
	SysTicks int64 // stime alone: time in the kernel (the socket writes)
}

// readProc samples /proc/<pid>/status and /proc/<pid>/stat.
func readProc(pid int) (procSample, error) {
	status, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return procSample{}, err
	}
	rss, err := parseVmRSS(status)
	if err != nil {
		return procSample{}, err
	}
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return procSample{}, err
	}
	ticks, sys, err := parseCPUTicks(stat)
	if err != nil {
		return procSample{}, err
	}
	return procSample{RSSKiB: rss, CPUTicks: ticks, SysTicks: sys}, nil
}

// parseVmRSS reads the "VmRSS:  12345 kB" line of /proc/<pid>/status.
func parseVmRSS(status []byte) (int64, error) {
	sc := bufio.NewScanner(bytes.NewReader(status))
	for sc.Scan() {
		rest, ok := strings.CutPrefix(sc.Text(), "VmRSS:")
		if !ok {
			continue
		}
		f := strings.Fields(rest)
		if len(f) != 2 || f[1] != "kB" {
			return 0, fmt.Errorf("unexpected VmRSS line %q", sc.Text())
		}
		return strconv.ParseInt(f[0], 10, 64)
	}
	return 0, fmt.Errorf("no VmRSS line in /proc status")
}

// parseCPUTicks returns utime+stime (fields 14 and 15) of /proc/<pid>/stat, and stime
// alone. The command
// name (field 2) is in parentheses and may contain spaces, so fields count from the last ')'.
func parseCPUTicks(stat []byte) (total, sys int64, err error) {
	end := bytes.LastIndexByte(stat, ')')
	if end < 0 {
		return 0, 0, fmt.Errorf("malformed /proc stat: no ')'")
	}
	f := strings.Fields(string(stat[end+1:]))
	// f[0] is field 3 (state): utime is field 14 -> f[11], stime field 15 -> f[12].
	if len(f) < 13 {
		return 0, 0, fmt.Errorf("malformed /proc stat: %d fields after the name", len(f))
	}
	utime, err1 := strconv.ParseInt(f[11], 10, 64)
	stime, err2 := strconv.ParseInt(f[12], 10, 64)
	if err1 != nil || err2 != nil {
		return 0, 0, fmt.Errorf("malformed /proc stat: utime %q stime %q", f[11], f[12])
	}
	return utime + stime, stime, nil
}

// atClkTck is the auxiliary vector entry holding sysconf(_SC_CLK_TCK).
const atClkTck = 17

// clockTick is the length of one /proc clock tick: AT_CLKTCK from /proc/self/auxv (what
// sysconf reads, without cgo), else the Linux default of 100 Hz.
func clockTick() time.Duration {
	if auxv, err := os.ReadFile("/proc/self/auxv"); err == nil {
		if hz := auxvValue(auxv, atClkTck); hz > 0 {
			return time.Second / time.Duration(hz)
		}
	}
	return 10 * time.Millisecond
}

// auxvValue finds key in a 64-bit little-endian auxiliary vector, 0 if absent.
func auxvValue(auxv []byte, key uint64) uint64 {
	for i := 0; i+16 <= len(auxv); i += 16 {
		k := binary.LittleEndian.Uint64(auxv[i:])
		if k == 0 {
			break
		}
		if k == key {
			return binary.LittleEndian.Uint64(auxv[i+8:])
		}
	}
	return 0
}

// loadAverage is the 1-minute load average, a hint of what else shared the machine.
func loadAverage() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "unknown"
	}
	if f := strings.Fields(string(b)); len(f) > 0 {
		return f[0]
	}
	return "unknown"
}
