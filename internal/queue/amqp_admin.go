package queue

import (
	"context"
	"fmt"
	"sort"

	amqp "github.com/rabbitmq/amqp091-go"

	"backbone/internal/errs"
)

// maxDeadLetters caps what DeadLetters reads from RabbitMQ in one call.
const maxDeadLetters = 1000

// topicChannel opens a channel of its own on the live connection, with topic's queues
// declared; the caller closes it. Errors: UNAVAILABLE.
func (q *AMQP) topicChannel(topic string) (*amqp.Channel, error) {
	conn, _, err := q.current()
	if err != nil {
		return nil, err
	}
	ch, err := conn.Channel()
	if err != nil {
		return nil, unavailable(err)
	}
	if err := q.declareTopic(ch, topic); err != nil {
		_ = ch.Close()
		return nil, unavailable(err)
	}
	return ch, nil
}

// DeadLetters implements Queue: it reads up to 1000 messages of the topic's dead-letter
// queue on a channel of its own and closes it without acking, so they stay.
func (q *AMQP) DeadLetters(ctx context.Context, topic string) ([]DeadLetter, error) {
	const op = "queue.DeadLetters"
	ch, err := q.topicChannel(topic)
	if err != nil {
		return nil, errs.Wrap(op, err)
	}
	defer func() { _ = ch.Close() }()
	var out []DeadLetter
	for len(out) < maxDeadLetters {
		if err := ctx.Err(); err != nil {
			return nil, errs.Wrap(op, err)
		}
		d, ok, err := ch.Get(q.deadQueue(topic), false)
		if err != nil {
			return nil, errs.Wrap(op, unavailable(err))
		}
		if !ok {
			break
		}
		reason, _ := d.Headers[headerReason].(string)
		out = append(out, DeadLetter{
			Job:    Job{ID: d.MessageId, Topic: topic, Payload: d.Body, Attempt: attemptOf(d.Headers), trace: traceOf(d.Headers)},
			Reason: reason,
		})
	}
	return out, nil
}

// Replay implements Queue: on a channel of its own it takes the topic's dead letters one
// by one (unacked, so the others go back when the channel closes) until it finds id,
// publishes that job again as a first attempt, then acks it off the dead-letter queue.
func (q *AMQP) Replay(ctx context.Context, topic, id string) (bool, error) {
	const op = "queue.Replay"
	ch, err := q.topicChannel(topic)
	if err != nil {
		return false, errs.Wrap(op, err)
	}
	defer func() { _ = ch.Close() }()
	for range maxDeadLetters {
		if err := ctx.Err(); err != nil {
			return false, errs.Wrap(op, err)
		}
		d, ok, err := ch.Get(q.deadQueue(topic), false)
		if err != nil {
			return false, errs.Wrap(op, unavailable(err))
		}
		if !ok {
			return false, nil
		}
		if d.MessageId != id {
			continue
		}
		if err := q.publish(ctx, topic, "", Job{ID: id, Topic: topic, Payload: d.Body, Attempt: 1, trace: traceOf(d.Headers)}, ""); err != nil {
			return false, err
		}
		if err := d.Ack(false); err != nil {
			return true, errs.Wrap(op, unavailable(err)) // published: at worst it stays listed too
		}
		return true, nil
	}
	return false, nil
}

// DeleteTopology deletes every queue this instance declared, with its messages, over a
// connection of its own (so it works after Close). It is for tests that use a random
// prefix; never call it in production.
func (q *AMQP) DeleteTopology(context.Context) error {
	const op = "queue.DeleteTopology"
	conn, err := amqp.Dial(q.url)
	if err != nil {
		return errs.Wrap(op, unavailable(err))
	}
	defer func() { _ = conn.Close() }()
	ch, err := conn.Channel()
	if err != nil {
		return errs.Wrap(op, unavailable(err))
	}
	q.mu.Lock()
	names := make([]string, 0, len(q.names))
	for n := range q.names {
		names = append(names, n)
	}
	q.mu.Unlock()
	sort.Strings(names)
	for _, n := range names {
		if _, err := ch.QueueDelete(n, false, false, false); err != nil {
			return errs.Wrap(op, fmt.Errorf("delete %s: %w", n, err))
		}
	}
	return nil
}
