package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"hash/fnv"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"backbone/internal/testenv"
)

// testServer is a real server started in-process on a random port.
type testServer struct {
	URL  string
	logs *syncBuffer
	stop func() error
	// mailDir is the server's MAIL_DIR, where its emails land as .eml files.
	mailDir string
}

// startServer runs serve with env (plus ADDR=127.0.0.1:0) until the test ends.
func startServer(t *testing.T, env map[string]string) *testServer {
	t.Helper()
	return startServerCtx(t, context.Background(), env)
}

// startServerCtx is startServer with the values of ctx, such as withTracing's.
func startServerCtx(t *testing.T, ctx context.Context, env map[string]string) *testServer {
	t.Helper()
	env = withDefaults(env, map[string]string{"ADDR": "127.0.0.1:0", "LOG_LEVEL": "warn", "MAIL_DIR": testMailDir(t),
		"NAMESPACE": deploymentNamespace(env)})
	ctx, cancel := context.WithCancel(ctx)
	ready := make(chan string, 1)
	done := make(chan error, 1)
	logs := &syncBuffer{}
	go func() { done <- serve(ctx, mapEnv(env), logs, ready) }()
	select {
	case addr := <-ready:
		ts := &testServer{URL: "http://" + addr, logs: logs, mailDir: env["MAIL_DIR"]}
		var once sync.Once
		var stopErr error
		ts.stop = func() error {
			once.Do(func() { cancel(); stopErr = <-done })
			return stopErr
		}
		t.Cleanup(func() {
			if err := ts.stop(); err != nil {
				t.Errorf("server stopped with error: %v", err)
			}
			if t.Failed() {
				t.Logf("server logs:\n%s", logs.String())
			}
		})
		return ts
	case err := <-done:
		cancel()
		t.Fatalf("server did not start: %v\n%s", err, logs.String())
	case <-time.After(60 * time.Second):
		cancel()
		t.Fatalf("server did not start within 60s\n%s", logs.String())
	}
	return nil
}

// deploymentNamespace keeps the tests' deployments apart on the one Redis they share, as
// NAMESPACE keeps real ones: servers on one database are one deployment and share a
// namespace (and so their cached settings and figures); servers on different databases
// do not. Without Redis or a database URL it is the default.
func deploymentNamespace(env map[string]string) string {
	if env["REDIS_URL"] == "" || env["DATABASE_URL"] == "" {
		return "backbone"
	}
	h := fnv.New64a()
	h.Write([]byte(env["DATABASE_URL"]))
	return fmt.Sprintf("t%x", h.Sum64())
}

func withDefaults(env, defaults map[string]string) map[string]string {
	out := map[string]string{}
	for k, v := range defaults {
		out[k] = v
	}
	for k, v := range env {
		out[k] = v
	}
	return out
}

func mapEnv(env map[string]string) func(string) string {
	return func(k string) string { return env[k] }
}

// gqlResponse is a GraphQL response with the data left raw.
type gqlResponse struct {
	Data   json.RawMessage `json:"data"`
	Errors []struct {
		Message    string         `json:"message"`
		Extensions map[string]any `json:"extensions"`
	} `json:"errors"`
}

// post sends a GraphQL request over POST and decodes the answer.
func (ts *testServer) post(t *testing.T, query string, vars map[string]any, header http.Header) (int, gqlResponse) {
	t.Helper()
	body, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
	req, _ := http.NewRequest(http.MethodPost, ts.URL+"/query", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/graphql-response+json")
	for k, v := range header {
		req.Header[k] = v
	}
	return ts.do(t, req)
}

// postRaw sends any JSON body to /query, for requests the post helper cannot shape.
func (ts *testServer) postRaw(t *testing.T, body map[string]any) (int, gqlResponse) {
	t.Helper()
	raw, _ := json.Marshal(body)
	req, _ := http.NewRequest(http.MethodPost, ts.URL+"/query", bytes.NewReader(raw))
	req.Header.Set("Content-Type", "application/json")
	return ts.do(t, req)
}

// get sends a GraphQL query over GET.
func (ts *testServer) get(t *testing.T, query string) (int, gqlResponse) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, ts.URL+"/query?query="+url.QueryEscape(query), nil)
	req.Header.Set("Accept", "application/json")
	return ts.do(t, req)
}

func (ts *testServer) do(t *testing.T, req *http.Request) (int, gqlResponse) {
	t.Helper()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", req.Method, req.URL.Path, err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var out gqlResponse
	if err := json.Unmarshal(raw, &out); err != nil {
		t.Fatalf("%s %s: status %d, body not JSON: %s", req.Method, req.URL.Path, resp.StatusCode, raw)
	}
	return resp.StatusCode, out
}

// getJSON fetches a plain JSON endpoint such as /health/detailed.
func (ts *testServer) getJSON(t *testing.T, path string, into any) int {
	t.Helper()
	resp, err := http.Get(ts.URL + path)
	if err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if into != nil {
		if err := json.Unmarshal(raw, into); err != nil {
			t.Fatalf("GET %s: status %d, body not JSON: %s", path, resp.StatusCode, raw)
		}
	}
	return resp.StatusCode
}

// syncBuffer collects the server's logs for failure messages.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// codes lists the extensions.code of each error.
func (r gqlResponse) codes() string {
	var c []string
	for _, e := range r.Errors {
		c = append(c, fmt.Sprint(e.Extensions["code"]))
	}
	return strings.Join(c, ",")
}

// embeddedEnv is the zero-configuration mode with its SQLite file in a temp dir.
func embeddedEnv(t *testing.T) map[string]string {
	return map[string]string{"DATABASE_URL": testenv.NewSQLiteURL(t)}
}
