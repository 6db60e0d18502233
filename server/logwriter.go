package main

import (
	"bufio"
	"context"
	"io"
	"log/slog"
	"os"
	"sync"
	"time"
)

// maxPendingLog bounds the log lines waiting for a write: past it, a writer waits for the
// write in progress rather than letting a slow stdout take the memory.
const maxPendingLog = 1 << 20

// groupWriter writes log lines to an output with one write for whatever lines are
// waiting, rather than one system call per line (one per request, for the access log).
// A line is appended to the pending lines; if no write is in progress the caller writes
// them all, and keeps writing until none are left, so lines that came in meanwhile go out
// in its next write. Nothing waits for a timer: once the callers are done, every line has
// been written. A caller whose line another is writing returns before it is out.
type groupWriter struct {
	out io.Writer

	mu      sync.Mutex
	writing bool
	pending []byte
	spare   []byte
	written *sync.Cond // signalled after each write, for callers held back by maxPendingLog
}

func newGroupWriter(out io.Writer) *groupWriter {
	g := &groupWriter{out: out}
	g.written = sync.NewCond(&g.mu)
	return g
}

// Write implements io.Writer. An error of the output is returned to the caller that wrote,
// whoever's lines it held.
func (g *groupWriter) Write(p []byte) (int, error) {
	g.mu.Lock()
	for g.writing && len(g.pending) >= maxPendingLog {
		g.written.Wait()
	}
	g.pending = append(g.pending, p...)
	if g.writing {
		g.mu.Unlock()
		return len(p), nil
	}
	g.writing = true
	var err error
	for len(g.pending) > 0 && err == nil {
		batch := g.pending
		g.pending = g.spare[:0]
		g.mu.Unlock()
		_, err = g.out.Write(batch)
		g.mu.Lock()
		g.spare = batch
		g.written.Broadcast()
	}
	if err != nil {
		g.pending = g.pending[:0] // dropped with the failed write, as an unbuffered write would
	}
	g.writing = false
	g.mu.Unlock()
	if err != nil {
		return 0, err
	}
	return len(p), nil
}

// logOutput is where the logs to the process's standard output (a file, pipe or
// terminal) go: a bufferedLog when interval > 0, else a groupWriter; any other writer (a
// test's buffer) is written line by line, so a line is there as soon as its Log call
// returns. The bufferedLog is returned too (nil otherwise), for its flushes.
func logOutput(w io.Writer, interval time.Duration) (io.Writer, *bufferedLog) {
	if _, ok := w.(*os.File); !ok {
		return w, nil
	}
	if interval > 0 {
		b := newBufferedLog(w, interval)
		return b, b
	}
	return newGroupWriter(w), nil
}

// logBufferSize is what bufferedLog holds before it writes without waiting for its timer.
const logBufferSize = 64 << 10

// bufferedLog keeps log lines in a buffer and writes them when it is full, every interval,
// when flush is called (after an ERROR line, see flushOnError) and at close: under load
// the access log costs a system call per interval or per 64 KiB, not one per request. What
// a crash loses (SIGKILL, an unrecovered panic, the OOM killer) is at most the lines of the
// last interval; a clean exit (SIGTERM, SIGINT, a returned error) loses nothing.
type bufferedLog struct {
	mu  sync.Mutex
	buf *bufio.Writer // its Write writes through once full; an output error sticks (bufio)

	stop chan struct{}
	done chan struct{}
}

func newBufferedLog(out io.Writer, interval time.Duration) *bufferedLog {
	t := time.NewTicker(interval)
	b := newBufferedLogTicks(out, t.C)
	go func() { <-b.done; t.Stop() }()
	return b
}

// newBufferedLogTicks is a bufferedLog that flushes at every value of ticks.
func newBufferedLogTicks(out io.Writer, ticks <-chan time.Time) *bufferedLog {
	b := &bufferedLog{buf: bufio.NewWriterSize(out, logBufferSize), stop: make(chan struct{}), done: make(chan struct{})}
	go b.flushAt(ticks)
	return b
}

func (b *bufferedLog) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

// flush writes the lines waiting.
func (b *bufferedLog) flush() error {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Flush()
}

func (b *bufferedLog) flushAt(ticks <-chan time.Time) {
	defer close(b.done)
	for {
		select {
		case <-ticks:
			_ = b.flush()
		case <-b.stop:
			return
		}
	}
}

// close stops the timer and writes what is left. Lines logged after it are still kept,
// and written only by a later flush: call it when the process is done logging.
func (b *bufferedLog) close() error {
	close(b.stop)
	<-b.done
	return b.flush()
}

// flushOnError writes the buffered lines out as soon as an ERROR line is among them, so
// that the line that explains a failure is not the one a crash loses.
type flushOnError struct {
	slog.Handler
	out *bufferedLog
}

func (h flushOnError) Handle(ctx context.Context, r slog.Record) error {
	err := h.Handler.Handle(ctx, r)
	if r.Level >= slog.LevelError {
		_ = h.out.flush()
	}
	return err
}

func (h flushOnError) WithAttrs(attrs []slog.Attr) slog.Handler {
	return flushOnError{h.Handler.WithAttrs(attrs), h.out}
}

func (h flushOnError) WithGroup(name string) slog.Handler {
	return flushOnError{h.Handler.WithGroup(name), h.out}
}
