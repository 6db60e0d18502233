package main

import (
	"context"
	"fmt"
	"io"

	"backbone/internal/db"
	"backbone/internal/migrate"
)

// migrateCommand applies pending migrations and prints the resulting status.
func migrateCommand(ctx context.Context, getenv func(string) string, stdout io.Writer) error {
	cfg, err := loadConfig(getenv)
	if err != nil {
		return err
	}
	log, closeLog := newLogger(cfg, stdout)
	defer closeLog()
	ctx, cancel := context.WithTimeout(ctx, cfg.StartupTimeout)
	defer cancel()
	d, err := db.Open(ctx, cfg.DatabaseURL, log)
	if err != nil {
		return fmt.Errorf("database: %w", err)
	}
	defer d.Close()
	n, err := migrate.Apply(ctx, d, log)
	if err != nil {
		return fmt.Errorf("migrations: %w", err)
	}
	st, err := migrate.Status(ctx, d)
	if err != nil {
		return fmt.Errorf("migration status: %w", err)
	}
	_, err = fmt.Fprintf(stdout, "applied %d migration(s); %v\n", n, st)
	return err
}
