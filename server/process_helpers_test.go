package main

import (
	"errors"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// Helpers of the tests that run the server as a real process (its own binary, its own
// environment, stopped with SIGTERM), as production runs it.

// processStopLimit is how long a process may take to exit after SIGTERM before it is
// killed; beyond SHUTDOWN_TIMEOUT (processEnv sets 10 s) with room for closing.
const processStopLimit = 30 * time.Second

// raceEnabled reports whether the test binary has the race detector: the server binary
// is then built with it too, so that a data race in a server process fails the test.
func raceEnabled() bool {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return false
	}
	for _, s := range bi.Settings {
		if s.Key == "-race" {
			return s.Value == "true"
		}
	}
	return false
}

// buildServerBinary builds this package (the server command) into a temporary directory.
func buildServerBinary(t *testing.T) string {
	t.Helper()
	bin := t.TempDir() + "/backbone"
	args := []string{"build", "-o", bin}
	if raceEnabled() {
		args = append(args, "-race")
	}
	cmd := exec.Command("go", append(args, ".")...)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build of the server: %v\n%s", err, out)
	}
	return bin
}

// serverProcess is a server binary running as a child process.
type serverProcess struct {
	*testServer
	name    string
	cmd     *exec.Cmd
	exited  chan struct{} // closed when the process has exited; then waitErr is set
	waitErr error
	retried bool // replaced by another process after a port clash
}

// startProcesses starts one server process per name, all at once (so that they race for
// the migration lock as replicas do), each on a free port of its own with env, and waits
// until every one answers /readyz. They are stopped with SIGTERM when the test ends,
// and their logs are shown if it failed.
func startProcesses(t *testing.T, bin string, env map[string]string, names ...string) []*serverProcess {
	t.Helper()
	procs := make([]*serverProcess, len(names))
	for i, name := range names {
		procs[i] = launchProcess(t, bin, name, env)
	}
	for i, p := range procs {
		// A port taken between freePort and the child's listen is retried on another.
		for attempt := 1; ; attempt++ {
			err := p.awaitReady(90 * time.Second)
			if err == nil {
				break
			}
			if attempt < 3 && strings.Contains(p.logs.String(), "address already in use") {
				p.retried = true
				p = launchProcess(t, bin, p.name, env)
				procs[i] = p
				continue
			}
			t.Fatalf("process %s not ready: %v\n%s", p.name, err, p.logs.String())
		}
	}
	return procs
}

// launchProcess starts the binary as process name with env, plus its own ADDR.
func launchProcess(t *testing.T, bin, name string, env map[string]string) *serverProcess {
	t.Helper()
	addr := "127.0.0.1:" + strconv.Itoa(freePort(t))
	env = withDefaults(env, map[string]string{"ADDR": addr, "MAIL_DIR": testMailDir(t)})
	cmd := exec.Command(bin, "serve")
	// Only what the test sets, so that the developer's own DATABASE_URL or REDIS_URL never
	// leaks in; PATH and HOME for what the runtime may look up.
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + os.Getenv("HOME")}
	for k, v := range env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	logs := &syncBuffer{}
	cmd.Stdout, cmd.Stderr = logs, logs
	if err := cmd.Start(); err != nil {
		t.Fatalf("start process %s: %v", name, err)
	}
	p := &serverProcess{testServer: &testServer{URL: "http://" + addr, logs: logs, mailDir: env["MAIL_DIR"]}, name: name, cmd: cmd, exited: make(chan struct{})}
	go func() {
		p.waitErr = cmd.Wait()
		close(p.exited)
	}()
	var once sync.Once
	var stopErr error
	p.stop = func() error {
		once.Do(func() { stopErr = p.terminate() })
		return stopErr
	}
	t.Cleanup(func() {
		if err := p.stop(); err != nil && !p.retried {
			t.Errorf("process %s: %v", name, err)
		}
		if strings.Contains(logs.String(), "DATA RACE") {
			t.Errorf("process %s reported a data race", name)
		}
		if t.Failed() {
			t.Logf("logs of process %s:\n%s", name, logs.String())
		}
	})
	return p
}

// awaitReady polls /readyz until it answers 200, the process exits, or limit passes.
func (p *serverProcess) awaitReady(limit time.Duration) error {
	client := &http.Client{Timeout: 2 * time.Second}
	deadline := time.Now().Add(limit)
	for time.Now().Before(deadline) {
		select {
		case <-p.exited:
			return fmt.Errorf("exited before it was ready: %v", p.waitErr)
		default:
		}
		if resp, err := client.Get(p.URL + "/readyz"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	return fmt.Errorf("no 200 from /readyz within %s", limit)
}

// terminate sends SIGTERM and waits for the exit; a process still running after
// processStopLimit is killed. A clean stop exits with status 0.
func (p *serverProcess) terminate() error {
	select {
	case <-p.exited:
		return fmt.Errorf("exited before the end of the test: %v", p.waitErr)
	default:
	}
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.exited:
	case <-time.After(processStopLimit):
		_ = p.cmd.Process.Kill()
		<-p.exited
		return fmt.Errorf("still running %s after SIGTERM; killed", processStopLimit)
	}
	var exit *exec.ExitError
	if errors.As(p.waitErr, &exit) {
		return fmt.Errorf("exit after SIGTERM: %v", p.waitErr)
	}
	return p.waitErr
}
