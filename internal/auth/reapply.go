package auth

import (
	"context"

	"backbone/ent"
	"backbone/ent/user"
	"backbone/internal/audit"
	"backbone/internal/db"
	"backbone/internal/errs"
	"backbone/internal/timex"
	"backbone/internal/viewer"
)

// ApplyAgain resubmits the caller's rejected expert application with new subjects and
// bio: the account is PENDING again and the admins are told, as of a new application.
// Only a rejected application may be resubmitted, so an applicant applies again no
// faster than admins decide.
// Errors: BAD_USER_INPUT (field subjects or bio), CONFLICT (no rejected application).
func (s *Service) ApplyAgain(ctx context.Context, in ExpertApplication) (*ent.User, error) {
	p, err := viewer.Required(ctx)
	if err != nil {
		return nil, err
	}
	subjects, err := cleanSubjects(in.Subjects)
	if err != nil {
		return nil, err
	}
	bio, err := cleanText(in.Bio, "bio", maxBio, false)
	if err != nil {
		return nil, err
	}
	acct := newAccount{expert: &ExpertApplication{Subjects: subjects, Bio: bio}}
	if err := s.offerSubjects(ctx, &acct); err != nil {
		return nil, errs.Wrap("auth.ApplyAgain", err)
	}
	var out *ent.User
	err = db.InTx(ctx, s.client, func(tx *ent.Client) error {
		u, err := tx.User.Query().Where(user.ID(p.UserID)).Modify(db.ForNoKeyUpdate).Only(ctx)
		if err != nil {
			return err
		}
		if u.ExpertStatus == nil || *u.ExpertStatus != user.ExpertStatusREJECTED {
			return errs.E(errs.Conflict, "only a rejected expert application can be submitted again")
		}
		out, err = tx.User.UpdateOne(u).SetExpertStatus(user.ExpertStatusPENDING).
			SetExpertSubjects(acct.expert.Subjects).SetExpertBio(acct.expert.Bio).Save(ctx)
		if err != nil {
			return err
		}
		if err := expertApplied(ctx, tx, out, timex.Now()); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Entry{
			Action: "expert.reapplied", TargetType: "User", TargetID: u.ID.String(), Actor: &u.ID,
			Metadata: map[string]any{"subjects": out.ExpertSubjects},
		})
	})
	return out, errs.Wrap("auth.ApplyAgain", err)
}
