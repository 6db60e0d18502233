package mail

import (
	"context"
	"time"

	gomail "github.com/wneessen/go-mail"
)

// smtpTimeout bounds one connection to the SMTP server; the job retries after it.
const smtpTimeout = 30 * time.Second

// smtpSender delivers through an SMTP server, one connection per email: emails are few
// (account and notification emails), and no connection is held between jobs.
type smtpSender struct{ t Transport }

func (s smtpSender) String() string { return s.t.String() }

func (s smtpSender) send(ctx context.Context, _ string, _ Message, msg *gomail.Msg) error {
	c, err := gomail.NewClient(s.t.Host, s.options()...)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, smtpTimeout)
	defer cancel()
	return c.DialAndSendWithContext(ctx, msg)
}

func (s smtpSender) options() []gomail.Option {
	opts := []gomail.Option{gomail.WithPort(s.t.Port), gomail.WithTimeout(smtpTimeout)}
	switch s.t.TLS {
	case ImplicitTLS:
		opts = append(opts, gomail.WithSSL())
	case STARTTLSMandatory:
		opts = append(opts, gomail.WithTLSPolicy(gomail.TLSMandatory))
	case STARTTLSOpportunistic:
		opts = append(opts, gomail.WithTLSPolicy(gomail.TLSOpportunistic))
	case STARTTLSNone:
		opts = append(opts, gomail.WithTLSPolicy(gomail.NoTLS))
	}
	if s.t.Username != "" {
		// The strongest mechanism the server offers; PLAIN and LOGIN only over TLS.
		opts = append(opts, gomail.WithSMTPAuth(gomail.SMTPAuthAutoDiscover),
			gomail.WithUsername(s.t.Username), gomail.WithPassword(s.t.Password))
	}
	return opts
}
