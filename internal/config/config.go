// Package config reads Backbone's configuration from the environment and validates it.
package config

import (
	"backbone/internal/db"
	"backbone/internal/httpmw"
	"backbone/internal/mail"
	"backbone/internal/seal"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"net/url"
	"regexp"
	"strings"
	"time"
)

// DefaultMaxConcurrentQueries is MAX_CONCURRENT_QUERIES's default: below the PostgreSQL
// pool's 20 connections, which leaves connections for mutations, the workers and a query
// whose loaders read at once, so that queries wait for their turn in arrival order
// rather than in the pool, which serves its waiters in random order (issue 18; in
// bench/http's page workloads the limits 6 to 16 gave the same p99 within the machine's
// noise).
const DefaultMaxConcurrentQueries = 12

// DefaultComplexityLimit is QUERY_COMPLEXITY_LIMIT's default. A connection costs its
// page size times what it selects: a page of 100 questions with their title, client,
// expert and answer costs 1,101, and the costliest operation of the server's tests
// (100 notifications with their question and payout) 1,001. The limit admits a few such
// pages in one request; 76 pages of 100 questions (22,876) are refused.
const DefaultComplexityLimit = 5000

// Environments Backbone knows.
const (
	Development = "development"
	Production  = "production"
)

// namespacePattern is what NAMESPACE may be: safe in Redis keys and RabbitMQ queue names.
var namespacePattern = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]{0,39}$`)

// Config is the whole configuration of a server process. Tests build it literally.
type Config struct {
	Env  string // APP_ENV: development (default) or production
	Addr string // ADDR: listen address, default :8080

	DatabaseURL string // DATABASE_URL: postgres://... or sqlite://path (default sqlite://backbone.db)
	RedisURL    string // REDIS_URL: empty means the in-process bus, cache and rate limits
	AMQPURL     string // AMQP_URL: empty means the in-process job queue
	// NAMESPACE: prefixes what deployments sharing a Redis or RabbitMQ must not share: bus
	// channels (Redis pub/sub ignores the database number), cache and rate-limit keys,
	// job queues (default backbone).
	Namespace string

	MigrateOnStart bool          // MIGRATE_ON_START: apply pending migrations at start-up (default true)
	RunWorkers     bool          // RUN_WORKERS: run background workers inside the API process (default true)
	StartupTimeout time.Duration // STARTUP_TIMEOUT: how long to wait for services at start-up (default 30s)

	JWTSecret string        // JWT_SECRET: one HS256 signing key (32 bytes or more)
	JWTKeys   string        // JWT_KEYS: kid1:secret1,kid2:secret2 — the first signs, all verify
	AccessTTL time.Duration // ACCESS_TOKEN_TTL: access token lifetime (default 15m)
	Issuer    string        // JWT_ISSUER: the iss of tokens (default backbone)
	Audience  string        // JWT_AUDIENCE: the aud of tokens (default backbone-api)

	PaymentWebhookSecret string // PAYMENT_WEBHOOK_SECRET: HMAC key of the payment provider's webhook (enables /webhooks/payments)

	// Email (package internal/mail).
	SMTPURL  string // SMTP_URL: smtp://user:pass@host:587 (STARTTLS required), smtps://... (implicit TLS); empty writes .eml files into MAIL_DIR
	MailFrom string // MAIL_FROM: sender of every email (default Backbone <no-reply@localhost>)
	MailDir  string // MAIL_DIR: where emails are written without SMTP_URL (default ./mail)
	// PUBLIC_URL: the address users open, which the links in emails point to
	// (default http://localhost:8080).
	PublicURL string
	// PAYMENT_PROVIDER: who sells credits: dev (completes at once, charges nothing),
	// stripe (Stripe Checkout) or none (default dev outside production, none in production).
	PaymentProvider     string
	StripeSecretKey     string // STRIPE_SECRET_KEY: Stripe's API key (sk_test_... in test mode)
	StripeWebhookSecret string // STRIPE_WEBHOOK_SECRET: the signing secret of /webhooks/stripe (whsec_...)
	StripeAPIURL        string // STRIPE_API_URL: Stripe's API base URL (default Stripe's; tests use stripe-mock)
	CheckoutSuccessURL  string // CHECKOUT_SUCCESS_URL: where Stripe Checkout sends the buyer after paying
	CheckoutCancelURL   string // CHECKOUT_CANCEL_URL: where it sends a buyer who gives up
	// DATA_ENCRYPTION_KEYS: kid:base64key,... AES-256 keys sealing data at rest (payout
	// details); the first seals, all open. Required in production; in development a
	// public, derived development key is used without it (and opens old values beside it).
	DataEncryptionKeys string

	// The AI provider of the answer pipeline (package internal/ai); without AIBaseURL there is none.
	AIBaseURL         string        // AI_BASE_URL: an OpenAI-compatible API, such as https://api.openai.com/v1
	AIAPIKey          string        // AI_API_KEY: its bearer key (local servers may need none)
	AIModel           string        // AI_MODEL: the draft model (required with AI_BASE_URL)
	AIRewriteModel    string        // AI_REWRITE_MODEL: the rewrite model (default AI_MODEL)
	AITimeout         time.Duration // AI_TIMEOUT: limit of one request to the provider, each attempt (default 60s)
	AIMaxAttempts     int           // AI_MAX_ATTEMPTS: requests per call, retries included (default 4)
	AIMaxConcurrency  int           // AI_MAX_CONCURRENCY: requests in flight per process (default 8)
	AIMaxOutputTokens int           // AI_MAX_OUTPUT_TOKENS: cap on an answer's tokens (default 0: the provider's)
	AIStageDeadline   time.Duration // AI_STAGE_DEADLINE: how long a question may wait in one AI stage before it goes to the experts (default 10m)

	Playground    bool // PLAYGROUND: serve GraphiQL at / (default on in development)
	Introspection bool // INTROSPECTION: allow schema introspection (default on in development)

	CORSOrigins    []string       // CORS_ORIGINS: comma-separated allowed origins; "*" (or "https://*", ...) only outside production; unset in development: DevelopmentOrigins
	TrustedHosts   []string       // TRUSTED_HOSTS: comma-separated Host values accepted; empty accepts any
	TrustedProxies []netip.Prefix // TRUSTED_PROXIES: CIDRs whose X-Forwarded-For is believed

	MaxBodyBytes    int64         // MAX_BODY_BYTES: request body limit (default 1 MiB)
	ComplexityLimit int           // QUERY_COMPLEXITY_LIMIT: highest accepted operation cost (default 5000; a connection costs its page size times what it selects)
	ShutdownTimeout time.Duration // SHUTDOWN_TIMEOUT: graceful shutdown deadline (default 15s)
	// SHUTDOWN_DRAIN_DELAY: how long, within SHUTDOWN_TIMEOUT, the API keeps serving after
	// SIGTERM with /readyz answering 503 draining, before it stops taking connections, so
	// that load balancers take it out first (default 0: at once).
	ShutdownDrainDelay time.Duration

	// MAX_CONCURRENT_QUERIES: GraphQL queries over HTTP executing at once, the others
	// waiting in arrival order (default DefaultMaxConcurrentQueries; 0: no limit);
	// QUERY_QUEUE_TIMEOUT: how long one waits before it is answered UNAVAILABLE (default 10s).
	MaxConcurrentQueries int
	QueryQueueTimeout    time.Duration

	// PERSISTED_OPERATIONS_FILE: a manifest of trusted documents (GraphQL Code Generator's
	// persisted-documents.json or Apollo's persisted query manifest) whose operations
	// clients may run by id; PERSISTED_OPERATIONS_ONLY: run nothing else (default false).
	PersistedOperationsFile string
	PersistedOperationsOnly bool

	WSMaxConnsPerUser int // WS_MAX_CONNECTIONS_PER_USER: open websockets and event streams per user (default 20; 0: no limit)
	// WS_MAX_CONNECTIONS: open websockets and event streams in all (default 0: derived from
	// the open-file limit, see ConnectionCeiling, which also caps a value given here).
	WSMaxConns          int
	WSMaxConnsPerIP     int // WS_MAX_CONNECTIONS_PER_IP: open websockets and event streams per client address (default 200; 0: no limit)
	WSMaxAnonymousPerIP int // WS_MAX_ANONYMOUS_PER_IP: of those, not (yet) signed in (default 20; 0: no limit)
	WSSendQueue         int // WS_SEND_QUEUE: messages a slow subscriber may have waiting before it is disconnected (default 256)
	WSHandshakesPerIP   int // WS_HANDSHAKES_PER_IP: websocket upgrades one client address may start a minute (default 60; 0: no limit)

	// Rate budgets: points each caller may spend per RATE_BUDGET_WINDOW, an operation
	// costing max(1, ceil(complexity/100)) points (see ratelimit.Points); 0 turns a kind's
	// budget off.
	RateBudgetUser      int           // RATE_BUDGET_USER: per signed-in user (default 5000)
	RateBudgetAPIKey    int           // RATE_BUDGET_API_KEY: for all one user's API keys together (default 5000)
	RateBudgetAnonymous int           // RATE_BUDGET_ANONYMOUS: per client address without credentials (default 1000)
	RateBudgetWindow    time.Duration // RATE_BUDGET_WINDOW: the window a full budget refills over (default 1h)

	// METRICS_ADDR: a listener of its own for /metrics and /health/detailed, which are then
	// not served on ADDR (default: none).
	MetricsAddr string
	// METRICS_TOKEN: /metrics and /health/detailed require Authorization: Bearer <it>.
	MetricsToken string
	// Health holds the thresholds of /health/detailed's business measures (HEALTH_*).
	Health HealthThresholds

	LogFormat string // LOG_FORMAT: json or text (default text in development, json in production)
	LogLevel  string // LOG_LEVEL: debug, info, warn, error (default info)
	// LOG_FILE: also write the log to this file, rotated by size; LOG_ERROR_FILE: also
	// write ERROR lines to this file apart; both empty by default (stdout only).
	LogFile, LogErrorFile string
	LogFileMaxMB          int // LOG_FILE_MAX_MB: rotate a log file at this size (default 100)
	LogFileBackups        int // LOG_FILE_BACKUPS: rotated files kept per log file (default 5)
	// LOG_FLUSH_INTERVAL: log lines to the process's standard output are kept in a buffer
	// (64 KiB) and written when it fills, every this long, at an ERROR line and at exit;
	// 0 writes at once, without a buffer or timer (lines that arrive while a write is in
	// progress go out in the next) (default 100ms). A crash (SIGKILL, an
	// unrecovered panic, the OOM killer) loses the INFO and WARN lines of the last interval.
	LogFlushInterval time.Duration

	// Tracing is on when OTEL_EXPORTER_OTLP_ENDPOINT or OTEL_EXPORTER_OTLP_TRACES_ENDPOINT
	// is set and OTEL_SDK_DISABLED is not true. The OpenTelemetry SDK reads those and the
	// other OTEL_* variables itself; FromEnv checks the documented ones (otelProblems).
	Tracing bool

	// set records which variables were given, so Validate can tell a default from a choice.
	set map[string]bool
}

// DevelopmentOrigins are the browser origins allowed outside production when CORS_ORIGINS
// is unset: any port of a local frontend dev server.
var DevelopmentOrigins = []string{"http://localhost:*", "http://127.0.0.1:*"}

// FromEnv reads the configuration through getenv (os.Getenv in main), applying defaults.
// It fails on a value that cannot be parsed; cross-field rules are checked by Validate.
func FromEnv(getenv func(string) string) (Config, error) {
	r := reader{getenv: getenv, set: map[string]bool{}}
	c := Config{
		Env:  strings.ToLower(r.str("APP_ENV", Development)),
		Addr: r.str("ADDR", ":8080"),

		DatabaseURL: r.str("DATABASE_URL", "sqlite://backbone.db"),
		RedisURL:    r.str("REDIS_URL", ""),
		AMQPURL:     r.str("AMQP_URL", ""),
		Namespace:   r.str("NAMESPACE", "backbone"),

		MigrateOnStart: r.bool("MIGRATE_ON_START", true),
		RunWorkers:     r.bool("RUN_WORKERS", true),
		StartupTimeout: r.duration("STARTUP_TIMEOUT", 30*time.Second),

		JWTSecret: r.str("JWT_SECRET", ""),
		JWTKeys:   r.str("JWT_KEYS", ""),
		AccessTTL: r.duration("ACCESS_TOKEN_TTL", 15*time.Minute),
		Issuer:    r.str("JWT_ISSUER", "backbone"),
		Audience:  r.str("JWT_AUDIENCE", "backbone-api"),

		PaymentWebhookSecret: r.str("PAYMENT_WEBHOOK_SECRET", ""),
		StripeSecretKey:      r.str("STRIPE_SECRET_KEY", ""),
		StripeWebhookSecret:  r.str("STRIPE_WEBHOOK_SECRET", ""),
		StripeAPIURL:         r.str("STRIPE_API_URL", ""),
		CheckoutSuccessURL:   r.str("CHECKOUT_SUCCESS_URL", ""),
		CheckoutCancelURL:    r.str("CHECKOUT_CANCEL_URL", ""),

		SMTPURL:            r.str("SMTP_URL", ""),
		MailFrom:           r.str("MAIL_FROM", "Backbone <no-reply@localhost>"),
		MailDir:            r.str("MAIL_DIR", "mail"),
		PublicURL:          strings.TrimRight(r.str("PUBLIC_URL", "http://localhost:8080"), "/"),
		DataEncryptionKeys: r.str("DATA_ENCRYPTION_KEYS", ""),

		AIBaseURL:         r.str("AI_BASE_URL", ""),
		AIAPIKey:          r.str("AI_API_KEY", ""),
		AIModel:           r.str("AI_MODEL", ""),
		AITimeout:         r.duration("AI_TIMEOUT", 60*time.Second),
		AIMaxAttempts:     r.int("AI_MAX_ATTEMPTS", 4),
		AIMaxConcurrency:  r.int("AI_MAX_CONCURRENCY", 8),
		AIMaxOutputTokens: r.int("AI_MAX_OUTPUT_TOKENS", 0),
		AIStageDeadline:   r.duration("AI_STAGE_DEADLINE", 10*time.Minute),

		CORSOrigins:    r.list("CORS_ORIGINS"),
		TrustedHosts:   r.list("TRUSTED_HOSTS"),
		TrustedProxies: r.prefixes("TRUSTED_PROXIES"),

		MaxBodyBytes:       int64(r.int("MAX_BODY_BYTES", 1<<20)),
		ComplexityLimit:    r.int("QUERY_COMPLEXITY_LIMIT", DefaultComplexityLimit),
		ShutdownTimeout:    r.duration("SHUTDOWN_TIMEOUT", 15*time.Second),
		ShutdownDrainDelay: r.duration("SHUTDOWN_DRAIN_DELAY", 0),

		MaxConcurrentQueries: r.int("MAX_CONCURRENT_QUERIES", DefaultMaxConcurrentQueries),
		QueryQueueTimeout:    r.duration("QUERY_QUEUE_TIMEOUT", 10*time.Second),

		PersistedOperationsFile: r.str("PERSISTED_OPERATIONS_FILE", ""),
		PersistedOperationsOnly: r.bool("PERSISTED_OPERATIONS_ONLY", false),

		WSMaxConnsPerUser:   r.int("WS_MAX_CONNECTIONS_PER_USER", 20),
		WSSendQueue:         r.int("WS_SEND_QUEUE", 256),
		WSMaxConns:          r.int("WS_MAX_CONNECTIONS", 0),
		WSMaxConnsPerIP:     r.int("WS_MAX_CONNECTIONS_PER_IP", 200),
		WSMaxAnonymousPerIP: r.int("WS_MAX_ANONYMOUS_PER_IP", 20),
		WSHandshakesPerIP:   r.int("WS_HANDSHAKES_PER_IP", 60),

		RateBudgetUser:      r.int("RATE_BUDGET_USER", 5000),
		RateBudgetAPIKey:    r.int("RATE_BUDGET_API_KEY", 5000),
		RateBudgetAnonymous: r.int("RATE_BUDGET_ANONYMOUS", 1000),
		RateBudgetWindow:    r.duration("RATE_BUDGET_WINDOW", time.Hour),

		MetricsAddr:  r.str("METRICS_ADDR", ""),
		MetricsToken: r.str("METRICS_TOKEN", ""),

		LogLevel:         strings.ToLower(r.str("LOG_LEVEL", "info")),
		LogFile:          r.str("LOG_FILE", ""),
		LogErrorFile:     r.str("LOG_ERROR_FILE", ""),
		LogFileMaxMB:     r.int("LOG_FILE_MAX_MB", 100),
		LogFileBackups:   r.int("LOG_FILE_BACKUPS", 5),
		LogFlushInterval: r.duration("LOG_FLUSH_INTERVAL", 100*time.Millisecond),

		Tracing: (r.str("OTEL_EXPORTER_OTLP_ENDPOINT", "") != "" || r.str("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "") != "") &&
			!r.bool("OTEL_SDK_DISABLED", false),
	}
	if c.Tracing {
		r.errs = append(r.errs, otelProblems(getenv)...)
	}
	c.Health = readHealth(&r)
	c.AIRewriteModel = r.str("AI_REWRITE_MODEL", c.AIModel)
	dev := c.Env != Production
	if !r.set["CORS_ORIGINS"] && dev {
		// A frontend in development runs on a local dev server's port.
		c.CORSOrigins = DevelopmentOrigins
	}
	c.PaymentProvider = strings.ToLower(r.str("PAYMENT_PROVIDER", map[bool]string{true: PaymentDev, false: PaymentNone}[dev]))
	c.Playground = r.bool("PLAYGROUND", dev)
	c.Introspection = r.bool("INTROSPECTION", dev)
	c.LogFormat = strings.ToLower(r.str("LOG_FORMAT", map[bool]string{true: "text", false: "json"}[dev]))
	c.set = r.set
	return c, errors.Join(r.errs...)
}

// IsProduction reports whether insecure defaults must be refused.
func (c Config) IsProduction() bool { return c.Env == Production }

// Validate checks values and the rules between them; every problem is reported at once.
func (c Config) Validate() error {
	var problems []error
	bad := func(format string, args ...any) { problems = append(problems, fmt.Errorf(format, args...)) }

	if c.Env != Development && c.Env != Production {
		bad("APP_ENV: %q is neither %q nor %q", c.Env, Development, Production)
	}
	if err := checkListenAddr(c.Addr); err != nil {
		bad("ADDR: %q is not host:port (such as :8080): %v", c.Addr, err)
	}
	if _, _, err := db.ParseURL(c.DatabaseURL); err != nil {
		bad("DATABASE_URL: %v", err)
	}
	if err := checkURL(c.RedisURL, "redis", "rediss"); err != nil {
		bad("REDIS_URL: %v", err)
	}
	if err := checkURL(c.AMQPURL, "amqp", "amqps"); err != nil {
		bad("AMQP_URL: %v", err)
	}
	if !namespacePattern.MatchString(c.Namespace) {
		bad("NAMESPACE: %q must be 1 to 40 lower-case letters, digits, '.', '_' or '-', starting with a letter or digit", c.Namespace)
	}
	if c.JWTSecret != "" && c.JWTKeys != "" {
		bad("JWT_SECRET and JWT_KEYS: set one of them, not both")
	}
	if c.JWTSecret != "" && len(c.JWTSecret) < 32 {
		bad("JWT_SECRET: must be at least 32 bytes long")
	}
	if c.AccessTTL < 10*time.Second || c.AccessTTL > 24*time.Hour {
		bad("ACCESS_TOKEN_TTL: %s is outside 10s..24h", c.AccessTTL)
	}
	if c.PaymentWebhookSecret != "" && len(c.PaymentWebhookSecret) < 32 {
		bad("PAYMENT_WEBHOOK_SECRET: must be at least 32 bytes long")
	}
	if c.DataEncryptionKeys != "" {
		if _, err := seal.Parse(c.DataEncryptionKeys); err != nil {
			bad("DATA_ENCRYPTION_KEYS: %v", err)
		}
	}
	problems = append(problems, c.originAndHostProblems()...)
	problems = append(problems, c.aiProblems()...)
	problems = append(problems, c.mailProblems()...)
	problems = append(problems, c.paymentProblems()...)
	if c.MaxBodyBytes < 1024 {
		bad("MAX_BODY_BYTES: %d is below the 1024-byte minimum", c.MaxBodyBytes)
	}
	if c.MaxConcurrentQueries < 0 {
		bad("MAX_CONCURRENT_QUERIES: %d is negative (0 means no limit)", c.MaxConcurrentQueries)
	}
	if c.QueryQueueTimeout <= 0 {
		bad("QUERY_QUEUE_TIMEOUT: %s is not a positive duration", c.QueryQueueTimeout)
	}
	if c.WSMaxConnsPerUser < 0 {
		bad("WS_MAX_CONNECTIONS_PER_USER: %d is negative (0 means no limit)", c.WSMaxConnsPerUser)
	}
	if c.WSMaxConns < 0 || c.WSMaxConnsPerIP < 0 || c.WSMaxAnonymousPerIP < 0 {
		bad("WS_MAX_CONNECTIONS, WS_MAX_CONNECTIONS_PER_IP and WS_MAX_ANONYMOUS_PER_IP: may not be negative")
	}
	if c.MetricsAddr != "" {
		if err := checkListenAddr(c.MetricsAddr); err != nil {
			bad("METRICS_ADDR: %q is not host:port (such as 127.0.0.1:9090): %v", c.MetricsAddr, err)
		}
	}
	if c.MetricsToken != "" && len(c.MetricsToken) < 32 {
		bad("METRICS_TOKEN: must be at least 32 bytes long")
	}
	problems = append(problems, c.Health.problems()...)
	if c.WSSendQueue < 1 {
		bad("WS_SEND_QUEUE: %d is below 1", c.WSSendQueue)
	}
	if c.ComplexityLimit < 1 {
		bad("QUERY_COMPLEXITY_LIMIT: must be positive")
	}
	problems = append(problems, c.persistedProblems()...)
	problems = append(problems, c.budgetProblems()...)
	if c.ShutdownTimeout <= 0 || c.StartupTimeout <= 0 {
		bad("SHUTDOWN_TIMEOUT and STARTUP_TIMEOUT: must be positive durations")
	}
	if c.ShutdownDrainDelay < 0 || c.ShutdownDrainDelay >= c.ShutdownTimeout {
		bad("SHUTDOWN_DRAIN_DELAY: %s must be at least 0 and below SHUTDOWN_TIMEOUT (%s), which it is part of", c.ShutdownDrainDelay, c.ShutdownTimeout)
	}
	if c.LogFileMaxMB < 1 || c.LogFileBackups < 0 {
		bad("LOG_FILE_MAX_MB must be at least 1 and LOG_FILE_BACKUPS at least 0 (got %d, %d)", c.LogFileMaxMB, c.LogFileBackups)
	}
	if c.LogFlushInterval < 0 {
		bad("LOG_FLUSH_INTERVAL: %s is negative", c.LogFlushInterval)
	}
	if c.LogFormat != "json" && c.LogFormat != "text" {
		bad("LOG_FORMAT: %q is neither json nor text", c.LogFormat)
	}
	switch c.LogLevel {
	case "debug", "info", "warn", "error":
	default:
		bad("LOG_LEVEL: %q is not one of debug, info, warn, error", c.LogLevel)
	}
	if c.IsProduction() {
		problems = append(problems, c.productionProblems()...)
	}
	return errors.Join(problems...)
}

// ValidateAPI checks what only the API process needs, on top of Validate: it listens on
// ADDR, so METRICS_ADDR must be another address (a worker listens on METRICS_ADDR only).
func (c Config) ValidateAPI() error {
	if c.MetricsAddr != "" && c.MetricsAddr == c.Addr {
		return fmt.Errorf("METRICS_ADDR: %q is ADDR too: give the operator endpoints a listener of their own", c.MetricsAddr)
	}
	return nil
}

// originAndHostProblems refuses CORS_ORIGINS and TRUSTED_HOSTS entries that could never
// match a request, which would leave a frontend or a host refused without a clue.
func (c Config) originAndHostProblems() []error {
	var p []error
	for _, o := range c.CORSOrigins {
		if err := httpmw.CheckOrigin(o); err != nil {
			p = append(p, fmt.Errorf("CORS_ORIGINS: %w", err))
		}
	}
	for _, h := range c.TrustedHosts {
		if err := httpmw.CheckHostPattern(h); err != nil {
			p = append(p, fmt.Errorf("TRUSTED_HOSTS: %w (leave it unset to accept any host)", err))
		}
	}
	return p
}

// aiProblems checks the AI provider settings; without AI_BASE_URL the others are unused.
func (c Config) aiProblems() []error {
	var p []error
	bad := func(format string, args ...any) { p = append(p, fmt.Errorf(format, args...)) }
	if err := checkURL(c.AIBaseURL, "http", "https"); err != nil {
		bad("AI_BASE_URL: %v", err)
	}
	if c.AIBaseURL != "" && c.AIModel == "" {
		bad("AI_MODEL: required when AI_BASE_URL is set")
	}
	if c.AITimeout <= 0 {
		bad("AI_TIMEOUT: must be a positive duration")
	}
	if c.AIMaxAttempts < 1 || c.AIMaxAttempts > 10 {
		bad("AI_MAX_ATTEMPTS: %d is outside 1..10", c.AIMaxAttempts)
	}
	if c.AIMaxConcurrency < 1 {
		bad("AI_MAX_CONCURRENCY: %d is below 1", c.AIMaxConcurrency)
	}
	if c.AIStageDeadline < time.Second {
		bad("AI_STAGE_DEADLINE: must be at least 1s")
	}
	if c.AIMaxOutputTokens < 0 {
		bad("AI_MAX_OUTPUT_TOKENS: %d is negative (0 means the provider's default)", c.AIMaxOutputTokens)
	}
	return p
}

// mailProblems checks the email settings and the public URL that emails link to.
func (c Config) mailProblems() []error {
	var p []error
	if c.SMTPURL != "" {
		if _, err := mail.ParseSMTPURL(c.SMTPURL); err != nil {
			p = append(p, fmt.Errorf("SMTP_URL: %v", err))
		}
	} else if c.MailDir == "" {
		p = append(p, errors.New("MAIL_DIR: may not be empty without SMTP_URL (emails would be lost)"))
	}
	if _, err := mail.ParseFrom(c.MailFrom); err != nil {
		p = append(p, fmt.Errorf("MAIL_FROM: %v", err))
	}
	if u, err := url.Parse(c.PublicURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
		p = append(p, fmt.Errorf("PUBLIC_URL: %q is not an http(s) base URL such as https://app.example.com", c.PublicURL))
	}
	return p
}

// Payment providers (PAYMENT_PROVIDER).
const (
	PaymentDev    = "dev"
	PaymentStripe = "stripe"
	PaymentNone   = "none"
)

// paymentProblems checks the payment provider and its keys: a provider that lacks them
// is refused in every environment, the development provider in production.
func (c Config) paymentProblems() []error {
	var p []error
	bad := func(format string, args ...any) { p = append(p, fmt.Errorf(format, args...)) }
	switch c.PaymentProvider {
	case PaymentDev:
		if c.IsProduction() {
			bad("APP_ENV=production: PAYMENT_PROVIDER=dev gives credits away; use stripe or none")
		}
	case PaymentNone:
	case PaymentStripe:
		for _, v := range []struct{ name, value string }{
			{"STRIPE_SECRET_KEY", c.StripeSecretKey}, {"STRIPE_WEBHOOK_SECRET", c.StripeWebhookSecret},
			{"CHECKOUT_SUCCESS_URL", c.CheckoutSuccessURL}, {"CHECKOUT_CANCEL_URL", c.CheckoutCancelURL},
		} {
			if v.value == "" {
				bad("%s: required with PAYMENT_PROVIDER=stripe", v.name)
			}
		}
	default:
		bad("PAYMENT_PROVIDER: %q is not one of dev, stripe, none", c.PaymentProvider)
	}
	for _, v := range []struct{ name, value string }{
		{"STRIPE_API_URL", c.StripeAPIURL}, {"CHECKOUT_SUCCESS_URL", c.CheckoutSuccessURL}, {"CHECKOUT_CANCEL_URL", c.CheckoutCancelURL},
	} {
		if err := checkURL(v.value, "http", "https"); err != nil {
			bad("%s: %v", v.name, err)
		}
	}
	return p
}

// productionProblems lists the insecure defaults production refuses.
func (c Config) productionProblems() []error {
	var p []error
	if c.JWTSecret == "" && c.JWTKeys == "" {
		p = append(p, errors.New("APP_ENV=production: JWT_SECRET or JWT_KEYS is required"))
	}
	if c.DataEncryptionKeys == "" {
		p = append(p, errors.New("APP_ENV=production: DATA_ENCRYPTION_KEYS is required (kid:base64 of 32 random bytes, such as from openssl rand -base64 32)"))
	}
	for _, o := range c.CORSOrigins {
		if httpmw.OriginAdmitsAnySite(o) {
			p = append(p, fmt.Errorf("APP_ENV=production: CORS_ORIGINS %q admits any site's origin; a * may stand only for the subdomains of a domain (https://*.example.com) or a port", o))
		}
	}
	if c.Playground {
		p = append(p, errors.New("APP_ENV=production: PLAYGROUND must be off"))
	}
	if c.Introspection && !c.set["INTROSPECTION"] {
		p = append(p, errors.New("APP_ENV=production: introspection is on without INTROSPECTION=true"))
	}
	return p
}

// String prints the configuration with secrets and URL passwords masked.
func (c Config) String() string {
	ai := "none"
	if c.AIBaseURL != "" {
		ai = fmt.Sprintf("%s model=%s rewrite_model=%s", maskURL(c.AIBaseURL), c.AIModel, c.AIRewriteModel)
	}
	mailTo := "dir:" + c.MailDir
	if c.SMTPURL != "" {
		mailTo = maskURL(c.SMTPURL)
	}
	return fmt.Sprintf("env=%s addr=%s database=%s redis=%s amqp=%s namespace=%s jwt=%s migrate_on_start=%t playground=%t introspection=%t cors=%v trusted_hosts=%v ai=%s mail=%s public_url=%s payment=%s tracing=%t",
		c.Env, c.Addr, maskURL(c.DatabaseURL), maskURL(c.RedisURL), maskURL(c.AMQPURL), c.Namespace,
		map[bool]string{true: "set", false: "unset"}[c.JWTSecret != "" || c.JWTKeys != ""],
		c.MigrateOnStart, c.Playground, c.Introspection, c.CORSOrigins, c.TrustedHosts, ai, mailTo, c.PublicURL, c.PaymentProvider, c.Tracing)
}

func checkURL(raw string, schemes ...string) error {
	if raw == "" {
		return nil
	}
	u, err := url.Parse(raw)
	if err != nil {
		return fmt.Errorf("cannot parse URL: %v", maskErr(err, raw))
	}
	for _, s := range schemes {
		if u.Scheme == s {
			if u.Host == "" {
				return fmt.Errorf("URL has no host")
			}
			return nil
		}
	}
	return fmt.Errorf("scheme %q is not one of %s", u.Scheme, strings.Join(schemes, ", "))
}

func maskURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.User == nil {
		if err != nil {
			return "(unparsable)"
		}
		return raw
	}
	if _, ok := u.User.Password(); ok {
		u.User = url.UserPassword(u.User.Username(), "xxxxx")
	}
	return u.String()
}

// maskErr keeps a URL parse error from echoing the password it contains.
func maskErr(err error, raw string) string {
	msg := err.Error()
	if u, perr := url.Parse(raw); perr == nil && u.User != nil {
		if p, ok := u.User.Password(); ok && p != "" {
			msg = strings.ReplaceAll(msg, p, "xxxxx")
		}
	}
	if i := strings.Index(raw, "@"); i > 0 {
		msg = strings.ReplaceAll(msg, raw[:i], "(credentials)")
	}
	return msg
}

// checkListenAddr checks a listen address as net.Listen will read it: host:port, the port
// a number from 0 to 65535 or a service name.
func checkListenAddr(addr string) error {
	_, port, err := net.SplitHostPort(addr)
	if err != nil {
		return err
	}
	_, err = net.LookupPort("tcp", port)
	return err
}
