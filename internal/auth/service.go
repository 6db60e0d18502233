package auth

import (
	"context"
	"log/slog"
	"strings"
	"time"

	"backbone/ent"
	"backbone/internal/audit"
	"backbone/internal/auth/password"
	"backbone/internal/auth/token"
	"backbone/internal/db"
	"backbone/internal/ratelimit"
	"backbone/internal/settings"
	"backbone/internal/timex"
	"backbone/internal/viewer"
)

// Options tune the auth service; zero values take the defaults.
type Options struct {
	AccessTTL  time.Duration // access token lifetime (default 15m)
	SessionTTL time.Duration // absolute lifetime of a refresh-token family (default 30 days)
	Limits     Limits
}

// Limits are the brute-force budgets, per address (an IPv6 one by its /64, see
// ratelimit.AddressKey) and per account.
type Limits struct {
	// LoginPerIP counts every login attempt from an address, on any account.
	LoginPerIP ratelimit.Limit
	// LoginPerAccountIP counts the attempts on one account from one address since the
	// last success there: an address that keeps guessing is refused, no other is.
	LoginPerAccountIP ratelimit.Limit
	// LoginPerAccount counts the attempts on one account from every address since its
	// last success. Spent, it refuses no one: the account is under attack, and
	// LoginUnderAttack applies on top.
	LoginPerAccount ratelimit.Limit
	// LoginUnderAttack is what each address may try on an account under attack.
	LoginUnderAttack ratelimit.Limit
	RegisterPerIP    ratelimit.Limit
	RefreshPerIP     ratelimit.Limit
	PasswordPerUser  ratelimit.Limit
	// ResetPerIP and ResetPerAddress bound requestPasswordReset; known and unknown
	// addresses count alike.
	ResetPerIP      ratelimit.Limit
	ResetPerAddress ratelimit.Limit
	// LinkPerIP bounds resetPassword and verifyEmail attempts.
	LinkPerIP     ratelimit.Limit
	ResendPerUser ratelimit.Limit
}

// DefaultLimits suit a public API: a person never meets them, a script soon does.
var DefaultLimits = Limits{
	LoginPerIP:        ratelimit.PerMinute(20),
	LoginPerAccountIP: ratelimit.Limit{Rate: 5, Burst: 5, Period: 15 * time.Minute},
	LoginPerAccount:   ratelimit.Limit{Rate: 10, Burst: 10, Period: 15 * time.Minute},
	LoginUnderAttack:  ratelimit.Limit{Rate: 1, Burst: 1, Period: 5 * time.Minute},
	RegisterPerIP:     ratelimit.PerHour(20),
	RefreshPerIP:      ratelimit.PerMinute(60),
	PasswordPerUser:   ratelimit.Limit{Rate: 5, Burst: 5, Period: 15 * time.Minute},
	ResetPerIP:        ratelimit.PerHour(20),
	ResetPerAddress:   ratelimit.Limit{Rate: 3, Burst: 3, Period: time.Hour},
	LinkPerIP:         ratelimit.PerMinute(20),
	ResendPerUser:     ratelimit.Limit{Rate: 3, Burst: 3, Period: time.Hour},
}

func (o Options) withDefaults() Options {
	if o.AccessTTL <= 0 {
		o.AccessTTL = 15 * time.Minute
	}
	if o.SessionTTL <= 0 {
		o.SessionTTL = 30 * 24 * time.Hour
	}
	if o.Limits == (Limits{}) {
		o.Limits = DefaultLimits
	}
	return o
}

// Service signs people in and out, keeps their sessions, and authenticates requests.
type Service struct {
	client *ent.Client
	hasher *password.Hasher
	tokens *token.Issuer
	// verified remembers verified access tokens (by hash, within their window), so that
	// a token sent on every request is parsed and its signature checked once.
	verified *token.Verified
	limiter  ratelimit.Limiter
	revoked  *Revocations
	log      *slog.Logger
	opts     Options
	now      func() time.Time
	// publicURL is where emailed links point (PUBLIC_URL), without a trailing slash.
	publicURL string
	settings  SettingsSource
	// onSuspend runs in a suspension's transaction (OnSuspend); nil does nothing.
	onSuspend SuspendHook
}

// Deps are what the service is built from.
type Deps struct {
	Client  *ent.Client
	Hasher  *password.Hasher
	Keys    *token.KeySet
	Limiter ratelimit.Limiter
	Revoked *Revocations
	Log     *slog.Logger
	// Issuer and Audience name this deployment in its tokens.
	Issuer, Audience string
	// PublicURL is the address users open (PUBLIC_URL): emailed links point there.
	PublicURL string
	// Settings name the platform's subjects, of which an expert applies for some.
	Settings SettingsSource
}

// SettingsSource is where the marketplace settings are read (internal/settings).
type SettingsSource interface {
	Get(ctx context.Context) (settings.Settings, error)
}

// verifiedTokens bounds the access tokens remembered as verified: a few hundred bytes
// each, and a token forgotten is only verified again.
const verifiedTokens = 10_000

// NewService returns the auth service.
func NewService(d Deps, opts Options) *Service {
	opts = opts.withDefaults()
	tokens := &token.Issuer{Keys: d.Keys, Issuer: d.Issuer, Audience: d.Audience, TTL: opts.AccessTTL}
	return &Service{
		client:    d.Client,
		hasher:    d.Hasher,
		tokens:    tokens,
		verified:  token.NewVerified(tokens, verifiedTokens),
		limiter:   d.Limiter,
		revoked:   d.Revoked,
		log:       d.Log,
		opts:      opts,
		now:       timex.Now,
		publicURL: strings.TrimRight(d.PublicURL, "/"),
		settings:  d.Settings,
	}
}

// limit applies a rate limit, answering RATE_LIMITED with a retry-after when it is spent.
func (s *Service) limit(ctx context.Context, key string, l ratelimit.Limit) error {
	return ratelimit.Check(ctx, s.log, s.limiter, key, l)
}

// callerAddress is the caller's address as the per-address limits count it: an IPv6
// address by its /64 (ratelimit.AddressKey). Audit rows keep the full address.
func callerAddress(ctx context.Context) string {
	return ratelimit.AddressKey(audit.RequestFrom(ctx).IP)
}

// limitedAccount counts one attempt at action by the signed-in p against l (per user) and
// loads p's account. Errors: RATE_LIMITED, and the read's.
func (s *Service) limitedAccount(ctx context.Context, p viewer.Principal, action string, l ratelimit.Limit) (*ent.User, error) {
	if err := s.limit(ctx, action+":user:"+p.UserID.String(), l); err != nil {
		return nil, err
	}
	return s.client.User.Get(db.System(ctx), p.UserID)
}
