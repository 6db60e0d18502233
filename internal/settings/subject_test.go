package settings_test

import (
	"testing"

	"backbone/internal/settings"
)

func TestSubjectsMatchRegardlessOfCase(t *testing.T) {
	t.Parallel()
	s := settings.Defaults()
	want := s.Subjects[0]
	for _, name := range []string{want, " " + want + " ", toggleCase(want)} {
		got, ok := s.Subject(name)
		if !ok || got != want {
			t.Errorf("Subject(%q) = %q, %v; want %q", name, got, ok, want)
		}
	}
	if _, ok := s.Subject("no such subject"); ok {
		t.Error("an unknown subject matched")
	}
}

func toggleCase(s string) string {
	b := []byte(s)
	for i, c := range b {
		switch {
		case c >= 'a' && c <= 'z':
			b[i] = c - 32
		case c >= 'A' && c <= 'Z':
			b[i] = c + 32
		}
	}
	return string(b)
}
