package mail

import (
	"bytes"
	"fmt"
	htmltemplate "html/template"
	"io/fs"
	"strings"
	texttemplate "text/template"
)

// Template is one kind of email: a subject and a text body from text/template, an HTML
// body from html/template (which escapes what it inserts). Its files, in one fs.FS:
//
//	NAME.txt   {{define "subject"}}...{{end}} and the text body
//	NAME.html  the HTML body (optional)
type Template struct {
	text *texttemplate.Template
	html *htmltemplate.Template
}

// ParseTemplate reads the template name from fsys.
func ParseTemplate(fsys fs.FS, name string) (*Template, error) {
	t := &Template{}
	var err error
	if t.text, err = texttemplate.New(name+".txt").Option("missingkey=error").ParseFS(fsys, name+".txt"); err != nil {
		return nil, fmt.Errorf("mail template %s: %w", name, err)
	}
	if t.text.Lookup("subject") == nil {
		return nil, fmt.Errorf("mail template %s: %s.txt defines no \"subject\"", name, name)
	}
	if _, err := fs.Stat(fsys, name+".html"); err == nil {
		if t.html, err = htmltemplate.New(name+".html").Option("missingkey=error").ParseFS(fsys, name+".html"); err != nil {
			return nil, fmt.Errorf("mail template %s: %w", name, err)
		}
	}
	return t, nil
}

// MustParseTemplate is ParseTemplate for templates embedded in the binary, which are
// known good: it panics on an error.
func MustParseTemplate(fsys fs.FS, name string) *Template {
	t, err := ParseTemplate(fsys, name)
	if err != nil {
		panic(err)
	}
	return t
}

// Render fills the template with data into a message to to.
func (t *Template) Render(to string, data any) (Message, error) {
	var subject, text, html bytes.Buffer
	if err := t.text.ExecuteTemplate(&subject, "subject", data); err != nil {
		return Message{}, fmt.Errorf("mail template: %w", err)
	}
	if err := t.text.Execute(&text, data); err != nil {
		return Message{}, fmt.Errorf("mail template: %w", err)
	}
	if t.html != nil {
		if err := t.html.Execute(&html, data); err != nil {
			return Message{}, fmt.Errorf("mail template: %w", err)
		}
	}
	return Message{
		To: to,
		// A subject is one line: a value with a line break must not add a header.
		Subject: strings.Join(strings.Fields(subject.String()), " "),
		Text:    strings.TrimSpace(text.String()) + "\n",
		HTML:    html.String(),
	}, nil
}
