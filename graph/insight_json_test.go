package graph

import "testing"

// TestSettingChangesReadAlikeOnBothDatabases: PostgreSQL's jsonb hands back what it
// stored spaced and with keys reordered; the API answers one text for one value.
func TestSettingChangesReadAlikeOnBothDatabases(t *testing.T) {
	sqlite := `{"Biology":{"HIGH":35,"LOW":10,"NORMAL":20,"URGENT":50},"Law":{"LOW":1.5}}`
	postgres := `{"Law": {"LOW": 1.5}, "Biology": {"LOW": 10, "HIGH": 35, "NORMAL": 20, "URGENT": 50}}`
	if a, b := jsonText([]byte(sqlite)), jsonText([]byte(postgres)); a != b || a != sqlite {
		t.Fatalf("one value reads %s and %s, want %s", a, b, sqlite)
	}
	if got := jsonText([]byte(`["Mathematics", "Q&A <1>"]`)); got != `["Mathematics","Q&A <1>"]` {
		t.Fatalf("a list reads %s", got)
	}
	if got := jsonText(nil); got != "null" {
		t.Fatalf("no value reads %s", got)
	}
}
