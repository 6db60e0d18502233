package queue_test

import (
	"io"
	"log/slog"
	"testing"

	"backbone/internal/queue"
	"backbone/internal/queue/queuetest"
)

func TestMemoryContract(t *testing.T) {
	t.Parallel()
	queuetest.Run(t, func(t *testing.T) queue.Queue {
		q := queue.NewMemory(slog.New(slog.NewTextHandler(io.Discard, nil)))
		t.Cleanup(func() { _ = q.Close() })
		return q
	})
}
