package queue

import (
	"context"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"

	"backbone/internal/errs"
)

// Stats implements Inspector on a channel of its own: the counts come from declaring the
// topic's queues (idempotent; RabbitMQ answers with their ready messages); the age from
// the publish timestamp of the first ready job, taken without ack and put straight back
// (RabbitMQ requeues it in its place; it is marked redelivered, which consumers ignore:
// attempts travel in a header).
func (q *AMQP) Stats(ctx context.Context, topic string) (TopicStats, error) {
	const op = "queue.Stats"
	conn, _, err := q.current()
	if err != nil {
		return TopicStats{}, errs.Wrap(op, err)
	}
	type result struct {
		s   TopicStats
		err error
	}
	res := make(chan result, 1)
	go func() {
		var r result
		r.s, r.err = q.stats(conn, topic)
		res <- r
	}()
	select {
	case r := <-res:
		if r.err != nil {
			return TopicStats{}, errs.Wrap(op, unavailable(r.err))
		}
		return r.s, nil
	case <-ctx.Done():
		return TopicStats{}, errs.Wrap(op, errs.E(errs.Unavailable, "RabbitMQ stats timed out"))
	}
}

func (q *AMQP) stats(conn *amqp.Connection, topic string) (TopicStats, error) {
	ch, err := conn.Channel()
	if err != nil {
		return TopicStats{}, err
	}
	defer func() { _ = ch.Close() }() // also returns the job taken below, if any
	var s TopicStats
	main, err := ch.QueueDeclare(q.mainQueue(topic), true, false, false, false, nil)
	if err != nil {
		return TopicStats{}, err
	}
	dead, err := ch.QueueDeclare(q.deadQueue(topic), true, false, false, false, nil)
	if err != nil {
		return TopicStats{}, err
	}
	q.remember(main.Name)
	q.remember(dead.Name)
	s.Ready, s.Dead = main.Messages, dead.Messages
	if s.Ready == 0 {
		return s, nil
	}
	d, ok, err := ch.Get(main.Name, false)
	if err != nil {
		return TopicStats{}, err
	}
	if ok {
		if !d.Timestamp.IsZero() {
			s.OldestAge = max(time.Since(d.Timestamp), 0)
		}
		if err := d.Nack(false, true); err != nil {
			return TopicStats{}, err
		}
	}
	return s, nil
}
