package main

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
)

// recordingOutput keeps what it was given, write by write.
type recordingOutput struct {
	mu     sync.Mutex
	buf    bytes.Buffer
	writes int
	fail   bool
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
	if logOutput(&buf) != &buf {
		t.Fatal("a buffer was wrapped: a test reading it could miss a line written by another request")
	}
}
