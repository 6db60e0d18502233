package graph

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"
)

// testAPI is the real GraphQL handler, without a database (serverInfo and __typename
// need none; validation never reaches a resolver), on a local HTTP server.
type testAPI struct {
	url  string
	logs *logBuffer
}

// startAPI serves NewHandler(cfg); a nil cfg.Resolver gets one that logs to the
// returned API's logs.
func startAPI(t testing.TB, cfg HandlerConfig) *testAPI {
	t.Helper()
	return startAPIWith(t, cfg, nil)
}

// startAPIWith is startAPI with configure (when not nil) setting up the HTTP server
// (its timeouts) before it starts.
func startAPIWith(t testing.TB, cfg HandlerConfig, configure func(*http.Server)) *testAPI {
	t.Helper()
	logs := &logBuffer{}
	if cfg.Resolver == nil {
		cfg.Resolver = &Resolver{Log: slogTo(logs),
			Info: ServerInfo{Version: "test", Environment: "test"}}
	}
	if cfg.ComplexityLimit == 0 {
		cfg.ComplexityLimit = 1000
	}
	h := NewHandler(cfg)
	ts := httptest.NewUnstartedServer(h)
	if configure != nil {
		configure(ts.Config)
	}
	ts.Start()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		h.Websockets.Shutdown(ctx)
		ts.Close()
	})
	return &testAPI{url: ts.URL + "/query", logs: logs}
}

// httpClient's timeout is a hang guard, not a bound on how fast the server must answer.
var httpClient = &http.Client{Timeout: time.Minute}

// logBuffer collects log output from concurrent handlers.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *logBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *logBuffer) Reset() {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.buf.Reset()
}

func (b *logBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// gqlResult is a GraphQL response as any transport delivers it.
type gqlResult struct {
	Data   json.RawMessage `json:"data"`
	Errors []gqlError      `json:"errors"`
}

type gqlError struct {
	Message    string         `json:"message"`
	Path       []any          `json:"path"`
	Extensions map[string]any `json:"extensions"`
}

func (r gqlResult) codes() []string {
	var out []string
	for _, e := range r.Errors {
		code, _ := e.Extensions["code"].(string)
		out = append(out, code)
	}
	return out
}

// transports are the ways a client can send an operation without signing in; each
// returns its answer. Websockets refuse anonymous connections when the schema has no
// anonymous subscription, so server's TestHostileDocumentsOverWebsockets covers them.
var transports = []struct {
	name string
	send func(a *testAPI, t *testing.T, body map[string]any) gqlResult
}{
	{"POST", (*testAPI).postBody},
	{"GET", (*testAPI).getBody},
	{"SSE", (*testAPI).sseBody},
}

func (a *testAPI) post(t *testing.T, query string) gqlResult {
	return a.postBody(t, map[string]any{"query": query})
}

func (a *testAPI) postBody(t *testing.T, body map[string]any) gqlResult {
	t.Helper()
	b, _ := json.Marshal(body)
	req, _ := http.NewRequest(http.MethodPost, a.url, bytes.NewReader(b))
	req.Header.Set("Content-Type", "application/json")
	return a.do(t, req)
}

func (a *testAPI) getBody(t *testing.T, body map[string]any) gqlResult {
	t.Helper()
	q := url.Values{}
	for k, v := range body {
		if s, ok := v.(string); ok {
			q.Set(k, s)
			continue
		}
		b, _ := json.Marshal(v)
		q.Set(k, string(b))
	}
	req, _ := http.NewRequest(http.MethodGet, a.url+"?"+q.Encode(), nil)
	return a.do(t, req)
}

func (a *testAPI) do(t *testing.T, req *http.Request) gqlResult {
	t.Helper()
	req.Header.Set("Accept", "application/json")
	res, err := httpClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	var r gqlResult
	if err := json.Unmarshal(raw, &r); err != nil {
		t.Fatalf("%s: status %d, body %.300s: %v", req.Method, res.StatusCode, raw, err)
	}
	return r
}

// sseBody runs one operation as server-sent events and returns the first event.
func (a *testAPI) sseBody(t *testing.T, body map[string]any) gqlResult {
	t.Helper()
	b, _ := json.Marshal(body)
	req, _ := http.NewRequest(http.MethodPost, a.url, bytes.NewReader(b))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "text/event-stream")
	res, err := httpClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	read := bufio.NewReader(res.Body)
	for {
		line, err := read.ReadString('\n')
		if err != nil {
			t.Fatalf("event stream: status %d: %v", res.StatusCode, err)
		}
		if data, ok := strings.CutPrefix(strings.TrimRight(line, "\n"), "data: "); ok {
			var r gqlResult
			if err := json.Unmarshal([]byte(data), &r); err != nil {
				t.Fatal(err)
			}
			return r
		}
	}
}

func discardLog() *slog.Logger { return slogTo(io.Discard) }

func slogTo(w io.Writer) *slog.Logger { return slog.New(slog.NewTextHandler(w, nil)) }
