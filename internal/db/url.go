package db

import (
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strings"

	"github.com/lib/pq"
)

// Driver names reported by ParseURL and DB.Driver.
const (
	DriverPostgres = "postgres"
	DriverSQLite   = "sqlite"
)

// ErrBadURL is wrapped by every error about a database URL that cannot be used.
var ErrBadURL = errors.New("bad database URL")

// accepted lists the URL forms for error messages.
const accepted = "postgres://, postgresql://, sqlite://PATH, sqlite::memory:, sqlite://:memory: or file:PATH"

// sqlitePragmas are applied to every SQLite connection: enforced foreign keys, WAL so that
// readers never block the writer, a busy timeout so that a second writer waits for the
// first instead of failing, and BEGIN IMMEDIATE so that a transaction takes the write
// lock when it starts rather than failing with SQLITE_BUSY when it first writes.
var sqlitePragmas = []struct{ key, value, name string }{
	{"_pragma", "foreign_keys(1)", "foreign_keys"},
	{"_pragma", "journal_mode(WAL)", "journal_mode"},
	{"_pragma", "busy_timeout(10000)", "busy_timeout"},
	{"_txlock", "immediate", ""},
}

// ParseURL checks a database URL without opening it and returns the driver name
// ("postgres" or "sqlite") and the DSN to give that driver. Errors wrap ErrBadURL.
func ParseURL(rawURL string) (driver, dsn string, err error) {
	s := strings.TrimSpace(rawURL)
	lower := strings.ToLower(s)
	switch {
	case s == "":
		return "", "", fmt.Errorf("%w: empty; use %s", ErrBadURL, accepted)
	case strings.HasPrefix(lower, "postgres://"), strings.HasPrefix(lower, "postgresql://"):
		dsn, err := postgresDSN(s)
		return DriverPostgres, dsn, err
	case lower == "sqlite::memory:", lower == "sqlite://:memory:":
		return DriverSQLite, withPragmas("file::memory:", ""), nil
	case strings.HasPrefix(lower, "sqlite://"):
		path, query, _ := strings.Cut(s[len("sqlite://"):], "?")
		if path == "" {
			return "", "", fmt.Errorf("%w: sqlite:// needs a file path, as in sqlite://data/backbone.db", ErrBadURL)
		}
		if _, err := url.ParseQuery(query); err != nil {
			return "", "", fmt.Errorf("%w: sqlite query: %v", ErrBadURL, err)
		}
		return DriverSQLite, withPragmas("file:"+escapePath(path), query), nil
	case strings.HasPrefix(lower, "file:"):
		path, query, _ := strings.Cut(s, "?")
		if path == "file:" {
			return "", "", fmt.Errorf("%w: file: needs a path", ErrBadURL)
		}
		if _, err := url.ParseQuery(query); err != nil {
			return "", "", fmt.Errorf("%w: sqlite query: %v", ErrBadURL, err)
		}
		return DriverSQLite, withPragmas(path, query), nil
	}
	scheme, _, ok := strings.Cut(s, ":")
	if !ok {
		scheme = s
	}
	return "", "", fmt.Errorf("%w: unsupported scheme %q; use %s", ErrBadURL, scheme, accepted)
}

// postgresDSN validates a PostgreSQL URL the way lib/pq will read it.
func postgresDSN(s string) (string, error) {
	if _, err := url.Parse(s); err != nil {
		// url.Error quotes the whole URL, password included: report only the cause.
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return "", fmt.Errorf("%w: %v", ErrBadURL, err)
	}
	if _, err := pq.NewConfig(s); err != nil {
		return "", fmt.Errorf("%w: %v", ErrBadURL, err)
	}
	return s, nil
}

// withPragmas appends the defaults to a SQLite DSN, keeping any the caller set.
func withPragmas(path, query string) string {
	q, _ := url.ParseQuery(query)
	for _, p := range sqlitePragmas {
		if p.name == "" {
			if q.Get(p.key) == "" {
				q.Add(p.key, p.value)
			}
			continue
		}
		if p.name == "foreign_keys" {
			// Foreign keys are not optional: drop any setting that could turn them off.
			q.Del("_fk")
			q.Del("_foreign_keys")
			q["_pragma"] = slices.DeleteFunc(q["_pragma"], func(v string) bool { return pragmaIs(v, p.name) })
		} else if slices.ContainsFunc(q["_pragma"], func(v string) bool { return pragmaIs(v, p.name) }) {
			continue
		}
		q.Add(p.key, p.value)
	}
	// Encode sorts keys; keep the parentheses readable (the driver decodes either way).
	enc := strings.NewReplacer("%28", "(", "%29", ")").Replace(q.Encode())
	return path + "?" + enc
}

func pragmaIs(v, name string) bool {
	return strings.HasPrefix(strings.ToLower(strings.TrimSpace(v)), name)
}

// escapePath keeps a file path intact inside a SQLite file: URI.
func escapePath(p string) string {
	return strings.NewReplacer("%", "%25", "?", "%3f", "#", "%23").Replace(p)
}
