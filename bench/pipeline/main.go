// Command pipeline measures the AI answer pipeline (issue 12) on PostgreSQL and RabbitMQ:
// N questions through its three stages (draft, rewrite, originality check) against a
// zero-latency fake OpenAI-compatible provider, with 1 and then 2 worker processes.
//
//	go run ./bench/pipeline                       # -questions 500 -workers 1,2 -rate 50
//
// It builds ./server, creates and migrates a scratch PostgreSQL database (dropped at the
// end), starts the fake provider (internal/ai/aitest) on loopback, and for each worker
// count runs that many `backbone worker` processes (competing consumers, NAMESPACE of the
// run's own) and two phases on them: the questions submitted all at once (the pipeline's
// throughput, end to end), then as many paced at -rate per second (its stage times at
// that rate, below saturation). The questions are submitted from this process through
// the questions service, as the API would after parsing a submitQuestion: the figures are
// those of the pipeline, not of the HTTP path. Everything it prints is read from the rows
// the pipeline writes (questions, pipeline_stages, outbox_messages) and from /proc (CPU).
// At the end it deletes its RabbitMQ queues and Redis keys.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"net/url"
	"os"
	"os/signal"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"backbone/bench/internal/scratch"
)

type options struct {
	questions  int
	workers    []int
	submitters int
	rate       float64
	words      int
	timeout    time.Duration
	pg         string
	amqp       string
	redis      string
	logLevel   string
	strict     bool
}

// maxQuestions bounds the run's memory and time.
const maxQuestions = 20000

func main() {
	o, err := parseFlags(os.Args[1:])
	if err != nil {
		fmt.Fprintln(os.Stderr, "pipeline:", err)
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	results, err := run(ctx, o)
	stop()
	if len(results) > 0 {
		printSummary(results)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "pipeline:", err)
		os.Exit(1)
	}
	if o.strict && slices.ContainsFunc(results, func(r result) bool { return !r.passed() }) {
		os.Exit(3)
	}
}

func parseFlags(args []string) (options, error) {
	fs := flag.NewFlagSet("pipeline", flag.ContinueOnError)
	var o options
	workers := fs.String("workers", "1,2", "comma-separated worker process counts, one round each")
	fs.IntVar(&o.questions, "questions", 500, "questions submitted per phase")
	fs.IntVar(&o.submitters, "submitters", 4, "submissions in flight at once")
	fs.Float64Var(&o.rate, "rate", targetThroughput, "submissions per second of the paced phase (0: no paced phase)")
	fs.IntVar(&o.words, "words", 300, "words of each fake draft and rewrite")
	fs.DurationVar(&o.timeout, "timeout", 5*time.Minute, "longest a phase may take")
	fs.StringVar(&o.pg, "pg", envOr("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"), "admin PostgreSQL URL; the scratch database is created beside it")
	fs.StringVar(&o.amqp, "amqp", envOr("BENCH_AMQP_URL", "amqp://guest:guest@127.0.0.1:5672/"), "RabbitMQ URL")
	fs.StringVar(&o.redis, "redis", envOr("BENCH_REDIS_URL", "redis://127.0.0.1:6379/0"), "Redis URL")
	fs.StringVar(&o.logLevel, "log-level", "warn", "the workers' LOG_LEVEL")
	fs.BoolVar(&o.strict, "strict", false, "exit 3 when a target is missed")
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	for _, f := range strings.Split(*workers, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n < 1 || n > 8 {
			return o, fmt.Errorf("-workers: %q is not a count from 1 to 8", f)
		}
		o.workers = append(o.workers, n)
	}
	switch {
	case o.questions < 1 || o.questions > maxQuestions:
		return o, fmt.Errorf("-questions must be from 1 to %d", maxQuestions)
	case o.submitters < 1 || o.submitters > 64:
		return o, errors.New("-submitters must be from 1 to 64")
	case o.rate < 0:
		return o, errors.New("-rate must not be negative")
	case o.words < 20 || o.words > 5000:
		return o, errors.New("-words must be from 20 to 5000")
	case o.timeout <= 0:
		return o, errors.New("-timeout must be positive")
	}
	return o, nil
}

func envOr(key, def string) string {
	if v := os.Getenv(key); v != "" {
		return v
	}
	return def
}

func logf(format string, args ...any) {
	fmt.Printf("%s  %s\n", time.Now().Format("15:04:05"), fmt.Sprintf(format, args...))
}

// run prepares once (binary, database, provider, clients) and measures each worker count.
func run(ctx context.Context, o options) ([]result, error) {
	tmp, err := os.MkdirTemp("", "bench-pipeline-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(tmp)
	logf("building ./server")
	bin, err := buildServer(ctx, tmp)
	if err != nil {
		return nil, err
	}
	s, err := scratch.New(ctx, o.pg, "bench_pipeline_")
	if err != nil {
		return nil, err
	}
	defer func() {
		if err := s.Drop(); err != nil {
			logf("warning: drop database %s: %v", s.Name, err)
		}
	}()
	logf("migrating scratch database %s", s.Name)
	env, err := prepare(ctx, withAppName(s.URL, toolAppName), o)
	if err != nil {
		return nil, err
	}
	defer env.close()

	provider := newProvider(o.words)
	defer provider.Close()
	ns := "bench-pipeline-" + randomHex(4)
	defer cleanUp(env, o, ns)

	logf("machine: %d CPUs shared by the workers, this tool (submissions and the fake provider), PostgreSQL, RabbitMQ and Redis", runtime.NumCPU())
	logf("workers: `backbone worker`, NAMESPACE=%s, LOG_LEVEL=%s, AI_BASE_URL=%s (zero latency, %d-word answers)", ns, o.logLevel, provider.URL(), o.words)
	var results []result
	for _, n := range o.workers {
		rs, err := runWorkers(ctx, env, o, workerEnv{bin: bin, dir: tmp, databaseURL: withAppName(s.URL, "bench-pipeline-worker"),
			amqpURL: o.amqp, redisURL: o.redis, namespace: ns, aiURL: provider.URL(), logLevel: o.logLevel}, n)
		results = append(results, rs...)
		if err != nil {
			return results, fmt.Errorf("%d worker(s): %w", n, err)
		}
	}
	return results, nil
}

// toolAppName is the application_name of this process's database connections, which
// tells its PostgreSQL backends from the workers'.
const toolAppName = "bench-pipeline"

// withAppName sets application_name on a PostgreSQL URL.
func withAppName(dbURL, name string) string {
	u, err := url.Parse(dbURL)
	if err != nil {
		return dbURL // newScratch parsed it already
	}
	q := u.Query()
	q.Set("application_name", name)
	u.RawQuery = q.Encode()
	return u.String()
}
