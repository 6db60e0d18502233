package mail

import (
	"fmt"
	"net"
	"net/mail"
	"net/url"
	"strconv"
	"strings"
)

// TLS modes of an SMTP connection.
const (
	// STARTTLSMandatory upgrades a plain connection with STARTTLS and refuses a server
	// that does not offer it: the default of smtp:// URLs.
	STARTTLSMandatory = "mandatory"
	// STARTTLSOpportunistic upgrades when the server offers STARTTLS, else stays plain.
	STARTTLSOpportunistic = "opportunistic"
	// STARTTLSNone never encrypts: only for a local test server (smtp://...?starttls=none).
	STARTTLSNone = "none"
	// ImplicitTLS speaks TLS from the first byte: smtps:// URLs.
	ImplicitTLS = "implicit"
)

// Transport is where and how emails leave, parsed from SMTP_URL.
type Transport struct {
	Host     string
	Port     int
	Username string
	Password string
	// TLS is one of STARTTLSMandatory, STARTTLSOpportunistic, STARTTLSNone, ImplicitTLS.
	TLS string
}

// ParseSMTPURL reads SMTP_URL:
//
//	smtp://user:pass@host:587                  STARTTLS, required (port default 587)
//	smtp://host:25?starttls=opportunistic      STARTTLS when offered
//	smtp://127.0.0.1:2525?starttls=none        plain text, for a local test server only
//	smtps://user:pass@host:465                 implicit TLS (port default 465)
//
// User and password are optional (no SMTP AUTH without them); they are URL-encoded. They
// need TLS, so starttls=opportunistic or none refuses them: a server without STARTTLS is
// then spoken to in clear text, where PLAIN and LOGIN are never sent and every send of a
// server that offers only those fails.
func ParseSMTPURL(raw string) (Transport, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return Transport{}, fmt.Errorf("not a URL: %v", redact(err))
	}
	t := Transport{Host: u.Hostname()}
	switch u.Scheme {
	case "smtp":
		t.Port, t.TLS = 587, STARTTLSMandatory
	case "smtps":
		t.Port, t.TLS = 465, ImplicitTLS
	default:
		return Transport{}, fmt.Errorf("scheme %q is neither smtp nor smtps", u.Scheme)
	}
	if t.Host == "" {
		return Transport{}, fmt.Errorf("no host")
	}
	if p := u.Port(); p != "" {
		if t.Port, err = strconv.Atoi(p); err != nil || t.Port < 1 || t.Port > 65535 {
			return Transport{}, fmt.Errorf("port %q is not 1..65535", p)
		}
	}
	if u.Path != "" && u.Path != "/" {
		return Transport{}, fmt.Errorf("a path (%q) means nothing here", u.Path)
	}
	if u.User != nil {
		t.Username = u.User.Username()
		t.Password, _ = u.User.Password()
	}
	q := u.Query()
	for k := range q {
		if k != "starttls" {
			return Transport{}, fmt.Errorf("unknown option %q (known: starttls)", k)
		}
	}
	if mode := q.Get("starttls"); mode != "" {
		if u.Scheme == "smtps" {
			return Transport{}, fmt.Errorf("starttls does not apply to smtps:// (TLS from the start)")
		}
		switch strings.ToLower(mode) {
		case STARTTLSMandatory, STARTTLSOpportunistic, STARTTLSNone:
			t.TLS = strings.ToLower(mode)
		default:
			return Transport{}, fmt.Errorf("starttls=%q is not mandatory, opportunistic or none", mode)
		}
	}
	// The client's AUTH discovery sends PLAIN and LOGIN only over TLS: with none, a
	// password would fail every send (opportunistic authenticates once STARTTLS is up).
	if t.Username != "" && t.TLS == STARTTLSNone {
		return Transport{}, fmt.Errorf("a user and password need TLS: use starttls=mandatory (the default), opportunistic or smtps://, not starttls=none")
	}
	return t, nil
}

// String describes the transport without its password, for start-up logs.
func (t Transport) String() string {
	user := ""
	if t.Username != "" {
		user = t.Username + "@"
	}
	return fmt.Sprintf("smtp %s%s tls=%s", user, net.JoinHostPort(t.Host, strconv.Itoa(t.Port)), t.TLS)
}

// ParseFrom reads MAIL_FROM: an address, optionally with a display name
// ("Backbone <no-reply@example.com>").
func ParseFrom(raw string) (*mail.Address, error) {
	a, err := mail.ParseAddress(raw)
	if err != nil {
		return nil, fmt.Errorf("%q is not an email address: %v", raw, err)
	}
	return a, nil
}

// redact keeps a URL parse error from echoing the URL, which may hold a password.
func redact(err error) error {
	if ue, ok := err.(*url.Error); ok {
		return ue.Err
	}
	return err
}
