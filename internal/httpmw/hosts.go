package httpmw

import (
	"net"
	"net/http"
	"strconv"
	"strings"

	"backbone/internal/errs"
)

// TrustedHosts refuses, with 400 and code BAD_REQUEST, a request whose
// Host is not on the list; an empty list allows every host. Entries are
// matched case-insensitively: "api.example.com" (any port),
// "api.example.com:8443" (that port only), "*.example.com" (any subdomain,
// not example.com itself). Paths in exempt skip the check, for health probes
// that address the pod by IP: an entry ending in "/" is a prefix, any other
// is an exact path.
func TrustedHosts(hosts []string, exempt ...string) Middleware {
	patterns := make([]hostPattern, 0, len(hosts))
	for _, h := range hosts {
		if h = strings.TrimSpace(h); h != "" {
			patterns = append(patterns, parseHostPattern(h))
		}
	}
	return func(next http.Handler) http.Handler {
		if len(patterns) == 0 {
			return next
		}
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if !exemptPath(r.URL.Path, exempt) && !hostAllowed(r.Host, patterns) {
				WriteError(w, errs.BadRequest, "host "+strconv.Quote(r.Host)+" is not allowed: see the server's TRUSTED_HOSTS")
				return
			}
			next.ServeHTTP(w, r)
		})
	}
}

type hostPattern struct {
	host     string // lower case; for a wildcard, the suffix with its leading dot
	port     string // "" matches any port
	wildcard bool
}

func parseHostPattern(s string) hostPattern {
	host, port := splitHostPort(strings.ToLower(s))
	if rest, ok := strings.CutPrefix(host, "*."); ok {
		return hostPattern{host: "." + rest, port: port, wildcard: true}
	}
	return hostPattern{host: host, port: port}
}

func hostAllowed(raw string, patterns []hostPattern) bool {
	host, port := splitHostPort(strings.ToLower(raw))
	host = strings.TrimSuffix(host, ".") // "example.com." is the same name
	for _, p := range patterns {
		if p.port != "" && p.port != port {
			continue
		}
		if p.wildcard {
			if strings.HasSuffix(host, p.host) && len(host) > len(p.host) {
				return true
			}
		} else if host == p.host {
			return true
		}
	}
	return false
}

// splitHostPort splits "host", "host:port", "[v6]" and "[v6]:port".
func splitHostPort(s string) (host, port string) {
	if h, p, err := net.SplitHostPort(s); err == nil {
		return h, p
	}
	return strings.Trim(s, "[]"), ""
}

func exemptPath(path string, exempt []string) bool {
	for _, e := range exempt {
		if strings.HasSuffix(e, "/") {
			if strings.HasPrefix(path, e) {
				return true
			}
		} else if path == e {
			return true
		}
	}
	return false
}
