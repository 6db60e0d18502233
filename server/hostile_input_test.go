package main

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"backbone/ent/user"
	"backbone/internal/auth/token"
)

// hostileKeys is the signing key of the hostile-input server, so that the test can forge
// expired tokens with the right key and well-formed tokens with the wrong one.
const hostileKeys = "k1:hostile-input-test-secret-0123456789abcdef"

// TestHostileInputGetsAClearCodeAndTheServerKeepsServing sends a barrage of hostile input;
// each gets a clear 4xx or error code and nothing else (no 500, no INTERNAL, no panic, no
// row stored), and the server is healthy afterwards.
func TestHostileInputGetsAClearCodeAndTheServerKeepsServing(t *testing.T) {
	t.Parallel()
	w := newAzWorld(t, map[string]string{"JWT_KEYS": hostileKeys})
	t.Run("barrage", func(t *testing.T) {
		t.Run("bearer tokens", func(t *testing.T) { t.Parallel(); hostileTokens(t, w) })
		t.Run("api keys", func(t *testing.T) { t.Parallel(); hostileAPIKeys(t, w) })
		t.Run("bodies", func(t *testing.T) { t.Parallel(); hostileBodies(t, w) })
		t.Run("register fields", func(t *testing.T) { t.Parallel(); hostileRegister(t, w) })
		t.Run("invalid utf-8", func(t *testing.T) { t.Parallel(); hostileUTF8(t, w) })
		t.Run("NUL bytes", func(t *testing.T) { t.Parallel(); hostileNUL(t, w) })
		t.Run("complexity", func(t *testing.T) { t.Parallel(); hostileComplexity(t, w) })
		t.Run("node ids", func(t *testing.T) { t.Parallel(); hostileNodeIDs(t, w) })
		t.Run("cursors", func(t *testing.T) { t.Parallel(); hostileCursors(t, w) })
	})
	if status := w.ts.getJSON(t, "/healthz", nil); status != http.StatusOK {
		t.Errorf("/healthz after the barrage: %d", status)
	}
	if _, r := w.gql(t, w.token(azClient), `{ me { id } }`, nil); len(r.Errors) > 0 {
		t.Errorf("me after the barrage: %s", r.codes())
	}
	if logs := w.ts.logs.String(); strings.Contains(logs, "panic") || strings.Contains(logs, "internal error") {
		t.Errorf("the server logged a panic or an internal error:\n%s", logs)
	}
}

// hostileWant checks that a GraphQL answer is exactly one error with code, and no 5xx.
func hostileWant(t *testing.T, what string, status int, r gqlResponse, code string) {
	t.Helper()
	if status >= 500 {
		t.Errorf("%s: status %d", what, status)
	}
	if len(r.Errors) != 1 || r.codes() != code {
		t.Errorf("%s: status %d, codes %q, want one %s: %v", what, status, r.codes(), code, r.Errors)
	}
}

func hostileTokens(t *testing.T, w *azWorld) {
	keys, err := token.ParseKeys(hostileKeys)
	if err != nil {
		t.Fatal(err)
	}
	client := w.callers[azClient]
	forge := func(keys *token.KeySet, now time.Time) string {
		iss := &token.Issuer{Keys: keys, Issuer: "backbone", Audience: "backbone-api", TTL: 15 * time.Minute,
			Now: func() time.Time { return now }}
		tok, _, err := iss.Issue(client.UUID.String(), "ADMIN", uuid.NewString())
		if err != nil {
			t.Fatal(err)
		}
		return tok
	}
	otherKeys, _ := token.ParseKeys("k1:another-secret-of-enough-length-0123456789")
	valid := forge(keys, time.Now())
	// The control: a token forged with the right key is accepted, so the refusals below
	// are about what is wrong with each token.
	if _, r := w.gql(t, valid, `{ me { id } }`, nil); len(r.Errors) > 0 {
		t.Fatalf("a correctly signed token is refused: %s", r.codes())
	}
	parts := strings.Split(valid, ".")
	header := func(alg string) string {
		return base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"` + alg + `","typ":"JWT","kid":"k1"}`))
	}
	tests := map[string]string{
		"not a JWT":               "Bearer not-a-token",
		"two segments":            "Bearer " + parts[0] + "." + parts[1],
		"garbage segments":        "Bearer %%%.$$$.***",
		"no token after Bearer":   "Bearer ",
		"another scheme":          "Basic dXNlcjpwYXNz",
		"expired":                 "Bearer " + forge(keys, time.Now().Add(-2*time.Hour)),
		"signed with another key": "Bearer " + forge(otherKeys, time.Now()),
		"alg none":                "Bearer " + header("none") + "." + parts[1] + ".",
		"RS256 header":            "Bearer " + header("RS256") + "." + parts[1] + "." + parts[2],
		"HS512 header":            "Bearer " + header("HS512") + "." + parts[1] + "." + parts[2],
		"tampered claims":         "Bearer " + parts[0] + "." + parts[1] + "x." + parts[2],
		"10 KB token":             "Bearer " + strings.Repeat("a", 10<<10) + "." + parts[1] + "." + parts[2],
		"binary":                  "Bearer \xff\xfe\xfd",
	}
	for name, value := range tests {
		req := hostileRequest(t, w, []byte(`{"query":"{ me { id } }"}`))
		req.Header.Set("Authorization", value)
		status, r := w.ts.do(t, req)
		hostileWant(t, name, status, r, "UNAUTHENTICATED")
		// A refused token does not stop public fields.
		req = hostileRequest(t, w, []byte(`{"query":"{ serverInfo { version } }"}`))
		req.Header.Set("Authorization", value)
		if status, r := w.ts.do(t, req); status != http.StatusOK || len(r.Errors) > 0 {
			t.Errorf("%s: public field refused: %d %s", name, status, r.codes())
		}
	}
}

func hostileAPIKeys(t *testing.T, w *azWorld) {
	for name, value := range map[string]string{
		"garbage":           "garbage",
		"right shape":       "bb_live_abcdefgh_" + strings.Repeat("x", 43),
		"unknown prefix":    "bb_live_zzzzzzzz_secretsecretsecret",
		"10 KB":             strings.Repeat("k", 10<<10),
		"unicode":           "bb_live_ключ_секрет",
		"separators only":   "____",
		"bearer in api key": "Bearer " + w.token(azClient),
		"sql in api key":    "bb_live_' OR 1=1 --_x",
	} {
		req := hostileRequest(t, w, []byte(`{"query":"{ me { id } }"}`))
		req.Header.Set("X-API-Key", value)
		status, r := w.ts.do(t, req)
		hostileWant(t, name, status, r, "UNAUTHENTICATED")
	}
}

// hostileRequest is a POST of raw bytes to /query from an address of its own.
func hostileRequest(t *testing.T, w *azWorld, body []byte) *http.Request {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, w.ts.URL+"/query", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/graphql-response+json")
	n := w.seq.Add(1)
	req.Header.Set("X-Forwarded-For", fmt.Sprintf("10.200.%d.%d", n>>8&255, n&255))
	return req
}

// hostileRaw sends raw bytes and returns the status and body, whatever they are.
func hostileRaw(t *testing.T, w *azWorld, body []byte) (int, []byte) {
	t.Helper()
	resp, err := http.DefaultClient.Do(hostileRequest(t, w, body))
	if err != nil {
		t.Fatalf("POST /query: %v", err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, raw
}

// hostileStored counts the users whose email starts with prefix.
func hostileStored(t *testing.T, w *azWorld, prefix string) int {
	t.Helper()
	n, err := w.db.User.Query().Where(user.EmailHasPrefix(prefix)).Count(w.system())
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// hostileJSON marshals v for a request body.
func hostileJSON(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
