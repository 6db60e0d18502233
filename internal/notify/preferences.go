package notify

import (
	"context"
	"fmt"

	"github.com/google/uuid"

	"backbone/ent"
	"backbone/ent/notificationpreference"
	"backbone/internal/db"
	"backbone/internal/errs"
	"backbone/internal/viewer"
)

// Preference says whether one kind of notification also comes by email to a user.
type Preference struct {
	Kind           string
	Email          bool
	EmailByDefault bool
}

// PreferenceChange is one kind's new email choice.
type PreferenceChange struct {
	Kind  string
	Email bool
}

// Preferences lists, for every kind the viewer's role receives, whether it also comes
// by email. Errors: UNAUTHENTICATED.
func (s *Service) Preferences(ctx context.Context) ([]Preference, error) {
	p, err := viewer.Required(ctx)
	if err != nil {
		return nil, err
	}
	chosen, err := s.chosen(db.System(ctx), s.client, p.UserID)
	if err != nil {
		return nil, errs.Wrap("notify.Preferences", err)
	}
	return preferences(p.Role, chosen), nil
}

// UpdatePreferences sets the viewer's email choice of each kind in changes (the others
// stay) and returns every preference. Errors: UNAUTHENTICATED, BAD_USER_INPUT (a kind
// the viewer's role does not receive, or one given twice).
func (s *Service) UpdatePreferences(ctx context.Context, changes []PreferenceChange) ([]Preference, error) {
	p, err := viewer.Required(ctx)
	if err != nil {
		return nil, err
	}
	seen := map[string]bool{}
	for _, c := range changes {
		switch {
		case !ConcernsRole(c.Kind, p.Role):
			return nil, errs.Ef(errs.BadUserInput, "%s notifications are not sent to a %s", c.Kind, p.Role).With("field", "preferences")
		case seen[c.Kind]:
			return nil, errs.Ef(errs.BadUserInput, "%s is given twice", c.Kind).With("field", "preferences")
		}
		seen[c.Kind] = true
	}
	chosen, err := s.choose(db.System(ctx), p.UserID, changes)
	if err != nil {
		return nil, errs.Wrap("notify.UpdatePreferences", err)
	}
	return preferences(p.Role, chosen), nil
}

// EmailWanted reports whether a notification of kind also goes by email to user, whose
// role is role: their choice, or the role's default.
func (s *Service) EmailWanted(ctx context.Context, c *ent.Client, userID uuid.UUID, role, kind string) (bool, error) {
	if !ConcernsRole(kind, role) {
		return false, nil
	}
	chosen, err := s.chosen(db.System(ctx), c, userID)
	if err != nil {
		return false, err
	}
	if email, ok := chosen[kind]; ok {
		return email, nil
	}
	return EmailByDefault(kind, role), nil
}

// TurnOffEmail stops the emails of kind to user (the unsubscribe link).
func (s *Service) TurnOffEmail(ctx context.Context, userID uuid.UUID, kind string) error {
	_, err := s.choose(db.System(ctx), userID, []PreferenceChange{{Kind: kind, Email: false}})
	return err
}

// preferences lists role's kinds with the choices in chosen.
func preferences(role string, chosen map[string]bool) []Preference {
	kinds := KindsFor(role)
	out := make([]Preference, len(kinds))
	for i, k := range kinds {
		def := EmailByDefault(k, role)
		email, ok := chosen[k]
		if !ok {
			email = def
		}
		out[i] = Preference{Kind: k, Email: email, EmailByDefault: def}
	}
	return out
}

// chosen reads the user's choices, by kind (none when they never chose).
func (s *Service) chosen(ctx context.Context, c *ent.Client, userID uuid.UUID) (map[string]bool, error) {
	row, err := c.NotificationPreference.Query().Where(notificationpreference.UserID(userID)).Only(ctx)
	if ent.IsNotFound(err) {
		return map[string]bool{}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("preferences: %w", err)
	}
	if row.Email == nil {
		return map[string]bool{}, nil
	}
	return row.Email, nil
}

// choose merges changes into the user's stored choices and returns them all. The row is
// created if missing and locked, so that concurrent changes of different kinds all stay.
func (s *Service) choose(ctx context.Context, userID uuid.UUID, changes []PreferenceChange) (map[string]bool, error) {
	var out map[string]bool
	err := db.InTx(ctx, s.client, func(tx *ent.Client) error {
		err := tx.NotificationPreference.Create().SetUserID(userID).SetEmail(map[string]bool{}).
			OnConflictColumns(notificationpreference.FieldUserID).Ignore().Exec(ctx)
		if err != nil {
			return fmt.Errorf("create preferences: %w", err)
		}
		q := tx.NotificationPreference.Query().Where(notificationpreference.UserID(userID))
		if s.db.Postgres() {
			q = q.ForUpdate()
		}
		row, err := q.Only(ctx)
		if err != nil {
			return fmt.Errorf("read preferences: %w", err)
		}
		out = map[string]bool{}
		for k, v := range row.Email {
			out[k] = v
		}
		for _, c := range changes {
			out[c.Kind] = c.Email
		}
		return tx.NotificationPreference.UpdateOne(row).SetEmail(out).Exec(ctx)
	})
	return out, err
}
