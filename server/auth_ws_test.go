package main

import (
	"errors"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"backbone/internal/auth/token"
	"backbone/internal/testenv"
)

// wsDial opens a graphql-transport-ws socket to ts and sends connection_init with the
// given Authorization value ("" sends no payload). It returns the first message, or the
// error that ended the socket instead.
func wsDial(t *testing.T, ts *testServer, authorization string) (*websocket.Conn, map[string]any, error) {
	t.Helper()
	dialer := websocket.Dialer{Subprotocols: []string{"graphql-transport-ws"}, HandshakeTimeout: 10 * time.Second}
	conn, _, err := dialer.Dial("ws"+strings.TrimPrefix(ts.URL, "http")+"/query", nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	init := map[string]any{"type": "connection_init"}
	if authorization != "" {
		init["payload"] = map[string]any{"Authorization": authorization}
	}
	mustWriteJSON(t, conn, init)
	msg, err := wsRead(conn, 10*time.Second)
	return conn, msg, err
}

// wsRead reads the next message that is not a keep-alive ping.
func wsRead(conn *websocket.Conn, limit time.Duration) (map[string]any, error) {
	_ = conn.SetReadDeadline(time.Now().Add(limit))
	for {
		var m map[string]any
		if err := conn.ReadJSON(&m); err != nil {
			return nil, err
		}
		if m["type"] != "ping" && m["type"] != "pong" {
			return m, nil
		}
	}
}

// wsAuthed opens a socket with token and requires connection_ack.
func wsAuthed(t *testing.T, ts *testServer, tok string) *websocket.Conn {
	t.Helper()
	conn, msg, err := wsDial(t, ts, bearer(tok))
	if err != nil || msg["type"] != "connection_ack" {
		t.Fatalf("want connection_ack, got %v %v", msg, err)
	}
	return conn
}

// wsMe runs { me { email } } over the socket and returns the email, or the error codes.
func wsMe(t *testing.T, conn *websocket.Conn) (email string, codes []string) {
	t.Helper()
	mustWriteJSON(t, conn, map[string]any{"id": "me", "type": "subscribe", "payload": map[string]any{"query": `{ me { email } }`}})
	msg, err := wsRead(conn, 10*time.Second)
	if err != nil {
		t.Fatalf("query over the socket: %v", err)
	}
	payload, _ := msg["payload"].(map[string]any)
	if data, ok := payload["data"].(map[string]any); ok && data["me"] != nil {
		email, _ = data["me"].(map[string]any)["email"].(string)
	}
	errList, _ := payload["errors"].([]any)
	if msg["type"] == "error" {
		errList, _ = msg["payload"].([]any)
	}
	for _, e := range errList {
		ext, _ := e.(map[string]any)["extensions"].(map[string]any)
		code, _ := ext["code"].(string)
		codes = append(codes, code)
	}
	if msg["type"] == "next" {
		if done, err := wsRead(conn, 10*time.Second); err != nil || done["type"] != "complete" {
			t.Fatalf("after next: %v %v", done, err)
		}
	}
	return email, codes
}

// wsClosed waits up to limit for the server to close the socket and returns the close
// frame's error; a socket still open, or dropped without a close frame, fails the test.
func wsClosed(t *testing.T, conn *websocket.Conn, limit time.Duration) *websocket.CloseError {
	t.Helper()
	deadline := time.Now().Add(limit)
	for {
		_, err := wsRead(conn, time.Until(deadline))
		if err == nil {
			continue
		}
		var ce *websocket.CloseError
		if errors.As(err, &ce) {
			return ce
		}
		var ne net.Error
		if errors.As(err, &ne) && ne.Timeout() {
			t.Fatalf("socket still open after %s", limit)
		}
		t.Fatalf("socket ended without a close frame: %v", err)
		return nil
	}
}

func TestWebsocketAuthentication(t *testing.T) {
	t.Parallel()
	a := newAPI(startServer(t, authEnv(t)))
	email := uniqueEmail("socket")
	s := a.register(t, email)

	t.Run("a valid token is acknowledged and the query sees the caller", func(t *testing.T) {
		conn := wsAuthed(t, a.ts, s.AccessToken)
		if got, codes := wsMe(t, conn); got != email || len(codes) > 0 {
			t.Errorf("me over the socket = %q %v, want %s", got, codes, email)
		}
	})

	// No subscription is @public: an anonymous socket would only hold a file descriptor.
	t.Run("no credentials close with 4401", func(t *testing.T) {
		_, msg, err := wsDial(t, a.ts, "")
		var ce *websocket.CloseError
		if !errors.As(err, &ce) || ce.Code != 4401 || !strings.Contains(ce.Text, "sign in") {
			t.Errorf("want close 4401 asking to sign in, got message %v, error %v", msg, err)
		}
	})

	keys, err := token.FromSecret(testJWTSecret)
	if err != nil {
		t.Fatal(err)
	}
	claims := claimsOf(t, s.AccessToken)
	expired, _, err := issuerAt(keys, time.Now().Add(-time.Hour)).Issue(claims["sub"].(string), "CLIENT", claims["sid"].(string))
	if err != nil {
		t.Fatal(err)
	}
	tampered := s.AccessToken[:len(s.AccessToken)-3] + "AAA"
	if tampered == s.AccessToken {
		tampered = s.AccessToken[:len(s.AccessToken)-3] + "BBB"
	}
	// An expired token closes as an open socket's does when it expires: the client
	// refreshes and connects again.
	t.Run("expired token closes with 4401", func(t *testing.T) {
		_, msg, err := wsDial(t, a.ts, bearer(expired))
		var ce *websocket.CloseError
		if !errors.As(err, &ce) || ce.Code != 4401 || ce.Text != "token expired" {
			t.Errorf("want close 4401 token expired, got message %v, error %v", msg, err)
		}
	})
	for name, authz := range map[string]string{
		"garbage token":      bearer("not-a-jwt"),
		"wrong scheme":       "Basic dXNlcjpwYXNz",
		"tampered signature": bearer(tampered),
	} {
		t.Run(name+" closes with 4403", func(t *testing.T) {
			_, msg, err := wsDial(t, a.ts, authz)
			var ce *websocket.CloseError
			if !errors.As(err, &ce) || ce.Code != 4403 {
				t.Errorf("want close 4403, got message %v, error %v", msg, err)
			}
		})
	}
}

// revocationCase is a way to end a user's sessions while a socket of theirs is open.
type revocationCase struct {
	name string
	end  func(t *testing.T, a *api, admin, victim tokens)
}

var revocationCases = []revocationCase{
	{"suspension by an admin", func(t *testing.T, a *api, admin, victim tokens) {
		a.ok(t, bearer(admin.AccessToken), suspendMutation, map[string]any{"id": victim.User.ID}, nil)
	}},
	{"logout everywhere from another session", func(t *testing.T, a *api, _, victim tokens) {
		other := a.login(t, victim.User.Email, testPassword)
		a.ok(t, bearer(other.AccessToken), logoutMutation, map[string]any{"all": true}, nil)
	}},
}

func TestWebsocketClosedWhenSessionEnds(t *testing.T) {
	t.Parallel()
	env := authEnv(t)
	a := newAPI(startServer(t, env))
	admin := a.makeAdmin(t, env["DATABASE_URL"], a.register(t, uniqueEmail("boss")).User.Email)
	for _, tc := range revocationCases {
		t.Run(tc.name, func(t *testing.T) {
			victim := a.register(t, uniqueEmail("victim"))
			conn := wsAuthed(t, a.ts, victim.AccessToken)
			bystander := wsAuthed(t, a.ts, a.login(t, admin.User.Email, testPassword).AccessToken)
			if email, _ := wsMe(t, conn); email != victim.User.Email {
				t.Fatalf("socket not working before the revocation: me = %q", email)
			}
			tc.end(t, a, admin, victim)
			if ce := wsClosed(t, conn, 5*time.Second); ce.Code != 4403 {
				t.Errorf("close code %d %q, want 4403", ce.Code, ce.Text)
			}
			if email, codes := wsMe(t, bystander); email != admin.User.Email || len(codes) > 0 {
				t.Errorf("another user's socket: me = %q %v", email, codes)
			}
		})
	}
}

func TestWebsocketClosedWhenTokenExpires(t *testing.T) {
	t.Parallel()
	a := newAPI(startServer(t, authEnv(t)))
	s := a.register(t, uniqueEmail("expiring"))
	keys, err := token.FromSecret(testJWTSecret)
	if err != nil {
		t.Fatal(err)
	}
	// Issued long enough ago that it has two seconds left to live, leeway included.
	claims := claimsOf(t, s.AccessToken)
	short, _, err := issuerAt(keys, time.Now().Add(-15*time.Minute-token.DefaultLeeway+2*time.Second)).
		Issue(claims["sub"].(string), "CLIENT", claims["sid"].(string))
	if err != nil {
		t.Fatal(err)
	}
	conn := wsAuthed(t, a.ts, short)
	if email, _ := wsMe(t, conn); email == "" {
		t.Fatal("socket not working before the token expired")
	}
	if ce := wsClosed(t, conn, 10*time.Second); ce.Code != 4401 {
		t.Errorf("close code %d %q, want 4401", ce.Code, ce.Text)
	}
}

func TestWebsocketClosedAcrossInstances(t *testing.T) {
	t.Parallel()
	env := authEnv(t)
	env["REDIS_URL"] = testenv.NeedRedis(t)
	instA := newAPI(startServer(t, env))
	instB := instA.on(startServer(t, env))
	admin := instB.makeAdmin(t, env["DATABASE_URL"], instB.register(t, uniqueEmail("boss")).User.Email)
	for _, tc := range revocationCases {
		t.Run(tc.name, func(t *testing.T) {
			victim := instA.register(t, uniqueEmail("victim"))
			conn := wsAuthed(t, instA.ts, victim.AccessToken)
			if email, _ := wsMe(t, conn); email != victim.User.Email {
				t.Fatalf("socket not working before the revocation: me = %q", email)
			}
			tc.end(t, instB, admin, victim)
			if ce := wsClosed(t, conn, 5*time.Second); ce.Code != 4403 {
				t.Errorf("close code %d %q, want 4403", ce.Code, ce.Text)
			}
			if reason := instA.refused(t, bearer(victim.AccessToken)); reason != "revoked" {
				t.Errorf("instance A still takes the token: reason %q", reason)
			}
		})
	}
}

func TestHeaderAuthenticatedWebsocketIsClosedWhenItsSessionEnds(t *testing.T) {
	t.Parallel()
	env := authEnv(t)
	a := newAPI(startServer(t, env))
	admin := a.makeAdmin(t, env["DATABASE_URL"], a.register(t, uniqueEmail("boss")).User.Email)
	victim := a.register(t, uniqueEmail("victim"))

	dialer := websocket.Dialer{Subprotocols: []string{"graphql-transport-ws"}, HandshakeTimeout: 10 * time.Second}
	h := http.Header{"Authorization": {bearer(victim.AccessToken)}}
	conn, _, err := dialer.Dial("ws"+strings.TrimPrefix(a.ts.URL, "http")+"/query", h)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	mustWriteJSON(t, conn, map[string]any{"type": "connection_init"})
	if m, err := wsRead(conn, 10*time.Second); err != nil || m["type"] != "connection_ack" {
		t.Fatalf("ack: %v %v", m, err)
	}
	if email, _ := wsMe(t, conn); email != victim.User.Email {
		t.Fatalf("the header's token was not used: me = %q", email)
	}
	revocationCases[0].end(t, a, admin, victim)
	if ce := wsClosed(t, conn, 5*time.Second); ce.Code != 4403 {
		t.Errorf("close code %d %q, want 4403", ce.Code, ce.Text)
	}
}

// A logout sent over the socket ends the session the socket runs on: the socket closes
// with 4403, but only after the logout's own result has been sent.
func TestLogoutOverTheSocketIsAnsweredBeforeItCloses(t *testing.T) {
	t.Parallel()
	a := newAPI(startServer(t, authEnv(t)))
	s := a.register(t, uniqueEmail("leaving"))
	conn := wsAuthed(t, a.ts, s.AccessToken)
	mustWriteJSON(t, conn, map[string]any{"id": "bye", "type": "subscribe",
		"payload": map[string]any{"query": logoutMutation, "variables": map[string]any{"all": false}}})
	msg, err := wsRead(conn, 10*time.Second)
	if err != nil {
		t.Fatalf("no result before the socket ended: %v", err)
	}
	payload, _ := msg["payload"].(map[string]any)
	data, _ := payload["data"].(map[string]any)
	if msg["type"] != "next" || msg["id"] != "bye" || data["logout"] != true {
		t.Fatalf("want the logout's result, got %v", msg)
	}
	if done, err := wsRead(conn, 10*time.Second); err != nil || done["type"] != "complete" {
		t.Fatalf("after the result: %v %v", done, err)
	}
	if ce := wsClosed(t, conn, 10*time.Second); ce.Code != 4403 {
		t.Errorf("close code %d %q, want 4403", ce.Code, ce.Text)
	}
	if reason := a.refused(t, bearer(s.AccessToken)); reason != "revoked" {
		t.Errorf("the token still works after the logout: reason %q", reason)
	}
}
