package main

import (
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/google/uuid"
	"github.com/gorilla/websocket"
)

// The limits beside the budgets: websocket handshakes per address, and questions per
// client per hour (an admin setting).

// dialFrom starts a websocket upgrade from ip (believed through X-Forwarded-For).
func dialFrom(t *testing.T, ts *testServer, ip string) (*websocket.Conn, *http.Response, error) {
	t.Helper()
	dialer := websocket.Dialer{Subprotocols: []string{"graphql-transport-ws"}}
	conn, res, err := dialer.Dial("ws"+strings.TrimPrefix(ts.URL, "http")+"/query", http.Header{"X-Forwarded-For": {ip}})
	if conn != nil {
		t.Cleanup(func() { conn.Close() })
	}
	return conn, res, err
}

func TestWebsocketHandshakesArePerAddress(t *testing.T) {
	t.Parallel()
	env := embeddedEnv(t)
	env["TRUSTED_PROXIES"], env["WS_HANDSHAKES_PER_IP"] = "127.0.0.1/32", "2"
	ts := startServer(t, env)
	ip := newAPI(ts).ip
	for i := range 2 {
		if _, res, err := dialFrom(t, ts, ip); err != nil {
			t.Fatalf("handshake %d of 2: %v (status %v)", i+1, err, res)
		}
	}
	_, res, err := dialFrom(t, ts, ip)
	if err == nil || res == nil || res.StatusCode != http.StatusTooManyRequests {
		t.Fatalf("third handshake in a minute: err %v, response %v; want 429", err, res)
	}
	defer res.Body.Close()
	var body gqlResponse
	raw, _ := io.ReadAll(res.Body)
	if err := json.Unmarshal(raw, &body); err != nil {
		t.Fatalf("refusal body %s: %v", raw, err)
	}
	retry := budgetAnswer{resp: body}.refusal(t)
	if got := res.Header.Get("Retry-After"); got != strconv.Itoa(retry) || retry > 30 {
		t.Errorf("Retry-After %q, retryAfter %d: want equal, at most 30s (a minute over 2)", got, retry)
	}
	if _, res, err := dialFrom(t, ts, newAPI(ts).ip); err != nil {
		t.Fatalf("another address was refused: %v (status %v)", err, res)
	}
}

func TestSubmitQuestionIsLimitedPerClientPerHour(t *testing.T) {
	t.Parallel()
	w := newAzWorld(t, nil)
	admin, client, other := w.callers[azAdmin], w.callers[azClient], w.callers[azClient2]
	var set struct {
		UpdateSettings struct{ QuestionsPerHour int }
	}
	w.mustGQL(t, admin.Token, `mutation { updateSettings(input: {questionsPerHour: 2}) { questionsPerHour } }`, nil, &set)
	if set.UpdateSettings.QuestionsPerHour != 2 {
		t.Fatalf("updateSettings answered %+v", set.UpdateSettings)
	}

	w.qfSubmit(t, client)
	w.qfSubmit(t, client)
	w.wfBuy(t, client.Token, qfPrice, uuid.NewString())
	_, r := w.gql(t, client.Token, qfSubmitMutation, map[string]any{"in": map[string]any{
		"subject": qfSubject, "title": "A third question", "body": "Within the same hour.",
		"urgency": "NORMAL", "idempotencyKey": uuid.NewString()}})
	budgetAnswer{resp: r}.refusal(t)

	// The limit is per client: another client still submits.
	w.qfSubmit(t, other)
	var wallet struct{ Wallet struct{ Balance int } }
	w.mustGQL(t, client.Token, `{ wallet { balance } }`, nil, &wallet)
	if wallet.Wallet.Balance != qfPrice {
		t.Fatalf("balance %d after the refused submission, want the %d credits it did not spend", wallet.Wallet.Balance, qfPrice)
	}
}
