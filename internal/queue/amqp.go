package queue

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"sync"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"
	semconv "go.opentelemetry.io/otel/semconv/v1.43.0"
	"go.opentelemetry.io/otel/trace"

	"backbone/internal/errs"
)

// AMQP is the RabbitMQ Queue. Per topic T and prefix P it uses durable queues P.T (jobs),
// P.T.retry.<ms> (a failed job waits there for its message TTL, then is dead-lettered
// back to P.T) and P.T.dead (dead letters). Messages are persistent, publishes wait for
// the broker's confirm, consumers ack by hand. A lost connection is re-dialled with
// backoff in the background; consumers resume by themselves.
type AMQP struct {
	url string
	cfg amqpConfig
	log *slog.Logger
	// spans traces publishes and deliveries.
	spans spans

	mu       sync.Mutex
	conn     *amqp.Connection // nil while disconnected
	pub      *amqp.Channel    // confirm-mode channel for all publishes
	ready    chan struct{}    // closed while connected; replaced when the connection is lost
	declared map[string]bool  // queues declared on the current connection
	names    map[string]bool  // every queue this instance declared, for DeleteTopology

	closed    chan struct{}
	closeOnce sync.Once
	done      chan struct{} // closed when the supervisor has stopped
}

var _ Queue = (*AMQP)(nil)

type amqpConfig struct {
	prefix         string
	connectTimeout time.Duration
	minBackoff     time.Duration
	maxBackoff     time.Duration
	connName       string
	tracer         trace.TracerProvider
}

// AMQPOption configures NewAMQP.
type AMQPOption func(*amqpConfig)

// WithPrefix sets the prefix of every queue name (default "backbone"). Tests use a random
// one and call DeleteTopology at the end.
func WithPrefix(prefix string) AMQPOption { return func(c *amqpConfig) { c.prefix = prefix } }

// WithConnectTimeout bounds how long NewAMQP keeps trying to reach the broker (default 30s).
func WithConnectTimeout(d time.Duration) AMQPOption {
	return func(c *amqpConfig) { c.connectTimeout = d }
}

// WithReconnectBackoff sets the first and the largest delay between connection attempts
// (default 200ms and 10s), at start-up and after a connection is lost.
func WithReconnectBackoff(first, max time.Duration) AMQPOption {
	return func(c *amqpConfig) { c.minBackoff, c.maxBackoff = first, max }
}

// WithConnectionName sets the name the broker shows for the connection (default
// "backbone-<host>-<pid>").
func WithConnectionName(name string) AMQPOption { return func(c *amqpConfig) { c.connName = name } }

// WithTracerProvider makes the queue's send and process spans with tp (default: none).
// The trace context travels in each message's headers either way.
func WithTracerProvider(tp trace.TracerProvider) AMQPOption {
	return func(c *amqpConfig) { c.tracer = tp }
}

// NewAMQP connects to RabbitMQ at url, retrying with exponential backoff until the connect
// timeout. A malformed URL or refused credentials fail at once. It returns errs.Unavailable
// when the broker stays unreachable.
func NewAMQP(ctx context.Context, url string, log *slog.Logger, opts ...AMQPOption) (*AMQP, error) {
	const op = "queue.NewAMQP"
	host, _ := os.Hostname()
	cfg := amqpConfig{
		prefix:         "backbone",
		connectTimeout: 30 * time.Second,
		minBackoff:     200 * time.Millisecond,
		maxBackoff:     10 * time.Second,
		connName:       fmt.Sprintf("backbone-%s-%d", host, os.Getpid()),
	}
	for _, o := range opts {
		o(&cfg)
	}
	if _, err := amqp.ParseURI(url); err != nil {
		return nil, errs.Wrap(op, fmt.Errorf("invalid AMQP URL: %w", err))
	}
	q := &AMQP{
		url: url, cfg: cfg, log: log, spans: newSpans(cfg.tracer, semconv.MessagingSystemRabbitMQ),
		ready:  make(chan struct{}),
		names:  map[string]bool{},
		closed: make(chan struct{}),
		done:   make(chan struct{}),
	}
	ctx, cancel := context.WithTimeout(ctx, cfg.connectTimeout)
	defer cancel()
	conn, err := q.dialRetry(ctx)
	if err != nil {
		return nil, errs.Wrap(op, err)
	}
	go q.supervise(conn)
	return q, nil
}

// Ping implements Queue: it opens and closes a channel on the live connection.
func (q *AMQP) Ping(ctx context.Context) error {
	conn, _, err := q.current()
	if err != nil {
		return err
	}
	res := make(chan error, 1)
	go func() {
		ch, err := conn.Channel()
		if err == nil {
			err = ch.Close()
		}
		res <- err
	}()
	select {
	case err := <-res:
		if err != nil {
			return errs.E(errs.Unavailable, "RabbitMQ unavailable").With("cause", err.Error())
		}
		return nil
	case <-ctx.Done():
		return errs.E(errs.Unavailable, "RabbitMQ ping timed out")
	}
}

// Close implements Queue: it stops reconnecting and closes the connection.
func (q *AMQP) Close() error {
	q.closeOnce.Do(func() {
		close(q.closed)
		q.mu.Lock()
		conn := q.conn
		q.conn, q.pub = nil, nil
		q.mu.Unlock()
		if conn != nil {
			_ = conn.Close()
		}
		<-q.done
	})
	return nil
}

func (q *AMQP) isClosed() bool {
	select {
	case <-q.closed:
		return true
	default:
		return false
	}
}
