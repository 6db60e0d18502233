// Package mail is Backbone's outbound email channel. Services enqueue a Message inside the
// transaction of the change that causes it (Enqueue writes a job to the transactional
// outbox); a worker (workers/mail.go) hands the job to Service.HandleJob, which sends it
// through SMTP (SMTP_URL) or, in the embedded default, writes it as an .eml file into
// MAIL_DIR. Nothing is ever sent inside a request, and a failed send is retried and
// dead-lettered like every job.
package mail

import (
	"context"
	"encoding/json"
	"fmt"
	"net/mail"
	"net/textproto"
	"strings"
	"time"

	"backbone/ent"
	"backbone/internal/events"
	"backbone/internal/outbox"
	"backbone/internal/timex"
)

// Message is one email to one recipient. Text is required; HTML, when set, is sent as
// the alternative part of a multipart/alternative message.
type Message struct {
	To      string `json:"to"`
	Subject string `json:"subject"`
	Text    string `json:"text"`
	HTML    string `json:"html,omitempty"`
	// Headers are extra header fields, such as List-Unsubscribe and
	// List-Unsubscribe-Post. The fields the sender sets itself (From, To, Subject, Date,
	// Message-ID, MIME-Version, Content-*) may not be given here.
	Headers map[string]string `json:"headers,omitempty"`
	// QueuedAt is when Enqueue wrote the job; it names the .eml file and dates the email.
	QueuedAt time.Time `json:"queuedAt"`
}

// Limits on what a message may hold, so that a bug cannot fill the outbox.
const (
	maxSubject = 998 // RFC 5322's line limit
	maxBody    = 1 << 20
	maxHeaders = 20
)

// reserved are the header fields the sender writes itself.
var reserved = map[string]bool{
	"From": true, "To": true, "Cc": true, "Bcc": true, "Subject": true, "Date": true,
	"Message-Id": true, "Mime-Version": true, "Reply-To": true, "Sender": true,
}

// Enqueue writes m as a mail.send job with tx, the transaction of the change that causes
// the email: if tx rolls back, nothing is sent; once it commits, a worker sends m at least
// once. Errors are not coded: a malformed message is a programming error of the caller.
func Enqueue(ctx context.Context, tx *ent.Client, m Message) error {
	if err := m.Validate(); err != nil {
		return err
	}
	if m.QueuedAt.IsZero() {
		m.QueuedAt = timex.Now()
	}
	payload, err := json.Marshal(m)
	if err != nil {
		return fmt.Errorf("mail.Enqueue: %w", err)
	}
	return outbox.Add(ctx, tx, outbox.Message{Kind: outbox.Job, Topic: events.JobMailSend, Key: "mail", Payload: payload})
}

// Validate reports what makes m unsendable: a bad recipient, an empty or multi-line
// subject, an empty text body, oversized bodies, or a forbidden or malformed header.
func (m Message) Validate() error {
	bad := func(format string, args ...any) error { return fmt.Errorf("mail: "+format, args...) }
	addr, err := mail.ParseAddress(m.To)
	if err != nil || addr.Name != "" || addr.Address != m.To {
		return bad("recipient %q is not a bare email address", m.To)
	}
	switch {
	case strings.TrimSpace(m.Subject) == "" || len(m.Subject) > maxSubject:
		return bad("subject must be 1 to %d bytes", maxSubject)
	case strings.ContainsAny(m.Subject, "\r\n"):
		return bad("subject may not hold a line break")
	case strings.TrimSpace(m.Text) == "":
		return bad("the text body is required")
	case len(m.Text) > maxBody || len(m.HTML) > maxBody:
		return bad("a body is over %d bytes", maxBody)
	case len(m.Headers) > maxHeaders:
		return bad("more than %d extra headers", maxHeaders)
	}
	for k, v := range m.Headers {
		canon := textproto.CanonicalMIMEHeaderKey(k)
		if reserved[canon] || strings.HasPrefix(canon, "Content-") {
			return bad("header %q is set by the sender", k)
		}
		if !validHeaderName(k) || strings.ContainsAny(v, "\r\n") || len(v) > maxSubject {
			return bad("header %q is malformed", k)
		}
	}
	return nil
}

// validHeaderName is RFC 5322's field-name: printable ASCII but the colon.
func validHeaderName(k string) bool {
	if k == "" {
		return false
	}
	for _, r := range k {
		if r <= ' ' || r > '~' || r == ':' {
			return false
		}
	}
	return true
}
