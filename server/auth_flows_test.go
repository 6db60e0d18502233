package main

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"backbone/internal/auth/token"
	"backbone/internal/testenv"
)

func TestRegister(t *testing.T) {
	t.Parallel()
	a := newAPI(startServer(t, authEnv(t)))
	input := func(email, pw string) map[string]any {
		return map[string]any{"in": map[string]any{"email": email, "password": pw, "displayName": "Ada"}}
	}

	t.Run("client account is signed in", func(t *testing.T) {
		email := uniqueEmail("client")
		s := a.register(t, email)
		if s.User.Role != "CLIENT" || s.User.Status != "ACTIVE" || s.User.ExpertStatus != nil {
			t.Errorf("new client: %+v", s.User)
		}
		if me := a.me(t, bearer(s.AccessToken)); me.Email != email || me.ID != s.User.ID {
			t.Errorf("me = %+v, want %s", me, email)
		}
	})

	t.Run("expert application is pending", func(t *testing.T) {
		var out struct{ Register tokens }
		a.ok(t, "", registerMutation, map[string]any{"in": map[string]any{
			"email": uniqueEmail("expert"), "password": testPassword, "displayName": "Grace",
			"expert": map[string]any{"subjects": []string{"Physics", "mathematics"}, "bio": "PhD, ten years of tutoring"},
		}}, &out)
		if st := out.Register.User.ExpertStatus; st == nil || *st != "PENDING" {
			t.Errorf("expertStatus = %v, want PENDING", st)
		}
	})

	// An expert applies for the platform's subjects, in any case, stored in the settings'
	// spelling as requestSubjects stores them; another subject (once stored, and approved,
	// though no question could ever have it) names the subjects field.
	t.Run("an expert's subjects are the platform's", func(t *testing.T) {
		var out struct {
			Register struct {
				User struct{ ExpertSubjects []string }
			}
		}
		a.ok(t, "", `mutation($in: RegisterInput!) { register(input: $in) { user { expertSubjects } } }`, map[string]any{"in": map[string]any{
			"email": uniqueEmail("cased"), "password": testPassword, "displayName": "Grace",
			"expert": map[string]any{"subjects": []string{"PHYSICS", " computer science ", "physics"}, "bio": "Tutor"},
		}}, &out)
		if got := out.Register.User.ExpertSubjects; strings.Join(got, ",") != "Physics,Computer Science" {
			t.Errorf("expertSubjects = %q, want Physics and Computer Science", got)
		}
		for _, subjects := range [][]string{{"Astrology"}, {"Physics", "Basket Weaving"}} {
			ext := a.fail(t, "BAD_USER_INPUT", "", registerMutation, map[string]any{"in": map[string]any{
				"email": uniqueEmail("astro"), "password": testPassword, "displayName": "Astro",
				"expert": map[string]any{"subjects": subjects, "bio": "Stars"},
			}})
			if ext["field"] != "subjects" {
				t.Errorf("subjects %q: field = %v, want subjects", subjects, ext["field"])
			}
		}
	})

	t.Run("duplicate email in any case is a conflict", func(t *testing.T) {
		email := uniqueEmail("dup")
		a.register(t, email)
		for _, again := range []string{email, strings.ToUpper(email), "  " + strings.ToUpper(email[:1]) + email[1:] + " "} {
			ext := a.fail(t, "CONFLICT", "", registerMutation, input(again, testPassword))
			if ext["field"] != "email" {
				t.Errorf("%q: field = %v, want email", again, ext["field"])
			}
		}
	})

	t.Run("weak password names the password field", func(t *testing.T) {
		for _, pw := range []string{"short", "password", "12345678", "aaaaaaaaaaaa", strings.Repeat("x", 200)} {
			ext := a.fail(t, "BAD_USER_INPUT", "", registerMutation, input(uniqueEmail("weak"), pw))
			if ext["field"] != "password" {
				t.Errorf("password %.20q: field = %v, want password", pw, ext["field"])
			}
		}
	})

	t.Run("invalid email names the email field", func(t *testing.T) {
		for _, email := range []string{"", "not-an-email", "a@b", "Ada <ada@example.com>", "ada@@example.com", strings.Repeat("a", 250) + "@example.com"} {
			ext := a.fail(t, "BAD_USER_INPUT", "", registerMutation, input(email, testPassword))
			if ext["field"] != "email" {
				t.Errorf("email %.30q: field = %v, want email", email, ext["field"])
			}
		}
	})
}

// TestAnAddressInAnotherUnicodeFormIsTheSameAccount: NFC and NFD spell the same address
// (the email is normalised to NFC as other text is), so registering it again is a conflict
// and either spelling signs in to the one account.
func TestAnAddressInAnotherUnicodeFormIsTheSameAccount(t *testing.T) {
	t.Parallel()
	a := newAPI(startServer(t, authEnv(t)))
	local := strings.TrimSuffix(uniqueEmail("dup"), "@example.com")
	composed, decomposed := local+"\u00fc@ex\u00e4mple.com", local+"u\u0308@exa\u0308mple.com"
	s := a.register(t, decomposed)
	if s.User.Email != composed {
		t.Errorf("registered as %q: email %q, want %q", decomposed, s.User.Email, composed)
	}
	ext := a.fail(t, "CONFLICT", "", registerMutation, map[string]any{"in": map[string]any{
		"email": composed, "password": testPassword, "displayName": "Ada"}})
	if ext["field"] != "email" {
		t.Errorf("%q after %q: field = %v, want email", composed, decomposed, ext["field"])
	}
	for _, email := range []string{composed, decomposed} {
		if me := a.me(t, bearer(a.login(t, email, testPassword).AccessToken)); me.ID != s.User.ID {
			t.Errorf("login as %q reached %+v, want %s", email, me, s.User.ID)
		}
	}
}

func TestLogin(t *testing.T) {
	t.Parallel()
	env := authEnv(t)
	a := newAPI(startServer(t, env))
	email := uniqueEmail("login")
	a.register(t, email)

	t.Run("right password signs in and me answers", func(t *testing.T) {
		s := a.login(t, "  "+strings.ToUpper(email), testPassword)
		if me := a.me(t, bearer(s.AccessToken)); me.Email != email {
			t.Errorf("me = %+v", me)
		}
	})

	t.Run("unknown email and wrong password look the same", func(t *testing.T) {
		unknown := a.call(t, "", loginMutation, map[string]any{"e": uniqueEmail("nobody"), "p": testPassword})
		wrong := a.call(t, "", loginMutation, map[string]any{"e": email, "p": testPassword + "!"})
		wantCode(t, unknown, "UNAUTHENTICATED")
		wantCode(t, wrong, "UNAUTHENTICATED")
		if unknown.Errors[0].Message != wrong.Errors[0].Message {
			t.Errorf("messages differ: %q vs %q", unknown.Errors[0].Message, wrong.Errors[0].Message)
		}
		if unknown.Errors[0].Extensions["reason"] != "invalid" || wrong.Errors[0].Extensions["reason"] != "invalid" {
			t.Errorf("reasons %v and %v, want invalid", unknown.Errors[0].Extensions, wrong.Errors[0].Extensions)
		}
	})

	t.Run("me without credentials is unauthenticated", func(t *testing.T) {
		a.fail(t, "UNAUTHENTICATED", "", meQuery, nil)
	})

	t.Run("suspended user is forbidden", func(t *testing.T) {
		victim := uniqueEmail("suspended")
		tokens := a.register(t, victim)
		loggedOut := a.login(t, victim, testPassword)
		a.ok(t, bearer(loggedOut.AccessToken), `mutation { logout }`, nil, nil)
		admin := a.makeAdmin(t, env["DATABASE_URL"], a.register(t, uniqueEmail("admin")).User.Email)
		a.ok(t, bearer(admin.AccessToken), suspendMutation, map[string]any{"id": tokens.User.ID}, nil)
		a.fail(t, "FORBIDDEN", "", loginMutation, map[string]any{"e": victim, "p": testPassword})
		// Suspending ended the session too; the refresh token says why it no longer works.
		if ext := a.fail(t, "UNAUTHENTICATED", "", refreshMutation, map[string]any{"r": tokens.RefreshToken}); ext["reason"] != "suspended" {
			t.Errorf("a suspended account's refresh token: reason %v, want suspended", ext["reason"])
		}
		// A session that had ended before says only that.
		if ext := a.fail(t, "UNAUTHENTICATED", "", refreshMutation, map[string]any{"r": loggedOut.RefreshToken}); ext["reason"] != "session_ended" {
			t.Errorf("a logged-out session's refresh token: reason %v, want session_ended", ext["reason"])
		}
		// A wrong password still says nothing about the account's state.
		a.fail(t, "UNAUTHENTICATED", "", loginMutation, map[string]any{"e": victim, "p": testPassword + "!"})
	})
}

func TestRefreshRotates(t *testing.T) {
	t.Parallel()
	a := newAPI(startServer(t, authEnv(t)))
	first := a.register(t, uniqueEmail("rotate"))

	second := a.refresh(t, first.RefreshToken)
	if second.RefreshToken == first.RefreshToken || second.AccessToken == first.AccessToken {
		t.Fatal("refresh returned the same tokens")
	}
	a.me(t, bearer(second.AccessToken))
	third := a.refresh(t, second.RefreshToken) // the new refresh token works
	a.me(t, bearer(third.AccessToken))

	ext := a.fail(t, "UNAUTHENTICATED", "", refreshMutation, map[string]any{"r": first.RefreshToken})
	if ext["reason"] != "reused" {
		t.Errorf("old refresh token: reason %v, want reused", ext["reason"])
	}
	for _, garbage := range []string{"", "nonsense", first.AccessToken, strings.Repeat("x", 43)} {
		if ext := a.fail(t, "UNAUTHENTICATED", "", refreshMutation, map[string]any{"r": garbage}); ext["reason"] != "invalid" {
			t.Errorf("refresh token %.20q: reason %v, want invalid", garbage, ext["reason"])
		}
	}
}

func TestRefreshTokenReuseRevokesTheFamily(t *testing.T) {
	t.Parallel()
	a := newAPI(startServer(t, authEnv(t)))
	email := uniqueEmail("reuse")
	stolen := a.register(t, email)
	other := a.login(t, email, testPassword) // another session of the same user
	newest := a.refresh(t, stolen.RefreshToken)

	a.fail(t, "UNAUTHENTICATED", "", refreshMutation, map[string]any{"r": stolen.RefreshToken})

	if reason := a.refused(t, bearer(newest.AccessToken)); reason != "revoked" {
		t.Errorf("access token of the revoked family: reason %q, want revoked", reason)
	}
	a.fail(t, "UNAUTHENTICATED", "", refreshMutation, map[string]any{"r": newest.RefreshToken})
	a.me(t, bearer(other.AccessToken))
	a.refresh(t, other.RefreshToken)
}

const logoutMutation = `mutation($all: Boolean!) { logout(allSessions: $all) }`

func TestLogout(t *testing.T) {
	t.Parallel()
	a := newAPI(startServer(t, authEnv(t)))
	email := uniqueEmail("logout")
	one := a.register(t, email)
	two := a.login(t, email, testPassword)
	three := a.login(t, email, testPassword)

	a.fail(t, "UNAUTHENTICATED", "", logoutMutation, map[string]any{"all": false})

	var out struct{ Logout bool }
	a.ok(t, bearer(one.AccessToken), logoutMutation, map[string]any{"all": false}, &out)
	if !out.Logout {
		t.Fatal("logout answered false")
	}
	if reason := a.refused(t, bearer(one.AccessToken)); reason != "revoked" {
		t.Errorf("logged-out token: reason %q, want revoked", reason)
	}
	a.fail(t, "UNAUTHENTICATED", "", refreshMutation, map[string]any{"r": one.RefreshToken})
	a.me(t, bearer(two.AccessToken))
	a.me(t, bearer(three.AccessToken))

	a.ok(t, bearer(two.AccessToken), logoutMutation, map[string]any{"all": true}, nil)
	for name, s := range map[string]tokens{"two": two, "three": three} {
		if reason := a.refused(t, bearer(s.AccessToken)); reason != "revoked" {
			t.Errorf("session %s after logout everywhere: reason %q, want revoked", name, reason)
		}
		a.fail(t, "UNAUTHENTICATED", "", refreshMutation, map[string]any{"r": s.RefreshToken})
	}
	a.me(t, bearer(a.login(t, email, testPassword).AccessToken))
}

const changePasswordMutation = `mutation($c: String!, $n: String!) { changePassword(currentPassword: $c, newPassword: $n) }`

func TestChangePassword(t *testing.T) {
	t.Parallel()
	a := newAPI(startServer(t, authEnv(t)))
	email := uniqueEmail("passwd")
	current := a.register(t, email)
	other := a.login(t, email, testPassword)
	key := a.createKey(t, current, "ci", "READ")
	const next = "a different, long passphrase 7"

	ext := a.fail(t, "BAD_USER_INPUT", bearer(current.AccessToken), changePasswordMutation, map[string]any{"c": "not my password", "n": next})
	if ext["field"] != "currentPassword" {
		t.Errorf("wrong current password: field %v", ext["field"])
	}
	ext = a.fail(t, "BAD_USER_INPUT", bearer(current.AccessToken), changePasswordMutation, map[string]any{"c": testPassword, "n": "password"})
	if ext["field"] != "newPassword" {
		t.Errorf("weak new password: field %v, want the argument's name", ext["field"])
	}
	a.me(t, bearer(other.AccessToken)) // failed attempts end nothing

	a.ok(t, bearer(current.AccessToken), changePasswordMutation, map[string]any{"c": testPassword, "n": next}, nil)
	if reason := a.refused(t, bearer(other.AccessToken)); reason != "revoked" {
		t.Errorf("other session: reason %q, want revoked", reason)
	}
	a.fail(t, "UNAUTHENTICATED", "", refreshMutation, map[string]any{"r": other.RefreshToken})
	a.me(t, bearer(current.AccessToken))
	a.refresh(t, current.RefreshToken)
	a.me(t, "key:"+key.Secret) // the user knew the password: their keys stay (a reset revokes them)

	a.login(t, email, next)
	a.fail(t, "UNAUTHENTICATED", "", loginMutation, map[string]any{"e": email, "p": testPassword})
}

// claimsOf decodes the payload of a JWT without checking it.
func claimsOf(t *testing.T, jwt string) map[string]any {
	t.Helper()
	parts := strings.Split(jwt, ".")
	raw, err := base64.RawURLEncoding.DecodeString(parts[1])
	var c map[string]any
	if err != nil || json.Unmarshal(raw, &c) != nil {
		t.Fatalf("token payload %q: %v", parts[1], err)
	}
	return c
}

// headerOf decodes the header of a JWT without checking it.
func headerOf(t *testing.T, jwt string) map[string]any {
	t.Helper()
	raw, _ := base64.RawURLEncoding.DecodeString(strings.Split(jwt, ".")[0])
	var h map[string]any
	if err := json.Unmarshal(raw, &h); err != nil {
		t.Fatalf("token header: %v", err)
	}
	return h
}

// issuerAt signs tokens as the test servers do, with keys ks and the clock at now.
func issuerAt(ks *token.KeySet, now time.Time) *token.Issuer {
	return &token.Issuer{Keys: ks, Issuer: "backbone", Audience: "backbone-api", TTL: 15 * time.Minute,
		Now: func() time.Time { return now }}
}

func TestRefusedAccessTokens(t *testing.T) {
	t.Parallel()
	a := newAPI(startServer(t, authEnv(t)))
	s := a.register(t, uniqueEmail("tokens"))
	claims := claimsOf(t, s.AccessToken)
	sub, role, sid := claims["sub"].(string), claims["role"].(string), claims["sid"].(string)
	kid := headerOf(t, s.AccessToken)["kid"].(string)
	keys, err := token.FromSecret(testJWTSecret)
	if err != nil {
		t.Fatal(err)
	}
	sign := func(iss *token.Issuer) string {
		tok, _, err := iss.Issue(sub, role, sid)
		if err != nil {
			t.Fatal(err)
		}
		return tok
	}

	// The hand-made tokens are right in every other way: signed now, they pass.
	a.me(t, bearer(sign(issuerAt(keys, time.Now()))))

	expired := sign(issuerAt(keys, time.Now().Add(-time.Hour)))
	if reason := a.refused(t, bearer(expired)); reason != "expired" {
		t.Errorf("expired token: reason %q, want expired", reason)
	}

	enc := func(v any) string { b, _ := json.Marshal(v); return base64.RawURLEncoding.EncodeToString(b) }
	otherKeys, err := token.NewKeySet(token.Key{ID: kid, Secret: []byte(strings.Repeat("k", 40))})
	if err != nil {
		t.Fatal(err)
	}
	parts := strings.Split(s.AccessToken, ".")
	escalated := claimsOf(t, s.AccessToken)
	escalated["role"] = "ADMIN"
	for name, cred := range map[string]string{
		"alg none":          bearer(enc(map[string]any{"alg": "none", "typ": "JWT"}) + "." + parts[1] + "."),
		"alg none with kid": bearer(enc(map[string]any{"alg": "none", "typ": "JWT", "kid": kid}) + "." + parts[1] + "."),
		"wrong key":         bearer(sign(issuerAt(otherKeys, time.Now()))),
		"tampered claims":   bearer(parts[0] + "." + enc(escalated) + "." + parts[2]),
		"no signature":      bearer(parts[0] + "." + parts[1] + "."),
		"malformed":         bearer("not-a-jwt"),
		"three dots":        bearer("a.b.c"),
		"bad base64":        bearer("!!!.???.***"),
		"huge":              bearer(strings.Repeat("A", 20000)),
		"empty bearer":      "Bearer ",
		"basic scheme":      "Basic dXNlcjpwYXNz",
	} {
		if reason := a.refused(t, cred); reason != "invalid" {
			t.Errorf("%s: reason %q, want invalid", name, reason)
		}
	}
}

func TestSigningKeyRotation(t *testing.T) {
	t.Parallel()
	dbURL := testenv.NewPostgresDB(t)
	secretOld, secretNew := strings.Repeat("o", 32)+"-old-key", strings.Repeat("n", 32)+"-new-key"
	server := func(keys string) *testServer {
		return startServer(t, map[string]string{"DATABASE_URL": dbURL, "JWT_KEYS": keys, "TRUSTED_PROXIES": "127.0.0.1/32"})
	}
	before := newAPI(server("old:" + secretOld))
	during := before.on(server("new:" + secretNew + ",old:" + secretOld))
	after := before.on(server("new:" + secretNew))

	email := uniqueEmail("rotation")
	oldToken := before.register(t, email).AccessToken
	if me := during.me(t, bearer(oldToken)); me.Email != email {
		t.Errorf("rotating server: me = %+v", me)
	}
	if reason := after.refused(t, bearer(oldToken)); reason != "invalid" {
		t.Errorf("server without the old key: reason %q, want invalid", reason)
	}

	newToken := during.login(t, email, testPassword).AccessToken
	if kid := headerOf(t, newToken)["kid"]; kid != "new" {
		t.Errorf("rotating server signs with kid %v, want new", kid)
	}
	after.me(t, bearer(newToken))
	if reason := before.refused(t, bearer(newToken)); reason != "invalid" {
		t.Errorf("server without the new key: reason %q, want invalid", reason)
	}
}

func TestRateLimitedLogin(t *testing.T) {
	t.Parallel()
	a := newAPI(startServer(t, authEnv(t)))
	email := uniqueEmail("ratelimit")
	a.register(t, email)

	wrong := map[string]any{"e": email, "p": "wrong password, attempt"}
	var r gqlResponse
	for attempt := 1; attempt <= 15; attempt++ {
		r = a.call(t, "", loginMutation, wrong)
		if len(r.Errors) > 0 && r.Errors[0].Extensions["code"] == "RATE_LIMITED" {
			break
		}
		wantCode(t, r, "UNAUTHENTICATED")
	}
	ext := wantCode(t, r, "RATE_LIMITED")
	secs, ok := ext["retryAfter"].(float64)
	if !ok || secs < 1 || secs != float64(int64(secs)) {
		t.Errorf("retryAfter = %#v, want a positive whole number of seconds", ext["retryAfter"])
	}
	// Spent for this address on this account: even the right password waits here. The
	// owner, from another address, signs in: guessing cannot lock an account.
	a.fail(t, "RATE_LIMITED", "", loginMutation, map[string]any{"e": email, "p": testPassword})
	if got := newAPI(a.ts).login(t, email, testPassword); got.User.Email != email {
		t.Errorf("the owner from another address: %+v", got.User)
	}
}

// A host usually holds a whole IPv6 /64: a new address from it for every guess is the
// same address to the login limits, while another /64 is another client.
func TestLoginLimitsCountAnIPv6HostByItsSlash64(t *testing.T) {
	t.Parallel()
	a := newAPI(startServer(t, authEnv(t)))
	email := uniqueEmail("ipv6")
	a.register(t, email)

	var b [2]byte
	_, _ = rand.Read(b[:])
	host := fmt.Sprintf("2001:db8:%x:1::", uint16(b[0])<<8|uint16(b[1]))
	wrong := map[string]any{"e": email, "p": "wrong password, attempt"}
	var r gqlResponse
	for attempt := 1; attempt <= 15; attempt++ {
		guesser := &api{ts: a.ts, ip: fmt.Sprintf("%s%x", host, attempt)}
		r = guesser.call(t, "", loginMutation, wrong)
		if len(r.Errors) > 0 && r.Errors[0].Extensions["code"] == "RATE_LIMITED" {
			break
		}
		wantCode(t, r, "UNAUTHENTICATED")
	}
	wantCode(t, r, "RATE_LIMITED")
	// Still this host, with its right password: it waits like any address that guessed.
	fresh := &api{ts: a.ts, ip: host + "ffff"}
	fresh.fail(t, "RATE_LIMITED", "", loginMutation, map[string]any{"e": email, "p": testPassword})
	// The owner, from another /64, signs in.
	owner := &api{ts: a.ts, ip: strings.TrimSuffix(host, "1::") + "2::1"}
	if got := owner.login(t, email, testPassword); got.User.Email != email {
		t.Errorf("the owner from another /64: %+v", got.User)
	}
}

const createKeyMutation = `mutation($in: CreateAPIKeyInput!) { createApiKey(input: $in) { secret apiKey { id name prefix scopes revokedAt } } }`

const revokeKeyMutation = `mutation($id: ID!) { revokeApiKey(id: $id) { id revokedAt } }`

// apiKey is a createApiKey payload as the tests read it.
type apiKey struct {
	Secret string
	APIKey struct {
		ID, Name, Prefix string
		Scopes           []string
		RevokedAt        *string
	} `json:"apiKey"`
}

// createKey makes an API key with scopes for the session's user.
func (a *api) createKey(t *testing.T, s tokens, name string, scopes ...string) apiKey {
	t.Helper()
	var out struct{ CreateAPIKey apiKey }
	a.ok(t, bearer(s.AccessToken), createKeyMutation, map[string]any{"in": map[string]any{"name": name, "scopes": scopes}}, &out)
	return out.CreateAPIKey
}

func TestAPIKeys(t *testing.T) {
	t.Parallel()
	a := newAPI(startServer(t, authEnv(t)))
	email := uniqueEmail("keys")
	owner := a.register(t, email)
	stranger := a.register(t, uniqueEmail("stranger"))

	reader := a.createKey(t, owner, "dashboard", "READ")
	writer := a.createKey(t, owner, "ci", "READ", "WRITE")
	if reader.Secret == "" || !strings.Contains(reader.Secret, reader.APIKey.Prefix) || reader.Secret == writer.Secret {
		t.Fatalf("created keys: %+v / %+v", reader, writer)
	}

	t.Run("the list never shows the secret", func(t *testing.T) {
		r := a.call(t, bearer(owner.AccessToken), `{ apiKeys { id name prefix scopes lastUsedAt revokedAt createdAt } }`, nil)
		var out struct{ APIKeys []struct{ ID, Name string } }
		if len(r.Errors) > 0 || json.Unmarshal(r.Data, &out) != nil || len(out.APIKeys) != 2 {
			t.Fatalf("apiKeys: %s %+v", r.Data, r.Errors)
		}
		if strings.Contains(string(r.Data), reader.Secret) || strings.Contains(string(r.Data), writer.Secret) {
			t.Errorf("apiKeys shows a secret: %s", r.Data)
		}
		if out.APIKeys[0].ID != writer.APIKey.ID {
			t.Errorf("apiKeys not newest first: %+v", out.APIKeys)
		}
	})

	t.Run("READ may query but not mutate", func(t *testing.T) {
		if me := a.me(t, "key:"+reader.Secret); me.Email != email {
			t.Errorf("me with a READ key = %+v", me)
		}
		a.fail(t, "FORBIDDEN", "key:"+reader.Secret, refreshMutation, map[string]any{"r": owner.RefreshToken})
	})

	t.Run("WRITE may mutate", func(t *testing.T) {
		var out struct{ RefreshSession tokens }
		a.ok(t, "key:"+writer.Secret, refreshMutation, map[string]any{"r": owner.RefreshToken}, &out)
		owner = out.RefreshSession
	})

	t.Run("a key cannot make keys or manage sessions", func(t *testing.T) {
		a.fail(t, "FORBIDDEN", "key:"+writer.Secret, createKeyMutation,
			map[string]any{"in": map[string]any{"name": "child", "scopes": []string{"READ"}}})
		a.fail(t, "FORBIDDEN", "key:"+writer.Secret, logoutMutation, map[string]any{"all": true})
		a.fail(t, "FORBIDDEN", "key:"+writer.Secret, revokeKeyMutation, map[string]any{"id": reader.APIKey.ID})
	})

	t.Run("another user cannot revoke the key", func(t *testing.T) {
		a.fail(t, "NOT_FOUND", bearer(stranger.AccessToken), revokeKeyMutation, map[string]any{"id": reader.APIKey.ID})
		a.me(t, "key:"+reader.Secret)
	})

	t.Run("a revoked key is refused", func(t *testing.T) {
		var out struct{ RevokeAPIKey struct{ RevokedAt *string } }
		a.ok(t, bearer(owner.AccessToken), revokeKeyMutation, map[string]any{"id": reader.APIKey.ID}, &out)
		if out.RevokeAPIKey.RevokedAt == nil {
			t.Error("revokedAt not set")
		}
		a.refused(t, "key:"+reader.Secret)
		a.fail(t, "CONFLICT", bearer(owner.AccessToken), revokeKeyMutation, map[string]any{"id": reader.APIKey.ID})
		a.me(t, "key:"+writer.Secret)
	})

	t.Run("forged and malformed keys are refused", func(t *testing.T) {
		forged := writer.Secret[:len(writer.Secret)-4] + "AAAA"
		if forged == writer.Secret {
			forged = writer.Secret[:len(writer.Secret)-4] + "BBBB"
		}
		for _, k := range []string{forged, "bb_live_nothing", "garbage"} {
			a.refused(t, "key:"+k)
		}
	})

	t.Run("bad input", func(t *testing.T) {
		ext := a.fail(t, "BAD_USER_INPUT", bearer(owner.AccessToken), createKeyMutation,
			map[string]any{"in": map[string]any{"name": "none", "scopes": []string{}}})
		if ext["field"] != "scopes" {
			t.Errorf("no scopes: field %v", ext["field"])
		}
		a.fail(t, "UNAUTHENTICATED", "", createKeyMutation, map[string]any{"in": map[string]any{"name": "anon", "scopes": []string{"READ"}}})
	})
}
