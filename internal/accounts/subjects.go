package accounts

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"strings"

	"github.com/google/uuid"

	"backbone/ent"
	"backbone/ent/subjectrequest"
	"backbone/ent/user"
	"backbone/internal/audit"
	"backbone/internal/db"
	"backbone/internal/errs"
	"backbone/internal/events"
	"backbone/internal/outbox"
	"backbone/internal/textx"
	"backbone/internal/viewer"
)

// MaxSubjects bounds an expert's subjects, held and requested together.
const MaxSubjects = 10

// RequestSubjects asks an admin to let the calling approved expert answer more subjects
// (of the settings' list, stored in its spelling). Errors: FORBIDDEN (not an approved
// expert), BAD_USER_INPUT (none given, unknown, already held, too many), CONFLICT (a
// subject is already in a pending request).
func (s *Service) RequestSubjects(ctx context.Context, subjects []string) (*ent.SubjectRequest, error) {
	// Read before the transaction: the settings may need a connection of their own.
	wanted, err := s.offered(ctx, subjects)
	if err != nil {
		return nil, errs.Wrap("accounts.RequestSubjects", err)
	}
	var out *ent.SubjectRequest
	err = s.expertTx(ctx, func(tx *ent.Client, u *ent.User) error {
		pending, err := tx.SubjectRequest.Query().Where(subjectrequest.ExpertID(u.ID),
			subjectrequest.StatusEQ(subjectrequest.StatusPENDING)).All(ctx)
		if err != nil {
			return err
		}
		total := len(u.ExpertSubjects) + len(wanted)
		for _, sub := range wanted {
			if holds(u.ExpertSubjects, sub) {
				return errs.Ef(errs.BadUserInput, "you already answer %s", sub).With("field", "subjects")
			}
			for _, r := range pending {
				if holds(r.Subjects, sub) {
					return errs.Ef(errs.Conflict, "%s is already in a pending request", sub).With("field", "subjects")
				}
			}
		}
		for _, r := range pending {
			total += len(r.Subjects)
		}
		if total > MaxSubjects {
			return errs.Ef(errs.BadUserInput, "an expert has at most %d subjects, requested ones included", MaxSubjects).With("field", "subjects")
		}
		if out, err = tx.SubjectRequest.Create().SetExpertID(u.ID).SetSubjects(wanted).Save(ctx); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Entry{Action: "expert.subjects_requested", TargetType: "SubjectRequest",
			TargetID: out.ID.String(), Metadata: map[string]any{"subjects": wanted}})
	})
	return committed("accounts.RequestSubjects", out, err)
}

// RemoveSubjects stops the calling approved expert answering subjects, at once and without
// approval; at least one subject must remain. Errors: FORBIDDEN, BAD_USER_INPUT (none
// given, one not held, none would remain).
func (s *Service) RemoveSubjects(ctx context.Context, subjects []string) (*ent.User, error) {
	var out *ent.User
	err := s.expertTx(ctx, func(tx *ent.Client, u *ent.User) error {
		gone, err := cleanSubjects(subjects)
		if err != nil {
			return err
		}
		kept := slices.DeleteFunc(slices.Clone(u.ExpertSubjects), func(sub string) bool { return holds(gone, sub) })
		for _, g := range gone {
			if !holds(u.ExpertSubjects, g) {
				return errs.Ef(errs.BadUserInput, "you do not answer %s", g).With("field", "subjects")
			}
		}
		if len(kept) == 0 {
			return errs.E(errs.BadUserInput, "keep at least one subject").With("field", "subjects")
		}
		if out, err = tx.User.UpdateOne(u).SetExpertSubjects(kept).Save(ctx); err != nil {
			return err
		}
		if err := s.subjectsChanged(ctx, tx, u.ID, kept); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Entry{Action: "expert.subjects_removed", TargetType: "User",
			TargetID: u.ID.String(), Metadata: map[string]any{"removed": gone, "subjects": kept}})
	})
	return committed("accounts.RemoveSubjects", out, err)
}

// DecideSubjectRequest approves (the subjects join the expert's) or rejects a pending
// request, audited. Errors: FORBIDDEN, BAD_USER_INPUT (note), NOT_FOUND, CONFLICT
// (already decided).
func (s *Service) DecideSubjectRequest(ctx context.Context, id uuid.UUID, approve bool, note string) (*ent.SubjectRequest, error) {
	p, err := admin(ctx)
	if err != nil {
		return nil, err
	}
	if note, err = textx.Plain("note", note, 500, false); err != nil {
		return nil, err
	}
	status, action := subjectrequest.StatusREJECTED, "expert.subjects_rejected"
	if approve {
		status, action = subjectrequest.StatusAPPROVED, "expert.subjects_approved"
	}
	ctx = db.System(ctx)
	// An approval adds subjects the platform still offers, in their spelling now. Read
	// before the transaction: the settings may need a connection of their own.
	var granted []string
	if approve {
		r, err := s.client.SubjectRequest.Get(ctx, id)
		if err != nil && !ent.IsNotFound(err) {
			return nil, errs.Wrap("accounts.DecideSubjectRequest", err)
		}
		if err == nil {
			granted, err = s.offered(ctx, r.Subjects)
			var gone *errs.Error
			if errors.As(err, &gone) && gone.Code == errs.BadUserInput {
				return nil, errs.Ef(errs.Conflict, "%s any more; reject the request instead", gone.Message)
			} else if err != nil {
				return nil, errs.Wrap("accounts.DecideSubjectRequest", err)
			}
		}
	}
	var out *ent.SubjectRequest
	err = db.InTx(ctx, s.client, func(tx *ent.Client) error {
		r, err := tx.SubjectRequest.Get(ctx, id)
		if ent.IsNotFound(err) {
			return errs.E(errs.NotFound, "subject request not found")
		}
		if err != nil {
			return err
		}
		// Conditional on PENDING: of two concurrent decisions, the second matches nothing.
		n, err := tx.SubjectRequest.Update().Where(subjectrequest.ID(id), subjectrequest.StatusEQ(subjectrequest.StatusPENDING)).
			SetStatus(status).SetNote(note).SetDecidedBy(p.UserID).SetDecidedAt(s.now()).Save(ctx)
		if err != nil {
			return err
		}
		if n == 0 {
			return errs.E(errs.Conflict, "this request was already decided")
		}
		if approve {
			u, err := lockedUser(ctx, tx, r.ExpertID)
			if err != nil {
				return err
			}
			if u.Role != user.RoleEXPERT || u.ExpertStatus == nil || *u.ExpertStatus != user.ExpertStatusAPPROVED {
				return errs.E(errs.Conflict, "the user is no longer an approved expert; reject the request instead")
			}
			subjects := slices.Clone(u.ExpertSubjects)
			for _, sub := range granted {
				if !holds(subjects, sub) {
					subjects = append(subjects, sub)
				}
			}
			if err := tx.User.UpdateOne(u).SetExpertSubjects(subjects).Exec(ctx); err != nil {
				return err
			}
			if err := s.subjectsChanged(ctx, tx, u.ID, subjects); err != nil {
				return err
			}
		}
		if err := audit.Record(ctx, tx, audit.Entry{Action: action, TargetType: "SubjectRequest", TargetID: id.String(),
			Metadata: map[string]any{"expertId": r.ExpertID.String(), "subjects": r.Subjects, "note": note}}); err != nil {
			return err
		}
		out, err = tx.SubjectRequest.Get(ctx, id)
		return err
	})
	return committed("accounts.DecideSubjectRequest", out, err)
}

// SubjectRequests is the query behind the list of requests: an expert's own, every
// expert's for an admin (the privacy rules filter the rows), of one status when given.
// Errors: UNAUTHENTICATED.
func (s *Service) SubjectRequests(ctx context.Context, status *subjectrequest.Status) (*ent.SubjectRequestQuery, error) {
	if _, err := viewer.Required(ctx); err != nil {
		return nil, err
	}
	q := s.client.SubjectRequest.Query()
	if status != nil {
		q.Where(subjectrequest.StatusEQ(*status))
	}
	return q, nil
}

// expertTx runs fn in a transaction with the calling approved expert's row, locked so that
// concurrent changes of their subjects apply one after the other.
func (s *Service) expertTx(ctx context.Context, fn func(tx *ent.Client, u *ent.User) error) error {
	p, err := viewer.Required(ctx)
	if err != nil {
		return err
	}
	if p.Role != viewer.RoleExpert {
		return errs.E(errs.Forbidden, "approved experts only")
	}
	return db.InTx(ctx, s.client, func(tx *ent.Client) error {
		u, err := lockedUser(ctx, tx, p.UserID)
		if err != nil {
			return err
		}
		if u.ExpertStatus == nil || *u.ExpertStatus != user.ExpertStatusAPPROVED {
			return errs.E(errs.Forbidden, "approved experts only: an applicant's subjects are decided with the application")
		}
		return fn(tx, u)
	})
}

// subjectsChanged writes, in the transaction that changes them, the event that ends the
// expert's task queue streams opened over their old subjects, on every instance.
func (s *Service) subjectsChanged(ctx context.Context, tx *ent.Client, id uuid.UUID, subjects []string) error {
	b, err := json.Marshal(events.ExpertSubjectsChanged{UserID: id, Subjects: subjects, At: s.now()})
	if err != nil {
		return err
	}
	return outbox.Add(ctx, tx, outbox.Message{Kind: outbox.Event, Topic: events.TopicExpertSubjectsChanged,
		Key: id.String(), Payload: b})
}

// offered checks requested subjects against the settings and returns them in the
// settings' spelling. Errors: BAD_USER_INPUT.
func (s *Service) offered(ctx context.Context, subjects []string) ([]string, error) {
	names, err := cleanSubjects(subjects)
	if err != nil {
		return nil, err
	}
	set, err := s.settings.Get(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]string, 0, len(names))
	for _, n := range names {
		canonical, ok := set.Subject(n)
		if !ok {
			return nil, errs.Ef(errs.BadUserInput, "%q is not one of the platform's subjects", n).With("field", "subjects")
		}
		out = append(out, canonical)
	}
	return out, nil
}

// cleanSubjects checks 1..MaxSubjects subject names as plain text and drops repeats
// (ignoring case). Errors: BAD_USER_INPUT.
func cleanSubjects(in []string) ([]string, error) {
	if len(in) == 0 || len(in) > MaxSubjects {
		return nil, errs.Ef(errs.BadUserInput, "name 1 to %d subjects", MaxSubjects).With("field", "subjects")
	}
	var out []string
	for _, raw := range in {
		sub, err := textx.Plain("subjects", raw, 60, true)
		if err != nil {
			return nil, err
		}
		if !holds(out, sub) {
			out = append(out, sub)
		}
	}
	return out, nil
}

// holds reports whether subjects has sub, ignoring case (as the task queue matches them).
func holds(subjects []string, sub string) bool {
	return slices.ContainsFunc(subjects, func(s string) bool { return strings.EqualFold(s, sub) })
}

// lockedUser reads a user's row for update: locked on PostgreSQL; SQLite's transaction
// already holds the database's write lock once it writes, and has no FOR UPDATE.
func lockedUser(ctx context.Context, tx *ent.Client, id uuid.UUID) (*ent.User, error) {
	return tx.User.Query().Where(user.ID(id)).Modify(db.ForUpdate).Only(ctx)
}
