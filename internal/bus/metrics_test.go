package bus_test

import (
	"context"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"backbone/internal/bus"
	"backbone/internal/bus/bustest"
)

func newMetrics(t *testing.T) (*bus.Metrics, *prometheus.Registry) {
	t.Helper()
	reg := prometheus.NewRegistry()
	m, err := bus.NewMetrics(reg)
	if err != nil {
		t.Fatal(err)
	}
	return m, reg
}

// counters reads the bus's counters from reg by family name.
func counters(t *testing.T, reg *prometheus.Registry) map[string]float64 {
	t.Helper()
	families, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]float64{}
	for _, f := range families {
		out[f.GetName()] = f.GetMetric()[0].GetCounter().GetValue()
	}
	return out
}

func TestMemoryBusCounts(t *testing.T) {
	t.Parallel()
	m, reg := newMetrics(t)
	b := bus.NewMemory(bus.WithMetrics(m), bus.WithBuffer(1))
	t.Cleanup(func() { _ = b.Close() })
	bustest.MustSubscribe(t, b, "t") // never reads: dropped at the second message
	ctx := context.Background()
	// Two: the second overflows the buffer and detaches the subscriber, in the background,
	// so a third could find the topic without subscribers (not counted as received) or
	// not yet (counted): on a loaded machine it was either.
	for range 2 {
		if err := b.Publish(ctx, "t", []byte("x")); err != nil {
			t.Fatal(err)
		}
	}
	if err := b.Publish(ctx, "nobody-listens", []byte("x")); err != nil { // published, not received
		t.Fatal(err)
	}
	got := counters(t, reg)
	want := map[string]float64{
		"bus_messages_published_total":  3,
		"bus_messages_received_total":   2,
		"bus_subscribers_dropped_total": 1,
		"bus_gaps_total":                0,
	}
	for name, n := range want {
		if got[name] != n {
			t.Errorf("%s = %v, want %v", name, got[name], n)
		}
	}
}
