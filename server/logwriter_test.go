package main

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// recordingOutput keeps what it was given, write by write.
type recordingOutput struct {
	mu     sync.Mutex
	buf    bytes.Buffer
	writes int
	fail   bool
}

func (o *recordingOutput) String() string {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.buf.String()
}

func (o *recordingOutput) Writes() int {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.writes
}

func (o *recordingOutput) Write(p []byte) (int, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.fail {
		return 0, errors.New("disk full")
	}
	o.writes++
	return o.buf.Write(p)
}

// Every line written by concurrent callers is in the output once, whole, when they are done.
func TestGroupWriterWritesEveryLineWhole(t *testing.T) {
	t.Parallel()
	out := &recordingOutput{}
	g := newGroupWriter(out)
	var wg sync.WaitGroup
	for w := range 8 {
		wg.Go(func() {
			for i := range 200 {
				if _, err := fmt.Fprintf(g, "writer %d line %d %s\n", w, i, strings.Repeat("x", i)); err != nil {
					t.Errorf("Write: %v", err)
				}
			}
		})
	}
	wg.Wait()
	want := map[string]bool{}
	for w := range 8 {
		for i := range 200 {
			want[fmt.Sprintf("writer %d line %d %s", w, i, strings.Repeat("x", i))] = true
		}
	}
	lines := strings.Split(strings.TrimSuffix(out.buf.String(), "\n"), "\n")
	for _, line := range lines {
		if !want[line] {
			t.Fatalf("line %q mangled or repeated", line)
		}
		delete(want, line)
	}
	if len(want) > 0 {
		t.Fatalf("%d lines missing", len(want))
	}
}

func TestGroupWriterReportsTheOutputsError(t *testing.T) {
	t.Parallel()
	out := &recordingOutput{fail: true}
	g := newGroupWriter(out)
	if _, err := g.Write([]byte("a line\n")); err == nil {
		t.Fatal("Write to a failing output: got nil error")
	}
	out.fail = false
	if _, err := g.Write([]byte("next\n")); err != nil || out.buf.String() != "next\n" {
		t.Fatalf("after the failure: output %q, err %v; want only the next line", out.buf.String(), err)
	}
}

func TestLogOutputGroupsOnlyTheProcessStreams(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	if w, _ := logOutput(&buf, time.Second); w != &buf {
		t.Fatal("a buffer was wrapped: a test reading it could miss a line written by another request")
	}
}

// A buffered line waits for a tick, and the tick writes every line waiting in one write.
func TestBufferedLogWritesAtItsTick(t *testing.T) {
	t.Parallel()
	out := &recordingOutput{}
	ticks := make(chan time.Time)
	b := newBufferedLogTicks(out, ticks)
	defer b.close()
	fmt.Fprintln(b, "one")
	fmt.Fprintln(b, "two")
	if got := out.String(); got != "" {
		t.Fatalf("written before a tick: %q", got)
	}
	ticks <- time.Time{}
	ticks <- time.Time{} // taken once the first tick's flush is done
	if got, writes := out.String(), out.Writes(); got != "one\ntwo\n" || writes != 1 {
		t.Fatalf("after a tick: %q in %d writes, want both lines in one", got, writes)
	}
}

// close writes what is waiting: a server's last lines are out when serve returns.
func TestBufferedLogWritesAtClose(t *testing.T) {
	t.Parallel()
	out := &recordingOutput{}
	b := newBufferedLogTicks(out, nil)
	fmt.Fprintln(b, "last words")
	if err := b.close(); err != nil {
		t.Fatal(err)
	}
	if got := out.String(); got != "last words\n" {
		t.Fatalf("after close: %q", got)
	}
}

// A full buffer is written without waiting for the timer.
func TestBufferedLogWritesWhenFull(t *testing.T) {
	t.Parallel()
	out := &recordingOutput{}
	b := newBufferedLogTicks(out, nil)
	defer b.close()
	line := strings.Repeat("x", 1023) + "\n"
	for range logBufferSize/len(line) + 1 {
		fmt.Fprint(b, line)
	}
	if out.Writes() == 0 {
		t.Fatal("nothing written with the buffer full")
	}
}

// The process logger on a file (as stdout is) holds INFO lines until closed, but writes an
// ERROR line, and everything before it, at once.
func TestLoggerOnAFileFlushesErrorsAndAtClose(t *testing.T) {
	t.Parallel()
	f, err := os.Create(filepath.Join(t.TempDir(), "stdout"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	cfg, err := loadConfig(mapEnv(map[string]string{"LOG_FORMAT": "json", "LOG_FLUSH_INTERVAL": "1h"}))
	if err != nil {
		t.Fatal(err)
	}
	log, closeLog, err := newLogger(cfg, f)
	if err != nil {
		t.Fatal(err)
	}
	read := func() string {
		b, err := os.ReadFile(f.Name())
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	log.Info("first")
	if got := read(); got != "" {
		t.Fatalf("an INFO line was written before a flush: %q", got)
	}
	log.Error("broken")
	if got := read(); !strings.Contains(got, `"msg":"first"`) || !strings.Contains(got, `"msg":"broken"`) {
		t.Fatalf("after an ERROR line the file holds %q", got)
	}
	log.Info("stopped")
	closeLog()
	if got := read(); strings.Count(got, "\n") != 3 || !strings.Contains(got, `"msg":"stopped"`) {
		t.Fatalf("after closeLog the file holds %q", got)
	}
}

// LOG_FLUSH_INTERVAL=0 keeps the unbuffered writer.
func TestLogOutputUnbufferedWithZeroInterval(t *testing.T) {
	t.Parallel()
	w, b := logOutput(os.Stdout, 0)
	if _, ok := w.(*groupWriter); !ok || b != nil {
		t.Fatalf("LOG_FLUSH_INTERVAL=0 gave %T", w)
	}
}
