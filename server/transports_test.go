package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/gorilla/websocket"
)

// sseStream is a GraphQL over server-sent events response being read.
type sseStream struct {
	res  *http.Response
	read *bufio.Reader
}

// sseOpen posts query as tok ("key:<secret>" for an API key) with Accept:
// text/event-stream and returns the stream, or the response when the server refused it.
func sseOpen(t *testing.T, w *azWorld, tok, query string, vars map[string]any) (*sseStream, *http.Response) {
	t.Helper()
	body, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
	req, err := http.NewRequest(http.MethodPost, w.ts.URL+"/query", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "text/event-stream")
	if key, ok := strings.CutPrefix(tok, "key:"); ok {
		req.Header.Set("X-API-Key", key)
	} else {
		req.Header.Set("Authorization", bearer(tok))
	}
	req.Header.Set("X-Forwarded-For", "10.9.0.1")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { res.Body.Close() })
	if res.StatusCode != http.StatusOK || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/event-stream") {
		return nil, res
	}
	return &sseStream{res: res, read: bufio.NewReader(res.Body)}, res
}

// event reads the next event (comments and keep-alives skipped): its type and data.
func (s *sseStream) event(t *testing.T) (kind, data string) {
	t.Helper()
	done := make(chan struct{})
	timer := time.AfterFunc(20*time.Second, func() { s.res.Body.Close() }) // a hang guard
	defer func() { timer.Stop(); close(done) }()
	for {
		line, err := s.read.ReadString('\n')
		if err != nil {
			t.Fatalf("event stream: %v", err)
		}
		line = strings.TrimRight(line, "\n")
		switch {
		case strings.HasPrefix(line, "event: "):
			kind = strings.TrimPrefix(line, "event: ")
		case strings.HasPrefix(line, "data: "):
			data = strings.TrimPrefix(line, "data: ")
		case line == "" && kind != "":
			return kind, data
		}
	}
}

func TestServerSentEvents(t *testing.T) {
	t.Parallel()
	w := newAzWorld(t, map[string]string{"WS_MAX_CONNECTIONS_PER_USER": "2"})
	client := w.callers[azClient]

	t.Run("a query answers with one event, then complete", func(t *testing.T) {
		s, res := sseOpen(t, w, client.Token, `{ me { email } }`, nil)
		if s == nil {
			t.Fatalf("status %d %s, want an event stream", res.StatusCode, res.Header.Get("Content-Type"))
		}
		if kind, data := s.event(t); kind != "next" || !strings.Contains(data, client.Email) {
			t.Fatalf("got %s %s, want next with the caller's email", kind, data)
		}
		if kind, _ := s.event(t); kind != "complete" {
			t.Fatalf("got %s, want complete", kind)
		}
	})

	t.Run("a subscription delivers its events, and streams count against the per-user limit", func(t *testing.T) {
		start := nfCursor(t, uuid.Must(uuid.NewV7()))
		s, res := sseOpen(t, w, client.Token, `subscription($after: Cursor) { notificationAdded(after: $after) { kind } }`, map[string]any{"after": start})
		if s == nil {
			t.Fatalf("status %d, want an event stream", res.StatusCode)
		}
		// The limit is 2: this stream and one websocket; a third connection is refused.
		wsAuthed(t, w.ts, client.Token)
		if _, res := sseOpen(t, w, client.Token, `subscription { notificationAdded { kind } }`, nil); res.StatusCode != http.StatusTooManyRequests {
			t.Errorf("third stream: status %d, want 429", res.StatusCode)
		}
		conn, msg, err := wsDial(t, w.ts, bearer(client.Token))
		if err == nil && msg["type"] == "connection_ack" {
			t.Errorf("third connection (a websocket) was accepted")
		}
		if ce := wsClosed(t, conn, 10*time.Second); ce.Code != 4429 || !strings.Contains(ce.Text, "limit 2") {
			t.Errorf("third websocket closed with %d %q, want 4429 naming the limit", ce.Code, ce.Text)
		}

		expert := w.qfExpert(t)
		w.qfClaimed(t, client, expert)
		if kind, data := s.event(t); kind != "next" || !strings.Contains(data, "QUESTION_UPDATED") {
			t.Fatalf("got %s %s, want a QUESTION_UPDATED notification", kind, data)
		}
	})

	t.Run("a stream ends with its session", func(t *testing.T) {
		other := w.callers[azClient2]
		s, res := sseOpen(t, w, other.Token, `subscription { notificationAdded { kind } }`, nil)
		if s == nil {
			t.Fatalf("status %d, want an event stream", res.StatusCode)
		}
		w.mustGQL(t, other.Token, `mutation { logout(allSessions: true) }`, nil, &struct{}{})
		// Last, before complete, an event says why, as a websocket's close code would.
		var last string
		for {
			kind, data := s.event(t) // fails the test if the stream stays open (20 s)
			if kind == "complete" {
				break
			}
			last = data
		}
		var why struct {
			Errors []struct {
				Message    string
				Extensions struct{ Code, Reason string }
			}
		}
		if err := json.Unmarshal([]byte(last), &why); err != nil || len(why.Errors) != 1 ||
			why.Errors[0].Extensions.Code != "UNAUTHENTICATED" || why.Errors[0].Extensions.Reason != "revoked" ||
			why.Errors[0].Message != "session revoked" {
			t.Fatalf("last event before complete: %s", last)
		}
	})

	t.Run("a malformed body is BAD_REQUEST, not echoed", func(t *testing.T) {
		for _, body := range []string{`{"query":`, `[1]`, `{"query":"{ me { id } }","variables":"x"}`} {
			req, err := http.NewRequest(http.MethodPost, w.ts.URL+"/query", strings.NewReader(body))
			if err != nil {
				t.Fatal(err)
			}
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("Accept", "text/event-stream")
			res, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			raw, _ := io.ReadAll(res.Body)
			res.Body.Close()
			if res.StatusCode != http.StatusBadRequest || !strings.Contains(string(raw), `"code":"BAD_REQUEST"`) ||
				strings.Contains(string(raw), body) {
				t.Errorf("%s: %d %s", body, res.StatusCode, raw)
			}
		}
	})
}

func TestWebsocketFromAForeignOriginIsRefused(t *testing.T) {
	t.Parallel()
	ts := startServer(t, withDefaults(embeddedEnv(t), map[string]string{"CORS_ORIGINS": "https://app.example"}))
	url := "ws" + strings.TrimPrefix(ts.URL, "http") + "/query"
	for origin, want := range map[string]int{
		"https://evil.example": http.StatusForbidden,          // cross-site websocket hijacking
		"https://app.example":  http.StatusSwitchingProtocols, // the configured front end
		"":                     http.StatusSwitchingProtocols, // not a browser
	} {
		h := http.Header{}
		if origin != "" {
			h.Set("Origin", origin)
		}
		d := websocket.Dialer{Subprotocols: []string{"graphql-transport-ws"}, HandshakeTimeout: 10 * time.Second}
		conn, res, err := d.Dial(url, h)
		if conn != nil {
			conn.Close()
		}
		if res == nil {
			t.Fatalf("origin %q: no response: %v", origin, err)
		}
		if res.StatusCode != want {
			t.Errorf("origin %q: status %d, want %d", origin, res.StatusCode, want)
		}
		if want == http.StatusForbidden {
			var body struct {
				Errors []struct{ Extensions struct{ Code string } }
			}
			if err := json.NewDecoder(res.Body).Decode(&body); err != nil || len(body.Errors) != 1 || body.Errors[0].Extensions.Code != "FORBIDDEN" {
				t.Errorf("origin %q: body %+v (%v), want one FORBIDDEN error", origin, body, err)
			}
		}
	}
}
