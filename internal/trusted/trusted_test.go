package trusted_test

import (
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"backbone/internal/trusted"
)

const (
	meDoc   = "query Me { me { email } }"
	infoDoc = "query Info { serverInfo { version } }"
)

func sha(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}

// TestManifestFormats: both formats give their documents by manifest id, by
// "sha256:<hex>" of the text (documentId) and by the bare hash (APQ's sha256Hash).
func TestManifestFormats(t *testing.T) {
	t.Parallel()
	manifests := map[string]string{
		// The client preset's default hash is sha1: ids are opaque to the server.
		"codegen": `{"` + "3a1c0f" + `": "` + meDoc + `", "` + sha(infoDoc) + `": "` + infoDoc + `"}`,
		"apollo": `{"format": "apollo-persisted-query-manifest", "version": 1, "operations": [
			{"id": "3a1c0f", "name": "Me", "type": "query", "body": "` + meDoc + `"},
			{"id": "` + sha(infoDoc) + `", "name": "Info", "type": "query", "body": "` + infoDoc + `"}]}`,
	}
	for format, m := range manifests {
		docs, err := trusted.Parse([]byte(m))
		if err != nil {
			t.Fatalf("%s: %v", format, err)
		}
		if docs.Len() != 2 {
			t.Errorf("%s: %d documents, want 2", format, docs.Len())
		}
		for _, tc := range []struct {
			how, id string
			lookup  func(string) (string, bool)
			want    string
		}{
			{"manifest id", "3a1c0f", docs.ByID, meDoc},
			{"sha256: of the text", "sha256:" + sha(meDoc), docs.ByID, meDoc},
			{"upper-case hex", "sha256:" + strings.ToUpper(sha(meDoc)), docs.ByID, meDoc},
			{"id that is the hash", sha(infoDoc), docs.ByID, infoDoc},
			{"APQ hash", sha(meDoc), docs.BySHA256, meDoc},
			{"APQ hash that is the id", sha(infoDoc), docs.BySHA256, infoDoc},
			{"unknown id", "nope", docs.ByID, ""},
			{"unknown sha256:", "sha256:" + sha("{ me { id } }"), docs.ByID, ""},
			{"bare hash is not a documentId", sha(meDoc), docs.ByID, ""},
			{"unknown APQ hash", sha("{ me { id } }"), docs.BySHA256, ""},
		} {
			got, ok := tc.lookup(tc.id)
			if got != tc.want || ok != (tc.want != "") {
				t.Errorf("%s: %s: got %q %v, want %q", format, tc.how, got, ok, tc.want)
			}
		}
	}
}

// TestBadManifests: anything but a well-formed manifest of GraphQL documents is refused.
func TestBadManifests(t *testing.T) {
	t.Parallel()
	for name, m := range map[string]string{
		"not JSON":                 `query Me { me { email } }`,
		"a JSON array":             `["` + meDoc + `"]`,
		"null":                     `null`,
		"empty object":             `{}`,
		"document not a string":    `{"a": {"body": "` + meDoc + `"}}`,
		"empty document":           `{"a": "  "}`,
		"empty id":                 `{"": "` + meDoc + `"}`,
		"not GraphQL":              `{"a": "query {"}`,
		"schema, not operations":   `{"a": "type Query { a: Int }"}`,
		"unknown format":           `{"format": "relay-persisted-queries", "version": 1, "operations": []}`,
		"format not a string":      `{"format": 1}`,
		"apollo version 2":         `{"format": "apollo-persisted-query-manifest", "version": 2, "operations": [{"id": "a", "body": "` + meDoc + `"}]}`,
		"apollo no operations":     `{"format": "apollo-persisted-query-manifest", "version": 1}`,
		"apollo empty operations":  `{"format": "apollo-persisted-query-manifest", "version": 1, "operations": []}`,
		"apollo operation no id":   `{"format": "apollo-persisted-query-manifest", "version": 1, "operations": [{"body": "` + meDoc + `"}]}`,
		"apollo operation no body": `{"format": "apollo-persisted-query-manifest", "version": 1, "operations": [{"id": "a"}]}`,
		"apollo wrong type":        `{"format": "apollo-persisted-query-manifest", "version": 1, "operations": [{"id": "a", "type": "mutation", "body": "` + meDoc + `"}]}`,
		"apollo duplicate id": `{"format": "apollo-persisted-query-manifest", "version": 1, "operations": [
			{"id": "a", "body": "` + meDoc + `"}, {"id": "a", "body": "` + infoDoc + `"}]}`,
		"codegen duplicate id":         `{"a": "` + meDoc + `", "a": "` + infoDoc + `"}`,
		"apollo operations not a list": `{"format": "apollo-persisted-query-manifest", "version": 1, "operations": {"a": "` + meDoc + `"}}`,
	} {
		if _, err := trusted.Parse([]byte(m)); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

// TestDuplicateIDsAreRefusedInBothFormats: an id given two documents is refused with the
// same message whichever the format; given the same document twice, it is one document.
func TestDuplicateIDsAreRefusedInBothFormats(t *testing.T) {
	t.Parallel()
	for _, m := range []string{
		`{"a": "` + meDoc + `", "a": "` + infoDoc + `"}`,
		`{"format": "apollo-persisted-query-manifest", "version": 1, "operations": [
			{"id": "a", "body": "` + meDoc + `"}, {"id": "a", "body": "` + infoDoc + `"}]}`,
	} {
		if _, err := trusted.Parse([]byte(m)); err == nil || err.Error() != `id "a" names two different documents` {
			t.Errorf("%s: got %v, want the id named with two documents", m, err)
		}
	}
	if d, err := trusted.Parse([]byte(`{"a": "` + meDoc + `", "a": "` + meDoc + `"}`)); err != nil || d.Len() != 1 {
		t.Errorf("an id given one document twice: %v", err)
	}
}

func TestLoad(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	good := filepath.Join(dir, "persisted-documents.json")
	if err := os.WriteFile(good, []byte(`{"a": "`+meDoc+`"}`), 0o600); err != nil {
		t.Fatal(err)
	}
	if docs, err := trusted.Load(good); err != nil || docs.Len() != 1 {
		t.Fatalf("Load: %v", err)
	}
	bad := filepath.Join(dir, "bad.json")
	if err := os.WriteFile(bad, []byte(`{"a": 1}`), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{filepath.Join(dir, "missing.json"), dir, bad} {
		_, err := trusted.Load(path)
		if err == nil || !strings.Contains(err.Error(), path) {
			t.Errorf("Load(%s): %v, want an error naming the file", path, err)
		}
	}
}
