package gqlhttp

import (
	"mime"
	"strconv"
	"strings"
)

// The two response media types of the GraphQL over HTTP spec.
const (
	MediaTypeJSON            = "application/json"
	MediaTypeGraphQLResponse = "application/graphql-response+json"
)

// acceptRange is one media range of an Accept header.
type acceptRange struct {
	typ, sub string
	q        float64
}

// match is how well a range matched a media type: q and how specific the range was
// (3 exact, 2 type/*, 1 */*, 0 no match).
type match struct {
	q           float64
	specificity int
}

// negotiate picks the response media type for an Accept header. An empty header means
// application/json, as the spec's legacy rule says. It returns "" when the client accepts
// neither type, which the caller answers with 406.
//
// Order: higher q wins; at equal q a range naming the type beats a wildcard; when both
// types were named, application/graphql-response+json wins (the spec's preferred type),
// when both came from a wildcard, application/json wins (what legacy clients expect).
func negotiate(header string) string {
	if strings.TrimSpace(header) == "" {
		return MediaTypeJSON
	}
	ranges := parseAccept(header)
	gr := bestMatch(ranges, "application", "graphql-response+json")
	js := bestMatch(ranges, "application", "json")
	switch {
	case gr.q <= 0 && js.q <= 0:
		return ""
	case gr.q != js.q:
		if gr.q > js.q {
			return MediaTypeGraphQLResponse
		}
		return MediaTypeJSON
	case gr.specificity != js.specificity:
		if gr.specificity > js.specificity {
			return MediaTypeGraphQLResponse
		}
		return MediaTypeJSON
	case gr.specificity == 3:
		return MediaTypeGraphQLResponse
	default:
		return MediaTypeJSON
	}
}

// Accepts reports whether an Accept header accepts the media type typ/sub: the most
// specific range that matches it has a q above 0 (RFC 9110 §12.5.1: q=0 means "not
// acceptable").
func Accepts(header, mediaType string) bool {
	typ, sub, _ := strings.Cut(mediaType, "/")
	return bestMatch(parseAccept(header), typ, sub).q > 0
}

// parseAccept splits an Accept header into media ranges, skipping malformed ones.
func parseAccept(header string) []acceptRange {
	var out []acceptRange
	for part := range strings.SplitSeq(header, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		mt, params, err := mime.ParseMediaType(part)
		if err != nil {
			continue
		}
		typ, sub, ok := strings.Cut(mt, "/")
		if !ok || typ == "" || sub == "" || (typ == "*" && sub != "*") {
			continue
		}
		q := 1.0
		if v, ok := params["q"]; ok {
			f, err := strconv.ParseFloat(v, 64)
			if err != nil || f < 0 || f > 1 {
				continue
			}
			q = f
		}
		out = append(out, acceptRange{typ: typ, sub: sub, q: q})
	}
	return out
}

// bestMatch returns the q of the most specific range matching typ/sub (RFC 9110 §12.5.1:
// the most specific range decides, so "*/*, application/json;q=0" refuses JSON).
func bestMatch(ranges []acceptRange, typ, sub string) match {
	var best match
	for _, r := range ranges {
		s := 0
		switch {
		case r.typ == typ && r.sub == sub:
			s = 3
		case r.typ == typ && r.sub == "*":
			s = 2
		case r.typ == "*" && r.sub == "*":
			s = 1
		}
		if s == 0 || s < best.specificity {
			continue
		}
		if s > best.specificity || r.q > best.q {
			best = match{q: r.q, specificity: s}
		}
	}
	return best
}
