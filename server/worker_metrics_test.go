package main

import (
	"context"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"backbone/internal/testenv"
)

// A worker process apart from the API keeps its own job counters: with METRICS_ADDR it
// serves them there, with /health/detailed, and stops cleanly.
func TestWorkerServesItsMetricsOnMetricsAddr(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	_ = ln.Close()
	env := withDefaults(embeddedEnv(t), map[string]string{"REDIS_URL": testenv.NeedRedis(t), "AMQP_URL": testenv.NeedAMQP(t), "METRICS_ADDR": addr,
		"LOG_LEVEL": "warn", "MAIL_DIR": testMailDir(t), "NAMESPACE": testenv.RandomName("wm")})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- workerCommand(ctx, mapEnv(env), io.Discard) }()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("worker stopped with %v", err)
		}
	}()

	var body string
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		res, err := http.Get("http://" + addr + "/metrics")
		if err == nil {
			b, _ := io.ReadAll(res.Body)
			res.Body.Close()
			if res.StatusCode == http.StatusOK {
				body = string(b)
				break
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("worker's /metrics not served within 30s: %v", err)
		}
	}
	for _, want := range []string{`queue_jobs_consumed_total{topic="pipeline.draft"} 0`, "outbox_lag_seconds", "bus_messages_published_total"} {
		if !strings.Contains(body, want) {
			t.Errorf("worker's /metrics lacks %s", want)
		}
	}
	if code, body := fetch(t, "http://"+addr+"/health/detailed", ""); code != http.StatusOK || !strings.Contains(body, `"business"`) {
		t.Errorf("worker's /health/detailed = %d %.200s", code, body)
	}
}
