package main

import "encoding/json"

// azAnalyticsRows are the rows of the admin analytics fields: admins only. The
// breakdown and the leaderboard of a world with no answered question are empty lists,
// which the admin is allowed to see.
func azAnalyticsRows() []azRow {
	const span = `from: "2026-01-01T00:00:00Z", to: "2026-02-01T00:00:00Z"`
	list := func(_ azRequest, v json.RawMessage) bool { return string(v) != "null" }
	return []azRow{
		{op: `{ analytics(` + span + `, bucket: WEEK) { start submitted } }`, want: azAdminOnly()},
		{op: `{ analyticsBySubject(` + span + `) { subject } }`, want: azAdminOnly(), seen: list},
		{op: `{ expertLeaderboard(` + span + `, by: RATING, first: 5) { accepted } }`, want: azAdminOnly(), seen: list},
	}
}
