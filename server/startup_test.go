package main

import (
	"context"
	"log/slog"
	"strconv"
	"strings"
	"testing"
	"time"

	"backbone/internal/testenv"
)

// TestStartupTimeoutReachesEveryService: STARTUP_TIMEOUT is how long each service's
// first connection is retried (their own default, 30 s, used to cap it). Each opener's
// retry warning names its bound; the test stops at the first one.
func TestStartupTimeoutReachesEveryService(t *testing.T) {
	t.Parallel()
	closed := "127.0.0.1:" + strconv.Itoa(freePort(t)) // nothing listens there
	for _, tt := range []struct{ name, warning, key, url string }{
		{"database", "postgres not ready", "DATABASE_URL", "postgres://postgres@" + closed + "/none?sslmode=disable"},
		{"redis", "redis not ready", "REDIS_URL", "redis://" + closed},
		{"rabbitmq", "RabbitMQ unreachable", "AMQP_URL", "amqp://guest:guest@" + closed + "/"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			env := withDefaults(map[string]string{"STARTUP_TIMEOUT": "45s", tt.key: tt.url},
				map[string]string{"DATABASE_URL": testenv.NewSQLiteURL(t), "MAIL_DIR": testMailDir(t)})
			cfg, err := loadConfig(mapEnv(env))
			if err != nil {
				t.Fatal(err)
			}
			logs := &syncBuffer{}
			ctx, cancel := context.WithCancel(context.Background())
			opened := make(chan error, 1)
			go func() {
				a, err := openApp(ctx, cfg, slog.New(slog.NewTextHandler(logs, nil)))
				if err == nil {
					a.close()
				}
				opened <- err
			}()
			defer func() { cancel(); <-opened }()
			for deadline := time.Now().Add(60 * time.Second); !strings.Contains(logs.String(), tt.warning); {
				if time.Now().After(deadline) {
					t.Fatalf("no %q warning within a minute:\n%s", tt.warning, logs)
				}
				time.Sleep(20 * time.Millisecond)
			}
			for _, line := range strings.Split(logs.String(), "\n") {
				if strings.Contains(line, tt.warning) && !strings.Contains(line, "timeout=45s") {
					t.Errorf("the retry is not bounded by STARTUP_TIMEOUT (45s): %s", line)
				}
			}
		})
	}
}
