package analytics

import (
	"database/sql"
	"fmt"
	"time"

	"github.com/google/uuid"
)

// factColumns are the columns of analytics_questions a fact fills, in scan order.
const factColumns = `id, subject, submitted_at, deadline, first_claim_at, first_delivery_at, delivered_by,
	outcome, closed_at, accepted_by, disputed_at, rated_at, stars, rated_expert`

// factSelect reads the facts of questions from the base tables, in factColumns' order:
// the one definition of a fact, used by the consumer (one question) and the rebuild (all,
// straight into analytics_questions). Its subqueries follow the indexes
// assignments(question_id, claimed_at) and answer_revisions(question_id, created_at).
const factSelect = `SELECT q.id, q.subject, q.created_at, q.deadline,
	(SELECT a.claimed_at FROM assignments a WHERE a.question_id = q.id ORDER BY a.claimed_at LIMIT 1),
	(SELECT r.created_at FROM answer_revisions r WHERE r.question_id = q.id AND r.kind = 'EXPERT' ORDER BY r.created_at, r.id LIMIT 1),
	(SELECT r.author_id FROM answer_revisions r WHERE r.question_id = q.id AND r.kind = 'EXPERT' ORDER BY r.created_at, r.id LIMIT 1),
	CASE WHEN q.status IN ('ACCEPTED', 'CANCELLED', 'DECLINED', 'EXPIRED') THEN q.status END,
	CASE WHEN q.status IN ('ACCEPTED', 'CANCELLED', 'DECLINED', 'EXPIRED') THEN q.closed_at END,
	CASE WHEN q.status = 'ACCEPTED' THEN q.expert_id END,
	d.created_at, rt.created_at, COALESCE(rt.stars, 0), rt.expert_id
FROM questions q
LEFT JOIN disputes d ON d.question_id = q.id
LEFT JOIN ratings rt ON rt.question_id = q.id`

// scanFact reads one row of factColumns.
func scanFact(rows scanner) (uuid.UUID, fact, error) {
	var (
		id                                       uuid.UUID
		f                                        fact
		submitted, deadline                      timeValue
		claim, delivery, closed, disputed, rated timeValue
		deliveredBy, acceptedBy, ratedExpert     uuid.NullUUID
		outcome                                  sql.NullString
	)
	err := rows.Scan(&id, &f.Subject, &submitted, &deadline, &claim, &delivery, &deliveredBy,
		&outcome, &closed, &acceptedBy, &disputed, &rated, &f.Stars, &ratedExpert)
	if err != nil {
		return id, f, fmt.Errorf("scan fact: %w", err)
	}
	if submitted.t == nil || deadline.t == nil {
		return id, f, fmt.Errorf("scan fact: question %s has no creation time or deadline", id)
	}
	f.SubmittedAt, f.Deadline = *submitted.t, *deadline.t
	f.FirstClaimAt, f.FirstDeliveryAt, f.ClosedAt, f.DisputedAt, f.RatedAt = claim.t, delivery.t, closed.t, disputed.t, rated.t
	f.DeliveredBy, f.AcceptedBy, f.RatedExpert = nullUUID(deliveredBy), nullUUID(acceptedBy), nullUUID(ratedExpert)
	f.Outcome = outcome.String
	return id, f, nil
}

func nullUUID(n uuid.NullUUID) *uuid.UUID {
	if !n.Valid {
		return nil
	}
	return &n.UUID
}

// timeValue scans a nullable time from either driver: PostgreSQL gives time.Time;
// SQLite gives the text ent wrote when the column's type is lost (subqueries, CASE).
type timeValue struct{ t *time.Time }

// sqliteLayouts are the text forms of times in SQLite: time.Time.String's (which modernc
// writes), modernc's own, RFC 3339.
var sqliteLayouts = []string{"2006-01-02 15:04:05.999999999 -0700 MST", "2006-01-02 15:04:05.999999999-07:00", "2006-01-02 15:04:05.999999999Z07:00", time.RFC3339Nano, "2006-01-02 15:04:05.999999999"}

// Scan implements sql.Scanner.
func (v *timeValue) Scan(src any) error {
	switch x := src.(type) {
	case nil:
		v.t = nil
		return nil
	case time.Time:
		t := x.UTC()
		v.t = &t
		return nil
	case []byte:
		return v.parse(string(x))
	case string:
		return v.parse(x)
	}
	return fmt.Errorf("time from %T", src)
}

func (v *timeValue) parse(s string) error {
	for _, layout := range sqliteLayouts {
		if t, err := time.Parse(layout, s); err == nil {
			t = t.UTC()
			v.t = &t
			return nil
		}
	}
	return fmt.Errorf("time from %q", s)
}
