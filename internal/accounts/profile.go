package accounts

import (
	"context"

	"backbone/ent"
	"backbone/ent/user"
	"backbone/internal/audit"
	"backbone/internal/db"
	"backbone/internal/errs"
	"backbone/internal/textx"
	"backbone/internal/viewer"
)

// Profile limits, in characters.
const (
	MaxDisplayName = 100
	MaxBio         = 2000
)

// ProfileInput changes the caller's profile; nil fields stay as they are.
type ProfileInput struct {
	DisplayName *string
	// Bio is an expert's (or expert applicant's) introduction; others have none.
	Bio *string
}

// UpdateProfile changes the caller's display name (one line, see textx.Line) and, for
// experts, bio (plain text, see textx.Plain), audited. Errors: UNAUTHENTICATED, BAD_USER_INPUT (nothing to change,
// a bad text, a bio of a non-expert).
func (s *Service) UpdateProfile(ctx context.Context, in ProfileInput) (*ent.User, error) {
	p, err := viewer.Required(ctx)
	if err != nil {
		return nil, err
	}
	if in.DisplayName == nil && in.Bio == nil {
		return nil, errs.E(errs.BadUserInput, "give a displayName or a bio to change")
	}
	var out *ent.User
	err = db.InTx(ctx, s.client, func(tx *ent.Client) error {
		u, err := tx.User.Get(ctx, p.UserID)
		if err != nil {
			return err
		}
		up := tx.User.UpdateOne(u)
		var changed []string
		if in.DisplayName != nil {
			name, err := textx.Line("displayName", *in.DisplayName, MaxDisplayName, true)
			if err != nil {
				return err
			}
			up.SetDisplayName(name)
			changed = append(changed, "displayName")
		}
		if in.Bio != nil {
			if u.Role != user.RoleEXPERT {
				return errs.E(errs.BadUserInput, "only experts have a bio").With("field", "bio")
			}
			bio, err := textx.Plain("bio", *in.Bio, MaxBio, false)
			if err != nil {
				return err
			}
			up.SetExpertBio(bio)
			changed = append(changed, "bio")
		}
		if out, err = up.Save(ctx); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Entry{Action: "user.profile_updated", TargetType: "User",
			TargetID: u.ID.String(), Metadata: map[string]any{"fields": changed}})
	})
	return committed("accounts.UpdateProfile", out, err)
}
