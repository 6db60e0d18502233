package main

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os/exec"
	"slices"
	"strings"
	"time"
)

const seriesQuery = `query($from: Time!, $to: Time!) { analytics(from: $from, to: $to, bucket: DAY) {
	start submitted accepted cancelled declined expired disputed creditsSpent platformRevenue refunds
	payoutsApproved deadlineBreaches medianSecondsToClaim medianSecondsToDeliver } }`

const leaderboardQuery = `query($from: Time!, $to: Time!) { expertLeaderboard(from: $from, to: $to, by: ACCEPTED, first: 10) {
	expert { id } accepted delivered onTime onTimeRate ratingCount averageStars } }`

// seriesStartQuery is the series with one field a point: the same reads, 14 fewer
// fields to resolve and write per point.
const seriesStartQuery = `query($from: Time!, $to: Time!) { analytics(from: $from, to: $to, bucket: DAY) { start } }`

// floorQuery is the cheapest signed-in request: what any request costs before its field.
const floorQuery = `{ me { id } }`

// baseline computes the series' figures by day with plain GROUP BY queries over the base
// tables, as a dashboard without rollups would.
var baseline = []string{
	`SELECT date_trunc('day', created_at), count(*) FROM questions WHERE created_at >= $1 AND created_at < $2 GROUP BY 1`,
	`SELECT date_trunc('day', closed_at), status, count(*) FROM questions WHERE closed_at >= $1 AND closed_at < $2 GROUP BY 1, 2`,
	`SELECT date_trunc('day', created_at), count(*) FROM disputes WHERE created_at >= $1 AND created_at < $2 GROUP BY 1`,
	`SELECT date_trunc('day', t.created_at), t.kind, a.kind, sum(p.amount) FROM ledger_transactions t
		JOIN postings p ON p.transaction_id = t.id JOIN accounts a ON a.id = p.account_id
		WHERE t.created_at >= $1 AND t.created_at < $2 AND p.amount > 0 AND t.kind IN ('CAPTURE', 'RELEASE', 'PAYOUT_APPROVE') GROUP BY 1, 2, 3`,
	`WITH fc AS (SELECT question_id, min(claimed_at) AS at FROM assignments GROUP BY question_id)
		SELECT date_trunc('day', fc.at), percentile_disc(0.5) WITHIN GROUP (ORDER BY fc.at - q.created_at)
		FROM fc JOIN questions q ON q.id = fc.question_id WHERE fc.at >= $1 AND fc.at < $2 GROUP BY 1`,
	`WITH fd AS (SELECT DISTINCT ON (question_id) question_id, created_at AS at FROM answer_revisions WHERE kind = 'EXPERT' ORDER BY question_id, created_at),
		fc AS (SELECT question_id, min(claimed_at) AS at FROM assignments GROUP BY question_id)
		SELECT date_trunc('day', fd.at), percentile_disc(0.5) WITHIN GROUP (ORDER BY fd.at - fc.at), count(*) FILTER (WHERE fd.at >= q.deadline)
		FROM fd JOIN fc USING (question_id) JOIN questions q ON q.id = fd.question_id WHERE fd.at >= $1 AND fd.at < $2 GROUP BY 1`,
}

const baselineLeaderboard = `SELECT q.expert_id, count(*) AS accepted, avg(r.stars)
	FROM questions q LEFT JOIN ratings r ON r.question_id = q.id
	WHERE q.status = 'ACCEPTED' AND q.closed_at >= $1 AND q.closed_at < $2
	GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT 10`

// measure times the two fields over GraphQL, cold and warm, and the baselines.
func measure(ctx context.Context, out io.Writer, o options, base, token string, conn *sql.DB, end time.Time) error {
	from := end.Add(-time.Duration(o.days) * 24 * time.Hour)
	c := &gqlClient{url: base + "/query", token: token, http: &http.Client{Timeout: 30 * time.Second}}
	fmt.Fprintf(out, "machine load before measuring: %s\n", uptime())
	fmt.Fprintln(out, "cold = each request a range not asked before (an analytics memo miss: the rollups are read from PostgreSQL,")
	fmt.Fprintln(out, "whose page cache is warm); warm = the same request repeated (served by the memo within its TTL)")
	fmt.Fprintf(out, "\n%-22s %-5s %8s %8s %8s\n", "case", "kind", "p50 ms", "p99 ms", "samples")
	results := map[string]time.Duration{}
	// The start-only case comes right after the series, whose ranges it asks again: its
	// cold requests must find the series' figures in the memo (10-second TTL), which the
	// leaderboard's 200 samples in between could outlast on a slow machine.
	for _, tc := range []struct{ name, query string }{{"analytics 365d DAY", seriesQuery}, {"analytics, start only", seriesStartQuery},
		{"expertLeaderboard", leaderboardQuery}, {"floor: signed-in me", floorQuery}} {
		// Warm-up: the connection, the server's parsed-document cache.
		if _, err := c.do(ctx, tc.query, from, end); err != nil {
			return err
		}
		for _, kind := range []string{"cold", "warm"} {
			var d []time.Duration
			for i := range o.samples {
				f, t := from, end
				if kind == "cold" {
					// 365 days ending a day earlier each time: ranges are whole days, so a
					// new range needs a new day.
					f, t = from.AddDate(0, 0, -(i+1)), end.AddDate(0, 0, -(i+1))
				}
				took, err := c.do(ctx, tc.query, f, t)
				if err != nil {
					return err
				}
				d = append(d, took)
			}
			p50, p99 := percentile(d, 50), percentile(d, 99)
			results[tc.name+" "+kind] = p50
			fmt.Fprintf(out, "%-22s %-5s %8.2f %8.2f %8d\n", tc.name, kind, ms(p50), ms(p99), len(d))
		}
	}
	runs := 3
	var series, leaders []time.Duration
	for range runs {
		start := time.Now()
		for _, q := range baseline {
			if err := drain(ctx, conn, q, from, end); err != nil {
				return err
			}
		}
		series = append(series, time.Since(start))
		start = time.Now()
		if err := drain(ctx, conn, baselineLeaderboard, from, end); err != nil {
			return err
		}
		leaders = append(leaders, time.Since(start))
	}
	fmt.Fprintf(out, "\nplain GROUP BY over the base tables (%d runs, straight to PostgreSQL, no HTTP):\n", runs)
	for _, b := range []struct {
		name string
		d    []time.Duration
		vs   string
	}{{"analytics 365d DAY", series, "analytics 365d DAY cold"}, {"expertLeaderboard", leaders, "expertLeaderboard cold"}} {
		p50 := percentile(b.d, 50)
		fmt.Fprintf(out, "%-22s p50 %9.1f ms   ratio to the rollups (cold p50 over GraphQL): %.0fx\n",
			b.name, ms(p50), float64(p50)/float64(results[b.vs]))
	}
	fmt.Fprintf(out, "machine load after: %s\n", uptime())
	return nil
}

// gqlClient posts GraphQL requests with the admin's token.
type gqlClient struct {
	url, token string
	http       *http.Client
}

// do posts one request and returns how long it took: from sending the request (its body
// encoded beforehand) to the last byte of the response read. The response is checked
// afterwards (valid JSON, no errors, some data), outside the time: decoding it is the
// client's work, not the server's.
func (c *gqlClient) do(ctx context.Context, query string, from, to time.Time) (time.Duration, error) {
	body, _ := json.Marshal(map[string]any{"query": query, "variables": map[string]any{"from": from, "to": to}})
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.url, bytes.NewReader(body))
	if err != nil {
		return 0, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+c.token)
	start := time.Now()
	resp, err := c.http.Do(req)
	if err != nil {
		return 0, err
	}
	got, err := io.ReadAll(resp.Body)
	took := time.Since(start)
	resp.Body.Close()
	if err != nil {
		return 0, fmt.Errorf("read response (%s): %w", resp.Status, err)
	}
	var out struct {
		Data   json.RawMessage
		Errors []struct{ Message string }
	}
	if err := json.Unmarshal(got, &out); err != nil {
		return 0, fmt.Errorf("decode response (%s): %w", resp.Status, err)
	}
	if len(out.Errors) > 0 || resp.StatusCode != http.StatusOK || len(out.Data) == 0 || string(out.Data) == "null" {
		return 0, fmt.Errorf("graphql: %s %+v", resp.Status, out.Errors)
	}
	return took, nil
}

// drain runs query and reads every row.
func drain(ctx context.Context, conn *sql.DB, query string, args ...any) error {
	rows, err := conn.QueryContext(ctx, query, args...)
	if err != nil {
		return fmt.Errorf("%s: %w", strings.Fields(query)[0], err)
	}
	defer rows.Close()
	for rows.Next() {
	}
	return rows.Err()
}

func percentile(d []time.Duration, p int) time.Duration {
	s := slices.Clone(d)
	slices.Sort(s)
	i := (len(s)*p + 99) / 100
	return s[max(0, min(len(s)-1, i-1))]
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

func uptime() string {
	b, err := exec.Command("uptime").Output()
	if err != nil {
		return "unknown"
	}
	return strings.TrimSpace(string(b))
}
