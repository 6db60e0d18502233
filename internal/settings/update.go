package settings

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"hash/fnv"
	"strings"

	"backbone/ent"
	"backbone/ent/setting"
	"backbone/internal/audit"
	"backbone/internal/db"
	"backbone/internal/errs"
	"backbone/internal/viewer"
)

// AuditAction is the audit log action of an update.
const AuditAction = "settings.updated"

// Update applies an admin's patch as a new version and returns the new settings. The
// change, its version (see History) and its audit row (metadata: the old and new value
// of each changed setting) commit together; then
// every instance is told to drop its cache. A patch that changes nothing writes nothing.
// Errors: FORBIDDEN (not an admin), BAD_USER_INPUT (extension "field" names the setting).
func (s *Service) Update(ctx context.Context, p Patch) (Settings, error) {
	who, ok := viewer.From(ctx)
	if !ok || !who.IsAdmin() {
		return Settings{}, errs.E(errs.Forbidden, "admins only")
	}
	// A subject matches in any case, so "Physics" and "physics" at one urgency are one
	// price given twice: refused rather than the last one silently winning.
	given := map[string]bool{}
	for _, pr := range p.Prices {
		if !pr.Urgency.Valid() {
			return Settings{}, bad("prices", "unknown urgency")
		}
		key := strings.ToLower(pr.Subject) + "\x00" + string(pr.Urgency)
		if given[key] {
			return Settings{}, bad("prices", fmt.Sprintf("the price of %s at %s is given twice (subjects match in any case)", pr.Subject, pr.Urgency))
		}
		given[key] = true
	}
	var out Settings
	changed := false
	err := db.InTx(ctx, s.db.Client, func(tx *ent.Client) error {
		if err := s.serialize(ctx, tx); err != nil {
			return err
		}
		cur, err := s.load(ctx, tx)
		if err != nil {
			return err
		}
		next := p.Apply(cur)
		if err := Validate(next); err != nil {
			return err
		}
		rows, meta, err := diff(cur, next)
		if err != nil || len(rows) == 0 {
			out = cur
			return err
		}
		changed = true
		if err := store(ctx, tx, rows, who); err != nil {
			return err
		}
		if err := recordVersion(ctx, tx, cur, next, who); err != nil {
			return err
		}
		if err := audit.Record(ctx, tx, audit.Entry{Action: AuditAction, TargetType: "Settings",
			TargetID: "marketplace", Metadata: meta}); err != nil {
			return err
		}
		out, err = s.load(ctx, tx)
		return err
	})
	if err != nil {
		return Settings{}, errs.Wrap("settings.Update", err)
	}
	if changed {
		if err := s.memo.Invalidate(ctx, cacheKey); err != nil {
			s.log.WarnContext(ctx, "settings change not broadcast; other instances catch up within the TTL", "err", err)
		}
	}
	return out, nil
}

// serialize makes concurrent updates run one after the other, so that neither loses
// the other's change to a shared value such as prices. SQLite transactions already
// take the write lock when they begin.
func (s *Service) serialize(ctx context.Context, tx *ent.Client) error {
	if !s.db.Postgres() {
		return nil
	}
	h := fnv.New64a()
	h.Write([]byte("backbone:settings"))
	_, err := tx.ExecContext(ctx, "SELECT pg_advisory_xact_lock($1)", int64(h.Sum64()))
	return err
}

// diff returns the rows to write (the stored form of each setting that differs between
// cur and next, with its coupled settings) and the audit metadata: {"old": {...},
// "new": {...}} of the settings that differ.
func diff(cur, next Settings) (map[string]json.RawMessage, map[string]any, error) {
	a, err := encoded(cur)
	if err != nil {
		return nil, nil, err
	}
	b, err := encoded(next)
	if err != nil {
		return nil, nil, err
	}
	changed := map[string]json.RawMessage{}
	olds, news := map[string]any{}, map[string]any{}
	for k, v := range b {
		if !bytes.Equal(a[k], v) {
			changed[k] = v
			olds[k], news[k] = a[k], v
		}
	}
	for _, k := range coupled {
		if _, ok := changed[k]; ok {
			for _, c := range coupled {
				changed[c] = b[c]
			}
			break
		}
	}
	return changed, map[string]any{"old": olds, "new": news}, nil
}

// store upserts the changed settings' rows.
func store(ctx context.Context, tx *ent.Client, rows map[string]json.RawMessage, who viewer.Principal) error {
	for k, v := range rows {
		err := tx.Setting.Create().SetKey(k).SetValue(v).SetUpdatedBy(who.UserID).
			OnConflictColumns(setting.FieldKey).UpdateNewValues().Exec(ctx)
		if err != nil {
			return err
		}
	}
	return nil
}
