package main

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"time"
)

// healthcheck probes /healthz of the process configured by the same environment, so that
// a container image without a shell or curl can still declare a HEALTHCHECK: on
// METRICS_ADDR when it is set (the API serves /healthz there too, and a worker, which
// never listens on ADDR, only there), on ADDR otherwise.
func healthcheck(ctx context.Context, getenv func(string) string) error {
	name, addr := "METRICS_ADDR", getenv("METRICS_ADDR")
	if addr == "" {
		name, addr = "ADDR", getenv("ADDR")
	}
	if addr == "" {
		addr = ":8080"
	}
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("%s %q: %w", name, addr, err)
	}
	if host == "" || host == "0.0.0.0" || host == "::" {
		host = "127.0.0.1"
	}
	ctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+net.JoinHostPort(host, port)+"/healthz", nil)
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		if name == "ADDR" {
			return fmt.Errorf("%w (a worker serves /healthz on METRICS_ADDR only: set it)", err)
		}
		return err
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("healthz on %s answered %s", name, resp.Status)
	}
	return nil
}
