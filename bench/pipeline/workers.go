package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"

	"backbone/internal/events"
)

// workerEnv is the whole environment of a worker process: nothing is inherited from the
// caller's shell but PATH, HOME and GODEBUG, so a stray APP_ENV or AI_API_KEY cannot
// change it.
type workerEnv struct {
	bin, dir                   string
	databaseURL, amqpURL       string
	redisURL, namespace, aiURL string
	logLevel                   string
}

func (e workerEnv) list() []string {
	return []string{
		"PATH=" + os.Getenv("PATH"),
		"HOME=" + os.Getenv("HOME"),
		"GODEBUG=" + os.Getenv("GODEBUG"),
		"APP_ENV=development",
		"DATABASE_URL=" + e.databaseURL,
		"AMQP_URL=" + e.amqpURL,
		"REDIS_URL=" + e.redisURL,
		"NAMESPACE=" + e.namespace,
		"MIGRATE_ON_START=false", // migrated once by this tool
		"AI_BASE_URL=" + e.aiURL,
		"AI_API_KEY=bench-fake-key",
		"AI_MODEL=fake-draft",
		"AI_REWRITE_MODEL=fake-rewrite",
		"JWT_SECRET=" + randomHex(32),
		"LOG_FORMAT=text",
		"LOG_LEVEL=" + e.logLevel,
	}
}

// workerProc is one running `backbone worker`.
type workerProc struct {
	cmd  *exec.Cmd
	log  *os.File
	done chan error
}

// startWorker runs `backbone worker`, logging to worker-<name>.log in the run's directory.
func startWorker(e workerEnv, name string) (*workerProc, error) {
	logFile, err := os.Create(filepath.Join(e.dir, "worker-"+name+".log"))
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(e.bin, "worker")
	cmd.Env = e.list()
	cmd.Stdout, cmd.Stderr = logFile, logFile
	// A tool killed outright must not leave its workers behind.
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGTERM}
	if err := cmd.Start(); err != nil {
		logFile.Close()
		return nil, fmt.Errorf("start worker: %w", err)
	}
	w := &workerProc{cmd: cmd, log: logFile, done: make(chan error, 1)}
	go func() { w.done <- cmd.Wait() }()
	return w, nil
}

// stop sends SIGTERM and waits for the graceful exit; after 30 s it kills the process.
func (w *workerProc) stop() error {
	defer w.log.Close()
	_ = w.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case err := <-w.done:
		return err
	case <-time.After(30 * time.Second):
		_ = w.cmd.Process.Kill()
		<-w.done
		return errors.New("ignored SIGTERM for 30 s; killed")
	}
}

// exited reports the error of a worker that stopped by itself, with its last log lines.
func (w *workerProc) exited() error {
	select {
	case err := <-w.done:
		w.done <- err
		return fmt.Errorf("worker exited: %v\n%s", err, tail(w.log.Name(), 20))
	default:
		return nil
	}
}

func tail(path string, n int) string {
	b, _ := os.ReadFile(path)
	lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	return strings.Join(lines[max(0, len(lines)-n):], "\n")
}

// pipelineTopics are the jobs whose consumers the round waits for.
var pipelineTopics = []string{events.JobPipelineDraft, events.JobPipelineRewrite, events.JobPipelineOriginality}

// broker reads queue depths and consumer counts with passive declares, which create nothing.
type broker struct {
	conn *amqp.Connection
	ns   string
}

func dialBroker(url, ns string) (*broker, error) {
	conn, err := amqp.Dial(url)
	if err != nil {
		return nil, fmt.Errorf("rabbitmq: %w", err)
	}
	return &broker{conn: conn, ns: ns}, nil
}

func (b *broker) close() { _ = b.conn.Close() }

// inspect returns the ready messages and consumers of the job queue of topic (named
// NAMESPACE.topic by internal/queue); a queue not declared yet has neither.
func (b *broker) inspect(topic string) (messages, consumers int, err error) {
	ch, err := b.conn.Channel()
	if err != nil {
		return 0, 0, err
	}
	q, err := ch.QueueDeclarePassive(b.ns+"."+topic, true, false, false, false, nil)
	var amqpErr *amqp.Error
	if errors.As(err, &amqpErr) && amqpErr.Code == amqp.NotFound {
		return 0, 0, nil // the failed declare closed the channel
	}
	_ = ch.Close()
	return q.Messages, q.Consumers, err
}

// awaitConsumers waits until every pipeline job queue has n consumers, or a worker exits.
func (b *broker) awaitConsumers(ctx context.Context, n int, procs []*workerProc) error {
	deadline := time.Now().Add(time.Minute)
	for {
		ready := true
		for _, t := range pipelineTopics {
			_, c, err := b.inspect(t)
			if err != nil {
				return err
			}
			ready = ready && c == n
		}
		if ready {
			return nil
		}
		for _, p := range procs {
			if err := p.exited(); err != nil {
				return err
			}
		}
		if time.Now().After(deadline) {
			return errors.New("the workers' consumers did not all start within a minute")
		}
		if err := sleep(ctx, 100*time.Millisecond); err != nil {
			return err
		}
	}
}

func sleep(ctx context.Context, d time.Duration) error {
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-time.After(d):
		return nil
	}
}
