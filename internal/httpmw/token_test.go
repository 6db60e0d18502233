package httpmw_test

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"backbone/internal/httpmw"
)

// TestRequireTokenReadsTheSchemeInAnyCase: "bearer", as /query accepts it.
func TestRequireTokenReadsTheSchemeInAnyCase(t *testing.T) {
	t.Parallel()
	h := httpmw.RequireToken("secret")(okHandler)
	for auth, want := range map[string]int{
		"Bearer secret":  http.StatusOK,
		"bearer secret":  http.StatusOK,
		"BEARER  secret": http.StatusOK,
		"Bearer wrong":   http.StatusUnauthorized,
		"secret":         http.StatusUnauthorized,
		"Basic secret":   http.StatusUnauthorized,
		"":               http.StatusUnauthorized,
	} {
		r := httptest.NewRequest(http.MethodGet, "/metrics", nil)
		r.Header.Set("Authorization", auth)
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		if w.Code != want {
			t.Errorf("Authorization %q: %d, want %d", auth, w.Code, want)
		}
	}
}
