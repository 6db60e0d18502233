package queue

import (
	"context"
	"fmt"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"
	"go.opentelemetry.io/otel/trace"

	"backbone/internal/errs"
	"backbone/internal/tracing"
)

// Header names carried by AMQP messages.
const (
	headerAttempt = "x-attempt"
	headerReason  = "x-reason"
)

// confirmTimeout bounds a retry or dead-letter publish made on a handler's behalf.
const confirmTimeout = 30 * time.Second

func (q *AMQP) mainQueue(topic string) string { return q.cfg.prefix + "." + topic }
func (q *AMQP) deadQueue(topic string) string { return q.cfg.prefix + "." + topic + ".dead" }
func (q *AMQP) retryQueue(topic string, delay time.Duration) string {
	return fmt.Sprintf("%s.%s.retry.%d", q.cfg.prefix, topic, delay.Milliseconds())
}

// declareTopic declares the job and dead-letter queues of topic on ch.
func (q *AMQP) declareTopic(ch *amqp.Channel, topic string) error {
	for _, name := range []string{q.mainQueue(topic), q.deadQueue(topic)} {
		if _, err := ch.QueueDeclare(name, true, false, false, false, nil); err != nil {
			return fmt.Errorf("declare %s: %w", name, err)
		}
		q.remember(name)
	}
	return nil
}

// declareRetry declares the retry queue for delay. It is declared before every use: its
// x-expires removes it after a quiet spell, and redeclaring restarts that clock.
func (q *AMQP) declareRetry(ch *amqp.Channel, topic string, delay time.Duration) (string, error) {
	name := q.retryQueue(topic, delay)
	ttl := delay.Milliseconds()
	_, err := ch.QueueDeclare(name, true, false, false, false, amqp.Table{
		"x-message-ttl":             ttl,
		"x-dead-letter-exchange":    "",
		"x-dead-letter-routing-key": q.mainQueue(topic),
		"x-expires":                 ttl + time.Hour.Milliseconds(),
	})
	if err != nil {
		return "", fmt.Errorf("declare %s: %w", name, err)
	}
	q.remember(name)
	return name, nil
}

func (q *AMQP) remember(name string) {
	q.mu.Lock()
	q.names[name] = true
	q.mu.Unlock()
}

// Publish implements Queue. It returns after the broker confirmed the message, or with
// errs.Unavailable when disconnected or when the broker refused it.
func (q *AMQP) Publish(ctx context.Context, topic, id string, payload []byte) error {
	if err := checkTopic(topic); err != nil {
		return err
	}
	span, carried := q.spans.send(ctx, topic, id)
	err := q.publish(ctx, topic, "", Job{ID: id, Topic: topic, Payload: payload, Attempt: 1, trace: carried}, "")
	end(span, err)
	return err
}

// PublishBatch implements BatchPublisher: it sends every job in order on the publishing
// channel, then waits for their confirms, so that the broker's disk writes for them are
// shared instead of awaited one by one.
func (q *AMQP) PublishBatch(ctx context.Context, msgs []Message) []error {
	out := make([]error, len(msgs))
	sent := make([]*amqp.DeferredConfirmation, len(msgs))
	spans := make([]trace.Span, len(msgs))
	for i, m := range msgs {
		if out[i] = checkTopic(m.Topic); out[i] == nil {
			var carried tracing.Carrier
			spans[i], carried = q.spans.send(tracing.Extract(ctx, m.Trace), m.Topic, m.ID)
			sent[i], out[i] = q.send(ctx, m.Topic, "", Job{ID: m.ID, Topic: m.Topic, Payload: m.Payload, Attempt: 1, trace: carried}, "")
		}
	}
	for i, dc := range sent {
		if dc != nil {
			out[i] = confirmed(ctx, dc)
		}
		if spans[i] != nil {
			end(spans[i], out[i])
		}
	}
	return out
}

// publish sends job to queue (the topic's job queue when empty) and waits for the confirm.
func (q *AMQP) publish(ctx context.Context, topic, queue string, job Job, reason string) error {
	dc, err := q.send(ctx, topic, queue, job, reason)
	if err != nil {
		return err
	}
	return confirmed(ctx, dc)
}

// send publishes job to queue (the topic's job queue when empty) without waiting for the
// broker's confirm.
func (q *AMQP) send(ctx context.Context, topic, queue string, job Job, reason string) (*amqp.DeferredConfirmation, error) {
	const op = "queue.Publish"
	_, ch, err := q.current()
	if err != nil {
		return nil, errs.Wrap(op, err)
	}
	if err := q.ensureTopic(ch, topic); err != nil {
		return nil, errs.Wrap(op, unavailable(err))
	}
	if queue == "" {
		queue = q.mainQueue(topic)
	}
	headers := amqp.Table{headerAttempt: int64(job.Attempt)}
	if reason != "" {
		headers[headerReason] = reason
	}
	for k, v := range job.trace {
		headers[k] = v
	}
	dc, err := ch.PublishWithDeferredConfirmWithContext(ctx, "", queue, false, false, amqp.Publishing{
		Headers:      headers,
		ContentType:  "application/octet-stream",
		DeliveryMode: amqp.Persistent,
		MessageId:    job.ID,
		Timestamp:    time.Now(),
		Body:         job.Payload,
	})
	if err != nil {
		return nil, errs.Wrap(op, unavailable(err))
	}
	return dc, nil
}

// confirmed waits for the broker's confirm of a sent message.
func confirmed(ctx context.Context, dc *amqp.DeferredConfirmation) error {
	const op = "queue.Publish"
	acked, err := dc.WaitContext(ctx)
	if err != nil {
		return errs.Wrap(op, unavailable(err))
	}
	if !acked {
		return errs.Wrap(op, errs.E(errs.Unavailable, "RabbitMQ did not confirm the message"))
	}
	return nil
}

// ensureTopic declares topic's queues once per publishing channel.
func (q *AMQP) ensureTopic(ch *amqp.Channel, topic string) error {
	q.mu.Lock()
	done := q.pub == ch && q.declared[topic]
	q.mu.Unlock()
	if done {
		return nil
	}
	if err := q.declareTopic(ch, topic); err != nil {
		return err
	}
	q.mu.Lock()
	if q.pub == ch {
		q.declared[topic] = true
	}
	q.mu.Unlock()
	return nil
}

// retry republishes a failed job with the next attempt number after delay.
func (q *AMQP) retry(ctx context.Context, job Job, delay time.Duration) error {
	next := job
	next.Attempt++
	if delay <= 0 {
		return q.publish(ctx, job.Topic, "", next, "")
	}
	_, ch, err := q.current()
	if err != nil {
		return err
	}
	name, err := q.declareRetry(ch, job.Topic, delay)
	if err != nil {
		return unavailable(err)
	}
	return q.publish(ctx, job.Topic, name, next, "")
}

// bury moves a job to its topic's dead-letter queue with the reason.
func (q *AMQP) bury(ctx context.Context, job Job, reason string) error {
	return q.publish(ctx, job.Topic, q.deadQueue(job.Topic), job, reason)
}

// traceOf reads the trace context a message carries in its headers.
func traceOf(h amqp.Table) tracing.Carrier {
	var c tracing.Carrier
	for _, k := range tracing.Propagator.Fields() {
		if v, ok := h[k].(string); ok {
			if c == nil {
				c = tracing.Carrier{}
			}
			c[k] = v
		}
	}
	return c
}

func unavailable(err error) error {
	return &errs.Error{Code: errs.Unavailable, Message: "RabbitMQ unavailable", Err: err}
}
