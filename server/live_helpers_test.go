package main

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"
)

// Helpers of the live subscription tests: one subscription per socket over
// graphql-transport-ws, read by a goroutine so that a test can wait with a timeout
// without breaking the socket.

// lvMessage is one message of a subscription: an event's data, the codes of its
// errors, or its completion ("complete"); "closed" when the socket ended.
type lvMessage struct {
	Type  string
	Data  json.RawMessage
	Codes []string
}

// lvStream is a subscription's messages.
type lvStream struct {
	conn *websocket.Conn
	ch   chan lvMessage
}

// lvSubscribe opens a socket as tok and starts the subscription query with vars.
func lvSubscribe(t *testing.T, w *azWorld, tok, query string, vars map[string]any) *lvStream {
	t.Helper()
	conn := wsAuthed(t, w.ts, tok)
	mustWriteJSON(t, conn, map[string]any{"id": "1", "type": "subscribe",
		"payload": map[string]any{"query": query, "variables": vars}})
	s := &lvStream{conn: conn, ch: make(chan lvMessage, 1000)}
	go s.read()
	return s
}

func (s *lvStream) read() {
	defer close(s.ch)
	for {
		var m struct {
			Type    string          `json:"type"`
			Payload json.RawMessage `json:"payload"`
		}
		if err := s.conn.ReadJSON(&m); err != nil {
			return
		}
		out := lvMessage{Type: m.Type}
		switch m.Type {
		case "ping", "pong":
			continue
		case "next":
			var r gqlResponse
			_ = json.Unmarshal(m.Payload, &r)
			out.Data = r.Data
			for _, e := range r.Errors {
				out.Codes = append(out.Codes, fmt.Sprint(e.Extensions["code"]))
			}
		case "error":
			var errs []struct{ Extensions map[string]any }
			_ = json.Unmarshal(m.Payload, &errs)
			for _, e := range errs {
				out.Codes = append(out.Codes, fmt.Sprint(e.Extensions["code"]))
			}
		}
		s.ch <- out
	}
}

// within returns the next message, or false after d.
func (s *lvStream) within(d time.Duration) (lvMessage, bool) {
	select {
	case m, ok := <-s.ch:
		if !ok {
			return lvMessage{Type: "closed"}, true
		}
		return m, true
	case <-time.After(d):
		return lvMessage{}, false
	}
}

// next returns the next message, or fails.
func (s *lvStream) next(t *testing.T) lvMessage {
	t.Helper()
	m, ok := s.within(15 * time.Second)
	if !ok {
		t.Fatal("no message within 15s")
	}
	return m
}

// event decodes the next message, which must be an event, into out.
func (s *lvStream) event(t *testing.T, out any) {
	t.Helper()
	m := s.next(t)
	if m.Type != "next" || len(m.Codes) > 0 {
		t.Fatalf("want an event, got %s %v %s", m.Type, m.Codes, m.Data)
	}
	if err := json.Unmarshal(m.Data, out); err != nil {
		t.Fatalf("event %s: %v", m.Data, err)
	}
}

// refused returns the code of the subscription's one error.
func (s *lvStream) refused(t *testing.T) string {
	t.Helper()
	m := s.next(t)
	if len(m.Codes) != 1 {
		t.Fatalf("want one error, got %s %v %s", m.Type, m.Codes, m.Data)
	}
	return m.Codes[0]
}

// lvWarm repeats change until every stream has delivered an event, so that all are
// live (a change made before the server subscribed is lost), and returns what each
// delivered, in order.
func lvWarm(t *testing.T, change func(), streams ...*lvStream) [][]lvMessage {
	t.Helper()
	got := make([][]lvMessage, len(streams))
	for round := 0; ; round++ {
		if round == 30 {
			t.Fatal("the subscriptions never delivered")
		}
		change()
		done := true
		for i, s := range streams {
			for len(got[i]) == 0 {
				m, ok := s.within(500 * time.Millisecond)
				if !ok {
					done = false
					break
				}
				if m.Type != "next" || len(m.Codes) > 0 {
					t.Fatalf("stream %d: %s %v %s", i, m.Type, m.Codes, m.Data)
				}
				got[i] = append(got[i], m)
			}
		}
		if done {
			return got
		}
	}
}

// qfExpertIn signs up an expert in subject and has the admin approve them.
func (w *azWorld) qfExpertIn(t *testing.T, subjects ...string) *azAccount {
	t.Helper()
	email := fmt.Sprintf("lv%d@example.com", w.seq.Add(1))
	in := map[string]any{"email": email, "password": azPassword, "displayName": "Expert " + email,
		"expert": map[string]any{"subjects": subjects, "bio": "Teaches " + strings.Join(subjects, " and ") + "."}}
	var out struct{ Register azTokens }
	w.mustGQL(t, "", `mutation($in: RegisterInput!) { register(input: $in) `+azAuthPayload+` }`,
		map[string]any{"in": in}, &out)
	return w.approve(t, w.callers[azAdmin], w.account(t, email, out.Register))
}

// qfSubmitIn buys the price of a NORMAL question in subject for client and submits one.
func (w *azWorld) qfSubmitIn(t *testing.T, client *azAccount, subject string) string {
	t.Helper()
	w.wfBuy(t, client.Token, qfPrice, fmt.Sprint(w.seq.Add(1), "-", subject))
	var out struct{ SubmitQuestion struct{ ID string } }
	w.mustGQL(t, client.Token, `mutation($in: SubmitQuestionInput!) { submitQuestion(input: $in) { id } }`, map[string]any{"in": map[string]any{
		"subject": subject, "title": "About " + subject, "body": "Explain it.",
		"urgency": "NORMAL", "idempotencyKey": fmt.Sprint("lv-", w.seq.Add(1))}}, &out)
	return out.SubmitQuestion.ID
}

// jsonInto decodes raw into out.
func jsonInto(raw json.RawMessage, out any) error { return json.Unmarshal(raw, out) }
