package main

import (
	"testing"
	"time"
)

// azLiveRows are the rows of the live subscriptions. A subscription's first event comes
// from its trigger, which repeats its change a few times: the subscribe message is sent
// just before the trigger runs, and a change made before the server subscribed is lost.
func azLiveRows() []azRow {
	repeat := func(t *testing.T, change func()) {
		for i := 0; i < 3; i++ {
			change()
			time.Sleep(300 * time.Millisecond)
		}
	}
	return []azRow{
		{
			// A question of the first client claimed by a fresh expert, who is the expert
			// caller; object keeps that expert's token for the trigger.
			op: `subscription($id: ID!) { questionUpdated(id: $id) { id status } }`,
			prepare: func(t *testing.T, w *azWorld, c azCaller, req *azRequest) {
				expert := w.qfExpert(t)
				req.vars = map[string]any{"id": w.qfClaimed(t, w.callers[azClient], expert)}
				req.object = expert.Token
				if c == azExpert {
					req.token = expert.Token
				}
			},
			want: func() map[azCaller]azOutcome {
				m := azExpect(azUnauthenticated, azNotFound, azAllowed)
				m[azClient], m[azExpert] = azAllowed, azAllowed
				return m
			}(),
			trigger: func(t *testing.T, w *azWorld, req azRequest) {
				repeat(t, func() {
					var out struct{ ExtendLease struct{ ID string } }
					w.mustGQL(t, req.object, `mutation($id: ID!) { extendLease(id: $id) { id } }`, req.vars, &out)
				})
			},
		},
		{
			// The table's experts declare physics; the pending one is refused by the service.
			op: `subscription { taskQueueChanged { questionId change } }`,
			want: func() map[azCaller]azOutcome {
				m := azExpect(azUnauthenticated, azForbidden, azForbidden)
				m[azExpert] = azAllowed
				return m
			}(),
			trigger: func(t *testing.T, w *azWorld, req azRequest) {
				repeat(t, func() { w.qfSubmit(t, w.callers[azClient2]) })
			},
		},
		{
			// The current figures come at once.
			op:      `subscription { platformStats { queueDepth expertsOnline questionsByStatus { status count } at } }`,
			want:    azAdminOnly(),
			trigger: func(t *testing.T, w *azWorld, req azRequest) {},
		},
	}
}
