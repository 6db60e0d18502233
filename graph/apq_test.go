package graph

import (
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"testing"
	"time"

	"backbone/internal/cache"
	"backbone/internal/ratelimit"
)

// apqBody is a request of query registered (or looked up, when query is "") by hash.
func apqBody(hash, query string) map[string]any {
	body := map[string]any{"extensions": map[string]any{"persistedQuery": map[string]any{"version": 1, "sha256Hash": hash}}}
	if query != "" {
		body["query"] = query
	}
	return body
}

func apqHash(query string) string {
	sum := sha256.Sum256([]byte(query))
	return hex.EncodeToString(sum[:])
}

// TestPersistedQueriesStoreOnlyValidBoundedQueries: a query sent with its hash is stored
// only once it has passed validation, the document limits and the complexity limit, if
// it is short enough and its client has registered few enough. Otherwise it still gets
// its answer, and its hash stays unknown (without these rules, gqlgen's APQ stored
// anything under its hash before even parsing it).
func TestPersistedQueriesStoreOnlyValidBoundedQueries(t *testing.T) {
	t.Parallel()
	const maxBytes = 200
	apq := PersistedQueryCache(PersistedQueryConfig{
		Cache: cache.NewMemory(100), TTL: time.Hour, MaxBytes: maxBytes,
		Limiter: ratelimit.NewMemory(0), PerIP: ratelimit.PerHour(3), Log: discardLog(),
	})
	api := startAPI(t, HandlerConfig{PersistedQueries: apq, ComplexityLimit: 50})
	known := func(q string) bool {
		t.Helper()
		r := api.postBody(t, apqBody(apqHash(q), ""))
		return len(r.Errors) == 0 || r.codes()[0] != "PERSISTED_QUERY_NOT_FOUND"
	}

	refused := map[string]string{
		"invalid":        `{ nope }`,
		"over a limit":   doublingFragments(31),
		"too complex":    "{ serverInfo {" + strings.Repeat(" version", 50) + " } }", // complexity 51
		"not a document": "storage " + strings.Repeat("x", 100),
	}
	for what, q := range refused {
		if r := api.postBody(t, apqBody(apqHash(q), q)); len(r.Errors) == 0 {
			t.Errorf("%s: accepted", what)
		}
		if known(q) {
			t.Errorf("%s: stored", what)
		}
	}

	long := "{ serverInfo { version } }" + strings.Repeat(" ", maxBytes)
	if r := api.postBody(t, apqBody(apqHash(long), long)); len(r.Errors) > 0 {
		t.Errorf("a long query: %v, want its answer", r.Errors)
	}
	if known(long) {
		t.Errorf("a query over %d bytes was stored", maxBytes)
	}

	// Three registrations an hour from one IP: the fourth query runs, unstored.
	var valid []string
	for i := range 4 {
		q := "query Q" + string(rune('A'+i)) + " { serverInfo { version } }"
		valid = append(valid, q)
		if r := api.postBody(t, apqBody(apqHash(q), q)); len(r.Errors) > 0 {
			t.Errorf("registering %q: %v", q, r.Errors)
		}
	}
	for i, q := range valid {
		if got, want := known(q), i < 3; got != want {
			t.Errorf("registration %d stored: %v, want %v", i+1, got, want)
		}
	}
	if r := api.postBody(t, apqBody(apqHash(valid[0]), "")); len(r.Errors) > 0 || !strings.Contains(string(r.Data), "serverInfo") {
		t.Errorf("by hash: %s %v", r.Data, r.Errors)
	}
}

// TestMalformedPersistedQueriesAreBadRequests: gqlgen's APQ refusals carried no code (its
// not-found aside); each is BAD_REQUEST, over POST, GET and SSE.
func TestMalformedPersistedQueriesAreBadRequests(t *testing.T) {
	t.Parallel()
	apq := PersistedQueryCache(PersistedQueryConfig{
		Cache: cache.NewMemory(100), TTL: time.Hour, MaxBytes: 1000,
		Limiter: ratelimit.NewMemory(0), PerIP: ratelimit.PerHour(3), Log: discardLog(),
	})
	api := startAPI(t, HandlerConfig{PersistedQueries: apq})
	const q = `{ __typename }`
	for what, body := range map[string]map[string]any{
		"not an object":        {"query": q, "extensions": map[string]any{"persistedQuery": "x"}},
		"a list":               {"query": q, "extensions": map[string]any{"persistedQuery": []any{}}},
		"another query's hash": {"query": q, "extensions": map[string]any{"persistedQuery": map[string]any{"version": 1, "sha256Hash": "abc"}}},
		"version 2":            {"extensions": map[string]any{"persistedQuery": map[string]any{"version": 2, "sha256Hash": apqHash(q)}}},
		// With no query these were looked up, and answered PERSISTED_QUERY_NOT_FOUND.
		"no hash":         {"extensions": map[string]any{"persistedQuery": map[string]any{"version": 1}}},
		"a hash not hex":  {"extensions": map[string]any{"persistedQuery": map[string]any{"version": 1, "sha256Hash": "ZZ"}}},
		"a hash in upper": {"extensions": map[string]any{"persistedQuery": map[string]any{"version": 1, "sha256Hash": strings.ToUpper(apqHash(q))}}},
	} {
		for _, tr := range transports {
			r := tr.send(api, t, body)
			if len(r.Errors) != 1 || r.codes()[0] != "BAD_REQUEST" {
				t.Errorf("%s over %s: %v, want one BAD_REQUEST", what, tr.name, r.Errors)
			}
		}
	}
	if r := api.postBody(t, apqBody(apqHash(q), "")); len(r.Errors) != 1 || r.codes()[0] != "PERSISTED_QUERY_NOT_FOUND" {
		t.Errorf("an unknown hash: %v, want PERSISTED_QUERY_NOT_FOUND", r.Errors)
	}
}
