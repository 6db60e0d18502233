package main

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"sync/atomic"
	"time"

	"github.com/google/uuid"

	"backbone/ent/question"
	"backbone/internal/bus"
	"backbone/internal/events"
)

// eventTable is the run's events, made before any is sent so that readers look them up
// without locks. Event 0 is the warm-up, which proves every subscription live and is left
// out of the figures.
type eventTable struct {
	ids   []uuid.UUID
	index map[string]int // questionId as the server may print it (raw or Relay id) -> event
	sent  []atomic.Int64 // unix nanos of each event's "at", 0 until published
}

func newEventTable(measured int) *eventTable {
	n := measured + 1
	t := &eventTable{ids: make([]uuid.UUID, n), index: make(map[string]int, 2*n), sent: make([]atomic.Int64, n)}
	for i := range t.ids {
		id := uuid.New()
		t.ids[i] = id
		t.index[id.String()] = i
		t.index[relayID("Question", id)] = i
	}
	return t
}

// lookup returns the event a delivered questionId names and when it was sent.
func (t *eventTable) lookup(questionID []byte) (idx int, at int64, ok bool) {
	idx, ok = t.index[string(questionID)] // no allocation: the compiler special-cases this
	if !ok {
		return 0, 0, false
	}
	at = t.sent[idx].Load()
	return idx, at, at != 0
}

// publish sends event i as task.available with at = now, and records at.
func (t *eventTable) publish(ctx context.Context, b bus.Bus, i int) error {
	now := time.Now()
	payload, err := json.Marshal(events.TaskAvailable{
		QuestionID: t.ids[i],
		Subject:    benchSubject,
		Title:      "Bench question",
		Urgency:    question.UrgencyNORMAL,
		Price:      20,
		Deadline:   now.Add(24 * time.Hour).UTC().Truncate(time.Second),
		At:         now,
	})
	if err != nil {
		return err
	}
	t.sent[i].Store(now.UnixNano())
	return b.Publish(ctx, events.TopicTaskAvailable, payload)
}

// relayID is the opaque Relay id the GraphQL layer gives a node: base64url of "Type:uuid".
func relayID(typ string, id uuid.UUID) string {
	return base64.RawURLEncoding.EncodeToString([]byte(typ + ":" + id.String()))
}
