package main

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"time"
)

// target is one running server under test.
type target struct {
	Name string
	URL  string // the GraphQL endpoint
	// Metrics is Backbone's /metrics, read around each run (counters.go); empty for the
	// others.
	Metrics string
	cmd     *exec.Cmd
	log     *os.File
	done    chan error
}

func (t *target) pid() int { return t.cmd.Process.Pid }

// start runs name's command with env (nothing inherited but PATH and HOME), logging to
// dir/name.log, and waits until GET ready answers below 500 (Backbone's /readyz says 503
// until it is ready; PostGraphile answers a GET of its endpoint with 405).
func start(ctx context.Context, name, dir, ready, endpoint string, env []string, bin string, args ...string) (*target, error) {
	logf, err := os.Create(filepath.Join(dir, name+".log"))
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(bin, args...)
	cmd.Env = append([]string{"PATH=" + os.Getenv("PATH"), "HOME=" + os.Getenv("HOME")}, env...)
	cmd.Stdout, cmd.Stderr = logf, logf
	cmd.Dir = dir
	// A bench killed outright must not leave its servers behind.
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGTERM}
	if err := cmd.Start(); err != nil {
		logf.Close()
		return nil, fmt.Errorf("start %s: %w", name, err)
	}
	t := &target{Name: name, URL: endpoint, cmd: cmd, log: logf, done: make(chan error, 1)}
	go func() { t.done <- cmd.Wait() }()
	client := &http.Client{Timeout: 2 * time.Second}
	deadline := time.Now().Add(90 * time.Second)
	for {
		if resp, err := client.Get(ready); err == nil {
			resp.Body.Close()
			if resp.StatusCode < http.StatusInternalServerError {
				return t, nil
			}
		}
		select {
		case err := <-t.done:
			t.done <- err
			logf.Close()
			return nil, fmt.Errorf("%s exited before it was ready (%v); see %s", name, err, logf.Name())
		case <-ctx.Done():
			t.stop()
			return nil, ctx.Err()
		case <-time.After(200 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.stop()
			return nil, fmt.Errorf("%s not ready after 90 s; see %s", name, logf.Name())
		}
	}
}

// stop sends SIGTERM, and SIGKILL after 20 s.
func (t *target) stop() {
	defer t.log.Close()
	_ = t.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-t.done:
	case <-time.After(20 * time.Second):
		_ = t.cmd.Process.Kill()
		<-t.done
	}
}

// freeAddr returns a loopback address with a port nobody listens on.
func freeAddr() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer ln.Close()
	return ln.Addr().String(), nil
}

// build compiles the package pkg of the module at root into dir/name.
func build(ctx context.Context, root, dir, name, pkg string, tags ...string) (string, error) {
	bin := filepath.Join(dir, name)
	args := []string{"build", "-o", bin}
	if len(tags) > 0 {
		args = append(args, "-tags", tags[0])
	}
	cmd := exec.CommandContext(ctx, "go", append(args, pkg)...)
	cmd.Dir = root
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("go build %s: %w\n%s", pkg, err, out)
	}
	return bin, nil
}
