package bus_test

import (
	"testing"

	"backbone/internal/bus"
	"backbone/internal/bus/bustest"
)

func TestMemoryContract(t *testing.T) {
	t.Parallel()
	bustest.Run(t, func(t *testing.T, opts ...bus.Option) bus.Bus {
		b := bus.NewMemory(opts...)
		t.Cleanup(func() { _ = b.Close() })
		return b
	})
}
