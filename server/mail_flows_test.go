package main

import (
	"context"
	"strings"
	"testing"
	"time"

	"backbone/ent/accounttoken"
	"backbone/ent/auditlog"
	"backbone/ent/outboxmessage"
	"backbone/ent/privacy"
	"backbone/internal/db"
	"backbone/internal/events"
	"backbone/internal/mail/mailtest"
)

const (
	requestResetMutation  = `mutation($e: String!) { requestPasswordReset(email: $e) }`
	resetPasswordMutation = `mutation($t: String!, $p: String!) { resetPassword(token: $t, newPassword: $p) }`
	newTestPassword       = "glacier pepper violin 7Kz!"
)

// TestPasswordResetThroughARealSMTPServer: the reset link arrives through a real SMTP
// server, works once, ends every session and revokes every API key, and the request answers an unknown address the
// same, with the same work (one outbox job each) and no email.
func TestPasswordResetThroughARealSMTPServer(t *testing.T) {
	t.Parallel()
	smtp := mailtest.StartSMTP(t)
	env := authEnv(t)
	env["SMTP_URL"] = smtp.URL()
	env["PUBLIC_URL"] = "https://app.example.test"
	ts := startServer(t, env)
	a := newAPI(ts)
	email := uniqueEmail("forgetful")
	first := a.register(t, email)
	second := a.login(t, email, testPassword)
	key := a.createKey(t, first, "made by whoever held the account", "READ", "WRITE")
	mailtest.WaitFor(t, smtp.Messages, email, verifySubject) // sign-up sent its email over SMTP too

	unknown := uniqueEmail("nobody")
	known := a.call(t, "", requestResetMutation, map[string]any{"e": email})
	stranger := a.call(t, "", requestResetMutation, map[string]any{"e": strings.ToUpper(unknown)})
	if len(known.Errors) > 0 || string(known.Data) != string(stranger.Data) || string(known.Data) != `{"requestPasswordReset":true}` {
		t.Fatalf("answers differ: known %s %v, unknown %s %v", known.Data, known.Errors, stranger.Data, stranger.Errors)
	}
	d := openTestDB(t, env["DATABASE_URL"])
	jobs, err := d.Client.OutboxMessage.Query().Where(outboxmessage.Topic(events.JobPasswordReset)).Count(allow())
	if err != nil || jobs != 2 {
		t.Fatalf("%d password reset jobs (%v), want one per request whatever the address", jobs, err)
	}

	got := mailtest.WaitFor(t, smtp.Messages, email, resetSubject)
	if !strings.Contains(got.Text, "https://app.example.test/reset-password?token=") {
		t.Errorf("the link does not point at PUBLIC_URL:\n%s", got.Text)
	}
	token := tokenOf(t, got)
	stored, err := d.Client.AccountToken.Query().Where(accounttoken.PurposeEQ(accounttoken.PurposePASSWORD_RESET)).Only(allow())
	if err != nil {
		t.Fatalf("reset tokens: %v", err)
	}
	if strings.Contains(string(stored.TokenHash), token) || len(stored.TokenHash) != 32 {
		t.Errorf("the token is not stored as its SHA-256")
	}
	if ttl := stored.ExpiresAt.Sub(stored.CreatedAt); ttl < 29*time.Minute || ttl > 30*time.Minute {
		t.Errorf("the link lives %s, want 30m", ttl)
	}

	ext := a.fail(t, "BAD_USER_INPUT", "", resetPasswordMutation, map[string]any{"t": token, "p": "password"})
	if ext["field"] != "newPassword" {
		t.Errorf("weak password refused with %v, want field newPassword", ext)
	}
	a.ok(t, "", resetPasswordMutation, map[string]any{"t": token, "p": newTestPassword}, nil)
	ext = a.fail(t, "BAD_USER_INPUT", "", resetPasswordMutation, map[string]any{"t": token, "p": "another " + newTestPassword})
	if ext["field"] != "token" {
		t.Errorf("a used token: extensions %v, want field token", ext)
	}

	for _, s := range []tokens{first, second} {
		a.fail(t, "UNAUTHENTICATED", "", refreshMutation, map[string]any{"r": s.RefreshToken})
	}
	// Recovering the account shuts out whoever held it, their API keys too.
	if reason := a.refused(t, "key:"+key.Secret); reason != "invalid" {
		t.Errorf("an API key after the reset: reason %q, want invalid (revoked)", reason)
	}
	if !strings.Contains(got.Text, "API keys") {
		t.Errorf("the reset email does not say the API keys are revoked:\n%s", got.Text)
	}
	a.fail(t, "UNAUTHENTICATED", "", loginMutation, map[string]any{"e": email, "p": testPassword})
	a.login(t, email, newTestPassword)
	if n := mailtest.Count(t, smtp.Messages, unknown, ""); n != 0 {
		t.Errorf("%d emails to the unknown address", n)
	}
	audited, err := d.Client.AuditLog.Query().Where(auditlog.ActionIn("auth.password_reset_requested", "auth.password_reset")).Count(allow())
	if err != nil || audited != 2 {
		t.Errorf("%d audit rows of the reset (%v), want the request and the reset", audited, err)
	}
	var me struct{ Me struct{ EmailVerified bool } }
	a.ok(t, bearer(a.login(t, email, newTestPassword).AccessToken), `{ me { emailVerified } }`, nil, &me)
	if !me.Me.EmailVerified {
		t.Error("a used reset link proves the address, yet it is not verified")
	}
}

// TestPasswordResetIsRateLimitedAlikeForAnyAddress: the per-address budget runs out
// after the same number of requests for a known and an unknown address.
func TestPasswordResetIsRateLimitedAlikeForAnyAddress(t *testing.T) {
	t.Parallel()
	ts := startServer(t, authEnv(t))
	a := newAPI(ts)
	known := uniqueEmail("limited")
	a.register(t, known)
	for _, email := range []string{known, uniqueEmail("ghost")} {
		for i := range 3 {
			b := newAPI(ts) // a new IP each time: the per-address budget is what runs out
			if r := b.call(t, "", requestResetMutation, map[string]any{"e": email}); len(r.Errors) > 0 {
				t.Fatalf("request %d for %s: %v", i+1, email, r.Errors)
			}
		}
		newAPI(ts).fail(t, "RATE_LIMITED", "", requestResetMutation, map[string]any{"e": email})
	}
	for range 20 {
		a.call(t, "", requestResetMutation, map[string]any{"e": uniqueEmail("spray")})
	}
	a.fail(t, "RATE_LIMITED", "", requestResetMutation, map[string]any{"e": uniqueEmail("spray")})
}

// TestEmailVerificationGatesSpendingAndFallsBackToMailDir: without SMTP_URL the emails are
// .eml files in MAIL_DIR; an unverified client may neither buy nor ask; a resent link
// voids the first; the link works once.
func TestEmailVerificationGatesSpendingAndFallsBackToMailDir(t *testing.T) {
	t.Parallel()
	ts := startServer(t, authEnv(t))
	a := newAPI(ts)
	email := uniqueEmail("unverified")
	s := a.register(t, email)
	cred := bearer(s.AccessToken)
	firstToken := ts.emailedToken(t, email, verifySubject)
	emls := mailtest.ReadDir(t, ts.mailDir, ".eml")
	if len(emls) != 1 || !strings.HasSuffix(emls[0].File, ".eml") {
		t.Fatalf("MAIL_DIR holds %d .eml files, want the verification email", len(emls))
	}

	var me struct{ Me struct{ EmailVerified bool } }
	a.ok(t, cred, `{ me { emailVerified } }`, nil, &me)
	if me.Me.EmailVerified {
		t.Fatal("a new account is verified before it opened its link")
	}
	buy := `mutation($k: String!) { buyCredits(credits: 100, idempotencyKey: $k) { status } }`
	ext := a.fail(t, "FORBIDDEN", cred, buy, map[string]any{"k": "v1"})
	if ext["reason"] != "EMAIL_NOT_VERIFIED" {
		t.Errorf("buyCredits refused with %v, want reason EMAIL_NOT_VERIFIED", ext)
	}
	r := a.call(t, cred, `mutation { submitQuestion(input: {subject: "physics", title: "Why?", body: "Explain.", urgency: NORMAL, idempotencyKey: "q1"}) { id } }`, nil)
	if ext := wantCode(t, r, "FORBIDDEN"); ext["reason"] != "EMAIL_NOT_VERIFIED" || !strings.Contains(r.Errors[0].Message, "verify your email") {
		t.Errorf("submitQuestion refused with %q %v", r.Errors[0].Message, ext)
	}

	a.ok(t, cred, `mutation { resendVerificationEmail }`, nil, nil)
	var fresh string
	deadline := time.Now().Add(30 * time.Second)
	for fresh == "" && time.Now().Before(deadline) {
		for _, m := range mailtest.ReadDir(t, ts.mailDir, ".eml") {
			if tok := tokenOf(t, m); tok != firstToken {
				fresh = tok
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	if fresh == "" {
		t.Fatal("no second verification email")
	}
	a.fail(t, "BAD_USER_INPUT", "", verifyEmailMutation, map[string]any{"t": firstToken})
	a.fail(t, "BAD_USER_INPUT", "", verifyEmailMutation, map[string]any{"t": "not-a-token"})
	a.ok(t, "", verifyEmailMutation, map[string]any{"t": fresh}, nil)
	a.fail(t, "BAD_USER_INPUT", "", verifyEmailMutation, map[string]any{"t": fresh})
	a.ok(t, cred, `{ me { emailVerified } }`, nil, &me)
	if !me.Me.EmailVerified {
		t.Fatal("verifyEmail did not verify")
	}
	a.fail(t, "CONFLICT", cred, `mutation { resendVerificationEmail }`, nil)
	a.ok(t, cred, buy, map[string]any{"k": "v2"}, nil)
}

// openTestDB opens the server's database for direct reads.
func openTestDB(t *testing.T, url string) *db.DB {
	t.Helper()
	d, err := db.Open(context.Background(), url, nil)
	if err != nil {
		t.Fatalf("open database: %v", err)
	}
	t.Cleanup(func() { _ = d.Close() })
	return d
}

// allow reads as the system, past the privacy rules.
func allow() context.Context { return privacy.DecisionContext(context.Background(), privacy.Allow) }
