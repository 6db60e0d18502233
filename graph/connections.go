package graph

import (
	"net/http"

	"github.com/vektah/gqlparser/v2/ast"

	"backbone/internal/httpmw"
)

// clientIP is the caller's address as the HTTP middleware decided it (X-Forwarded-For
// from trusted proxies only), for the per-address connection limits.
func clientIP(r *http.Request) string {
	if ip := httpmw.ClientIPFrom(r.Context()); ip != "" {
		return ip
	}
	return httpmw.ClientIP(r, nil)
}

// anonymousSubscriptions reports whether the schema has a subscription anonymous callers
// may run (a @public field): without one, an anonymous websocket has nothing to wait for
// and is refused, since holding it only spends a file descriptor. Queries and mutations
// do not count: they are as well served over HTTP.
func anonymousSubscriptions(s *ast.Schema) bool {
	if s.Subscription == nil {
		return false
	}
	for _, f := range s.Subscription.Fields {
		if f.Directives.ForName("public") != nil {
			return true
		}
	}
	return false
}
