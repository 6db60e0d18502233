package graph

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/google/uuid"

	"backbone/ent"
	"backbone/ent/answerrevision"
	"backbone/ent/question"
	"backbone/ent/user"
	"backbone/internal/db"
	"backbone/internal/dbtest"
	"backbone/internal/questions"
	"backbone/internal/settings"
	"backbone/internal/testenv"
	"backbone/internal/viewer"
)

// questionPageServers serves one database twice: with the page encoder (as deployed) and
// with gqlgen alone. encoded counts the root fields the first answered with an encoded
// page.
type questionPageServers struct {
	enc, ref               *Handler
	encoded                atomic.Int64
	client, admin, expert  viewer.Principal
	other                  viewer.Principal // a client with no questions
	clientEmail, expertOne string
}

func newQuestionPageServers(t *testing.T) *questionPageServers {
	ctx := db.System(context.Background())
	d := dbtest.Open(t, testenv.NewSQLiteURL(t))
	c := d.Client
	users := 0
	newUser := func(name string, role user.Role) *ent.User {
		users++
		return c.User.Create().SetEmail(fmt.Sprintf("user%d@page.invalid", users)).
			SetPasswordHash("x").SetDisplayName(name).SetRole(role).SaveX(ctx)
	}
	admin := newUser("Page Admin", user.RoleADMIN)
	client := newUser("Page \"Client\" \\ \t\x01 Zoë 日本", user.RoleCLIENT)
	other := newUser("Other Client", user.RoleCLIENT)
	experts := []*ent.User{newUser("Expert One", user.RoleEXPERT), newUser("Expert <Two>\u2028", user.RoleEXPERT)}
	for _, e := range experts {
		e.Update().SetExpertStatus(user.ExpertStatusAPPROVED).SetExpertSubjects([]string{"Math"}).ExecX(ctx)
	}
	now := time.Now().UTC().Truncate(time.Second).Add(123456789)
	add := func(i int, owner *ent.User, status question.Status, expert *ent.User, answered bool) {
		created := now.Add(-time.Duration(i) * time.Minute)
		q := c.Question.Create().SetClientID(owner.ID).SetSubject("Math").
			SetTitle(fmt.Sprintf("Question %d: \"x\" \\ y\n<b>", i)).SetBody(fmt.Sprintf("What is *%d* squared?\n\n$x^2$ `code`", i)).
			SetUrgency([]question.Urgency{question.UrgencyNORMAL, question.UrgencyURGENT}[i%2]).
			SetDeadline(now.Add(24 * time.Hour)).SetPrice(int64(20 + i)).SetStatus(status).SetCreatedAt(created)
		if expert != nil {
			q.SetExpertID(expert.ID)
		}
		if status == question.StatusDELIVERED {
			q.SetDeliveredAt(created).SetAutoAcceptAt(created.Add(72 * time.Hour))
		}
		saved := q.SaveX(ctx)
		if expert == nil {
			return
		}
		c.AnswerRevision.Create().SetQuestionID(saved.ID).SetKind(answerrevision.KindAI_DRAFT).
			SetBody("A draft").SetCreatedAt(created.Add(-time.Minute)).ExecX(ctx)
		if answered {
			c.AnswerRevision.Create().SetQuestionID(saved.ID).SetKind(answerrevision.KindEXPERT).SetAuthorID(expert.ID).
				SetBody(fmt.Sprintf("The answer to %d: **%d**\n\"quoted\"", i, i*i)).SetCreatedAt(created.Add(-30 * time.Second)).ExecX(ctx)
		}
	}
	for i := range 8 {
		add(i, client, question.StatusDELIVERED, experts[i%2], true)
	}
	add(8, client, question.StatusAWAITING_EXPERT, nil, false) // no expert, no answer
	add(9, client, question.StatusCLAIMED, experts[0], false)  // an expert, a draft, no answer
	add(10, client, question.StatusDELIVERED, experts[1], false)
	add(11, admin, question.StatusSUBMITTED, nil, false)
	for i := 12; i < 16; i++ {
		add(i, newUser(fmt.Sprintf("Client %d", i), user.RoleCLIENT), question.StatusACCEPTED, experts[i%2], true)
	}
	res := &Resolver{
		Client:    c,
		Log:       slog.New(slog.NewTextHandler(io.Discard, nil)),
		Lifecycle: questions.New(questions.Deps{DB: d, Settings: settings.New(settings.Deps{DB: d}, settings.Options{})}, questions.Options{}),
	}
	s := &questionPageServers{
		enc:         NewHandler(HandlerConfig{Resolver: res, ComplexityLimit: 50000}),
		ref:         NewHandler(HandlerConfig{Resolver: res, ComplexityLimit: 50000, gqlgenPages: true}),
		client:      viewer.Principal{UserID: client.ID, Role: viewer.RoleClient, SessionID: uuid.New()},
		admin:       viewer.Principal{UserID: admin.ID, Role: viewer.RoleAdmin, SessionID: uuid.New()},
		expert:      viewer.Principal{UserID: experts[0].ID, Role: viewer.RoleExpert, SessionID: uuid.New()},
		other:       viewer.Principal{UserID: other.ID, Role: viewer.RoleClient, SessionID: uuid.New()},
		clientEmail: client.Email,
		expertOne:   experts[0].Email,
	}
	s.enc.AroundRootFields(func(ctx context.Context, next graphql.RootResolver) graphql.Marshaler {
		m := next(ctx)
		if _, ok := m.(encodedPage); ok {
			s.encoded.Add(1)
		}
		return m
	})
	return s
}

// post answers query (with vars) for who from both servers; the bodies must be equal.
func (s *questionPageServers) post(t *testing.T, who viewer.Principal, query string, vars map[string]any) (body string, encoded int) {
	t.Helper()
	payload, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
	send := func(h http.Handler) string {
		req := httptest.NewRequest(http.MethodPost, "/query", bytes.NewReader(payload))
		if who.UserID != uuid.Nil {
			req = req.WithContext(viewer.With(req.Context(), who))
		}
		req.Header.Set("Content-Type", "application/json")
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
		return w.Body.String()
	}
	s.encoded.Store(0)
	mine := send(s.enc)
	encoded = int(s.encoded.Load())
	theirs := send(s.ref)
	if mine != theirs {
		t.Fatalf("encoded:\n%s\ngqlgen:\n%s", mine, theirs)
	}
	return mine, encoded
}

// The encoded page is byte for byte what gqlgen writes, on every selection the encoder
// takes and on those it leaves to gqlgen.
func TestEncodeQuestionPageEqualsGqlgen(t *testing.T) {
	s := newQuestionPageServers(t)
	const every = `__typename totalCount pageInfo { __typename hasNextPage hasPreviousPage startCursor endCursor }
		edges { __typename cursor node { __typename id subject title body bodyHtml urgency deadline price status revisionCount createdAt aiAssisted autoAcceptAt
			client { __typename id displayName role } expert { __typename id displayName role } answer { __typename id kind body bodyHtml createdAt } } }`
	const bench = `edges { node { title status client { displayName } expert { displayName } answer { body } } }`
	page, _ := s.post(t, s.client, `{ myQuestions(first: 4) { edges { cursor } pageInfo { endCursor } } }`, nil)
	var first struct {
		Data struct {
			MyQuestions struct{ PageInfo struct{ EndCursor string } }
		}
	}
	if err := json.Unmarshal([]byte(page), &first); err != nil || first.Data.MyQuestions.PageInfo.EndCursor == "" {
		t.Fatalf("%v: %s", err, page)
	}
	after := map[string]any{"after": first.Data.MyQuestions.PageInfo.EndCursor, "yes": true, "no": false}
	for _, tc := range []struct {
		name    string
		who     viewer.Principal
		query   string
		encoded int // root fields answered with an encoded page
		want    string
	}{
		{"the bench page, client", s.client, `{ myQuestions(first: 20) { ` + bench + ` } }`, 1, `"answer":null`},
		{"the bench page, admin", s.admin, `{ questions(first: 20) { ` + bench + ` } }`, 1, `"expert":null`},
		{"every field, client", s.client, `{ myQuestions(first: 20) { ` + every + ` } }`, 1, `"autoAcceptAt":null`},
		{"every field, admin", s.admin, `{ questions(first: 20) { ` + every + ` } }`, 1, `"hasNextPage":false`},
		{"a second page", s.client, `query($after: Cursor) { myQuestions(first: 3, after: $after) { ` + every + ` } }`, 1, `"hasPreviousPage":true`},
		{"the last ones", s.admin, `{ questions(last: 3) { ` + every + ` } }`, 1, `"hasPreviousPage":true`},
		{"a status", s.client, `{ myQuestions(first: 5, status: AWAITING_EXPERT) { ` + every + ` } }`, 1, `"expert":null`},
		{"an empty page", s.other, `{ myQuestions(first: 5) { ` + every + ` } }`, 1, `"edges":[]`},
		{"aliases", s.client, `{ a: myQuestions(first: 2) { edges { c: cursor n: node { t: title title id i: id w: client { d: displayName n: __typename } } } x: edges { cursor } p: pageInfo { e: endCursor s: startCursor } } b: myQuestions(last: 1) { totalCount t: totalCount } }`, 2, `"n":{"t":`},
		{"fragments", s.admin, `{ questions(first: 6) { ...C } } fragment C on QuestionConnection { edges { node { ...Q ... on Node { id } ... { status } } } pageInfo { ...P } }
			fragment Q on Question { title expert { ... on User { displayName } ...U } answer { ... on AnswerRevision { kind } ... on Node { id } } }
			fragment U on Node { ... on User { id role } } fragment P on PageInfo { hasNextPage }`, 1, `"kind":"EXPERT"`},
		{"skip and include", s.client, `query($yes: Boolean!, $no: Boolean!) { myQuestions(first: 5) { edges @include(if: $yes) { node { title @skip(if: $yes) status @skip(if: $no) client @include(if: $no) { id } expert @include(if: $yes) { displayName @skip(if: $no) } ... @skip(if: $yes) { body } ... @include(if: true) { price } } } totalCount @skip(if: $yes) pageInfo @skip(if: $no) { hasNextPage } } }`, 1, `"status":`},
		{"a field merged from two places", s.client, `{ myQuestions(first: 3) { edges { node { client { id } } } edges { node { client { displayName } title } } } }`, 1, `"client":{"id":`},
		{"a page and another root field", s.admin, `{ __typename questions(first: 2) { edges { node { id } } } q: questions(last: 1) { totalCount } }`, 2, `"__typename":"Query"`},
		{"an expert's tasks", s.expert, `{ availableTasks(first: 5) { ` + every + ` } }`, 1, `"edges":`},
		// gqlgen's to answer:
		{"an email", s.client, `{ myQuestions(first: 20) { edges { node { title client { email } expert { email displayName } } } } }`, 0, `"email":null`},
		{"the revisions", s.client, `{ myQuestions(first: 3) { edges { node { answer { body } revisions { body } } } } }`, 0, `"revisions":[`},
		{"the pipeline", s.admin, `{ questions(first: 3) { edges { node { title pipeline { __typename } } } } }`, 0, `"pipeline":`},
		{"an answer's author", s.admin, `{ questions(first: 3) { edges { node { answer { author { displayName } } } } } }`, 0, `"author":`},
		{"a bad cursor", s.client, `{ myQuestions(first: 3, after: "nonsense") { edges { node { title } } } }`, 0, `"errors"`},
		{"not an admin", s.client, `{ questions(first: 3) { edges { node { title } } } }`, 0, `"errors"`},
		{"not signed in", viewer.Principal{}, `{ myQuestions(first: 3) { edges { node { title } } } }`, 0, `"errors"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			vars := map[string]any{}
			if strings.Contains(tc.query, "$") {
				vars = after
				if !strings.Contains(tc.query, "$after") {
					vars = map[string]any{"yes": true, "no": false}
				}
			}
			body, encoded := s.post(t, tc.who, tc.query, vars)
			if encoded != tc.encoded {
				t.Fatalf("%d root fields encoded, want %d: %.600s", encoded, tc.encoded, body)
			}
			if !strings.Contains(body, tc.want) {
				t.Fatalf("no %s in %.2000s", tc.want, body)
			}
			if tc.want != `"errors"` && strings.Contains(body, `"errors"`) {
				t.Fatalf("errors: %.1000s", body)
			}
		})
	}
}

// A field the encoder does not take, such as a user's email, is answered by gqlgen with
// its resolver's rule: the client sees their own address and not their expert's.
func TestEncodeQuestionPageLeavesEmailToItsResolver(t *testing.T) {
	s := newQuestionPageServers(t)
	body, encoded := s.post(t, s.client, `{ myQuestions(first: 20) { edges { node { client { email } expert { email } } } } }`, nil)
	if encoded != 0 {
		t.Fatalf("encoded: %s", body)
	}
	if !strings.Contains(body, `"client":{"email":`+strconvQuote(s.clientEmail)) || strings.Contains(body, s.expertOne) ||
		!strings.Contains(body, `"expert":{"email":null}`) {
		t.Fatalf("emails: %.1000s", body)
	}
	body, _ = s.post(t, s.admin, `{ questions(first: 20) { edges { node { expert { email } } } } }`, nil)
	if !strings.Contains(body, s.expertOne) {
		t.Fatalf("an admin sees every email: %.1000s", body)
	}
}

func strconvQuote(s string) string { b, _ := json.Marshal(s); return string(b) }

// appendString writes what graphql.MarshalString writes.
func TestAppendStringIsGqlgens(t *testing.T) {
	for _, s := range []string{"", "plain", `"q" \ b`, "tab\tcr\rlf\n", "\x00\x01\x1f\x7f", "Zoë 日本 \u2028\u2029", "bad \xff\xfe utf8", "<script>&amp;"} {
		var want bytes.Buffer
		graphql.MarshalString(s).MarshalGQL(&want)
		if got := appendString(nil, s); string(got) != want.String() {
			t.Errorf("%q: %s, gqlgen %s", s, got, want.String())
		}
	}
}
