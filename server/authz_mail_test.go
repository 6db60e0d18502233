package main

import (
	"fmt"
	"testing"
)

// azMailRows are the rows of the account email flows: password reset and verification.
func azMailRows() []azRow {
	return []azRow{
		{
			op: `mutation($e: String!) { requestPasswordReset(email: $e) }`,
			prepare: func(t *testing.T, w *azWorld, c azCaller, req *azRequest) {
				req.vars = map[string]any{"e": fmt.Sprintf("forgetful%d@example.com", w.seq.Add(1))}
			},
			want: azEveryone(),
		},
		{
			// Anyone holding the link may use it, signed in or not.
			op: `mutation($t: String!) { resetPassword(token: $t, newPassword: "glacier-pepper-violin-7Kz!") }`,
			prepare: func(t *testing.T, w *azWorld, c azCaller, req *azRequest) {
				a := w.register(t, true)
				w.mustGQL(t, "", `mutation($e: String!) { requestPasswordReset(email: $e) }`, map[string]any{"e": a.Email}, new(any))
				req.vars = map[string]any{"t": w.ts.emailedToken(t, a.Email, resetSubject)}
			},
			want: azEveryone(),
		},
		{
			op: `mutation($t: String!) { verifyEmail(token: $t) }`,
			prepare: func(t *testing.T, w *azWorld, c azCaller, req *azRequest) {
				a := w.register(t, true) // an applicant: register verifies clients only
				req.vars = map[string]any{"t": w.ts.emailedToken(t, a.Email, verifySubject)}
			},
			want: azEveryone(),
		},
		{
			// The world's clients and admin verified their address; its experts did not.
			op: `mutation { resendVerificationEmail }`,
			want: func() map[azCaller]azOutcome {
				m := azExpect(azUnauthenticated, "CONFLICT", "CONFLICT")
				m[azExpert], m[azPending] = azAllowed, azAllowed
				return m
			}(),
		},
	}
}
