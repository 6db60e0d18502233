package main

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"backbone/internal/config"
)

// costlyQuery asks for 76 pages of 100 questions: 76 × (1 + 100 × 3) = 22,876, though
// it has only 304 fields (the old count, under the old limit of 1,000).
var costlyQuery = func() string {
	var b strings.Builder
	b.WriteString("query Costly {")
	for i := range 76 {
		b.WriteString(" q" + itoa(i) + ": myQuestions(first: 100) { edges { node { id } } }")
	}
	return b.String() + " }"
}()

const (
	costlyCost    = 76 * (1 + 100*3)
	trustedMe     = "query Me { me { email } }"
	untrustedText = "query Unknown { me { id } }"
)

func hexSHA256(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}

// transportSend runs one request body over one transport as tok and returns the first
// result (or websocket error message).
type transportSend func(t *testing.T, ts *testServer, tok string, body map[string]any) gqlResponse

var costTransports = []struct {
	name string
	send transportSend
}{
	{"POST", func(t *testing.T, ts *testServer, tok string, body map[string]any) gqlResponse {
		raw, _ := json.Marshal(body)
		req, _ := http.NewRequest(http.MethodPost, ts.URL+"/query", bytes.NewReader(raw))
		req.Header.Set("Content-Type", "application/json")
		return sendWithToken(t, ts, req, tok)
	}},
	{"GET", func(t *testing.T, ts *testServer, tok string, body map[string]any) gqlResponse {
		q := url.Values{}
		for k, v := range body {
			if s, ok := v.(string); ok {
				q.Set(k, s)
			} else {
				b, _ := json.Marshal(v)
				q.Set(k, string(b))
			}
		}
		req, _ := http.NewRequest(http.MethodGet, ts.URL+"/query?"+q.Encode(), nil)
		return sendWithToken(t, ts, req, tok)
	}},
	{"websocket", func(t *testing.T, ts *testServer, tok string, body map[string]any) gqlResponse {
		return wsOperationPayload(t, ts, "graphql-transport-ws", tok, body)
	}},
	{"SSE", func(t *testing.T, ts *testServer, tok string, body map[string]any) gqlResponse {
		raw, _ := json.Marshal(body)
		req, _ := http.NewRequest(http.MethodPost, ts.URL+"/query", bytes.NewReader(raw))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Accept", "text/event-stream")
		req.Header.Set("Authorization", bearer(tok))
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		s := &sseStream{res: res, read: bufio.NewReader(res.Body)}
		kind, data := s.event(t)
		var r gqlResponse
		if kind != "next" || json.Unmarshal([]byte(data), &r) != nil {
			t.Fatalf("SSE: status %d, event %s %s, want next", res.StatusCode, kind, data)
		}
		return r
	}},
}

func sendWithToken(t *testing.T, ts *testServer, req *http.Request, tok string) gqlResponse {
	t.Helper()
	req.Header.Set("Accept", "application/json")
	req.Header.Set("Authorization", bearer(tok))
	_, r := ts.do(t, req)
	return r
}

// TestCostAndTrustedDocumentsOnEveryTransport: over POST, GET, websockets and server-sent
// events, a connection costs its page size (a refusal says its cost and the limit), and a
// server that runs only trusted documents runs a manifest's operation by id and refuses
// free text and unknown ids.
func TestCostAndTrustedDocumentsOnEveryTransport(t *testing.T) {
	t.Parallel()
	manifest := map[string]any{"format": "apollo-persisted-query-manifest", "version": 1, "operations": []map[string]any{
		{"id": "register", "name": "Register", "type": "mutation", "body": registerMutation},
		{"id": hexSHA256(trustedMe), "name": "Me", "type": "query", "body": trustedMe},
		{"id": "costly", "name": "Costly", "type": "query", "body": costlyQuery},
	}}
	path := filepath.Join(t.TempDir(), "persisted-query-manifest.json")
	raw, _ := json.Marshal(manifest)
	if err := os.WriteFile(path, raw, 0o600); err != nil {
		t.Fatal(err)
	}
	trustedOnly := startServer(t, withDefaults(map[string]string{
		"PERSISTED_OPERATIONS_ONLY": "true", "PERSISTED_OPERATIONS_FILE": path}, embeddedEnv(t)))
	openServer := startServer(t, embeddedEnv(t))

	// Even signing up goes through the manifest.
	email := uniqueEmail("trusted")
	var reg struct{ Register tokens }
	_, r := trustedOnly.postRaw(t, map[string]any{"documentId": "register", "variables": map[string]any{"in": map[string]any{
		"email": email, "password": testPassword, "displayName": "Trusted"}}})
	if _ = json.Unmarshal(r.Data, &reg); reg.Register.AccessToken == "" {
		t.Fatalf("register by documentId: %s %v", r.Data, r.Errors)
	}
	tokens := map[*testServer]string{trustedOnly: reg.Register.AccessToken,
		openServer: newAPI(openServer).register(t, uniqueEmail("cost")).AccessToken}

	apq := func(q string) map[string]any {
		return map[string]any{"extensions": map[string]any{"persistedQuery": map[string]any{"version": 1, "sha256Hash": hexSHA256(q)}}}
	}
	limit := float64(config.DefaultComplexityLimit)
	tests := []struct {
		name string
		ts   *testServer
		body map[string]any
		code string // "" : the caller's email comes back
	}{
		{"trusted: by documentId", trustedOnly, map[string]any{"documentId": "sha256:" + hexSHA256(trustedMe)}, ""},
		{"trusted: by sha256Hash", trustedOnly, apq(trustedMe), ""},
		{"trusted: free text", trustedOnly, map[string]any{"query": trustedMe}, "PERSISTED_QUERY_ONLY"},
		{"trusted: unknown documentId", trustedOnly, map[string]any{"documentId": "sha256:" + hexSHA256(untrustedText)}, "PERSISTED_QUERY_NOT_FOUND"},
		{"trusted: unknown sha256Hash", trustedOnly, apq(untrustedText), "PERSISTED_QUERY_NOT_FOUND"},
		{"trusted: a costly document", trustedOnly, map[string]any{"documentId": "costly"}, "COMPLEXITY_LIMIT_EXCEEDED"},
		{"open: free text", openServer, map[string]any{"query": trustedMe}, ""},
		{"open: a costly query", openServer, map[string]any{"query": costlyQuery}, "COMPLEXITY_LIMIT_EXCEEDED"},
	}
	for _, tr := range costTransports {
		for _, tt := range tests {
			r := tr.send(t, tt.ts, tokens[tt.ts], tt.body)
			if tt.code == "" {
				if len(r.Errors) > 0 || !strings.Contains(string(r.Data), `"email"`) {
					t.Errorf("%s: %s: %s %v, want the caller's email", tr.name, tt.name, r.Data, r.Errors)
				}
				continue
			}
			if r.codes() != tt.code || len(r.Data) > 0 && string(r.Data) != "null" {
				t.Errorf("%s: %s: %s %v, want %s and no data", tr.name, tt.name, r.Data, r.Errors, tt.code)
				continue
			}
			if ext := r.Errors[0].Extensions; tt.code == "COMPLEXITY_LIMIT_EXCEEDED" && (ext["cost"] != float64(costlyCost) || ext["limit"] != limit) {
				t.Errorf("%s: %s: cost %v limit %v, want %d and %v", tr.name, tt.name, ext["cost"], ext["limit"], costlyCost, limit)
			}
		}
	}
}
