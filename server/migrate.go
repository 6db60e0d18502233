package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"

	"backbone/internal/config"
	"backbone/internal/db"
	"backbone/internal/migrate"
)

// migrateCommand applies pending migrations and prints the resulting status on stdout;
// it logs to stderr, as the other commands do.
// STARTUP_TIMEOUT bounds only the wait for the database: a migration may run, or wait for
// another run's lock, as long as it needs (this command is where long ones belong).
func migrateCommand(ctx context.Context, getenv func(string) string, stdout, stderr io.Writer) error {
	cfg, err := loadConfig(getenv)
	if err != nil {
		return err
	}
	log, closeLog, err := newLogger(cfg, stderr)
	if err != nil {
		return err
	}
	defer closeLog()
	d, err := openDatabase(ctx, cfg, log)
	if err != nil {
		return err
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
	warnIfAhead(log, st)
	_, err = fmt.Fprintf(stdout, "applied %d migration(s); %v\n", n, st)
	return err
}

// openDatabase waits up to STARTUP_TIMEOUT for the database to answer.
func openDatabase(ctx context.Context, cfg config.Config, log *slog.Logger) (*db.DB, error) {
	ctx, cancel := context.WithTimeout(ctx, cfg.StartupTimeout)
	defer cancel()
	d, err := db.Open(ctx, cfg.DatabaseURL, log, db.WithStartupTimeout(cfg.StartupTimeout))
	if err != nil {
		return nil, fmt.Errorf("database: %w", err)
	}
	return d, nil
}

// warnIfAhead warns when a newer release has migrated the database past this binary's
// last migration: this binary runs on, but may not know its tables and columns.
func warnIfAhead(log *slog.Logger, st migrate.State) {
	if st.Ahead() {
		log.Warn("the database's schema is newer than this binary's migrations: a newer release migrated it",
			"database_version", st.Current, "binary_version", st.Latest)
	}
}
