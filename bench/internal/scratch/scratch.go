// Package scratch makes a PostgreSQL database of a bench run's own, beside an existing
// one, to be dropped at the end of the run.
package scratch

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"net/url"
	"time"

	_ "github.com/lib/pq" // the admin connection's driver
)

// DB is a scratch database.
type DB struct {
	admin string
	Name  string // prefix and random hex
	URL   string // the admin URL with the database's name
}

// New creates an empty database named prefix and 12 random hex digits on the server of
// admin, the URL of any database there.
func New(ctx context.Context, admin, prefix string) (*DB, error) {
	u, err := url.Parse(admin)
	if err != nil {
		return nil, fmt.Errorf("admin URL: %w", err)
	}
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	s := &DB{admin: admin, Name: prefix + hex.EncodeToString(b)}
	if err := s.exec(ctx, "CREATE DATABASE "+s.Name); err != nil {
		return nil, err
	}
	u.Path = "/" + s.Name
	s.URL = u.String()
	return s, nil
}

// Drop removes the database, closing the connections still open to it.
func (s *DB) Drop() error {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	return s.exec(ctx, "DROP DATABASE IF EXISTS "+s.Name+" WITH (FORCE)")
}

func (s *DB) exec(ctx context.Context, stmt string) error {
	conn, err := sql.Open("postgres", s.admin)
	if err != nil {
		return err
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, stmt); err != nil {
		return fmt.Errorf("%s: %w", stmt, err)
	}
	return nil
}

// Existing is the database name, made by New and kept, on the server of admin: to be
// reused, and dropped by Drop like a new one.
func Existing(admin, name string) (*DB, error) {
	u, err := url.Parse(admin)
	if err != nil {
		return nil, fmt.Errorf("admin URL: %w", err)
	}
	u.Path = "/" + name
	return &DB{admin: admin, Name: name, URL: u.String()}, nil
}
