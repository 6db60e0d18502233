package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"time"

	"backbone/internal/config"
	"backbone/internal/db"
)

// serve runs the API until ctx is cancelled, then shuts down within the configured deadline.
// When ready is not nil it receives the listening address (tests listen on :0). dbOpts
// add to the database's options, for tests.
func serve(ctx context.Context, getenv func(string) string, stdout io.Writer, ready chan<- string, dbOpts ...db.Option) error {
	cfg, err := loadConfig(getenv)
	if err != nil {
		return err
	}
	if err := cfg.ValidateAPI(); err != nil {
		return fmt.Errorf("configuration:\n%w", err)
	}
	if err := checkSplitDeployment(cfg, !cfg.RunWorkers); err != nil {
		return err
	}
	log, closeLog, err := newLogger(cfg, stdout)
	if err != nil {
		return err
	}
	defer closeLog() // last: after the "stopped" line
	log.Info("starting backbone", "version", version(), "config", cfg.String())

	a, err := openApp(ctx, cfg, log, dbOpts...)
	if err != nil {
		return err
	}
	defer func() {
		if err := a.close(); err != nil {
			log.Error("closing resources", "err", err)
		}
	}()

	if err := a.revocations.Load(ctx); err != nil {
		return fmt.Errorf("loading revoked sessions: %w", err)
	}
	h, err := newHTTP(a)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return fmt.Errorf("listen on ADDR %s: %w", cfg.Addr, err)
	}
	srv := &http.Server{
		Handler:           h.handler,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		IdleTimeout:       120 * time.Second,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	// Shutdown does not wait for hijacked websockets, and would wait for an event stream
	// until its deadline: close them (a close frame, a last event).
	srv.RegisterOnShutdown(h.closeWebsockets)

	ops, err := listenOperator(h, cfg.MetricsAddr, log)
	if err != nil {
		_ = ln.Close()
		return err
	}

	log.Info("listening", "addr", ln.Addr().String(), "playground", cfg.Playground)
	if ready != nil {
		ready <- ln.Addr().String()
	}

	g, gctx := newTasks(ctx)
	g.Go("revocations", func() error { return a.revocations.Run(gctx) })
	var w *stoppableWorkers // stopped after the HTTP drain (shutdown.go)
	if cfg.RunWorkers {
		w = startWorkers(ctx, a.workers().Run)
		g.Go("workers", func() error { return w.failure(gctx) })
	}
	g.Go("http server", func() error {
		if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
			return fmt.Errorf("http server: %w", err)
		}
		return nil
	})
	// The operator listener stops with the API's, after the drain delay.
	opsCtx, stopOps := context.WithCancel(context.Background())
	defer stopOps()
	if ops != nil {
		g.Go("operator server", func() error { return ops.serve(opsCtx) })
	}
	g.Go("shutdown", func() error {
		<-gctx.Done()
		log.Info("shutting down", "deadline", cfg.ShutdownTimeout, "drain_delay", cfg.ShutdownDrainDelay)
		h.health.SetDraining(true)
		sctx, cancel := context.WithTimeout(context.Background(), cfg.ShutdownTimeout)
		defer cancel()
		// Load balancers see /readyz answer 503 before the listener closes.
		sleepCtx(sctx, cfg.ShutdownDrainDelay)
		stopOps()
		return shutdownInOrder(sctx, func(ctx context.Context) error {
			if err := srv.Shutdown(ctx); err != nil {
				return fmt.Errorf("http shutdown: %w", err)
			}
			h.waitWebsockets(ctx)
			return nil
		}, w)
	})
	err = g.waitWithin(gctx, cfg.ShutdownTimeout+abandonGrace)
	log.Info("stopped", "err", err)
	return err
}

// loadConfig reads and validates the configuration.
func loadConfig(getenv func(string) string) (config.Config, error) {
	cfg, err := config.FromEnv(getenv)
	if err == nil {
		err = cfg.Validate()
	}
	if err != nil {
		return cfg, fmt.Errorf("configuration:\n%w", err)
	}
	return cfg, nil
}
