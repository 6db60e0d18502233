package httpmw

import (
	"errors"
	"net/http"
	"slices"
	"time"

	"github.com/rs/cors"
)

// ErrWildcardOrigin is returned by CORS when "*" is listed without AllowWildcard.
var ErrWildcardOrigin = errors.New(`httpmw: CORS origin "*" needs AllowWildcard`)

// corsHeaders are the request headers a GraphQL client sends.
var corsHeaders = []string{"Accept", "Authorization", "Content-Type", "X-API-Key", HeaderRequestID}

// CORSOptions tunes CORS; the zero value is the usual setting.
type CORSOptions struct {
	// AllowWildcard permits "*" among the origins. Any origin is then allowed
	// without credentials: a wildcard never gets cookies or auth headers sent
	// by browsers on the user's behalf.
	AllowWildcard bool
	// MaxAge is how long browsers may cache a preflight; 0 means 10 minutes.
	MaxAge time.Duration
	// ExtraHeaders are request headers allowed beyond the GraphQL set.
	ExtraHeaders []string
}

// CORS allows cross-origin requests from origins (exact "https://app.example.com"
// or one wildcard per entry, "https://*.example.com"), with credentials,
// GET/POST/OPTIONS, the headers a GraphQL client needs (Accept, Authorization,
// Content-Type, X-API-Key, X-Request-ID) and X-Request-ID exposed to scripts.
// With no origins it adds nothing, so only same-origin pages can read
// responses. A preflight is answered here and not passed on.
func CORS(origins []string, opts CORSOptions) (Middleware, error) {
	wildcard := slices.Contains(origins, "*")
	if wildcard && !opts.AllowWildcard {
		return nil, ErrWildcardOrigin
	}
	if len(origins) == 0 {
		// rs/cors treats an empty list as "*": never hand it one.
		return func(next http.Handler) http.Handler { return next }, nil
	}
	maxAge := opts.MaxAge
	if maxAge <= 0 {
		maxAge = 10 * time.Minute
	}
	c := cors.New(cors.Options{
		AllowedOrigins:   origins,
		AllowedMethods:   []string{http.MethodGet, http.MethodPost, http.MethodOptions},
		AllowedHeaders:   append(slices.Clone(corsHeaders), opts.ExtraHeaders...),
		ExposedHeaders:   []string{HeaderRequestID},
		AllowCredentials: !wildcard,
		MaxAge:           int(maxAge / time.Second),
	})
	return c.Handler, nil
}
