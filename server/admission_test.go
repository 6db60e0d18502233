package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"sync"
	"testing"
)

// With MAX_CONCURRENT_QUERIES=1 every query waits for the one turn: many at once all get
// their answers, and each gives its turn back, whether it answered data or an error (a
// turn kept would leave the next batch UNAVAILABLE after QUERY_QUEUE_TIMEOUT).
func TestQueriesTakeTurnsAndGiveThemBack(t *testing.T) {
	t.Parallel()
	env := embeddedEnv(t)
	env["MAX_CONCURRENT_QUERIES"], env["QUERY_QUEUE_TIMEOUT"] = "1", "30s"
	ts := startServer(t, env)
	queries := []string{`{ serverInfo { version } }`, `{ me { id } }`} // the second answers UNAUTHENTICATED
	for batch := range 2 {
		var wg sync.WaitGroup
		errs := make(chan error, 16)
		for i := range 16 {
			wg.Go(func() {
				if err := postExpectingCode(ts.URL, queries[i%2], i%2 == 1); err != nil {
					errs <- fmt.Errorf("batch %d, query %d: %w", batch, i, err)
				}
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Error(err)
		}
	}
	m := scrape(t, ts)
	if got := total(m, "graphql_queries_waiting"); got != 0 {
		t.Errorf("graphql_queries_waiting = %v once every query answered, want 0", got)
	}
	if got := total(m, "graphql_queries_refused_busy_total"); got != 0 {
		t.Errorf("graphql_queries_refused_busy_total = %v, want 0", got)
	}
}

// postExpectingCode posts query and checks its answer: data, or with unauthenticated the
// UNAUTHENTICATED error; never UNAVAILABLE. It runs off the test's goroutine.
func postExpectingCode(url, query string, unauthenticated bool) error {
	body, _ := json.Marshal(map[string]any{"query": query})
	resp, err := http.Post(url+"/query", "application/json", bytes.NewReader(body))
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	var out gqlResponse
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		return err
	}
	var codes []any
	for _, e := range out.Errors {
		codes = append(codes, e.Extensions["code"])
	}
	switch {
	case unauthenticated && (len(codes) != 1 || codes[0] != "UNAUTHENTICATED"):
		return fmt.Errorf("codes %v, want UNAUTHENTICATED", codes)
	case !unauthenticated && (len(codes) > 0 || len(out.Data) == 0):
		return fmt.Errorf("codes %v, data %s; want data", codes, out.Data)
	}
	return nil
}
