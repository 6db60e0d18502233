package main

import (
	"testing"

	"backbone/internal/testenv"
)

// TestMeRunsOneStatement: reading `me` with a bearer token runs one SQL statement, the
// caller's row by primary key, every time (the token is verified from memory after the
// first request; nothing else is read), and a token whose session is ended is refused at
// once although it was verified before.
func TestMeRunsOneStatement(t *testing.T) {
	testenv.NeedPostgres(t)
	t.Parallel()
	w, counter := newCountingWorld(t)
	client := w.callers[azClient]
	const me = `{ me { id email role } }`
	for i := range 3 {
		var out struct {
			Me struct{ ID, Email, Role string }
		}
		n := counter.statements(client.UUID, func() { w.mustGQL(t, client.Token, me, nil, &out) })
		if n != 1 || out.Me.ID != client.ID || out.Me.Email != client.Email {
			t.Fatalf("request %d: %d statements, me %+v; want 1 and %s", i+1, n, out.Me, client.Email)
		}
	}
	var loggedOut struct{ Logout bool }
	w.mustGQL(t, client.Token, `mutation { logout(allSessions: false) }`, nil, &loggedOut)
	_, r := w.gql(t, client.Token, me, nil)
	if r.codes() != "UNAUTHENTICATED" {
		t.Fatalf("me after logout: %v; want UNAUTHENTICATED", r.Errors)
	}
}
