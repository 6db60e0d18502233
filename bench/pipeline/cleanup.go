package main

import (
	"context"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"

	"backbone/workers"
)

// cleanUp deletes what the workers left on the shared services under the run's
// NAMESPACE: the job and dead-letter queues of every topic they consume, and the Redis
// keys (cache, rate limits). Retry queues exist only if a job failed; they expire by
// themselves an hour after their last use (see internal/queue).
func cleanUp(env *benchEnv, o options, ns string) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	b, err := dialBroker(o.amqp, ns)
	if err == nil {
		err = b.deleteQueues(workers.Topics(workers.Deps{DB: env.db, Questions: env.questions}))
		b.close()
	}
	if err != nil {
		logf("warning: RabbitMQ queues %s.* not deleted: %v", ns, err)
	}
	if n, err := deleteKeys(ctx, o.redis, ns+":*"); err != nil {
		logf("warning: Redis keys %s:* not deleted: %v", ns, err)
	} else {
		logf("deleted the RabbitMQ queues %s.* and %d Redis keys %s:*", ns, n, ns)
	}
}

// deleteQueues deletes the job and dead-letter queues of topics, with their messages.
func (b *broker) deleteQueues(topics []string) error {
	ch, err := b.conn.Channel()
	if err != nil {
		return err
	}
	defer ch.Close()
	for _, t := range topics {
		for _, name := range []string{b.ns + "." + t, b.ns + "." + t + ".dead"} {
			if _, err := ch.QueueDelete(name, false, false, false); err != nil {
				return fmt.Errorf("delete %s: %w", name, err)
			}
		}
	}
	return nil
}

// deleteKeys deletes the keys matching pattern and returns how many there were.
func deleteKeys(ctx context.Context, url, pattern string) (int, error) {
	opts, err := redis.ParseURL(url)
	if err != nil {
		return 0, err
	}
	rc := redis.NewClient(opts)
	defer rc.Close()
	n := 0
	iter := rc.Scan(ctx, 0, pattern, 500).Iterator()
	for iter.Next(ctx) {
		if err := rc.Del(ctx, iter.Val()).Err(); err != nil {
			return n, err
		}
		n++
	}
	return n, iter.Err()
}
