// Command live measures Backbone's realtime path under load: N experts subscribed to
// taskQueueChanged over graphql-transport-ws, and task.available events published on the
// Redis bus. For each N it reports deliveries, latency, server CPU per delivered event and
// server memory per idle subscription against the targets of issue #6.
//
//	go run ./bench/live -n 1000,5000,10000
//
// It builds ./server, migrates a scratch PostgreSQL database (dropped at the end), inserts
// the experts, mints their tokens with the JWT secret it gives the server, and runs one
// fresh server process per N (stopped with SIGTERM before the next).
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/redis/go-redis/v9"

	"backbone/bench/internal/module"
	"backbone/bench/internal/scratch"
	"backbone/internal/bus"
	"backbone/internal/config"
)

const defaultSubscription = `subscription { taskQueueChanged { change questionId subject at } }`

// options are the command line.
type options struct {
	counts      []int
	events      int
	interval    time.Duration
	drain       time.Duration
	settle      time.Duration
	concurrency int
	pgURL       string
	redisURL    string
	amqpURL     string
	query       string
	logLevel    string
	strict      bool
}

func main() {
	o, err := parseFlags(os.Args[1:])
	if err != nil {
		fmt.Fprintln(os.Stderr, "live:", err)
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	results, err := run(ctx, o, os.Stdout)
	stop()
	if len(results) > 0 {
		printSummary(os.Stdout, results)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "live:", err)
		os.Exit(1)
	}
	if o.strict {
		for _, r := range results {
			if !r.passed() {
				os.Exit(3)
			}
		}
	}
}

func parseFlags(args []string) (options, error) {
	fs := flag.NewFlagSet("live", flag.ContinueOnError)
	var o options
	counts := fs.String("n", "1000,5000,10000", "comma-separated subscriber counts, one server run each")
	fs.IntVar(&o.events, "events", 20, "events fired per run")
	fs.DurationVar(&o.interval, "interval", 250*time.Millisecond, "time between events")
	fs.DurationVar(&o.drain, "drain", 10*time.Second, "how long to wait for deliveries after the last event")
	fs.DurationVar(&o.settle, "settle", 3*time.Second, "quiet time after start-up and after subscribing, before measuring")
	fs.IntVar(&o.concurrency, "dial", 100, "handshakes in flight at once")
	fs.StringVar(&o.pgURL, "pg", envOr("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"), "admin PostgreSQL URL; the scratch database is created beside it")
	fs.StringVar(&o.redisURL, "redis", envOr("BENCH_REDIS_URL", "redis://127.0.0.1:6379/0"), "Redis URL shared by the server and the publisher")
	fs.StringVar(&o.amqpURL, "amqp", envOr("BENCH_AMQP_URL", "amqp://guest:guest@127.0.0.1:5672/"), "RabbitMQ URL for the server's job queue (an API without workers needs it)")
	fs.StringVar(&o.query, "query", defaultSubscription, "subscription each client sends")
	fs.StringVar(&o.logLevel, "log-level", "warn", "the server's LOG_LEVEL")
	fs.BoolVar(&o.strict, "strict", false, "exit 3 when a target is missed")
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	var err error
	if o.counts, err = parseCounts(*counts); err != nil {
		return o, err
	}
	if o.events < 1 || o.concurrency < 1 {
		return o, errors.New("-events and -dial must be positive")
	}
	return o, nil
}

// parseCounts reads "1000,5000" into positive subscriber counts.
func parseCounts(s string) ([]int, error) {
	var out []int
	for _, f := range strings.Split(s, ",") {
		f = strings.TrimSpace(strings.ReplaceAll(f, "_", ""))
		n, err := strconv.Atoi(f)
		if err != nil || n < 1 {
			return nil, fmt.Errorf("-n: %q is not a positive count", f)
		}
		out = append(out, n)
	}
	return out, nil
}

func envOr(key, def string) string {
	if v := os.Getenv(key); v != "" {
		return v
	}
	return def
}

// run prepares once (binary, database, experts, tokens) and measures each count in turn.
func run(ctx context.Context, o options, out io.Writer) ([]result, error) {
	most := slices.Max(o.counts)
	if err := checkFileLimit(out, most); err != nil {
		return nil, err
	}
	root, err := module.Root(ctx)
	if err != nil {
		return nil, err
	}
	tmp, err := os.MkdirTemp("", "bench-live-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(tmp)

	fmt.Fprintf(out, "building ./server\n")
	bin, err := buildServer(ctx, root, tmp)
	if err != nil {
		return nil, err
	}
	db, err := scratch.New(ctx, o.pgURL, "bench_live_")
	if err != nil {
		return nil, err
	}
	defer func() {
		if err := db.Drop(); err != nil {
			fmt.Fprintf(out, "warning: drop database %s: %v\n", db.Name, err)
		}
	}()
	env := serverEnv{
		DatabaseURL: db.URL, RedisURL: o.redisURL, AMQPURL: o.amqpURL, Namespace: "bench-live-" + randomHex(4),
		JWTSecret: randomHex(32), Issuer: "backbone", Audience: "backbone-api",
		LogLevel: o.logLevel,
	}
	fmt.Fprintf(out, "migrating scratch database %s\n", db.Name)
	if err := migrateDB(ctx, bin, env); err != nil {
		return nil, err
	}
	if err := addBenchSubject(ctx, db.URL); err != nil {
		return nil, fmt.Errorf("add subject %q to the settings: %w", benchSubject, err)
	}
	started := time.Now()
	users, sessions, err := insertExperts(ctx, db.URL, most)
	if err != nil {
		return nil, err
	}
	// Tokens outlive any run: the server closes a socket when its token expires.
	experts, err := mintTokens(env.JWTSecret, env.Issuer, env.Audience, 6*time.Hour, users, sessions)
	if err != nil {
		return nil, err
	}
	fmt.Fprintf(out, "inserted %d approved experts of subject %q with sessions and tokens in %s\n",
		most, benchSubject, time.Since(started).Round(time.Millisecond))

	rc, err := redisClient(o.redisURL)
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	// The server's bus channels are prefixed with its NAMESPACE, which no other server uses.
	pub := bus.NewRedis(rc, slog.New(slog.DiscardHandler), bus.WithChannelPrefix(env.Namespace+":bus:"))
	defer pub.Close()

	fmt.Fprintf(out, "server: RUN_WORKERS=false (no notification consumer or sweeps competing for the CPU), LOG_LEVEL=%s, job queue on RabbitMQ\n", o.logLevel)
	fmt.Fprintf(out, "machine: %d CPUs shared by the server, this tool, PostgreSQL and Redis; /proc clock tick %s\n",
		runtime.NumCPU(), clockTick())
	fmt.Fprintf(out, "events: %d task.available every %s, at = publish time; latency = client receive time - at\n", o.events, o.interval)

	var results []result
	for _, n := range o.counts {
		fmt.Fprintf(out, "\n== %d subscribers (load average %s before the run)\n", n, loadAverage())
		tokens := make([]string, n)
		for i := range tokens {
			tokens[i] = experts[i].Token
		}
		r, err := measure(ctx, o, bin, env, filepath.Join(tmp, fmt.Sprintf("server-%d.log", n)), pub, tokens, out)
		if r.Subscribers > 0 {
			r.print(out)
		}
		if err != nil {
			return results, fmt.Errorf("%d subscribers: %w", n, err)
		}
		results = append(results, r)
	}
	return results, nil
}

func redisClient(rawURL string) (*redis.Client, error) {
	ro, err := redis.ParseURL(rawURL)
	if err != nil {
		return nil, fmt.Errorf("redis URL: %w", err)
	}
	return redis.NewClient(ro), nil
}

// checkFileLimit fails when n sockets cannot fit under the open-file limit, in this tool
// or under the server's connection ceiling (which leaves part of the limit to its other
// files). Go raises the soft limit to the hard one at start, in this tool and in the
// server alike.
func checkFileLimit(out io.Writer, n int) error {
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		return fmt.Errorf("getrlimit: %w", err)
	}
	need := uint64(n) + 256
	for (config.Config{}).ConnectionCeiling(need) < n {
		need++
	}
	fmt.Fprintf(out, "open files: limit %d (hard %d); %d connections need about %d in this tool and in the server\n",
		lim.Cur, lim.Max, n, need)
	if lim.Cur < need {
		return fmt.Errorf("open-file limit %d is too low for %d connections: raise `ulimit -Hn` (and -n) to at least %d", lim.Cur, n, need)
	}
	return nil
}
