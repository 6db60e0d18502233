package queue

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"sync"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"
)

// Consume implements Queue. Each call has its own channel with prefetch = Concurrency.
// When the connection drops it waits for in-flight handlers (their acks are lost, so those
// jobs come again), then resumes on the next connection.
func (q *AMQP) Consume(ctx context.Context, topic string, h Handler, opts ConsumeOptions) error {
	if err := checkTopic(topic); err != nil {
		return err
	}
	opts = opts.withDefaults()
	delay := q.cfg.minBackoff
	for {
		conn := q.waitConn(ctx)
		if conn == nil {
			return nil // ctx done or queue closed
		}
		err := q.consumeOnce(ctx, conn, topic, h, opts)
		if ctx.Err() != nil || q.isClosed() {
			return nil
		}
		q.log.Warn("queue: consumer interrupted, resuming", "topic", topic, "in", delay, "err", err)
		select {
		case <-time.After(delay):
		case <-ctx.Done():
			return nil
		}
		delay = min(delay*2, q.cfg.maxBackoff)
	}
}

// consumeOnce consumes on one channel of conn until ctx ends or the channel dies.
func (q *AMQP) consumeOnce(ctx context.Context, conn *amqp.Connection, topic string, h Handler, opts ConsumeOptions) error {
	ch, err := conn.Channel()
	if err != nil {
		return fmt.Errorf("open channel: %w", err)
	}
	// Closing the channel returns unacked (prefetched, never handled) jobs to the queue.
	defer func() { _ = ch.Close() }()
	if err := ch.Qos(opts.Concurrency, 0, false); err != nil {
		return fmt.Errorf("qos: %w", err)
	}
	if err := q.declareTopic(ch, topic); err != nil {
		return err
	}
	deliveries, err := ch.Consume(q.mainQueue(topic), consumerTag(topic), false, false, false, false, nil)
	if err != nil {
		return fmt.Errorf("consume: %w", err)
	}
	q.log.Info("queue: consuming", "topic", topic, "concurrency", opts.Concurrency)
	hctx := context.WithoutCancel(ctx)
	var wg sync.WaitGroup
	for range opts.Concurrency {
		wg.Go(func() {
			for {
				select {
				case <-ctx.Done():
					return
				case d, ok := <-deliveries:
					if !ok {
						return
					}
					if ctx.Err() != nil {
						return // stopping: leave it unacked for another consumer
					}
					q.handle(hctx, topic, h, d, opts)
				}
			}
		})
	}
	wg.Wait()
	return errors.New("delivery channel closed")
}

// handle runs one delivery and settles it: ack on success, or republish to the retry or
// dead-letter queue and then ack. If that republish fails the delivery is requeued as is.
func (q *AMQP) handle(ctx context.Context, topic string, h Handler, d amqp.Delivery, opts ConsumeOptions) {
	job := Job{ID: d.MessageId, Topic: topic, Payload: d.Body, Attempt: attemptOf(d.Headers), trace: traceOf(d.Headers)}
	hctx, span := q.spans.process(ctx, job)
	err := call(hctx, q.log, h, job)
	end(span, err)
	o := decide(err, job.Attempt, opts.MaxAttempts)
	logOutcome(q.log, o, job, err)
	pctx, cancel := context.WithTimeout(ctx, confirmTimeout)
	defer cancel()
	var perr error
	switch o {
	case outcomeRetry:
		perr = q.retry(pctx, job, opts.Backoff(job.Attempt))
	case outcomeDead:
		perr = q.bury(pctx, job, err.Error())
	}
	if perr != nil {
		q.log.Error("queue: cannot reschedule job, requeueing", "topic", topic, "id", job.ID, "err", perr)
		_ = d.Nack(false, true)
		return
	}
	if err := d.Ack(false); err != nil {
		q.log.Warn("queue: ack failed, job will be redelivered", "topic", topic, "id", job.ID, "err", err)
	}
}

func attemptOf(h amqp.Table) int {
	switch v := h[headerAttempt].(type) {
	case int64:
		return max(int(v), 1)
	case int32:
		return max(int(v), 1)
	case int:
		return max(v, 1)
	}
	return 1
}

func consumerTag(topic string) string {
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	return topic + "-" + hex.EncodeToString(b)
}
