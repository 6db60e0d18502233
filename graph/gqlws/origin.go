package gqlws

import (
	"net/http"
	"net/url"
	"slices"
	"strings"
)

// AllowOrigins returns an origin check for Config.CheckOrigin that admits requests without an Origin
// header (non-browser clients), same-origin requests, and the listed origins, written as
// "https://app.example.com" and compared case-insensitively. As in the HTTP CORS check, an
// entry may hold one "*" standing for any run of characters ("https://*.example.com",
// "http://localhost:*"); "*" alone admits every origin.
func AllowOrigins(origins ...string) func(r *http.Request) bool {
	allowed := make([]string, 0, len(origins))
	for _, o := range origins {
		allowed = append(allowed, strings.ToLower(strings.TrimSuffix(o, "/")))
	}
	all := slices.Contains(allowed, "*")
	return func(r *http.Request) bool {
		origin := r.Header.Get("Origin")
		if origin == "" || all {
			return true
		}
		if u, err := url.Parse(origin); err == nil && strings.EqualFold(u.Host, r.Host) {
			return true
		}
		origin = strings.ToLower(origin)
		return slices.ContainsFunc(allowed, func(pattern string) bool { return originMatches(pattern, origin) })
	}
}

// originMatches reports whether origin is pattern, or fits it around the pattern's one "*".
func originMatches(pattern, origin string) bool {
	prefix, suffix, wild := strings.Cut(pattern, "*")
	if !wild {
		return pattern == origin
	}
	return len(origin) >= len(prefix)+len(suffix) && strings.HasPrefix(origin, prefix) && strings.HasSuffix(origin, suffix)
}
