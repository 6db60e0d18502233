package notify

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"hash/fnv"
	"slices"
	"strings"

	"github.com/google/uuid"

	"backbone/ent"
	"backbone/ent/schema"
	"backbone/ent/user"
	"backbone/internal/db"
	"backbone/internal/queue"
)

// HandleJob handles a job of JobTopic(t): the event of topic t that the outbox relay
// handed to the queue. Delivery is at least once, and Handle makes nothing twice, so a
// redelivery (after a crash, or a relay retry) is harmless. Several instances may consume
// at once: each event makes one notification per user, whoever handles it first.
func (s *Service) HandleJob(ctx context.Context, job queue.Job) error {
	topic, ok := strings.CutPrefix(job.Topic, jobTopicPrefix)
	if !ok {
		return queue.Permanent(fmt.Errorf("notify: job of topic %q carries no event", job.Topic))
	}
	return s.Handle(ctx, topic, job.Payload)
}

// event is the union of the payloads the consumer reads.
type event struct {
	QuestionID string  `json:"questionId"`
	Status     string  `json:"status"`
	StatusKept bool    `json:"statusKept"`
	ClientID   *string `json:"clientId"`
	Subject    string  `json:"subject"`
	PayoutID   string  `json:"payoutId"`
	ExpertID   *string `json:"expertId"`
	Amount     int64   `json:"amount"`
	PurchaseID string  `json:"purchaseId"`
	Reason     string  `json:"reason"`
}

// Handle creates the notifications of one event. Handling an event again creates nothing.
func (s *Service) Handle(ctx context.Context, topic string, payload []byte) error {
	var e event
	if err := json.Unmarshal(payload, &e); err != nil {
		return queue.Permanent(fmt.Errorf("decode %s: %w", topic, err))
	}
	ctx = db.System(ctx)
	sum := sha256.Sum256(append([]byte(topic+"\x00"), payload...))
	key := hex.EncodeToString(sum[:16])
	if slices.Contains(noticeTopics, topic) {
		kind, to, err := s.notices(ctx, topic, payload)
		if err != nil {
			return err
		}
		for _, n := range to {
			if err := s.add(ctx, n.user, kind, key, n.body); err != nil {
				return err
			}
		}
		return nil
	}
	var (
		kind  string
		users []uuid.UUID
		body  map[string]any
	)
	switch topic {
	case TopicQuestionUpdated:
		if e.StatusKept {
			return nil // QUESTION_UPDATED tells of a new status; a lease extension keeps it
		}
		kind, users, body = KindQuestionUpdated, ids(e.ClientID), map[string]any{"questionId": e.QuestionID, "status": e.Status}
	case TopicAnswerDelivered:
		kind, users, body = KindAnswerDelivered, ids(e.ClientID), map[string]any{"questionId": e.QuestionID}
	case TopicPayoutDecided:
		kind, users, body = KindPayoutDecided, ids(e.ExpertID), map[string]any{"payoutId": e.PayoutID, "status": e.Status, "amount": e.Amount}
	case TopicTaskAvailable:
		experts, err := s.expertsIn(ctx, e.Subject)
		if err != nil {
			return err
		}
		kind, users, body = KindTaskAvailable, experts, map[string]any{"questionId": e.QuestionID, "subject": e.Subject}
	case TopicPurchaseFlagged:
		admins, err := s.admins(ctx)
		if err != nil {
			return err
		}
		kind, users, body = KindPurchaseFlagged, admins, map[string]any{"purchaseId": e.PurchaseID, "reason": e.Reason}
	default:
		return nil
	}
	for _, u := range users {
		if err := s.add(ctx, u, kind, key, body); err != nil {
			return err
		}
	}
	return nil
}

// ids parses an optional user id; nil or malformed gives none.
func ids(s *string) []uuid.UUID {
	if s == nil {
		return nil
	}
	id, err := uuid.Parse(*s)
	if err != nil || id == uuid.Nil {
		return nil
	}
	return []uuid.UUID{id}
}

// admins lists the active admins.
func (s *Service) admins(ctx context.Context) ([]uuid.UUID, error) {
	ids, err := s.client.User.Query().Where(user.RoleEQ(user.RoleADMIN), user.StatusEQ(user.StatusACTIVE)).IDs(ctx)
	if err != nil {
		return nil, fmt.Errorf("admins: %w", err)
	}
	return ids, nil
}

// expertsIn lists the approved experts of subject (subjects match regardless of case).
func (s *Service) expertsIn(ctx context.Context, subject string) ([]uuid.UUID, error) {
	us, err := s.client.User.Query().Where(user.RoleEQ(user.RoleEXPERT), user.ExpertStatusEQ(user.ExpertStatusAPPROVED)).
		Select(user.FieldID, user.FieldExpertSubjects).All(ctx)
	if err != nil {
		return nil, fmt.Errorf("experts: %w", err)
	}
	var out []uuid.UUID
	for _, u := range us {
		for _, sub := range u.ExpertSubjects {
			if strings.EqualFold(sub, subject) {
				out = append(out, u.ID)
				break
			}
		}
	}
	return out, nil
}

// add inserts one notification unless this event already made it, and announces it.
//
// A user's notifications commit in id order: a stream sends what comes after the last
// id it sent, so an id made earlier but committed later would never be sent. The
// insert holds a per-user lock (PostgreSQL advisory lock; SQLite transactions take the
// write lock when they begin) and makes its id only then.
func (s *Service) add(ctx context.Context, userID uuid.UUID, kind, eventKey string, body map[string]any) error {
	var n *ent.Notification
	err := db.InTx(ctx, s.client, func(tx *ent.Client) error {
		if s.db.Postgres() {
			if _, err := tx.ExecContext(ctx, "SELECT pg_advisory_xact_lock($1)", userLockKey(userID)); err != nil {
				return fmt.Errorf("lock: %w", err)
			}
		}
		var err error
		n, err = tx.Notification.Create().SetID(schema.NewID()).SetUserID(userID).SetKind(kind).SetPayload(body).
			SetDedupKey(eventKey + ":" + userID.String()).Save(ctx)
		if err != nil {
			return err
		}
		return s.enqueueEmail(ctx, tx, userID, kind, body)
	})
	if ent.IsConstraintError(err) {
		return nil // a redelivery: made and announced before
	}
	if err != nil {
		return fmt.Errorf("insert notification: %w", err)
	}
	// At most once, like the bus: a subscriber that misses it replays from the database.
	if err := s.bus.Publish(ctx, UserTopic(userID), []byte(n.ID.String())); err != nil {
		s.log.Warn("notify: announce failed", "user", userID, "err", err)
	}
	return nil
}

// userLockKey is the advisory lock key of a user's notifications.
func userLockKey(id uuid.UUID) int64 {
	h := fnv.New64a()
	h.Write([]byte("backbone:notify:"))
	h.Write(id[:])
	return int64(h.Sum64())
}
