package main

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"backbone/ent/privacy"
	"backbone/ent/user"
	"backbone/internal/db"
	"backbone/internal/testenv"
)

// testJWTSecret signs the access tokens of the auth tests' servers.
const testJWTSecret = "backbone-e2e-test-secret-0123456789abcdef"

// testDataKeys is a DATA_ENCRYPTION_KEYS value for tests that run in production mode.
const testDataKeys = "test1:MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY="

// testPassword passes the strength policy; tests give every account the same one.
const testPassword = "correct horse battery staple 42"

// authEnv is a PostgreSQL server configuration with a fixed JWT secret. Loopback is a
// trusted proxy so that each test can present its own client IP (X-Forwarded-For) and
// never shares a rate-limit budget with another test.
func authEnv(t *testing.T) map[string]string {
	return map[string]string{
		"DATABASE_URL":    testenv.NewPostgresDB(t),
		"JWT_SECRET":      testJWTSecret,
		"TRUSTED_PROXIES": "127.0.0.1/32",
		// A deployment's own namespace, as its own database: with REDIS_URL, memo entries
		// (settings, stats) and bus channels are the deployment's, never another test's.
		"NAMESPACE": testenv.RandomName("t-"),
	}
}

// api talks to one server as one client machine (one IP address).
type api struct {
	ts *testServer
	ip string
}

// newAPI returns a client of ts with a random IP of its own (TEST-NET and private ranges).
func newAPI(ts *testServer) *api {
	var b [3]byte
	_, _ = rand.Read(b[:])
	return &api{ts: ts, ip: fmt.Sprintf("10.%d.%d.%d", b[0], b[1], b[2])}
}

// on returns a client of another server from the same IP.
func (a *api) on(ts *testServer) *api { return &api{ts: ts, ip: a.ip} }

// call sends a GraphQL request with credentials ("Bearer x", "key:x" or "") and returns
// the response; a 5xx status fails the test.
func (a *api) call(t *testing.T, cred, query string, vars map[string]any) gqlResponse {
	t.Helper()
	h := http.Header{"X-Forwarded-For": {a.ip}}
	switch {
	case strings.HasPrefix(cred, "key:"):
		h.Set("X-API-Key", strings.TrimPrefix(cred, "key:"))
	case cred != "":
		h.Set("Authorization", cred)
	}
	status, r := a.ts.post(t, query, vars, h)
	if status >= 500 {
		t.Fatalf("status %d for %.80s: %+v", status, query, r.Errors)
	}
	return r
}

// ok runs a request that must succeed and decodes its data into out (when not nil).
func (a *api) ok(t *testing.T, cred, query string, vars map[string]any, out any) {
	t.Helper()
	r := a.call(t, cred, query, vars)
	if len(r.Errors) > 0 {
		t.Fatalf("%.80s: unexpected errors %+v", query, r.Errors)
	}
	if out != nil {
		if err := json.Unmarshal(r.Data, out); err != nil {
			t.Fatalf("decode %s: %v", r.Data, err)
		}
	}
}

// fail runs a request that must fail with code and returns the first error's extensions.
func (a *api) fail(t *testing.T, code, cred, query string, vars map[string]any) map[string]any {
	t.Helper()
	r := a.call(t, cred, query, vars)
	return wantCode(t, r, code)
}

// wantCode checks that r failed with code first and returns that error's extensions.
func wantCode(t *testing.T, r gqlResponse, code string) map[string]any {
	t.Helper()
	if len(r.Errors) == 0 || r.Errors[0].Extensions["code"] != code {
		t.Fatalf("want %s, got errors [%s] %+v data %s", code, r.codes(), r.Errors, r.Data)
	}
	return r.Errors[0].Extensions
}

// bearer makes an Authorization value.
func bearer(tok string) string { return "Bearer " + tok }

// tokens is an AuthPayload as the tests read it.
type tokens struct {
	AccessToken  string
	RefreshToken string
	User         gqlUser
}

// gqlUser is a User as the tests read it.
type gqlUser struct {
	ID, Email, DisplayName, Role, Status string
	ExpertStatus                         *string
}

const authPayloadFields = `accessToken refreshToken user { id email displayName role status expertStatus }`

const registerMutation = `mutation($in: RegisterInput!) { register(input: $in) { ` + authPayloadFields + ` } }`

const loginMutation = `mutation($e: String!, $p: String!) { login(email: $e, password: $p) { ` + authPayloadFields + ` } }`

const refreshMutation = `mutation($r: String!) { refreshSession(refreshToken: $r) { ` + authPayloadFields + ` } }`

const meQuery = `{ me { id email role status } }`

// uniqueEmail returns a fresh address under a test-specific tag.
func uniqueEmail(tag string) string { return testenv.RandomName(tag+"-") + "@example.com" }

// register creates a client account and returns its first session.
func (a *api) register(t *testing.T, email string) tokens {
	t.Helper()
	var out struct{ Register tokens }
	a.ok(t, "", registerMutation, map[string]any{"in": map[string]any{
		"email": email, "password": testPassword, "displayName": "Tester " + email[:6],
	}}, &out)
	return out.Register
}

// registerVerified registers a client and verifies its address through the emailed link,
// as a client must before buying credits or asking.
func (a *api) registerVerified(t *testing.T, email string) tokens {
	t.Helper()
	s := a.register(t, email)
	a.ts.verifyByEmail(t, email, a.ip)
	return s
}

// login signs in and returns a new session.
func (a *api) login(t *testing.T, email, pw string) tokens {
	t.Helper()
	var out struct{ Login tokens }
	a.ok(t, "", loginMutation, map[string]any{"e": email, "p": pw}, &out)
	return out.Login
}

// refresh exchanges a refresh token.
func (a *api) refresh(t *testing.T, rt string) tokens {
	t.Helper()
	var out struct{ RefreshSession tokens }
	a.ok(t, "", refreshMutation, map[string]any{"r": rt}, &out)
	return out.RefreshSession
}

// me returns the caller's account, failing the test on any error.
func (a *api) me(t *testing.T, cred string) gqlUser {
	t.Helper()
	var out struct{ Me gqlUser }
	a.ok(t, cred, meQuery, nil, &out)
	return out.Me
}

// refused waits up to a few seconds for cred to be refused with UNAUTHENTICATED and
// returns the refusal's reason.
func (a *api) refused(t *testing.T, cred string) string {
	t.Helper()
	var last gqlResponse
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		last = a.call(t, cred, meQuery, nil)
		if len(last.Errors) > 0 {
			ext := wantCode(t, last, "UNAUTHENTICATED")
			reason, _ := ext["reason"].(string)
			return reason
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("credentials still accepted after 5s: %s", last.Data)
	return ""
}

// rawID decodes a User global id ("User:<uuid>", base64url) to the database id.
func rawID(t *testing.T, gid string) uuid.UUID {
	t.Helper()
	b, err := base64.RawURLEncoding.DecodeString(gid)
	if err != nil {
		t.Fatalf("global id %q: %v", gid, err)
	}
	_, raw, _ := strings.Cut(string(b), ":")
	id, err := uuid.Parse(raw)
	if err != nil {
		t.Fatalf("global id %q: %v", gid, err)
	}
	return id
}

// makeAdmin writes the ADMIN role into the database, as an operator makes the first admin,
// and signs the user in again so that the new role is in the token.
func (a *api) makeAdmin(t *testing.T, databaseURL, email string) tokens {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	d, err := db.Open(ctx, databaseURL, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	u := a.login(t, email, testPassword).User
	err = d.Client.User.UpdateOneID(rawID(t, u.ID)).SetRole(user.RoleADMIN).
		Exec(privacy.DecisionContext(ctx, privacy.Allow))
	if err != nil {
		t.Fatal(err)
	}
	admin := a.login(t, email, testPassword)
	if admin.User.Role != "ADMIN" {
		t.Fatalf("role after the database write: %s", admin.User.Role)
	}
	return admin
}
