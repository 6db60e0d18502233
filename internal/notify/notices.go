package notify

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/google/uuid"

	"backbone/internal/events"
	"backbone/internal/queue"
)

// notice is one notification to make: its recipient and its payload.
type notice struct {
	user uuid.UUID
	body map[string]any
}

// to is one notice for each of users, all with body (as its JSON reads back, ids as
// strings, like the payload of a notification read from the database).
func to(body map[string]any, users ...uuid.UUID) []notice {
	if b, err := json.Marshal(body); err == nil {
		body = nil
		_ = json.Unmarshal(b, &body)
	}
	out := make([]notice, 0, len(users))
	for _, u := range users {
		if u != uuid.Nil {
			out = append(out, notice{u, body})
		}
	}
	return out
}

// decode reads an event's payload into T; a payload that does not decode never will.
func decode[T any](topic string, payload []byte) (T, error) {
	var v T
	if err := json.Unmarshal(payload, &v); err != nil {
		return v, queue.Permanent(fmt.Errorf("decode %s: %w", topic, err))
	}
	return v, nil
}

// notices returns the kind and the notifications of an event of noticeTopics.
func (s *Service) notices(ctx context.Context, topic string, payload []byte) (string, []notice, error) {
	switch topic {
	case events.TopicRevisionRequested:
		e, err := decode[events.RevisionRequested](topic, payload)
		return KindRevisionRequested, to(map[string]any{"questionId": e.QuestionID, "note": e.Note, "revision": e.Revision}, e.ExpertID), err
	case events.TopicAnswerAccepted:
		e, err := decode[events.AnswerAccepted](topic, payload)
		return KindAnswerAccepted, to(map[string]any{"questionId": e.QuestionID, "stars": e.Stars, "auto": e.Auto}, e.ExpertID), err
	case events.TopicDisputeOpened:
		e, err := decode[events.DisputeOpened](topic, payload)
		if err != nil {
			return "", nil, err
		}
		return KindDisputeOpened, to(map[string]any{"questionId": e.QuestionID, "reason": e.Reason}, append(e.Admins, e.ExpertID)...), nil
	case events.TopicDisputeResolved:
		e, err := decode[events.DisputeResolved](topic, payload)
		body := map[string]any{"questionId": e.QuestionID, "refund": e.Refund, "price": e.Price, "note": e.Note}
		users := []uuid.UUID{e.ClientID}
		if e.ExpertID != nil {
			users = append(users, *e.ExpertID)
		}
		return KindDisputeResolved, to(body, users...), err
	case events.TopicLeaseExpiring:
		e, err := decode[events.LeaseExpiring](topic, payload)
		return KindLeaseExpiring, to(map[string]any{"questionId": e.QuestionID, "leaseExpiresAt": e.LeaseExpiresAt}, e.ExpertID), err
	case events.TopicLeaseExpired:
		e, err := decode[events.LeaseExpired](topic, payload)
		return KindLeaseExpired, to(map[string]any{"questionId": e.QuestionID}, e.ExpertID), err
	case events.TopicQuestionReassigned:
		e, err := decode[events.QuestionReassigned](topic, payload)
		var out []notice
		if e.To != nil {
			out = append(out, to(map[string]any{"questionId": e.QuestionID, "assignedToYou": true}, *e.To)...)
		}
		if e.From != nil {
			out = append(out, to(map[string]any{"questionId": e.QuestionID, "assignedToYou": false}, *e.From)...)
		}
		return KindQuestionReassigned, out, err
	case events.TopicQuestionExpired:
		e, err := decode[events.QuestionExpired](topic, payload)
		return KindQuestionExpired, to(map[string]any{"questionId": e.QuestionID}, e.ClientID), err
	case events.TopicCreditsRefunded:
		e, err := decode[events.CreditsRefunded](topic, payload)
		return KindRefunded, to(map[string]any{"questionId": e.QuestionID, "amount": e.Amount, "status": e.Status}, e.ClientID), err
	case events.TopicPayoutRequested:
		e, err := decode[events.PayoutRequested](topic, payload)
		if err != nil {
			return "", nil, err
		}
		return KindPayoutRequested, to(map[string]any{"payoutId": e.PayoutID, "expertId": e.ExpertID, "amount": e.Amount}, e.Admins...), nil
	case events.TopicExpertApplied:
		e, err := decode[events.ExpertApplied](topic, payload)
		if err != nil {
			return "", nil, err
		}
		return KindExpertApplied, to(map[string]any{"userId": e.UserID, "subjects": e.Subjects}, e.Admins...), nil
	case events.TopicExpertDecided:
		e, err := decode[events.ExpertDecided](topic, payload)
		status := "REJECTED"
		if e.Approved {
			status = "APPROVED"
		}
		return KindApplicationDecided, to(map[string]any{"status": status, "reason": e.Reason}, e.UserID), err
	}
	return "", nil, nil
}
