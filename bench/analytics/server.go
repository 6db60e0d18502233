package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"syscall"
	"time"

	"github.com/google/uuid"

	"backbone/internal/auth/token"
)

// serverEnv is the server's whole environment: nothing is inherited but PATH and HOME.
type serverEnv struct {
	databaseURL, redisURL, amqpURL, jwtSecret, namespace, addr string
	pprofAddr                                                  string // PPROF_ADDR of a benchpprof build
}

func newServerEnv(dbURL, redisURL, amqpURL string) serverEnv {
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	return serverEnv{databaseURL: dbURL, redisURL: redisURL, amqpURL: amqpURL, jwtSecret: hex.EncodeToString(b),
		namespace: "bench-analytics-" + hex.EncodeToString(b[:4])}
}

func (e serverEnv) list() []string {
	return []string{
		"PATH=" + os.Getenv("PATH"), "HOME=" + os.Getenv("HOME"),
		"APP_ENV=development", "ADDR=" + e.addr, "DATABASE_URL=" + e.databaseURL,
		"MIGRATE_ON_START=false", "JWT_SECRET=" + e.jwtSecret,
		"JWT_ISSUER=backbone", "JWT_AUDIENCE=backbone-api",
		// The rollups are built by the rebuild; no consumer or sweep competes for the CPU.
		// An API without workers needs the Redis bus and the RabbitMQ queue; NAMESPACE keeps
		// its channels and queues apart.
		"RUN_WORKERS=false", "REDIS_URL=" + e.redisURL, "AMQP_URL=" + e.amqpURL, "NAMESPACE=" + e.namespace, "PLAYGROUND=false", "LOG_FORMAT=text", "LOG_LEVEL=warn",
		"PPROF_ADDR=" + e.pprofAddr,
	}
}

// command runs the binary's command args with the environment, output to out.
func (e serverEnv) command(ctx context.Context, bin string, out io.Writer, args ...string) error {
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Env = e.list()
	cmd.Stdout = out
	cmd.Stderr = os.Stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("backbone %v: %w", args, err)
	}
	return nil
}

// adminToken mints an access token for the admin's session with the server's secret.
func (e serverEnv) adminToken(admin, session uuid.UUID) (string, error) {
	keys, err := token.FromSecret(e.jwtSecret)
	if err != nil {
		return "", err
	}
	iss := &token.Issuer{Keys: keys, Issuer: "backbone", Audience: "backbone-api", TTL: 6 * time.Hour}
	tok, _, err := iss.Issue(admin.String(), "ADMIN", session.String())
	return tok, err
}

// serverProc is a running server.
type serverProc struct {
	cmd  *exec.Cmd
	base string
	done chan error
}

// startServer runs bin serve on a free port and waits for /readyz.
func startServer(ctx context.Context, bin string, env serverEnv, logPath string) (*serverProc, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	env.addr = ln.Addr().String()
	ln.Close()
	logf, err := os.Create(logPath)
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(bin, "serve")
	cmd.Env = env.list()
	cmd.Stdout, cmd.Stderr = logf, logf
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGTERM}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	s := &serverProc{cmd: cmd, base: "http://" + env.addr, done: make(chan error, 1)}
	go func() { s.done <- cmd.Wait(); logf.Close() }()
	deadline := time.Now().Add(60 * time.Second)
	for {
		resp, err := http.Get(s.base + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return s, nil
			}
		}
		select {
		case err := <-s.done:
			log, _ := os.ReadFile(logPath)
			return nil, fmt.Errorf("server exited: %v\n%s", err, log)
		case <-ctx.Done():
			s.stop()
			return nil, ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			s.stop()
			return nil, fmt.Errorf("server not ready after 60s (log %s)", logPath)
		}
	}
}

// stop ends the server gracefully.
func (s *serverProc) stop() {
	_ = s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-s.done:
	case <-time.After(30 * time.Second):
		_ = s.cmd.Process.Kill()
	}
}
