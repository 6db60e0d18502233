package redisconn_test

import (
	"context"
	"io"
	"log/slog"
	"net"
	"strings"
	"testing"
	"time"

	"backbone/internal/errs"
	"backbone/internal/redisconn"
	"backbone/internal/testenv"
)

func discard() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

func TestOpenConnectsToRedis(t *testing.T) {
	t.Parallel()
	u := testenv.NeedRedis(t)
	c, err := redisconn.Open(context.Background(), u, discard())
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	defer c.Close()
	if err := c.Ping(context.Background()).Err(); err != nil {
		t.Fatalf("Ping: %v", err)
	}
}

func TestOpenRejectsBadURL(t *testing.T) {
	t.Parallel()
	tests := []struct{ name, url string }{
		{"wrong scheme", "http://127.0.0.1:6379"},
		{"bad port", "redis://:secret@127.0.0.1:notaport/0"},
		{"bad db", "redis://127.0.0.1:6379/notanumber"},
		{"empty", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := redisconn.Open(context.Background(), tt.url, discard())
			if got := errs.CodeOf(err); got != errs.BadUserInput {
				t.Fatalf("code = %s, want %s (err %v)", got, errs.BadUserInput, err)
			}
			if strings.Contains(err.Error(), "secret") {
				t.Fatalf("error leaks the password: %v", err)
			}
		})
	}
}

func TestOpenGivesUpWhenNothingListens(t *testing.T) {
	t.Parallel()
	addr := closedPort(t)
	start := time.Now()
	_, err := redisconn.Open(context.Background(), "redis://"+addr+"/0", discard(),
		redisconn.WithConnectTimeout(500*time.Millisecond), redisconn.WithInitialBackoff(50*time.Millisecond))
	if got := errs.CodeOf(err); got != errs.Unavailable {
		t.Fatalf("code = %s, want %s (err %v)", got, errs.Unavailable, err)
	}
	if time.Since(start) > 20*time.Second {
		t.Fatalf("Open did not give up after its connect timeout (took %s)", time.Since(start))
	}
}

func TestOpenStopsWhenContextEnds(t *testing.T) {
	t.Parallel()
	addr := closedPort(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := redisconn.Open(ctx, "redis://"+addr+"/0", discard())
	if err == nil {
		t.Fatal("Open succeeded with a cancelled context and no server")
	}
}

// closedPort returns an address on which nothing listens.
func closedPort(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return addr
}
