package ai

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/cenkalti/backoff/v5"
	"github.com/openai/openai-go/v3"
	"github.com/sony/gobreaker/v2"

	"backbone/internal/textx"
)

// maxRetryAfter is the longest Retry-After the client waits for; a provider asking for
// more (a spent quota, typically) fails the call now rather than hold a worker.
const maxRetryAfter = 2 * time.Minute

// Our own retry loop rather than the SDK's (option.WithMaxRetries), which, tried against
// aitest: does not retry an attempt that ran out of its timeout (WithRequestTimeout), counts
// its Retry-After and backoff waits against that same timeout (a 429 with Retry-After: 1
// under a 300ms timeout fails), retries 409 Conflict, and does not say how many attempts a
// call took.

// complete runs one call: breaker, then up to MaxAttempts requests with backoff, each
// holding a concurrency slot and bounded by Timeout.
func (c *Client) complete(ctx context.Context, stage, model, version, system, user string) (Result, error) {
	start := time.Now()
	params := openai.ChatCompletionNewParams{
		Model: model,
		Messages: []openai.ChatCompletionMessageParamUnion{
			openai.SystemMessage(system),
			openai.UserMessage(user),
		},
	}
	if c.cfg.MaxOutputTokens > 0 {
		params.MaxCompletionTokens = openai.Int(int64(c.cfg.MaxOutputTokens))
	}

	res, err := c.breaker.Execute(func() (Result, error) { return c.retry(ctx, stage, params) })
	switch {
	case errors.Is(err, gobreaker.ErrOpenState):
		return Result{}, &Error{Stage: stage, Err: ErrBreakerOpen,
			msg: fmt.Sprintf("%v; calls resume after a %s cool-down", ErrBreakerOpen, c.cfg.BreakerCooldown)}
	case errors.Is(err, gobreaker.ErrTooManyRequests):
		return Result{}, &Error{Stage: stage, Err: ErrBreakerOpen,
			msg: fmt.Sprintf("%v; one probe call is testing the provider", ErrBreakerOpen)}
	}
	if err != nil {
		var e *Error
		if errors.As(err, &e) && e.unusable {
			e.spent.PromptVersion, e.spent.Latency = version, time.Since(start)
			if e.spent.Model == "" {
				e.spent.Model = model
			}
		}
		return Result{}, err
	}
	res.PromptVersion = version
	res.Latency = time.Since(start)
	if res.Model == "" {
		res.Model = model
	}
	return res, nil
}

// retry sends the request until it succeeds, fails for good, or runs out of attempts.
func (c *Client) retry(ctx context.Context, stage string, params openai.ChatCompletionNewParams) (Result, error) {
	attempts := 0
	var last *attemptError
	res, err := backoff.Retry(ctx, func() (Result, error) {
		res, aerr := c.attempt(ctx, params, &attempts)
		if aerr == nil {
			return res, nil
		}
		last = aerr
		if aerr.stop {
			return Result{}, backoff.Permanent(aerr)
		}
		return Result{}, aerr
	},
		backoff.WithBackOff(&backoff.ExponentialBackOff{
			InitialInterval:     c.cfg.RetryWait,
			RandomizationFactor: 0.5,
			Multiplier:          2,
			MaxInterval:         30 * time.Second,
		}),
		backoff.WithMaxTries(uint(c.cfg.MaxAttempts)),
		backoff.WithMaxElapsedTime(0), // bounded by attempts and the caller's context
		backoff.WithNotify(func(err error, wait time.Duration) {
			c.log.Warn("AI provider call failed, retrying", "stage", stage, "attempt", attempts,
				"of", c.cfg.MaxAttempts, "wait", wait.Round(time.Millisecond), "error", c.scrub(err.Error()))
		}),
	)
	if err == nil {
		res.Attempts = attempts
		return res, nil
	}
	e := &Error{Stage: stage, Attempts: attempts}
	switch {
	case ctx.Err() != nil && (last == nil || !last.permanent):
		// Stopped by the caller (in an attempt or while waiting to retry): not the provider's fault.
		e.cancelled, e.Err, e.msg = true, ctx.Err(), ctx.Err().Error()
	case last != nil:
		e.Permanent, e.Status, e.Err, e.msg = last.permanent, last.status, last.err, c.scrub(last.Error())
		e.unusable, e.spent = last.unusable, last.spent
	default:
		e.Err, e.msg = err, c.scrub(err.Error())
	}
	return Result{}, e
}

// attemptError is one failed request, classified.
type attemptError struct {
	err        error
	status     int           // HTTP status, 0 if none came
	permanent  bool          // refused or unusable: the same request would fail again
	unusable   bool          // the provider answered, but not with an answer the pipeline can use
	spent      Result        // the usage of an unusable answer, which the provider bills all the same
	stop       bool          // no further attempt: permanent, cancelled, or a Retry-After too long
	cancelled  bool          // the caller's context ended it
	retryAfter time.Duration // the provider's Retry-After, 0 if none
	msg        string
}

func (e *attemptError) Error() string { return e.msg }
func (e *attemptError) Unwrap() error { return e.err }

// As hands backoff the provider's Retry-After as the next wait instead of its own.
func (e *attemptError) As(target any) bool {
	if p, ok := target.(**backoff.RetryAfterError); ok && e.retryAfter > 0 {
		*p = &backoff.RetryAfterError{Duration: e.retryAfter}
		return true
	}
	return false
}

// errAttemptTimeout is the cause of an attempt that ran out of Config.Timeout.
var errAttemptTimeout = errors.New("attempt timed out")

// attempt sends one request, counting it in *sent once it holds a concurrency slot.
func (c *Client) attempt(ctx context.Context, params openai.ChatCompletionNewParams, sent *int) (Result, *attemptError) {
	if err := c.sem.Acquire(ctx, 1); err != nil {
		return Result{}, &attemptError{err: err, cancelled: true, stop: true, msg: err.Error()}
	}
	defer c.sem.Release(1)
	*sent++
	actx, cancel := context.WithTimeout(ctx, c.cfg.Timeout)
	defer cancel()

	resp, err := c.chat.New(actx, params)
	if err != nil {
		return Result{}, c.classify(ctx, actx, err)
	}
	spent := Result{Model: resp.Model, PromptTokens: tokenCount(resp.Usage.PromptTokens),
		CompletionTokens: tokenCount(resp.Usage.CompletionTokens)}
	text, problem := c.answerText(resp)
	if problem != "" {
		return Result{}, &attemptError{err: errors.New(problem), status: http.StatusOK, permanent: true, unusable: true,
			stop: true, msg: problem, spent: spent}
	}
	spent.Text = text
	return spent, nil
}

// answerText is the model's answer as it is stored, or why it cannot be used. Asking
// again would cost as much and most likely fail the same way, so the caller does not.
// An answer that did not end on its own is unusable whatever text it holds: what was cut
// off or filtered out is not there to be read.
func (c *Client) answerText(resp *openai.ChatCompletion) (text, problem string) {
	if len(resp.Choices) == 0 {
		return "", "empty answer"
	}
	ch := resp.Choices[0]
	text = strings.TrimSpace(textx.StripControl(ch.Message.Content))
	switch {
	case text == "":
		problem = "empty answer"
		if r := strings.TrimSpace(textx.StripControl(ch.Message.Refusal)); r != "" {
			problem = "the model refused: " + textx.Truncate(r, 200)
		} else if ch.FinishReason != "" {
			problem += " (finish_reason " + textx.StripControl(ch.FinishReason) + ")"
		}
	case ch.FinishReason == "length" && c.cfg.MaxOutputTokens > 0:
		problem = fmt.Sprintf("the model's answer was cut off at AI_MAX_OUTPUT_TOKENS (%d)", c.cfg.MaxOutputTokens)
	case ch.FinishReason == "length":
		problem = "the model's answer was cut off at the model's output limit"
	case ch.FinishReason == "content_filter":
		problem = "the provider's content filter stopped the answer"
	case len(text) > textx.MaxAnswerBody:
		// Bytes, as the database counts them (at least as many as characters).
		problem = fmt.Sprintf("the answer is %d bytes long, more than the %d an answer may hold", len(text), textx.MaxAnswerBody)
	}
	if problem != "" {
		return "", problem
	}
	return text, ""
}

// maxCallTokens bounds the tokens one answer is believed to have cost, so that a sum of a
// day's stages stays far from overflowing.
const maxCallTokens = math.MaxInt32

// tokenCount is a provider's token count as recorded: a broken server's negative count
// is 0, an absurd one maxCallTokens.
func tokenCount(n int64) int { return int(min(max(n, 0), maxCallTokens)) }

// classify sorts a failed request: the caller gave up, the attempt timed out, the provider
// answered with an error status, or the connection or the answer's body broke.
func (c *Client) classify(ctx, actx context.Context, err error) *attemptError {
	if ctx.Err() != nil {
		return &attemptError{err: ctx.Err(), cancelled: true, stop: true, msg: ctx.Err().Error()}
	}
	if actx.Err() != nil {
		return &attemptError{err: errAttemptTimeout, msg: fmt.Sprintf("no answer within %s (AI_TIMEOUT)", c.cfg.Timeout)}
	}
	var apiErr *openai.Error
	if errors.As(err, &apiErr) {
		e := &attemptError{err: err, status: apiErr.StatusCode, msg: describeStatus(apiErr)}
		switch s := apiErr.StatusCode; {
		case s == http.StatusTooManyRequests || s == http.StatusRequestTimeout || s >= 500:
			var wait time.Duration
			if apiErr.Response != nil {
				wait = retryAfter(apiErr.Response.Header)
			}
			if wait > maxRetryAfter {
				// Waiting that long would hold a worker: the provider is unavailable for now.
				e.stop = true
				e.msg += fmt.Sprintf(", asked to retry after %s (more than %s)", wait.Round(time.Second), maxRetryAfter)
			} else if wait > 0 {
				// Up to 10% more, so that callers told the same second do not all come back at once.
				e.retryAfter = wait + rand.N(wait/10+1)
			}
		default:
			e.permanent, e.stop = true, true
		}
		return e
	}
	var uerr *url.Error
	if errors.As(err, &uerr) {
		// url.Error's text holds the URL, which may hold credentials: keep only the cause.
		return &attemptError{err: err, msg: "connection failed: " + uerr.Err.Error()}
	}
	// The SDK could not read or decode the answer: a broken proxy or a wrong AI_BASE_URL.
	return &attemptError{err: err, msg: "malformed answer: " + textx.Truncate(err.Error(), 200)}
}

// describeStatus names an error answer by status and the provider's error code, not its
// message: providers echo part of a wrong key there ("Incorrect API key provided: sk-ab…").
func describeStatus(e *openai.Error) string {
	s := fmt.Sprintf("HTTP %d %s", e.StatusCode, http.StatusText(e.StatusCode))
	var detail []string
	for _, v := range []string{e.Type, e.Code} {
		if v != "" && len(v) <= 64 && !strings.ContainsFunc(v, unicode.IsSpace) && !strings.ContainsFunc(v, unicode.IsControl) {
			detail = append(detail, v)
		}
	}
	if len(detail) > 0 {
		s += " (" + strings.Join(detail, ", ") + ")"
	}
	return s
}

// retryAfter reads Retry-After-Ms (OpenAI) or Retry-After (seconds or an HTTP date).
func retryAfter(h http.Header) time.Duration {
	var d time.Duration
	if v := h.Get("Retry-After-Ms"); v != "" {
		if ms, err := strconv.ParseFloat(v, 64); err == nil && ms > 0 {
			d = time.Duration(ms * float64(time.Millisecond))
		}
	}
	if v := h.Get("Retry-After"); d == 0 && v != "" {
		if s, err := strconv.ParseFloat(v, 64); err == nil && s > 0 {
			d = time.Duration(s * float64(time.Second))
		} else if t, err := http.ParseTime(v); err == nil {
			d = time.Until(t)
		}
	}
	return max(d, 0)
}

// scrub removes the key and URL credentials from a message, in case a cause quoted them.
func (c *Client) scrub(s string) string {
	for _, secret := range c.secrets {
		s = strings.ReplaceAll(s, secret, "[redacted]")
	}
	return s
}
