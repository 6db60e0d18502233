package live

import (
	"context"
	"encoding/json"
	"time"

	"github.com/google/uuid"

	"backbone/ent"
	"backbone/internal/bus"
	"backbone/internal/errs"
	"backbone/internal/events"
	"backbone/internal/viewer"
)

// QuestionEvent is a question.updated event: a question's new state.
type QuestionEvent = events.QuestionUpdated

func newQuestionRouter(s *Service) *router[QuestionEvent] {
	r := newRouter(s, func(m bus.Message) (QuestionEvent, string, bool) {
		var e QuestionEvent
		if err := json.Unmarshal(m.Payload, &e); err != nil || e.QuestionID == uuid.Nil {
			return e, "", false
		}
		return e, e.QuestionID.String(), true
	}, events.TopicQuestionUpdated)
	// After a gap every followed question is read again: a change may have been missed.
	r.refresh = func(key string) (QuestionEvent, bool) {
		id, err := uuid.Parse(key)
		return QuestionEvent{QuestionID: id, At: time.Now()}, err == nil
	}
	return r
}

// QuestionUpdates streams the question.updated events of question id until ctx ends. A
// subscriber that falls more than questionBox events behind loses the oldest (overflow.go).
// It checks no rights: QuestionUpdated does. Errors: UNAVAILABLE.
func (s *Service) QuestionUpdates(ctx context.Context, id uuid.UUID) (<-chan QuestionEvent, error) {
	return listen(ctx, s.questionUpdates, &listener[QuestionEvent]{keys: []string{id.String()}, box: newMailbox[QuestionEvent](questionBox)})
}

// QuestionUpdated streams question id, read again with the viewer's rights, each time it
// changes, for as long as the viewer may follow it (its client, the expert who holds or
// last held it, admins: see questions.FollowedQuestion). The stream closes when ctx ends
// or when the viewer no longer may follow the question (an expert who released it). It
// also returns the audience of the stream: who would see the same values. Errors:
// UNAUTHENTICATED, NOT_FOUND, UNAVAILABLE.
func (s *Service) QuestionUpdated(ctx context.Context, id uuid.UUID) (<-chan *ent.Question, string, error) {
	p, err := viewer.Required(ctx)
	if err != nil {
		return nil, "", err
	}
	// Listen first, so that no change falls between the check and the stream.
	lctx, cancel := context.WithCancel(ctx)
	changes, err := s.QuestionUpdates(lctx, id)
	if err != nil {
		cancel()
		return nil, "", errs.Wrap("live.QuestionUpdated", err)
	}
	if _, err := s.questions.FollowedQuestion(ctx, id); err != nil {
		cancel()
		return nil, "", errs.Wrap("live.QuestionUpdated", err)
	}
	out := make(chan *ent.Question)
	go func() {
		defer close(out)
		defer cancel()
		for e := range changes {
			q, err := s.questions.FollowedQuestion(ctx, id)
			switch {
			case ctx.Err() != nil:
				return
			case errs.CodeOf(err) == errs.NotFound || errs.CodeOf(err) == errs.Unauthenticated:
				return // no longer the viewer's to follow
			case err != nil:
				// The next change reads it again; ending would make the client resubscribe.
				s.log.Warn("live: question reload failed", "question", id, "err", err)
				continue
			}
			if e.Status != "" {
				// The question as read now, with the status of the change this event is
				// about: a change followed at once by the next is still shown.
				q.Status = e.Status
			}
			select {
			case out <- q:
			case <-ctx.Done():
				return
			}
		}
	}()
	return out, QuestionAudience(p, id), nil
}

// QuestionAudience is who sees the same questionUpdated values as p: every admin alike,
// anyone else alone (the privacy rules and the fields shown differ per viewer).
func QuestionAudience(p viewer.Principal, id uuid.UUID) string {
	if p.IsAdmin() {
		return "question:" + id.String() + ":admin"
	}
	return "question:" + id.String() + ":user:" + p.UserID.String()
}
