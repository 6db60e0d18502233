package main

import (
	"context"
	"encoding/base64"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/google/uuid"

	"backbone/internal/wallet"
)

// Helpers of the wallet end-to-end tests (wallet_*_test.go), on top of azWorld: a real
// server on its own PostgreSQL database with signed-in callers.

// wfWallet is a Wallet as the tests read it.
type wfWallet struct{ Balance, Held int }

// wfEarnings is an Earnings as the tests read it.
type wfEarnings struct{ Available, PendingPayout, PaidOut int }

// wfEntry is a LedgerEntry as the tests read it.
type wfEntry struct {
	ID      string
	Amount  int
	Kind    string
	Account struct {
		ID      string
		Kind    string
		Balance int
	}
}

// wfPurchase is a CreditPurchase as the tests read it.
type wfPurchase struct {
	Status      string
	Credits     int
	CheckoutURL *string
	Wallet      wfWallet
}

// wfPayout is a Payout as the tests read it.
type wfPayout struct {
	ID, Status, Note string
	Amount           int
	DecidedAt        *string
	Expert           struct{ ID, Email string }
}

const (
	wfBuyMutation = `mutation($c: Int!, $k: String!) { buyCredits(credits: $c, idempotencyKey: $k) {
		status credits checkoutUrl wallet { balance held } } }`
	wfEntryFields    = `totalCount edges { node { id amount kind account { id kind balance } } }`
	wfPayoutFields   = `id status note amount decidedAt expert { id email }`
	wfRequestPayout  = `mutation($a: Int!, $k: String!) { requestPayout(amount: $a, idempotencyKey: $k) { ` + wfPayoutFields + ` } }`
	wfDecidePayout   = `mutation($id: ID!, $ok: Boolean!, $n: String, $k: String!) { decidePayout(payoutId: $id, approve: $ok, note: $n, idempotencyKey: $k) { ` + wfPayoutFields + ` } }`
	wfEarningsQuery  = `{ earnings { available pendingPayout paidOut } }`
	wfNodeQuery      = `query($id: ID!) { node(id: $id) { id __typename } }`
	wfPayoutsQuery   = `query($s: PayoutStatus) { payouts(first: 50, status: $s) { totalCount edges { node { ` + wfPayoutFields + ` } } } }`
	wfRevenueQuery   = `{ platformRevenue }`
	wfGrantMutation  = `mutation($id: ID!, $c: Int!, $r: String!, $k: String!) { grantCredits(userId: $id, credits: $c, reason: $r, idempotencyKey: $k) { balance held } }`
	wfAuditLogsQuery = `query($f: AuditLogsFilter) { auditLogs(first: 20, filter: $f) { totalCount edges { node { action targetType targetId actor { id } metadata } } } }`
	wfAccountsQuery  = `query($o: ID, $k: AccountKind) { accounts(first: 20, ownerId: $o, kind: $k) { totalCount edges { node { id kind balance } } } }`
	wfAccountEntries = `query($id: ID!) { accountEntries(accountId: $id, first: 20) { ` + wfEntryFields + ` } }`
	wfLedgerEntries  = `{ ledgerEntries(first: 50) { ` + wfEntryFields + ` } }`
	wfWalletQuery    = `{ wallet { balance held } }`
)

// wfFail runs an operation that must fail with code and returns the error's extensions.
func (w *azWorld) wfFail(t *testing.T, token, code, query string, vars map[string]any) map[string]any {
	t.Helper()
	_, r := w.gql(t, token, query, vars)
	return wantCode(t, r, code)
}

// wfWallet reads the caller's wallet.
func (w *azWorld) wfWallet(t *testing.T, token string) wfWallet {
	t.Helper()
	var out struct{ Wallet wfWallet }
	w.mustGQL(t, token, wfWalletQuery, nil, &out)
	return out.Wallet
}

// wfEarnings reads the calling expert's earnings.
func (w *azWorld) wfEarnings(t *testing.T, token string) wfEarnings {
	t.Helper()
	var out struct{ Earnings wfEarnings }
	w.mustGQL(t, token, wfEarningsQuery, nil, &out)
	return out.Earnings
}

// wfEntries reads the caller's ledger entries, newest first.
func (w *azWorld) wfEntries(t *testing.T, token string) []wfEntry {
	t.Helper()
	var out struct{ LedgerEntries wfConnection[wfEntry] }
	w.mustGQL(t, token, wfLedgerEntries, nil, &out)
	return out.LedgerEntries.nodes(t)
}

// wfBuy buys credits that must be bought.
func (w *azWorld) wfBuy(t *testing.T, token string, credits int, key string) wfPurchase {
	t.Helper()
	var out struct{ BuyCredits wfPurchase }
	w.mustGQL(t, token, wfBuyMutation, map[string]any{"c": credits, "k": key}, &out)
	return out.BuyCredits
}

// wfRevenue reads the platform's revenue as admin.
func (w *azWorld) wfRevenue(t *testing.T) int {
	t.Helper()
	var out struct{ PlatformRevenue int }
	w.mustGQL(t, w.callers[azAdmin].Token, wfRevenueQuery, nil, &out)
	return out.PlatformRevenue
}

// wfRequestPayout asks for a payout that must be accepted.
func (w *azWorld) wfRequestPayout(t *testing.T, token string, amount int, key string) wfPayout {
	t.Helper()
	var out struct{ RequestPayout wfPayout }
	w.mustGQL(t, token, wfRequestPayout, map[string]any{"a": amount, "k": key}, &out)
	return out.RequestPayout
}

// wfDecide has the admin decide a payout; the decision must be accepted.
func (w *azWorld) wfDecide(t *testing.T, payoutID string, approve bool, note string) wfPayout {
	t.Helper()
	var out struct{ DecidePayout wfPayout }
	w.mustGQL(t, w.callers[azAdmin].Token, wfDecidePayout,
		map[string]any{"id": payoutID, "ok": approve, "n": note, "k": uuid.NewString()}, &out)
	return out.DecidePayout
}

// wfPayouts lists the payouts the caller sees, of status s when not empty.
func (w *azWorld) wfPayouts(t *testing.T, token, s string) []wfPayout {
	t.Helper()
	vars := map[string]any{}
	if s != "" {
		vars["s"] = s
	}
	var out struct{ Payouts wfConnection[wfPayout] }
	w.mustGQL(t, token, wfPayoutsQuery, vars, &out)
	return out.Payouts.nodes(t)
}

// wfNode resolves a global id as the caller and returns its __typename, "" for null.
func (w *azWorld) wfNode(t *testing.T, token, id string) string {
	t.Helper()
	var out struct {
		Node *struct {
			ID       string
			Typename string `json:"__typename"`
		}
	}
	w.mustGQL(t, token, wfNodeQuery, map[string]any{"id": id}, &out)
	if out.Node == nil {
		return ""
	}
	if out.Node.ID != id {
		t.Fatalf("node(%s) answered id %s", id, out.Node.ID)
	}
	return out.Node.Typename
}

// wfLedger is a wallet service on the world's database, for fixtures the API does not
// offer yet (holds and captures belong to the question lifecycle).
func (w *azWorld) wfLedger(t *testing.T) (*wallet.Service, context.Context) {
	t.Helper()
	svc, err := wallet.NewService(wallet.Deps{Client: w.db}, wallet.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return svc, w.system()
}

// wfConnection is a Relay connection as the tests read it.
type wfConnection[T any] struct {
	TotalCount int
	Edges      []struct{ Node T }
}

// nodes returns the connection's nodes, checking that one page held them all.
func (c wfConnection[T]) nodes(t *testing.T) []T {
	t.Helper()
	if c.TotalCount != len(c.Edges) {
		t.Fatalf("totalCount %d but %d edges", c.TotalCount, len(c.Edges))
	}
	out := make([]T, len(c.Edges))
	for i, e := range c.Edges {
		out[i] = e.Node
	}
	return out
}

// wfUserGID is the global id of a user that may not exist.
func wfUserGID(id uuid.UUID) string {
	return base64.RawURLEncoding.EncodeToString([]byte("User:" + id.String()))
}

// wfKinds sums up entries as sorted "KIND:ACCOUNT_KIND:amount" words: the legs of one
// transaction share a time, so their order is not part of the contract.
func wfKinds(entries []wfEntry) string {
	words := make([]string, len(entries))
	for i, e := range entries {
		words[i] = fmt.Sprintf("%s:%s:%d", e.Kind, e.Account.Kind, e.Amount)
	}
	slices.Sort(words)
	return strings.Join(words, " ")
}

// wfAccountOf is the id of the account of the given kind among entries' accounts.
func wfAccountOf(entries []wfEntry, kind string) string {
	for _, e := range entries {
		if e.Account.Kind == kind {
			return e.Account.ID
		}
	}
	return ""
}
