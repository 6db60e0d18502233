package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"time"
)

// serverEnv is the whole environment of the server process: nothing is inherited from
// the caller's shell but PATH, HOME and GODEBUG (runtime experiments), so a stray
// APP_ENV or AMQP_URL cannot change it.
type serverEnv struct {
	DatabaseURL, RedisURL string
	AMQPURL               string // the job queue an API without workers needs
	Namespace             string // the server's NAMESPACE: its bus channels are the bench's alone
	JWTSecret             string
	Issuer, Audience      string
	Addr                  string
	LogLevel              string
}

func (e serverEnv) list() []string {
	return []string{
		"PATH=" + os.Getenv("PATH"),
		"HOME=" + os.Getenv("HOME"),
		"GODEBUG=" + os.Getenv("GODEBUG"),
		"APP_ENV=development",
		"ADDR=" + e.Addr,
		"DATABASE_URL=" + e.DatabaseURL,
		"REDIS_URL=" + e.RedisURL,
		"AMQP_URL=" + e.AMQPURL,
		"NAMESPACE=" + e.Namespace,
		"MIGRATE_ON_START=false", // migrated once by the migrate command
		// The notification consumer and sweeps would compete for the two cores and would
		// consume the bench's task.available events themselves.
		"RUN_WORKERS=false",
		"JWT_SECRET=" + e.JWTSecret,
		"JWT_ISSUER=" + e.Issuer,
		"JWT_AUDIENCE=" + e.Audience,
		"PLAYGROUND=false",
		// Every subscriber dials from loopback: one address, no per-address limits.
		"WS_MAX_CONNECTIONS_PER_IP=0",
		"WS_MAX_ANONYMOUS_PER_IP=0",
		"WS_HANDSHAKES_PER_IP=0",
		"LOG_FORMAT=text",
		"LOG_LEVEL=" + e.LogLevel,
	}
}

// migrateDB runs the binary's migrate command against the scratch database.
func migrateDB(ctx context.Context, bin string, env serverEnv) error {
	cmd := exec.CommandContext(ctx, bin, "migrate")
	cmd.Env = env.list()
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("%s migrate: %w\n%s", bin, err, out)
	}
	return nil
}

// serverProc is a running server.
type serverProc struct {
	cmd  *exec.Cmd
	base string // http://127.0.0.1:port
	log  *os.File
	done chan error
}

// startServer runs bin serve on a free port, logging to logPath, and waits for /readyz.
func startServer(ctx context.Context, bin string, env serverEnv, logPath string) (*serverProc, error) {
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	env.Addr = fmt.Sprintf("127.0.0.1:%d", port)
	logf, err := os.Create(logPath)
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(bin, "serve")
	cmd.Env = env.list()
	cmd.Stdout, cmd.Stderr = logf, logf
	// A tool killed outright (SIGKILL, a closed pipe) must not leave its server behind.
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGTERM}
	if err := cmd.Start(); err != nil {
		logf.Close()
		return nil, fmt.Errorf("start server: %w", err)
	}
	s := &serverProc{cmd: cmd, base: "http://" + env.Addr, log: logf, done: make(chan error, 1)}
	go func() { s.done <- cmd.Wait() }()
	if err := s.waitReady(ctx, 60*time.Second); err != nil {
		s.stop()
		return nil, fmt.Errorf("%w\n%s", err, s.logTail(20))
	}
	return s, nil
}

func (s *serverProc) pid() int { return s.cmd.Process.Pid }

// waitReady polls /readyz until it answers 200, the process exits or the timeout passes.
func (s *serverProc) waitReady(ctx context.Context, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	client := &http.Client{Timeout: 2 * time.Second}
	for {
		resp, err := client.Get(s.base + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		select {
		case err := <-s.done:
			s.done <- err
			return fmt.Errorf("server exited before it was ready: %v", err)
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("server not ready after %s", timeout)
		}
	}
}

// stop sends SIGTERM and waits for a graceful exit; after 30 s it kills the process.
func (s *serverProc) stop() error {
	defer s.log.Close()
	_ = s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case err := <-s.done:
		var exit *exec.ExitError
		if errors.As(err, &exit) {
			return fmt.Errorf("server exited with %v", exit)
		}
		return err
	case <-time.After(30 * time.Second):
		_ = s.cmd.Process.Kill()
		<-s.done
		return fmt.Errorf("server ignored SIGTERM for 30 s; killed")
	}
}

// logTail returns the last n lines the server logged.
func (s *serverProc) logTail(n int) string {
	b, err := os.ReadFile(s.log.Name())
	if err != nil {
		return ""
	}
	lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// freePort asks the kernel for an unused port on the loopback interface.
func freePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}
