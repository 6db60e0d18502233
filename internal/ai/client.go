// Package ai is the model provider of the answer pipeline: one OpenAI-compatible Chat
// Completions client (OpenAI, vLLM, Ollama, llama.cpp, LM Studio, hosted services) that
// drafts and rewrites answers, with retries, a per-attempt timeout, a circuit breaker and a
// bound on calls in flight. Prompts are versioned files; the question is untrusted text.
package ai

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/openai/openai-go/v3"
	"github.com/openai/openai-go/v3/option"
	"github.com/sony/gobreaker/v2"
	"golang.org/x/sync/semaphore"

	"backbone/internal/config"
)

// Config configures the client. The first fields come from the environment (ConfigFrom);
// zero values take the defaults below.
type Config struct {
	BaseURL         string        // AI_BASE_URL, such as https://api.openai.com/v1; empty: no provider
	APIKey          string        // AI_API_KEY; empty sends no Authorization header (local servers)
	Model           string        // AI_MODEL: the draft model
	RewriteModel    string        // AI_REWRITE_MODEL (default Model)
	Timeout         time.Duration // AI_TIMEOUT: limit of one request (each attempt), default 60s
	MaxAttempts     int           // AI_MAX_ATTEMPTS: requests per call, retries included, default 4
	MaxConcurrency  int           // AI_MAX_CONCURRENCY: requests in flight per process, default 8
	MaxOutputTokens int           // AI_MAX_OUTPUT_TOKENS: sent as max_completion_tokens; 0 sends none

	// Not settings: production uses the defaults, tests shorten them.
	RetryWait       time.Duration // first backoff wait, doubling with jitter; default 500ms
	BreakerFailures int           // calls failing in a row that open the breaker; default 3
	BreakerCooldown time.Duration // how long the breaker stays open before one probe; default 30s
}

// Defaults of Config's zero values.
const (
	DefaultTimeout         = 60 * time.Second
	DefaultMaxAttempts     = 4
	DefaultMaxConcurrency  = 8
	defaultRetryWait       = 500 * time.Millisecond
	defaultBreakerFailures = 3
	defaultBreakerCooldown = 30 * time.Second
)

// ConfigFrom picks the AI settings out of the process configuration.
func ConfigFrom(c config.Config) Config {
	return Config{
		BaseURL: c.AIBaseURL, APIKey: c.AIAPIKey, Model: c.AIModel, RewriteModel: c.AIRewriteModel,
		Timeout: c.AITimeout, MaxAttempts: c.AIMaxAttempts, MaxConcurrency: c.AIMaxConcurrency,
		MaxOutputTokens: c.AIMaxOutputTokens,
	}
}

// Result is one model answer and what it cost.
type Result struct {
	// Text is Markdown, trimmed, without control characters other than newline and tab;
	// never empty, at most textx.MaxAnswerBody bytes.
	Text             string
	Model            string // the model that answered, as the provider names it
	PromptVersion    string // DraftPromptVersion or RewritePromptVersion
	PromptTokens     int
	CompletionTokens int
	Latency          time.Duration // the whole call: every attempt and the waits between them
	Attempts         int
}

// Client calls the provider. It is safe for concurrent use; one per process, so that the
// breaker and the concurrency bound see every call.
type Client struct {
	cfg     Config
	log     *slog.Logger
	chat    openai.ChatCompletionService
	sem     *semaphore.Weighted
	breaker *gobreaker.CircuitBreaker[Result]
	secrets []string // never allowed in an error message
}

// New builds the client, or returns ErrNotConfigured without a base URL: then the caller
// skips the AI stages with ErrNotConfigured's text as the reason.
func New(cfg Config, log *slog.Logger) (*Client, error) {
	if strings.TrimSpace(cfg.BaseURL) == "" {
		return nil, ErrNotConfigured
	}
	u, err := url.Parse(cfg.BaseURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, errors.New("AI_BASE_URL: not an http(s) URL with a host")
	}
	if cfg.Model == "" {
		return nil, errors.New("AI_MODEL: required with AI_BASE_URL")
	}
	if cfg.RewriteModel == "" {
		cfg.RewriteModel = cfg.Model
	}
	cfg.Timeout = orDefault(cfg.Timeout, DefaultTimeout)
	cfg.MaxAttempts = orDefault(cfg.MaxAttempts, DefaultMaxAttempts)
	cfg.MaxConcurrency = orDefault(cfg.MaxConcurrency, DefaultMaxConcurrency)
	cfg.RetryWait = orDefault(cfg.RetryWait, defaultRetryWait)
	cfg.BreakerFailures = orDefault(cfg.BreakerFailures, defaultBreakerFailures)
	cfg.BreakerCooldown = orDefault(cfg.BreakerCooldown, defaultBreakerCooldown)
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	log = log.With("component", "ai")

	c := &Client{cfg: cfg, log: log, sem: semaphore.NewWeighted(int64(cfg.MaxConcurrency))}
	if cfg.APIKey != "" {
		c.secrets = append(c.secrets, cfg.APIKey)
	}
	if p, ok := u.User.Password(); ok && p != "" {
		c.secrets = append(c.secrets, p)
	}

	transport := http.DefaultTransport.(*http.Transport).Clone()
	transport.MaxIdleConnsPerHost = cfg.MaxConcurrency // keep a connection per call in flight
	// A client built from the services, not openai.NewClient: that one also reads OPENAI_*
	// variables (another key, organisation, headers), which must not change what we send.
	c.chat = openai.NewChatCompletionService(
		option.WithBaseURL(cfg.BaseURL),
		option.WithAPIKey(cfg.APIKey),
		option.WithHTTPClient(&http.Client{Transport: transport}),
		option.WithMaxRetries(0), // retries are ours: see call.go
	)
	c.breaker = gobreaker.NewCircuitBreaker[Result](gobreaker.Settings{
		Name:        "ai-provider",
		MaxRequests: 1,
		Timeout:     cfg.BreakerCooldown,
		ReadyToTrip: func(n gobreaker.Counts) bool { return n.ConsecutiveFailures >= uint32(cfg.BreakerFailures) },
		// A refused request or an empty answer means the provider is up.
		IsSuccessful: func(err error) bool { return err == nil || IsPermanent(err) },
		IsExcluded:   IsCanceled,
		OnStateChange: func(_ string, from, to gobreaker.State) {
			log.Warn("AI provider circuit breaker", "from", from.String(), "to", to.String())
		},
	})
	return c, nil
}

func orDefault[T comparable](v, def T) T {
	var zero T
	if v == zero {
		return def
	}
	return v
}

// Info names the provider for serverInfo: its mode and model(s), never the key or URL.
func (c *Client) Info() (mode, model string) {
	if c == nil {
		return "none", ""
	}
	model = c.cfg.Model
	if c.cfg.RewriteModel != c.cfg.Model {
		model = fmt.Sprintf("%s (rewrite: %s)", c.cfg.Model, c.cfg.RewriteModel)
	}
	return "openai-compatible", model
}

// Draft asks the draft model for a first answer to q.
func (c *Client) Draft(ctx context.Context, q Question) (Result, error) {
	if c == nil {
		return Result{}, ErrNotConfigured
	}
	system, user := draftMessages(q)
	return c.complete(ctx, "draft", c.cfg.Model, DraftPromptVersion, system, user)
}

// Rewrite asks the rewrite model to rewrite draft for the client. previousFailure is empty
// on the first try; on the one retry after CheckRewrite refused a rewrite it is that
// error's text, which the prompt names so that the model fixes it.
func (c *Client) Rewrite(ctx context.Context, q Question, draft, previousFailure string) (Result, error) {
	if c == nil {
		return Result{}, ErrNotConfigured
	}
	system, user := rewriteMessages(q, draft, previousFailure)
	return c.complete(ctx, "rewrite", c.cfg.RewriteModel, RewritePromptVersion, system, user)
}
