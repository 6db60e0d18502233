package graph_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"backbone/ent/analyticsday"
	"backbone/internal/viewer"
)

// Over HTTP: an admin's second request is answered from the memo even after the rollups
// moved, until the memo lets go, and nobody its @hasRole refuses gets the answer. (That
// the rendering itself is what is kept, once, and not when it failed, is shown by
// TestRenderedAnalyticsRendersOnceForItsRoles: here the figures' memo alone would give
// the same answers.)
func TestAnalyticsAnswersAreKeptRenderedForTheirRolesOnly(t *testing.T) {
	ctx := context.Background()
	srv, m, d, from, end := analyticsHandler(t, 3)
	admin := viewer.Principal{UserID: uuid.New(), Role: viewer.RoleAdmin}
	expert := viewer.Principal{UserID: uuid.New(), Role: viewer.RoleExpert}
	query := func(p *viewer.Principal, doc string) string {
		t.Helper()
		body := `{"query":"query($from: Time!, $to: Time!) { ` + doc + ` }",` +
			`"variables":{"from":"` + from.Format(time.RFC3339) + `","to":"` + end.Format(time.RFC3339) + `"}}`
		req := httptest.NewRequest(http.MethodPost, "/query", strings.NewReader(body))
		if p != nil {
			req = req.WithContext(viewer.With(req.Context(), *p))
		}
		req.Header.Set("Content-Type", "application/json")
		w := httptest.NewRecorder()
		srv.ServeHTTP(w, req)
		return w.Body.String()
	}
	const series = `analytics(from: $from, to: $to) { start submitted }`
	first := query(&admin, series)
	if strings.Contains(first, `"errors"`) || !strings.Contains(first, `"submitted":`) {
		t.Fatalf("first answer: %s", first)
	}

	// The rollups move; the kept answer does not, for an admin.
	d.Client.AnalyticsDay.Update().Where(analyticsday.Subject("")).AddSubmitted(1000).ExecX(ctx)
	if again := query(&admin, series); again != first {
		t.Fatalf("the second answer was not the kept one:\n%s\n%s", first, again)
	}
	// Nobody else gets it.
	if got := query(&expert, series); !strings.Contains(got, `"FORBIDDEN"`) || strings.Contains(got, `"submitted"`) {
		t.Fatalf("an expert got: %s", got)
	}
	if got := query(nil, series); !strings.Contains(got, `"UNAUTHENTICATED"`) || strings.Contains(got, `"submitted"`) {
		t.Fatalf("an anonymous caller got: %s", got)
	}
	// Once the memo lets go (a rebuild drops it), the answer is rendered again.
	if err := m.Invalidate(ctx, "rollups"); err != nil {
		t.Fatal(err)
	}
	if fresh := query(&admin, series); fresh == first || strings.Contains(fresh, `"errors"`) {
		t.Fatalf("after invalidation the answer did not change: %s", fresh)
	}

}
