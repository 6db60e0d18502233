package main

import (
	"os"
	"os/exec"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"backbone/internal/ai/aitest"
)

// TestPipelineSurvivesAWorkerKilledMidStage runs two worker processes (competing
// consumers on one PostgreSQL and RabbitMQ). Worker A is killed with SIGKILL while its
// model call is in flight; RabbitMQ hands its unacknowledged jobs to worker B, and
// every question still ends in the experts' queue with exactly one revision per stage.
func TestPipelineSurvivesAWorkerKilledMidStage(t *testing.T) {
	t.Parallel()
	provider := plProvider(t)
	var mu sync.Mutex
	released := false
	release := make(chan struct{})
	provider.Handle(func(r aitest.Request) aitest.Reply {
		mu.Lock()
		hold := !released
		mu.Unlock()
		if hold {
			<-release
		}
		return plAnswers(r)
	})
	env := plEnv(t, provider, map[string]string{"RUN_WORKERS": "false"})
	w := newAzWorld(t, env)
	bin := buildServerBinary(t)
	// Each worker names its own model, so the provider can tell whose call it holds.
	workerA := startWorkerProcess(t, bin, withDefaults(map[string]string{"AI_MODEL": "model-a"}, env))
	startWorkerProcess(t, bin, withDefaults(map[string]string{"AI_MODEL": "model-b"}, env))

	const n = 6
	ids := make([]string, n)
	for i := range ids {
		ids[i] = w.qfSubmit(t, w.callers[azClient]).ID
	}
	deadline := time.Now().Add(60 * time.Second)
	for !slices.ContainsFunc(provider.Requests(), func(r aitest.Request) bool { return r.Model == "model-a" }) {
		if time.Now().After(deadline) {
			t.Fatalf("worker A made no model call within 60s\n%s", workerA.logs.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err := workerA.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	<-workerA.exited
	mu.Lock()
	released = true
	mu.Unlock()
	close(release)

	admin := w.callers[azAdmin].Token
	redone := 0
	for _, id := range ids {
		q := w.plAwait(t, admin, id, "queued with its AI versions", func(q plQuestion) bool {
			return q.Status == "AWAITING_EXPERT" && q.Pipeline != nil && q.Pipeline.Status == "DONE"
		})
		if got := plKinds(q.Revisions); !slices.Equal(got, []string{"AI_DRAFT", "REWRITE"}) {
			t.Fatalf("question %s has revisions %v, want exactly one AI_DRAFT and one REWRITE", id, got)
		}
		for _, st := range q.Pipeline.Stages {
			if st.Attempts > 1 {
				redone++
			}
		}
	}
	// Worker A had started a stage when it died: B started it again.
	if redone == 0 {
		t.Fatal("no stage was started twice: worker A was not killed mid-stage")
	}
}

// workerProcess is `backbone worker` running as a child process.
type workerProcess struct {
	cmd    *exec.Cmd
	logs   *syncBuffer
	exited chan struct{}
}

// startWorkerProcess runs the binary's worker command with env (and nothing of the
// developer's environment) until the test ends, and waits until it consumes.
func startWorkerProcess(t *testing.T, bin string, env map[string]string) *workerProcess {
	t.Helper()
	cmd := exec.Command(bin, "worker")
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + os.Getenv("HOME")}
	for k, v := range withDefaults(env, map[string]string{"LOG_LEVEL": "info"}) {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	p := &workerProcess{cmd: cmd, logs: &syncBuffer{}, exited: make(chan struct{})}
	cmd.Stdout, cmd.Stderr = p.logs, p.logs
	if err := cmd.Start(); err != nil {
		t.Fatalf("start worker: %v", err)
	}
	go func() { _ = cmd.Wait(); close(p.exited) }()
	t.Cleanup(func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-p.exited:
		case <-time.After(processStopLimit):
			_ = cmd.Process.Kill()
			<-p.exited
		}
		if strings.Contains(p.logs.String(), "DATA RACE") {
			t.Errorf("a worker reported a data race:\n%s", p.logs.String())
		}
		if t.Failed() {
			t.Logf("worker logs:\n%s", p.logs.String())
		}
	})
	deadline := time.Now().Add(90 * time.Second)
	for !strings.Contains(p.logs.String(), "workers running") {
		select {
		case <-p.exited:
			t.Fatalf("worker exited at start:\n%s", p.logs.String())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("worker not running after 90s:\n%s", p.logs.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
	return p
}
