package queue

import (
	"context"
	"errors"
	"fmt"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"

	"backbone/internal/errs"
)

// dialRetry dials until it succeeds, ctx ends or the queue is closed.
func (q *AMQP) dialRetry(ctx context.Context) (*amqp.Connection, error) {
	delay := q.cfg.minBackoff
	for attempt := 1; ; attempt++ {
		if q.isClosed() {
			return nil, errs.E(errs.Unavailable, "queue closed")
		}
		conn, err := q.dial()
		if err == nil {
			return conn, nil
		}
		if errors.Is(err, amqp.ErrCredentials) || errors.Is(err, amqp.ErrVhost) || errors.Is(err, amqp.ErrSASL) {
			return nil, fmt.Errorf("connect to RabbitMQ: %w", err)
		}
		q.log.Warn("queue: RabbitMQ unreachable, retrying", "attempt", attempt, "in", delay, "timeout", q.cfg.connectTimeout, "err", err)
		select {
		case <-time.After(delay):
		case <-ctx.Done():
			return nil, errs.E(errs.Unavailable, "RabbitMQ unreachable").With("cause", err.Error())
		case <-q.closed:
			return nil, errs.E(errs.Unavailable, "queue closed")
		}
		delay = min(delay*2, q.cfg.maxBackoff)
	}
}

// dial opens a connection and its confirm-mode publishing channel, and makes them current.
func (q *AMQP) dial() (*amqp.Connection, error) {
	props := amqp.NewConnectionProperties()
	props.SetClientConnectionName(q.cfg.connName)
	conn, err := amqp.DialConfig(q.url, amqp.Config{
		Properties: props,
		Heartbeat:  10 * time.Second,
		Dial:       amqp.DefaultDial(5 * time.Second),
	})
	if err != nil {
		return nil, err
	}
	pub, err := openConfirmChannel(conn)
	if err != nil {
		_ = conn.Close()
		return nil, err
	}
	q.mu.Lock()
	if q.isClosed() { // Close ran while we dialled
		q.mu.Unlock()
		_ = conn.Close()
		return nil, errs.E(errs.Unavailable, "queue closed")
	}
	q.conn, q.pub, q.declared = conn, pub, map[string]bool{}
	close(q.ready)
	q.mu.Unlock()
	q.log.Info("queue: connected to RabbitMQ", "name", q.cfg.connName)
	return conn, nil
}

func openConfirmChannel(conn *amqp.Connection) (*amqp.Channel, error) {
	ch, err := conn.Channel()
	if err != nil {
		return nil, err
	}
	if err := ch.Confirm(false); err != nil {
		_ = ch.Close()
		return nil, err
	}
	return ch, nil
}

// supervise waits for the connection to drop and dials again, until Close.
func (q *AMQP) supervise(conn *amqp.Connection) {
	defer close(q.done)
	for {
		lost := conn.NotifyClose(make(chan *amqp.Error, 1))
		select {
		case <-q.closed:
			return
		case err := <-lost:
			q.log.Warn("queue: RabbitMQ connection lost, reconnecting", "err", err)
		}
		q.mu.Lock()
		if q.conn == conn {
			q.conn, q.pub, q.ready = nil, nil, make(chan struct{})
		}
		q.mu.Unlock()
		var err error
		if conn, err = q.dialRetry(context.Background()); err != nil {
			return // closed
		}
	}
}

// current returns the live connection and publishing channel, reopening the channel if a
// channel error closed it; errs.Unavailable while disconnected.
func (q *AMQP) current() (*amqp.Connection, *amqp.Channel, error) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.conn == nil || q.conn.IsClosed() {
		return nil, nil, errs.E(errs.Unavailable, "RabbitMQ unavailable")
	}
	if q.pub == nil || q.pub.IsClosed() {
		pub, err := openConfirmChannel(q.conn)
		if err != nil {
			return nil, nil, errs.Wrap("queue", errs.E(errs.Unavailable, "RabbitMQ unavailable").With("cause", err.Error()))
		}
		q.pub, q.declared = pub, map[string]bool{}
	}
	return q.conn, q.pub, nil
}

// waitConn blocks until connected; it returns nil when ctx ends or the queue is closed.
func (q *AMQP) waitConn(ctx context.Context) *amqp.Connection {
	for {
		q.mu.Lock()
		conn, ready := q.conn, q.ready
		q.mu.Unlock()
		if conn != nil && !conn.IsClosed() {
			return conn
		}
		select {
		case <-ready:
		case <-ctx.Done():
			return nil
		case <-q.closed:
			return nil
		}
	}
}
