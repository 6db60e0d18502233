package auth

import (
	"context"
	"slices"
	"time"

	"github.com/google/uuid"

	"backbone/ent"
	"backbone/ent/apikey"
	"backbone/ent/user"
	"backbone/internal/audit"
	"backbone/internal/auth/secret"
	"backbone/internal/db"
	"backbone/internal/errs"
	"backbone/internal/viewer"
)

// NewAPIKey is a created key with its secret, which is shown this once and never again.
type NewAPIKey struct {
	Key    *ent.APIKey
	Secret string
}

// validScopes are the scopes a key may hold.
var validScopes = []string{viewer.ScopeRead, viewer.ScopeWrite}

// CreateAPIKey makes a key for the caller, acting with the caller's role within scopes.
// Errors: UNAUTHENTICATED, FORBIDDEN (an API key cannot make keys), BAD_USER_INPUT, CONFLICT (too many keys).
func (s *Service) CreateAPIKey(ctx context.Context, name string, scopes []string, expiresAt *time.Time) (*NewAPIKey, error) {
	p, err := viewer.RequiredSession(ctx)
	if err != nil {
		return nil, err
	}
	name, err = cleanText(name, "name", maxAPIKeyName, false)
	if err != nil {
		return nil, err
	}
	if len(scopes) == 0 {
		return nil, errs.E(errs.BadUserInput, "give the key at least one scope").With("field", "scopes")
	}
	for _, sc := range scopes {
		if !slices.Contains(validScopes, sc) {
			return nil, errs.Ef(errs.BadUserInput, "unknown scope %q", sc).With("field", "scopes")
		}
	}
	if expiresAt != nil && !expiresAt.After(s.now()) {
		return nil, errs.E(errs.BadUserInput, "expiresAt must be in the future").With("field", "expiresAt")
	}
	plain, prefix, hash := secret.NewAPIKey(secret.EnvLive)
	var out *NewAPIKey
	err = db.InTx(ctx, s.client, func(tx *ent.Client) error {
		// Expired keys no longer work, so they take no room.
		active, err := tx.APIKey.Query().Where(apikey.OwnerID(p.UserID), apikey.RevokedAtIsNil(),
			apikey.Or(apikey.ExpiresAtIsNil(), apikey.ExpiresAtGT(s.now()))).Count(db.System(ctx))
		if err != nil {
			return err
		}
		if active >= maxActiveAPIKey {
			return errs.Ef(errs.Conflict, "at most %d active API keys; revoke one first", maxActiveAPIKey)
		}
		k, err := tx.APIKey.Create().SetOwnerID(p.UserID).SetName(name).SetPrefix(prefix).
			SetSecretHash(hash).SetScopes(slices.Compact(slices.Sorted(slices.Values(scopes)))).
			SetNillableExpiresAt(expiresAt).Save(ctx)
		if err != nil {
			return err
		}
		out = &NewAPIKey{Key: k, Secret: plain}
		return audit.Record(ctx, tx, audit.Entry{
			Action: "apikey.created", TargetType: "APIKey", TargetID: k.ID.String(),
			Metadata: map[string]any{"name": name, "prefix": prefix, "scopes": k.Scopes},
		})
	})
	return out, errs.Wrap("auth.CreateAPIKey", err)
}

// APIKeys lists the caller's own keys, newest first.
func (s *Service) APIKeys(ctx context.Context) ([]*ent.APIKey, error) {
	p, err := viewer.Required(ctx)
	if err != nil {
		return nil, err
	}
	keys, err := s.client.APIKey.Query().Where(apikey.OwnerID(p.UserID)).
		Order(ent.Desc(apikey.FieldCreatedAt)).All(ctx)
	return keys, errs.Wrap("auth.APIKeys", err)
}

// RevokeAPIKey revokes one of the caller's keys (an admin may revoke any).
// Errors: UNAUTHENTICATED, FORBIDDEN (API key), NOT_FOUND, CONFLICT (already revoked).
func (s *Service) RevokeAPIKey(ctx context.Context, id uuid.UUID) (*ent.APIKey, error) {
	if _, err := viewer.RequiredSession(ctx); err != nil {
		return nil, err
	}
	var out *ent.APIKey
	err := db.InTx(ctx, s.client, func(tx *ent.Client) error {
		k, err := tx.APIKey.Get(ctx, id) // privacy: another user's key is not found
		if ent.IsNotFound(err) {
			return errs.E(errs.NotFound, "API key not found")
		}
		if err != nil {
			return err
		}
		if k.RevokedAt != nil {
			return errs.E(errs.Conflict, "API key already revoked")
		}
		if out, err = k.Update().SetRevokedAt(s.now()).Save(ctx); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Entry{
			Action: "apikey.revoked", TargetType: "APIKey", TargetID: k.ID.String(),
			Metadata: map[string]any{"prefix": k.Prefix},
		})
	})
	if err != nil {
		return nil, errs.Wrap("auth.RevokeAPIKey", err)
	}
	s.Broadcast(ctx, []uuid.UUID{out.ID}) // live connections using the key end, on every instance
	return out, nil
}

// revokeAPIKeys revokes every live key of a user within tx and returns their ids, so that
// the caller can broadcast them once the transaction has committed.
func (s *Service) revokeAPIKeys(ctx context.Context, tx *ent.Client, userID uuid.UUID) ([]uuid.UUID, error) {
	ctx = db.System(ctx)
	ids, err := tx.APIKey.Query().Where(apikey.OwnerID(userID), apikey.RevokedAtIsNil()).IDs(ctx)
	if err != nil || len(ids) == 0 {
		return nil, err
	}
	err = tx.APIKey.Update().Where(apikey.IDIn(ids...), apikey.RevokedAtIsNil()).SetRevokedAt(s.now()).Exec(ctx)
	return ids, err
}

// lastUsedGranularity limits last-used writes to one per key per minute.
const lastUsedGranularity = time.Minute

// apiKey finds the live key of plain, with its owner, and records its use.
// Errors: UNAUTHENTICATED "invalid API key" (reason invalid).
func (s *Service) apiKey(ctx context.Context, plain string) (*ent.APIKey, error) {
	refused := errs.E(errs.Unauthenticated, "invalid API key").With("reason", "invalid")
	prefix, hash, err := secret.ParseAPIKey(plain)
	if err != nil {
		return nil, refused
	}
	k, err := s.client.APIKey.Query().Where(apikey.Prefix(prefix)).WithOwner().Only(db.System(ctx))
	if ent.IsNotFound(err) {
		return nil, refused
	}
	if err != nil {
		return nil, errs.Wrap("auth.Authenticate", err)
	}
	now := s.now()
	owner := k.Edges.Owner
	if !secret.Equal(hash, k.SecretHash) || k.RevokedAt != nil ||
		(k.ExpiresAt != nil && !now.Before(*k.ExpiresAt)) || owner.Status != user.StatusACTIVE {
		return nil, refused
	}
	if k.LastUsedAt == nil || now.Sub(*k.LastUsedAt) > lastUsedGranularity {
		if err := s.client.APIKey.UpdateOneID(k.ID).SetLastUsedAt(now).Exec(ctx); err != nil {
			s.log.WarnContext(ctx, "API key last-used time not saved", "err", err)
		}
	}
	return k, nil
}

// keyPrincipal is the principal acting for a key's owner (loaded with the key).
func keyPrincipal(k *ent.APIKey) viewer.Principal {
	owner := k.Edges.Owner
	p := viewer.Principal{UserID: owner.ID, Role: string(owner.Role), APIKeyID: k.ID, Scopes: k.Scopes}
	if k.ExpiresAt != nil {
		p.Expires = *k.ExpiresAt
	}
	return p
}
