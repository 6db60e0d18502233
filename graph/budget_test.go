package graph

import (
	"context"
	"encoding/json"
	"slices"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"backbone/internal/admission"
	"backbone/internal/ratelimit"
)

// What the POST and GET transport refuses without running it costs nothing: a query that
// got no turn (UNAVAILABLE), a mutation over GET (405), a subscription over POST. The
// budget charges an operation once the transport has accepted it.
func TestOperationsTheTransportRefusesCostNothing(t *testing.T) {
	t.Parallel()
	const points = 100
	queries := admission.New(1, time.Millisecond, prometheus.NewRegistry())
	api := startAPI(t, HandlerConfig{
		Queries: queries,
		Budgets: &RateBudgets{Limiter: ratelimit.NewMemory(10), Anonymous: points, Window: time.Hour, Log: discardLog()},
	})
	const budgetQuery = `{ rateLimit { cost remaining } }`

	leave, err := queries.Enter(context.Background()) // the one turn: the next query gets none
	if err != nil {
		t.Fatal(err)
	}
	busy := api.post(t, budgetQuery)
	leave()
	refusals := []struct {
		name string
		got  gqlResult
		code string
	}{
		{"a query without a turn", busy, "UNAVAILABLE"},
		{"a mutation over GET", api.getBody(t, map[string]any{"query": `mutation { logout }`}), "METHOD_NOT_ALLOWED"},
		{"a subscription over POST", api.post(t, `subscription { platformStats { __typename } }`), "OPERATION_NOT_SUPPORTED"},
	}
	for _, r := range refusals {
		if !slices.Equal(r.got.codes(), []string{r.code}) {
			t.Fatalf("%s: codes %v, want %s", r.name, r.got.codes(), r.code)
		}
	}

	var out struct{ RateLimit struct{ Cost, Remaining int } }
	if got := api.post(t, budgetQuery); len(got.Errors) > 0 || json.Unmarshal(got.Data, &out) != nil {
		t.Fatalf("rateLimit: %+v", got)
	}
	if want := points - out.RateLimit.Cost; out.RateLimit.Remaining != want {
		t.Errorf("remaining %d after the refusals and one operation of cost %d, want %d: a refusal was charged",
			out.RateLimit.Remaining, out.RateLimit.Cost, want)
	}
}
