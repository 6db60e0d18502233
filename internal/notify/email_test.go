package notify_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"backbone/ent"
	"backbone/ent/outboxmessage"
	"backbone/ent/privacy"
	"backbone/ent/user"
	"backbone/internal/auth/token"
	"backbone/internal/events"
	"backbone/internal/mail"
	"backbone/internal/notify"
	"backbone/internal/testenv"
	"backbone/internal/viewer"
)

// emailsTo handles one event with emails on and returns the text of the emails it
// queued for address.
func emailsTo(t *testing.T, s *notify.Service, c *ent.Client, address, topic string, payload []byte) []string {
	t.Helper()
	if err := s.Handle(context.Background(), topic, payload); err != nil {
		t.Fatalf("%s: %v", topic, err)
	}
	jobs, err := c.OutboxMessage.Query().Where(outboxmessage.Topic(events.JobMailSend)).
		All(privacy.DecisionContext(context.Background(), privacy.Allow))
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, j := range jobs {
		var m mail.Message
		if err := json.Unmarshal(j.Payload, &m); err != nil {
			t.Fatal(err)
		}
		if m.To == address {
			out = append(out, m.Text)
		}
	}
	return out
}

// oneEmail fails unless emails is one email, which it returns.
func oneEmail(t *testing.T, what string, emails []string) string {
	t.Helper()
	if len(emails) != 1 {
		t.Fatalf("%s: %d emails, want 1: %q", what, len(emails), emails)
	}
	return emails[0]
}

// The details of a notification email read as a person would: no field without a value
// ("reason: " once closed an approval), lists joined with ", " (they were printed as Go
// prints a list, "[Mathematics Physics]"), and the question a status change is about, by
// its title, on one line (the email said only "status: AWAITING_EXPERT").
func TestNotificationEmailsReadAsText(t *testing.T) {
	t.Parallel()
	s, d := newServiceDB(t)
	c := d.Client
	s.SendEmails(notify.EmailConfig{Keys: token.Ephemeral(), PublicURL: "https://app.example.com"})
	allow := privacy.DecisionContext(context.Background(), privacy.Allow)
	account := func(role user.Role) *ent.User {
		return c.User.Create().SetEmail(testenv.RandomName("e") + "@example.com").SetDisplayName("Test").
			SetPasswordHash("unusable").SetRole(role).SetEmailVerified(true).SaveX(allow)
	}

	client := account(user.RoleCLIENT)
	q := c.Question.Create().SetClientID(client.ID).SetSubject("Physics").SetTitle("Why is the sky\nblue?").
		SetBody("Explain.").SetUrgency("NORMAL").SetDeadline(time.Now().Add(time.Hour)).SetPrice(20).SaveX(allow)
	// Every status change comes by email once the client asks for it (off by default).
	clientCtx := viewer.With(context.Background(), viewer.Principal{UserID: client.ID, Role: viewer.RoleClient})
	if _, err := s.UpdatePreferences(clientCtx, []notify.PreferenceChange{{Kind: notify.KindQuestionUpdated, Email: true}}); err != nil {
		t.Fatal(err)
	}
	updated := oneEmail(t, "QUESTION_UPDATED", emailsTo(t, s, c, client.Email, notify.TopicQuestionUpdated,
		event(t, map[string]any{"questionId": q.ID, "status": "AWAITING_EXPERT", "clientId": client.ID})))
	if !strings.Contains(updated, "question: Why is the sky blue?\n") || !strings.Contains(updated, "status: AWAITING_EXPERT") {
		t.Errorf("QUESTION_UPDATED email does not name its question by title:\n%s", updated)
	}

	expert := account(user.RoleEXPERT)
	approved := oneEmail(t, "APPLICATION_DECIDED", emailsTo(t, s, c, expert.Email, events.TopicExpertDecided,
		event(t, map[string]any{"userId": expert.ID, "approved": true, "reason": ""})))
	if strings.Contains(approved, "reason:") || !strings.Contains(approved, "status: APPROVED") {
		t.Errorf("approval email:\n%s", approved)
	}

	admin := account(user.RoleADMIN)
	applied := oneEmail(t, "EXPERT_APPLIED", emailsTo(t, s, c, admin.Email, events.TopicExpertApplied,
		event(t, map[string]any{"userId": uuid.New(), "subjects": []string{"Mathematics", "Physics"}, "admins": []uuid.UUID{admin.ID}})))
	if !strings.Contains(applied, "subjects: Mathematics, Physics\n") {
		t.Errorf("EXPERT_APPLIED email does not list the subjects with commas:\n%s", applied)
	}
}
