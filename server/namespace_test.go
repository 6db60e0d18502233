package main

import (
	"context"
	"testing"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"
	"github.com/redis/go-redis/v9"

	"backbone/internal/testenv"
)

// Deployments sharing a Redis and a RabbitMQ are kept apart by NAMESPACE: the server's
// bus channels and job queues carry it.
func TestNamespacePrefixesBusChannelsAndQueues(t *testing.T) {
	t.Parallel()
	// A fixed name: the durable queues it declares are reused by the next run, not piled up
	// (nothing in this test makes a job).
	const ns = "backbone-namespace-test"
	env := authEnv(t)
	env["REDIS_URL"], env["AMQP_URL"], env["NAMESPACE"] = testenv.NeedRedis(t), testenv.NeedAMQP(t), ns

	opt, err := redis.ParseURL(env["REDIS_URL"])
	if err != nil {
		t.Fatal(err)
	}
	rc := redis.NewClient(opt)
	t.Cleanup(func() { rc.Close() })
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	ps := rc.PSubscribe(ctx, ns+":bus:*")
	t.Cleanup(func() { ps.Close() })
	if _, err := ps.Receive(ctx); err != nil { // the subscription's confirmation
		t.Fatal(err)
	}

	a := newAPI(startServer(t, env))
	s := a.register(t, uniqueEmail("ns"))
	a.ok(t, bearer(s.AccessToken), logoutMutation, map[string]any{"all": true}, nil)
	for {
		m, err := ps.ReceiveMessage(ctx)
		if err != nil {
			t.Fatalf("no message on %s:bus:*: %v", ns, err)
		}
		if m.Channel == ns+":bus:auth.sessions.revoked" {
			break
		}
	}

	conn, err := amqp.Dial(env["AMQP_URL"])
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	ch, err := conn.Channel()
	if err != nil {
		t.Fatal(err)
	}
	// The server's workers declared the queue of each job topic under the namespace.
	if _, err := ch.QueueDeclarePassive(ns+".questions.route", true, false, false, false, nil); err != nil {
		t.Fatalf("queue %s.questions.route: %v", ns, err)
	}
}
