package notify

import (
	"context"
	"embed"
	"fmt"
	"io/fs"
	"net/url"
	"slices"
	"strings"

	"github.com/google/uuid"

	"backbone/ent"
	"backbone/ent/question"
	"backbone/ent/user"
	"backbone/internal/auth/token"
	"backbone/internal/mail"
)

//go:embed templates
var templates embed.FS

// notificationEmail is the email of every notification kind.
var notificationEmail = mail.MustParseTemplate(templatesDir(), "notification")

// templatesDir is the embedded templates directory.
func templatesDir() fs.FS {
	sub, err := fs.Sub(templates, "templates")
	if err != nil {
		panic(err) // unreachable: the directory is embedded
	}
	return sub
}

// EmailConfig turns on the emails of notifications.
type EmailConfig struct {
	// Keys sign the unsubscribe links (the server's JWT keys).
	Keys *token.KeySet
	// PublicURL is where users reach the server (PUBLIC_URL); links start with it.
	PublicURL string
}

// SendEmails has every notification also emailed to its recipient when they want its
// kind by email (their preference, or their role's default): the email is a mail.send
// job written in the transaction that inserts the notification, so each notification is
// emailed once, never from a request, and a redelivered event emails nothing.
func (s *Service) SendEmails(c EmailConfig) {
	s.email = &c
}

// unsubscriber is the signer of the service's unsubscribe links.
func (s *Service) unsubscriber() Unsubscriber { return Unsubscriber{Keys: s.email.Keys, Notify: s} }

// enqueueEmail writes the email of a new notification with tx, if its recipient wants it.
func (s *Service) enqueueEmail(ctx context.Context, tx *ent.Client, userID uuid.UUID, kind string, body map[string]any) error {
	if s.email == nil {
		return nil
	}
	u, err := tx.User.Query().Where(user.ID(userID)).Select(user.FieldEmail, user.FieldRole, user.FieldStatus).Only(ctx)
	if ent.IsNotFound(err) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("recipient: %w", err)
	}
	if u.Status != user.StatusACTIVE {
		return nil
	}
	want, err := s.EmailWanted(ctx, tx, userID, string(u.Role), kind)
	if err != nil || !want {
		return err
	}
	lines, err := emailDetails(ctx, tx, body)
	if err != nil {
		return err
	}
	link := s.email.PublicURL + "/unsubscribe?token=" + url.QueryEscape(s.unsubscriber().Token(userID, kind))
	m, err := notificationEmail.Render(u.Email, emailData{
		Headline: headline(kind), Kind: strings.ToLower(strings.ReplaceAll(kind, "_", " ")),
		Details: lines, UnsubscribeURL: link,
	})
	if err != nil {
		return err
	}
	// RFC 8058: a mail client's one-click unsubscribe POSTs List-Unsubscribe=One-Click.
	m.Headers = map[string]string{"List-Unsubscribe": "<" + link + ">", "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"}
	return mail.Enqueue(ctx, tx, m)
}

// emailData fills templates/notification.*.
type emailData struct {
	Headline, Kind, UnsubscribeURL string
	Details                        []detail
}

// detail is one line of a notification email: a payload field other than an id.
type detail struct{ Name, Value string }

// emailDetails are the lines of a notification's email: the question it is about, by
// its title (the payload names it by id, which a reader cannot tell apart), then the
// payload's details.
func emailDetails(ctx context.Context, tx *ent.Client, body map[string]any) ([]detail, error) {
	out := details(body)
	id, _ := body["questionId"].(string)
	questionID, err := uuid.Parse(id)
	if err != nil {
		return out, nil
	}
	q, err := tx.Question.Query().Where(question.ID(questionID)).Select(question.FieldTitle).Only(ctx)
	if ent.IsNotFound(err) {
		return out, nil
	}
	if err != nil {
		return nil, fmt.Errorf("question: %w", err)
	}
	return append([]detail{{Name: "question", Value: detailValue(q.Title)}}, out...), nil
}

// details lists the payload's fields with a value but the ids, by name.
func details(body map[string]any) []detail {
	var out []detail
	for k, v := range body {
		if value := detailValue(v); value != "" && !strings.HasSuffix(k, "Id") {
			out = append(out, detail{Name: k, Value: value})
		}
	}
	slices.SortFunc(out, func(a, b detail) int { return strings.Compare(a.Name, b.Name) })
	return out
}

// detailValue is a payload value as an email reads it, on one line (a user's text may
// hold newlines, which would make lines of its own): "" for none (null, blank text, an
// empty list), a list joined with ", ".
func detailValue(v any) string {
	var s string
	switch v := v.(type) {
	case nil:
	case []any:
		parts := make([]string, len(v))
		for i, p := range v {
			parts[i] = fmt.Sprint(p)
		}
		s = strings.Join(parts, ", ")
	case []string:
		s = strings.Join(v, ", ")
	default:
		s = fmt.Sprint(v)
	}
	return strings.Join(strings.Fields(s), " ")
}

// headlines are the subjects of the emails, by kind.
var headlines = map[string]string{
	KindQuestionUpdated:    "Your question changed status",
	KindAnswerDelivered:    "Your answer has arrived",
	KindTaskAvailable:      "A new question in your subjects",
	KindPayoutDecided:      "Your payout was decided",
	KindRevisionRequested:  "A revision of your answer was requested",
	KindAnswerAccepted:     "Your answer was accepted",
	KindDisputeOpened:      "An answer was disputed",
	KindDisputeResolved:    "A dispute was resolved",
	KindLeaseExpiring:      "Your claim on a question ends soon",
	KindLeaseExpired:       "Your claim on a question has ended",
	KindQuestionReassigned: "A question was reassigned",
	KindApplicationDecided: "Your expert application was decided",
	KindRefunded:           "Credits were refunded to your wallet",
	KindQuestionExpired:    "Your question expired without an answer",
	KindPayoutRequested:    "An expert requested a payout",
	KindExpertApplied:      "A new expert application",
}

// headline is the subject of kind's email.
func headline(kind string) string {
	if h, ok := headlines[kind]; ok {
		return h
	}
	return "A new notification"
}
