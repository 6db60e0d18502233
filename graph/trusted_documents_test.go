package graph

import (
	"strings"
	"testing"
	"time"

	"backbone/internal/cache"
	"backbone/internal/ratelimit"
	"backbone/internal/trusted"
)

const (
	trustedVersion = "query Version { serverInfo { version } }"
	trustedID      = "3a1c0f" // an opaque id, such as the client preset's default sha1
)

func mustTrusted(t *testing.T, manifest string) *trusted.Documents {
	t.Helper()
	docs, err := trusted.Parse([]byte(manifest))
	if err != nil {
		t.Fatal(err)
	}
	return docs
}

// TestTrustedDocuments: on POST, GET and server-sent events, a server that runs only
// trusted documents runs them by documentId and by APQ's sha256Hash and refuses
// everything else before parsing it; without the flag, the manifest's documents run by
// id beside free text and APQ.
func TestTrustedDocuments(t *testing.T) {
	t.Parallel()
	docs := mustTrusted(t, `{"`+trustedID+`": "`+trustedVersion+`"}`)
	apq := PersistedQueryCache(apqTestConfig())
	only := startAPI(t, HandlerConfig{TrustedDocuments: docs, TrustedDocumentsOnly: true, PersistedQueries: apq})
	mixed := startAPI(t, HandlerConfig{TrustedDocuments: docs, PersistedQueries: apq})
	other := "query Other { serverInfo { environment } }"
	tests := []struct {
		name string
		api  *testAPI
		body map[string]any
		code string // "" : the version comes back
	}{
		{"only: by documentId", only, map[string]any{"documentId": trustedID}, ""},
		{"only: by sha256: documentId", only, map[string]any{"documentId": "sha256:" + apqHash(trustedVersion)}, ""},
		{"only: by sha256Hash", only, apqBody(apqHash(trustedVersion), ""), ""},
		{"only: sha256Hash with its own text", only, apqBody(apqHash(trustedVersion), trustedVersion), ""},
		{"only: free text", only, map[string]any{"query": trustedVersion}, CodePersistedQueryOnly},
		{"only: free text invalid", only, map[string]any{"query": "{ nope"}, CodePersistedQueryOnly},
		{"only: unknown documentId", only, map[string]any{"documentId": "sha256:" + apqHash(other)}, CodePersistedQueryNotFound},
		{"only: unknown sha256Hash", only, apqBody(apqHash(other), ""), CodePersistedQueryNotFound},
		{"only: APQ registration", only, apqBody(apqHash(other), other), CodePersistedQueryNotFound},
		{"only: id and other text", only, apqBody(apqHash(trustedVersion), other), CodeBadRequest},
		{"only: documentId and query", only, map[string]any{"documentId": trustedID, "query": trustedVersion}, CodeBadRequest},
		{"only: documentId and its own sha256Hash", only, withExtensions(map[string]any{"documentId": trustedID}, apqHash(trustedVersion)), ""},
		{"only: documentId and its id as sha256Hash", only, withExtensions(map[string]any{"documentId": trustedID}, trustedID), ""},
		{"only: documentId and another sha256Hash", only, withExtensions(map[string]any{"documentId": trustedID}, apqHash(other)), CodeBadRequest},
		{"only: documentId and a hash naming nothing", only, withExtensions(map[string]any{"documentId": trustedID}, "rl"), CodeBadRequest},
		{"only: documentId and a persistedQuery without hash", only, map[string]any{"documentId": trustedID, "extensions": map[string]any{"persistedQuery": map[string]any{"version": 1}}}, CodeBadRequest},
		{"mixed: documentId and a hash naming nothing", mixed, withExtensions(map[string]any{"documentId": trustedID}, "rl"), CodeBadRequest},
		{"mixed: by documentId", mixed, map[string]any{"documentId": trustedID}, ""},
		{"mixed: free text", mixed, map[string]any{"query": trustedVersion}, ""},
		{"mixed: unknown documentId", mixed, map[string]any{"documentId": "nope"}, CodePersistedQueryNotFound},
		{"mixed: unknown sha256Hash is APQ's", mixed, apqBody(apqHash(other), ""), CodePersistedQueryNotFound},
	}
	for _, tr := range transports {
		for _, tt := range tests {
			r := tr.send(tt.api, t, tt.body)
			switch {
			case tt.code == "" && (len(r.Errors) > 0 || !strings.Contains(string(r.Data), `"version":"test"`)):
				t.Errorf("%s: %s: %s %v, want the version", tr.name, tt.name, r.Data, r.Errors)
			case tt.code != "" && (len(r.Errors) != 1 || r.codes()[0] != tt.code || len(r.Data) > 0 && string(r.Data) != "null"):
				t.Errorf("%s: %s: %s %v, want %s and no data", tr.name, tt.name, r.Data, r.Errors, tt.code)
			}
		}
	}
	// Only what the manifest holds ever reaches the parser, so nothing else is registered
	// with APQ either: the mixed server learns a hash, the trusted-only one does not.
	mixed.postBody(t, apqBody(apqHash(other), other))
	if r := mixed.postBody(t, apqBody(apqHash(other), "")); len(r.Errors) > 0 {
		t.Errorf("mixed: APQ registration: %v", r.Errors)
	}
	if r := only.postBody(t, apqBody(apqHash(other), "")); len(r.Errors) != 1 || r.codes()[0] != CodePersistedQueryNotFound {
		t.Errorf("only: a hash registered through the other server: %v", r.Errors)
	}
}

// withExtensions is body with an APQ persistedQuery extension of the hash.
func withExtensions(body map[string]any, hash string) map[string]any {
	body["extensions"] = map[string]any{"persistedQuery": map[string]any{"version": 1, "sha256Hash": hash}}
	return body
}

func apqTestConfig() PersistedQueryConfig {
	return PersistedQueryConfig{
		Cache: cache.NewMemory(100), TTL: time.Hour, MaxBytes: 1 << 10,
		Limiter: ratelimit.NewMemory(0), PerIP: ratelimit.PerHour(100), Log: discardLog(),
	}
}
