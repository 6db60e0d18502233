package main

import (
	"testing"

	"backbone/internal/testenv"
)

func TestLiveEventsCrossInstancesOverRedis(t *testing.T) {
	t.Parallel()
	env := authEnv(t) // one database and one JWT key for both instances
	env["REDIS_URL"] = testenv.NeedRedis(t)
	w := newAzWorld(t, env)
	// A second instance on the same database and Redis, used only to subscribe.
	other := &azWorld{ts: startServer(t, env), db: w.db, callers: w.callers}
	client, admin, expert := w.callers[azClient], w.callers[azAdmin], w.callers[azExpert]

	tasks := lvSubscribe(t, other, expert.Token, lvTaskQueueChanged, nil)
	stats := lvSubscribe(t, other, admin.Token, `subscription { platformStats { queueDepth questionsByStatus { status count } } }`, nil)
	var first struct{ PlatformStats lvStats }
	stats.event(t, &first)
	// Questions submitted on the first instance; other tests may share Redis, so the
	// expert waits for one of these.
	var ids []string
	lvWarm(t, func() { ids = append(ids, w.qfSubmitIn(t, client, qfSubject)) }, tasks)
	id := w.qfSubmitIn(t, client, qfSubject)
	lvTasksUntil(t, tasks, "ADDED", id)

	updates := lvSubscribe(t, other, client.Token, lvQuestionUpdated, map[string]any{"id": id})
	w.qfAwait(t, client.Token, id, "AWAITING_EXPERT")
	w.qfClaim(t, expert, id)
	lvWarm(t, func() {
		var out struct{ ExtendLease struct{ ID string } }
		w.mustGQL(t, expert.Token, `mutation($id: ID!) { extendLease(id: $id) { id } }`, map[string]any{"id": id}, &out)
	}, updates)
	for { // the claimed one, and every other waiting
		var got struct{ PlatformStats lvStats }
		stats.event(t, &got)
		if s := got.PlatformStats; s.count("CLAIMED") == 1 && s.QueueDepth == len(ids) {
			break
		}
	}
}
