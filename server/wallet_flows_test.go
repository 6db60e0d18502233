package main

import (
	"strings"
	"testing"

	"github.com/google/uuid"

	"backbone/internal/wallet"
)

// TestWalletFlows runs the wallet's GraphQL operations over HTTP against PostgreSQL; each
// subtest signs up the accounts whose money it looks at.
func TestWalletFlows(t *testing.T) {
	t.Parallel()
	w := newAzWorld(t, nil)
	t.Run("buyCredits", func(t *testing.T) { t.Parallel(); testBuyCredits(t, w) })
	t.Run("grantCredits", func(t *testing.T) { t.Parallel(); testGrantCredits(t, w) })
	t.Run("ownership", func(t *testing.T) { t.Parallel(); testLedgerOwnership(t, w) })
	t.Run("webhook route absent without a secret", func(t *testing.T) { t.Parallel(); testWebhookAbsent(t, w) })
}

func testBuyCredits(t *testing.T, w *azWorld) {
	c := w.fresh(t, azClient)
	first := w.wfBuy(t, c.Token, 25, "buy-1")
	if want := (wfPurchase{Status: "COMPLETED", Credits: 25, Wallet: wfWallet{Balance: 25}}); first != want {
		t.Fatalf("buyCredits = %+v, want %+v", first, want)
	}
	if got := w.wfWallet(t, c.Token); got != (wfWallet{Balance: 25}) {
		t.Fatalf("wallet after buying 25 = %+v", got)
	}
	entries := w.wfEntries(t, c.Token)
	if len(entries) != 1 {
		t.Fatalf("ledger entries after one purchase: %+v", entries)
	}
	if e := entries[0]; e.Amount != 25 || e.Kind != "PURCHASE" || e.Account.Kind != "WALLET" || e.Account.Balance != 25 {
		t.Fatalf("purchase posting = %+v, want +25 PURCHASE on the WALLET", e)
	}

	if again := w.wfBuy(t, c.Token, 25, "buy-1"); again != first {
		t.Fatalf("replayed buyCredits = %+v, want %+v", again, first)
	}
	w.wfFail(t, c.Token, "CONFLICT", wfBuyMutation, map[string]any{"c": 30, "k": "buy-1"})

	refusals := []struct {
		name    string
		credits int
		key     string
	}{
		{"zero credits", 0, "buy-zero"},
		{"negative credits", -5, "buy-negative"},
		{"credits above the maximum", int(wallet.MaxPurchase) + 1, "buy-max"},
		{"an empty idempotency key", 5, ""},
		{"an idempotency key with spaces around", 5, " buy-2 "},
	}
	for _, r := range refusals {
		t.Run("refuses "+r.name, func(t *testing.T) {
			w.wfFail(t, c.Token, "BAD_USER_INPUT", wfBuyMutation, map[string]any{"c": r.credits, "k": r.key})
		})
	}
	// A pack with a count of 0 was refused as `pack "starter" has 100 credits, not -1`.
	_, r := w.gql(t, c.Token, sfBuyMutation, map[string]any{"p": "starter", "c": 0, "k": "buy-pack-zero"})
	if wantCode(t, r, "BAD_USER_INPUT"); !strings.HasPrefix(r.Errors[0].Message, "credits must be between 1 and") {
		t.Errorf("buyCredits(pack: starter, credits: 0) answered %q", r.Errors[0].Message)
	}
	if got := w.wfWallet(t, c.Token); got != (wfWallet{Balance: 25}) {
		t.Fatalf("wallet after a replay and refusals = %+v, want 25", got)
	}
	if got := w.wfEntries(t, c.Token); len(got) != 1 {
		t.Fatalf("ledger entries after a replay and refusals: %+v", got)
	}

	// Keys are per buyer: another client's "buy-1" is a purchase of its own.
	other := w.fresh(t, azClient)
	if got := w.wfBuy(t, other.Token, 10, "buy-1"); got.Status != "COMPLETED" || got.Wallet.Balance != 10 {
		t.Fatalf("another client's buyCredits with the same key = %+v", got)
	}
	if got := w.wfWallet(t, c.Token); got.Balance != 25 {
		t.Fatalf("first client's wallet after another's purchase = %+v", got)
	}
}

func testGrantCredits(t *testing.T, w *azWorld) {
	admin, target := w.callers[azAdmin], w.fresh(t, azClient)
	vars := func(credits int, reason, key string) map[string]any {
		return map[string]any{"id": target.ID, "c": credits, "r": reason, "k": key}
	}
	var out struct{ GrantCredits wfWallet }
	w.mustGQL(t, admin.Token, wfGrantMutation, vars(40, "goodwill", "grant-1"), &out)
	if out.GrantCredits != (wfWallet{Balance: 40}) {
		t.Fatalf("grantCredits answered %+v, want balance 40", out.GrantCredits)
	}
	if got := w.wfWallet(t, target.Token); got.Balance != 40 {
		t.Fatalf("target's wallet after a grant of 40 = %+v", got)
	}
	if e := w.wfEntries(t, target.Token); len(e) != 1 || e[0].Kind != "GRANT" || e[0].Amount != 40 || e[0].Account.Kind != "WALLET" {
		t.Fatalf("target's ledger after the grant: %+v", e)
	}
	w.mustGQL(t, admin.Token, wfGrantMutation, vars(40, "goodwill", "grant-1"), &out)
	if out.GrantCredits.Balance != 40 {
		t.Fatalf("replayed grant moved credits: balance %d", out.GrantCredits.Balance)
	}

	refusals := []struct {
		name, token, code string
		vars              map[string]any
	}{
		{"a client", w.callers[azClient].Token, "FORBIDDEN", vars(5, "gift", "grant-client")},
		{"an expert", w.callers[azExpert].Token, "FORBIDDEN", vars(5, "gift", "grant-expert")},
		{"the target itself", target.Token, "FORBIDDEN", vars(5, "gift", "grant-self")},
		{"an empty reason", admin.Token, "BAD_USER_INPUT", vars(5, "", "grant-empty")},
		{"a blank reason", admin.Token, "BAD_USER_INPUT", vars(5, "   ", "grant-blank")},
		{"zero credits", admin.Token, "BAD_USER_INPUT", vars(0, "gift", "grant-zero")},
		{"an unknown user", admin.Token, "NOT_FOUND",
			map[string]any{"id": wfUserGID(uuid.New()), "c": 5, "r": "gift", "k": "grant-unknown"}},
	}
	for _, r := range refusals {
		t.Run("refuses "+r.name, func(t *testing.T) { w.wfFail(t, r.token, r.code, wfGrantMutation, r.vars) })
	}
	if got := w.wfWallet(t, target.Token); got.Balance != 40 {
		t.Fatalf("target's wallet after refused grants = %+v, want 40", got)
	}

	var logs struct {
		AuditLogs wfConnection[struct {
			Action, TargetType, TargetID string
			Actor                        struct{ ID string }
			Metadata                     map[string]any
		}]
	}
	w.mustGQL(t, admin.Token, wfAuditLogsQuery, map[string]any{"f": map[string]any{
		"action": "wallet.grant", "targetId": target.UUID.String()}}, &logs)
	rows := logs.AuditLogs.nodes(t)
	if len(rows) != 1 {
		t.Fatalf("audit rows of the grant (one granted, one replayed, the rest refused): %+v", rows)
	}
	if r := rows[0]; r.TargetType != "User" || r.Actor.ID != admin.ID || r.Metadata["amount"] != float64(40) || r.Metadata["reason"] != "goodwill" {
		t.Fatalf("audit row of the grant = %+v", r)
	}
}

func testLedgerOwnership(t *testing.T, w *azWorld) {
	a, b, expert := w.fresh(t, azClient), w.fresh(t, azClient), w.fresh(t, azExpert)
	w.wfBuy(t, a.Token, 20, "own-a")
	w.wfBuy(t, b.Token, 13, "own-b")
	// a's question is paid to expert: the capture has legs of a, expert and the platform.
	svc, ctx := w.wfLedger(t)
	q := uuid.New()
	if _, err := svc.Hold(ctx, wallet.HoldInput{QuestionID: q, ClientID: a.UUID, Amount: 20, IdempotencyKey: "hold"}); err != nil {
		t.Fatalf("hold: %v", err)
	}
	if _, err := svc.Capture(ctx, wallet.CaptureInput{QuestionID: q, ClientID: a.UUID, ExpertID: expert.UUID, IdempotencyKey: "capture"}); err != nil {
		t.Fatalf("capture: %v", err)
	}
	w.acSetPayoutMethod(t, expert.Token, "PAYPAL", "own-payouts@example.com")
	payout := w.wfRequestPayout(t, expert.Token, 10, "own-payout")

	aEntries, bEntries, xEntries := w.wfEntries(t, a.Token), w.wfEntries(t, b.Token), w.wfEntries(t, expert.Token)
	if got := wfKinds(aEntries); got != "CAPTURE:ESCROW:-20 HOLD:ESCROW:20 HOLD:WALLET:-20 PURCHASE:WALLET:20" {
		t.Fatalf("a's ledger entries: %s", got)
	}
	if got := wfKinds(bEntries); got != "PURCHASE:WALLET:13" {
		t.Fatalf("b's ledger entries: %s", got)
	}
	if got := wfKinds(xEntries); got != "CAPTURE:EARNINGS:16 PAYOUT_REQUEST:EARNINGS:-10 PAYOUT_REQUEST:PAYOUT:10" {
		t.Fatalf("expert's ledger entries: %s", got)
	}

	aWallet, aEscrow, xEarnings := wfAccountOf(aEntries, "WALLET"), wfAccountOf(aEntries, "ESCROW"), wfAccountOf(xEntries, "EARNINGS")
	admin, other := w.callers[azAdmin], w.callers[azExpert]
	nodes := []struct {
		name, token, id, want string
	}{
		{"a's own ledger entry", a.Token, aEntries[0].ID, "LedgerEntry"},
		{"b's ledger entry to a", a.Token, bEntries[0].ID, ""},
		{"a's ledger entry to b", b.Token, aEntries[0].ID, ""},
		{"a's ledger entry to the expert paid from it", expert.Token, aEntries[0].ID, ""},
		{"b's ledger entry to the admin", admin.Token, bEntries[0].ID, "LedgerEntry"},
		{"a's own wallet account", a.Token, aWallet, "Account"},
		{"a's wallet account to b", b.Token, aWallet, ""},
		{"a's escrow account to the expert", expert.Token, aEscrow, ""},
		{"the expert's earnings account to a", a.Token, xEarnings, ""},
		{"a's wallet account to the admin", admin.Token, aWallet, "Account"},
		{"the expert's own payout", expert.Token, payout.ID, "Payout"},
		{"the expert's payout to another expert", other.Token, payout.ID, ""},
		{"the expert's payout to the client who paid", a.Token, payout.ID, ""},
		{"the expert's payout to the admin", admin.Token, payout.ID, "Payout"},
	}
	for _, n := range nodes {
		t.Run("node of "+n.name, func(t *testing.T) {
			if got := w.wfNode(t, n.token, n.id); got != n.want {
				t.Fatalf("node(%s) = %q, want %q (empty: null)", n.id, got, n.want)
			}
		})
	}

	var accts struct {
		Accounts wfConnection[struct{ ID, Kind string }]
	}
	w.mustGQL(t, admin.Token, wfAccountsQuery, map[string]any{"o": a.ID}, &accts)
	got := map[string]string{}
	for _, n := range accts.Accounts.nodes(t) {
		got[n.Kind] = n.ID
	}
	if len(got) != 2 || got["WALLET"] != aWallet || got["ESCROW"] != aEscrow {
		t.Fatalf("admin's accounts(ownerId: a) = %v, want the wallet %s and escrow %s", got, aWallet, aEscrow)
	}
	w.mustGQL(t, admin.Token, wfAccountsQuery, map[string]any{"o": a.ID, "k": "WALLET"}, &accts)
	if n := accts.Accounts.nodes(t); len(n) != 1 || n[0].ID != aWallet {
		t.Fatalf("admin's accounts(ownerId: a, kind: WALLET) = %+v", n)
	}
	var entries struct{ AccountEntries wfConnection[wfEntry] }
	w.mustGQL(t, admin.Token, wfAccountEntries, map[string]any{"id": aWallet}, &entries)
	if got := wfKinds(entries.AccountEntries.nodes(t)); got != "HOLD:WALLET:-20 PURCHASE:WALLET:20" {
		t.Fatalf("admin's accountEntries of a's wallet: %s", got)
	}
}

// TestNoCreditPacksStopsSales: with every pack taken off sale, buyCredits sells nothing,
// not even the development provider's counts of no pack.
func TestNoCreditPacksStopsSales(t *testing.T) {
	t.Parallel()
	w := newAzWorld(t, nil)
	admin, c := w.callers[azAdmin], w.fresh(t, azClient)
	before := w.wfBuy(t, c.Token, 100, "before")
	const packs = `mutation($p: [CreditPackInput!]) { updateSettings(input: {creditPacks: $p}) { creditPacks { id } } }`
	var out struct {
		UpdateSettings struct{ CreditPacks []struct{ ID string } }
	}
	w.mustGQL(t, admin.Token, packs, map[string]any{"p": []any{}}, &out)
	if len(out.UpdateSettings.CreditPacks) != 0 {
		t.Fatalf("packs after taking them all off sale: %+v", out.UpdateSettings.CreditPacks)
	}
	w.wfFail(t, c.Token, "UNAVAILABLE", wfBuyMutation, map[string]any{"c": 50, "k": "none-on-sale"})
	if got := w.wfWallet(t, c.Token); got != (wfWallet{Balance: 100}) {
		t.Fatalf("wallet after buying with no pack on sale = %+v", got)
	}
	// A retry of an earlier purchase still answers it, as "buys once" promises.
	if again := w.wfBuy(t, c.Token, 100, "before"); again != before {
		t.Fatalf("a retry with no pack on sale = %+v, want %+v", again, before)
	}
	w.mustGQL(t, admin.Token, packs, map[string]any{"p": []any{map[string]any{"id": "small", "credits": 10, "price": 100, "currency": "usd"}}}, &out)
	if got := w.wfBuy(t, c.Token, 50, "on-sale-again"); got.Status != "COMPLETED" {
		t.Fatalf("buyCredits once a pack is on sale again = %+v", got)
	}
}
