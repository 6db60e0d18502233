package main

import (
	"net/http"
	"regexp"
	"sync"
	"testing"

	"backbone/internal/mail/mailtest"
)

// testMailDirs holds one MAIL_DIR per test, shared by all its servers and processes, so
// that a test finds an email whichever instance's worker wrote it.
var testMailDirs sync.Map

func testMailDir(t *testing.T) string {
	if d, ok := testMailDirs.Load(t.Name()); ok {
		return d.(string)
	}
	d, loaded := testMailDirs.LoadOrStore(t.Name(), t.TempDir())
	if !loaded {
		// The directory goes with this run of the test: -count=2 runs it again by the
		// same name.
		t.Cleanup(func() { testMailDirs.Delete(t.Name()) })
	}
	return d.(string)
}

// Subjects of the account emails, as the templates in internal/auth/emails write them.
const (
	verifySubject = "Confirm your email address"
	resetSubject  = "Reset your Backbone password"
)

var linkToken = regexp.MustCompile(`\?token=([A-Za-z0-9_-]{43})\b`)

// emailedToken waits for the email to `to` whose subject holds subject in the server's
// MAIL_DIR and returns the token of its link.
func (ts *testServer) emailedToken(t *testing.T, to, subject string) string {
	t.Helper()
	return tokenOf(t, mailtest.WaitFor(t, mailtest.EMLDir(ts.mailDir), to, subject))
}

// tokenOf extracts the link token of an email, checking that both bodies carry it.
func tokenOf(t *testing.T, r mailtest.Received) string {
	t.Helper()
	m := linkToken.FindStringSubmatch(r.Text)
	if m == nil {
		t.Fatalf("no link token in the email to %s:\n%s", r.To, r.Text)
	}
	if !regexp.MustCompile(regexp.QuoteMeta("token=" + m[1])).MatchString(r.HTML) {
		t.Errorf("the HTML body of the email to %s lacks the link of its text body", r.To)
	}
	return m[1]
}

const verifyEmailMutation = `mutation($t: String!) { verifyEmail(token: $t) }`

// verifyByEmail verifies the address of a new account as its owner would: it opens the
// verification email the server wrote and sends its token to verifyEmail (from ip).
func (ts *testServer) verifyByEmail(t *testing.T, email, ip string) {
	t.Helper()
	token := ts.emailedToken(t, email, verifySubject)
	status, r := ts.post(t, verifyEmailMutation, map[string]any{"t": token}, http.Header{"X-Forwarded-For": {ip}})
	if status != http.StatusOK || len(r.Errors) > 0 {
		t.Fatalf("verifyEmail for %s: status %d, errors %v", email, status, r.Errors)
	}
}
