package auth

import (
	"context"
	"slices"
	"time"

	"github.com/google/uuid"

	"backbone/ent"
	"backbone/ent/auditlog"
	"backbone/ent/user"
	"backbone/internal/audit"
	"backbone/internal/db"
	"backbone/internal/errs"
	"backbone/internal/settings"
	"backbone/internal/viewer"
)

// UserFilter narrows the admin's list of users; empty fields do not filter.
type UserFilter struct {
	Role         *user.Role
	Status       *user.Status
	ExpertStatus *user.ExpertStatus
	Search       string // matched against email and display name, case-insensitively
}

// Users returns the query behind the admin's user list; the caller paginates it.
// Errors: FORBIDDEN (not an admin), BAD_USER_INPUT (search).
func (s *Service) Users(ctx context.Context, f UserFilter) (*ent.UserQuery, error) {
	if _, err := admin(ctx); err != nil {
		return nil, err
	}
	ps := slices.Concat(
		db.IfSet(f.Role, user.RoleEQ),
		db.IfSet(f.Status, user.StatusEQ),
		db.IfSet(f.ExpertStatus, user.ExpertStatusEQ),
	)
	q, err := cleanText(f.Search, "search", 100, true) // PostgreSQL refuses NUL in text
	if err != nil {
		return nil, err
	}
	if q != "" {
		ps = append(ps, user.Or(user.EmailContainsFold(q), user.DisplayNameContainsFold(q)))
	}
	return s.client.User.Query().Where(ps...), nil
}

// AuditLogFilter narrows the audit log; empty fields do not filter.
type AuditLogFilter struct {
	ActorID    *uuid.UUID
	Action     string
	From, To   *time.Time
	TargetType string
	TargetID   string
}

// AuditLogs returns the query behind the admin's audit log view.
// Errors: FORBIDDEN (not an admin), BAD_USER_INPUT (a text filter with control characters
// or over 200 characters, from not before to).
func (s *Service) AuditLogs(ctx context.Context, f AuditLogFilter) (*ent.AuditLogQuery, error) {
	if _, err := admin(ctx); err != nil {
		return nil, err
	}
	// Checked before the query: PostgreSQL refuses NUL in text with an internal error.
	for _, t := range []struct {
		field string
		v     *string
	}{{"action", &f.Action}, {"targetType", &f.TargetType}, {"targetId", &f.TargetID}} {
		c, err := cleanText(*t.v, t.field, 200, true)
		if err != nil {
			return nil, err
		}
		*t.v = c
	}
	// As questions(filter:) does: an empty range is a mistake, not an empty page.
	if f.From != nil && f.To != nil && !f.From.Before(*f.To) {
		return nil, errs.E(errs.BadUserInput, "from must be before to").With("field", "from")
	}
	q := s.client.AuditLog.Query()
	if f.ActorID != nil {
		q.Where(auditlog.ActorID(*f.ActorID))
	}
	if f.Action != "" {
		q.Where(auditlog.Action(f.Action))
	}
	if f.TargetType != "" {
		q.Where(auditlog.TargetType(f.TargetType))
	}
	if f.TargetID != "" {
		q.Where(auditlog.TargetID(f.TargetID))
	}
	if f.From != nil {
		q.Where(auditlog.CreatedAtGTE(*f.From))
	}
	if f.To != nil {
		q.Where(auditlog.CreatedAtLT(*f.To))
	}
	return q, nil
}

// actionRoleChanged is the audit action of an admin's change of a user's role.
const actionRoleChanged = "user.role_changed"

// SetUserRole changes a user's role and ends their sessions, so the new role applies at
// their next sign-in rather than when their old token happens to expire, and the live
// connections of their API keys, which acted with the old role, on every instance.
// The role the user has already is CONFLICT, as a second suspension is: nothing would
// change, so no sessions end and nothing is audited.
// Errors: FORBIDDEN (your own role), NOT_FOUND, CONFLICT (the role the user has, the
// demotion of the last active admin).
func (s *Service) SetUserRole(ctx context.Context, id uuid.UUID, role user.Role) (*ent.User, error) {
	out, err := s.adminUpdate(ctx, id, actionRoleChanged, true, func(_ context.Context, _ *ent.Client, u *ent.User, up *ent.UserUpdateOne) (map[string]any, error) {
		if err := user.RoleValidator(role); err != nil {
			return nil, errs.E(errs.BadUserInput, "unknown role").With("field", "role")
		}
		if u.Role == role {
			return nil, errs.Ef(errs.Conflict, "the user already has role %s", role)
		}
		up.SetRole(role)
		meta := map[string]any{"from": string(u.Role), "to": string(role)}
		switch {
		case role == user.RoleEXPERT && u.ExpertStatus == nil:
			up.SetExpertStatus(user.ExpertStatusAPPROVED) // made an expert by an admin: approved
			meta["expertStatus"] = string(user.ExpertStatusAPPROVED)
		case role != user.RoleEXPERT && u.ExpertStatus != nil:
			// "Set for experts and expert applicants" only. Made an expert again later, they
			// are approved by that decision, as any user made an expert by an admin is.
			up.ClearExpertStatus()
			meta["expertStatusCleared"] = string(*u.ExpertStatus)
		}
		return meta, nil
	})
	if err == nil {
		s.revoked.AccountsChanged(ctx, []uuid.UUID{id})
	}
	return out, err
}

// actionSuspended is the audit action of a suspension, and the revoke reason of the
// sessions it ends.
const actionSuspended = "user.suspended"

// SuspendHook is work of another service that a suspension does in its own transaction
// tx, such as ending the user's claims on questions; it returns how many things it
// ended, for the audit row. An error rolls the suspension back.
type SuspendHook func(ctx context.Context, tx *ent.Client, userID uuid.UUID) (int, error)

// OnSuspend sets the hook every suspension runs (questions.Service.ReleaseClaimsOf: the
// auth service is built before the question service, which depends on it). Set it
// before serving.
func (s *Service) OnSuspend(h SuspendHook) { s.onSuspend = h }

// SuspendUser stops a user: their sessions end at once, on every instance, and their
// API keys are revoked (a reactivation does not bring them back). In the same
// transaction the OnSuspend hook ends their claims on questions.
// Errors: FORBIDDEN (yourself), NOT_FOUND, CONFLICT (already suspended, or the last
// active admin).
func (s *Service) SuspendUser(ctx context.Context, id uuid.UUID, reason string) (*ent.User, error) {
	reason, err := cleanText(reason, "reason", 500, true)
	if err != nil {
		return nil, err
	}
	var keys []uuid.UUID
	out, err := s.adminUpdate(ctx, id, actionSuspended, true, func(ctx context.Context, tx *ent.Client, u *ent.User, up *ent.UserUpdateOne) (map[string]any, error) {
		if u.Status == user.StatusSUSPENDED {
			return nil, errs.E(errs.Conflict, "user is already suspended")
		}
		up.SetStatus(user.StatusSUSPENDED)
		// Keys stay dead after a reactivation: the owner makes new ones deliberately.
		var err error
		if keys, err = s.revokeAPIKeys(ctx, tx, u.ID); err != nil {
			return nil, err
		}
		meta := map[string]any{"reason": reason, "apiKeysRevoked": len(keys)}
		if s.onSuspend != nil {
			n, err := s.onSuspend(ctx, tx, u.ID)
			if err != nil {
				return nil, err
			}
			meta["claimsReleased"] = n
		}
		return meta, nil
	})
	if err == nil {
		s.Broadcast(ctx, keys) // live connections using the keys end, on every instance
	}
	return out, err
}

// ReactivateUser lets a suspended user sign in again.
// Errors: NOT_FOUND, CONFLICT (not suspended).
func (s *Service) ReactivateUser(ctx context.Context, id uuid.UUID) (*ent.User, error) {
	return s.adminUpdate(ctx, id, "user.reactivated", false, func(_ context.Context, _ *ent.Client, u *ent.User, up *ent.UserUpdateOne) (map[string]any, error) {
		if u.Status != user.StatusSUSPENDED {
			return nil, errs.E(errs.Conflict, "user is not suspended")
		}
		up.SetStatus(user.StatusACTIVE)
		return nil, nil
	})
}

// DecideExpert approves or rejects a pending expert application. An approval, like that
// of a subject request, needs every subject applied for to be still offered (an admin
// may have dropped one from the settings since): an expert would never see a task of the
// others.
// Errors: NOT_FOUND, CONFLICT (no pending application, or a subject no longer offered).
func (s *Service) DecideExpert(ctx context.Context, id uuid.UUID, approve bool, reason string) (*ent.User, error) {
	reason, err := cleanText(reason, "reason", 500, true)
	if err != nil {
		return nil, err
	}
	action, status := "expert.rejected", user.ExpertStatusREJECTED
	var set settings.Settings
	if approve {
		action, status = "expert.approved", user.ExpertStatusAPPROVED
		// Read before the transaction: the settings may need a connection of their own.
		if set, err = s.settings.Get(ctx); err != nil {
			return nil, errs.Wrap("auth.DecideExpert", err)
		}
	}
	return s.adminUpdate(ctx, id, action, false, func(ctx context.Context, tx *ent.Client, u *ent.User, up *ent.UserUpdateOne) (map[string]any, error) {
		if u.ExpertStatus == nil || *u.ExpertStatus != user.ExpertStatusPENDING {
			return nil, errs.E(errs.Conflict, "this user has no pending expert application")
		}
		if approve {
			for _, n := range u.ExpertSubjects {
				if _, ok := set.Subject(n); !ok {
					return nil, errs.Ef(errs.Conflict, "%q is not one of the platform's subjects any more; reject the application instead", n)
				}
			}
		}
		up.SetExpertStatus(status)
		return map[string]any{"reason": reason}, expertDecided(ctx, tx, u, approve, reason)
	})
}

// adminUpdate runs one admin change to another user in a transaction: load (locked),
// change, audit, and (when endSessions) revoke the user's sessions, broadcast after commit.
// A change that would leave no active admin (a demotion or suspension of the last one) is
// CONFLICT.
func (s *Service) adminUpdate(ctx context.Context, id uuid.UUID, action string, endSessions bool,
	change func(context.Context, *ent.Client, *ent.User, *ent.UserUpdateOne) (map[string]any, error)) (*ent.User, error) {
	p, err := admin(ctx)
	if err != nil {
		return nil, err
	}
	if id == p.UserID {
		return nil, errs.E(errs.Forbidden, "you cannot do this to your own account")
	}
	var out *ent.User
	var revoked []uuid.UUID
	err = db.InTx(ctx, s.client, func(tx *ent.Client) error {
		// The user and every active admin, locked in id order (SQLite's transaction holds
		// the write lock already). Of two admins changing one user at once, the second
		// decides on what the first wrote (CONFLICT for a decision already made), not on a
		// stale read; and two changes that could each take away an admin run one after the
		// other, so the second counts the admins the first left.
		locked, err := tx.User.Query().
			Where(user.Or(user.ID(id), user.And(user.RoleEQ(user.RoleADMIN), user.StatusEQ(user.StatusACTIVE)))).
			Order(ent.Asc(user.FieldID)).Modify(db.ForNoKeyUpdate).All(ctx)
		if err != nil {
			return err
		}
		i := slices.IndexFunc(locked, func(u *ent.User) bool { return u.ID == id })
		if i < 0 {
			return errs.E(errs.NotFound, "user not found")
		}
		u := locked[i]
		up := tx.User.UpdateOne(u)
		meta, err := change(ctx, tx, u, up)
		if err != nil {
			return err
		}
		if len(locked) == 1 && removesActiveAdmin(u, up.Mutation()) {
			return errs.E(errs.Conflict, "this would leave no active admin")
		}
		if out, err = up.Save(ctx); err != nil {
			return err
		}
		if endSessions {
			if revoked, err = s.revokeSessions(ctx, tx, action, userSessions(id)); err != nil {
				return err
			}
		}
		return audit.Record(ctx, tx, audit.Entry{Action: action, TargetType: "User", TargetID: id.String(), Metadata: meta})
	})
	if err != nil {
		return nil, errs.Wrap("auth."+action, err)
	}
	s.Broadcast(ctx, revoked)
	return out, nil
}

// removesActiveAdmin reports whether the change m to u takes an active admin away: a
// demotion or a suspension of an ADMIN who is not suspended.
func removesActiveAdmin(u *ent.User, m *ent.UserMutation) bool {
	if u.Role != user.RoleADMIN || u.Status != user.StatusACTIVE {
		return false
	}
	role, roleSet := m.Role()
	status, statusSet := m.Status()
	return roleSet && role != user.RoleADMIN || statusSet && status != user.StatusACTIVE
}

// admin returns the calling admin. Errors: FORBIDDEN.
func admin(ctx context.Context) (viewer.Principal, error) {
	p, ok := viewer.From(ctx)
	if !ok || !p.IsAdmin() {
		return p, errs.E(errs.Forbidden, "admins only")
	}
	return p, nil
}
