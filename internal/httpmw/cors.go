package httpmw

import (
	"errors"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/rs/cors"
)

// ErrWildcardOrigin is returned by CORS when "*" is listed without AllowWildcard.
var ErrWildcardOrigin = errors.New(`httpmw: CORS origin "*" needs AllowWildcard`)

// corsHeaders are the request headers a GraphQL client sends, with the W3C trace context
// the server continues.
var corsHeaders = []string{"Accept", "Authorization", "Content-Type", "X-API-Key", HeaderRequestID, "traceparent", "tracestate"}

// exposedHeaders are the response headers scripts may read: the request id and the rate
// budget's headers.
var exposedHeaders = []string{HeaderRequestID, "RateLimit", "RateLimit-Policy", "Retry-After"}

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
// GET/POST/OPTIONS, the headers a GraphQL client needs (corsHeaders) and
// exposedHeaders exposed to scripts. With no origins it adds nothing, so only
// same-origin pages can read responses. A preflight is answered here and not
// passed on.
func CORS(origins []string, opts CORSOptions) (Middleware, error) {
	wildcard := slices.Contains(origins, "*")
	if wildcard && !opts.AllowWildcard {
		return nil, ErrWildcardOrigin
	}
	if len(origins) == 0 {
		// rs/cors treats an empty list as "*": never hand it one. Every preflight is
		// cross-origin, so with no origins each one is refused.
		return refusePreflights(func(*http.Request) bool { return false }, nil), nil
	}
	maxAge := opts.MaxAge
	if maxAge <= 0 {
		maxAge = 10 * time.Minute
	}
	headers := append(slices.Clone(corsHeaders), opts.ExtraHeaders...)
	c := cors.New(cors.Options{
		AllowedOrigins:   origins,
		AllowedMethods:   []string{http.MethodGet, http.MethodPost, http.MethodOptions},
		AllowedHeaders:   headers,
		ExposedHeaders:   exposedHeaders,
		AllowCredentials: !wildcard,
		MaxAge:           int(maxAge / time.Second),
	})
	refuse := refusePreflights(c.OriginAllowed, headers)
	return func(next http.Handler) http.Handler { return refuse(c.Handler(next)) }, nil
}

// refusePreflights answers a preflight from an origin that allowed rejects, or asking
// for a request header not among headers, with a 403 that says what to change: a browser
// would otherwise report only a bare CORS failure, and the developer would not know
// where to look.
func refusePreflights(allowed func(*http.Request) bool, headers []string) Middleware {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if !isPreflight(r) {
				next.ServeHTTP(w, r)
				return
			}
			if !allowed(r) {
				http.Error(w, "origin "+strconv.Quote(r.Header.Get("Origin"))+
					" is not allowed: add it to the server's CORS_ORIGINS", http.StatusForbidden)
				return
			}
			if h, ok := unknownHeader(r, headers); !ok {
				http.Error(w, "request header "+strconv.Quote(h)+" is not allowed across origins; the allowed ones are "+
					strings.Join(headers, ", "), http.StatusForbidden)
				return
			}
			next.ServeHTTP(w, r)
		})
	}
}

// unknownHeader returns the first header a preflight asks for that is not among headers;
// ok is true when there is none.
func unknownHeader(r *http.Request, headers []string) (header string, ok bool) {
	for _, v := range r.Header.Values("Access-Control-Request-Headers") {
		for h := range strings.SplitSeq(v, ",") {
			h = strings.TrimSpace(h)
			if h != "" && !slices.ContainsFunc(headers, func(a string) bool { return strings.EqualFold(a, h) }) {
				return h, false
			}
		}
	}
	return "", true
}

func isPreflight(r *http.Request) bool {
	return r.Method == http.MethodOptions && r.Header.Get("Origin") != "" &&
		r.Header.Get("Access-Control-Request-Method") != ""
}
