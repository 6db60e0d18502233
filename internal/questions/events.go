package questions

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/google/uuid"

	"backbone/ent"
	"backbone/internal/audit"
	"backbone/internal/outbox"
)

// Outbox topics written by the service.
const (
	// TopicRoute is the job that moves a submitted question on (Service.Route handles it).
	TopicRoute = "questions.route"
	// EventQuestionUpdated follows every state change: {questionId, status, clientId, expertId}.
	EventQuestionUpdated = "question.updated"
	// EventTaskAvailable says a question entered the experts' queue: {questionId, subject}.
	EventTaskAvailable = "task.available"
	// EventTaskTaken says a question left the queue: {questionId, expertId}; expertId is
	// null when it left without a claim (cancelled, declined, expired).
	EventTaskTaken = "task.taken"
	// EventAnswerDelivered says an expert delivered an answer: {questionId, clientId}.
	EventAnswerDelivered = "answer.delivered"
)

// RouteJob is the payload of a TopicRoute job.
type RouteJob struct {
	QuestionID uuid.UUID `json:"questionId"`
}

// change is what a transition writes besides the rows: its audit row and its events.
type change struct {
	action string
	meta   map[string]any
	// available: the question entered the queue; taken: it left it (by expert, or nil).
	available bool
	taken     bool
	takenBy   *uuid.UUID
	delivered bool
}

// event is one outbox event about to be written.
type event struct {
	topic   string
	payload any
}

// record writes the audit row and the events of a transition of q (its new state) in tx.
func record(ctx context.Context, tx *ent.Client, q *ent.Question, c change) error {
	err := audit.Record(ctx, tx, audit.Entry{Action: c.action, TargetType: "Question", TargetID: q.ID.String(), Metadata: withStatus(c.meta, q)})
	if err != nil {
		return fmt.Errorf("audit: %w", err)
	}
	events := []event{{EventQuestionUpdated, map[string]any{"questionId": q.ID, "status": q.Status, "clientId": q.ClientID, "expertId": q.ExpertID}}}
	if c.available {
		events = append(events, event{EventTaskAvailable, map[string]any{"questionId": q.ID, "subject": q.Subject}})
	}
	if c.taken {
		events = append(events, event{EventTaskTaken, map[string]any{"questionId": q.ID, "expertId": c.takenBy}})
	}
	if c.delivered {
		events = append(events, event{EventAnswerDelivered, map[string]any{"questionId": q.ID, "clientId": q.ClientID}})
	}
	for _, e := range events {
		if err := emit(ctx, tx, outbox.Event, e.topic, q.ID, e.payload); err != nil {
			return err
		}
	}
	return nil
}

// emit writes one outbox message about question id.
func emit(ctx context.Context, tx *ent.Client, kind outbox.Kind, topic string, id uuid.UUID, payload any) error {
	b, err := json.Marshal(payload)
	if err != nil {
		return fmt.Errorf("encode %s: %w", topic, err)
	}
	return outbox.Add(ctx, tx, outbox.Message{Kind: kind, Topic: topic, Key: id.String(), Payload: b})
}

// withStatus adds the new status to an audit row's metadata.
func withStatus(meta map[string]any, q *ent.Question) map[string]any {
	out := map[string]any{"status": string(q.Status)}
	for k, v := range meta {
		out[k] = v
	}
	return out
}
