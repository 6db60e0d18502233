package httpmw

import (
	"errors"
	"fmt"
	"net/netip"
	"net/url"
	"strconv"
	"strings"

	"golang.org/x/net/publicsuffix"
)

// CheckOrigin reports why a CORS origin pattern could never match what a browser sends as
// its Origin: "*" alone, or scheme://host[:port] with no path (not even "/"), query or user,
// holding at most one "*" after the scheme, which stands for any run of characters
// ("https://*.example.com", "http://localhost:*"), as rs/cors and gqlws.AllowOrigins match it.
func CheckOrigin(pattern string) error {
	if pattern == "*" {
		return nil
	}
	if strings.Count(pattern, "*") > 1 {
		return fmt.Errorf("%q holds more than one *", pattern)
	}
	if scheme, _, ok := strings.Cut(pattern, "://"); !ok || strings.Contains(scheme, "*") {
		return fmt.Errorf("%q is not scheme://host[:port], such as https://app.example.com", pattern)
	}
	// The "*" stands for some characters: the entry must be an origin with one in its place.
	u, err := url.Parse(strings.Replace(pattern, "*", "1", 1))
	if err != nil || u.Host == "" || u.User != nil || u.Path != "" || u.RawQuery != "" || u.ForceQuery || u.Fragment != "" {
		return fmt.Errorf("%q is not an origin, scheme://host[:port] without a path (no trailing /), such as https://app.example.com", pattern)
	}
	return nil
}

// OriginAdmitsAnySite reports whether a CORS origin pattern admits the origins of sites
// anyone can register: "*", or a "*" in the host that does not stand for subdomains of a
// named domain only ("https://*", "https://*example.com", "https://app.*"), or stands for
// the subdomains of a public suffix ("https://*.com", "https://*.co.uk", "https://*.github.io").
// A "*" for subdomains ("https://*.example.com") or for the port ("https://app.example.com:*")
// admits one owner's origins.
func OriginAdmitsAnySite(pattern string) bool {
	if pattern == "*" {
		return true
	}
	_, rest, _ := strings.Cut(pattern, "://")
	before, after, wild := strings.Cut(rest, "*")
	if !wild {
		return false
	}
	if strings.LastIndexByte(before, ':') > strings.LastIndexByte(before, ']') {
		return false // in the port
	}
	domain, _, _ := strings.Cut(after, ":")
	if !strings.HasPrefix(domain, ".") || strings.HasSuffix(domain, ".") {
		return true
	}
	// Subdomains of a public suffix (com, co.uk, github.io, vercel.app) are anyone's to
	// register: only a domain below one is a site of its own.
	_, err := publicsuffix.EffectiveTLDPlusOne(domain[1:])
	return err != nil
}

// CheckHostPattern reports why a TrustedHosts entry could never match a request's Host: it
// must be a host name or IP address, optionally "*." followed by a domain (subdomains),
// optionally with a port, as TrustedHosts matches it.
func CheckHostPattern(pattern string) error {
	host, port := splitHostPort(strings.ToLower(pattern))
	if port != "" {
		if n, err := strconv.Atoi(port); err != nil || n < 1 || n > 65535 {
			return fmt.Errorf("%q: the port %q is not 1..65535", pattern, port)
		}
	}
	name, wildcard := strings.CutPrefix(host, "*.")
	if _, err := netip.ParseAddr(name); err == nil {
		if wildcard {
			return fmt.Errorf("%q: *. applies to a domain, not an IP address", pattern)
		}
		return nil
	}
	if err := checkHostName(name); err != nil {
		return fmt.Errorf("%q is not a host name, *.domain or IP address, optionally with :port: %w", pattern, err)
	}
	return nil
}

// checkHostName accepts dot-separated labels of letters, digits, '-' and '_'.
func checkHostName(name string) error {
	for _, label := range strings.Split(name, ".") {
		if label == "" {
			return errors.New("an empty label")
		}
		for _, c := range label {
			if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
				return fmt.Errorf("%q is not allowed (a * only as a leading *.)", c)
			}
		}
	}
	return nil
}
