package main

import (
	"encoding/json"
	"errors"
	"slices"
	"testing"

	"github.com/vektah/gqlparser/v2"
	"github.com/vektah/gqlparser/v2/ast"

	"backbone/ent"
	"backbone/graph"
)

// azOutcome is what a caller gets from a row: allowed (the field answers a value),
// hidden (allowed, but the object is not the caller's, so it answers null or leaves it
// out), or an error code.
type azOutcome string

const (
	azAllowed         azOutcome = "allowed"
	azHidden          azOutcome = "allowed but hidden"
	azUnauthenticated azOutcome = "UNAUTHENTICATED"
	azForbidden       azOutcome = "FORBIDDEN"
	azNotFound        azOutcome = "NOT_FOUND"
)

// azRequest is what one caller sends for a row: prepare may replace the token (a fresh
// session or account) and set the variables and the object the row is about.
type azRequest struct {
	token  string
	vars   map[string]any
	object string // e.g. the id the row's seen function looks for
}

// azRow is one root field: a representative operation and who gets what.
type azRow struct {
	op      string
	prepare func(t *testing.T, w *azWorld, c azCaller, req *azRequest)
	want    map[azCaller]azOutcome
	// seen tells allowed from hidden by the field's value; by default a value is seen
	// when it is not null (and, for a list, holds no null).
	seen func(req azRequest, value json.RawMessage) bool
	// trigger makes a subscription emit, after it is subscribed.
	trigger func(t *testing.T, w *azWorld, req azRequest)
}

func azEveryone() map[azCaller]azOutcome { return azExpect(azAllowed, azAllowed, azAllowed) }
func azSignedIn() map[azCaller]azOutcome { return azExpect(azUnauthenticated, azAllowed, azAllowed) }
func azAdminOnly() map[azCaller]azOutcome {
	return azExpect(azUnauthenticated, azForbidden, azAllowed)
}

// azClientsOnly is a row of the clients' own work: both clients may, no one else.
func azClientsOnly() map[azCaller]azOutcome {
	m := azExpect(azUnauthenticated, azForbidden, azForbidden)
	m[azClient], m[azClient2] = azAllowed, azAllowed
	return m
}

// azExpect gives the anonymous caller anon, the admin admin and every other caller others.
func azExpect(anon, others, admin azOutcome) map[azCaller]azOutcome {
	return map[azCaller]azOutcome{azAnonymous: anon, azClient: others, azClient2: others,
		azExpert: others, azPending: others, azAdmin: admin}
}

// azOwnedByClient is the shape of a row about the first client's object: the client
// and the admin get it, the others do not.
func azOwnedByClient(others azOutcome) map[azCaller]azOutcome {
	m := azExpect(azUnauthenticated, others, azAllowed)
	m[azClient] = azAllowed
	return m
}

// azTable has one row per field of Query, Mutation and Subscription. A new field fails
// TestAuthzTableCoversEveryRootField until it has its row here.
func azTable() []azRow {
	clientID := func(t *testing.T, w *azWorld, c azCaller, req *azRequest) {
		req.vars = map[string]any{"id": w.callers[azClient].ID}
	}
	// subjectFor makes a fresh user for each caller, so that one caller's change (made
	// by mistake, if authorization broke) does not decide another's outcome.
	subjectFor := func(set func(*ent.UserCreate)) func(*testing.T, *azWorld, azCaller, *azRequest) {
		return func(t *testing.T, w *azWorld, c azCaller, req *azRequest) {
			req.vars = map[string]any{"id": w.subject(t, set)}
		}
	}
	pendingExpert := func(u *ent.UserCreate) {
		u.SetRole("EXPERT").SetExpertStatus("PENDING").SetExpertSubjects([]string{"law"}).SetExpertBio("Bio.")
	}
	freshSession := func(t *testing.T, w *azWorld, c azCaller, req *azRequest) {
		if a := w.callers[c]; a != nil {
			req.token = w.login(t, a.Email).Token
		}
	}
	return append([]azRow{
		{op: `{ serverInfo { version } }`, want: azEveryone()},
		{op: `{ rateLimit { cost limit remaining resetAt } }`, want: azEveryone()},
		{op: `query($id: ID!) { node(id: $id) { id } }`, prepare: clientID, want: azOwnedByClient(azHidden)},
		{op: `query($id: ID!) { nodes(ids: [$id]) { id } }`, prepare: clientID, want: azOwnedByClient(azHidden)},
		{op: `{ me { id } }`, want: azSignedIn()},
		{
			// Everyone lists their own keys: only the first client sees its key.
			op: `{ apiKeys { id } }`,
			prepare: func(t *testing.T, w *azWorld, c azCaller, req *azRequest) {
				req.object = w.apiKey(t, w.callers[azClient])
			},
			want: func() map[azCaller]azOutcome {
				m := azExpect(azUnauthenticated, azHidden, azHidden)
				m[azClient] = azAllowed
				return m
			}(),
			seen: func(req azRequest, v json.RawMessage) bool {
				var keys []struct{ ID string }
				_ = json.Unmarshal(v, &keys)
				return slices.ContainsFunc(keys, func(k struct{ ID string }) bool { return k.ID == req.object })
			},
		},
		{op: `{ users(first: 5) { totalCount } }`, want: azAdminOnly()},
		{op: `{ auditLogs(first: 5) { totalCount } }`, want: azAdminOnly()},

		{
			op: `mutation($in: RegisterInput!) { register(input: $in) { accessToken } }`,
			prepare: func(t *testing.T, w *azWorld, c azCaller, req *azRequest) {
				email := "reg-" + string(c) + "@example.com"
				req.vars = map[string]any{"in": map[string]any{"email": email, "password": azPassword, "displayName": "New"}}
			},
			want: azEveryone(),
		},
		{
			op: `mutation($e: String!, $p: String!) { login(email: $e, password: $p) { accessToken } }`,
			prepare: func(t *testing.T, w *azWorld, c azCaller, req *azRequest) {
				req.vars = map[string]any{"e": w.register(t, false).Email, "p": azPassword}
			},
			want: azEveryone(),
		},
		{
			op: `mutation($r: String!) { refreshSession(refreshToken: $r) { accessToken } }`,
			prepare: func(t *testing.T, w *azWorld, c azCaller, req *azRequest) {
				req.vars = map[string]any{"r": w.register(t, false).Refresh}
			},
			want: azEveryone(),
		},
		{op: `mutation { logout }`, prepare: freshSession, want: azSignedIn()},
		{
			op: `mutation($p: String!) { changePassword(currentPassword: $p, newPassword: "glacier-pepper-violin-7Kz!") }`,
			prepare: func(t *testing.T, w *azWorld, c azCaller, req *azRequest) {
				if a := w.fresh(t, c); a != nil {
					req.token = a.Token
				}
				req.vars = map[string]any{"p": azPassword}
			},
			want: azSignedIn(),
		},
		{op: `mutation { createApiKey(input: {name: "k", scopes: [READ]}) { secret } }`, want: azSignedIn()},
		{
			op: `mutation($id: ID!) { revokeApiKey(id: $id) { revokedAt } }`,
			prepare: func(t *testing.T, w *azWorld, c azCaller, req *azRequest) {
				req.vars = map[string]any{"id": w.apiKey(t, w.callers[azClient])}
			},
			want: azOwnedByClient(azNotFound),
		},
		{op: `mutation($id: ID!) { setUserRole(userId: $id, role: EXPERT) { role } }`, prepare: subjectFor(nil), want: azAdminOnly()},
		{op: `mutation($id: ID!) { suspendUser(userId: $id, reason: "table") { status } }`, prepare: subjectFor(nil), want: azAdminOnly()},
		{
			op:      `mutation($id: ID!) { reactivateUser(userId: $id) { status } }`,
			prepare: subjectFor(func(u *ent.UserCreate) { u.SetStatus("SUSPENDED") }),
			want:    azAdminOnly(),
		},
		{op: `mutation($id: ID!) { approveExpert(userId: $id) { expertStatus } }`, prepare: subjectFor(pendingExpert), want: azAdminOnly()},
		{op: `mutation($id: ID!) { rejectExpert(userId: $id) { expertStatus } }`, prepare: subjectFor(pendingExpert), want: azAdminOnly()},
	}, append(append(append(append(append(append(append(append(azWalletRows(), azSettingsRows()...), azQuestionsRows()...), azNotifyRows()...), azLiveRows()...), azInsightRows()...), azAccountsRows()...), azMailRows()...), azAnalyticsRows()...)...)
}

// azRootField is the "Type.field" a row's operation selects, checked against the schema.
func azRootField(s *ast.Schema, op string) (string, *ast.OperationDefinition, error) {
	doc, errs := gqlparser.LoadQuery(s, op)
	if len(errs) > 0 {
		return "", nil, errs
	}
	if len(doc.Operations) != 1 || len(doc.Operations[0].SelectionSet) != 1 {
		return "", nil, errOneField
	}
	o := doc.Operations[0]
	f, ok := o.SelectionSet[0].(*ast.Field)
	if !ok || f.Alias != f.Name {
		return "", nil, errOneField
	}
	root := map[ast.Operation]*ast.Definition{ast.Query: s.Query, ast.Mutation: s.Mutation, ast.Subscription: s.Subscription}[o.Operation]
	return root.Name + "." + f.Name, o, nil
}

var errOneField = errors.New("a row's operation selects exactly one root field, without an alias")

func TestAuthzTableCoversEveryRootField(t *testing.T) {
	t.Parallel()
	s := graph.NewExecutableSchema(graph.Config{}).Schema()
	covered := map[string]bool{}
	for _, row := range azTable() {
		name, _, err := azRootField(s, row.op)
		if err != nil {
			t.Errorf("row %q: %v", firstLine(row.op), err)
			continue
		}
		if covered[name] {
			t.Errorf("%s has two rows", name)
		}
		covered[name] = true
		for _, c := range azCallers {
			if _, ok := row.want[c]; !ok {
				t.Errorf("%s: no expected outcome for %s", name, c)
			}
		}
	}
	for _, root := range []*ast.Definition{s.Query, s.Mutation, s.Subscription} {
		if root == nil {
			continue
		}
		for _, f := range root.Fields {
			if name := root.Name + "." + f.Name; !covered[name] && !isIntrospection(f.Name) {
				t.Errorf("%s has no row in the authorization table (server/authz_table_test.go): add one", name)
			}
		}
	}
}

func isIntrospection(name string) bool {
	return name == "__schema" || name == "__type" || name == "__typename"
}
