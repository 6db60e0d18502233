package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"backbone/ent"
	"backbone/ent/auditlog"
	"backbone/ent/privacy"
	"backbone/ent/user"
	"backbone/internal/auth/password"
	"backbone/internal/db"
	"backbone/internal/errs"
	"backbone/internal/testenv"
)

// adminTestPassword is strong enough for the policy and unrelated to any test email.
const adminTestPassword = "Tangerine-Lighthouse-Quill-93"

// cmdDatabases are the two backends every command must work on.
var cmdDatabases = []struct {
	name string
	url  func(testing.TB) string
}{
	{"sqlite", testenv.NewSQLiteURL},
	{"postgres", testenv.NewPostgresDB},
}

// cmdEnv is the environment of a command, or of a server, on databaseURL.
func cmdEnv(databaseURL string, extra ...string) map[string]string {
	env := map[string]string{
		"DATABASE_URL": databaseURL,
		"LOG_LEVEL":    "error",
	}
	for i := 0; i+1 < len(extra); i += 2 {
		env[extra[i]] = extra[i+1]
	}
	return env
}

// runCmd runs the program with args and env and returns its stdout.
func cmdRun(t *testing.T, env map[string]string, args ...string) (string, error) {
	t.Helper()
	var out bytes.Buffer
	err := run(context.Background(), args, mapEnv(env), &out, io.Discard)
	return out.String(), err
}

// mustRun runs the program and fails the test on an error.
func cmdMustRun(t *testing.T, env map[string]string, args ...string) string {
	t.Helper()
	out, err := cmdRun(t, env, args...)
	if err != nil {
		t.Fatalf("%v: %v", args, err)
	}
	return out
}

// openDB opens databaseURL for the test's own checks, with every row visible.
func cmdOpenDB(t *testing.T, databaseURL string) (context.Context, *ent.Client) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	t.Cleanup(cancel)
	d, err := db.Open(ctx, databaseURL, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = d.Close() })
	return privacy.DecisionContext(ctx, privacy.Allow), d.Client
}

// auditRows returns the audit rows with action about the user with email.
func cmdAuditRows(t *testing.T, databaseURL, email, action string) []*ent.AuditLog {
	t.Helper()
	ctx, c := cmdOpenDB(t, databaseURL)
	u := c.User.Query().Where(user.Email(email)).OnlyX(ctx)
	return c.AuditLog.Query().Where(auditlog.TargetID(u.ID.String()), auditlog.Action(action)).AllX(ctx)
}

// cmdSession is a login's or registration's answer as these tests read it.
type cmdSession struct {
	AccessToken, RefreshToken string
	User                      struct{ Email, DisplayName, Role string }
}

const cmdSessionFields = `accessToken refreshToken user { email displayName role }`

// cmdGraphQL posts query to ts, with token as the bearer when not empty, decodes the data
// into out (when not nil) and returns the errors' codes.
func cmdGraphQL(t *testing.T, ts *testServer, token, query string, vars map[string]any, out any) []string {
	t.Helper()
	h := http.Header{}
	if token != "" {
		h.Set("Authorization", "Bearer "+token)
	}
	status, r := ts.post(t, query, vars, h)
	if status >= 500 {
		t.Fatalf("status %d for %.60s: %+v", status, query, r.Errors)
	}
	var codes []string
	for _, e := range r.Errors {
		codes = append(codes, fmt.Sprint(e.Extensions["code"]))
	}
	if len(codes) == 0 && out != nil {
		if err := json.Unmarshal(r.Data, out); err != nil {
			t.Fatalf("decode %s: %v", r.Data, err)
		}
	}
	return codes
}

// cmdMustGraphQL is cmdGraphQL for a request that must succeed.
func cmdMustGraphQL(t *testing.T, ts *testServer, token, query string, vars map[string]any, out any) {
	t.Helper()
	if codes := cmdGraphQL(t, ts, token, query, vars, out); len(codes) > 0 {
		t.Fatalf("%.60s: errors %v", query, codes)
	}
}

// cmdSignIn logs in over GraphQL.
func cmdSignIn(t *testing.T, ts *testServer, email, pw string) cmdSession {
	t.Helper()
	var out struct{ Login cmdSession }
	cmdMustGraphQL(t, ts, "", `mutation($e: String!, $p: String!) { login(email: $e, password: $p) { `+cmdSessionFields+` } }`,
		map[string]any{"e": email, "p": pw}, &out)
	return out.Login
}

// cmdUserCount is the admin's users { totalCount }.
func cmdUserCount(t *testing.T, ts *testServer, adminToken string) int {
	t.Helper()
	var out struct{ Users struct{ TotalCount int } }
	cmdMustGraphQL(t, ts, adminToken, `{ users { totalCount } }`, nil, &out)
	return out.Users.TotalCount
}

func TestCreateAdminCreatesAnAdminWhoCanSignIn(t *testing.T) {
	t.Parallel()
	for _, d := range cmdDatabases {
		t.Run(d.name, func(t *testing.T) {
			t.Parallel()
			env := cmdEnv(d.url(t), "ADMIN_PASSWORD", adminTestPassword)
			cmdMustRun(t, env, "create-admin", "--email", " Nora.Root@Example.ORG ", "--name", "Nora Root")

			rows := cmdAuditRows(t, env["DATABASE_URL"], "nora.root@example.org", "user.admin_created")
			if len(rows) != 1 || rows[0].ActorID != nil {
				t.Fatalf("audit rows %+v, want one without an actor", rows)
			}
			ts := startServer(t, env)
			s := cmdSignIn(t, ts, "nora.root@example.org", adminTestPassword)
			if s.User.Role != "ADMIN" || s.User.DisplayName != "Nora Root" {
				t.Fatalf("signed in as %+v", s.User)
			}
			if n := cmdUserCount(t, ts, s.AccessToken); n != 1 {
				t.Fatalf("users.totalCount %d, want 1", n)
			}
		})
	}
}

func TestCreateAdminPromotesAnExistingUserWhoKeepsTheirPassword(t *testing.T) {
	t.Parallel()
	for _, d := range cmdDatabases {
		t.Run(d.name, func(t *testing.T) {
			t.Parallel()
			env := cmdEnv(d.url(t))
			ts := startServer(t, env)
			const email, clientPassword = "promoted@example.org", "Marmalade-Crossing-Owl-58"
			var reg struct{ Register cmdSession }
			cmdMustGraphQL(t, ts, "", `mutation($in: RegisterInput!) { register(input: $in) { `+cmdSessionFields+` } }`,
				map[string]any{"in": map[string]any{"email": email, "password": clientPassword, "displayName": "Pat Client"}}, &reg)

			// ADMIN_PASSWORD is ignored for an existing user: they keep their own.
			cmdMustRun(t, withDefaults(env, map[string]string{"ADMIN_PASSWORD": adminTestPassword}), "create-admin", "--email", email)

			// Their sessions ended, so that the new role applies at their next sign-in.
			codes := cmdGraphQL(t, ts, "", `mutation($r: String!) { refreshSession(refreshToken: $r) { accessToken } }`,
				map[string]any{"r": reg.Register.RefreshToken}, nil)
			if len(codes) == 0 || codes[0] != string(errs.Unauthenticated) {
				t.Fatalf("refresh after promotion: codes %v, want %s", codes, errs.Unauthenticated)
			}
			if s := cmdSignIn(t, ts, email, clientPassword); s.User.Role != "ADMIN" {
				t.Fatalf("role after promotion: %s", s.User.Role)
			}
			rows := cmdAuditRows(t, env["DATABASE_URL"], email, "user.promoted_to_admin")
			if len(rows) != 1 || rows[0].ActorID != nil || rows[0].Metadata["from"] != "CLIENT" {
				t.Fatalf("audit rows %+v, want one from CLIENT without an actor", rows)
			}

			// Promoting an admin changes nothing.
			cmdMustRun(t, env, "create-admin", "--email", email)
			if rows := cmdAuditRows(t, env["DATABASE_URL"], email, "user.promoted_to_admin"); len(rows) != 1 {
				t.Fatalf("%d promotion rows after a second run, want 1", len(rows))
			}
		})
	}
}

func TestCreateAdminRefusesBadCommandLinesAndPasswords(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		args     []string
		password string // ADMIN_PASSWORD
		stdin    string
		usage    bool      // want errUsage
		code     errs.Code // else want this code
	}{
		{"weak password", []string{"--email", "weak@example.org"}, "password1", "", false, errs.BadUserInput},
		{"password containing the email", []string{"--email", "quokka@example.org"}, "quokka-Lantern-1", "", false, errs.BadUserInput},
		{"no password at all", []string{"--email", "none@example.org"}, "", "", false, errs.BadUserInput},
		{"password flag", []string{"--email", "flag@example.org", "--password", adminTestPassword}, "", "", true, ""},
		{"missing email", []string{"--name", "Nobody"}, adminTestPassword, "", true, ""},
		{"stray argument", []string{"--email", "stray@example.org", "extra"}, adminTestPassword, "", true, ""},
		{"invalid email", []string{"--email", "not-an-address"}, adminTestPassword, "", false, errs.BadUserInput},
		{"control character in the name", []string{"--email", "ctl@example.org", "--name", "a\x07b"}, adminTestPassword, "", false, errs.BadUserInput},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			env := cmdEnv(testenv.NewSQLiteURL(t), "ADMIN_PASSWORD", tt.password)
			cmdMustRun(t, env, "migrate")
			err := createAdminCommand(context.Background(), tt.args, mapEnv(env), strings.NewReader(tt.stdin), io.Discard, io.Discard)
			switch {
			case tt.usage && !errors.Is(err, errUsage):
				t.Fatalf("err %v, want a usage error", err)
			case !tt.usage && errs.CodeOf(err) != tt.code:
				t.Fatalf("err %v, want %s", err, tt.code)
			}
			ctx, c := cmdOpenDB(t, env["DATABASE_URL"])
			if n := c.User.Query().CountX(ctx); n != 0 {
				t.Fatalf("%d users after a refused command", n)
			}
		})
	}
}

func TestCreateAdminReadsThePasswordFromStdinWhenItIsNotATerminal(t *testing.T) {
	t.Parallel()
	env := cmdEnv(testenv.NewSQLiteURL(t))
	stdin := strings.NewReader(adminTestPassword + "\r\nthe second line is not read\n")
	if err := createAdminCommand(context.Background(), []string{"--email", "piped@example.org"}, mapEnv(env), stdin, io.Discard, io.Discard); err != nil {
		t.Fatal(err)
	}
	ctx, c := cmdOpenDB(t, env["DATABASE_URL"])
	u := c.User.Query().Where(user.Email("piped@example.org")).OnlyX(ctx)
	h, err := password.NewHasher(password.DefaultParams)
	if err != nil {
		t.Fatal(err)
	}
	if ok, err := h.Compare(ctx, adminTestPassword, u.PasswordHash); !ok || err != nil || u.Role != user.RoleADMIN {
		t.Fatalf("role %s, password matches %v (%v)", u.Role, ok, err)
	}
}
