// Package notify turns domain events into per-user notifications and streams them live.
package notify

import (
	"log/slog"

	"github.com/google/uuid"

	"backbone/ent"
	"backbone/internal/bus"
	"backbone/internal/db"
)

// Kinds of notification.
const (
	KindQuestionUpdated = "QUESTION_UPDATED"
	KindAnswerDelivered = "ANSWER_DELIVERED"
	KindTaskAvailable   = "TASK_AVAILABLE"
	KindPayoutDecided   = "PAYOUT_DECIDED"
	KindPurchaseFlagged = "PURCHASE_FLAGGED"
)

// Event topics notifications are made from (written by the questions and wallet
// services' outbox).
const (
	TopicQuestionUpdated = "question.updated"
	TopicAnswerDelivered = "answer.delivered"
	TopicTaskAvailable   = "task.available"
	TopicPayoutDecided   = "payout.decided"
	TopicPurchaseFlagged = "purchase.flagged"
)

// Topics lists the event topics notifications are made from.
var Topics = append([]string{TopicQuestionUpdated, TopicAnswerDelivered, TopicTaskAvailable, TopicPayoutDecided, TopicPurchaseFlagged}, noticeTopics...)

// jobTopicPrefix starts the queue topic of each event topic.
const jobTopicPrefix = "notify."

// JobTopic is the queue topic on which the outbox relay hands the events of topic to the
// consumer (outbox.Options.EventJobs), for HandleJob. Notifications come from the queue,
// at least once, and not from the bus, which loses what it publishes while a subscription
// reconnects.
func JobTopic(topic string) string { return jobTopicPrefix + topic }

// UserTopic is the bus topic on which a new notification of user id is announced; the
// payload is the notification id.
func UserTopic(id uuid.UUID) string { return "notify.user." + id.String() }

// Service creates, lists and streams notifications.
type Service struct {
	db     *db.DB
	client *ent.Client
	bus    bus.Bus
	log    *slog.Logger
	// email, when set, emails notifications (SendEmails).
	email *EmailConfig
}

// New returns a Service over d and b.
func New(d *db.DB, b bus.Bus, log *slog.Logger) *Service {
	return &Service{db: d, client: d.Client, bus: b, log: log}
}
