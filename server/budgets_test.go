package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"backbone/internal/testenv"
)

// Rate budget tests: every operation is charged its points before it runs; the answer
// carries the RateLimit headers, and a spent budget refuses with RATE_LIMITED and
// retryAfter on every transport.

const budgetQuery = `{ rateLimit { cost limit remaining resetAt } }`

type budgetStatus struct {
	Cost, Limit, Remaining int
	ResetAt                time.Time
}

// budgetAnswer is one HTTP answer of /query: status, headers and body.
type budgetAnswer struct {
	status int
	header http.Header
	resp   gqlResponse
}

// rateLimit decodes the rateLimit field of an answer that must have succeeded.
func (a budgetAnswer) rateLimit(t *testing.T) budgetStatus {
	t.Helper()
	var out struct{ RateLimit *budgetStatus }
	if len(a.resp.Errors) > 0 || json.Unmarshal(a.resp.Data, &out) != nil || out.RateLimit == nil {
		t.Fatalf("want a rateLimit, got status %d, data %s, errors %+v", a.status, a.resp.Data, a.resp.Errors)
	}
	return *out.RateLimit
}

// refusal checks that the answer is RATE_LIMITED and returns its retryAfter.
func (a budgetAnswer) refusal(t *testing.T) int {
	t.Helper()
	ext := wantCode(t, a.resp, "RATE_LIMITED")
	retry, ok := ext["retryAfter"].(float64)
	if !ok || retry < 1 {
		t.Fatalf("retryAfter %v, want whole seconds, at least 1", ext["retryAfter"])
	}
	return int(retry)
}

// budgetCall sends query over POST (or GET) from ip with the credential ("Bearer x",
// "key:<secret>" for an API key, or "").
func budgetCall(t *testing.T, ts *testServer, method, ip, cred, query string) budgetAnswer {
	t.Helper()
	var req *http.Request
	if method == http.MethodGet {
		req, _ = http.NewRequest(method, ts.URL+"/query?query="+url.QueryEscape(query), nil)
	} else {
		body, _ := json.Marshal(map[string]any{"query": query})
		req, _ = http.NewRequest(method, ts.URL+"/query", bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("Accept", "application/graphql-response+json")
	req.Header.Set("X-Forwarded-For", ip)
	if key, ok := strings.CutPrefix(cred, "key:"); ok {
		req.Header.Set("X-API-Key", key)
	} else if cred != "" {
		req.Header.Set("Authorization", cred)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	out := budgetAnswer{status: res.StatusCode, header: res.Header}
	if err := json.Unmarshal(raw, &out.resp); err != nil {
		t.Fatalf("%s /query: status %d, body not JSON: %s", method, res.StatusCode, raw)
	}
	return out
}

// spend runs light operations as cred from ip until the budget refuses one.
func spend(t *testing.T, ts *testServer, ip, cred string) {
	t.Helper()
	for range 100 {
		if a := budgetCall(t, ts, http.MethodPost, ip, cred, budgetQuery); len(a.resp.Errors) > 0 {
			a.refusal(t)
			return
		}
	}
	t.Fatal("100 operations did not spend the budget")
}

// aliased repeats the rateLimit selection n times under aliases: 5 complexity each.
func aliased(n int) string {
	var b strings.Builder
	b.WriteString("{")
	for i := range n {
		fmt.Fprintf(&b, " a%d: rateLimit { cost limit remaining resetAt }", i)
	}
	return b.String() + " }"
}

func TestRateBudgetChargesEachOperationItsCost(t *testing.T) {
	t.Parallel()
	env := authEnv(t)
	// A window so long that no point comes back while the test runs: exact counts.
	env["RATE_BUDGET_WINDOW"], env["RATE_BUDGET_ANONYMOUS"], env["RATE_BUDGET_USER"], env["RATE_BUDGET_API_KEY"] = "1000h", "1000", "2000", "1500"
	ts := startServer(t, env)
	c := newAPI(ts)

	light := budgetCall(t, ts, http.MethodPost, c.ip, "", budgetQuery)
	got := light.rateLimit(t)
	if got.Cost != 1 || got.Limit != 1000 || got.Remaining != 999 || !got.ResetAt.After(time.Now().Add(-time.Minute)) {
		t.Fatalf("first light operation: %+v, want cost 1, limit 1000, remaining 999, resetAt ahead", got)
	}
	wantBudgetHeaders(t, light.header, "anonymous", 1000, 3_600_000, got.Remaining)

	heavy := budgetCall(t, ts, http.MethodPost, c.ip, "", aliased(30)) // complexity 150: 2 points
	var out map[string]budgetStatus
	if err := json.Unmarshal(heavy.resp.Data, &out); err != nil || len(heavy.resp.Errors) > 0 {
		t.Fatalf("heavy operation: %s %+v", heavy.resp.Data, heavy.resp.Errors)
	}
	h := out["a0"]
	if h.Cost != 2 || h.Remaining != 999-2 {
		t.Fatalf("heavy operation: %+v, want cost 2 and remaining 997", h)
	}
	wantBudgetHeaders(t, heavy.header, "anonymous", 1000, 3_600_000, h.Remaining)

	// A signed-in user has a budget of its own, whatever its address has spent, and so have
	// its API keys (together: TestAPIKeysOfAUserShareOneBudget).
	s := c.register(t, uniqueEmail("budget"))
	user := budgetCall(t, ts, http.MethodPost, c.ip, bearer(s.AccessToken), budgetQuery)
	if got := user.rateLimit(t); got.Cost != 1 || got.Limit != 2000 || got.Remaining != 1999 {
		t.Fatalf("user's first operation: %+v, want cost 1, limit 2000, remaining 1999", got)
	}
	wantBudgetHeaders(t, user.header, "user", 2000, 3_600_000, 1999)
	var key struct{ CreateApiKey struct{ Secret string } }
	c.ok(t, bearer(s.AccessToken), `mutation { createApiKey(input: {name: "budget", scopes: [READ]}) { secret } }`, nil, &key)
	req, _ := http.NewRequest(http.MethodPost, ts.URL+"/query", strings.NewReader(`{"query":"`+budgetQuery+`"}`))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-API-Key", key.CreateApiKey.Secret)
	req.Header.Set("X-Forwarded-For", c.ip)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var byKey struct {
		Data struct{ RateLimit budgetStatus }
	}
	if err := json.NewDecoder(res.Body).Decode(&byKey); err != nil || byKey.Data.RateLimit.Limit != 1500 || byKey.Data.RateLimit.Remaining != 1499 {
		t.Fatalf("API key's first operation: %+v (%v), want limit 1500, remaining 1499", byKey.Data.RateLimit, err)
	}
	wantBudgetHeaders(t, res.Header, "api_key", 1500, 3_600_000, 1499)

	// The address paid for the register mutation (anonymous), not for the user's query.
	if got := budgetCall(t, ts, http.MethodPost, c.ip, "", budgetQuery).rateLimit(t); got.Remaining != 997-2 {
		t.Fatalf("anonymous after register and the user's query: %+v, want remaining 995", got)
	}
}

// The API keys of a user share one budget: a key made after the others spent it brings
// no new points, nor does revoking one. The user's own sessions keep their budget, and
// another user's keys theirs.
func TestAPIKeysOfAUserShareOneBudget(t *testing.T) {
	t.Parallel()
	env := authEnv(t)
	// No point comes back while the test runs: exact counts.
	env["RATE_BUDGET_WINDOW"], env["RATE_BUDGET_API_KEY"], env["QUERY_COMPLEXITY_LIMIT"] = "1000h", "3", "300"
	ts := startServer(t, env)
	c := newAPI(ts)
	owner := c.register(t, uniqueEmail("keys"))
	first, second := c.createKey(t, owner, "first", "READ"), c.createKey(t, owner, "second", "READ")

	if got := budgetCall(t, ts, http.MethodPost, c.ip, "key:"+first.Secret, budgetQuery).rateLimit(t); got.Limit != 3 || got.Remaining != 2 {
		t.Fatalf("first key's operation: %+v, want limit 3, remaining 2", got)
	}
	if got := budgetCall(t, ts, http.MethodPost, c.ip, "key:"+second.Secret, budgetQuery).rateLimit(t); got.Remaining != 1 {
		t.Fatalf("second key's operation: %+v, want remaining 1 (the first key's budget)", got)
	}
	spend(t, ts, c.ip, "key:"+first.Secret)
	budgetCall(t, ts, http.MethodPost, c.ip, "key:"+second.Secret, budgetQuery).refusal(t)
	c.ok(t, bearer(owner.AccessToken), revokeKeyMutation, map[string]any{"id": first.APIKey.ID}, nil)
	fresh := c.createKey(t, owner, "fresh", "READ")
	budgetCall(t, ts, http.MethodPost, c.ip, "key:"+fresh.Secret, budgetQuery).refusal(t)

	// Their sessions paid only for the key mutations (a few points each).
	if got := budgetCall(t, ts, http.MethodPost, c.ip, bearer(owner.AccessToken), budgetQuery).rateLimit(t); got.Limit != 5000 || got.Remaining < 4900 {
		t.Errorf("the owner's session after their keys spent theirs: %+v, want the user's budget of 5000, nearly full", got)
	}
	other := c.register(t, uniqueEmail("other-keys"))
	if got := budgetCall(t, ts, http.MethodPost, c.ip, "key:"+c.createKey(t, other, "other", "READ").Secret, budgetQuery).rateLimit(t); got.Remaining != 2 {
		t.Errorf("another user's key: %+v, want remaining 2", got)
	}
}

// wantBudgetHeaders checks the IETF draft's RateLimit-Policy and RateLimit fields.
func wantBudgetHeaders(t *testing.T, h http.Header, policy string, quota, window, remaining int) {
	t.Helper()
	if got, want := h.Get("RateLimit-Policy"), fmt.Sprintf("%q;q=%d;w=%d", policy, quota, window); got != want {
		t.Errorf("RateLimit-Policy %q, want %q", got, want)
	}
	prefix := fmt.Sprintf("%q;r=%d;t=", policy, remaining)
	rest, ok := strings.CutPrefix(h.Get("RateLimit"), prefix)
	if reset, err := strconv.Atoi(rest); !ok || err != nil || reset < 1 || reset > window {
		t.Errorf("RateLimit %q, want %s<seconds until full, 1 to %d>", h.Get("RateLimit"), prefix, window)
	}
	if h.Get("Retry-After") != "" {
		t.Errorf("Retry-After %q on an admitted operation", h.Get("Retry-After"))
	}
}

func TestRateBudgetRefusesOnEveryTransport(t *testing.T) {
	t.Parallel()
	env := authEnv(t)
	// Three points an hour for a user; no operation may cost more than that.
	env["RATE_BUDGET_USER"], env["QUERY_COMPLEXITY_LIMIT"] = "3", "300"
	ts := startServer(t, env)

	checkHTTP := func(t *testing.T, a budgetAnswer, wantStatus int) {
		t.Helper()
		retry := a.refusal(t)
		if a.status != wantStatus {
			t.Errorf("status %d, want %d", a.status, wantStatus)
		}
		if got := a.header.Get("Retry-After"); got != strconv.Itoa(retry) {
			t.Errorf("Retry-After %q, want %d as in the error", got, retry)
		}
		if !strings.HasPrefix(a.header.Get("RateLimit"), `"user";r=0;t=`) {
			t.Errorf("RateLimit %q, want the user's policy with r=0", a.header.Get("RateLimit"))
		}
	}
	for name, try := range map[string]func(t *testing.T, ip, cred string){
		"POST": func(t *testing.T, ip, cred string) {
			checkHTTP(t, budgetCall(t, ts, http.MethodPost, ip, cred, budgetQuery), http.StatusTooManyRequests)
		},
		"GET": func(t *testing.T, ip, cred string) {
			checkHTTP(t, budgetCall(t, ts, http.MethodGet, ip, cred, budgetQuery), http.StatusTooManyRequests)
		},
		"server-sent events": func(t *testing.T, _, cred string) {
			stream, res := sseOpen(t, &azWorld{ts: ts}, strings.TrimPrefix(cred, "Bearer "), budgetQuery, nil)
			if stream == nil {
				t.Fatalf("event stream refused: status %d", res.StatusCode)
			}
			kind, data := stream.event(t)
			var r gqlResponse
			if err := json.Unmarshal([]byte(data), &r); kind != "next" || err != nil {
				t.Fatalf("event %s %s: %v", kind, data, err)
			}
			retry := budgetAnswer{resp: r}.refusal(t)
			if got := res.Header.Get("Retry-After"); got != strconv.Itoa(retry) {
				t.Errorf("Retry-After %q, want %d as in the error", got, retry)
			}
		},
		"websocket": func(t *testing.T, _, cred string) {
			conn := wsAuthed(t, ts, strings.TrimPrefix(cred, "Bearer "))
			mustWriteJSON(t, conn, map[string]any{"id": "1", "type": "subscribe", "payload": map[string]any{"query": budgetQuery}})
			msg, err := wsRead(conn, 10*time.Second)
			if err != nil || msg["type"] != "next" {
				t.Fatalf("want the operation's one result, got %v %v", msg, err)
			}
			raw, _ := json.Marshal(msg["payload"])
			var r gqlResponse
			_ = json.Unmarshal(raw, &r)
			if len(r.Data) > 0 && string(r.Data) != "null" {
				t.Fatalf("refused operation has data %s", r.Data)
			}
			budgetAnswer{resp: r}.refusal(t)
		},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			c := newAPI(ts)
			cred := bearer(c.register(t, uniqueEmail("spent")).AccessToken)
			spend(t, ts, c.ip, cred)
			try(t, c.ip, cred)
		})
	}
}

// The budget comes back as its window passes. The window is two seconds, so the test
// waits for the refusal's retryAfter, then polls: it asserts that a point comes back,
// never how fast.
func TestRateBudgetComesBackAfterItsWindow(t *testing.T) {
	t.Parallel()
	env := embeddedEnv(t)
	env["TRUSTED_PROXIES"], env["RATE_BUDGET_WINDOW"], env["RATE_BUDGET_ANONYMOUS"], env["QUERY_COMPLEXITY_LIMIT"] = "127.0.0.1/32", "2s", "2", "200"
	ts := startServer(t, env)
	ip := newAPI(ts).ip
	var retry int
	for i := 0; ; i++ { // points come back while we spend them: spend until the first refusal
		if i == 100 {
			t.Fatal("100 operations in a row passed a budget of 2 points per 2s")
		}
		if a := budgetCall(t, ts, http.MethodPost, ip, "", budgetQuery); len(a.resp.Errors) > 0 {
			retry = a.refusal(t)
			break
		}
	}
	if retry > 2 {
		t.Fatalf("retryAfter %d, want at most the 2s window", retry)
	}
	time.Sleep(time.Duration(retry) * time.Second)
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		a := budgetCall(t, ts, http.MethodPost, ip, "", budgetQuery)
		if len(a.resp.Errors) == 0 {
			if got := a.rateLimit(t); got.Limit != 2 || got.Cost != 1 {
				t.Fatalf("after the wait: %+v, want cost 1 of 2", got)
			}
			return
		}
		a.refusal(t)
		if time.Now().After(deadline) {
			t.Fatal("the budget did not come back within 30s of its retryAfter")
		}
	}
}

// With REDIS_URL every instance charges one budget: an address that spent it on one
// server is refused by the other.
func TestRateBudgetIsSharedThroughRedis(t *testing.T) {
	t.Parallel()
	shared := map[string]string{
		"REDIS_URL": testenv.NeedRedis(t), "NAMESPACE": testenv.RandomName("budget-"),
		"TRUSTED_PROXIES": "127.0.0.1/32", "RATE_BUDGET_ANONYMOUS": "3", "QUERY_COMPLEXITY_LIMIT": "300",
		"RATE_BUDGET_WINDOW": "1000h", // no point comes back while the test runs
	}
	one := startServer(t, withDefaults(shared, embeddedEnv(t)))
	two := startServer(t, withDefaults(shared, embeddedEnv(t)))
	ip := newAPI(one).ip
	if got := budgetCall(t, one, http.MethodPost, ip, "", budgetQuery).rateLimit(t); got.Remaining != 2 {
		t.Fatalf("first operation, on one: %+v, want remaining 2", got)
	}
	if got := budgetCall(t, two, http.MethodPost, ip, "", budgetQuery).rateLimit(t); got.Remaining != 1 {
		t.Fatalf("second operation, on two: %+v, want remaining 1 (one budget)", got)
	}
	budgetCall(t, one, http.MethodPost, ip, "", budgetQuery).rateLimit(t)
	budgetCall(t, two, http.MethodPost, ip, "", budgetQuery).refusal(t)
}
