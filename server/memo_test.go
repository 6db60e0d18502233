package main

import (
	"net/http"
	"regexp"
	"strconv"
	"testing"
	"time"

	"backbone/internal/testenv"
)

// TestExpertStatsFollowTheExpertsQuestionsAcrossInstancesOverRedis: two instances on one
// database and Redis; each caches an expert's figures, an answer accepted through the
// first reaches the figures both serve (its question.updated event drops them
// everywhere), and /metrics counts the memos' hits and misses.
func TestExpertStatsFollowTheExpertsQuestionsAcrossInstancesOverRedis(t *testing.T) {
	t.Parallel()
	env := authEnv(t)
	env["REDIS_URL"] = testenv.NeedRedis(t) // authEnv's namespace: both instances, no other test
	w := newAzWorld(t, env)
	other := &azWorld{ts: startServer(t, env), db: w.db, callers: w.callers}
	admin := w.callers[azAdmin]
	client, expert, idle := w.register(t, false), w.qfExpert(t), w.qfExpert(t)

	q := w.qfDelivered(t, client, expert)
	byExpert := map[string]any{"e": expert.ID}
	for _, on := range []*azWorld{w, other} {
		if s := on.inStats(t, admin.Token, byExpert); s.AnswersDelivered != 1 || s.Accepted != 0 {
			t.Fatalf("before acceptance: %+v", s)
		}
	}
	w.inAccept(t, client, q, 4, "Good")
	for name, on := range map[string]*azWorld{"first": w, "second": other} {
		deadline := time.Now().Add(15 * time.Second)
		for s := on.inStats(t, admin.Token, byExpert); s.Accepted != 1 || s.RatingCount != 1; s = on.inStats(t, admin.Token, byExpert) {
			if time.Now().After(deadline) {
				t.Fatalf("the %s instance still serves %+v after the acceptance", name, s)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}

	// No event names the idle expert: the second read is served from the cache.
	byIdle := map[string]any{"e": idle.ID}
	w.inStats(t, admin.Token, byIdle)
	before := memoCounter(t, w, `memo_hits_total{cache="expert_stats",tier="local"}`)
	w.inStats(t, admin.Token, byIdle)
	if after := memoCounter(t, w, `memo_hits_total{cache="expert_stats",tier="local"}`); after != before+1 {
		t.Fatalf("local hits of expert_stats went from %d to %d, want one more", before, after)
	}
	// Misses are loads, counted by the instance that ran them: after the acceptance,
	// whichever instance asks first loads and the other finds the value in Redis.
	misses := func(cache string) int {
		series := `memo_misses_total{cache="` + cache + `"}`
		return memoCounter(t, w, series) + memoCounter(t, other, series)
	}
	if n := misses("expert_stats"); n < 3 {
		t.Fatalf("expert_stats misses = %d, want at least 3 (before, after the acceptance, the idle expert)", n)
	}
	if n := misses("settings"); n < 1 {
		t.Fatalf("settings misses = %d, want the first load counted", n)
	}
}

// memoCounter reads one series from the instance's /metrics (0 when absent).
func memoCounter(t *testing.T, w *azWorld, series string) int {
	t.Helper()
	code, body := fetch(t, w.ts.URL+"/metrics", "")
	if code != http.StatusOK {
		t.Fatalf("/metrics = %d", code)
	}
	m := regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(series) + ` (\d+)$`).FindStringSubmatch(body)
	if m == nil {
		return 0
	}
	n, _ := strconv.Atoi(m[1])
	return n
}
