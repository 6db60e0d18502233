package questions

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/google/uuid"

	"backbone/ent"
	"backbone/internal/audit"
	"backbone/internal/events"
	"backbone/internal/outbox"
)

// Outbox topics written by the service.
const (
	// TopicRoute is the job that moves a submitted question on (Service.Route handles it).
	TopicRoute = "questions.route"
	// EventQuestionUpdated follows every state change (events.QuestionUpdated).
	EventQuestionUpdated = events.TopicQuestionUpdated
	// EventTaskAvailable says a question entered the experts' queue (events.TaskAvailable).
	EventTaskAvailable = events.TopicTaskAvailable
	// EventTaskTaken says a question left the queue (events.TaskTaken); expertId is null
	// when it left without a claim (cancelled, declined, expired).
	EventTaskTaken = events.TopicTaskTaken
	// EventAnswerDelivered says an expert delivered an answer (events.AnswerDelivered).
	EventAnswerDelivered = events.TopicAnswerDelivered
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
	// notices are the events that tell the people concerned (events/notices.go).
	notices []event
	// at is when the change happened; zero means q.UpdatedAt, which every transition of
	// the question sets (a lease extension changes the assignment only, and says when).
	at time.Time
	// statusKept: the question's status did not change (a lease extension, a claim given
	// to another expert), which the question.updated event says, so that its client is
	// not told of it (notify).
	statusKept bool
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
	at := c.at
	if at.IsZero() {
		at = q.UpdatedAt
	}
	out := []event{{EventQuestionUpdated, events.QuestionUpdated{
		QuestionID: q.ID, Status: q.Status, ClientID: q.ClientID, ExpertID: q.ExpertID, At: at, StatusKept: c.statusKept}}}
	if c.available {
		out = append(out, event{EventTaskAvailable, events.TaskAvailable{QuestionID: q.ID, Subject: q.Subject,
			Title: q.Title, Urgency: q.Urgency, Price: q.Price, Deadline: q.Deadline, At: at}})
	}
	if c.taken {
		out = append(out, event{EventTaskTaken, events.TaskTaken{QuestionID: q.ID, Subject: q.Subject, ExpertID: c.takenBy, At: at}})
	}
	if c.delivered {
		out = append(out, event{EventAnswerDelivered, events.AnswerDelivered{QuestionID: q.ID, ClientID: q.ClientID, At: at}})
	}
	out = append(out, c.notices...)
	for _, e := range out {
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
