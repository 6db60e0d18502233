package main

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"sync"

	amqp "github.com/rabbitmq/amqp091-go"
	"github.com/redis/go-redis/v9"
)

// libraryLogs sends what go-redis and amqp091-go print through the process's slog logger,
// as structured lines with a "library" attribute, instead of their own unstructured
// lines on stderr. Their loggers are process globals: the first logger set wins (tests
// run many servers in one process; each process in production has one logger).
var libraryLogs sync.Once

func routeLibraryLogs(log *slog.Logger) {
	libraryLogs.Do(func() {
		redis.SetLogger(redisLog{log.With("library", "go-redis")})
		amqp.SetLogger(amqpLog{log.With("library", "amqp091-go")})
	})
}

// Both libraries log only what goes wrong (lost connections, pool trouble): warnings.
type redisLog struct{ log *slog.Logger }

func (l redisLog) Printf(ctx context.Context, format string, v ...any) {
	l.log.WarnContext(ctx, strings.TrimSpace(fmt.Sprintf(format, v...)))
}

type amqpLog struct{ log *slog.Logger }

func (l amqpLog) Printf(format string, v ...any) {
	l.log.Warn(strings.TrimSpace(fmt.Sprintf(format, v...)))
}
