package main

import (
	"strconv"
	"testing"
	"time"

	"backbone/internal/testenv"
)

// TestNotificationOfAnEventCommittedDuringARedisOutage runs the server as a process on a
// private Redis and the memory queue. Redis dies; a question is cancelled; Redis comes
// back. The relay may publish the event on the bus before the subscriptions of the
// process are restored, and the bus keeps nothing for them: the notification must not
// depend on it. It is stored once, though the relay retries the event until the bus is
// back.
func TestNotificationOfAnEventCommittedDuringARedisOutage(t *testing.T) {
	t.Parallel()
	redisPort := freePort(t)
	stopRedis := startRedis(t, redisPort)
	env := map[string]string{
		"DATABASE_URL":     testenv.NewPostgresDB(t),
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
	client := on.register(t, uniqueEmail("outage"))
	cred := bearer(client.AccessToken)
	mpBuyCredits(t, on, cred, qfPrice)
	q := mpSubmit(t, on, cred)
	mpAwaitStatus(t, on, cred, q, "AWAITING_EXPERT")
	waitFor(t, mpEventLimit, "the AWAITING_EXPERT notification", func() bool {
		return notificationsWithStatus(t, on, cred, q, "AWAITING_EXPERT") == 1
	})

	stopRedis()
	waitFor(t, mpEventLimit, "the bus reported down", func() bool { return busStatus(t, proc.testServer) == "down" })
	// A real outage lasts: the subscriptions' reconnect backoff grows meanwhile.
	time.Sleep(6 * time.Second)
	mpCancel(t, on, cred, q) // commits question.updated CANCELLED to the outbox
	startRedis(t, redisPort)
	waitFor(t, mpEventLimit, "the bus reported up again", func() bool { return busStatus(t, proc.testServer) == "up" })

	waitFor(t, mpEventLimit, "the CANCELLED notification", func() bool {
		return notificationsWithStatus(t, on, cred, q, "CANCELLED") > 0
	})
	time.Sleep(3 * time.Second) // room for a repeated delivery to show
	if n := notificationsWithStatus(t, on, cred, q, "CANCELLED"); n != 1 {
		t.Fatalf("%d CANCELLED notifications of question %s, want 1", n, q)
	}
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
		if e.Node.Kind == "QUESTION_UPDATED" && p["questionId"] == azUUID(t, id).String() && p["status"] == status {
			n++
		}
	}
	return n
}
