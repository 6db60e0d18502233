package auth

import (
	"context"
	"slices"

	"backbone/ent"
	"backbone/ent/user"
	"backbone/internal/auth/password"
	"backbone/internal/errs"
)

// newAccount is a new account's fields after the checks every new account passes, whether
// it registers or is seeded.
type newAccount struct {
	email, name string
	expert      *ExpertApplication // cleaned; nil: not an expert
}

// checkNewAccount normalizes the email, cleans the display name and the expert
// application (when there is one) and checks the password's strength.
// Errors: BAD_USER_INPUT (with the field).
func checkNewAccount(rawEmail, rawName, pw string, expert *ExpertApplication) (newAccount, error) {
	email, err := NormalizeEmail(rawEmail)
	if err != nil {
		return newAccount{}, err
	}
	name, err := CleanDisplayName(rawName)
	if err != nil {
		return newAccount{}, err
	}
	if err := password.CheckStrength(pw, email, name); err != nil {
		return newAccount{}, err
	}
	a := newAccount{email: email, name: name}
	if expert != nil {
		subjects, err := cleanSubjects(expert.Subjects)
		if err != nil {
			return newAccount{}, err
		}
		bio, err := cleanText(expert.Bio, "bio", maxBio, false)
		if err != nil {
			return newAccount{}, err
		}
		a.expert = &ExpertApplication{Subjects: subjects, Bio: bio}
	}
	return a, nil
}

// create starts the insert of the account with role, carrying its expert application.
func (a newAccount) create(c *ent.Client, role user.Role, hash string) *ent.UserCreate {
	uc := c.User.Create().SetEmail(a.email).SetDisplayName(a.name).SetRole(role).SetPasswordHash(hash)
	if a.expert != nil {
		uc.SetExpertSubjects(a.expert.Subjects).SetExpertBio(a.expert.Bio)
	}
	return uc
}

// offerSubjects puts an expert application's subjects, cleaned, in the settings' spelling
// (matched in any case), as requestSubjects does. Errors: BAD_USER_INPUT for a subject
// the platform does not have (an approved expert of it would never see a question).
func (s *Service) offerSubjects(ctx context.Context, a *newAccount) error {
	if a.expert == nil {
		return nil
	}
	set, err := s.settings.Get(ctx)
	if err != nil {
		return err
	}
	names := make([]string, 0, len(a.expert.Subjects))
	for _, n := range a.expert.Subjects {
		name, ok := set.Subject(n)
		if !ok {
			return errs.Ef(errs.BadUserInput, "%q is not one of the platform's subjects", n).With("field", "subjects")
		}
		if !slices.Contains(names, name) {
			names = append(names, name)
		}
	}
	a.expert.Subjects = names
	return nil
}
