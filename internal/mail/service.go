package mail

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/mail"
	"strings"

	gomail "github.com/wneessen/go-mail"

	"backbone/internal/queue"
)

// Config chooses where emails go.
type Config struct {
	// SMTPURL is SMTP_URL (see ParseSMTPURL); empty writes .eml files into Dir.
	SMTPURL string
	// From is MAIL_FROM, the sender of every email.
	From string
	// Dir is MAIL_DIR, where emails are written without SMTPURL.
	Dir string
}

// Service sends the emails of mail.send jobs.
type Service struct {
	from      *mail.Address
	transport sender
	log       *slog.Logger
}

// sender delivers one built message.
type sender interface {
	send(ctx context.Context, jobID string, m Message, msg *gomail.Msg) error
	String() string
}

// New returns the service for cfg: SMTP when cfg.SMTPURL is set, else a directory of
// .eml files (the directory is made when the first email is written).
func New(cfg Config, log *slog.Logger) (*Service, error) {
	from, err := ParseFrom(cfg.From)
	if err != nil {
		return nil, fmt.Errorf("MAIL_FROM: %w", err)
	}
	s := &Service{from: from, log: log}
	if cfg.SMTPURL != "" {
		t, err := ParseSMTPURL(cfg.SMTPURL)
		if err != nil {
			return nil, fmt.Errorf("SMTP_URL: %w", err)
		}
		s.transport = smtpSender{t: t}
	} else {
		d, err := newDirSender(cfg.Dir)
		if err != nil {
			return nil, fmt.Errorf("MAIL_DIR: %w", err)
		}
		s.transport = d
	}
	return s, nil
}

// String says where emails go, for start-up logs (no password).
func (s *Service) String() string { return s.transport.String() }

// HandleJob sends the email of a mail.send job. A malformed job and a permanent refusal
// by the SMTP server (5xx) are dead-lettered at once; anything else is retried.
// Delivery is at least once: a job redelivered after a crash may send its email again,
// with the same Message-ID (derived from the job id), which lets mail clients drop the
// copy; in a mail directory the copy replaces the file.
func (s *Service) HandleJob(ctx context.Context, job queue.Job) error {
	var m Message
	if err := json.Unmarshal(job.Payload, &m); err != nil {
		return queue.Permanent(fmt.Errorf("mail: decode job %s: %w", job.ID, err))
	}
	if err := m.Validate(); err != nil {
		return queue.Permanent(err)
	}
	msg, err := s.build(job.ID, m)
	if err != nil {
		return queue.Permanent(err)
	}
	if err := s.transport.send(ctx, job.ID, m, msg); err != nil {
		if permanent(err) {
			return queue.Permanent(fmt.Errorf("mail: refused for good: %w", err))
		}
		return fmt.Errorf("mail: send: %w", err)
	}
	s.log.InfoContext(ctx, "mail sent", "job", job.ID, "via", s.transport.String(), "subject", m.Subject)
	return nil
}

// build makes the MIME message: text/plain, with text/html as its alternative when set.
func (s *Service) build(jobID string, m Message) (*gomail.Msg, error) {
	msg := gomail.NewMsg(gomail.WithNoDefaultUserAgent())
	msg.FromMailAddress(s.from)
	if err := msg.To(m.To); err != nil {
		return nil, fmt.Errorf("mail: recipient: %w", err)
	}
	msg.Subject(m.Subject)
	msg.SetMessageIDWithValue(jobID + "@" + domainOf(s.from.Address))
	if !m.QueuedAt.IsZero() {
		msg.SetDateWithValue(m.QueuedAt)
	} else {
		msg.SetDate()
	}
	for k, v := range m.Headers {
		msg.SetGenHeader(gomail.Header(k), v)
	}
	msg.SetBodyString(gomail.TypeTextPlain, m.Text)
	if m.HTML != "" {
		msg.AddAlternativeString(gomail.TypeTextHTML, m.HTML)
	}
	return msg, nil
}

// permanent reports an SMTP refusal that no retry will change (a 5xx reply).
func permanent(err error) bool {
	var se *gomail.SendError
	return errors.As(err, &se) && !se.IsTemp() && se.ErrorCode() >= 500
}

func domainOf(addr string) string {
	if i := strings.LastIndexByte(addr, '@'); i >= 0 {
		return addr[i+1:]
	}
	return "backbone.local"
}
