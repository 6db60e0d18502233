package main

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/google/uuid"

	"backbone/ent"
	"backbone/ent/privacy"
	"backbone/ent/user"
	"backbone/internal/db"
	"backbone/internal/testenv"
)

// azCaller names one of the six callers of the authorization table.
type azCaller string

const (
	azAnonymous azCaller = "anonymous"
	azClient    azCaller = "client"
	azClient2   azCaller = "client2"
	azExpert    azCaller = "expert"
	azPending   azCaller = "pendingExpert"
	azAdmin     azCaller = "admin"
)

// azCallers are every caller, in the order the table reports them.
var azCallers = []azCaller{azAnonymous, azClient, azClient2, azExpert, azPending, azAdmin}

// azPassword passes the strength check and is shared by every account of the test.
const azPassword = "tundra-lantern-orbit-Vq8!"

// azAccount is a signed-in user of the test.
type azAccount struct {
	ID      string // global id
	UUID    uuid.UUID
	Email   string
	Token   string
	Refresh string
}

// azWorld is a real server on its own PostgreSQL database, the ent client on that same
// database, and the signed-in callers.
type azWorld struct {
	ts      *testServer
	db      *ent.Client
	seq     atomic.Int64
	callers map[azCaller]*azAccount // anonymous has none
	// verifyInDatabase: register marks clients verified in the database (see verify).
	verifyInDatabase bool
}

// newAzWorld starts the server with env (plus its own PostgreSQL database, unless env
// names one) and signs up the five users: two clients, an approved expert, a pending
// expert and an admin.
func newAzWorld(t *testing.T, env map[string]string) *azWorld {
	t.Helper()
	url := env["DATABASE_URL"]
	if url == "" {
		url = testenv.NewPostgresDB(t)
	}
	// Every request comes from its own X-Forwarded-For address, so that the per-IP
	// register and login budgets do not throttle a test that signs up dozens of users.
	env = withDefaults(env, map[string]string{"DATABASE_URL": url, "TRUSTED_PROXIES": "127.0.0.1/32"})
	w := &azWorld{ts: startServer(t, env)}
	// Without its own workers, or with emails going to an SMTP server, the server writes no
	// verification email into MAIL_DIR for register to open.
	w.verifyInDatabase = env["RUN_WORKERS"] == "false" || env["SMTP_URL"] != ""
	d, err := db.Open(context.Background(), url, nil)
	if err != nil {
		t.Fatalf("open database: %v", err)
	}
	t.Cleanup(func() { _ = d.Close() })
	w.db = d.Client
	admin := w.newAdmin(t)
	w.callers = map[azCaller]*azAccount{
		azClient:  w.register(t, false),
		azClient2: w.register(t, false),
		azExpert:  w.approve(t, admin, w.register(t, true)),
		azPending: w.register(t, true),
		azAdmin:   admin,
	}
	return w
}

// token is the caller's access token, or "" for the anonymous caller.
func (w *azWorld) token(c azCaller) string {
	if a := w.callers[c]; a != nil {
		return a.Token
	}
	return ""
}

// newAddress is a request header naming a client address of its own, so that the
// per-address limits (sign-in, the anonymous rate budget, websocket handshakes) do not
// throttle a test that makes hundreds of requests.
func (w *azWorld) newAddress() http.Header {
	n := w.seq.Add(1)
	return http.Header{"X-Forwarded-For": {fmt.Sprintf("10.%d.%d.%d", n>>16&255, n>>8&255, n&255)}}
}

// gql posts an operation with token (if any) from an address of its own.
func (w *azWorld) gql(t *testing.T, token, query string, vars map[string]any) (int, gqlResponse) {
	t.Helper()
	h := w.newAddress()
	if token != "" {
		h.Set("Authorization", "Bearer "+token)
	}
	return w.ts.post(t, query, vars, h)
}

// mustGQL posts an operation that must succeed and decodes its data into out.
func (w *azWorld) mustGQL(t *testing.T, token, query string, vars map[string]any, out any) {
	t.Helper()
	status, r := w.gql(t, token, query, vars)
	if status != http.StatusOK || len(r.Errors) > 0 {
		t.Fatalf("%s: status %d, errors %s %v", firstLine(query), status, r.codes(), r.Errors)
	}
	if err := json.Unmarshal(r.Data, out); err != nil {
		t.Fatalf("%s: decode %s: %v", firstLine(query), r.Data, err)
	}
}

const azAuthPayload = `{ accessToken refreshToken user { id } }`

type azTokens struct {
	AccessToken, RefreshToken string
	User                      struct{ ID string }
}

// register signs up a fresh client, or a fresh expert applicant when expert is set.
func (w *azWorld) register(t *testing.T, expert bool) *azAccount {
	t.Helper()
	email := fmt.Sprintf("az%d@example.com", w.seq.Add(1))
	in := map[string]any{"email": email, "password": azPassword, "displayName": "Az " + email}
	if expert {
		in["expert"] = map[string]any{"subjects": []string{"physics"}, "bio": "Teaches physics."}
	}
	var out struct{ Register azTokens }
	w.mustGQL(t, "", `mutation($in: RegisterInput!) { register(input: $in) `+azAuthPayload+` }`,
		map[string]any{"in": in}, &out)
	if !expert { // clients verify their address before they buy or ask
		w.verify(t, email)
	}
	return w.account(t, email, out.Register)
}

// verify marks a new client's address verified: through the emailed link, as its owner
// would, when this process's server writes the email into MAIL_DIR; otherwise in the
// database, as newAdmin makes admins.
func (w *azWorld) verify(t *testing.T, email string) {
	t.Helper()
	if !w.verifyInDatabase && w.ts.mailDir != "" {
		n := w.seq.Add(1)
		w.ts.verifyByEmail(t, email, fmt.Sprintf("10.%d.%d.%d", n>>16&255, n>>8&255, n&255))
		return
	}
	if err := w.db.User.Update().Where(user.Email(email)).SetEmailVerified(true).Exec(privacy.DecisionContext(context.Background(), privacy.Allow)); err != nil {
		t.Fatalf("verify %s in the database: %v", email, err)
	}
}

// login opens a new session of email.
func (w *azWorld) login(t *testing.T, email string) *azAccount {
	t.Helper()
	var out struct{ Login azTokens }
	w.mustGQL(t, "", `mutation($e: String!, $p: String!) { login(email: $e, password: $p) `+azAuthPayload+` }`,
		map[string]any{"e": email, "p": azPassword}, &out)
	return w.account(t, email, out.Login)
}

func (w *azWorld) account(t *testing.T, email string, tok azTokens) *azAccount {
	t.Helper()
	return &azAccount{ID: tok.User.ID, UUID: azUUID(t, tok.User.ID), Email: email, Token: tok.AccessToken, Refresh: tok.RefreshToken}
}

// newAdmin registers a client, makes it an admin in the database and signs it in again,
// so that its token carries the ADMIN role.
func (w *azWorld) newAdmin(t *testing.T) *azAccount {
	t.Helper()
	a := w.register(t, false)
	if err := w.db.User.UpdateOneID(a.UUID).SetRole(user.RoleADMIN).Exec(w.system()); err != nil {
		t.Fatalf("make admin: %v", err)
	}
	return w.login(t, a.Email)
}

// approve has admin approve the expert application of a.
func (w *azWorld) approve(t *testing.T, admin, a *azAccount) *azAccount {
	t.Helper()
	var out struct{ ApproveExpert struct{ ExpertStatus string } }
	w.mustGQL(t, admin.Token, `mutation($id: ID!) { approveExpert(userId: $id) { expertStatus } }`,
		map[string]any{"id": a.ID}, &out)
	if out.ApproveExpert.ExpertStatus != "APPROVED" {
		t.Fatalf("approveExpert: status %q", out.ApproveExpert.ExpertStatus)
	}
	return a
}

// fresh signs up a new account of the same kind as c (nil for anonymous), for rows that
// change the caller's own account.
func (w *azWorld) fresh(t *testing.T, c azCaller) *azAccount {
	t.Helper()
	switch c {
	case azClient, azClient2:
		return w.register(t, false)
	case azExpert:
		return w.approve(t, w.callers[azAdmin], w.register(t, true))
	case azPending:
		return w.register(t, true)
	case azAdmin:
		return w.newAdmin(t)
	}
	return nil
}

// subject creates a user straight in the database, for rows that act on another user;
// it never signs in.
func (w *azWorld) subject(t *testing.T, set func(*ent.UserCreate)) string {
	t.Helper()
	c := w.db.User.Create().SetEmail(fmt.Sprintf("subject%d@example.com", w.seq.Add(1))).
		SetDisplayName("Subject").SetPasswordHash("unusable")
	if set != nil {
		set(c)
	}
	u, err := c.Save(w.system())
	if err != nil {
		t.Fatalf("create subject: %v", err)
	}
	return base64.RawURLEncoding.EncodeToString([]byte("User:" + u.ID.String()))
}

// apiKey creates a key for owner and returns its global id.
func (w *azWorld) apiKey(t *testing.T, owner *azAccount) string {
	t.Helper()
	var out struct {
		CreateAPIKey struct{ APIKey struct{ ID string } }
	}
	w.mustGQL(t, owner.Token, `mutation { createApiKey(input: {name: "table", scopes: [READ]}) { apiKey { id } } }`, nil, &out)
	return out.CreateAPIKey.APIKey.ID
}

// system is a context that bypasses the privacy rules, for fixtures only.
func (w *azWorld) system() context.Context {
	return privacy.DecisionContext(context.Background(), privacy.Allow)
}

// azUUID decodes a global id ("Type:uuid" in base64url) to its uuid.
func azUUID(t *testing.T, gid string) uuid.UUID {
	t.Helper()
	raw, err := base64.RawURLEncoding.DecodeString(gid)
	_, id, ok := strings.Cut(string(raw), ":")
	u, perr := uuid.Parse(id)
	if err != nil || !ok || perr != nil {
		t.Fatalf("bad global id %q", gid)
	}
	return u
}

func firstLine(s string) string {
	s, _, _ = strings.Cut(strings.TrimSpace(s), "\n")
	return s
}

// liftQuestionLimit turns off the per-client hourly question limit (questionsPerHour) for
// tests whose client asks more questions than it allows.
func (w *azWorld) liftQuestionLimit(t *testing.T) {
	t.Helper()
	var set struct {
		UpdateSettings struct{ QuestionsPerHour int }
	}
	w.mustGQL(t, w.callers[azAdmin].Token, `mutation { updateSettings(input: {questionsPerHour: 0}) { questionsPerHour } }`, nil, &set)
}
