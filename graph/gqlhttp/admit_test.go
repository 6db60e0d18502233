package gqlhttp_test

import (
	"context"
	"errors"
	"net/http/httptest"
	"slices"
	"sync/atomic"
	"testing"

	"github.com/99designs/gqlgen/graphql/handler/testserver"

	"backbone/graph/gqlhttp"
)

// admitCounter is an AdmitQuery hook that counts the turns asked for and given back,
// and refuses them all with refuse when it is set.
type admitCounter struct {
	refuse       error
	asked, given atomic.Int32
}

func (a *admitCounter) admit(ctx context.Context) (func(), error) {
	a.asked.Add(1)
	if a.refuse != nil {
		return nil, a.refuse
	}
	return func() { a.given.Add(1) }, nil
}

func admitServer(t *testing.T, a *admitCounter) *httptest.Server {
	t.Helper()
	ts := testserver.New()
	ts.AddTransport(gqlhttp.Transport{AdmitQuery: a.admit})
	srv := httptest.NewServer(ts)
	t.Cleanup(srv.Close)
	return srv
}

// A query asks for its turn and gives it back once it has run; a mutation asks for none.
func TestQueriesAskForATurn(t *testing.T) {
	t.Parallel()
	a := &admitCounter{}
	srv := admitServer(t, a)
	if got := do(t, srv, "POST", "", hdr(ctJSON, accGR), okQuery); got.status != 200 || len(got.codes) > 0 {
		t.Fatalf("query: status %d, codes %v", got.status, got.codes)
	}
	if got := do(t, srv, "GET", gql("query", "{ name }"), hdr("", accGR), ""); got.status != 200 || len(got.codes) > 0 {
		t.Fatalf("GET query: status %d, codes %v", got.status, got.codes)
	}
	if asked, given := a.asked.Load(), a.given.Load(); asked != 2 || given != 2 {
		t.Fatalf("after two queries: %d turns asked, %d given back; want 2 and 2", asked, given)
	}
	// gqlgen's test schema executes a mutation without data: 200 for application/json.
	if got := do(t, srv, "POST", "", hdr(ctJSON, accJSON), `{"query":"mutation { name }"}`); got.status != 200 || slices.Contains(got.codes, "UNAVAILABLE") {
		t.Fatalf("mutation: status %d, codes %v", got.status, got.codes)
	}
	if asked := a.asked.Load(); asked != 2 {
		t.Fatalf("a mutation asked for a turn (%d asked in all)", asked)
	}
}

// A query that gets no turn is answered UNAVAILABLE with Retry-After, and does not run.
func TestAQueryWithoutATurnIsUnavailable(t *testing.T) {
	t.Parallel()
	srv := admitServer(t, &admitCounter{refuse: errors.New("busy")})
	for _, tc := range []struct {
		accept     string
		wantStatus int
	}{{accGR, 503}, {accJSON, 200}} {
		got := do(t, srv, "POST", "", hdr(ctJSON, tc.accept), okQuery)
		if got.status != tc.wantStatus || got.hasData || !slices.Contains(got.codes, "UNAVAILABLE") || got.retryAfter != "1" {
			t.Errorf("Accept %s: status %d, data %v, codes %v, Retry-After %q; want %d, no data, UNAVAILABLE, 1",
				tc.accept, got.status, got.hasData, got.codes, got.retryAfter, tc.wantStatus)
		}
	}
}
