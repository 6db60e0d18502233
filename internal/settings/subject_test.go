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

// TestPatchNamesSubjectsInAnyCase: a price names its subject in any case, and a subject
// kept under a new spelling keeps its prices (both were once refused: "prices must be
// given for the subjects, and only for them").
func TestPatchNamesSubjectsInAnyCase(t *testing.T) {
	t.Parallel()
	s := settings.Defaults()
	sub := s.Subjects[0]
	u := settings.Urgencies[0]
	priced := settings.Patch{Prices: []settings.Price{{Subject: toggleCase(sub), Urgency: u, Credits: 77}}}.Apply(s)
	if err := settings.Validate(priced); err != nil {
		t.Fatalf("a price under %q: %v", toggleCase(sub), err)
	}
	if c, _ := priced.Price(sub, u); c != 77 {
		t.Fatalf("price of %s at %s: %d, want 77", sub, u, c)
	}
	renamed := settings.Patch{Subjects: append([]string{toggleCase(sub)}, s.Subjects[1:]...)}.Apply(s)
	if err := settings.Validate(renamed); err != nil {
		t.Fatalf("subject %q renamed %q: %v", sub, toggleCase(sub), err)
	}
	want, _ := s.Price(sub, u)
	if c, ok := renamed.Price(toggleCase(sub), u); !ok || c != want {
		t.Fatalf("price of the renamed subject: %d, %v; want %d", c, ok, want)
	}
}
