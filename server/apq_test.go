package main

import (
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"strings"
	"testing"
)

// TestAutomaticPersistedQueries registers a query by its hash, then runs it by hash alone.
func TestAutomaticPersistedQueries(t *testing.T) {
	t.Parallel()
	ts := startServer(t, embeddedEnv(t))
	query := `{ serverInfo { version } }`
	sum := sha256.Sum256([]byte(query))
	ext := map[string]any{"persistedQuery": map[string]any{"version": 1, "sha256Hash": hex.EncodeToString(sum[:])}}

	_, miss := ts.postRaw(t, map[string]any{"extensions": ext})
	if miss.codes() != "PERSISTED_QUERY_NOT_FOUND" {
		t.Fatalf("unknown hash: %v", miss.Errors)
	}
	if code, reg := ts.postRaw(t, map[string]any{"query": query, "extensions": ext}); code != http.StatusOK || len(reg.Errors) > 0 {
		t.Fatalf("register: %d %v", code, reg.Errors)
	}
	code, hit := ts.postRaw(t, map[string]any{"extensions": ext})
	if code != http.StatusOK || len(hit.Errors) > 0 || len(hit.Data) == 0 {
		t.Fatalf("by hash: %d %s %v", code, hit.Data, hit.Errors)
	}
	_, wrong := ts.postRaw(t, map[string]any{"query": `{ serverInfo { environment } }`, "extensions": ext})
	if len(wrong.Errors) == 0 {
		t.Fatal("a query that does not match its hash was accepted")
	}

	// A document that fails validation is not stored under its hash (not free storage).
	junk := `{ junk(data: "` + strings.Repeat("x", 1000) + `") }`
	junkSum := sha256.Sum256([]byte(junk))
	junkExt := map[string]any{"persistedQuery": map[string]any{"version": 1, "sha256Hash": hex.EncodeToString(junkSum[:])}}
	if _, r := ts.postRaw(t, map[string]any{"query": junk, "extensions": junkExt}); r.codes() != "GRAPHQL_VALIDATION_FAILED" {
		t.Fatalf("register junk: %v", r.Errors)
	}
	if _, r := ts.postRaw(t, map[string]any{"extensions": junkExt}); r.codes() != "PERSISTED_QUERY_NOT_FOUND" {
		t.Fatalf("junk by hash: %v, want PERSISTED_QUERY_NOT_FOUND", r.Errors)
	}
}
