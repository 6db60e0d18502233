package wallet

import (
	"github.com/google/uuid"

	"backbone/ent/account"
)

// accountNS is the UUIDv5 namespace of account ids. An account's id is derived from what
// it is for, so that the service finds or creates it without a lookup.
var accountNS = uuid.MustParse("6f1d2a4e-5b8c-4c1e-9a7d-3e2f1b0c9d8e")

// acct is a ledger account as the service addresses it.
type acct struct {
	id       uuid.UUID
	kind     account.Kind
	owner    *uuid.UUID
	question *uuid.UUID
}

func named(kind account.Kind, owner, question *uuid.UUID, parts ...string) acct {
	name := string(kind)
	for _, p := range parts {
		name += ":" + p
	}
	return acct{id: uuid.NewSHA1(accountNS, []byte(name)), kind: kind, owner: owner, question: question}
}

// walletAcct is a client's spendable credits.
func walletAcct(user uuid.UUID) acct {
	return named(account.KindWALLET, &user, nil, user.String())
}

// escrowAcct holds the price of one question asked by one client.
func escrowAcct(question, client uuid.UUID) acct {
	return named(account.KindESCROW, &client, &question, question.String(), client.String())
}

// earningsAcct is an expert's earned, not yet paid out credits.
func earningsAcct(expert uuid.UUID) acct {
	return named(account.KindEARNINGS, &expert, nil, expert.String())
}

// payoutAcct holds the credits of an expert's payout requests awaiting an admin.
func payoutAcct(expert uuid.UUID) acct {
	return named(account.KindPAYOUT, &expert, nil, expert.String())
}

// revenueAcct is the platform's fees.
func revenueAcct() acct { return named(account.KindREVENUE, nil, nil) }

// externalAcct is the world outside: purchases come from it and payouts go to it, so its
// balance is minus the credits in circulation. The only account that may go negative.
func externalAcct() acct { return named(account.KindEXTERNAL, nil, nil) }
