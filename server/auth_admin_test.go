package main

import (
	"encoding/base64"
	"slices"
	"strings"
	"testing"

	"github.com/google/uuid"

	"backbone/internal/testenv"
)

const (
	suspendMutation    = `mutation($id: ID!) { suspendUser(userId: $id, reason: "abuse") { id status } }`
	reactivateMutation = `mutation($id: ID!) { reactivateUser(userId: $id) { id status } }`
	setRoleMutation    = `mutation($id: ID!, $role: Role!) { setUserRole(userId: $id, role: $role) { id role expertStatus } }`
	approveMutation    = `mutation($id: ID!) { approveExpert(userId: $id) { id expertStatus } }`
	rejectMutation     = `mutation($id: ID!) { rejectExpert(userId: $id, reason: "no credentials") { id expertStatus } }`
	applyAgainMutation = `mutation($in: ExpertApplicationInput!) { applyAgainAsExpert(input: $in) { id expertStatus expertSubjects } }`
	usersQuery         = `query($first: Int, $after: Cursor, $f: UsersFilter) {
		users(first: $first, after: $after, filter: $f) {
			totalCount pageInfo { hasNextPage endCursor } edges { cursor node { id email role status expertStatus } } } }`
)

// applyAsExpert registers an expert application.
func (a *api) applyAsExpert(t *testing.T, email string) tokens {
	t.Helper()
	var out struct{ Register tokens }
	a.ok(t, "", registerMutation, map[string]any{"in": map[string]any{
		"email": email, "password": testPassword, "displayName": "Applicant",
		"expert": map[string]any{"subjects": []string{"chemistry"}, "bio": "Lab chemist"},
	}}, &out)
	return out.Register
}

// userPage is one page of the users connection.
type userPage struct {
	Users struct {
		TotalCount int
		PageInfo   struct {
			HasNextPage bool
			EndCursor   *string
		}
		Edges []struct{ Node gqlUser }
	}
}

func (p userPage) emails() []string {
	var out []string
	for _, e := range p.Users.Edges {
		out = append(out, e.Node.Email)
	}
	slices.Sort(out)
	return out
}

func TestAdminListsUsers(t *testing.T) {
	t.Parallel()
	env := authEnv(t)
	a := newAPI(startServer(t, env))
	tag := testenv.RandomName("crew")
	var clients []string
	for i := range 3 {
		clients = append(clients, a.register(t, tag+"-"+string(rune('a'+i))+"@example.com").User.Email)
	}
	expert := a.applyAsExpert(t, tag+"-x@example.com").User.Email
	member := a.login(t, clients[0], testPassword)
	admin := a.makeAdmin(t, env["DATABASE_URL"], a.register(t, uniqueEmail("boss")).User.Email)
	a.ok(t, bearer(admin.AccessToken), suspendMutation, map[string]any{"id": a.login(t, clients[2], testPassword).User.ID}, nil)

	list := func(t *testing.T, first int, after *string, f map[string]any) userPage {
		t.Helper()
		var p userPage
		a.ok(t, bearer(admin.AccessToken), usersQuery, map[string]any{"first": first, "after": after, "f": f}, &p)
		return p
	}
	all := append(slices.Clone(clients), expert)
	slices.Sort(all)
	for name, tc := range map[string]struct {
		filter map[string]any
		want   []string
	}{
		"search ignores case":     {map[string]any{"search": strings.ToUpper(tag)}, all},
		"role":                    {map[string]any{"role": "EXPERT"}, []string{expert}},
		"status":                  {map[string]any{"status": "SUSPENDED"}, clients[2:3]},
		"role and search":         {map[string]any{"role": "CLIENT", "search": tag}, clients},
		"expert status":           {map[string]any{"expertStatus": "PENDING"}, []string{expert}},
		"search matching nothing": {map[string]any{"search": "no-such-user-" + tag}, nil},
	} {
		t.Run(name, func(t *testing.T) {
			p := list(t, 50, nil, tc.filter)
			if got := p.emails(); !slices.Equal(got, tc.want) || p.Users.TotalCount != len(tc.want) {
				t.Errorf("users(%v) = %v (total %d), want %v", tc.filter, got, p.Users.TotalCount, tc.want)
			}
		})
	}

	t.Run("pages follow the cursor", func(t *testing.T) {
		f := map[string]any{"search": tag}
		one := list(t, 3, nil, f)
		if len(one.Users.Edges) != 3 || !one.Users.PageInfo.HasNextPage || one.Users.TotalCount != 4 {
			t.Fatalf("first page: %+v", one.Users)
		}
		two := list(t, 3, one.Users.PageInfo.EndCursor, f)
		if len(two.Users.Edges) != 1 || two.Users.PageInfo.HasNextPage {
			t.Fatalf("second page: %+v", two.Users)
		}
		got := append(one.emails(), two.emails()...)
		slices.Sort(got)
		if !slices.Equal(got, all) {
			t.Errorf("pages hold %v, want %v once each", got, all)
		}
	})

	t.Run("non-admins are forbidden", func(t *testing.T) {
		a.fail(t, "FORBIDDEN", bearer(member.AccessToken), usersQuery, map[string]any{"first": 5})
		a.fail(t, "UNAUTHENTICATED", "", usersQuery, map[string]any{"first": 5})
	})
}

func TestAdminActions(t *testing.T) {
	t.Parallel()
	env := authEnv(t)
	a := newAPI(startServer(t, env))
	admin := a.makeAdmin(t, env["DATABASE_URL"], a.register(t, uniqueEmail("boss")).User.Email)
	as := bearer(admin.AccessToken)

	t.Run("role change ends the target's sessions", func(t *testing.T) {
		email := uniqueEmail("promoted")
		s := a.register(t, email)
		var out struct{ SetUserRole gqlUser }
		a.ok(t, as, setRoleMutation, map[string]any{"id": s.User.ID, "role": "EXPERT"}, &out)
		if out.SetUserRole.Role != "EXPERT" || out.SetUserRole.ExpertStatus == nil || *out.SetUserRole.ExpertStatus != "APPROVED" {
			t.Errorf("setUserRole = %+v", out.SetUserRole)
		}
		// Back to a client: no expert status (it stayed APPROVED), and made an expert
		// again, approved again.
		for _, role := range []string{"CLIENT", "EXPERT"} {
			out.SetUserRole = gqlUser{}
			a.ok(t, as, setRoleMutation, map[string]any{"id": s.User.ID, "role": role}, &out)
			if st := out.SetUserRole.ExpertStatus; out.SetUserRole.Role != role || (role == "CLIENT") != (st == nil) || st != nil && *st != "APPROVED" {
				t.Errorf("setUserRole %s = %+v", role, out.SetUserRole)
			}
		}
		if reason := a.refused(t, bearer(s.AccessToken)); reason != "revoked" {
			t.Errorf("old token: reason %q, want revoked", reason)
		}
		a.fail(t, "UNAUTHENTICATED", "", refreshMutation, map[string]any{"r": s.RefreshToken})
		if me := a.me(t, bearer(a.login(t, email, testPassword).AccessToken)); me.Role != "EXPERT" {
			t.Errorf("role at next sign-in: %s", me.Role)
		}
	})

	t.Run("suspension stops tokens and refreshes and revokes keys; reactivation restores sign-in only", func(t *testing.T) {
		email := uniqueEmail("suspect")
		s := a.register(t, email)
		key := a.createKey(t, s, "bot", "READ")
		var out struct{ SuspendUser gqlUser }
		a.ok(t, as, suspendMutation, map[string]any{"id": s.User.ID}, &out)
		if out.SuspendUser.Status != "SUSPENDED" {
			t.Errorf("suspendUser = %+v", out.SuspendUser)
		}
		if reason := a.refused(t, bearer(s.AccessToken)); reason != "revoked" {
			t.Errorf("suspended user's token: reason %q, want revoked", reason)
		}
		a.fail(t, "UNAUTHENTICATED", "", refreshMutation, map[string]any{"r": s.RefreshToken})
		a.refused(t, "key:"+key.Secret)
		a.fail(t, "FORBIDDEN", "", loginMutation, map[string]any{"e": email, "p": testPassword})
		a.fail(t, "CONFLICT", as, suspendMutation, map[string]any{"id": s.User.ID})

		var back struct{ ReactivateUser gqlUser }
		a.ok(t, as, reactivateMutation, map[string]any{"id": s.User.ID}, &back)
		if back.ReactivateUser.Status != "ACTIVE" {
			t.Errorf("reactivateUser = %+v", back.ReactivateUser)
		}
		a.me(t, bearer(a.login(t, email, testPassword).AccessToken))
		a.fail(t, "CONFLICT", as, reactivateMutation, map[string]any{"id": s.User.ID})
		a.refused(t, "key:"+key.Secret) // suspension revoked the key for good

	})

	t.Run("expert applications are decided once", func(t *testing.T) {
		yes := a.applyAsExpert(t, uniqueEmail("yes")).User.ID
		no := a.applyAsExpert(t, uniqueEmail("no")).User.ID
		client := a.register(t, uniqueEmail("plain")).User.ID

		var ok struct{ ApproveExpert gqlUser }
		a.ok(t, as, approveMutation, map[string]any{"id": yes}, &ok)
		if st := ok.ApproveExpert.ExpertStatus; st == nil || *st != "APPROVED" {
			t.Errorf("approveExpert: %v", st)
		}
		var rej struct{ RejectExpert gqlUser }
		a.ok(t, as, rejectMutation, map[string]any{"id": no}, &rej)
		if st := rej.RejectExpert.ExpertStatus; st == nil || *st != "REJECTED" {
			t.Errorf("rejectExpert: %v", st)
		}
		for _, tc := range []struct{ mutation, id string }{
			{approveMutation, yes}, {rejectMutation, yes}, {approveMutation, no}, {rejectMutation, client}, {approveMutation, client},
		} {
			a.fail(t, "CONFLICT", as, tc.mutation, map[string]any{"id": tc.id})
		}
	})

	t.Run("a rejected applicant applies again", func(t *testing.T) {
		applicant := a.applyAsExpert(t, uniqueEmail("again"))
		me := bearer(applicant.AccessToken)
		again := map[string]any{"in": map[string]any{"subjects": []string{"PHYSICS"}, "bio": "Now with a degree"}}
		a.fail(t, "CONFLICT", me, applyAgainMutation, again) // still pending
		a.ok(t, as, rejectMutation, map[string]any{"id": applicant.User.ID}, nil)

		var out struct {
			ApplyAgainAsExpert struct {
				ExpertStatus   *string
				ExpertSubjects []string
			}
		}
		a.ok(t, me, applyAgainMutation, again, &out)
		if st := out.ApplyAgainAsExpert.ExpertStatus; st == nil || *st != "PENDING" {
			t.Fatalf("applyAgainAsExpert: %v", st)
		}
		if subjects := out.ApplyAgainAsExpert.ExpertSubjects; !slices.Equal(subjects, []string{"Physics"}) {
			t.Errorf("the new application's subjects: %v", subjects)
		}
		a.fail(t, "CONFLICT", me, applyAgainMutation, again) // pending again: an admin decides first
		a.ok(t, as, approveMutation, map[string]any{"id": applicant.User.ID}, nil)
		a.fail(t, "CONFLICT", me, applyAgainMutation, again)
		if ext := a.fail(t, "BAD_USER_INPUT", me, applyAgainMutation,
			map[string]any{"in": map[string]any{"subjects": []string{"astrology"}, "bio": "x"}}); ext["field"] != "subjects" {
			t.Errorf("an unknown subject: field %v", ext["field"])
		}
	})

	t.Run("an admin cannot act on their own account", func(t *testing.T) {
		me := map[string]any{"id": admin.User.ID}
		a.fail(t, "FORBIDDEN", as, suspendMutation, me)
		a.fail(t, "FORBIDDEN", as, setRoleMutation, map[string]any{"id": admin.User.ID, "role": "CLIENT"})
		a.me(t, as)
	})

	t.Run("unknown and malformed ids", func(t *testing.T) {
		ghost := base64.RawURLEncoding.EncodeToString([]byte("User:" + uuid.NewString()))
		a.fail(t, "NOT_FOUND", as, suspendMutation, map[string]any{"id": ghost})
		// The error names the argument: suspendUser's is userId.
		if ext := a.fail(t, "BAD_USER_INPUT", as, suspendMutation, map[string]any{"id": "not-an-id"}); ext["field"] != "userId" {
			t.Errorf("a malformed userId: field %v", ext["field"])
		}
	})

	t.Run("non-admins are forbidden", func(t *testing.T) {
		s := a.register(t, uniqueEmail("meddler"))
		victim := a.register(t, uniqueEmail("victim")).User.ID
		for _, m := range []string{suspendMutation, reactivateMutation, approveMutation, rejectMutation} {
			a.fail(t, "FORBIDDEN", bearer(s.AccessToken), m, map[string]any{"id": victim})
		}
		a.fail(t, "FORBIDDEN", bearer(s.AccessToken), setRoleMutation, map[string]any{"id": s.User.ID, "role": "ADMIN"})
		a.fail(t, "UNAUTHENTICATED", "", suspendMutation, map[string]any{"id": victim})
	})
}

const auditQuery = `query($f: AuditLogsFilter) { auditLogs(first: 100, filter: $f) {
	totalCount edges { node { action targetType targetId ip actor { id email } } } } }`

// auditRow is one audit log entry as the tests read it.
type auditRow struct {
	Action, TargetType, TargetID, IP string
	Actor                            *gqlUser
}

func TestAuditLogRecordsSensitiveActions(t *testing.T) {
	t.Parallel()
	env := authEnv(t)
	a := newAPI(startServer(t, env))
	admin := a.makeAdmin(t, env["DATABASE_URL"], a.register(t, uniqueEmail("boss")).User.Email)
	as := bearer(admin.AccessToken)

	email := uniqueEmail("subject")
	subject := a.register(t, email)
	a.fail(t, "UNAUTHENTICATED", "", loginMutation, map[string]any{"e": email, "p": "wrong password here"})
	// A password too short for any account is a failure on this one too (it was recorded
	// as an unknown account, without a target).
	a.fail(t, "UNAUTHENTICATED", "", loginMutation, map[string]any{"e": email, "p": "short"})
	session := a.login(t, email, testPassword)
	a.refresh(t, session.RefreshToken)
	a.fail(t, "UNAUTHENTICATED", "", refreshMutation, map[string]any{"r": session.RefreshToken})
	key := a.createKey(t, a.login(t, email, testPassword), "audit", "READ")
	a.ok(t, bearer(a.login(t, email, testPassword).AccessToken), revokeKeyMutation, map[string]any{"id": key.APIKey.ID}, nil)
	a.ok(t, as, setRoleMutation, map[string]any{"id": subject.User.ID, "role": "EXPERT"}, nil)
	a.ok(t, as, suspendMutation, map[string]any{"id": subject.User.ID}, nil)
	applicant := a.applyAsExpert(t, uniqueEmail("applicant")).User.ID
	a.ok(t, as, approveMutation, map[string]any{"id": applicant}, nil)

	logs := func(t *testing.T, f map[string]any) []auditRow {
		t.Helper()
		var out struct {
			AuditLogs struct {
				TotalCount int
				Edges      []struct{ Node auditRow }
			}
		}
		a.ok(t, as, auditQuery, map[string]any{"f": f}, &out)
		rows := make([]auditRow, 0, len(out.AuditLogs.Edges))
		for _, e := range out.AuditLogs.Edges {
			rows = append(rows, e.Node)
		}
		if out.AuditLogs.TotalCount != len(rows) {
			t.Errorf("totalCount %d for %d rows", out.AuditLogs.TotalCount, len(rows))
		}
		return rows
	}
	// Targets are shown by their global ids, as the API shows every id.
	subjectID, applicantID, keyID := subject.User.ID, applicant, key.APIKey.ID

	failed := 0
	for _, r := range logs(t, map[string]any{"action": "auth.login_failed", "actorId": subject.User.ID}) {
		if r.TargetID == subjectID {
			failed++
		}
	}
	if failed != 2 {
		t.Errorf("%d auth.login_failed rows on the account, want 2 (a wrong password, a short one)", failed)
	}

	for _, tc := range []struct {
		action, targetID, actor string
	}{
		{"auth.login", subjectID, subject.User.ID},
		{"auth.login_failed", subjectID, subject.User.ID},
		{"auth.refresh_token_reused", "", subject.User.ID},
		{"user.role_changed", subjectID, admin.User.ID},
		{"user.suspended", subjectID, admin.User.ID},
		{"expert.approved", applicantID, admin.User.ID},
		{"apikey.created", keyID, subject.User.ID},
		{"apikey.revoked", keyID, subject.User.ID},
	} {
		t.Run(tc.action, func(t *testing.T) {
			rows := logs(t, map[string]any{"action": tc.action, "actorId": tc.actor})
			found := false
			for _, r := range rows {
				if r.Action != tc.action || r.Actor == nil || r.Actor.ID != tc.actor {
					t.Errorf("filter {action %s, actor %s} returned %+v", tc.action, tc.actor, r)
				}
				if r.IP != a.ip {
					t.Errorf("%s recorded ip %q, want the client's %q", tc.action, r.IP, a.ip)
				}
				found = found || tc.targetID == "" || r.TargetID == tc.targetID
			}
			if !found {
				t.Errorf("no %s row for target %s among %+v", tc.action, tc.targetID, rows)
			}
		})
	}

	t.Run("actor filter keeps to the actor", func(t *testing.T) {
		rows := logs(t, map[string]any{"actorId": admin.User.ID})
		var actions []string
		for _, r := range rows {
			if r.Actor == nil || r.Actor.ID != admin.User.ID {
				t.Errorf("row of another actor: %+v", r)
			}
			actions = append(actions, r.Action)
		}
		for _, want := range []string{"user.role_changed", "user.suspended", "expert.approved"} {
			if !slices.Contains(actions, want) {
				t.Errorf("admin's actions %v lack %s", actions, want)
			}
		}
	})

	t.Run("targetId filter takes the global id an admin holds, and the stored UUID", func(t *testing.T) {
		for _, target := range []string{subjectID, rawID(t, subjectID).String()} {
			rows := logs(t, map[string]any{"action": "user.suspended", "targetId": target})
			if len(rows) != 1 || rows[0].TargetID != subjectID || rows[0].TargetType != "User" {
				t.Errorf("user.suspended rows of target %s: %+v, want one of %s", target, rows, subjectID)
			}
		}
		// Every given field must match: a User's id with another target type matches nothing.
		if rows := logs(t, map[string]any{"targetType": "Question", "targetId": subjectID}); len(rows) != 0 {
			t.Errorf("rows of a User's id as a Question: %+v", rows)
		}
	})

	t.Run("only admins read it", func(t *testing.T) {
		other := a.register(t, uniqueEmail("curious"))
		a.fail(t, "FORBIDDEN", bearer(other.AccessToken), auditQuery, nil)
	})
}
