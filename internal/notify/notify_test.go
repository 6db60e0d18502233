package notify_test

import (
	"context"
	"encoding/json"
	"log/slog"
	"testing"

	"github.com/google/uuid"

	"backbone/ent"
	"backbone/ent/privacy"
	"backbone/ent/user"
	"backbone/internal/bus"
	"backbone/internal/db"
	"backbone/internal/dbtest"
	"backbone/internal/errs"
	"backbone/internal/notify"
	"backbone/internal/testenv"
	"backbone/internal/viewer"
)

// newService is a notify.Service on a fresh migrated PostgreSQL database and a memory bus.
func newService(t *testing.T) (*notify.Service, *ent.Client) {
	s, d := newServiceDB(t)
	return s, d.Client
}

// newServiceDB is newService with the database itself.
func newServiceDB(t *testing.T) (*notify.Service, *db.DB) {
	t.Helper()
	d := dbtest.Open(t, testenv.NewPostgresDB(t))
	b := bus.NewMemory()
	t.Cleanup(func() { b.Close() })
	return notify.New(d, b, slog.New(slog.DiscardHandler)), d
}

// newUser creates a user (an approved expert in subjects when given) and its viewer context.
func newUser(t *testing.T, c *ent.Client, subjects ...string) (uuid.UUID, context.Context) {
	t.Helper()
	create := c.User.Create().SetEmail(testenv.RandomName("n") + "@example.com").
		SetDisplayName("Test").SetPasswordHash("unusable").SetRole(user.RoleCLIENT)
	if len(subjects) > 0 {
		create.SetRole(user.RoleEXPERT).SetExpertStatus(user.ExpertStatusAPPROVED).SetExpertSubjects(subjects)
	}
	u, err := create.Save(privacy.DecisionContext(context.Background(), privacy.Allow))
	if err != nil {
		t.Fatalf("create user: %v", err)
	}
	return u.ID, viewer.With(context.Background(), viewer.Principal{UserID: u.ID, Role: string(u.Role)})
}

func event(t *testing.T, v map[string]any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func count(t *testing.T, s *notify.Service, ctx context.Context) int {
	t.Helper()
	n, err := s.UnreadCount(ctx)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func TestHandleNotifiesTheRightUsersOncePerEvent(t *testing.T) {
	t.Parallel()
	s, c := newService(t)
	client, clientCtx := newUser(t, c)
	_, physicist := newUser(t, c, "physics")
	_, chemist := newUser(t, c, "chemistry")
	expert, expertCtx := newUser(t, c, "law")
	ctx := context.Background()
	q := uuid.NewString()
	events := []struct {
		topic   string
		payload []byte
	}{
		{notify.TopicQuestionUpdated, event(t, map[string]any{"questionId": q, "status": "CLAIMED", "clientId": client, "expertId": nil})},
		// A lease extension keeps the status: the client is not told of it.
		{notify.TopicQuestionUpdated, event(t, map[string]any{"questionId": q, "status": "CLAIMED", "clientId": client, "expertId": nil,
			"at": "2026-12-07T10:00:00Z", "statusKept": true})},
		{notify.TopicAnswerDelivered, event(t, map[string]any{"questionId": q, "clientId": client})},
		{notify.TopicTaskAvailable, event(t, map[string]any{"questionId": q, "subject": "Physics"})},
		{notify.TopicPayoutDecided, event(t, map[string]any{"payoutId": uuid.NewString(), "expertId": expert, "status": "APPROVED", "amount": 5})},
	}
	for range 2 { // at least once: the second delivery changes nothing
		for _, e := range events {
			if err := s.Handle(ctx, e.topic, e.payload); err != nil {
				t.Fatalf("%s: %v", e.topic, err)
			}
		}
	}
	for _, tc := range []struct {
		name string
		ctx  context.Context
		want int
	}{
		{"the client, of the status change and the answer", clientCtx, 2},
		{"an expert in the subject, whatever its case", physicist, 1},
		{"an expert in another subject", chemist, 0},
		{"the expert of the payout", expertCtx, 1},
	} {
		if got := count(t, s, tc.ctx); got != tc.want {
			t.Errorf("%s: %d notifications, want %d", tc.name, got, tc.want)
		}
	}
}

func TestStreamReplaysThenGoesLiveWithoutDuplicates(t *testing.T) {
	t.Parallel()
	s, c := newService(t)
	client, clientCtx := newUser(t, c)
	start := uuid.Must(uuid.NewV7())
	emit := func(status string) {
		err := s.Handle(context.Background(), notify.TopicQuestionUpdated,
			event(t, map[string]any{"questionId": uuid.NewString(), "status": status, "clientId": client}))
		if err != nil {
			t.Fatal(err)
		}
	}
	emit("A")
	emit("B")
	ctx, cancel := context.WithCancel(clientCtx)
	stream, err := s.Stream(ctx, start)
	if err != nil {
		t.Fatal(err)
	}
	emit("C")
	var got []string
	var last uuid.UUID
	for range 3 {
		n := <-stream
		if last != uuid.Nil && n.ID.String() <= last.String() {
			t.Fatalf("out of order or repeated: %s after %s", n.ID, last)
		}
		last = n.ID
		got = append(got, n.Payload["status"].(string))
	}
	if want := []string{"A", "B", "C"}; got[0] != want[0] || got[1] != want[1] || got[2] != want[2] {
		t.Errorf("got %v, want %v", got, want)
	}
	cancel()
	for n := range stream {
		t.Errorf("after cancel: %v", n.ID)
	}
}

func TestViewerCallsNeedASignedInUser(t *testing.T) {
	t.Parallel()
	s, _ := newService(t)
	if _, err := s.UnreadCount(context.Background()); errs.CodeOf(err) != errs.Unauthenticated {
		t.Errorf("UnreadCount without a viewer: %v", err)
	}
	if _, err := s.Stream(context.Background(), uuid.Nil); errs.CodeOf(err) != errs.Unauthenticated {
		t.Errorf("Stream without a viewer: %v", err)
	}
}
