package main

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"backbone/internal/testenv"
)

const serverInfoQuery = `{ serverInfo { version environment components { name mode driver } } }`

type serverInfoData struct {
	ServerInfo struct {
		Version     string
		Environment string
		Components  []struct{ Name, Mode, Driver string }
	}
}

func decodeServerInfo(t *testing.T, r gqlResponse) serverInfoData {
	t.Helper()
	var d serverInfoData
	if err := json.Unmarshal(r.Data, &d); err != nil || d.ServerInfo.Version == "" {
		t.Fatalf("serverInfo: %s errors=%v", r.Data, r.Errors)
	}
	return d
}

func TestEmbeddedServerServesWithoutConfiguration(t *testing.T) {
	t.Parallel()
	ts := startServer(t, embeddedEnv(t))

	if code := ts.getJSON(t, "/healthz", nil); code != http.StatusOK {
		t.Errorf("/healthz = %d", code)
	}
	resp, err := http.Get(ts.URL + "/")
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.Contains(strings.ToLower(string(page)), "graphiql") {
		t.Errorf("playground: status %d, body %.200s", resp.StatusCode, page)
	}

	for name, send := range map[string]func() (int, gqlResponse){
		"POST": func() (int, gqlResponse) { return ts.post(t, serverInfoQuery, nil, nil) },
		"GET":  func() (int, gqlResponse) { return ts.get(t, serverInfoQuery) },
	} {
		code, r := send()
		if code != http.StatusOK || len(r.Errors) > 0 {
			t.Fatalf("%s serverInfo: %d %v", name, code, r.Errors)
		}
		info := decodeServerInfo(t, r)
		if info.ServerInfo.Environment != "development" || len(info.ServerInfo.Components) != 5 {
			t.Errorf("%s serverInfo: %+v", name, info)
		}
		for _, c := range info.ServerInfo.Components {
			if c.Name == "ai" { // no provider in the embedded default
				if c.Mode != "NONE" || c.Driver != "none" {
					t.Errorf("%s: component ai is %s %s, want NONE none", name, c.Mode, c.Driver)
				}
				continue
			}
			if c.Mode != "EMBEDDED" {
				t.Errorf("%s: component %s is %s, want EMBEDDED", name, c.Name, c.Mode)
			}
		}
	}
}

func TestServerOnPostgresRedisAndRabbitMQ(t *testing.T) {
	t.Parallel()
	ts := startServer(t, map[string]string{
		"DATABASE_URL": testenv.NewPostgresDB(t),
		"REDIS_URL":    testenv.NeedRedis(t),
		"AMQP_URL":     testenv.NeedAMQP(t),
	})
	var report healthReport
	if code := ts.getJSON(t, "/health/detailed", &report); code != http.StatusOK {
		t.Fatalf("/health/detailed = %d: %+v", code, report)
	}
	want := map[string]string{"database": "postgres", "bus": "redis", "cache": "redis", "queue": "amqp"}
	for _, d := range report.Dependencies {
		if want[d.Name] != d.Driver || d.Status != "up" || d.Mode != "external" {
			t.Errorf("dependency %+v, want driver %s up and external", d, want[d.Name])
		}
		delete(want, d.Name)
	}
	if len(want) > 0 {
		t.Errorf("missing dependencies: %v", want)
	}
	_, r := ts.post(t, serverInfoQuery, nil, nil)
	for _, c := range decodeServerInfo(t, r).ServerInfo.Components {
		if c.Mode != "EXTERNAL" && c.Name != "ai" { // the AI provider is not configured here

			t.Errorf("component %s is %s, want EXTERNAL", c.Name, c.Mode)
		}
	}
}

// TestRedisOutageKeepsQueriesAnswering runs a Redis of its own, stops it under a running
// server, and starts it again: queries answer throughout and health recovers by itself.
func TestRedisOutageKeepsQueriesAnswering(t *testing.T) {
	t.Parallel()
	port := freePort(t)
	stopRedis := startRedis(t, port)
	ts := startServer(t, map[string]string{
		"DATABASE_URL": testenv.NewSQLiteURL(t),
		"REDIS_URL":    "redis://127.0.0.1:" + strconv.Itoa(port) + "/0",
	})
	if s := busStatus(t, ts); s != "up" {
		t.Fatalf("bus is %s before the outage", s)
	}

	stopRedis()
	waitFor(t, 10*time.Second, "bus reported down", func() bool { return busStatus(t, ts) == "down" })
	if code, r := ts.post(t, serverInfoQuery, nil, nil); code != http.StatusOK || len(r.Errors) > 0 {
		t.Fatalf("query during the Redis outage: %d %v", code, r.Errors)
	}
	if code := ts.getJSON(t, "/readyz", nil); code != http.StatusOK {
		t.Errorf("/readyz during a Redis outage = %d; Redis is not required", code)
	}

	startRedis(t, port)
	waitFor(t, 20*time.Second, "bus recovered", func() bool { return busStatus(t, ts) == "up" })
}

func TestBadConfigurationStopsStartWithAClearMessage(t *testing.T) {
	t.Parallel()
	err := run(context.Background(), nil, mapEnv(map[string]string{"DATABASE_URL": "postgres://%zz"}), io.Discard, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "DATABASE_URL") {
		t.Fatalf("run with a bad DATABASE_URL = %v, want an error naming DATABASE_URL", err)
	}
}

func TestMigrateCommandAppliesToAnEmptyDatabase(t *testing.T) {
	t.Parallel()
	env := mapEnv(map[string]string{"DATABASE_URL": testenv.NewPostgresDB(t), "LOG_LEVEL": "warn"})
	var out strings.Builder
	if err := run(context.Background(), []string{"migrate"}, env, &out, io.Discard); err != nil {
		t.Fatalf("migrate: %v\n%s", err, out.String())
	}
	if !strings.Contains(out.String(), "applied") || strings.Contains(out.String(), "applied 0 ") {
		t.Errorf("first migrate run: %s", out.String())
	}
	out.Reset()
	if err := run(context.Background(), []string{"migrate"}, env, &out, io.Discard); err != nil {
		t.Fatalf("second migrate: %v", err)
	}
	if !strings.Contains(out.String(), "applied 0 ") {
		t.Errorf("second migrate run should apply nothing: %s", out.String())
	}
}

func TestShutdownClosesWebsocketsWithACloseFrame(t *testing.T) {
	t.Parallel()
	ts := startServer(t, embeddedEnv(t))
	conn := wsAuthed(t, ts, newAPI(ts).register(t, uniqueEmail("shutdown")).AccessToken)
	mustWriteJSON(t, conn, map[string]any{"id": "1", "type": "subscribe", "payload": map[string]any{"query": serverInfoQuery}})
	if msg := mustReadJSON(t, conn); msg["type"] != "next" {
		t.Fatalf("query over websocket: %v", msg)
	}

	stopped := make(chan error, 1)
	go func() { stopped <- ts.stop() }()
	_ = conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	var err error
	for {
		_, _, err = conn.ReadMessage()
		if err != nil {
			break
		}
	}
	var closeErr *websocket.CloseError
	if !asCloseError(err, &closeErr) {
		t.Fatalf("websocket ended without a close frame: %v", err)
	}
	if err := <-stopped; err != nil {
		t.Fatalf("shutdown: %v", err)
	}
}

func TestShutdownEndsEventStreams(t *testing.T) {
	t.Parallel()
	ts := startServer(t, embeddedEnv(t))
	tok := newAPI(ts).register(t, uniqueEmail("sse-shutdown")).AccessToken
	body := strings.NewReader(`{"query":"subscription { notificationAdded { kind } }"}`)
	req, _ := http.NewRequest(http.MethodPost, ts.URL+"/query", body)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "text/event-stream")
	req.Header.Set("Authorization", bearer(tok))
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	if !strings.HasPrefix(res.Header.Get("Content-Type"), "text/event-stream") {
		t.Fatalf("stream refused: %d %s", res.StatusCode, res.Header.Get("Content-Type"))
	}
	stream := &sseStream{res: res, read: bufio.NewReader(res.Body)}

	stopped := make(chan error, 1)
	go func() { stopped <- ts.stop() }()
	// Last, before complete, an event says why, as a websocket's close code would.
	var last string
	for {
		kind, data := stream.event(t) // fails the test if the stream stays open (20 s)
		if kind == "complete" {
			break
		}
		last = data
	}
	if !strings.Contains(last, `"code":"UNAVAILABLE"`) || !strings.Contains(last, "server shutting down") {
		t.Errorf("last event before complete: %s, want the UNAVAILABLE error of the shutdown", last)
	}
	if err := <-stopped; err != nil {
		t.Fatalf("shutdown: %v", err)
	}
}

type healthReport struct {
	Status       string
	Dependencies []struct {
		Name, Mode, Driver, Status string
	}
}

func busStatus(t *testing.T, ts *testServer) string {
	var report healthReport
	ts.getJSON(t, "/health/detailed", &report)
	for _, d := range report.Dependencies {
		if d.Name == "bus" {
			return d.Status
		}
	}
	return "missing"
}

func freePort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// startRedis runs a private redis-server on port; the returned func stops it.
func startRedis(t *testing.T, port int) (stop func()) {
	t.Helper()
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		if testenv.InCI() {
			t.Fatal("redis-server is not installed")
		}
		t.Skip("redis-server is not installed")
	}
	cmd := exec.Command(bin, "--port", strconv.Itoa(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	stopped := false
	stop = func() {
		if !stopped {
			stopped = true
			_ = cmd.Process.Kill()
			_ = cmd.Wait()
		}
	}
	t.Cleanup(stop)
	waitFor(t, 10*time.Second, "private redis up", func() bool {
		c, err := net.Dial("tcp", "127.0.0.1:"+strconv.Itoa(port))
		if err == nil {
			c.Close()
		}
		return err == nil
	})
	return stop
}

func waitFor(t *testing.T, limit time.Duration, what string, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(limit)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for: %s", what)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func mustWriteJSON(t *testing.T, c *websocket.Conn, v any) {
	t.Helper()
	if err := c.WriteJSON(v); err != nil {
		t.Fatal(err)
	}
}

func mustReadJSON(t *testing.T, c *websocket.Conn) map[string]any {
	t.Helper()
	_ = c.SetReadDeadline(time.Now().Add(10 * time.Second))
	var m map[string]any
	if err := c.ReadJSON(&m); err != nil {
		t.Fatal(err)
	}
	return m
}

func asCloseError(err error, target **websocket.CloseError) bool {
	ce, ok := err.(*websocket.CloseError)
	if ok {
		*target = ce
	}
	return ok
}
