package main

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"backbone/ent/outboxmessage"
	"backbone/internal/events"
	"backbone/internal/mail/mailtest"
	"backbone/internal/testenv"
)

// TestNotificationEmailsFollowPreferencesAndUnsubscribe sends notifications by email to a
// real SMTP server: an answer delivered is emailed with its one-click unsubscribe link;
// once that link is used, the next answer sends nothing, though the notification is made.
func TestNotificationEmailsFollowPreferencesAndUnsubscribe(t *testing.T) {
	testenv.NeedPostgres(t)
	t.Parallel()
	smtp := mailtest.StartSMTP(t)
	w := newNkWorld(t, map[string]string{"SMTP_URL": smtp.URL(), "PUBLIC_URL": "https://backbone.example"})
	client, expert := w.register(t, false), w.qfExpert(t)
	const subject = "Your answer has arrived"

	w.qfDelivered(t, client, expert)
	got := mailtest.WaitFor(t, smtp.Messages, client.Email, subject)
	header := got.Header.Get("List-Unsubscribe")
	if got.Header.Get("List-Unsubscribe-Post") != "List-Unsubscribe=One-Click" ||
		!strings.HasPrefix(header, "<https://backbone.example/unsubscribe?token=") || !strings.HasSuffix(header, ">") {
		t.Fatalf("unsubscribe headers: %v", got.Header)
	}
	link := strings.Trim(header, "<>")
	if !strings.Contains(got.Text, link) || !strings.Contains(got.HTML, `href="`+strings.ReplaceAll(link, "&", "&amp;")+`"`) {
		t.Errorf("the body does not carry the link %s:\n%s\n%s", link, got.Text, got.HTML)
	}
	// QUESTION_UPDATED is off by default: none of the question's status changes came by email.
	if n := mailtest.Count(t, smtp.Messages, client.Email, "Your question changed status"); n != 0 {
		t.Errorf("%d QUESTION_UPDATED emails, want none by default", n)
	}

	// One click, as a mail client does it (RFC 8058), to this server.
	u, err := url.Parse(link)
	if err != nil {
		t.Fatal(err)
	}
	if code, body := nkUnsubscribe(t, w.azWorld, http.MethodPost, url.QueryEscape(u.Query().Get("token"))); code != http.StatusOK {
		t.Fatalf("unsubscribe: %d %s", code, body)
	}
	if w.prefs(t, client.Token)["ANSWER_DELIVERED"].Email {
		t.Fatal("ANSWER_DELIVERED email still on")
	}

	// The next answer is notified, and not emailed: the notification's transaction wrote
	// no mail job. A refund (still on) is emailed after it, and the answer's is not.
	second := w.qfDelivered(t, client, expert)
	w.await(t, client, "ANSWER_DELIVERED", about(second))
	mailJobs, err := w.d.Client.OutboxMessage.Query().Where(outboxmessage.Topic(events.JobMailSend)).All(w.system())
	if err != nil {
		t.Fatal(err)
	}
	answered := 0
	for _, m := range mailJobs {
		if strings.Contains(string(m.Payload), subject) {
			answered++
		}
	}
	if answered != 1 {
		t.Errorf("%d mail jobs of answers, want 1 (the one before unsubscribing)", answered)
	}
	w.qfCancelled(t, client)
	mailtest.WaitFor(t, smtp.Messages, client.Email, "Credits were refunded")
	if n := mailtest.Count(t, smtp.Messages, client.Email, subject); n != 1 {
		t.Errorf("%d answer emails, want 1", n)
	}
	// The expert's own defaults brought them the decision on their application.
	mailtest.WaitFor(t, smtp.Messages, expert.Email, "Your expert application was decided")
}
