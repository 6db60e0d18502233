package main

import (
	"html"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"backbone/internal/auth/token"
	"backbone/internal/notify"
	"backbone/internal/testenv"
)

// nkPreference is a NotificationPreference as the tests read it.
type nkPreference struct {
	Kind                  string
	Email, EmailByDefault bool
}

const nkPrefFields = `kind email emailByDefault`

// prefs reads the viewer's preferences, by kind.
func (w *azWorld) prefs(t *testing.T, tok string) map[string]nkPreference {
	t.Helper()
	var out struct{ NotificationPreferences []nkPreference }
	w.mustGQL(t, tok, `{ notificationPreferences { `+nkPrefFields+` } }`, nil, &out)
	m := map[string]nkPreference{}
	for _, p := range out.NotificationPreferences {
		m[p.Kind] = p
	}
	return m
}

const nkUpdatePrefs = `mutation($p: [NotificationPreferenceInput!]!) { updateNotificationPreferences(input: {preferences: $p}) { ` + nkPrefFields + ` } }`

func TestNotificationPreferencesByRole(t *testing.T) {
	testenv.NeedPostgres(t)
	t.Parallel()
	w := newAzWorld(t, nil)
	client, expert, admin := w.callers[azClient], w.callers[azExpert], w.callers[azAdmin]

	// Each role lists its own kinds, with defaults.
	for _, c := range []struct {
		who  *azAccount
		role string
	}{{client, "CLIENT"}, {expert, "EXPERT"}, {admin, "ADMIN"}} {
		got := w.prefs(t, c.who.Token)
		want := notify.KindsFor(c.role)
		if len(got) != len(want) {
			t.Errorf("%s preferences %v, want kinds %v", c.role, got, want)
		}
		for _, k := range want {
			p, ok := got[k]
			if !ok || p.Email != p.EmailByDefault || p.EmailByDefault != notify.EmailByDefault(k, c.role) {
				t.Errorf("%s preference of %s: %+v", c.role, k, p)
			}
		}
	}
	if p := w.prefs(t, client.Token); p["QUESTION_UPDATED"].Email || !p["ANSWER_DELIVERED"].Email {
		t.Errorf("client defaults: %v", p)
	}
	if _, ok := w.prefs(t, admin.Token)["TASK_AVAILABLE"]; ok {
		t.Error("an admin is offered TASK_AVAILABLE")
	}

	// A change keeps the others, and stays.
	var out struct{ UpdateNotificationPreferences []nkPreference }
	w.mustGQL(t, client.Token, nkUpdatePrefs, map[string]any{"p": []map[string]any{
		{"kind": "QUESTION_UPDATED", "email": true}, {"kind": "ANSWER_DELIVERED", "email": false}}}, &out)
	got := w.prefs(t, client.Token)
	if !got["QUESTION_UPDATED"].Email || got["ANSWER_DELIVERED"].Email || !got["REFUNDED"].Email || got["ANSWER_DELIVERED"].EmailByDefault != true {
		t.Errorf("after the update: %v", got)
	}
	if len(out.UpdateNotificationPreferences) != len(got) {
		t.Errorf("the mutation returned %v", out.UpdateNotificationPreferences)
	}
	// The other client's are untouched.
	if p := w.prefs(t, w.callers[azClient2].Token); p["QUESTION_UPDATED"].Email {
		t.Errorf("another client's preferences changed: %v", p)
	}

	// Kinds of another role, or a kind given twice, are refused and change nothing.
	for _, c := range []struct {
		who   *azAccount
		prefs []map[string]any
	}{
		{client, []map[string]any{{"kind": "TASK_AVAILABLE", "email": true}}},
		{client, []map[string]any{{"kind": "REFUNDED", "email": false}, {"kind": "PAYOUT_REQUESTED", "email": true}}},
		{expert, []map[string]any{{"kind": "EXPERT_APPLIED", "email": true}}},
		{admin, []map[string]any{{"kind": "LEASE_EXPIRING", "email": true}}},
		{client, []map[string]any{{"kind": "REFUNDED", "email": false}, {"kind": "REFUNDED", "email": true}}},
	} {
		w.wfFail(t, c.who.Token, "BAD_USER_INPUT", nkUpdatePrefs, map[string]any{"p": c.prefs})
	}
	// A name that is no kind at all fails the schema's validation of the enum.
	w.wfFail(t, client.Token, "GRAPHQL_VALIDATION_FAILED", nkUpdatePrefs, map[string]any{"p": []map[string]any{{"kind": "NOT_A_KIND", "email": true}}})
	if !w.prefs(t, client.Token)["REFUNDED"].Email {
		t.Error("a refused update changed REFUNDED")
	}
}

// nkPost sends an unsubscribe request.
func nkUnsubscribe(t *testing.T, w *azWorld, method, tok string) (int, string) {
	t.Helper()
	var body io.Reader
	if method == http.MethodPost {
		body = strings.NewReader("List-Unsubscribe=One-Click")
	}
	req, err := http.NewRequest(method, w.ts.URL+"/unsubscribe?token="+tok, body)
	if err != nil {
		t.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s /unsubscribe: %v", method, err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(b)
}

func TestUnsubscribeLinkTurnsOffOneKindOfEmail(t *testing.T) {
	testenv.NeedPostgres(t)
	t.Parallel()
	secret := strings.Repeat("k", 40)
	w := newAzWorld(t, map[string]string{"JWT_SECRET": secret})
	client := w.callers[azClient]
	keys, err := token.FromSecret(secret)
	if err != nil {
		t.Fatal(err)
	}
	u := notify.Unsubscriber{Keys: keys}
	tok := u.Token(client.UUID, "ANSWER_DELIVERED")

	// GET shows the confirmation and changes nothing (mail scanners fetch links).
	if code, body := nkUnsubscribe(t, w, http.MethodGet, tok); code != http.StatusOK || !strings.Contains(body, `method="post"`) {
		t.Fatalf("GET: %d %s", code, body)
	}
	if !w.prefs(t, client.Token)["ANSWER_DELIVERED"].Email {
		t.Fatal("GET turned the email off")
	}
	// Its button posts to the link itself, wherever PUBLIC_URL puts it behind a proxy.
	_, page := nkUnsubscribe(t, w, http.MethodGet, tok)
	m := regexp.MustCompile(`<form method="post" action="([^"]+)"`).FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("no form in %s", page)
	}
	link := "https://backbone.example/app/unsubscribe?token=" + tok
	base, _ := url.Parse(link)
	action, err := url.Parse(html.UnescapeString(m[1]))
	if err != nil || base.ResolveReference(action).String() != link {
		t.Fatalf("the form of the page at %s posts to %v (%v)", link, base.ResolveReference(action), err)
	}

	// Tampered tokens are refused and change nothing.
	parts := strings.Split(tok, ".")
	other, _ := token.FromSecret(strings.Repeat("x", 40))
	for name, bad := range map[string]string{
		"another user":      parts[0] + "." + strings.Split(u.Token(w.callers[azClient2].UUID, "ANSWER_DELIVERED"), ".")[1] + "." + parts[2],
		"another kind":      parts[0] + "." + strings.Split(u.Token(client.UUID, "REFUNDED"), ".")[1] + "." + parts[2],
		"a flipped MAC":     parts[0] + "." + parts[1] + "." + flip(parts[2]),
		"another secret":    notify.Unsubscriber{Keys: other}.Token(client.UUID, "ANSWER_DELIVERED"),
		"garbage":           "not-a-token",
		"empty":             "",
		"an unknown kind":   u.Token(client.UUID, "NOT_A_KIND"),
		"a truncated token": parts[0] + "." + parts[1],
	} {
		if code, _ := nkUnsubscribe(t, w, http.MethodPost, bad); code != http.StatusBadRequest {
			t.Errorf("%s: status %d, want 400", name, code)
		}
	}
	if p := w.prefs(t, client.Token); !p["ANSWER_DELIVERED"].Email || !p["REFUNDED"].Email {
		t.Fatalf("a refused token changed preferences: %v", p)
	}
	if p := w.prefs(t, w.callers[azClient2].Token); !p["ANSWER_DELIVERED"].Email {
		t.Fatalf("a refused token changed another user's preferences: %v", p)
	}

	// The one-click POST turns that kind off, and only that kind; again is harmless.
	for range 2 {
		if code, body := nkUnsubscribe(t, w, http.MethodPost, tok); code != http.StatusOK || !strings.Contains(body, "answer delivered") {
			t.Fatalf("POST: %d %s", code, body)
		}
	}
	p := w.prefs(t, client.Token)
	if p["ANSWER_DELIVERED"].Email || !p["REFUNDED"].Email {
		t.Fatalf("after unsubscribing: %v", p)
	}
}

// flip changes the first character of a base64url string to another valid one.
func flip(s string) string {
	if s == "" {
		return "A"
	}
	c := byte('A')
	if s[0] == 'A' {
		c = 'B'
	}
	return string(c) + s[1:]
}
