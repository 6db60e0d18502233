package main

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"backbone/internal/config"
	"backbone/internal/health"
	"backbone/internal/httpmw"
)

// Where the operator endpoints are served.
const (
	opsOnPublic    = iota // on ADDR, as in the embedded default (behind METRICS_TOKEN if set)
	opsOwnListener        // on METRICS_ADDR only
	opsOff                // production with neither METRICS_ADDR nor METRICS_TOKEN
)

// operatorPlacement decides where /metrics and /health/detailed are served: they show
// process metrics, dependency drivers, latencies and error texts, so in production they
// are never open on the public listener.
func operatorPlacement(cfg config.Config) int {
	switch {
	case cfg.MetricsAddr != "":
		return opsOwnListener
	case cfg.IsProduction() && cfg.MetricsToken == "":
		return opsOff
	default:
		return opsOnPublic
	}
}

// operatorRoutes adds /metrics and /health/detailed to mux, behind METRICS_TOKEN when it
// is set.
func operatorRoutes(mux *http.ServeMux, cfg config.Config, checks *health.Checker, reg *prometheus.Registry) {
	guard := func(h http.Handler) http.Handler { return h }
	if cfg.MetricsToken != "" {
		guard = httpmw.RequireToken(cfg.MetricsToken)
	}
	mux.Handle("GET /health/detailed", httpmw.Route("health_detailed")(guard(http.HandlerFunc(checks.Detailed))))
	mux.Handle("GET /metrics", httpmw.Route("metrics")(guard(httpmw.MetricsHandler(reg))))
}

// operatorHandler serves the operator endpoints on their own listener (METRICS_ADDR),
// with the probes, open: there `backbone healthcheck` finds a worker, which has no other
// listener, and finds the API as well.
func operatorHandler(cfg config.Config, checks *health.Checker, reg *prometheus.Registry, log *slog.Logger) http.Handler {
	mux := http.NewServeMux()
	operatorRoutes(mux, cfg, checks, reg)
	mux.Handle("GET /healthz", httpmw.Route("healthz")(http.HandlerFunc(checks.Healthz)))
	mux.Handle("GET /livez", httpmw.Route("livez")(http.HandlerFunc(checks.Livez)))
	mux.Handle("GET /readyz", httpmw.Route("readyz")(http.HandlerFunc(checks.Readyz)))
	return httpmw.Chain(httpmw.RequestID, httpmw.Recover(log))(mux)
}

// operatorServer is the listener of the operator endpoints (METRICS_ADDR).
type operatorServer struct {
	ln  net.Listener
	srv *http.Server
}

// listenOperator opens METRICS_ADDR when the operator endpoints have a listener of
// their own; nil otherwise.
func listenOperator(h *httpApp, addr string, log *slog.Logger) (*operatorServer, error) {
	if h.ops == nil {
		return nil, nil
	}
	return listenOperatorOn(h.ops, addr, log)
}

// listenOperatorOn opens addr for the operator handler ops (operatorHandler).
func listenOperatorOn(ops http.Handler, addr string, log *slog.Logger) (*operatorServer, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("listen on METRICS_ADDR %s: %w", addr, err)
	}
	log.Info("operator endpoints listening", "addr", ln.Addr().String(), "paths", "/metrics /health/detailed /healthz /livez /readyz")
	return &operatorServer{ln: ln, srv: &http.Server{
		Handler:           ops,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      30 * time.Second,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}}, nil
}

// serve answers until ctx ends, then shuts down within a few seconds: scrapes are short.
func (o *operatorServer) serve(ctx context.Context) error {
	failed := make(chan error, 1)
	go func() { failed <- o.srv.Serve(o.ln) }()
	select {
	case err := <-failed:
		return fmt.Errorf("operator http server: %w", err)
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := o.srv.Shutdown(sctx); err != nil {
		return fmt.Errorf("operator http shutdown: %w", err)
	}
	return nil
}
