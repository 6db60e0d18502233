package httpmw

import (
	"crypto/subtle"
	"net/http"
	"strings"

	"backbone/internal/errs"
)

// RequireToken answers 401 to a request without Authorization: Bearer token; the
// comparison takes the same time whatever the guess.
func RequireToken(token string) Middleware {
	want := []byte(token)
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			got := BearerToken(r.Header.Get("Authorization"))
			if got == "" || subtle.ConstantTimeCompare([]byte(got), want) != 1 {
				w.Header().Set("WWW-Authenticate", `Bearer realm="operator"`)
				WriteError(w, errs.Unauthenticated, "operator token required: Authorization: Bearer <token>")
				return
			}
			next.ServeHTTP(w, r)
		})
	}
}

// BearerToken extracts the token of an "Authorization: Bearer <token>" value, or "". The
// scheme is case-insensitive, as HTTP's authentication schemes are (RFC 9110, 11.1).
func BearerToken(header string) string {
	scheme, tok, ok := strings.Cut(strings.TrimSpace(header), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return ""
	}
	return strings.TrimSpace(tok)
}
