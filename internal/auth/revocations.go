package auth

import (
	"context"
	"encoding/json"
	"log/slog"
	"slices"
	"sync"
	"time"

	"github.com/google/uuid"

	"backbone/ent"
	"backbone/ent/apikey"
	"backbone/ent/auditlog"
	"backbone/ent/session"
	"backbone/ent/user"
	"backbone/internal/auth/token"
	"backbone/internal/bus"
	"backbone/internal/db"
)

// RevocationTopic carries revoked session and API key ids between server instances.
const RevocationTopic = "auth.sessions.revoked"

// AccountTopic carries the ids of users whose role changed between server instances.
const AccountTopic = "auth.accounts.changed"

// roleChangeActions are the audit actions of a change of a user's role: the poll finds
// the role changes a lost bus message did not bring in the audit log, the one durable
// record of them with their time.
var roleChangeActions = []string{actionRoleChanged, actionPromotedToAdmin}

// Revocations is each instance's memory of the sessions revoked while their access tokens
// may still be alive, so that checking a token needs no database query. It learns of
// revocations three ways: its own (Revoke), other instances' (the bus, within
// milliseconds), and a poll of the sessions table (the safety net for a lost bus message
// or an instance that just started). Live websockets register to be closed on revocation.
//
// The memory covers the local token lifetime: it answers alone for a token issued within
// it. Another instance may issue longer-lived tokens (a longer ACCESS_TOKEN_TTL); the
// session of such a token, once older than that, is read from the database
// (SessionRevoked).
//
// It also keeps the role and status last read of the users whose role changed, for live
// connections opened with an API key: a key has no session to revoke, and acts with the
// role its owner had when the connection was authenticated (WatchRole).
type Revocations struct {
	client   *ent.Client
	bus      bus.Bus
	log      *slog.Logger
	remember time.Duration // how long a revoked session may still hold a live access token
	// vouch is the age up to which a token's session is checked in memory alone: every
	// revocation since such a token's issue is in it.
	vouch time.Duration
	poll  time.Duration
	now   func() time.Time

	mu      sync.RWMutex
	revoked map[uuid.UUID]time.Time // session -> forget after
	// readLive are the sessions of older tokens the database found not revoked, with
	// when: a revocation since then is in memory, so the read holds for vouch.
	readLive map[uuid.UUID]time.Time
	watchers map[uuid.UUID]map[*watcher]struct{}
	accounts map[uuid.UUID]account // user -> as read after their role changed
	// roleWatchers are by user; their role is the one the connection acts with.
	roleWatchers map[uuid.UUID]map[*watcher]struct{}
}

type watcher struct {
	fn   func()
	role string // for roleWatchers
}

// account is a user as read after a change of their role.
type account struct {
	role, status string
	until        time.Time // forget after
}

// allows reports whether a connection acting with role may go on for this account.
func (a account) allows(role string) bool {
	return a.role == role && a.status == string(user.StatusACTIVE)
}

// revocationMargin is how much longer than a token can verify a revocation is remembered:
// for clocks of instances that differ by more than the leeway, and for a revocation
// learned late (by the poll).
const revocationMargin = 30 * time.Second

// NewRevocations returns an empty memory; Run fills and maintains it. accessTTL is the
// access token lifetime: a revoked session is remembered until the last token issued
// before its revocation can no longer verify (token.Lifetime), and a margin more.
func NewRevocations(c *ent.Client, b bus.Bus, log *slog.Logger, accessTTL time.Duration) *Revocations {
	return &Revocations{
		client: c, bus: b, log: log, remember: token.Lifetime(accessTTL) + revocationMargin, vouch: token.Lifetime(accessTTL),
		poll:         2 * time.Second,
		now:          time.Now,
		revoked:      map[uuid.UUID]time.Time{},
		readLive:     map[uuid.UUID]time.Time{},
		watchers:     map[uuid.UUID]map[*watcher]struct{}{},
		accounts:     map[uuid.UUID]account{},
		roleWatchers: map[uuid.UUID]map[*watcher]struct{}{},
	}
}

// SessionRevoked reports whether the session of an access token issued at issued (zero:
// unknown) was revoked. For a token younger than the local token lifetime the memory
// answers: it holds every revocation since the token's issue. An older token comes from an
// instance with a longer ACCESS_TOKEN_TTL, and its session may have been revoked before
// the memory's window (or before this instance started): the database answers, once per
// session and window. A session the database does not hold counts as revoked.
// Errors: the database's.
func (r *Revocations) SessionRevoked(ctx context.Context, sessionID uuid.UUID, issued time.Time) (bool, error) {
	now := r.now()
	r.mu.RLock()
	_, revoked := r.revoked[sessionID]
	readAt, read := r.readLive[sessionID]
	r.mu.RUnlock()
	switch {
	case revoked:
		return true, nil
	case now.Sub(issued) <= r.vouch, read && now.Sub(readAt) <= r.vouch:
		return false, nil
	}
	s, err := r.client.Session.Query().Where(session.ID(sessionID)).Select(session.FieldRevokedAt).Only(db.System(ctx))
	switch {
	case ent.IsNotFound(err):
		return true, nil
	case err != nil:
		return false, err
	case s.RevokedAt != nil:
		r.add([]uuid.UUID{sessionID})
		return true, nil
	}
	r.mu.Lock()
	r.readLive[sessionID] = now
	r.mu.Unlock()
	return false, nil
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

// AccountsChanged reads the users' role and status, closes the live connections acting
// for them with another role (WatchRole), and tells the other instances. Call it after
// the change committed.
func (r *Revocations) AccountsChanged(ctx context.Context, userIDs []uuid.UUID) {
	if len(userIDs) == 0 {
		return
	}
	if err := r.learnAccounts(ctx, userIDs); err != nil {
		// The poll reads them again within seconds.
		r.log.WarnContext(ctx, "changed accounts not read", "err", err)
	}
	payload, _ := json.Marshal(userIDs)
	if err := r.bus.Publish(ctx, AccountTopic, payload); err != nil {
		// The poll still spreads it within seconds.
		r.log.WarnContext(ctx, "account change not broadcast", "err", err)
	}
}

// WatchRole calls fn once when the user is found to have another role than role, or to
// be no longer active (at once if that is already known: the change may have been learned
// between the connection's authentication and this call). stop cancels.
func (r *Revocations) WatchRole(userID uuid.UUID, role string, fn func()) (stop func()) {
	w := &watcher{fn: fn, role: role}
	r.mu.Lock()
	if a, ok := r.accounts[userID]; ok && !a.allows(role) {
		r.mu.Unlock()
		fn()
		return func() {}
	}
	if r.roleWatchers[userID] == nil {
		r.roleWatchers[userID] = map[*watcher]struct{}{}
	}
	r.roleWatchers[userID][w] = struct{}{}
	r.mu.Unlock()
	return func() {
		r.mu.Lock()
		defer r.mu.Unlock()
		delete(r.roleWatchers[userID], w)
		if len(r.roleWatchers[userID]) == 0 {
			delete(r.roleWatchers, userID)
		}
	}
}

// learnAccounts reads the users' role and status now, remembers them, and fires the
// watchers of connections that act with another role.
func (r *Revocations) learnAccounts(ctx context.Context, userIDs []uuid.UUID) error {
	users, err := r.client.User.Query().Where(user.IDIn(userIDs...)).
		Select(user.FieldID, user.FieldRole, user.FieldStatus).All(db.System(ctx))
	if err != nil {
		return err
	}
	until := r.now().Add(r.remember)
	var fire []func()
	r.mu.Lock()
	for _, u := range users {
		a := account{role: string(u.Role), status: string(u.Status), until: until}
		r.accounts[u.ID] = a
		for w := range r.roleWatchers[u.ID] {
			if !a.allows(w.role) {
				fire = append(fire, w.fn)
				delete(r.roleWatchers[u.ID], w)
			}
		}
		if len(r.roleWatchers[u.ID]) == 0 {
			delete(r.roleWatchers, u.ID)
		}
	}
	r.mu.Unlock()
	for _, fn := range fire {
		fn()
	}
	return nil
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
	go r.follow(ctx, RevocationTopic, func(ids []uuid.UUID) { r.add(ids) })
	go r.follow(ctx, AccountTopic, func(ids []uuid.UUID) {
		if err := r.learnAccounts(ctx, ids); err != nil && ctx.Err() == nil {
			r.log.WarnContext(ctx, "changed accounts not read", "err", err)
		}
	})
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

// pollSince loads the sessions and API keys revoked, and the accounts whose role changed,
// at or after since and returns the next starting point, overlapping a little to absorb
// clock skew between instances.
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
	targets, err := r.client.AuditLog.Query().
		Where(auditlog.ActionIn(roleChangeActions...), auditlog.CreatedAtGTE(since)).
		Select(auditlog.FieldTargetID).Strings(db.System(ctx))
	if err != nil {
		return since, err
	}
	var users []uuid.UUID
	for _, t := range targets {
		if id, err := uuid.Parse(t); err == nil && !slices.Contains(users, id) {
			users = append(users, id)
		}
	}
	if len(users) > 0 {
		if err := r.learnAccounts(ctx, users); err != nil {
			return since, err
		}
	}
	return started.Add(-10 * time.Second), nil
}

// follow applies the ids broadcast on topic by other instances, resubscribing if the bus
// drops us.
func (r *Revocations) follow(ctx context.Context, topic string, apply func([]uuid.UUID)) {
	for ctx.Err() == nil {
		sub, err := r.bus.Subscribe(ctx, topic)
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
				r.log.Warn("malformed revocation message", "topic", topic, "err", err)
				continue
			}
			apply(ids)
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
	for id, a := range r.accounts {
		if now.After(a.until) {
			delete(r.accounts, id)
		}
	}
	for id, at := range r.readLive {
		if now.Sub(at) > r.vouch {
			delete(r.readLive, id)
		}
	}
}
