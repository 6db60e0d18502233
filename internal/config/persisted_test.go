package config_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"backbone/internal/config"
)

// TestPersistedOperations: running only trusted documents needs a readable manifest
// that parses; anything else stops the server with a message naming the setting.
func TestPersistedOperations(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	write := func(name, content string) string {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		return path
	}
	good := write("persisted-documents.json", `{"a": "query Me { me { email } }"}`)
	tests := []struct {
		name string
		env  map[string]string
		want string // "" : valid; else a phrase the error must contain
	}{
		{"off", nil, ""},
		{"only, with a manifest", map[string]string{"PERSISTED_OPERATIONS_ONLY": "true", "PERSISTED_OPERATIONS_FILE": good}, ""},
		{"a manifest without only", map[string]string{"PERSISTED_OPERATIONS_FILE": good}, ""},
		{"only without a manifest", map[string]string{"PERSISTED_OPERATIONS_ONLY": "true"}, "needs PERSISTED_OPERATIONS_FILE"},
		{"a missing file", map[string]string{"PERSISTED_OPERATIONS_ONLY": "true", "PERSISTED_OPERATIONS_FILE": filepath.Join(dir, "none.json")}, "PERSISTED_OPERATIONS_FILE: cannot read"},
		{"not a manifest", map[string]string{"PERSISTED_OPERATIONS_ONLY": "true", "PERSISTED_OPERATIONS_FILE": write("bad.json", `["query { a }"]`)}, "PERSISTED_OPERATIONS_FILE: the manifest"},
		{"a bad manifest without only", map[string]string{"PERSISTED_OPERATIONS_FILE": write("empty.json", `{}`)}, "holds no operations"},
		{"only is not a boolean", map[string]string{"PERSISTED_OPERATIONS_ONLY": "sure"}, "PERSISTED_OPERATIONS_ONLY"},
	}
	for _, tt := range tests {
		c, err := config.FromEnv(envOf(tt.env))
		if err == nil {
			err = c.Validate()
		}
		switch {
		case tt.want == "" && err != nil:
			t.Errorf("%s: %v", tt.name, err)
		case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
			t.Errorf("%s: %v, want an error saying %q", tt.name, err, tt.want)
		}
	}
}
