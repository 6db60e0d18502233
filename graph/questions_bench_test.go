package graph_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/google/uuid"

	"backbone/ent"
	"backbone/ent/answerrevision"
	"backbone/ent/question"
	"backbone/ent/user"
	"backbone/graph"
	"backbone/internal/db"
	"backbone/internal/dbtest"
	"backbone/internal/questions"
	"backbone/internal/settings"
	"backbone/internal/testenv"
	"backbone/internal/viewer"
)

// questionPageFields is what bench/http's P3 workloads read of each question.
const questionPageFields = `title status client { displayName } expert { displayName } answer { body }`

// BenchmarkQuestionPage is bench/http's P3 page through the handler: a client's
// myQuestions and the admin's questions, 20 delivered questions each with its client,
// expert and answer. The database is SQLite in process, so beside its reads what it
// measures is the GraphQL execution and the response.
//
//	go test -run '^$' -bench BenchmarkQuestionPage -benchmem ./graph
func BenchmarkQuestionPage(b *testing.B) {
	srv, client, admin := questionPageHandler(b)
	for _, bc := range []struct {
		name, field string
		who         viewer.Principal
	}{
		{"client", "myQuestions", client},
		{"admin", "questions", admin},
	} {
		b.Run(bc.name, func(b *testing.B) {
			body := `{"query":"{ ` + bc.field + `(first: 20) { edges { node { ` + questionPageFields + ` } } } }"}`
			post := func() *httptest.ResponseRecorder {
				req := httptest.NewRequest(http.MethodPost, "/query", strings.NewReader(body))
				req = req.WithContext(viewer.With(req.Context(), bc.who))
				req.Header.Set("Content-Type", "application/json")
				w := httptest.NewRecorder()
				srv.ServeHTTP(w, req)
				return w
			}
			if w := post(); w.Code != http.StatusOK || strings.Contains(w.Body.String(), `"errors"`) ||
				strings.Count(w.Body.String(), `"answer":{"body":`) != 20 {
				b.Fatalf("status %d: %.500s", w.Code, w.Body)
			}
			b.ReportAllocs()
			start := processCPU()
			for b.Loop() {
				if w := post(); w.Code != http.StatusOK {
					b.Fatalf("status %d: %.500s", w.Code, w.Body)
				}
			}
			// The process's CPU time, garbage collection included: on a shared machine
			// it moves less than the wall time ns/op reports.
			b.ReportMetric(float64(processCPU()-start)/float64(b.N), "cpu-ns/op")
		})
	}
}

// processCPU is the CPU time (user and system) the process has used so far.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// questionPageHandler serves, as bench/http seeds it, a client with 20 delivered
// questions (each with an AI draft and its expert's answer, by two experts) and older
// questions of other clients; it returns the handler, the client and an admin.
func questionPageHandler(tb testing.TB) (http.Handler, viewer.Principal, viewer.Principal) {
	ctx := db.System(context.Background())
	d := dbtest.Open(tb, testenv.NewSQLiteURL(tb))
	c := d.Client
	newUser := func(name string, role user.Role) *ent.User {
		return c.User.Create().SetEmail(strings.ToLower(strings.ReplaceAll(name, " ", "-")) + "@bench.invalid").
			SetPasswordHash("x").SetDisplayName(name).SetRole(role).SaveX(ctx)
	}
	admin := newUser("Bench Admin", user.RoleADMIN)
	client := newUser("Bench Client", user.RoleCLIENT)
	experts := []*ent.User{newUser("Bench Expert", user.RoleEXPERT), newUser("Bench Expert Two", user.RoleEXPERT)}
	now := time.Now().UTC()
	for i := range 50 {
		other := newUser(fmt.Sprintf("Other %d", i), user.RoleCLIENT)
		c.Question.Create().SetClientID(other.ID).SetSubject("Math").SetTitle(fmt.Sprintf("Older question %d", i)).
			SetBody("Body of an older question").SetUrgency(question.UrgencyNORMAL).SetDeadline(now.Add(24 * time.Hour)).
			SetPrice(20).SetCreatedAt(now.Add(-24*time.Hour - time.Duration(i)*time.Minute)).ExecX(ctx)
	}
	for i := range 20 {
		expert := experts[i%2]
		delivered := now.Add(-time.Duration(i) * time.Second)
		q := c.Question.Create().SetClientID(client.ID).SetExpertID(expert.ID).SetSubject("Math").
			SetTitle(fmt.Sprintf("Bench question %d", i)).SetBody(fmt.Sprintf("What is %d squared, and why?", i)).
			SetUrgency(question.UrgencyNORMAL).SetDeadline(now.Add(24 * time.Hour)).SetPrice(20).
			SetStatus(question.StatusDELIVERED).SetCreatedAt(delivered).SetDeliveredAt(delivered).
			SetAutoAcceptAt(delivered.Add(72 * time.Hour)).SaveX(ctx)
		c.AnswerRevision.Create().SetQuestionID(q.ID).SetKind(answerrevision.KindAI_DRAFT).
			SetBody("A draft for " + q.Title).SetCreatedAt(delivered.Add(-time.Minute)).ExecX(ctx)
		c.AnswerRevision.Create().SetQuestionID(q.ID).SetKind(answerrevision.KindEXPERT).SetAuthorID(expert.ID).
			SetBody("The expert's answer to " + q.Title).SetCreatedAt(delivered.Add(-50 * time.Second)).ExecX(ctx)
	}
	res := &graph.Resolver{
		Client:    c,
		Log:       slog.New(slog.NewTextHandler(io.Discard, nil)),
		Lifecycle: questions.New(questions.Deps{DB: d, Settings: settings.New(settings.Deps{DB: d}, settings.Options{})}, questions.Options{}),
	}
	// As the server's default.
	srv := graph.NewHandler(graph.HandlerConfig{Resolver: res, ComplexityLimit: 5000})
	return srv, viewer.Principal{UserID: client.ID, Role: viewer.RoleClient, SessionID: uuid.New()},
		viewer.Principal{UserID: admin.ID, Role: viewer.RoleAdmin, SessionID: uuid.New()}
}
