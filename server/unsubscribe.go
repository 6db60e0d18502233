package main

import (
	"errors"
	"html/template"
	"log/slog"
	"net/http"
	"strings"

	"backbone/internal/notify"
)

// unsubscribeCSP is the API's policy with the confirmation form allowed to post back.
const unsubscribeCSP = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"

// unsubscribePage is the one page of /unsubscribe: a confirmation (GET), the result
// (POST), or a refused link. The form posts to a relative URL, the page's own, so that it
// reaches the server under whatever path PUBLIC_URL gives it behind a proxy.
var unsubscribePage = template.Must(template.New("unsubscribe").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Backbone email</title></head><body>
{{if .Bad}}<p>This unsubscribe link is not valid. You can choose which notifications come by email in your notification preferences.</p>
{{else if .Done}}<p>You will no longer receive emails about: {{.Kind}}. Notifications still appear in the app; you can turn these emails back on in your notification preferences.</p>
{{else}}<form method="post" action="unsubscribe?token={{.Token}}"><p>Stop emails about: {{.Kind}}?</p><button type="submit">Unsubscribe</button></form>
{{end}}</body></html>
`))

// unsubscribeHandler serves the one-click unsubscribe link of notification emails
// (RFC 8058). POST /unsubscribe?token=... turns the token's kind of email off: what a
// mail client sends for List-Unsubscribe-Post: List-Unsubscribe=One-Click, and what the
// confirmation form sends. GET shows that form and changes nothing, since mail scanners
// fetch links in emails without anyone clicking them. A malformed or tampered token
// answers 400.
func unsubscribeHandler(u notify.Unsubscriber, log *slog.Logger) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		tok := r.URL.Query().Get("token")
		page := struct {
			Bad, Done   bool
			Kind, Token string
		}{Token: tok}
		status := http.StatusOK
		_, kind, err := u.Parse(tok)
		if err == nil && r.Method == http.MethodPost {
			_, err = u.Unsubscribe(r.Context(), tok)
			page.Done = err == nil
		}
		switch {
		case errors.Is(err, notify.ErrBadUnsubscribeToken):
			page.Bad, status = true, http.StatusBadRequest
		case err != nil:
			log.ErrorContext(r.Context(), "unsubscribe failed", "err", err)
			http.Error(w, "Something went wrong; please try again later.", http.StatusInternalServerError)
			return
		}
		page.Kind = strings.ToLower(strings.ReplaceAll(kind, "_", " "))
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Header().Set("Cache-Control", "no-store")
		w.WriteHeader(status)
		_ = unsubscribePage.Execute(w, page)
	})
}
