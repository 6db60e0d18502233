// Package aitest is a fake OpenAI-compatible Chat Completions server for tests and
// benchmarks: it speaks the real wire format, so the real SDK client is what gets tested.
// Each request's reply is programmable (latency, error status with Retry-After, malformed
// body, hanging, text and token usage), and the server records what it received.
//
// It is a normal package so that other packages' tests and bench commands can import it;
// by convention nothing in production does.
package aitest

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// DefaultText answers every request without a programmed reply. It has no number, link or
// code, so that as a rewrite of itself it passes the rewrite guards.
const DefaultText = "This is an answer from the fake model provider."

// Reply is what the server does with one request. The zero Reply answers at once with
// DefaultText and token counts estimated from the text.
type Reply struct {
	Delay        time.Duration // wait before answering (cut short if the client goes away)
	Hang         bool          // never answer: wait until the client gives up
	Status       int           // an error status (429, 500, 400...): answer with an OpenAI error body
	Message      string        // that error body's message (default: the status text)
	RetryAfter   string        // Retry-After header value, with any status
	Malformed    bool          // answer 200 with a body that is not valid JSON
	Text         string        // the completion's content (default DefaultText unless Empty)
	Empty        bool          // answer with empty content
	FinishReason string        // default "stop"
	// Token usage; 0 estimates one token per four bytes.
	PromptTokens, CompletionTokens int
}

// Message is one chat message of a received request.
type Message struct {
	Role, Content string
}

// Request is one request the server received.
type Request struct {
	Header              http.Header
	Body                []byte // the raw JSON body
	Model               string
	Messages            []Message
	MaxCompletionTokens int
}

// Text is every message's content, joined: what a test searches for a leaked secret.
func (r Request) Text() string {
	var parts []string
	for _, m := range r.Messages {
		parts = append(parts, m.Content)
	}
	return strings.Join(parts, "\n")
}

// Content is the content of the first message with the given role ("system", "user").
func (r Request) Content(role string) string {
	for _, m := range r.Messages {
		if m.Role == role {
			return m.Content
		}
	}
	return ""
}

// Server is the fake provider. Give a client URL() as its base URL.
type Server struct {
	srv    *httptest.Server
	record bool
	closed chan struct{}
	once   sync.Once

	mu       sync.Mutex
	queue    []Reply
	handler  func(Request) Reply
	requests []Request

	count, inFlight, maxInFlight atomic.Int64
}

// Option changes a new Server.
type Option func(*Server)

// WithoutRecording keeps no record of requests, for benchmarks: memory stays flat and a
// request costs only the HTTP exchange. Replies stay zero-latency unless programmed.
func WithoutRecording() Option { return func(s *Server) { s.record = false } }

// New starts a server that answers at once with DefaultText and records every request.
// Close it when done (t.Cleanup(s.Close)).
func New(opts ...Option) *Server {
	s := &Server{record: true, closed: make(chan struct{})}
	for _, o := range opts {
		o(s)
	}
	s.srv = httptest.NewServer(http.HandlerFunc(s.serve))
	return s
}

// URL is the base URL to configure the client with (AI_BASE_URL).
func (s *Server) URL() string { return s.srv.URL + "/v1" }

// Close stops the server, releasing hanging and delayed requests first.
func (s *Server) Close() {
	s.once.Do(func() { close(s.closed) })
	s.srv.CloseClientConnections()
	s.srv.Close()
}

// Enqueue programs the replies to the next requests, in order; once they are used up,
// the handler (or the zero Reply) answers.
func (s *Server) Enqueue(replies ...Reply) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.queue = append(s.queue, replies...)
}

// Handle sets the function that builds the reply of each request the queue does not
// cover. It runs while the request counts as in flight, so it may block to hold requests.
func (s *Server) Handle(h func(Request) Reply) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.handler = h
}

// Requests returns the recorded requests, oldest first.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Request(nil), s.requests...)
}

// Count is how many chat completion requests arrived, recorded or not.
func (s *Server) Count() int { return int(s.count.Load()) }

// InFlight is how many requests are being answered now.
func (s *Server) InFlight() int { return int(s.inFlight.Load()) }

// MaxInFlight is the most requests ever answered at the same time.
func (s *Server) MaxInFlight() int { return int(s.maxInFlight.Load()) }

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost || !strings.HasSuffix(r.URL.Path, "/chat/completions") {
		writeError(w, http.StatusNotFound, "invalid_request_error", fmt.Sprintf("no route %s %s", r.Method, r.URL.Path))
		return
	}
	n := s.inFlight.Add(1)
	defer s.inFlight.Add(-1)
	for m := s.maxInFlight.Load(); n > m && !s.maxInFlight.CompareAndSwap(m, n); m = s.maxInFlight.Load() {
	}
	s.count.Add(1)

	req, err := parseRequest(r)
	if err != nil {
		writeError(w, http.StatusBadRequest, "invalid_request_error", err.Error())
		return
	}
	reply := s.next(req)

	if reply.Hang {
		s.wait(r, -1)
		return
	}
	if reply.Delay > 0 && !s.wait(r, reply.Delay) {
		return
	}
	if reply.RetryAfter != "" {
		w.Header().Set("Retry-After", reply.RetryAfter)
	}
	switch {
	case reply.Status >= 400:
		msg := reply.Message
		if msg == "" {
			msg = http.StatusText(reply.Status) + " (fake provider)"
		}
		writeError(w, reply.Status, errorType(reply.Status), msg)
	case reply.Malformed:
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"id": "chatcmpl-broken", "choices": [`)
	default:
		writeCompletion(w, req, reply, s.count.Load())
	}
}

// next records req and picks its reply: the queue first, then the handler.
func (s *Server) next(req Request) Reply {
	s.mu.Lock()
	if s.record {
		s.requests = append(s.requests, req)
	}
	if len(s.queue) > 0 {
		r := s.queue[0]
		s.queue = s.queue[1:]
		s.mu.Unlock()
		return r
	}
	h := s.handler
	s.mu.Unlock()
	if h != nil {
		return h(req)
	}
	return Reply{}
}

// wait sleeps d (forever if negative) unless the client leaves or the server closes;
// it reports whether the whole wait passed.
func (s *Server) wait(r *http.Request, d time.Duration) bool {
	var timeout <-chan time.Time
	if d >= 0 {
		t := time.NewTimer(d)
		defer t.Stop()
		timeout = t.C
	}
	select {
	case <-timeout:
		return true
	case <-r.Context().Done():
	case <-s.closed:
	}
	return false
}

func parseRequest(r *http.Request) (Request, error) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		return Request{}, err
	}
	var in struct {
		Model    string `json:"model"`
		Messages []struct {
			Role    string          `json:"role"`
			Content json.RawMessage `json:"content"`
		} `json:"messages"`
		MaxCompletionTokens int `json:"max_completion_tokens"`
	}
	if err := json.Unmarshal(body, &in); err != nil {
		return Request{}, fmt.Errorf("body is not a chat completion request: %v", err)
	}
	req := Request{Header: r.Header.Clone(), Body: body, Model: in.Model, MaxCompletionTokens: in.MaxCompletionTokens}
	for _, m := range in.Messages {
		req.Messages = append(req.Messages, Message{Role: m.Role, Content: contentText(m.Content)})
	}
	return req, nil
}

// contentText reads a message's content: a string, or an array of text parts.
func contentText(raw json.RawMessage) string {
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s
	}
	var parts []struct {
		Text string `json:"text"`
	}
	_ = json.Unmarshal(raw, &parts)
	var b strings.Builder
	for _, p := range parts {
		b.WriteString(p.Text)
	}
	return b.String()
}

func writeCompletion(w http.ResponseWriter, req Request, reply Reply, n int64) {
	text := reply.Text
	if text == "" {
		text = DefaultText
	}
	if reply.Empty {
		text = ""
	}
	finish := reply.FinishReason
	if finish == "" {
		finish = "stop"
	}
	prompt, completion := reply.PromptTokens, reply.CompletionTokens
	if prompt == 0 {
		prompt = len(req.Text())/4 + 1
	}
	if completion == 0 {
		completion = len(text)/4 + 1
	}
	writeJSON(w, http.StatusOK, map[string]any{
		"id":      fmt.Sprintf("chatcmpl-fake-%d", n),
		"object":  "chat.completion",
		"created": time.Now().Unix(),
		"model":   req.Model,
		"choices": []map[string]any{{
			"index":         0,
			"message":       map[string]any{"role": "assistant", "content": text, "refusal": nil},
			"finish_reason": finish,
			"logprobs":      nil,
		}},
		"usage": map[string]any{
			"prompt_tokens": prompt, "completion_tokens": completion, "total_tokens": prompt + completion,
		},
	})
}

func errorType(status int) string {
	switch {
	case status == http.StatusTooManyRequests:
		return "rate_limit_exceeded"
	case status >= 500:
		return "server_error"
	default:
		return "invalid_request_error"
	}
}

func writeError(w http.ResponseWriter, status int, typ, msg string) {
	writeJSON(w, status, map[string]any{
		"error": map[string]any{"message": msg, "type": typ, "param": nil, "code": nil},
	})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
