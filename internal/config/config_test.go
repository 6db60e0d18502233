package config_test

import (
	"encoding/base64"
	"slices"
	"strings"
	"testing"
	"time"

	"backbone/internal/config"
)

func envOf(kv map[string]string) func(string) string {
	return func(k string) string { return kv[k] }
}

func TestDefaultsAreTheEmbeddedDevelopmentMode(t *testing.T) {
	c, err := config.FromEnv(envOf(nil))
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Validate(); err != nil {
		t.Fatalf("defaults do not validate: %v", err)
	}
	if c.Addr != ":8080" || c.DatabaseURL != "sqlite://backbone.db" || c.RedisURL != "" || c.AMQPURL != "" {
		t.Errorf("unexpected defaults: %s", c)
	}
	if !c.Playground || !c.Introspection || !c.MigrateOnStart {
		t.Errorf("development should default to playground, introspection and migrations on: %s", c)
	}
	if c.MaxConcurrentQueries != config.DefaultMaxConcurrentQueries || c.QueryQueueTimeout != 10*time.Second {
		t.Errorf("MAX_CONCURRENT_QUERIES, QUERY_QUEUE_TIMEOUT default to %d, %s; want %d, 10s",
			c.MaxConcurrentQueries, c.QueryQueueTimeout, config.DefaultMaxConcurrentQueries)
	}
	if c.LogFlushInterval != 100*time.Millisecond {
		t.Errorf("LOG_FLUSH_INTERVAL defaults to %s, want 100ms", c.LogFlushInterval)
	}
}

func TestPaymentProviderDefaults(t *testing.T) {
	c, _ := config.FromEnv(envOf(nil))
	if c.PaymentProvider != config.PaymentDev {
		t.Errorf("development payment provider = %q, want dev", c.PaymentProvider)
	}
	c, _ = config.FromEnv(envOf(map[string]string{"APP_ENV": "production", "JWT_SECRET": strings.Repeat("k", 32)}))
	if c.PaymentProvider != config.PaymentNone {
		t.Errorf("production payment provider = %q, want none unless configured", c.PaymentProvider)
	}
	c, _ = config.FromEnv(envOf(map[string]string{"APP_ENV": "production", "JWT_SECRET": strings.Repeat("k", 32),
		"DATA_ENCRYPTION_KEYS": "k1:" + base64.StdEncoding.EncodeToString([]byte(strings.Repeat("d", 32))),
		"PAYMENT_PROVIDER":     "stripe", "STRIPE_SECRET_KEY": "sk_live_x", "STRIPE_WEBHOOK_SECRET": "whsec_x",
		"CHECKOUT_SUCCESS_URL": "https://a.example/ok", "CHECKOUT_CANCEL_URL": "https://a.example/no"}))
	if err := c.Validate(); err != nil {
		t.Errorf("production with Stripe and its keys: %v", err)
	}
}

func TestInvalidConfigurationIsRefused(t *testing.T) {
	secret := strings.Repeat("s", 32)
	tests := []struct {
		name string
		env  map[string]string
		want string // what the error must mention: the variable, and the bad entry if any
	}{
		{"unparsable database URL", map[string]string{"DATABASE_URL": "postgres://%zz"}, "DATABASE_URL"},
		{"unknown database scheme", map[string]string{"DATABASE_URL": "mysql://localhost/x"}, "DATABASE_URL"},
		{"redis URL with the wrong scheme", map[string]string{"REDIS_URL": "http://localhost:6379"}, "REDIS_URL"},
		{"amqp URL without a host", map[string]string{"AMQP_URL": "amqp://"}, "AMQP_URL"},
		{"namespace with a space", map[string]string{"NAMESPACE": "my app"}, "NAMESPACE"},
		{"namespace in capitals", map[string]string{"NAMESPACE": "Backbone"}, "NAMESPACE"},
		{"address without a port", map[string]string{"ADDR": "localhost"}, "ADDR"},
		{"a port past 65535", map[string]string{"ADDR": ":99999"}, "ADDR"},
		{"an operator port past 65535", map[string]string{"METRICS_ADDR": "127.0.0.1:99999"}, "METRICS_ADDR"},
		{"short JWT secret", map[string]string{"JWT_SECRET": "short"}, "JWT_SECRET"},
		{"unknown environment", map[string]string{"APP_ENV": "staging"}, "APP_ENV"},
		{"bad boolean", map[string]string{"PLAYGROUND": "maybe"}, "PLAYGROUND"},
		{"bad duration", map[string]string{"SHUTDOWN_TIMEOUT": "soon"}, "SHUTDOWN_TIMEOUT"},
		{"a drain delay as long as the shutdown", map[string]string{"SHUTDOWN_TIMEOUT": "10s", "SHUTDOWN_DRAIN_DELAY": "10s"}, "SHUTDOWN_DRAIN_DELAY"},
		{"a negative drain delay", map[string]string{"SHUTDOWN_DRAIN_DELAY": "-1s"}, "SHUTDOWN_DRAIN_DELAY"},
		{"negative log flush interval", map[string]string{"LOG_FLUSH_INTERVAL": "-1s"}, "LOG_FLUSH_INTERVAL"},
		{"negative query concurrency", map[string]string{"MAX_CONCURRENT_QUERIES": "-1"}, "MAX_CONCURRENT_QUERIES"},
		{"a query queue timeout of zero", map[string]string{"QUERY_QUEUE_TIMEOUT": "0s"}, "QUERY_QUEUE_TIMEOUT"},
		{"bad proxy CIDR", map[string]string{"TRUSTED_PROXIES": "10.0.0.0/99"}, "TRUSTED_PROXIES"},
		{"AI base URL that is not http", map[string]string{"AI_BASE_URL": "ftp://models.local", "AI_MODEL": "m"}, "AI_BASE_URL"},
		{"AI base URL without a model", map[string]string{"AI_BASE_URL": "http://localhost:11434/v1"}, "AI_MODEL"},
		{"AI timeout that is no duration", map[string]string{"AI_TIMEOUT": "1 minute"}, "AI_TIMEOUT"},
		{"AI timeout of zero", map[string]string{"AI_TIMEOUT": "0s"}, "AI_TIMEOUT"},
		{"AI attempts of zero", map[string]string{"AI_MAX_ATTEMPTS": "0"}, "AI_MAX_ATTEMPTS"},
		{"AI concurrency of zero", map[string]string{"AI_MAX_CONCURRENCY": "0"}, "AI_MAX_CONCURRENCY"},
		{"negative AI output tokens", map[string]string{"AI_MAX_OUTPUT_TOKENS": "-1"}, "AI_MAX_OUTPUT_TOKENS"},
		{"production without a JWT key", map[string]string{"APP_ENV": "production"}, "JWT_SECRET"},
		{"production without a data encryption key", map[string]string{"APP_ENV": "production", "JWT_SECRET": secret}, "DATA_ENCRYPTION_KEYS"},
		{"a data encryption key of 16 bytes", map[string]string{"DATA_ENCRYPTION_KEYS": "k:MDEyMzQ1Njc4OWFiY2RlZg=="}, "DATA_ENCRYPTION_KEYS"},
		{"an origin with two wildcards", map[string]string{"CORS_ORIGINS": "https://app.example.com,https://*.*.example.com"}, `CORS_ORIGINS: "https://*.*.example.com"`},
		{"an origin that is not a URL", map[string]string{"CORS_ORIGINS": "not a url"}, `CORS_ORIGINS: "not a url"`},
		{"an origin with a path", map[string]string{"CORS_ORIGINS": "https://app.example.com/"}, `CORS_ORIGINS: "https://app.example.com/"`},
		{"a trusted host with a space", map[string]string{"TRUSTED_HOSTS": "bad host"}, `TRUSTED_HOSTS: "bad host"`},
		{"a trusted host of two stars", map[string]string{"TRUSTED_HOSTS": "api.example.com,**"}, `TRUSTED_HOSTS: "**"`},
		{"a trusted host with a scheme", map[string]string{"TRUSTED_HOSTS": "https://api.example.com"}, "TRUSTED_HOSTS"},
		{"production with wildcard CORS", map[string]string{"APP_ENV": "production", "JWT_SECRET": secret, "CORS_ORIGINS": "*"}, "CORS_ORIGINS"},
		{"production with any https origin", map[string]string{"APP_ENV": "production", "JWT_SECRET": secret, "CORS_ORIGINS": "https://*"}, `CORS_ORIGINS "https://*"`},
		{"production with a lookalike wildcard", map[string]string{"APP_ENV": "production", "JWT_SECRET": secret, "CORS_ORIGINS": "https://*example.com"}, `CORS_ORIGINS "https://*example.com"`},
		{"production with the playground", map[string]string{"APP_ENV": "production", "JWT_SECRET": secret, "PLAYGROUND": "true"}, "PLAYGROUND"},
		{"unknown payment provider", map[string]string{"PAYMENT_PROVIDER": "paypal"}, "PAYMENT_PROVIDER"},
		{"production with the development provider", map[string]string{"APP_ENV": "production", "JWT_SECRET": secret, "PAYMENT_PROVIDER": "dev"}, "PAYMENT_PROVIDER"},
		{"production with Stripe without its key", map[string]string{"APP_ENV": "production", "JWT_SECRET": secret, "PAYMENT_PROVIDER": "stripe",
			"STRIPE_WEBHOOK_SECRET": "whsec_x", "CHECKOUT_SUCCESS_URL": "https://a.example/ok", "CHECKOUT_CANCEL_URL": "https://a.example/no"}, "STRIPE_SECRET_KEY"},
		{"Stripe without its webhook secret", map[string]string{"PAYMENT_PROVIDER": "stripe", "STRIPE_SECRET_KEY": "sk_test_x",
			"CHECKOUT_SUCCESS_URL": "https://a.example/ok", "CHECKOUT_CANCEL_URL": "https://a.example/no"}, "STRIPE_WEBHOOK_SECRET"},
		{"Stripe without its return URLs", map[string]string{"PAYMENT_PROVIDER": "stripe", "STRIPE_SECRET_KEY": "sk_test_x", "STRIPE_WEBHOOK_SECRET": "whsec_x"}, "CHECKOUT_SUCCESS_URL"},
		{"a Stripe API URL that is not http", map[string]string{"STRIPE_API_URL": "ftp://stripe.local"}, "STRIPE_API_URL"},
		{"an outbox lag threshold of zero", map[string]string{"HEALTH_OUTBOX_LAG_WARN": "0s"}, "HEALTH_OUTBOX_LAG_WARN"},
		{"a negative queue depth threshold", map[string]string{"HEALTH_QUEUE_DEPTH_WARN": "-1"}, "HEALTH_QUEUE_DEPTH_WARN"},
		{"a question wait threshold past 100%", map[string]string{"HEALTH_QUESTION_WAIT_WARN_PERCENT": "150"}, "HEALTH_QUESTION_WAIT_WARN_PERCENT"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := config.FromEnv(envOf(tt.env))
			if err == nil {
				err = c.Validate()
			}
			if err == nil {
				t.Fatalf("accepted %v", tt.env)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q does not name %s", err, tt.want)
			}
		})
	}
}

func TestProductionDefaultsAreSecure(t *testing.T) {
	keys := "k1:" + base64.StdEncoding.EncodeToString([]byte(strings.Repeat("d", 32)))
	c, err := config.FromEnv(envOf(map[string]string{"APP_ENV": "production", "JWT_SECRET": strings.Repeat("k", 32), "DATA_ENCRYPTION_KEYS": keys}))
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Validate(); err != nil {
		t.Fatalf("secure production config refused: %v", err)
	}
	if c.Playground || c.Introspection || c.LogFormat != "json" {
		t.Errorf("production defaults: playground=%t introspection=%t log=%s", c.Playground, c.Introspection, c.LogFormat)
	}
	c1, _ := config.FromEnv(envOf(map[string]string{"APP_ENV": "production", "JWT_SECRET": strings.Repeat("k", 32), "DATA_ENCRYPTION_KEYS": keys,
		"CORS_ORIGINS": "https://*.example.com,https://app.example.org:*"}))
	if err := c1.Validate(); err != nil {
		t.Errorf("subdomain and port patterns should be allowed in production: %v", err)
	}
	c2, _ := config.FromEnv(envOf(map[string]string{"APP_ENV": "production", "JWT_SECRET": strings.Repeat("k", 32), "DATA_ENCRYPTION_KEYS": keys, "INTROSPECTION": "true"}))
	if err := c2.Validate(); err != nil || !c2.Introspection {
		t.Errorf("introspection asked for explicitly should be allowed: %v", err)
	}
}

func TestStringMasksSecrets(t *testing.T) {
	c, _ := config.FromEnv(envOf(map[string]string{
		"DATABASE_URL": "postgres://app:hunter2@db:5432/app",
		"AMQP_URL":     "amqp://guest:guestpw@mq:5672/",
		"JWT_SECRET":   "super-secret-signing-key-of-32-bytes!",
	}))
	s := c.String()
	for _, secret := range []string{"hunter2", "guestpw", "super-secret"} {
		if strings.Contains(s, secret) {
			t.Errorf("String() leaks %q: %s", secret, s)
		}
	}
}

func TestAIProviderSettings(t *testing.T) {
	c, err := config.FromEnv(envOf(nil))
	if err != nil {
		t.Fatal(err)
	}
	if c.AIBaseURL != "" || c.AITimeout != 60*time.Second || c.AIMaxAttempts != 4 || c.AIMaxConcurrency != 8 || c.AIMaxOutputTokens != 0 {
		t.Errorf("AI defaults: base=%q timeout=%s attempts=%d concurrency=%d tokens=%d",
			c.AIBaseURL, c.AITimeout, c.AIMaxAttempts, c.AIMaxConcurrency, c.AIMaxOutputTokens)
	}

	c, err = config.FromEnv(envOf(map[string]string{
		"AI_BASE_URL": "http://localhost:8000/v1", "AI_API_KEY": "sk-do-not-print-me", "AI_MODEL": "qwen2.5",
		"AI_TIMEOUT": "90s", "AI_MAX_ATTEMPTS": "2", "AI_MAX_CONCURRENCY": "3", "AI_MAX_OUTPUT_TOKENS": "1500",
	}))
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Validate(); err != nil {
		t.Fatalf("valid AI settings refused: %v", err)
	}
	if c.AIRewriteModel != "qwen2.5" {
		t.Errorf("AI_REWRITE_MODEL should default to AI_MODEL, got %q", c.AIRewriteModel)
	}
	if c.AITimeout != 90*time.Second || c.AIMaxAttempts != 2 || c.AIMaxConcurrency != 3 || c.AIMaxOutputTokens != 1500 || c.AIAPIKey != "sk-do-not-print-me" {
		t.Errorf("AI settings not read: %s", c)
	}
	if s := c.String(); strings.Contains(s, "sk-do-not-print-me") || !strings.Contains(s, "qwen2.5") {
		t.Errorf("String() must name the model and hide the key: %s", s)
	}

	c, _ = config.FromEnv(envOf(map[string]string{"AI_BASE_URL": "https://api.openai.com/v1", "AI_MODEL": "a", "AI_REWRITE_MODEL": "b"}))
	if c.AIRewriteModel != "b" {
		t.Errorf("AI_REWRITE_MODEL ignored: %q", c.AIRewriteModel)
	}
}

func TestDevelopmentAllowsLocalFrontendOriginsUnlessCORSOriginsIsSet(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		env  map[string]string
		want []string
	}{
		{"development default", nil, config.DevelopmentOrigins},
		{"development with CORS_ORIGINS", map[string]string{"CORS_ORIGINS": "https://app.example"}, []string{"https://app.example"}},
		{"production default", map[string]string{"APP_ENV": "production"}, nil},
	} {
		c, err := config.FromEnv(func(k string) string { return tc.env[k] })
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(c.CORSOrigins, tc.want) {
			t.Errorf("%s: CORSOrigins = %q, want %q", tc.name, c.CORSOrigins, tc.want)
		}
	}
}
