package questions

import (
	"context"

	entsql "entgo.io/ent/dialect/sql"
	"github.com/google/uuid"

	"backbone/ent"
	"backbone/ent/question"
	"backbone/ent/schema"
	"backbone/ent/user"
	"backbone/internal/db"
	"backbone/internal/errs"
	"backbone/internal/viewer"
)

// conflict is the CONFLICT of an illegal transition, with the current status.
func conflict(status question.Status, msg string) *errs.Error {
	return errs.E(errs.Conflict, msg).With("status", string(status))
}

// notFound answers a missing question and one the viewer may not touch alike.
func notFound() error { return errs.E(errs.NotFound, "question not found") }

// principal returns the caller, UNAUTHENTICATED without one; write also requires a
// principal that may call mutations (an API key needs the WRITE scope).
func principal(ctx context.Context, write bool) (viewer.Principal, error) {
	p, err := viewer.Required(ctx)
	if err != nil {
		return p, err
	}
	if write && !p.CanWrite() {
		return p, errs.E(errs.Forbidden, "this API key may not make changes")
	}
	return p, nil
}

// client returns the caller when it is a client (the role that asks questions).
func client(ctx context.Context) (viewer.Principal, error) {
	p, err := principal(ctx, true)
	if err != nil {
		return p, err
	}
	if p.Role != viewer.RoleClient {
		return p, errs.E(errs.Forbidden, "only clients ask questions")
	}
	return p, nil
}

// admin returns the caller when it is an admin.
func admin(ctx context.Context) (viewer.Principal, error) {
	p, err := principal(ctx, true)
	if err != nil {
		return p, err
	}
	if !p.IsAdmin() {
		return p, errs.E(errs.Forbidden, "admins only")
	}
	return p, nil
}

// approvedExpert reads u's row (with c, a transaction or the client; lock takes a row
// lock on PostgreSQL to serialise one expert's claims) and requires an active,
// approved expert: approval is read from the database, never from the token.
func (s *Service) approvedExpert(ctx context.Context, c *ent.Client, id uuid.UUID, lock bool) (*ent.User, error) {
	q := c.User.Query().Where(user.ID(id))
	if lock && s.db.Postgres() {
		// NO KEY UPDATE: serialises this expert's claims without blocking the inserts
		// elsewhere whose foreign keys point at the row (KEY SHARE).
		q.Modify(func(s *entsql.Selector) { s.For(entsql.LockNoKeyUpdate) })
	}
	u, err := q.Only(db.System(ctx))
	if ent.IsNotFound(err) {
		return nil, errs.E(errs.Forbidden, "approved experts only")
	}
	if err != nil {
		return nil, err
	}
	if u.Role != user.RoleEXPERT || u.Status != user.StatusACTIVE ||
		u.ExpertStatus == nil || *u.ExpertStatus != user.ExpertStatusAPPROVED {
		return nil, errs.E(errs.Forbidden, "approved experts only")
	}
	return u, nil
}

// expert returns the caller when it is an approved expert, and its user row.
func (s *Service) expert(ctx context.Context, c *ent.Client, write, lock bool) (viewer.Principal, *ent.User, error) {
	p, err := principal(ctx, write)
	if err != nil {
		return p, nil, err
	}
	if p.Role != viewer.RoleExpert {
		return p, nil, errs.E(errs.Forbidden, "approved experts only")
	}
	u, err := s.approvedExpert(ctx, c, p.UserID, lock)
	return p, u, err
}

// load reads a question with the service's own rights; NOT_FOUND when missing.
func load(ctx context.Context, tx *ent.Client, id uuid.UUID) (*ent.Question, error) {
	q, err := tx.Question.Get(db.System(ctx), id)
	if ent.IsNotFound(err) {
		return nil, notFound()
	}
	return q, err
}

// ownQuestion reads the client's own question; another client's answers NOT_FOUND.
func ownQuestion(ctx context.Context, tx *ent.Client, id, clientID uuid.UUID) (*ent.Question, error) {
	q, err := load(ctx, tx, id)
	if err != nil {
		return nil, err
	}
	if q.ClientID != clientID {
		return nil, notFound()
	}
	return q, nil
}

// afterMiss explains a conditional update that matched no row: the question changed
// under us, so answer CONFLICT with the status it has now.
func afterMiss(ctx context.Context, tx *ent.Client, id uuid.UUID, msg string) error {
	q, err := load(ctx, tx, id)
	if err != nil {
		return err
	}
	return conflict(q.Status, msg)
}

// heldBy reports whether the expert holds or last held q: it is theirs to read, in any
// status (the read rule's expert_id).
func heldBy(q *ent.Question, expertID uuid.UUID) bool {
	return q.ExpertID != nil && *q.ExpertID == expertID
}

// takes reports whether the expert may take question id (its subject is theirs, and
// they are approved): schema.ExpertTakes, the queue rule without the status, which the
// caller checks on the row it read. Read with tx, inside the caller's transaction.
func takes(ctx context.Context, tx *ent.Client, id, expertID uuid.UUID) (bool, error) {
	return tx.Question.Query().Where(question.ID(id), schema.ExpertTakes(expertID)).Exist(db.System(ctx))
}
