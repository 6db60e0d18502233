package main

import (
	"encoding/base64"
	"testing"

	"github.com/google/uuid"

	"backbone/internal/wallet"
)

// azFundEarnings gives an account earnings the way the question lifecycle will: a client
// pays into a question's escrow, which is captured for the expert. It also sets the
// expert's payout method, which requestPayout needs. Fixtures only.
func (w *azWorld) azFundEarnings(t *testing.T, expert *azAccount, credits int64) {
	t.Helper()
	w.acSetPayoutMethod(t, expert.Token, "PAYPAL", "payouts-"+expert.UUID.String()[:8]+"@example.com")
	svc, err := wallet.NewService(wallet.Deps{Client: w.db}, wallet.Options{})
	if err != nil {
		t.Fatal(err)
	}
	client := w.callers[azClient].UUID
	question := uuid.New()
	var out struct{ BuyCredits struct{ Credits int } }
	w.mustGQL(t, w.callers[azClient].Token,
		`mutation($k: String!, $c: Int!) { buyCredits(credits: $c, idempotencyKey: $k) { credits } }`,
		map[string]any{"k": "fund-" + question.String(), "c": credits}, &out)
	ctx := w.system()
	if _, err := svc.Hold(ctx, wallet.HoldInput{QuestionID: question, ClientID: client, Amount: credits, IdempotencyKey: "hold"}); err != nil {
		t.Fatalf("hold: %v", err)
	}
	if _, err := svc.Capture(ctx, wallet.CaptureInput{QuestionID: question, ClientID: client, ExpertID: expert.UUID, IdempotencyKey: "capture"}); err != nil {
		t.Fatalf("capture: %v", err)
	}
}

// azPayout makes a pending payout of the approved expert and returns its global id.
func (w *azWorld) azPayout(t *testing.T) string {
	t.Helper()
	expert := w.callers[azExpert]
	w.azFundEarnings(t, expert, 10)
	var out struct{ RequestPayout struct{ ID string } }
	w.mustGQL(t, expert.Token, `mutation($k: String!) { requestPayout(amount: 5, idempotencyKey: $k) { id } }`,
		map[string]any{"k": uuid.NewString()}, &out)
	return out.RequestPayout.ID
}

// azWalletRows are the rows of the wallet's fields.
func azWalletRows() []azRow {
	expertsOnly := func() map[azCaller]azOutcome {
		m := azExpect(azUnauthenticated, azForbidden, azForbidden)
		m[azExpert], m[azPending] = azAllowed, azAllowed // pending applicants hold the EXPERT role
		return m
	}
	clientID := func(t *testing.T, w *azWorld, c azCaller, req *azRequest) {
		req.vars = map[string]any{"id": w.callers[azClient].ID}
	}
	expertID := func(t *testing.T, w *azWorld, c azCaller, req *azRequest) { // earnings are an expert's
		req.vars = map[string]any{"id": w.callers[azExpert].ID}
	}
	key := func(t *testing.T, w *azWorld, c azCaller, req *azRequest) {
		req.vars = map[string]any{"k": uuid.NewString(), "id": w.callers[azClient].ID}
	}
	return []azRow{
		{op: `{ wallet { balance held } }`, want: azSignedIn()},
		{op: `{ ledgerEntries(first: 5) { totalCount } }`, want: azSignedIn()},
		{op: `{ earnings { available } }`, want: expertsOnly()},
		{
			op: `{ payouts(first: 5) { totalCount } }`,
			want: func() map[azCaller]azOutcome {
				m := expertsOnly()
				m[azAdmin] = azAllowed
				return m
			}(),
		},
		{op: `query($id: ID!) { userWallet(userId: $id) { balance } }`, prepare: clientID, want: azAdminOnly()},
		{op: `query($id: ID!) { userEarnings(userId: $id) { available } }`, prepare: expertID, want: azAdminOnly()},
		{op: `{ accounts(first: 5) { totalCount } }`, want: azAdminOnly()},
		{
			op: `query($id: ID!) { accountEntries(accountId: $id, first: 5) { totalCount } }`,
			prepare: func(t *testing.T, w *azWorld, c azCaller, req *azRequest) {
				req.vars = map[string]any{"id": base64.RawURLEncoding.EncodeToString([]byte("Account:" + uuid.NewString()))}
			},
			want: azAdminOnly(),
		},
		{op: `{ platformRevenue }`, want: azAdminOnly()},
		{op: `{ creditPurchases(first: 5) { totalCount } }`, want: azSignedIn()},
		{op: `mutation($k: String!) { buyCredits(credits: 10, idempotencyKey: $k) { status } }`, prepare: key, want: azClientsOnly()},
		{
			op:      `mutation($k: String!, $id: ID!) { grantCredits(userId: $id, credits: 5, reason: "table", idempotencyKey: $k) { balance } }`,
			prepare: key, want: azAdminOnly(),
		},
		{
			op: `mutation($k: String!) { requestPayout(amount: 1, idempotencyKey: $k) { status } }`,
			prepare: func(t *testing.T, w *azWorld, c azCaller, req *azRequest) {
				if a := w.callers[c]; c == azExpert || c == azPending {
					w.azFundEarnings(t, a, 2)
				}
				req.vars = map[string]any{"k": uuid.NewString()}
			},
			want: expertsOnly(),
		},
		{
			op: `mutation($k: String!, $id: ID!) { decidePayout(payoutId: $id, approve: false, note: "table", idempotencyKey: $k) { status } }`,
			prepare: func(t *testing.T, w *azWorld, c azCaller, req *azRequest) {
				req.vars = map[string]any{"k": uuid.NewString(), "id": w.azPayout(t)}
			},
			want: azAdminOnly(),
		},
	}
}
