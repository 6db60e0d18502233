package main

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"net/url"
	"time"
)

// devDatabase returns the dev database URL and a cleanup func. Without -dev it is an
// in-memory SQLite database or a scratch PostgreSQL database created here and dropped by
// cleanup, so that the diff never touches a database that holds data.
func devDatabase(ctx context.Context, o options) (string, func(), error) {
	switch {
	case o.dev != "":
		return o.dev, func() {}, nil
	case o.dialect == "sqlite":
		return "sqlite://dev?mode=memory&_fk=1", func() {}, nil
	}
	admin, err := sql.Open("postgres", o.admin)
	if err != nil {
		return "", nil, fmt.Errorf("dev database: %w", err)
	}
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	name := "backbone_dev_" + hex.EncodeToString(b)
	if _, err := admin.ExecContext(ctx, "CREATE DATABASE "+name); err != nil {
		admin.Close()
		return "", nil, fmt.Errorf("dev database: create %s on %s: %w", name, redact(o.admin), err)
	}
	cleanup := func() {
		defer admin.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		_, _ = admin.ExecContext(ctx, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)")
	}
	u, err := url.Parse(o.admin)
	if err != nil {
		cleanup()
		return "", nil, fmt.Errorf("dev database: %w", err)
	}
	u.Path = "/" + name
	q := u.Query()
	// Bind the diff to one schema so that the SQL names tables without a schema prefix.
	q.Set("search_path", "public")
	u.RawQuery = q.Encode()
	return u.String(), cleanup, nil
}

// redact hides a password in a URL for messages.
func redact(s string) string {
	u, err := url.Parse(s)
	if err != nil {
		return "(unparsable URL)"
	}
	return u.Redacted()
}
