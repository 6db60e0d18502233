// Package mailtest gives tests a real SMTP server (Debian's python3-aiosmtpd, started per
// test) and reads back the emails it received or that Backbone wrote into MAIL_DIR.
package mailtest

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net/mail"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"
)

// Received is one email as a mail client would show it.
type Received struct {
	File    string
	Header  mail.Header
	To      string
	Subject string
	Text    string
	HTML    string
}

// Parse decodes a raw RFC 5322 message: its headers, and its text/plain and text/html
// parts, transfer encodings undone.
func Parse(raw []byte) (Received, error) {
	m, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		return Received{}, err
	}
	dec := new(mime.WordDecoder)
	subject, err := dec.DecodeHeader(m.Header.Get("Subject"))
	if err != nil {
		return Received{}, fmt.Errorf("subject: %w", err)
	}
	r := Received{Header: m.Header, Subject: subject}
	if to, err := mail.ParseAddress(m.Header.Get("To")); err == nil {
		r.To = to.Address
	}
	return r, r.addPart(m.Header.Get("Content-Type"), m.Header.Get("Content-Transfer-Encoding"), m.Body)
}

func (r *Received) addPart(contentType, encoding string, body io.Reader) error {
	media, params, err := mime.ParseMediaType(contentType)
	if err != nil {
		return fmt.Errorf("content type %q: %w", contentType, err)
	}
	if strings.HasPrefix(media, "multipart/") {
		mr := multipart.NewReader(body, params["boundary"])
		for {
			p, err := mr.NextRawPart()
			if err == io.EOF {
				return nil
			}
			if err != nil {
				return err
			}
			if err := r.addPart(p.Header.Get("Content-Type"), p.Header.Get("Content-Transfer-Encoding"), p); err != nil {
				return err
			}
		}
	}
	switch strings.ToLower(encoding) {
	case "quoted-printable":
		body = quotedprintable.NewReader(body)
	case "base64":
		body = base64.NewDecoder(base64.StdEncoding, &lineJoiner{r: body})
	}
	b, err := io.ReadAll(body)
	if err != nil {
		return err
	}
	switch media {
	case "text/plain":
		r.Text += string(b)
	case "text/html":
		r.HTML += string(b)
	}
	return nil
}

// lineJoiner drops the line breaks of a base64 body.
type lineJoiner struct{ r io.Reader }

func (l *lineJoiner) Read(p []byte) (int, error) {
	n, err := l.r.Read(p)
	out := p[:0]
	for _, c := range p[:n] {
		if c != '\r' && c != '\n' {
			out = append(out, c)
		}
	}
	return len(out), err
}

// ReadDir parses every file of dir whose name ends in suffix ("" for all), in name order.
func ReadDir(t testing.TB, dir, suffix string) []Received {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if os.IsNotExist(err) {
		return nil
	}
	if err != nil {
		t.Fatalf("mailtest: read %s: %v", dir, err)
	}
	var names []string
	for _, e := range entries {
		if !e.IsDir() && strings.HasSuffix(e.Name(), suffix) && !strings.HasPrefix(e.Name(), ".") {
			names = append(names, e.Name())
		}
	}
	sort.Strings(names)
	out := make([]Received, 0, len(names))
	for _, n := range names {
		path := filepath.Join(dir, n)
		raw, err := os.ReadFile(path)
		if err != nil {
			t.Fatalf("mailtest: %v", err)
		}
		r, err := Parse(raw)
		if err != nil {
			t.Fatalf("mailtest: parse %s: %v\n%s", path, err, raw)
		}
		r.File = path
		out = append(out, r)
	}
	return out
}

// EMLDir reads the .eml files Backbone wrote into a MAIL_DIR.
func EMLDir(dir string) func(testing.TB) []Received {
	return func(t testing.TB) []Received { return ReadDir(t, dir, ".eml") }
}

// WaitFor polls read until an email to `to` whose subject contains subject arrives (jobs
// go through the outbox and a queue, so it comes a moment later), and returns it.
func WaitFor(t testing.TB, read func(testing.TB) []Received, to, subject string) Received {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		for _, r := range read(t) {
			if strings.EqualFold(r.To, to) && strings.Contains(r.Subject, subject) {
				return r
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("mailtest: no email to %s with subject %q within 30s; got %d others", to, subject, len(read(t)))
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// Count returns how many emails read finds to `to` whose subject contains subject.
func Count(t testing.TB, read func(testing.TB) []Received, to, subject string) int {
	t.Helper()
	n := 0
	for _, r := range read(t) {
		if strings.EqualFold(r.To, to) && strings.Contains(r.Subject, subject) {
			n++
		}
	}
	return n
}
