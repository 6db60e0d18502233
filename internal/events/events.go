// Package events holds the payloads of the domain events the question lifecycle writes to
// its outbox (and so to the bus), one Go type per topic, so that the services that publish
// them and the consumers that decode them (notifications, live subscriptions) agree on
// the JSON. It depends on nothing but ent (its enums, and Admins' query), so that any
// package may import it.
package events

import (
	"time"

	"github.com/google/uuid"

	"backbone/ent/question"
)

// Bus topics of the question lifecycle.
const (
	// TopicQuestionUpdated follows every change of a question (QuestionUpdated).
	TopicQuestionUpdated = "question.updated"
	// TopicTaskAvailable says a question entered the experts' queue (TaskAvailable).
	TopicTaskAvailable = "task.available"
	// TopicTaskTaken says a question left the experts' queue (TaskTaken).
	TopicTaskTaken = "task.taken"
	// TopicAnswerDelivered says an expert delivered an answer (AnswerDelivered).
	TopicAnswerDelivered = "answer.delivered"
)

// QuestionUpdated is the payload of question.updated: the question's new state.
type QuestionUpdated struct {
	QuestionID uuid.UUID       `json:"questionId"`
	Status     question.Status `json:"status"`
	ClientID   uuid.UUID       `json:"clientId"`
	// ExpertID holds or last held the question; null before any claim.
	ExpertID *uuid.UUID `json:"expertId"`
	// At is when the change happened.
	At time.Time `json:"at"`
	// StatusKept: the change left the status as it was (a lease extension, a claim given to
	// another expert). The client is
	// told only of a new status (QUESTION_UPDATED); live watchers get every change.
	StatusKept bool `json:"statusKept,omitempty"`
}

// TaskAvailable is the payload of task.available: what an expert sees of a question in
// the queue, so that a consumer needs no database read to show it.
type TaskAvailable struct {
	QuestionID uuid.UUID        `json:"questionId"`
	Subject    string           `json:"subject"`
	Title      string           `json:"title"`
	Urgency    question.Urgency `json:"urgency"`
	Price      int64            `json:"price"`
	Deadline   time.Time        `json:"deadline"`
	At         time.Time        `json:"at"`
}

// TaskTaken is the payload of task.taken: the question left the queue, claimed by
// ExpertID, or with ExpertID null when it left without a claim (cancelled, declined,
// expired).
type TaskTaken struct {
	QuestionID uuid.UUID  `json:"questionId"`
	Subject    string     `json:"subject"`
	ExpertID   *uuid.UUID `json:"expertId"`
	At         time.Time  `json:"at"`
}

// AnswerDelivered is the payload of answer.delivered. At tells one delivery from the
// next (a revised answer): notifications are deduplicated by payload.
type AnswerDelivered struct {
	QuestionID uuid.UUID `json:"questionId"`
	ClientID   uuid.UUID `json:"clientId"`
	At         time.Time `json:"at"`
}

// Job topics of the AI pipeline: one job per stage, consumed by workers/pipeline_*.go.
const (
	// JobPipelineDraft asks for the AI draft of a question (PipelineJob).
	JobPipelineDraft = "pipeline.draft"
	// JobPipelineRewrite asks for the rewrite of the draft (PipelineJob).
	JobPipelineRewrite = "pipeline.rewrite"
	// JobPipelineOriginality asks for the originality check of the AI answer (PipelineJob).
	JobPipelineOriginality = "pipeline.originality"
)

// PipelineJob is the payload of every pipeline job: the question it works on.
type PipelineJob struct {
	QuestionID uuid.UUID `json:"questionId"`
}

// Job topics of the email channel (package internal/mail).
const (
	// JobMailSend sends one email (mail.Message), written by mail.Enqueue.
	JobMailSend = "mail.send"
	// JobPasswordReset looks up the account of an address and emails it a reset link
	// (internal/auth), away from the request that asked, so that the request does the same
	// work whether or not the account exists.
	JobPasswordReset = "auth.password_reset"
)
