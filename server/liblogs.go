package main

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"sync"

	"github.com/go-logr/logr"
	amqp "github.com/rabbitmq/amqp091-go"
	"github.com/redis/go-redis/v9"
	"go.opentelemetry.io/otel"
)

// libraryLogs sends what go-redis, amqp091-go and OpenTelemetry print through the
// process's slog logger, as structured lines with a "library" attribute, instead of their
// own unstructured lines on stderr. Their loggers are process globals: the first logger set wins (tests
// run many servers in one process; each process in production has one logger).
var libraryLogs sync.Once

func routeLibraryLogs(log *slog.Logger) {
	libraryLogs.Do(func() {
		redis.SetLogger(redisLog{log.With("library", "go-redis")})
		amqp.SetLogger(amqpLog{log.With("library", "amqp091-go")})
		otelLog := log.With("library", "opentelemetry")
		// The SDK's internal logger: its errors at ERROR, its warnings (V(1)) and info
		// (V(4)) below INFO, so shown with LOG_LEVEL=debug only, as its default hid them.
		otel.SetLogger(logr.FromSlogHandler(otelLog.Handler()))
		otel.SetErrorHandler(otelErrors{otelLog})
	})
}

// otelErrors receives what OpenTelemetry fails to do in the background, such as exports
// to a collector that is down: dropped spans, never a failed request, so warnings.
type otelErrors struct{ log *slog.Logger }

func (l otelErrors) Handle(err error) { l.log.Warn(err.Error()) }

// Both libraries log only what goes wrong (lost connections, pool trouble): warnings.
type redisLog struct{ log *slog.Logger }

func (l redisLog) Printf(ctx context.Context, format string, v ...any) {
	l.log.WarnContext(ctx, strings.TrimSpace(fmt.Sprintf(format, v...)))
}

type amqpLog struct{ log *slog.Logger }

func (l amqpLog) Printf(format string, v ...any) {
	l.log.Warn(strings.TrimSpace(fmt.Sprintf(format, v...)))
}
