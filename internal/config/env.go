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
	v, ok := r.get(key)
	if !ok {
		return def
	}
	b, err := strconv.ParseBool(v)
	if err != nil {
		r.errs = append(r.errs, fmt.Errorf("%s: %q is not a boolean (true or false)", key, v))
		return def
	}
	return b
}

func (r *reader) int(key string, def int) int {
	v, ok := r.get(key)
	if !ok {
		return def
	}
	n, err := strconv.Atoi(v)
	if err != nil {
		r.errs = append(r.errs, fmt.Errorf("%s: %q is not a whole number", key, v))
		return def
	}
	return n
}

func (r *reader) duration(key string, def time.Duration) time.Duration {
	v, ok := r.get(key)
	if !ok {
		return def
	}
	d, err := time.ParseDuration(v)
	if err != nil {
		r.errs = append(r.errs, fmt.Errorf("%s: %q is not a duration (such as 15s)", key, v))
		return def
	}
	return d
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
