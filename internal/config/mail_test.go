package config_test

import (
	"strings"
	"testing"

	"backbone/internal/config"
)

func TestMailSettings(t *testing.T) {
	c, err := config.FromEnv(envOf(nil))
	if err != nil {
		t.Fatal(err)
	}
	if c.SMTPURL != "" || c.MailDir != "mail" || c.PublicURL != "http://localhost:8080" || !strings.Contains(c.MailFrom, "@") {
		t.Errorf("mail defaults: smtp=%q dir=%q public=%q from=%q", c.SMTPURL, c.MailDir, c.PublicURL, c.MailFrom)
	}
	c, _ = config.FromEnv(envOf(map[string]string{"SMTP_URL": "smtps://mailer:topsecret@smtp.example.com", "PUBLIC_URL": "https://app.example.com/"}))
	if err := c.Validate(); err != nil {
		t.Fatalf("valid mail settings refused: %v", err)
	}
	if c.PublicURL != "https://app.example.com" {
		t.Errorf("PUBLIC_URL keeps its trailing slash: %q", c.PublicURL)
	}
	if s := c.String(); strings.Contains(s, "topsecret") || !strings.Contains(s, "smtp.example.com") {
		t.Errorf("String() must name the SMTP server without its password: %s", s)
	}
	c, _ = config.FromEnv(envOf(map[string]string{"SMTP_URL": "smtp://user:pass@127.0.0.1:2525?starttls=none"}))
	if err := c.Validate(); err == nil || !strings.Contains(err.Error(), "SMTP_URL") || strings.Contains(err.Error(), "pass@") {
		t.Errorf("credentials without TLS: error %v should name SMTP_URL without the password", err)
	}
	for name, env := range map[string]map[string]string{
		"SMTP_URL":   {"SMTP_URL": "smtp://h?starttls=sometimes"},
		"MAIL_FROM":  {"MAIL_FROM": "nobody"},
		"PUBLIC_URL": {"PUBLIC_URL": "ftp://app.example.com"},
		"MAIL_DIR":   {"MAIL_DIR": ""},
	} {
		c, _ := config.FromEnv(envOf(env))
		if name == "MAIL_DIR" {
			c.MailDir = "" // an empty variable reads as unset; a literal config may still hold it
		}
		if err := c.Validate(); err == nil || !strings.Contains(err.Error(), name) {
			t.Errorf("%s: error %v should name it", name, err)
		}
	}
}
