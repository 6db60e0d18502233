// Package testenv gives tests the real services they need: PostgreSQL, Redis and RabbitMQ
// on this machine. A test whose service is missing is skipped on a developer's machine and
// fails under CI (CI=true), so that CI never passes by skipping.
package testenv

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"net"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	_ "github.com/lib/pq" // PostgreSQL driver for the admin connection
)

// Defaults match the services started on the development machines and in CI.
const (
	defaultPostgres = "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"
	defaultRedis    = "redis://127.0.0.1:6379/0"
	defaultAMQP     = "amqp://guest:guest@127.0.0.1:5672/"
)

// PostgresURL is the admin connection: TEST_DATABASE_URL or the local default.
func PostgresURL() string { return env("TEST_DATABASE_URL", defaultPostgres) }

// RedisURL is TEST_REDIS_URL or the local default.
func RedisURL() string { return env("TEST_REDIS_URL", defaultRedis) }

// AMQPURL is TEST_AMQP_URL or the local default.
func AMQPURL() string { return env("TEST_AMQP_URL", defaultAMQP) }

// NeedPostgres returns the admin URL, or skips (fails under CI) if PostgreSQL is not up.
func NeedPostgres(tb testing.TB) string {
	tb.Helper()
	return need(tb, "PostgreSQL", PostgresURL())
}

// NeedRedis returns the Redis URL, or skips (fails under CI) if Redis is not up.
func NeedRedis(tb testing.TB) string {
	tb.Helper()
	return need(tb, "Redis", RedisURL())
}

// NeedAMQP returns the RabbitMQ URL, or skips (fails under CI) if RabbitMQ is not up.
func NeedAMQP(tb testing.TB) string {
	tb.Helper()
	return need(tb, "RabbitMQ", AMQPURL())
}

// NewPostgresDB creates an empty database of its own for the calling test and drops it
// when the test ends. It returns the database's URL.
func NewPostgresDB(tb testing.TB) string {
	tb.Helper()
	admin := NeedPostgres(tb)
	db, err := sql.Open("postgres", admin)
	if err != nil {
		tb.Fatalf("testenv: open admin connection: %v", err)
	}
	defer db.Close()
	name := "backbone_test_" + randomHex(6)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if _, err := db.ExecContext(ctx, "CREATE DATABASE "+name); err != nil {
		tb.Fatalf("testenv: create database: %v", err)
	}
	tb.Cleanup(func() {
		db, err := sql.Open("postgres", admin)
		if err != nil {
			return
		}
		defer db.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if _, err := db.ExecContext(ctx, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)"); err != nil {
			tb.Logf("testenv: drop database %s: %v", name, err)
		}
	})
	u, _ := url.Parse(admin)
	u.Path = "/" + name
	return u.String()
}

// NewSQLiteURL returns the URL of a fresh SQLite database file in the test's temp dir.
func NewSQLiteURL(tb testing.TB) string {
	tb.Helper()
	return "sqlite://" + tb.TempDir() + "/backbone.db"
}

// InCI reports whether the tests run under CI, where a missing service is a failure.
func InCI() bool { return os.Getenv("CI") == "true" }

// RandomName returns a short random name with the given prefix, for queues and channels.
func RandomName(prefix string) string { return prefix + randomHex(6) }

// need returns rawURL when what answers there, or skips (fails under CI).
func need(tb testing.TB, what, rawURL string) string {
	tb.Helper()
	u, err := url.Parse(rawURL)
	if err != nil {
		tb.Fatalf("testenv: bad %s URL %q: %v", what, rawURL, err)
	}
	host := u.Host
	if !strings.Contains(host, ":") {
		host += ":" + defaultPort(u.Scheme)
	}
	conn, err := net.DialTimeout("tcp", host, 2*time.Second)
	if err != nil {
		msg := fmt.Sprintf("testenv: %s is not reachable at %s: %v", what, host, err)
		if InCI() {
			tb.Fatal(msg)
		}
		tb.Skip(msg)
	}
	conn.Close()
	return rawURL
}

func defaultPort(scheme string) string {
	switch scheme {
	case "redis", "rediss":
		return "6379"
	case "amqp", "amqps":
		return "5672"
	}
	return "5432"
}

func env(key, def string) string {
	if v := os.Getenv(key); v != "" {
		return v
	}
	return def
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
