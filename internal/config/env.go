package config

import (
	"fmt"
	"net/netip"
	"strconv"
	"strings"
	"time"
)

// reader collects parse errors so that all of them are reported together.
type reader struct {
	getenv func(string) string
	set    map[string]bool
	errs   []error
}

func (r *reader) get(key string) (string, bool) {
	v := strings.TrimSpace(r.getenv(key))
	if v != "" {
		r.set[key] = true
	}
	return v, v != ""
}

func (r *reader) str(key, def string) string {
	if v, ok := r.get(key); ok {
		return v
	}
	return def
}

func (r *reader) bool(key string, def bool) bool {
	return parsed(r, key, def, strconv.ParseBool, "a boolean (true or false)")
}

func (r *reader) int(key string, def int) int {
	return parsed(r, key, def, strconv.Atoi, "a whole number")
}

func (r *reader) duration(key string, def time.Duration) time.Duration {
	return parsed(r, key, def, time.ParseDuration, "a duration (such as 15s)")
}

// parsed reads key with parse: def when unset, and def with an error saying the value is
// not what (such as "a whole number") when it does not parse.
func parsed[T any](r *reader, key string, def T, parse func(string) (T, error), what string) T {
	v, ok := r.get(key)
	if !ok {
		return def
	}
	x, err := parse(v)
	if err != nil {
		r.errs = append(r.errs, fmt.Errorf("%s: %q is not %s", key, v, what))
		return def
	}
	return x
}

func (r *reader) list(key string) []string {
	v, ok := r.get(key)
	if !ok {
		return nil
	}
	var out []string
	for _, s := range strings.Split(v, ",") {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}

func (r *reader) prefixes(key string) []netip.Prefix {
	var out []netip.Prefix
	for _, s := range r.list(key) {
		if !strings.Contains(s, "/") {
			if a, err := netip.ParseAddr(s); err == nil {
				out = append(out, netip.PrefixFrom(a, a.BitLen()))
				continue
			}
		}
		p, err := netip.ParsePrefix(s)
		if err != nil {
			r.errs = append(r.errs, fmt.Errorf("%s: %q is not an IP address or CIDR", key, s))
			continue
		}
		out = append(out, p.Masked())
	}
	return out
}
