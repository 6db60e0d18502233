package main

import "testing"

// azInsightRows are the rows of the insight fields: expert stats, ratings, the admins'
// question and dispute lists and the settings' history.
func azInsightRows() []azRow {
	// Experts (approved or pending: both hold the role) read their own figures, admins
	// anyone's (an admin names the expert).
	expertsAndAdmins := func() map[azCaller]azOutcome {
		m := azExpect(azUnauthenticated, azForbidden, azAllowed)
		m[azExpert], m[azPending] = azAllowed, azAllowed
		return m
	}
	namedForAdmin := func(t *testing.T, w *azWorld, c azCaller, req *azRequest) {
		if c == azAdmin {
			req.vars = map[string]any{"e": w.callers[azExpert].ID}
		}
	}
	return []azRow{
		{op: `query($e: ID) { expertStats(expertId: $e) { answersDelivered } }`, prepare: namedForAdmin, want: expertsAndAdmins()},
		{op: `{ ratings(first: 5) { totalCount } }`, want: expertsAndAdmins()},
		{op: `{ questions(first: 5, filter: {status: DISPUTED}) { totalCount } }`, want: azAdminOnly()},
		{op: `{ disputes(first: 5, status: OPEN) { totalCount } }`, want: azAdminOnly()},
		{op: `{ settingsHistory(first: 5) { totalCount } }`, want: azAdminOnly()},
	}
}
