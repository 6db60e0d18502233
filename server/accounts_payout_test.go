package main

import (
	"bytes"
	"context"
	"database/sql"
	"net/http"
	"strings"
	"testing"

	"github.com/google/uuid"
	_ "github.com/lib/pq"

	"backbone/ent/auditlog"
	"backbone/ent/payoutmethod"
	"backbone/internal/testenv"
)

// Data encryption keys of the tests: 32 bytes each, base64.
const (
	acKey1 = "k1:MTExMTExMTExMTExMTExMTExMTExMTExMTExMTExMTE="
	acKey2 = "k2:MjIyMjIyMjIyMjIyMjIyMjIyMjIyMjIyMjIyMjIyMjI="
)

const acIBAN = "Ann Expert, IBAN GB29 NWBK 6016 1331 9268 19, BIC NWBKGB2L"

// acRawRow reads a payout method's row with plain SQL, past ent and the service.
func acRawRow(t *testing.T, databaseURL string, userID uuid.UUID) (kind, keyID string, sealed []byte) {
	t.Helper()
	conn, err := sql.Open("postgres", databaseURL)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	err = conn.QueryRowContext(context.Background(),
		`SELECT kind, key_id, details_sealed FROM payout_methods WHERE user_id = $1`, userID).Scan(&kind, &keyID, &sealed)
	if err != nil {
		t.Fatalf("read payout_methods row: %v", err)
	}
	return kind, keyID, sealed
}

// TestPayoutMethodIsSealedAtRest: the details are stored encrypted (the row holds no
// plaintext), the expert sees them masked, requestPayout needs a method, and an admin
// sees them in full only on a pending payout, each read audited.
func TestPayoutMethodIsSealedAtRest(t *testing.T) {
	t.Parallel()
	url := testenv.NewPostgresDB(t)
	w := newAzWorld(t, map[string]string{"DATABASE_URL": url, "DATA_ENCRYPTION_KEYS": acKey1})
	expert, admin := w.fresh(t, azExpert), w.callers[azAdmin]

	// No method yet: nothing to show, and a payout is refused with a reason.
	var none struct{ PayoutMethod *acPayoutMethod }
	w.mustGQL(t, expert.Token, `{ payoutMethod { kind maskedDetails } }`, nil, &none)
	if none.PayoutMethod != nil {
		t.Fatalf("payoutMethod before any = %+v, want null", none.PayoutMethod)
	}
	w.azFundEarnings(t, expert, 10) // sets a PayPal method; removed to test the refusal
	if _, err := w.db.PayoutMethod.Delete().Where(payoutmethod.UserID(expert.UUID)).Exec(w.system()); err != nil {
		t.Fatal(err)
	}
	_, r := w.gql(t, expert.Token, wfRequestPayout, map[string]any{"a": 5, "k": uuid.NewString()})
	if r.codes() != "FAILED_PRECONDITION" || len(r.Errors) != 1 || !strings.Contains(r.Errors[0].Message, "setPayoutMethod") ||
		r.Errors[0].Extensions["reason"] != "NO_PAYOUT_METHOD" {
		t.Fatalf("requestPayout without a payout method: %s %v, want FAILED_PRECONDITION naming setPayoutMethod", r.codes(), r.Errors)
	}

	for name, in := range map[string]map[string]any{
		"a PayPal method that is no address": {"kind": "PAYPAL", "details": "not an address"},
		"details too short":                  {"kind": "BANK_TRANSFER", "details": "GB29 12"},
		"a control character":                {"kind": "BANK_TRANSFER", "details": "GB29 NWBK\u0000 6016 1331"},
	} {
		_, r := w.gql(t, expert.Token, `mutation($in: PayoutMethodInput!) { setPayoutMethod(input: $in) { kind } }`, map[string]any{"in": in})
		if r.codes() != "BAD_USER_INPUT" {
			t.Errorf("%s: codes %q, want BAD_USER_INPUT", name, r.codes())
		}
	}

	set := w.acSetPayoutMethod(t, expert.Token, "BANK_TRANSFER", acIBAN)
	if set.Kind != "BANK_TRANSFER" || set.MaskedDetails != "••••GB2L" {
		t.Errorf("setPayoutMethod = %+v, want the last four characters only", set)
	}
	var mine struct{ PayoutMethod acPayoutMethod }
	w.mustGQL(t, expert.Token, `{ payoutMethod { kind maskedDetails updatedAt } }`, nil, &mine)
	if mine.PayoutMethod.MaskedDetails != "••••GB2L" || strings.Contains(mine.PayoutMethod.MaskedDetails, "NWBK") {
		t.Errorf("payoutMethod = %+v, want ••••GB2L", mine.PayoutMethod)
	}

	// At rest: the key id and bytes that hold nothing of the details.
	kind, keyID, sealed := acRawRow(t, url, expert.UUID)
	if kind != "BANK_TRANSFER" || keyID != "k1" {
		t.Errorf("row kind %q key %q, want BANK_TRANSFER under k1", kind, keyID)
	}
	for _, part := range []string{"GB29", "NWBK", "6016 1331", "9268", "Ann Expert", "NWBKGB2L"} {
		if bytes.Contains(sealed, []byte(part)) || bytes.Contains(bytes.ToLower(sealed), []byte(strings.ToLower(part))) {
			t.Errorf("the stored row holds %q in plaintext", part)
		}
	}
	if len(sealed) < len(acIBAN)+12+16 {
		t.Errorf("sealed value of %d bytes cannot hold nonce, ciphertext and tag", len(sealed))
	}

	// The admin deciding a pending payout sees where it goes, in full, audited.
	var req struct{ RequestPayout struct{ ID string } }
	w.mustGQL(t, expert.Token, `mutation($k: String!) { requestPayout(amount: 5, idempotencyKey: $k) { id } }`, map[string]any{"k": uuid.NewString()}, &req)
	const dest = `query($id: ID!) { node(id: $id) { ... on Payout { status destination { kind details } } } }`
	type destOut struct {
		Node struct {
			Status      string
			Destination *struct{ Kind, Details string }
		}
	}
	var seen destOut
	w.mustGQL(t, admin.Token, dest, map[string]any{"id": req.RequestPayout.ID}, &seen)
	if d := seen.Node.Destination; d == nil || d.Kind != "BANK_TRANSFER" || d.Details != acIBAN {
		t.Fatalf("the admin's destination of a pending payout = %+v, want the details in full", d)
	}
	n, err := w.db.AuditLog.Query().Where(auditlog.Action("payout_method.viewed"), auditlog.TargetType("Payout")).Count(w.system())
	if err != nil || n != 1 {
		t.Errorf("payout_method.viewed audit rows = %d, %v; want 1", n, err)
	}
	var own destOut
	w.mustGQL(t, expert.Token, dest, map[string]any{"id": req.RequestPayout.ID}, &own)
	if own.Node.Status != "PENDING" || own.Node.Destination != nil {
		t.Errorf("the expert's own payout shows destination %+v, want null", own.Node.Destination)
	}
	w.wfDecide(t, req.RequestPayout.ID, true, "paid")
	var after destOut
	w.mustGQL(t, admin.Token, dest, map[string]any{"id": req.RequestPayout.ID}, &after)
	if after.Node.Status != "APPROVED" || after.Node.Destination != nil {
		t.Errorf("a decided payout shows destination %+v, want null", after.Node.Destination)
	}
	if n2, _ := w.db.AuditLog.Query().Where(auditlog.Action("payout_method.viewed")).Count(w.system()); n2 != 1 {
		t.Errorf("payout_method.viewed audit rows = %d after null reads, want still 1", n2)
	}
}

// TestReencryptRotatesTheDataKey: after a new key is put first, `reencrypt` seals every
// payout method under it; a server holding only the new key reads them back.
func TestReencryptRotatesTheDataKey(t *testing.T) {
	t.Parallel()
	url := testenv.NewPostgresDB(t)
	env := map[string]string{"DATABASE_URL": url, "DATA_ENCRYPTION_KEYS": acKey1, "JWT_SECRET": testJWTSecret}
	w := newAzWorld(t, env)
	a, b := w.fresh(t, azExpert), w.fresh(t, azExpert)
	w.acSetPayoutMethod(t, a.Token, "BANK_TRANSFER", acIBAN)
	w.acSetPayoutMethod(t, b.Token, "PAYPAL", "bob.payouts@example.com")
	_, _, before := acRawRow(t, url, a.UUID)

	if out, err := cmdRun(t, cmdEnv(url), "reencrypt", "--help"); err != nil || !strings.Contains(out, "usage: backbone reencrypt") {
		t.Fatalf("reencrypt --help = %q, %v", out, err)
	}
	rotate := cmdEnv(url, "DATA_ENCRYPTION_KEYS", acKey2+","+acKey1)
	out := cmdMustRun(t, rotate, "reencrypt")
	if !strings.Contains(out, "2 checked, 2 sealed again under key \"k2\"") {
		t.Fatalf("reencrypt printed %q", out)
	}
	for _, u := range []uuid.UUID{a.UUID, b.UUID} {
		if _, keyID, _ := acRawRow(t, url, u); keyID != "k2" {
			t.Errorf("row of %s is under %q after reencrypt, want k2", u, keyID)
		}
	}
	if _, _, after := acRawRow(t, url, a.UUID); bytes.Equal(after, before) || bytes.Contains(after, []byte("NWBK")) {
		t.Error("the sealed value did not change, or holds plaintext")
	}
	if again := cmdMustRun(t, rotate, "reencrypt"); !strings.Contains(again, "2 checked, 0 sealed again") {
		t.Errorf("a second run printed %q, want nothing sealed again", again)
	}

	// A server that knows only the new key reads both back.
	ts := startServer(t, withDefaults(map[string]string{"DATA_ENCRYPTION_KEYS": acKey2}, env))
	for _, c := range []struct {
		acc  *azAccount
		want string
	}{{a, "••••GB2L"}, {b, "••••.com"}} {
		status, r := ts.post(t, `{ payoutMethod { maskedDetails } }`, nil, http.Header{"Authorization": {"Bearer " + c.acc.Token}})
		if status != http.StatusOK || len(r.Errors) > 0 || !strings.Contains(string(r.Data), c.want) {
			t.Errorf("payoutMethod under k2 only: %d %s %v, want %s", status, r.Data, r.Errors, c.want)
		}
	}
	// Under the old key alone the values no longer open: the rotation really happened.
	old := startServer(t, withDefaults(map[string]string{"DATA_ENCRYPTION_KEYS": acKey1}, env))
	if _, r := old.post(t, `{ payoutMethod { maskedDetails } }`, nil, http.Header{"Authorization": {"Bearer " + a.Token}}); r.codes() != "INTERNAL" {
		t.Errorf("payoutMethod under the retired key alone: codes %q, want INTERNAL", r.codes())
	}
}

// TestAKeyCannotRedirectPayouts: setPayoutMethod, like managing sessions, passwords and
// keys, needs the expert's own session: a WRITE API key is FORBIDDEN, and the method is
// left as it was.
func TestAKeyCannotRedirectPayouts(t *testing.T) {
	t.Parallel()
	w := newAzWorld(t, nil)
	expert := w.fresh(t, azExpert)
	set := w.acSetPayoutMethod(t, expert.Token, "PAYPAL", "owner@example.com")
	var key struct{ CreateAPIKey struct{ Secret string } }
	w.mustGQL(t, expert.Token, `mutation { createApiKey(input: {name: "ci", scopes: [READ, WRITE]}) { secret } }`, nil, &key)

	h := w.newAddress()
	h.Set("X-API-Key", key.CreateAPIKey.Secret)
	_, r := w.ts.post(t, `mutation { setPayoutMethod(input: {kind: PAYPAL, details: "thief@example.com"}) { maskedDetails } }`, nil, h)
	if r.codes() != "FORBIDDEN" {
		t.Errorf("setPayoutMethod with a WRITE key: codes %q, want FORBIDDEN", r.codes())
	}
	var now struct{ PayoutMethod acPayoutMethod }
	w.mustGQL(t, expert.Token, `{ payoutMethod { kind maskedDetails updatedAt } }`, nil, &now)
	if now.PayoutMethod != set {
		t.Errorf("payout method after the key's attempt: %+v, want %+v as the expert set it", now.PayoutMethod, set)
	}
}
