// Package accounts holds what users change about themselves: their profile, an expert's
// subjects (additions an admin approves, removals at once) and an expert's payout method,
// whose details are sealed at rest.
package accounts

import (
	"context"
	"time"

	"backbone/ent"
	"backbone/internal/errs"
	"backbone/internal/seal"
	"backbone/internal/settings"
	"backbone/internal/timex"
	"backbone/internal/viewer"
)

// Settings gives the marketplace's current settings (the subjects experts may declare).
type Settings interface {
	Get(ctx context.Context) (settings.Settings, error)
}

// Deps are what the service is built from.
type Deps struct {
	Client   *ent.Client
	Keys     *seal.Keyring
	Settings Settings
}

// Service changes profiles, subjects and payout methods. It is safe for concurrent use.
type Service struct {
	client   *ent.Client
	keys     *seal.Keyring
	settings Settings
	now      func() time.Time
}

// New returns the accounts service.
func New(d Deps) *Service {
	return &Service{client: d.Client, keys: d.Keys, settings: d.Settings,
		now: timex.Now}
}

// admin returns the calling admin. Errors: FORBIDDEN.
func admin(ctx context.Context) (viewer.Principal, error) {
	p, ok := viewer.From(ctx)
	if !ok || !p.IsAdmin() {
		return p, errs.E(errs.Forbidden, "admins only")
	}
	return p, nil
}

// SealingKeyID is the id of the data encryption key that seals new values.
func (s *Service) SealingKeyID() string { return s.keys.Current() }

// committed returns out, the row a finished transaction returned, unwrapped from that
// transaction so that the caller can load its edges; or err, wrapped for op.
func committed[T interface{ Unwrap() T }](op string, out T, err error) (T, error) {
	if err != nil {
		var none T
		return none, errs.Wrap(op, err)
	}
	return out.Unwrap(), nil
}
