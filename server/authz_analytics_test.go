package main

// azAnalyticsRows are the rows of the admin analytics fields: admins only.
func azAnalyticsRows() []azRow {
	const span = `from: "2026-01-01T00:00:00Z", to: "2026-02-01T00:00:00Z"`
	return []azRow{
		{op: `{ analytics(` + span + `, bucket: WEEK) { start submitted } }`, want: azAdminOnly()},
		{op: `{ analyticsBySubject(` + span + `) { subject } }`, want: azAdminOnly()},
		{op: `{ expertLeaderboard(` + span + `, by: RATING, first: 5) { accepted } }`, want: azAdminOnly()},
	}
}
