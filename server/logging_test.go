package main

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"backbone/internal/config"
)

// The access log line of a GraphQL request names the operation, its type and the codes of
// the errors it answered with.
func TestAccessLogNamesTheOperationAndItsErrorCodes(t *testing.T) {
	t.Parallel()
	ts := startServer(t, withDefaults(embeddedEnv(t), map[string]string{"LOG_LEVEL": "info", "LOG_FORMAT": "json"}))
	ts.post(t, `query WhoAmI { me { id } }`, nil, nil)
	ts.post(t, `mutation SignIn { login(email: "nobody@example.com", password: "wrong-password-123!") { accessToken } }`, nil, nil)
	ts.post(t, `{ serverInfo { version } }`, nil, nil)

	want := []map[string]string{
		{"graphql_operation": "WhoAmI", "graphql_type": "query", "graphql_errors": "UNAUTHENTICATED"},
		{"graphql_operation": "SignIn", "graphql_type": "mutation", "graphql_errors": "UNAUTHENTICATED"},
		{"graphql_operation": "", "graphql_type": "query", "graphql_errors": ""},
	}
	var got []map[string]string
	for _, line := range strings.Split(ts.logs.String(), "\n") {
		var entry map[string]any
		if json.Unmarshal([]byte(line), &entry) != nil || entry["msg"] != "http request" || entry["path"] != "/query" {
			continue
		}
		fields := map[string]string{}
		for _, k := range []string{"graphql_operation", "graphql_type", "graphql_errors"} {
			fields[k], _ = entry[k].(string)
		}
		got = append(got, fields)
	}
	if len(got) != len(want) {
		t.Fatalf("%d access log lines for /query, want %d:\n%s", len(got), len(want), ts.logs.String())
	}
	for i := range want {
		for k, v := range want[i] {
			if got[i][k] != v {
				t.Errorf("line %d: %s = %q, want %q", i, k, got[i][k], v)
			}
		}
	}
}

// LOG_FILE receives every line and LOG_ERROR_FILE only the errors, besides the console.
func TestLogFilesReceiveTheirLevels(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	cfg, err := config.FromEnv(mapEnv(map[string]string{"LOG_FORMAT": "json",
		"LOG_FILE": filepath.Join(dir, "backbone.log"), "LOG_ERROR_FILE": filepath.Join(dir, "errors.log")}))
	if err != nil {
		t.Fatal(err)
	}
	var console strings.Builder
	log, _, err := newLogger(cfg, &console)
	if err != nil {
		t.Fatal(err)
	}
	log.Info("an info line")
	log.Error("an error line")
	for file, want := range map[string][]string{
		"":             {"an info line", "an error line"},
		"backbone.log": {"an info line", "an error line"},
		"errors.log":   {"an error line"},
	} {
		text := console.String()
		if file != "" {
			b, err := os.ReadFile(filepath.Join(dir, file))
			if err != nil {
				t.Fatal(err)
			}
			text = string(b)
		}
		if lines := strings.Count(text, "\n"); lines != len(want) {
			t.Errorf("%q holds %d lines, want %d:\n%s", file, lines, len(want), text)
		}
		for _, w := range want {
			if !strings.Contains(text, w) {
				t.Errorf("%q lacks %q", file, w)
			}
		}
	}
}

// A LOG_FILE or LOG_ERROR_FILE that cannot be opened for appending stops start-up naming
// the variable: lumberjack would otherwise drop every line meant for it.
func TestAnUnwritableLogFileStopsStartUp(t *testing.T) {
	t.Parallel()
	notADir := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(notADir, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	for name, path := range map[string]string{"LOG_FILE": "/proc/backbone.log", "LOG_ERROR_FILE": filepath.Join(notADir, "errors.log")} {
		env := withDefaults(embeddedEnv(t), map[string]string{name: path, "ADDR": "127.0.0.1:0"})
		ctx, cancel := context.WithCancel(context.Background())
		ready, done := make(chan string, 1), make(chan error, 1)
		go func() { done <- serve(ctx, mapEnv(env), io.Discard, ready) }()
		select {
		case err := <-done:
			if err == nil || !strings.HasPrefix(err.Error(), name+":") {
				t.Errorf("%s=%s: start-up error %v, want one naming %s", name, path, err, name)
			}
		case <-ready:
			t.Errorf("%s=%s: the server started", name, path)
			cancel()
			<-done
		}
		cancel()
	}
}

// go-redis's own lines arrive as structured warnings naming the library.
func TestLibraryLinesAreStructured(t *testing.T) {
	t.Parallel()
	var out strings.Builder
	redisLog{slog.New(slog.NewJSONHandler(&out, nil)).With("library", "go-redis")}.Printf(context.Background(), "redis: connection pool: %s\n", "failed")
	var entry map[string]any
	if err := json.Unmarshal([]byte(out.String()), &entry); err != nil {
		t.Fatal(err)
	}
	if entry["library"] != "go-redis" || entry["level"] != "WARN" || entry["msg"] != "redis: connection pool: failed" {
		t.Errorf("logged %v", entry)
	}
}
