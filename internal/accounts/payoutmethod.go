package accounts

import (
	"context"
	"errors"
	"fmt"
	"net/mail"
	"strings"
	"time"
	"unicode"

	"github.com/google/uuid"

	"backbone/ent"
	"backbone/ent/payout"
	"backbone/ent/payoutmethod"
	"backbone/internal/audit"
	"backbone/internal/db"
	"backbone/internal/errs"
	"backbone/internal/textx"
	"backbone/internal/viewer"
)

// MaxPayoutDetails bounds a payout method's details, in characters.
const MaxPayoutDetails = 500

// maskVisible is how many trailing characters of the details the expert sees.
const maskVisible = 4

// PayoutMethodView is an expert's payout method as they see it: masked.
type PayoutMethodView struct {
	Kind payoutmethod.Kind
	// MaskedDetails shows only the last four characters of the details.
	MaskedDetails string
	UpdatedAt     time.Time
}

// PayoutDestination is a payout method in full, for the admin deciding a payout.
type PayoutDestination struct {
	Kind    payoutmethod.Kind
	Details string
}

// SetPayoutMethod sets where the calling expert's payouts go: a bank transfer (the
// account details, such as holder, IBAN and BIC) or a PayPal address. The details are
// sealed with the current data encryption key, bound to the expert's id; the change is
// audited (without the details). Only the expert's session may: an API key may not
// redirect their earnings. Errors: UNAUTHENTICATED, FORBIDDEN (not an expert, or an API
// key), BAD_USER_INPUT.
func (s *Service) SetPayoutMethod(ctx context.Context, kind payoutmethod.Kind, details string) (*PayoutMethodView, error) {
	p, err := viewer.RequiredSession(ctx)
	if err != nil {
		return nil, err
	}
	if p.Role != viewer.RoleExpert {
		return nil, errs.E(errs.Forbidden, "experts only")
	}
	if details, err = checkDetails(kind, details); err != nil {
		return nil, err
	}
	kid, sealed, err := s.keys.Seal([]byte(details), aad(p.UserID))
	if err != nil {
		return nil, errs.Wrap("accounts.SetPayoutMethod", err)
	}
	now := s.now()
	err = db.InTx(ctx, s.client, func(tx *ent.Client) error {
		err := tx.PayoutMethod.Create().SetUserID(p.UserID).SetKind(kind).SetKeyID(kid).SetDetailsSealed(sealed).
			SetCreatedAt(now).SetUpdatedAt(now).
			OnConflictColumns(payoutmethod.FieldUserID).
			Update(func(u *ent.PayoutMethodUpsert) {
				u.UpdateKind().UpdateKeyID().UpdateDetailsSealed().UpdateUpdatedAt()
			}).Exec(ctx)
		if err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Entry{Action: "payout_method.set", TargetType: "User", TargetID: p.UserID.String(),
			Metadata: map[string]any{"kind": string(kind), "keyId": kid}})
	})
	if err != nil {
		return nil, errs.Wrap("accounts.SetPayoutMethod", err)
	}
	return &PayoutMethodView{Kind: kind, MaskedDetails: mask(details), UpdatedAt: now}, nil
}

// PayoutMethod returns the calling user's payout method, masked; nil when none is set.
// Errors: UNAUTHENTICATED, INTERNAL (the details do not open with the configured keys).
func (s *Service) PayoutMethod(ctx context.Context) (*PayoutMethodView, error) {
	p, err := viewer.Required(ctx)
	if err != nil {
		return nil, err
	}
	m, details, err := s.open(ctx, p.UserID)
	if err != nil || m == nil {
		return nil, errs.Wrap("accounts.PayoutMethod", err)
	}
	return &PayoutMethodView{Kind: m.Kind, MaskedDetails: mask(details), UpdatedAt: m.UpdatedAt}, nil
}

// PayoutDestination shows the admin deciding a payout where it goes: the expert's payout
// method in full, only while the payout is PENDING (nil otherwise, and for anyone but an
// admin, or when the expert has none). Every read is audited, and fails if the audit row
// cannot be written.
func (s *Service) PayoutDestination(ctx context.Context, po *ent.Payout) (*PayoutDestination, error) {
	p, ok := viewer.From(ctx)
	if !ok || !p.IsAdmin() || po.Status != payout.StatusPENDING {
		return nil, nil
	}
	m, details, err := s.open(db.System(ctx), po.ExpertID)
	if err != nil || m == nil {
		return nil, errs.Wrap("accounts.PayoutDestination", err)
	}
	err = audit.Record(ctx, s.client, audit.Entry{Action: "payout_method.viewed", TargetType: "Payout", TargetID: po.ID.String(),
		Metadata: map[string]any{"expertId": po.ExpertID.String(), "kind": string(m.Kind)}})
	if err != nil {
		return nil, errs.Wrap("accounts.PayoutDestination", err)
	}
	return &PayoutDestination{Kind: m.Kind, Details: details}, nil
}

// open reads and decrypts a user's payout method; nil when none is set.
func (s *Service) open(ctx context.Context, userID uuid.UUID) (*ent.PayoutMethod, string, error) {
	m, err := s.client.PayoutMethod.Query().Where(payoutmethod.UserID(userID)).Only(ctx)
	if ent.IsNotFound(err) {
		return nil, "", nil
	}
	if err != nil {
		return nil, "", err
	}
	plain, err := s.keys.Open(m.KeyID, m.DetailsSealed, aad(userID))
	if err != nil {
		return nil, "", fmt.Errorf("payout method of %s under key %q: %w", userID, m.KeyID, err)
	}
	return m, string(plain), nil
}

// ReencryptResult counts what Reencrypt did.
type ReencryptResult struct {
	Checked, Resealed int
}

// Reencrypt seals every payout method again under the current key, for a key rotation:
// put the new key first in DATA_ENCRYPTION_KEYS, keep the old ones, run it, then drop
// them. A value already under the current key is left alone, so a second run is cheap;
// a value changed meanwhile (another key id) is skipped and picked up by the next run.
// Values that do not open are reported together, after the others are done.
func (s *Service) Reencrypt(ctx context.Context) (ReencryptResult, error) {
	ctx = db.System(ctx)
	var res ReencryptResult
	var failed []error
	current := s.keys.Current()
	after := uuid.Nil
	for {
		batch, err := s.client.PayoutMethod.Query().Where(payoutmethod.IDGT(after)).
			Order(ent.Asc(payoutmethod.FieldID)).Limit(100).All(ctx)
		if err != nil {
			return res, err
		}
		if len(batch) == 0 {
			break
		}
		for _, m := range batch {
			after = m.ID
			res.Checked++
			if m.KeyID == current {
				continue
			}
			plain, err := s.keys.Open(m.KeyID, m.DetailsSealed, aad(m.UserID))
			if err != nil {
				failed = append(failed, fmt.Errorf("payout method %s (key %q): %w", m.ID, m.KeyID, err))
				continue
			}
			kid, sealed, err := s.keys.Seal(plain, aad(m.UserID))
			if err != nil {
				return res, err
			}
			n, err := s.client.PayoutMethod.Update().
				Where(payoutmethod.ID(m.ID), payoutmethod.KeyID(m.KeyID)).
				SetKeyID(kid).SetDetailsSealed(sealed).SetUpdatedAt(m.UpdatedAt).Save(ctx)
			if err != nil {
				return res, err
			}
			res.Resealed += n
		}
	}
	return res, errors.Join(failed...)
}

// checkDetails validates a payout method's details: plain text; a PayPal address must be
// an email address. Errors: BAD_USER_INPUT.
func checkDetails(kind payoutmethod.Kind, details string) (string, error) {
	if payoutmethod.KindValidator(kind) != nil {
		return "", errs.E(errs.BadUserInput, "unknown payout method kind").With("field", "kind")
	}
	details, err := textx.Plain("details", details, MaxPayoutDetails, true)
	if err != nil {
		return "", err
	}
	if kind == payoutmethod.KindPAYPAL {
		addr, err := mail.ParseAddress(details)
		if err != nil || addr.Address != details || addr.Name != "" {
			return "", errs.E(errs.BadUserInput, "a PayPal payout method needs the account's email address").With("field", "details")
		}
	}
	if visible := strings.Map(dropSpace, details); len([]rune(visible)) <= 2*maskVisible {
		return "", errs.Ef(errs.BadUserInput, "the details are too short: give more than %d characters", 2*maskVisible).With("field", "details")
	}
	return details, nil
}

// mask shows the last four characters of details (spaces dropped), the rest as dots.
func mask(details string) string {
	r := []rune(strings.Map(dropSpace, details))
	if len(r) <= maskVisible {
		return strings.Repeat("•", len(r))
	}
	return "••••" + string(r[len(r)-maskVisible:])
}

func dropSpace(r rune) rune {
	if unicode.IsSpace(r) {
		return -1
	}
	return r
}

// aad binds a sealed value to its owner: copied onto another expert's row, it does not open.
func aad(userID uuid.UUID) []byte { return []byte("payout_method:" + userID.String()) }
