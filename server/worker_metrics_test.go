package main

import (
	"context"
	"fmt"
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

// A worker never listens on ADDR: METRICS_ADDR may be ADDR's address (the image's
// ADDR=:8080), and there it serves the probes that `backbone healthcheck` finds with the
// same environment, so that the image's HEALTHCHECK works for a worker container.
func TestWorkerIsHealthCheckedOnMetricsAddr(t *testing.T) {
	t.Parallel()
	addr := fmt.Sprintf("127.0.0.1:%d", freePort(t))
	env := withDefaults(embeddedEnv(t), map[string]string{"REDIS_URL": testenv.NeedRedis(t), "AMQP_URL": testenv.NeedAMQP(t),
		"ADDR": addr, "METRICS_ADDR": addr, "LOG_LEVEL": "warn", "MAIL_DIR": testMailDir(t), "NAMESPACE": testenv.RandomName("wh")})
	ctx, cancel := context.WithCancel(context.Background())
	exited := make(chan struct{})
	var workerErr error
	go func() {
		defer close(exited)
		workerErr = run(ctx, []string{"worker"}, mapEnv(env), io.Discard, io.Discard)
	}()
	defer func() {
		cancel()
		<-exited
		if workerErr != nil {
			t.Errorf("worker stopped with %v", workerErr)
		}
	}()
	waitFor(t, 30*time.Second, "the worker's /healthz", func() bool {
		select {
		case <-exited:
			t.Fatalf("worker stopped before serving /healthz: %v", workerErr)
		default:
		}
		res, err := http.Get("http://" + addr + "/healthz")
		if err != nil {
			return false
		}
		res.Body.Close()
		return res.StatusCode == http.StatusOK
	})
	for _, path := range []string{"/livez", "/readyz"} {
		if code, body := fetch(t, "http://"+addr+path, ""); code != http.StatusOK {
			t.Errorf("worker's %s = %d %.200s", path, code, body)
		}
	}
	if err := run(context.Background(), []string{"healthcheck"}, mapEnv(env), io.Discard, io.Discard); err != nil {
		t.Errorf("healthcheck with the worker's environment: %v", err)
	}
}

// The API listens on ADDR: there METRICS_ADDR must be another address.
func TestAPIRefusesMetricsAddrOnAddr(t *testing.T) {
	t.Parallel()
	env := withDefaults(embeddedEnv(t), map[string]string{"ADDR": "127.0.0.1:1", "METRICS_ADDR": "127.0.0.1:1"})
	err := run(context.Background(), []string{"serve"}, mapEnv(env), io.Discard, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "METRICS_ADDR") {
		t.Fatalf("serve with METRICS_ADDR = ADDR: %v, want the refusal naming METRICS_ADDR", err)
	}
}
