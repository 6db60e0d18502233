package auth

import (
	"context"
	"encoding/json"
	"log/slog"
	"sync"
	"time"

	"github.com/google/uuid"

	"backbone/ent"
	"backbone/ent/apikey"
	"backbone/ent/session"
	"backbone/internal/auth/token"
	"backbone/internal/bus"
	"backbone/internal/db"
)

// RevocationTopic carries revoked session and API key ids between server instances.
const RevocationTopic = "auth.sessions.revoked"

// Revocations is each instance's memory of the sessions revoked while their access tokens
// may still be alive, so that checking a token needs no database query. It learns of
// revocations three ways: its own (Revoke), other instances' (the bus, within
// milliseconds), and a poll of the sessions table (the safety net for a lost bus message
// or an instance that just started). Live websockets register to be closed on revocation.
type Revocations struct {
	client   *ent.Client
	bus      bus.Bus
	log      *slog.Logger
	remember time.Duration // how long a revoked session may still hold a live access token
	poll     time.Duration
	now      func() time.Time

	mu       sync.RWMutex
	revoked  map[uuid.UUID]time.Time // session -> forget after
	watchers map[uuid.UUID]map[*watcher]struct{}
}

type watcher struct{ fn func() }

// revocationMargin is how much longer than a token can verify a revocation is remembered:
// for clocks of instances that differ by more than the leeway, and for a revocation
// learned late (by the poll).
const revocationMargin = 30 * time.Second

// NewRevocations returns an empty memory; Run fills and maintains it. accessTTL is the
// access token lifetime: a revoked session is remembered until the last token issued
// before its revocation can no longer verify (token.Lifetime), and a margin more.
func NewRevocations(c *ent.Client, b bus.Bus, log *slog.Logger, accessTTL time.Duration) *Revocations {
	return &Revocations{
		client: c, bus: b, log: log, remember: token.Lifetime(accessTTL) + revocationMargin, poll: 2 * time.Second,
		now:      time.Now,
		revoked:  map[uuid.UUID]time.Time{},
		watchers: map[uuid.UUID]map[*watcher]struct{}{},
	}
}

// IsRevoked reports whether a session was revoked.
func (r *Revocations) IsRevoked(sessionID uuid.UUID) bool {
	r.mu.RLock()
	defer r.mu.RUnlock()
	_, ok := r.revoked[sessionID]
	return ok
}

// Revoke records revoked sessions here and tells the other instances.
func (r *Revocations) Revoke(ctx context.Context, ids []uuid.UUID) {
	if len(ids) == 0 {
		return
	}
	r.add(ids)
	payload, _ := json.Marshal(ids)
	if err := r.bus.Publish(ctx, RevocationTopic, payload); err != nil {
		// The poll still spreads it within seconds.
		r.log.WarnContext(ctx, "revocation not broadcast", "err", err)
	}
}

// Watch calls fn once if the session is revoked (at once if it already is). stop cancels.
func (r *Revocations) Watch(sessionID uuid.UUID, fn func()) (stop func()) {
	w := &watcher{fn: fn}
	r.mu.Lock()
	if _, gone := r.revoked[sessionID]; gone {
		r.mu.Unlock()
		fn()
		return func() {}
	}
	if r.watchers[sessionID] == nil {
		r.watchers[sessionID] = map[*watcher]struct{}{}
	}
	r.watchers[sessionID][w] = struct{}{}
	r.mu.Unlock()
	return func() {
		r.mu.Lock()
		defer r.mu.Unlock()
		delete(r.watchers[sessionID], w)
		if len(r.watchers[sessionID]) == 0 {
			delete(r.watchers, sessionID)
		}
	}
}

func (r *Revocations) add(ids []uuid.UUID) {
	until := r.now().Add(r.remember)
	var fire []func()
	r.mu.Lock()
	for _, id := range ids {
		r.revoked[id] = until
		for w := range r.watchers[id] {
			fire = append(fire, w.fn)
		}
		delete(r.watchers, id)
	}
	r.mu.Unlock()
	for _, fn := range fire {
		fn()
	}
}

// Load reads the sessions revoked within the remember window; call it before serving.
func (r *Revocations) Load(ctx context.Context) error {
	_, err := r.pollSince(ctx, r.now().Add(-r.remember))
	return err
}

// Run follows the bus and polls the database until ctx ends.
func (r *Revocations) Run(ctx context.Context) error {
	go r.follow(ctx)
	since := r.now().Add(-r.remember)
	t := time.NewTicker(r.poll)
	defer t.Stop()
	for {
		next, err := r.pollSince(ctx, since)
		if err != nil && ctx.Err() == nil {
			r.log.WarnContext(ctx, "revocation poll failed", "err", err)
		} else {
			since = next
		}
		r.forgetExpired()
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
	}
}

// pollSince loads the sessions and API keys revoked at or after since and returns the
// next starting point, overlapping a little to absorb clock skew between instances.
func (r *Revocations) pollSince(ctx context.Context, since time.Time) (time.Time, error) {
	started := r.now()
	ids, err := r.client.Session.Query().
		Where(session.RevokedAtGTE(since)).
		IDs(db.System(ctx))
	if err != nil {
		return since, err
	}
	keys, err := r.client.APIKey.Query().Where(apikey.RevokedAtGTE(since)).IDs(db.System(ctx))
	if err != nil {
		return since, err
	}
	r.add(append(ids, keys...))
	return started.Add(-10 * time.Second), nil
}

// follow applies revocations broadcast by other instances, resubscribing if the bus drops us.
func (r *Revocations) follow(ctx context.Context) {
	for ctx.Err() == nil {
		sub, err := r.bus.Subscribe(ctx, RevocationTopic)
		if err != nil {
			select {
			case <-ctx.Done():
				return
			case <-time.After(time.Second):
				continue
			}
		}
		for msg := range sub.C() {
			var ids []uuid.UUID
			if err := json.Unmarshal(msg.Payload, &ids); err != nil {
				r.log.Warn("malformed revocation message", "err", err)
				continue
			}
			r.add(ids)
		}
		sub.Close()
	}
}

func (r *Revocations) forgetExpired() {
	now := r.now()
	r.mu.Lock()
	defer r.mu.Unlock()
	for id, until := range r.revoked {
		if now.After(until) {
			delete(r.revoked, id)
		}
	}
}
