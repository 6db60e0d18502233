package main

import (
	"io"
	"os"
	"sync"
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

// logOutput groups the writes of the logs to the process's standard output (a file,
// pipe or terminal); any other writer (a test's buffer) is written line by line, so a
// line is there as soon as its Log call returns.
func logOutput(w io.Writer) io.Writer {
	if _, ok := w.(*os.File); ok {
		return newGroupWriter(w)
	}
	return w
}
