package main

import (
	"context"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"backbone/ent/outboxmessage"
	"backbone/ent/privacy"
	"backbone/internal/db"
	"backbone/internal/testenv"
)

// TestNotificationOfAnEventCommittedDuringARedisOutage runs the server as a process on a
// private Redis and the memory queue. Redis dies; a question is cancelled; Redis comes
// back, and the relay publishes the event before the process's bus subscriptions are
// restored (held off here until it has, as a slower reconnect does), so the bus delivers
// it to no one. The notification must not depend on the bus: it is stored, once, though
// the relay retried the event while Redis was away.
func TestNotificationOfAnEventCommittedDuringARedisOutage(t *testing.T) {
	t.Parallel()
	redisPort := freePort(t)
	stopRedis := startRedis(t, redisPort)
	dbURL := testenv.NewPostgresDB(t)
	env := map[string]string{
		"DATABASE_URL":     dbURL,
		"REDIS_URL":        "redis://127.0.0.1:" + strconv.Itoa(redisPort) + "/0",
		"JWT_SECRET":       testJWTSecret,
		"TRUSTED_PROXIES":  "127.0.0.1/32",
		"RUN_WORKERS":      "true",
		"LOG_LEVEL":        "warn",
		"STARTUP_TIMEOUT":  "60s",
		"SHUTDOWN_TIMEOUT": "10s",
	}
	proc := startProcesses(t, buildServerBinary(t), env, "A")[0]
	on := newAPI(proc.testServer)
	client := on.registerVerified(t, uniqueEmail("outage"))
	cred := bearer(client.AccessToken)
	mpBuyCredits(t, on, cred, qfPrice)
	q := mpSubmit(t, on, cred)
	mpAwaitStatus(t, on, cred, q, "AWAITING_EXPERT")
	waitFor(t, mpEventLimit, "the AWAITING_EXPERT notification", func() bool {
		return notificationsWithStatus(t, on, cred, q, "AWAITING_EXPERT") == 1
	})

	stopRedis()
	waitFor(t, mpEventLimit, "the bus reported down", func() bool { return busStatus(t, proc.testServer) == "down" })
	mpCancel(t, on, cred, q) // commits question.updated CANCELLED to the outbox
	time.Sleep(time.Second)  // the relay tries the event while Redis is away
	startRedis(t, redisPort)
	letSubscribersBack := holdSubscribersOff(t, redisPort)
	waitFor(t, mpEventLimit, "the relay published every event", func() bool { return undeliveredEvents(t, dbURL) == 0 })
	letSubscribersBack()
	waitFor(t, mpEventLimit, "the bus reported up again", func() bool { return busStatus(t, proc.testServer) == "up" })

	waitFor(t, mpEventLimit, "the CANCELLED notification", func() bool {
		return notificationsWithStatus(t, on, cred, q, "CANCELLED") > 0
	})
	time.Sleep(2 * time.Second) // room for a repeated delivery to show
	if n := notificationsWithStatus(t, on, cred, q, "CANCELLED"); n != 1 {
		t.Fatalf("%d CANCELLED notifications of question %s, want 1", n, q)
	}
}

// holdSubscribersOff disconnects every subscriber of the Redis on port as soon as it
// connects, until the returned func is called: publishing works, subscriptions do not.
func holdSubscribersOff(t *testing.T, port int) (release func()) {
	t.Helper()
	c := redis.NewClient(&redis.Options{Addr: "127.0.0.1:" + strconv.Itoa(port)})
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Go(func() {
		for ctx.Err() == nil {
			_ = c.Do(ctx, "CLIENT", "KILL", "TYPE", "pubsub").Err()
			time.Sleep(2 * time.Millisecond)
		}
	})
	var once sync.Once
	release = func() {
		once.Do(func() {
			cancel()
			wg.Wait()
			_ = c.Close()
		})
	}
	t.Cleanup(release)
	return release
}

// undeliveredEvents counts the outbox events not yet published.
func undeliveredEvents(t *testing.T, url string) int {
	t.Helper()
	d, err := db.Open(context.Background(), url, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	n, err := d.Client.OutboxMessage.Query().
		Where(outboxmessage.KindEQ(outboxmessage.KindEVENT), outboxmessage.DeliveredAtIsNil()).
		Count(privacy.DecisionContext(context.Background(), privacy.Allow))
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// notificationsWithStatus counts the viewer's QUESTION_UPDATED notifications of question
// id with status.
func notificationsWithStatus(t *testing.T, on *api, cred, id, status string) int {
	t.Helper()
	var out struct {
		Notifications struct {
			Edges []struct{ Node nfNotification }
		}
	}
	on.ok(t, cred, `{ notifications(first: 100) { edges { node { id kind cursor payload } } } }`, nil, &out)
	n := 0
	for _, e := range out.Notifications.Edges {
		p := e.Node.Payload
		if e.Node.Kind == "QUESTION_UPDATED" && p["questionId"] == id && p["status"] == status {
			n++
		}
	}
	return n
}
