package questions_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"backbone/ent"
	"backbone/ent/outboxmessage"
	"backbone/ent/privacy"
	"backbone/ent/question"
	"backbone/ent/user"
	"backbone/internal/db"
	"backbone/internal/dbtest"
	"backbone/internal/errs"
	"backbone/internal/payment"
	"backbone/internal/questions"
	"backbone/internal/settings"
	"backbone/internal/testenv"
	"backbone/internal/viewer"
	"backbone/internal/wallet"
)

// clock is a settable test clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }

func (c *clock) advance(d time.Duration) { c.mu.Lock(); defer c.mu.Unlock(); c.t = c.t.Add(d) }

// env is a fresh migrated PostgreSQL database with the services over it.
type env struct {
	db       *db.DB
	wallet   *wallet.Service
	settings *settings.Service
	svc      *questions.Service
	clock    *clock
	admin    context.Context
	adminID  uuid.UUID
}

const subject = "Mathematics"

func newEnv(tb testing.TB) *env {
	tb.Helper()
	return newEnvAt(tb, testenv.NewPostgresDB(tb))
}

// newEnvAt is newEnv on the database at url.
func newEnvAt(tb testing.TB, url string) *env {
	tb.Helper()
	d := dbtest.Open(tb, url)
	dev, err := payment.NewDevProvider("development")
	if err != nil {
		tb.Fatal(err)
	}
	w, err := wallet.NewService(wallet.Deps{Client: d.Client, Provider: dev}, wallet.Options{})
	if err != nil {
		tb.Fatal(err)
	}
	set := settings.New(settings.Deps{DB: d}, settings.Options{})
	c := &clock{t: time.Now().UTC().Truncate(time.Microsecond)}
	e := &env{db: d, wallet: w, settings: set, clock: c,
		svc: questions.New(questions.Deps{DB: d, Wallet: w, Settings: set}, questions.Options{Now: c.Now})}
	e.adminID, e.admin = e.user(tb, user.RoleADMIN, nil)
	return e
}

// user creates a user with role (an expert approved in subjects when subjects is not
// nil) and returns its id and a context in which it is the viewer.
func (e *env) user(tb testing.TB, role user.Role, subjects []string) (uuid.UUID, context.Context) {
	tb.Helper()
	create := e.db.Client.User.Create().SetEmail(testenv.RandomName("u") + "@example.com").
		SetDisplayName("Test").SetPasswordHash("unusable").SetRole(role).
		SetEmailVerified(true) // an account that opened its verification link
	if subjects != nil {
		create.SetExpertStatus(user.ExpertStatusAPPROVED).SetExpertSubjects(subjects)
	}
	u, err := create.Save(privacy.DecisionContext(context.Background(), privacy.Allow))
	if err != nil {
		tb.Fatalf("create user: %v", err)
	}
	return u.ID, viewer.With(context.Background(), viewer.Principal{UserID: u.ID, Role: string(role)})
}

// client creates a client holding credits.
func (e *env) client(tb testing.TB, credits int64) (uuid.UUID, context.Context) {
	tb.Helper()
	id, ctx := e.user(tb, user.RoleCLIENT, nil)
	if credits > 0 {
		_, err := e.wallet.GrantCredits(e.admin, wallet.GrantInput{UserID: id, Amount: credits, Reason: "test", IdempotencyKey: uuid.NewString()})
		if err != nil {
			tb.Fatalf("GrantCredits: %v", err)
		}
	}
	return id, ctx
}

// expert creates an approved expert in subject.
func (e *env) expert(tb testing.TB) (uuid.UUID, context.Context) {
	tb.Helper()
	return e.user(tb, user.RoleEXPERT, []string{subject})
}

// submit submits a NORMAL question (20 credits by default) and routes it.
func (e *env) submit(tb testing.TB, ctx context.Context) *ent.Question {
	tb.Helper()
	q, err := e.svc.Submit(ctx, questions.SubmitInput{Subject: subject, Title: "Integral", Body: "What is the integral of x?", Urgency: question.UrgencyNORMAL, IdempotencyKey: uuid.NewString()})
	if err != nil {
		tb.Fatalf("Submit: %v", err)
	}
	if err := e.svc.Route(context.Background(), q.ID); err != nil {
		tb.Fatalf("Route: %v", err)
	}
	return q
}

// claimed submits, routes and claims a question by expert.
func (e *env) claimed(tb testing.TB, clientCtx, expertCtx context.Context) *ent.Question {
	tb.Helper()
	q := e.submit(tb, clientCtx)
	if _, err := e.svc.Claim(expertCtx, q.ID); err != nil {
		tb.Fatalf("Claim: %v", err)
	}
	return q
}

// delivered submits, routes, claims and answers a question.
func (e *env) delivered(tb testing.TB, clientCtx, expertCtx context.Context) *ent.Question {
	tb.Helper()
	q := e.claimed(tb, clientCtx, expertCtx)
	if _, err := e.svc.SubmitAnswer(expertCtx, q.ID, "x^2/2 + C", nil); err != nil {
		tb.Fatalf("SubmitAnswer: %v", err)
	}
	return q
}

// status reads a question's status directly.
func (e *env) status(tb testing.TB, id uuid.UUID) question.Status {
	tb.Helper()
	q, err := e.db.Client.Question.Get(privacy.DecisionContext(context.Background(), privacy.Allow), id)
	if err != nil {
		tb.Fatal(err)
	}
	return q.Status
}

// money is every balance a question's lifecycle moves.
type money struct{ balance, held, earned, revenue int64 }

// money reads the client's wallet, the expert's earnings and the platform revenue.
func (e *env) money(tb testing.TB, clientID, expertID uuid.UUID) money {
	tb.Helper()
	w, err := e.wallet.Wallet(e.admin, clientID)
	if err != nil {
		tb.Fatal(err)
	}
	var earned int64
	if expertID != uuid.Nil {
		ea, err := e.wallet.Earnings(e.admin, expertID)
		if err != nil {
			tb.Fatal(err)
		}
		earned = ea.Available
	}
	rev, err := e.wallet.PlatformRevenue(e.admin)
	if err != nil {
		tb.Fatal(err)
	}
	return money{w.Balance, w.Held, earned, rev}
}

func wantMoney(tb testing.TB, step string, got, want money) {
	tb.Helper()
	if got != want {
		tb.Fatalf("%s: money = %+v, want %+v", step, got, want)
	}
}

func wantCode(tb testing.TB, err error, code errs.Code) {
	tb.Helper()
	if got := errs.CodeOf(err); err == nil || got != code {
		tb.Fatalf("error = %v, want code %s", err, code)
	}
}

// wantConflict checks a CONFLICT that carries the current status.
func wantConflict(tb testing.TB, err error, status question.Status) {
	tb.Helper()
	wantCode(tb, err, errs.Conflict)
	var e *errs.Error
	if !errors.As(err, &e) || e.Extensions["status"] != string(status) {
		tb.Fatalf("conflict %v: extensions %v, want status %s", err, e.Extensions, status)
	}
}

// outbox counts the outbox messages of topic about question id.
func (e *env) outbox(tb testing.TB, id uuid.UUID, topic string) int {
	tb.Helper()
	n, err := e.db.Client.OutboxMessage.Query().Where(outboxmessage.Key(id.String()), outboxmessage.Topic(topic)).
		Count(privacy.DecisionContext(context.Background(), privacy.Allow))
	if err != nil {
		tb.Fatal(err)
	}
	return n
}

// submitOnly submits a NORMAL question without routing it.
func (e *env) submitOnly(tb testing.TB, ctx context.Context) *ent.Question {
	tb.Helper()
	q, err := e.svc.Submit(ctx, questions.SubmitInput{Subject: subject, Title: "Integral", Body: "What is the integral of x?", Urgency: question.UrgencyNORMAL, IdempotencyKey: uuid.NewString()})
	if err != nil {
		tb.Fatalf("Submit: %v", err)
	}
	return q
}
