package main

import (
	"encoding/json"
	"strings"
	"testing"

	"backbone/ent/auditlog"
)

// TestUpdateProfileOverGraphQL: a display name and an expert's bio change, as plain text:
// normalised to NFC and trimmed, stored as typed (markup included: frontends escape it),
// control characters refused, and a name with bidi controls or nothing visible refused; a
// client has no bio; the change is audited.
func TestUpdateProfileOverGraphQL(t *testing.T) {
	t.Parallel()
	w := newAzWorld(t, nil)
	expert := w.fresh(t, azExpert)
	const q = `mutation($in: UpdateProfileInput!) { updateProfile(input: $in) { displayName expertBio } }`
	var out struct {
		UpdateProfile struct {
			DisplayName string
			ExpertBio   *string
		}
	}
	w.mustGQL(t, expert.Token, q, map[string]any{"in": map[string]any{
		"displayName": "  Rene\u0301 <script>alert(1)</script> ", "bio": "Physics teacher.\n\tTwenty years."}}, &out)
	if got := out.UpdateProfile.DisplayName; got != "Ren\u00e9 <script>alert(1)</script>" {
		t.Errorf("displayName = %q, want it NFC, trimmed and otherwise as typed", got)
	}
	if b := out.UpdateProfile.ExpertBio; b == nil || *b != "Physics teacher.\n\tTwenty years." {
		t.Errorf("expertBio = %v, want the newline and tab kept", b)
	}
	var me struct{ Me struct{ DisplayName string } }
	w.mustGQL(t, expert.Token, `{ me { displayName } }`, nil, &me)
	if me.Me.DisplayName != out.UpdateProfile.DisplayName {
		t.Errorf("me.displayName = %q after the update", me.Me.DisplayName)
	}

	for name, in := range map[string]map[string]any{
		"a bell in the name":       {"displayName": "Ann\u0007"},
		"an escape in the bio":     {"bio": "Hi \u001b[31mred"},
		"a NUL in the name":        {"displayName": "A\u0000B"},
		"a C1 control":             {"displayName": "A\u0085B"},
		"an empty name":            {"displayName": "   "},
		"an invisible name":        {"displayName": " \u200b\u3164\u2800\u115f\u1160\uffa0\u2060 "},
		"a right-to-left override": {"displayName": "Ann\u202egnp.exe"},
		"a bidi isolate":           {"displayName": "\u2067Admin\u2069"},
		"a bidi embedding":         {"displayName": "\u202bAdmin"},
		"a name too long":          nil,
		"nothing to change":        {},
		"a bio over 2000 chars":    {"bio": string(repeatRune('b', 2001))},
	} {
		if name == "a name too long" {
			in = map[string]any{"displayName": string(repeatRune('n', 101))}
		}
		if _, r := w.gql(t, expert.Token, q, map[string]any{"in": in}); r.codes() != "BAD_USER_INPUT" {
			t.Errorf("%s: codes %q, want BAD_USER_INPUT", name, r.codes())
		}
	}
	client := w.callers[azClient]
	if _, r := w.gql(t, client.Token, q, map[string]any{"in": map[string]any{"bio": "I ask questions."}}); r.codes() != "BAD_USER_INPUT" {
		t.Errorf("a client's bio: codes %q, want BAD_USER_INPUT", r.codes())
	}
	n, err := w.db.AuditLog.Query().Where(auditlog.Action("user.profile_updated"), auditlog.TargetID(expert.UUID.String())).Count(w.system())
	if err != nil || n != 1 {
		t.Errorf("profile_updated audit rows = %d, %v; want 1", n, err)
	}
}

func repeatRune(r rune, n int) []rune {
	out := make([]rune, n)
	for i := range out {
		out[i] = r
	}
	return out
}

type acSubjectRequest struct {
	ID, Status, Note string
	Subjects         []string
	Expert           struct{ ID string }
	DecidedAt        *string
}

const acRequestFields = `id status note subjects expert { id } decidedAt`

// TestSubjectRequestsOverGraphQL: an approved expert asks for more subjects (checked
// against the settings), sees the request, an admin lists the pending ones and decides;
// an approval adds the subjects, a rejection does not; removing needs no approval.
func TestSubjectRequestsOverGraphQL(t *testing.T) {
	t.Parallel()
	w := newAzWorld(t, nil)
	admin := w.callers[azAdmin]
	expert, other := w.fresh(t, azExpert), w.fresh(t, azExpert)
	request := func(token string, subjects ...string) (acSubjectRequest, gqlResponse) {
		var out struct{ RequestSubjects acSubjectRequest }
		_, r := w.gql(t, token, `mutation($s: [String!]!) { requestSubjects(subjects: $s) { `+acRequestFields+` } }`, map[string]any{"s": subjects})
		if len(r.Errors) == 0 {
			decodeData(t, r, &out)
		}
		return out.RequestSubjects, r
	}
	list := func(token, status string) []acSubjectRequest {
		var out struct {
			SubjectRequests struct {
				Edges []struct{ Node acSubjectRequest }
			}
		}
		vars := map[string]any{}
		if status != "" {
			vars["st"] = status
		}
		w.mustGQL(t, token, `query($st: SubjectRequestStatus) { subjectRequests(first: 50, status: $st) { edges { node { `+acRequestFields+` } } } }`, vars, &out)
		var rs []acSubjectRequest
		for _, e := range out.SubjectRequests.Edges {
			rs = append(rs, e.Node)
		}
		return rs
	}
	decide := func(id string, approve bool, note string) (acSubjectRequest, gqlResponse) {
		var out struct{ DecideSubjectRequest acSubjectRequest }
		_, r := w.gql(t, admin.Token, `mutation($id: ID!, $ok: Boolean!, $n: String) { decideSubjectRequest(id: $id, approve: $ok, note: $n) { `+acRequestFields+` } }`,
			map[string]any{"id": id, "ok": approve, "n": note})
		if len(r.Errors) == 0 {
			decodeData(t, r, &out)
		}
		return out.DecideSubjectRequest, r
	}
	subjects := func(token string) []string {
		var out struct {
			Me struct{ ExpertSubjects []string }
		}
		w.mustGQL(t, token, `{ me { expertSubjects } }`, nil, &out)
		return out.Me.ExpertSubjects
	}

	for name, s := range map[string][]string{"an unknown subject": {"Astrology"}, "one already held": {"PHYSICS"}, "none": {}, "a control character": {"Chem\u0007istry"}} {
		if _, r := request(expert.Token, s...); r.codes() != "BAD_USER_INPUT" {
			t.Errorf("requesting %s: codes %q, want BAD_USER_INPUT", name, r.codes())
		}
	}
	if _, r := request(w.callers[azPending].Token, "Chemistry"); r.codes() != "FORBIDDEN" {
		t.Errorf("a pending applicant's request: codes %q, want FORBIDDEN", r.codes())
	}

	chem, r := request(expert.Token, "chemistry", "Chemistry") // any case, repeats dropped
	if len(r.Errors) > 0 || chem.Status != "PENDING" || len(chem.Subjects) != 1 || chem.Subjects[0] != "Chemistry" {
		t.Fatalf("requestSubjects = %+v, %v; want PENDING [Chemistry] in the settings' spelling", chem, r.Errors)
	}
	if _, r := request(expert.Token, "Chemistry"); r.codes() != "CONFLICT" {
		t.Errorf("asking again while pending: codes %q, want CONFLICT", r.codes())
	}
	bio, _ := request(expert.Token, "Biology")
	theirs, _ := request(other.Token, "Mathematics")
	if mine := list(expert.Token, ""); len(mine) != 2 || mine[0].ID != bio.ID || mine[1].ID != chem.ID {
		t.Errorf("the expert's requests = %+v, want theirs, newest first", mine)
	}
	if got := list(other.Token, ""); len(got) != 1 || got[0].ID != theirs.ID {
		t.Errorf("the other expert sees %+v, want only their own", got)
	}
	if pending := list(admin.Token, "PENDING"); len(pending) != 3 {
		t.Errorf("the admin's pending queue has %d requests, want 3", len(pending))
	}
	if got := subjects(expert.Token); len(got) != 1 {
		t.Errorf("a pending request already changed the subjects: %v", got)
	}

	approved, r := decide(chem.ID, true, "welcome")
	if len(r.Errors) > 0 || approved.Status != "APPROVED" || approved.Note != "welcome" || approved.DecidedAt == nil {
		t.Fatalf("approve = %+v, %v", approved, r.Errors)
	}
	if got := subjects(expert.Token); len(got) != 2 || got[1] != "Chemistry" {
		t.Errorf("subjects after the approval = %v, want physics and Chemistry", got)
	}
	if _, r := decide(chem.ID, false, ""); r.codes() != "CONFLICT" {
		t.Errorf("deciding twice: codes %q, want CONFLICT", r.codes())
	}
	if rejected, r := decide(bio.ID, false, "no diploma"); len(r.Errors) > 0 || rejected.Status != "REJECTED" {
		t.Fatalf("reject = %+v, %v", rejected, r.Errors)
	}
	if got := subjects(expert.Token); len(got) != 2 {
		t.Errorf("a rejection changed the subjects: %v", got)
	}
	if _, r := decide(chem.ID[:4]+"x", true, ""); r.codes() != "BAD_USER_INPUT" {
		t.Errorf("a malformed id: codes %q", r.codes())
	}
	for _, action := range []string{"expert.subjects_requested", "expert.subjects_approved", "expert.subjects_rejected"} {
		if n, err := w.db.AuditLog.Query().Where(auditlog.Action(action)).Count(w.system()); err != nil || n == 0 {
			t.Errorf("no %s audit row (%v)", action, err)
		}
	}

	const remove = `mutation($s: [String!]!) { removeSubjects(subjects: $s) { expertSubjects } }`
	var removed struct {
		RemoveSubjects struct{ ExpertSubjects []string }
	}
	w.mustGQL(t, expert.Token, remove, map[string]any{"s": []string{"Physics"}}, &removed)
	if got := removed.RemoveSubjects.ExpertSubjects; len(got) != 1 || got[0] != "Chemistry" {
		t.Errorf("after removing Physics: %v, want [Chemistry]", got)
	}
	if _, r := w.gql(t, expert.Token, remove, map[string]any{"s": []string{"Chemistry"}}); r.codes() != "BAD_USER_INPUT" {
		t.Errorf("removing the last subject: codes %q, want BAD_USER_INPUT", r.codes())
	}
	if _, r := w.gql(t, expert.Token, remove, map[string]any{"s": []string{"Law"}}); r.codes() != "BAD_USER_INPUT" {
		t.Errorf("removing a subject not held: codes %q, want BAD_USER_INPUT", r.codes())
	}

	// An approval grants only what still holds: a user who is no longer an approved
	// expert, or a subject the platform dropped since the request, is CONFLICT, and the
	// admin rejects the request instead.
	var role struct{ SetUserRole struct{ Role string } }
	w.mustGQL(t, admin.Token, `mutation($id: ID!) { setUserRole(userId: $id, role: CLIENT) { role } }`, map[string]any{"id": other.ID}, &role)
	if _, r := decide(theirs.ID, true, ""); r.codes() != "CONFLICT" {
		t.Errorf("approving the request of a user made a client: codes %q, want CONFLICT", r.codes())
	}
	if rejected, r := decide(theirs.ID, false, ""); len(r.Errors) > 0 || rejected.Status != "REJECTED" {
		t.Errorf("rejecting it = %+v, %v", rejected, r.Errors)
	}
	law, _ := request(expert.Token, "Law")
	var set struct{ UpdateSettings struct{ Subjects []string } }
	w.mustGQL(t, admin.Token, `mutation { updateSettings(input: {subjects: ["Mathematics", "Physics", "Chemistry", "Biology"]}) { subjects } }`, nil, &set)
	if _, r := decide(law.ID, true, ""); r.codes() != "CONFLICT" {
		t.Errorf("approving a subject the platform dropped: codes %q, want CONFLICT", r.codes())
	}
	if got := subjects(expert.Token); len(got) != 1 || got[0] != "Chemistry" {
		t.Errorf("subjects after the refused approval = %v, want [Chemistry]", got)
	}
}

// TestAnApplicationForSubjectsNoLongerOfferedIsNotApproved: approveExpert, like
// decideSubjectRequest, approves only subjects the platform still offers: an applicant one
// of whose subjects was dropped since is CONFLICT naming it, stays pending, and the admin
// rejects the application instead.
func TestAnApplicationForSubjectsNoLongerOfferedIsNotApproved(t *testing.T) {
	t.Parallel()
	w := newAzWorld(t, nil)
	admin := w.callers[azAdmin]
	var applied struct{ Register azTokens }
	w.mustGQL(t, "", `mutation($in: RegisterInput!) { register(input: $in) `+azAuthPayload+` }`, map[string]any{"in": map[string]any{
		"email": "lawyer@example.com", "password": azPassword, "displayName": "Lawyer",
		"expert": map[string]any{"subjects": []string{"Physics", "Law"}, "bio": "Teaches law."},
	}}, &applied)
	var set struct{ UpdateSettings struct{ Subjects []string } }
	w.mustGQL(t, admin.Token, `mutation { updateSettings(input: {subjects: ["Mathematics", "Physics", "Chemistry", "Biology"]}) { subjects } }`, nil, &set)

	id := map[string]any{"id": applied.Register.User.ID}
	_, r := w.gql(t, admin.Token, `mutation($id: ID!) { approveExpert(userId: $id) { expertStatus } }`, id)
	if r.codes() != "CONFLICT" || !strings.Contains(r.Errors[0].Message, `"Law"`) {
		t.Fatalf("approving an application for a dropped subject: codes %q %v, want CONFLICT naming Law", r.codes(), r.Errors)
	}
	var rejected struct{ RejectExpert struct{ ExpertStatus string } }
	w.mustGQL(t, admin.Token, `mutation($id: ID!) { rejectExpert(userId: $id, reason: "Law is no longer offered") { expertStatus } }`, id, &rejected)
	if rejected.RejectExpert.ExpertStatus != "REJECTED" {
		t.Errorf("rejecting it instead: %+v", rejected.RejectExpert)
	}
}

// decodeData decodes the data of an answer without errors into out.
func decodeData(t *testing.T, r gqlResponse, out any) {
	t.Helper()
	if err := json.Unmarshal(r.Data, out); err != nil {
		t.Fatalf("decode %s: %v", r.Data, err)
	}
}
