package health_test

import (
	"database/sql"
	"net"
	"net/http"
	"testing"

	_ "github.com/lib/pq"

	"backbone/internal/health"
	"backbone/internal/testenv"
)

func openDB(t *testing.T, url string) *sql.DB {
	t.Helper()
	db, err := sql.Open("postgres", url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = db.Close() })
	return db
}

// closedPort returns an address nothing listens on.
func closedPort(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	_ = l.Close()
	return addr
}

func TestPostgresCheck(t *testing.T) {
	t.Parallel()
	live := openDB(t, testenv.NeedPostgres(t))
	dead := openDB(t, "postgres://postgres@"+closedPort(t)+"/test?sslmode=disable&connect_timeout=1")
	tests := []struct {
		name     string
		db       *sql.DB
		status   health.Status
		detailed int
	}{
		{"a reachable database is up", live, health.Up, http.StatusOK},
		{"an unreachable database is down", dead, health.Down, http.StatusServiceUnavailable},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c := health.New(discard(), health.Check{
				Name: "database", Required: true, Ping: tt.db.PingContext,
				Mode: health.ModeExternal, Driver: "postgres",
			})
			rep := c.Snapshot(t.Context())
			if got := rep.Dependencies[0].Status; got != tt.status {
				t.Fatalf("status = %s (%s), want %s", got, rep.Dependencies[0].Error, tt.status)
			}
			if r := get(t, c.Detailed); r.code != tt.detailed {
				t.Fatalf("detailed = %d, want %d", r.code, tt.detailed)
			}
		})
	}
}
