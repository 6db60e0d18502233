package mail_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"backbone/internal/mail"
	"backbone/internal/mail/mailtest"
	"backbone/internal/queue"
)

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

func TestParseSMTPURL(t *testing.T) {
	cases := []struct {
		raw  string
		want mail.Transport
		err  string
	}{
		{raw: "smtp://mailer:s%40cret@mail.example.com", want: mail.Transport{Host: "mail.example.com", Port: 587, Username: "mailer", Password: "s@cret", TLS: mail.STARTTLSMandatory}},
		{raw: "smtp://mail.example.com:25?starttls=opportunistic", want: mail.Transport{Host: "mail.example.com", Port: 25, TLS: mail.STARTTLSOpportunistic}},
		{raw: "smtp://127.0.0.1:2525?starttls=none", want: mail.Transport{Host: "127.0.0.1", Port: 2525, TLS: mail.STARTTLSNone}},
		{raw: "smtps://u:p@smtp.example.com", want: mail.Transport{Host: "smtp.example.com", Port: 465, Username: "u", Password: "p", TLS: mail.ImplicitTLS}},
		{raw: "http://mail.example.com", err: "neither smtp nor smtps"},
		{raw: "smtp://", err: "no host"},
		{raw: "smtp://h:0", err: "port"},
		{raw: "smtp://h?starttls=maybe", err: "starttls"},
		{raw: "smtps://h?starttls=none", err: "does not apply"},
		{raw: "smtp://h?tls=off", err: "unknown option"},
		// PLAIN and LOGIN are sent only over TLS: credentials without it fail every send.
		{raw: "smtp://user:pass@127.0.0.1:2525?starttls=none", err: "need TLS"},
		{raw: "smtp://user@mail.example.com?starttls=NONE", err: "need TLS"},
	}
	for _, c := range cases {
		got, err := mail.ParseSMTPURL(c.raw)
		if c.err != "" {
			if err == nil || !strings.Contains(err.Error(), c.err) {
				t.Errorf("%s: error %v, want one saying %q", c.raw, err, c.err)
			}
			continue
		}
		if err != nil || got != c.want {
			t.Errorf("%s: got %+v, %v; want %+v", c.raw, got, err, c.want)
		}
	}
	if _, err := mail.ParseSMTPURL("smtp://user:hunter2@h:bad"); err == nil || strings.Contains(err.Error(), "hunter2") {
		t.Errorf("a bad URL's error must not echo its password: %v", err)
	}
}

func TestValidateRefusesHeaderInjection(t *testing.T) {
	ok := mail.Message{To: "a@example.com", Subject: "Hi", Text: "body"}
	if err := ok.Validate(); err != nil {
		t.Fatalf("a plain message: %v", err)
	}
	bad := map[string]mail.Message{
		"display name in To": {To: "Eve <a@example.com>", Subject: "Hi", Text: "b"},
		"two recipients":     {To: "a@example.com, b@example.com", Subject: "Hi", Text: "b"},
		"line break subject": {To: "a@example.com", Subject: "Hi\r\nBcc: x@example.com", Text: "b"},
		"empty text":         {To: "a@example.com", Subject: "Hi", Text: " "},
		"reserved header":    {To: "a@example.com", Subject: "Hi", Text: "b", Headers: map[string]string{"bcc": "x@example.com"}},
		"content header":     {To: "a@example.com", Subject: "Hi", Text: "b", Headers: map[string]string{"Content-Type": "text/html"}},
		"header value break": {To: "a@example.com", Subject: "Hi", Text: "b", Headers: map[string]string{"List-Unsubscribe": "<x>\r\nBcc: y"}},
		"header name colon":  {To: "a@example.com", Subject: "Hi", Text: "b", Headers: map[string]string{"X:Y": "z"}},
	}
	for name, m := range bad {
		if err := m.Validate(); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

func TestTemplateEscapesHTMLAndKeepsSubjectOneLine(t *testing.T) {
	tmpl, err := mail.ParseTemplate(os.DirFS("testdata"), "greeting")
	if err != nil {
		t.Fatal(err)
	}
	m, err := tmpl.Render("a@example.com", map[string]string{"Name": "<b>Bob</b>\nBcc: x", "Link": "https://app.example.com/x?a=1&b=2"})
	if err != nil {
		t.Fatal(err)
	}
	if strings.ContainsAny(m.Subject, "\r\n") {
		t.Errorf("subject holds a line break: %q", m.Subject)
	}
	if strings.Contains(m.HTML, "<b>Bob</b>") || !strings.Contains(m.HTML, "&lt;b&gt;Bob&lt;/b&gt;") {
		t.Errorf("HTML body does not escape the name: %s", m.HTML)
	}
	if !strings.Contains(m.Text, "https://app.example.com/x?a=1&b=2") {
		t.Errorf("text body lost the link: %s", m.Text)
	}
	if err := m.Validate(); err != nil {
		t.Errorf("rendered message invalid: %v", err)
	}
}

// job builds the mail.send job Enqueue would write.
func job(t *testing.T, id string, m mail.Message) queue.Job {
	t.Helper()
	m.QueuedAt = time.Date(2026, 12, 6, 12, 0, 0, 0, time.UTC)
	b, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return queue.Job{ID: id, Topic: "mail.send", Payload: b, Attempt: 1}
}

var sample = mail.Message{
	To:      "reader@example.com",
	Subject: "Grüße from Backbone",
	Text:    "Open https://app.example.com/reset?token=" + strings.Repeat("A", 43) + " within 30 minutes.",
	HTML:    `<p><a href="https://app.example.com/reset">Reset</a></p>`,
	Headers: map[string]string{"List-Unsubscribe": "<https://app.example.com/u/1>", "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"},
}

func TestSendsThroughARealSMTPServer(t *testing.T) {
	srv := mailtest.StartSMTP(t)
	svc, err := mail.New(mail.Config{SMTPURL: srv.URL(), From: "Backbone <no-reply@backbone.test>"}, quiet)
	if err != nil {
		t.Fatal(err)
	}
	if err := svc.HandleJob(context.Background(), job(t, "0193a1f0-0000-7000-8000-000000000001", sample)); err != nil {
		t.Fatalf("send: %v", err)
	}
	got := mailtest.WaitFor(t, srv.Messages, sample.To, "Grüße")
	if got.Subject != sample.Subject {
		t.Errorf("subject %q, want %q", got.Subject, sample.Subject)
	}
	if strings.TrimSpace(got.Text) != sample.Text || strings.TrimSpace(got.HTML) != sample.HTML {
		t.Errorf("bodies changed on the way:\ntext %q\nhtml %q", got.Text, got.HTML)
	}
	if h := got.Header.Get("List-Unsubscribe"); h != sample.Headers["List-Unsubscribe"] {
		t.Errorf("List-Unsubscribe %q", h)
	}
	if h := got.Header.Get("Message-Id"); h != "<0193a1f0-0000-7000-8000-000000000001@backbone.test>" {
		t.Errorf("Message-ID %q is not derived from the job id", h)
	}
	if from := got.Header.Get("From"); !strings.Contains(from, "no-reply@backbone.test") {
		t.Errorf("From %q", from)
	}
}

func TestMandatorySTARTTLSRefusesAPlainServer(t *testing.T) {
	srv := mailtest.StartSMTP(t) // offers no STARTTLS
	svc, err := mail.New(mail.Config{SMTPURL: "smtp://" + srv.Addr, From: "no-reply@backbone.test"}, quiet)
	if err != nil {
		t.Fatal(err)
	}
	err = svc.HandleJob(context.Background(), job(t, "j1", sample))
	if err == nil {
		t.Fatal("sent in clear text although STARTTLS is mandatory")
	}
	if queue.IsPermanent(err) {
		t.Errorf("a transport failure must be retried, got a permanent error: %v", err)
	}
	if n := len(srv.Messages(t)); n != 0 {
		t.Errorf("the server received %d messages", n)
	}
}

func TestMailDirFallbackWritesEMLFiles(t *testing.T) {
	dir := t.TempDir() + "/made-on-first-email"
	svc, err := mail.New(mail.Config{From: "no-reply@backbone.test", Dir: dir}, quiet)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(svc.String(), dir) {
		t.Errorf("String() %q does not say where emails go", svc.String())
	}
	j := job(t, "0193a1f0-0000-7000-8000-000000000002", sample)
	for range 2 { // a redelivery rewrites the same file
		if err := svc.HandleJob(context.Background(), j); err != nil {
			t.Fatal(err)
		}
	}
	files := mailtest.ReadDir(t, dir, ".eml")
	if len(files) != 1 {
		t.Fatalf("%d .eml files, want 1", len(files))
	}
	if files[0].Subject != sample.Subject || strings.TrimSpace(files[0].Text) != sample.Text {
		t.Errorf("file holds %q / %q", files[0].Subject, files[0].Text)
	}
}

func TestMalformedJobsAreDeadLetteredAtOnce(t *testing.T) {
	svc, err := mail.New(mail.Config{From: "no-reply@backbone.test", Dir: t.TempDir()}, quiet)
	if err != nil {
		t.Fatal(err)
	}
	for name, j := range map[string]queue.Job{
		"not JSON":     {ID: "1", Payload: []byte("{")},
		"no recipient": job(t, "2", mail.Message{Subject: "x", Text: "y"}),
	} {
		if err := svc.HandleJob(context.Background(), j); !queue.IsPermanent(err) {
			t.Errorf("%s: %v, want a permanent error", name, err)
		}
	}
}

func TestNewRefusesBadConfig(t *testing.T) {
	for name, c := range map[string]mail.Config{
		"bad from":     {From: "not an address", Dir: "x"},
		"bad url":      {SMTPURL: "smtp://h?starttls=sometimes", From: "a@b.c"},
		"no directory": {From: "a@b.c"},
	} {
		if _, err := mail.New(c, quiet); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

// TestNewRefusesAMailDirItCannotWrite: at start-up, rather than at the first email.
func TestNewRefusesAMailDirItCannotWrite(t *testing.T) {
	t.Parallel()
	file := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(file, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	for _, dir := range []string{"/proc/nope", filepath.Join(file, "mail")} {
		_, err := mail.New(mail.Config{From: "a@b.c", Dir: dir}, quiet)
		if err == nil || !strings.Contains(err.Error(), "MAIL_DIR") {
			t.Errorf("MAIL_DIR=%s: %v, want an error naming MAIL_DIR", dir, err)
		}
	}
	notYet := filepath.Join(t.TempDir(), "a", "b")
	if _, err := mail.New(mail.Config{From: "a@b.c", Dir: notYet}, quiet); err != nil {
		t.Fatalf("a directory still to make: %v", err)
	}
	if _, err := os.Stat(notYet); !os.IsNotExist(err) {
		t.Errorf("the directory was made before the first email (%v)", err)
	}
}
