package main

import (
	"context"
	"io"

	"backbone/workers"
)

// workers registers every queue consumer and scheduled job of the process.
func (a *app) workers() *workers.Runner {
	return workers.New(a.queue, a.db, a.log)
}

// workerCommand runs the background workers without the HTTP API, until ctx is cancelled.
func workerCommand(ctx context.Context, getenv func(string) string, stdout io.Writer) error {
	cfg, err := loadConfig(getenv)
	if err != nil {
		return err
	}
	log := newLogger(cfg, stdout)
	log.Info("starting backbone workers", "version", version(), "config", cfg.String())
	a, err := openApp(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer a.close()
	return a.workers().Run(ctx)
}
