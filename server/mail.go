package main

import (
	"fmt"

	"backbone/internal/mail"
)

// openMail builds the email channel: SMTP with SMTP_URL, else .eml files in MAIL_DIR
// (made on the first email). Where emails go is logged, so that a developer finds them.
func (a *app) openMail() error {
	m, err := mail.New(mail.Config{SMTPURL: a.cfg.SMTPURL, From: a.cfg.MailFrom, Dir: a.cfg.MailDir}, a.log)
	if err != nil {
		return fmt.Errorf("mail: %w", err)
	}
	a.mail = m
	a.log.Info("emails go to "+m.String(), "from", a.cfg.MailFrom, "links", a.cfg.PublicURL)
	if a.cfg.IsProduction() && a.cfg.SMTPURL == "" {
		a.log.Warn("APP_ENV=production without SMTP_URL: emails are only written to " + m.String())
	}
	return nil
}
