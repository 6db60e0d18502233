package main

import (
	"encoding/base64"
	"testing"
)

// azAccountsRows are the rows of the profile, subject and payout-method fields.
func azAccountsRows() []azRow {
	expertsOnly := func() map[azCaller]azOutcome {
		m := azExpect(azUnauthenticated, azForbidden, azForbidden)
		m[azExpert], m[azPending] = azAllowed, azAllowed // pending applicants hold the EXPERT role
		return m
	}
	approvedExpertsOnly := func() map[azCaller]azOutcome {
		m := azExpect(azUnauthenticated, azForbidden, azForbidden)
		m[azExpert] = azAllowed // the service refuses applicants: their subjects go with the application
		return m
	}
	// freshExpert gives the expert callers an account of their own, so that one row's
	// change of subjects does not decide another's outcome.
	freshExpert := func(t *testing.T, w *azWorld, c azCaller, req *azRequest) {
		if c == azExpert || c == azPending {
			req.token = w.fresh(t, c).Token
		}
	}
	return []azRow{
		{
			op: `{ payoutMethod { kind maskedDetails } }`,
			prepare: func(t *testing.T, w *azWorld, c azCaller, req *azRequest) {
				if c == azExpert || c == azPending {
					w.acSetPayoutMethod(t, req.token, "PAYPAL", "table-row@example.com")
				}
			},
			want: expertsOnly(),
		},
		{
			op: `{ subjectRequests(first: 5) { totalCount } }`,
			want: func() map[azCaller]azOutcome {
				m := expertsOnly()
				m[azAdmin] = azAllowed
				return m
			}(),
		},
		{op: `mutation { updateProfile(input: {displayName: "Table Row"}) { displayName } }`, prepare: freshExpert, want: azSignedIn()},
		{op: `mutation { requestSubjects(subjects: ["Chemistry"]) { id } }`, prepare: freshExpert, want: approvedExpertsOnly()},
		{
			op: `mutation { applyAgainAsExpert(input: {subjects: ["Chemistry"], bio: "Table row."}) { expertStatus } }`,
			prepare: func(t *testing.T, w *azWorld, c azCaller, req *azRequest) {
				if a := w.fresh(t, c); a != nil && (c == azExpert || c == azPending) {
					if err := w.db.User.UpdateOneID(a.UUID).SetExpertStatus("REJECTED").Exec(w.system()); err != nil {
						t.Fatal(err)
					}
					req.token = a.Token
				}
			},
			want: expertsOnly(), // the role's holders; the service then needs a rejected application
		},
		{
			op: `mutation { removeSubjects(subjects: ["Chemistry"]) { expertSubjects } }`,
			prepare: func(t *testing.T, w *azWorld, c azCaller, req *azRequest) {
				if a := w.fresh(t, c); a != nil && (c == azExpert || c == azPending) {
					if err := w.db.User.UpdateOneID(a.UUID).SetExpertSubjects([]string{"physics", "Chemistry"}).Exec(w.system()); err != nil {
						t.Fatal(err)
					}
					req.token = a.Token
				}
			},
			want: approvedExpertsOnly(),
		},
		{
			op: `mutation($id: ID!) { decideSubjectRequest(id: $id, approve: false, note: "table") { status } }`,
			prepare: func(t *testing.T, w *azWorld, c azCaller, req *azRequest) {
				r, err := w.db.SubjectRequest.Create().SetExpertID(w.callers[azExpert].UUID).
					SetSubjects([]string{"Chemistry"}).Save(w.system())
				if err != nil {
					t.Fatal(err)
				}
				req.vars = map[string]any{"id": base64.RawURLEncoding.EncodeToString([]byte("SubjectRequest:" + r.ID.String()))}
			},
			want: azAdminOnly(),
		},
		{
			op:      `mutation { setPayoutMethod(input: {kind: PAYPAL, details: "table-row@example.com"}) { maskedDetails } }`,
			prepare: freshExpert,
			want:    expertsOnly(),
		},
	}
}

// acSetPayoutMethod sets the payout method of the expert signed in with token.
func (w *azWorld) acSetPayoutMethod(t *testing.T, token, kind, details string) acPayoutMethod {
	t.Helper()
	var out struct{ SetPayoutMethod acPayoutMethod }
	w.mustGQL(t, token, `mutation($in: PayoutMethodInput!) { setPayoutMethod(input: $in) { kind maskedDetails updatedAt } }`,
		map[string]any{"in": map[string]any{"kind": kind, "details": details}}, &out)
	return out.SetPayoutMethod
}

// acPayoutMethod is a PayoutMethod as the tests read it.
type acPayoutMethod struct{ Kind, MaskedDetails, UpdatedAt string }
