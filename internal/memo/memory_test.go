package memo_test

import (
	"testing"

	"backbone/internal/bus"
	"backbone/internal/memo/memotest"
)

func TestInProcessContract(t *testing.T) {
	t.Parallel()
	memotest.Run(t, func(t *testing.T) memotest.Backend {
		b := bus.NewMemory() // one process: every instance on the same bus
		t.Cleanup(func() { b.Close() })
		return memotest.Backend{Bus: func(*testing.T) bus.Bus { return b }}
	})
}
