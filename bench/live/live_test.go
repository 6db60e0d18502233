package main

import (
	"encoding/binary"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
)

func TestPercentileNearestRank(t *testing.T) {
	var lat []time.Duration
	for i := 100; i >= 1; i-- { // 1..100 ms, given out of order
		lat = append(lat, time.Duration(i)*time.Millisecond)
	}
	var r result
	r.summarize(lat)
	if r.P50 != 50*time.Millisecond || r.P99 != 99*time.Millisecond || r.Max != 100*time.Millisecond {
		t.Fatalf("p50/p99/max = %v/%v/%v, want 50ms/99ms/100ms", r.P50, r.P99, r.Max)
	}
	cases := []struct {
		values []time.Duration
		p      float64
		want   time.Duration
	}{
		{nil, 99, 0},
		{[]time.Duration{7}, 50, 7},
		{[]time.Duration{7}, 99, 7},
		{[]time.Duration{1, 2, 3, 4}, 50, 2},
		{[]time.Duration{1, 2, 3, 4}, 51, 3},
		{[]time.Duration{1, 2, 3, 4}, 100, 4},
	}
	for _, c := range cases {
		if got := percentile(c.values, c.p); got != c.want {
			t.Errorf("percentile(%v, %v) = %v, want %v", c.values, c.p, got, c.want)
		}
	}
}

func TestParseVmRSS(t *testing.T) {
	status := "Name:\tbackbone\nVmPeak:\t  900000 kB\nVmRSS:\t   81234 kB\nRssAnon:\t   70000 kB\n"
	got, err := parseVmRSS([]byte(status))
	if err != nil || got != 81234 {
		t.Fatalf("parseVmRSS = %d, %v; want 81234", got, err)
	}
	if _, err := parseVmRSS([]byte("Name:\tkthreadd\n")); err == nil {
		t.Fatal("a status without VmRSS (a kernel thread) parsed")
	}
}

func TestParseCPUTicksCountsFromTheLastParenthesis(t *testing.T) {
	// comm may hold spaces and parentheses; utime (14) = 1234, stime (15) = 567.
	stat := "4242 (my (odd) server) S 1 4242 4242 0 -1 4194560 5000 0 0 0 1234 567 0 0 20 0 12 0 100 2000000 20000\n"
	got, sys, err := parseCPUTicks([]byte(stat))
	if err != nil || got != 1234+567 || sys != 567 {
		t.Fatalf("parseCPUTicks = %d, %d, %v; want 1801, 567", got, sys, err)
	}
	for _, bad := range []string{"", "4242 (x) S 1 2", "4242 (x) S 1 2 3 4 5 6 7 8 9 10 eleven 12"} {
		if _, _, err := parseCPUTicks([]byte(bad)); err == nil {
			t.Errorf("parseCPUTicks(%q) succeeded", bad)
		}
	}
}

func TestReadProcOfThisProcess(t *testing.T) {
	s, err := readProc(os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	if s.RSSKiB <= 0 || s.CPUTicks < 0 {
		t.Fatalf("readProc(self) = %+v", s)
	}
	if tick := clockTick(); tick <= 0 || tick > time.Second {
		t.Fatalf("clockTick = %v", tick)
	}
}

func TestAuxvValue(t *testing.T) {
	auxv := make([]byte, 0, 64)
	for _, kv := range [][2]uint64{{6, 4096}, {atClkTck, 250}, {0, 0}, {atClkTck, 999}} {
		auxv = binary.LittleEndian.AppendUint64(auxv, kv[0])
		auxv = binary.LittleEndian.AppendUint64(auxv, kv[1])
	}
	if got := auxvValue(auxv, atClkTck); got != 250 {
		t.Fatalf("AT_CLKTCK = %d, want 250 (the entry before AT_NULL)", got)
	}
	if got := auxvValue(auxv, 33); got != 0 {
		t.Fatalf("absent key = %d, want 0", got)
	}
}

func TestPromValue(t *testing.T) {
	text := strings.Join([]string{
		"# HELP go_memstats_heap_inuse_bytes Number of heap bytes that are in use.",
		"# TYPE go_memstats_heap_inuse_bytes gauge",
		"go_memstats_heap_inuse_bytes_total 1", // a longer name sharing the prefix
		"go_memstats_heap_inuse_bytes 1.2345e+07",
		"go_goroutines 42",
	}, "\n")
	if v, err := promValue(strings.NewReader(text), heapMetric); err != nil || v != 12345000 {
		t.Fatalf("heap = %v, %v", v, err)
	}
	if v, err := promValue(strings.NewReader(text), goroutineMetric); err != nil || v != 42 {
		t.Fatalf("goroutines = %v, %v", v, err)
	}
	if _, err := promValue(strings.NewReader(text), "go_threads"); err == nil {
		t.Fatal("a missing metric was found")
	}
}

func TestQuestionIDFoundWithoutDecoding(t *testing.T) {
	cases := map[string]string{
		`{"id":"1","type":"next","payload":{"data":{"taskQueueChanged":{"change":"AVAILABLE","questionId":"abc-1","subject":"bench"}}}}`: "abc-1",
		`{"payload":{"data":{"x":{"questionId" : "UXVlc3Rpb246"}}},"type":"next"}`:                                                       "UXVlc3Rpb246",
	}
	for msg, want := range cases {
		got, ok := questionID([]byte(msg))
		if !ok || string(got) != want {
			t.Errorf("questionID(%s) = %q, %v; want %q", msg, got, ok, want)
		}
	}
	for _, msg := range []string{`{"type":"ping"}`, `{"questionId":null}`, `{"questionId":"unterminated`} {
		if got, ok := questionID([]byte(msg)); ok {
			t.Errorf("questionID(%s) = %q, want none", msg, got)
		}
	}
}

func TestEventTableKnowsRawAndRelayIDs(t *testing.T) {
	events := newEventTable(2)
	events.sent[1].Store(1000)
	id := events.ids[1]
	for _, key := range []string{id.String(), relayID("Question", id)} {
		idx, at, ok := events.lookup([]byte(key))
		if !ok || idx != 1 || at != 1000 {
			t.Errorf("lookup(%s) = %d, %d, %v; want 1, 1000, true", key, idx, at, ok)
		}
	}
	if _, _, ok := events.lookup([]byte(events.ids[2].String())); ok {
		t.Error("an event not yet sent was found")
	}
	if _, _, ok := events.lookup([]byte(uuid.NewString())); ok {
		t.Error("a foreign event was found")
	}
}

func TestFleetRecordCountsEachEventOncePerClient(t *testing.T) {
	events := newEventTable(2)
	for i := range events.sent {
		events.sent[i].Store(int64(1000 * (i + 1)))
	}
	f := newFleet(2, events, "subscription { x }")
	row0 := f.lat[:3]
	f.record(row0, []byte(events.ids[0].String()), 1500) // warm-up
	f.record(row0, []byte(events.ids[1].String()), 2300)
	f.record(row0, []byte(events.ids[1].String()), 2400) // duplicate
	f.record(f.lat[3:], []byte(events.ids[2].String()), 3050)
	f.record(f.lat[3:], []byte(uuid.NewString()), 3050)
	if f.warm.Load() != 1 || f.delivered.Load() != 2 || f.dups.Load() != 1 || f.foreign.Load() != 1 {
		t.Fatalf("warm %d delivered %d dups %d foreign %d; want 1 2 1 1",
			f.warm.Load(), f.delivered.Load(), f.dups.Load(), f.foreign.Load())
	}
	got := f.latencies()
	slices.Sort(got)
	if !slices.Equal(got, []time.Duration{50, 300}) {
		t.Fatalf("latencies = %v, want [50ns 300ns] (warm-up left out)", got)
	}
}

func TestParseCounts(t *testing.T) {
	got, err := parseCounts("1000, 5_000,10000")
	if err != nil || !slices.Equal(got, []int{1000, 5000, 10000}) {
		t.Fatalf("parseCounts = %v, %v", got, err)
	}
	for _, bad := range []string{"", "0", "10,x", "-5"} {
		if _, err := parseCounts(bad); err == nil {
			t.Errorf("parseCounts(%q) succeeded", bad)
		}
	}
}

func TestTargets(t *testing.T) {
	if targetP99(1000) != 150*time.Millisecond || targetP99(5000) != 150*time.Millisecond || targetP99(10000) != 300*time.Millisecond {
		t.Fatal("p99 targets: 150 ms up to 5,000 subscribers, 300 ms above")
	}
	ok := result{Subscribers: 5000, Events: 20, Delivered: 100000, P99: 150 * time.Millisecond, CPUPerEvent: 15 * time.Microsecond, KiBPerSub: 32}
	if !ok.passed() {
		t.Fatalf("a run exactly on every target failed: %+v", ok.checks())
	}
	for name, r := range map[string]result{
		"lost":    {Subscribers: 5000, Delivered: 99999, Lost: 1, P99: time.Millisecond, CPUPerEvent: time.Microsecond},
		"slow":    {Subscribers: 5000, Delivered: 1, P99: 151 * time.Millisecond, CPUPerEvent: time.Microsecond},
		"cpu":     {Subscribers: 5000, Delivered: 1, P99: time.Millisecond, CPUPerEvent: 16 * time.Microsecond},
		"memory":  {Subscribers: 5000, Delivered: 1, P99: time.Millisecond, CPUPerEvent: time.Microsecond, KiBPerSub: 33},
		"nothing": {Subscribers: 5000},
	} {
		if r.passed() {
			t.Errorf("%s: passed", name)
		}
	}
}
