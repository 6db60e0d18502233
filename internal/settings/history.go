package settings

import (
	"bytes"
	"context"
	"encoding/json"
	"sort"

	"backbone/ent"
	"backbone/ent/settingsversion"
	"backbone/internal/db"
	"backbone/internal/errs"
	"backbone/internal/viewer"
)

// Change is one setting a version changed: its key and its stored form (JSON) before
// and after.
type Change struct {
	Key      string
	Old, New json.RawMessage
}

// Changes lists what version v changed, by key.
func Changes(v *ent.SettingsVersion) []Change {
	olds, news := v.Changes["old"], v.Changes["new"]
	out := make([]Change, 0, len(news))
	for k, n := range news {
		out = append(out, Change{Key: k, Old: olds[k], New: n})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Key < out[j].Key })
	return out
}

// History returns the query of the settings' versions; the caller paginates it.
// Errors: FORBIDDEN (not an admin).
func (s *Service) History(ctx context.Context) (*ent.SettingsVersionQuery, error) {
	if p, ok := viewer.From(ctx); !ok || !p.IsAdmin() {
		return nil, errs.E(errs.Forbidden, "admins only")
	}
	return s.db.Client.SettingsVersion.Query(), nil
}

// recordVersion writes the version that turns cur into next, numbered one after cur's,
// in tx (Update serialises updates, and the number is unique besides).
func recordVersion(ctx context.Context, tx *ent.Client, cur, next Settings, who viewer.Principal) error {
	before, err := encoded(cur)
	if err != nil {
		return err
	}
	after, err := encoded(next)
	if err != nil {
		return err
	}
	olds, news := map[string]json.RawMessage{}, map[string]json.RawMessage{}
	for k, v := range after {
		if !bytes.Equal(before[k], v) {
			olds[k], news[k] = before[k], v
		}
	}
	return tx.SettingsVersion.Create().SetVersion(cur.Version + 1).SetSettings(after).
		SetChanges(map[string]map[string]json.RawMessage{"old": olds, "new": news}).
		SetCreatedBy(who.UserID).Exec(ctx)
}

// latestVersion is the newest version, nil when there is none.
func latestVersion(ctx context.Context, c *ent.Client) (*ent.SettingsVersion, error) {
	v, err := c.SettingsVersion.Query().Order(ent.Desc(settingsversion.FieldVersion)).
		First(db.System(ctx))
	if ent.IsNotFound(err) {
		return nil, nil
	}
	return v, err
}
