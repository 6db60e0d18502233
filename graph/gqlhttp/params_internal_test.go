package gqlhttp

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"testing/iotest"

	"backbone/internal/errs"
)

// readBody returns the whole body whatever the declared size says, and the reader's error.
func TestReadBodyReadsWhatIsThereWhateverTheDeclaredSize(t *testing.T) {
	t.Parallel()
	const body = `{"query":"{ __typename }"}`
	for _, declared := range []int64{-1, 0, 1, int64(len(body)) - 1, int64(len(body)), int64(len(body)) + 5, 1 << 20} {
		for name, rd := range map[string]io.Reader{
			"whole":          strings.NewReader(body),
			"a byte at once": iotest.OneByteReader(strings.NewReader(body)),
		} {
			got, err := readBody(rd, declared)
			if err != nil || string(got) != body {
				t.Errorf("declared %d, %s: %q, %v; want the body", declared, name, got, err)
			}
		}
	}
	boom := errors.New("boom")
	for _, declared := range []int64{-1, 3, int64(len(body))} {
		got, err := readBody(io.MultiReader(strings.NewReader(body[:5]), iotest.ErrReader(boom)), declared)
		if !errors.Is(err, boom) || string(got) != body[:5] {
			t.Errorf("declared %d: %q, %v; want the first bytes and the error", declared, got, err)
		}
	}
}

// plainString reads what json.Unmarshal reads from a string without escapes, and leaves
// every other value to it.
func TestPlainStringAgreesWithEncodingJSON(t *testing.T) {
	t.Parallel()
	for _, raw := range []string{`"{ __typename }"`, `""`, `"é ☃ 𝄞"`, `"a\"b"`, `"line\nbreak"`, `"\u0041"`, `null`, `12`, `["x"]`, `"`} {
		got, ok := plainString(json.RawMessage(raw))
		var want string
		err := json.Unmarshal([]byte(raw), &want)
		switch {
		case ok && (err != nil || got != want):
			t.Errorf("%s: plainString %q, encoding/json %q, %v", raw, got, want, err)
		case !ok && !strings.Contains(raw, `\`) && err == nil && raw[0] == '"':
			t.Errorf("%s: plainString declined a string without escapes", raw)
		}
	}
}

// TestTooDeepJSONIsSaidSo: variables nested past encoding/json's depth limit are a 400
// that says so, in a POST body, a GET parameter and a websocket payload (they answered
// "request body must be a JSON object"); at the limit they are read.
func TestTooDeepJSONIsSaidSo(t *testing.T) {
	t.Parallel()
	const maxDepth = 10_000 // encoding/json's
	nested := func(levels int) string { return strings.Repeat("[", levels) + strings.Repeat("]", levels) }
	// The body's object and the variables' are two levels; "a" holds the rest.
	body := func(levels int) string { return `{"query":"{ a }","variables":{"a":` + nested(levels-2) + `}}` }
	tooDeepBody, atLimit := body(maxDepth+1), body(maxDepth)
	variables := func(levels int) string { return `{"a":` + nested(levels-1) + `}` }

	check := func(what string, rerr *requestError, want string) {
		t.Helper()
		if rerr == nil || rerr.code != errs.BadRequest || rerr.msg != want {
			t.Errorf("%s: %v, want BAD_REQUEST %q", what, rerr, want)
		}
	}
	post := httptest.NewRequest(http.MethodPost, "/graphql", strings.NewReader(tooDeepBody))
	post.Header.Set("Content-Type", "application/json")
	_, rerr := readPOST(httptest.NewRecorder(), post, 1<<20)
	check("POST", rerr, "request body nests arrays and objects deeper than 10000 levels")
	get := httptest.NewRequest(http.MethodGet, "/graphql?"+url.Values{"query": {"{ a }"}, "variables": {variables(maxDepth + 1)}}.Encode(), nil)
	_, rerr = readGET(get)
	check("GET", rerr, "variables nests arrays and objects deeper than 10000 levels")
	_, err := DecodeParams([]byte(tooDeepBody))
	if err == nil || err.Code != errs.BadRequest || err.Message != "payload nests arrays and objects deeper than 10000 levels" {
		t.Errorf("websocket payload: %v, want BAD_REQUEST saying it nests too deeply", err)
	}

	if _, rerr := decodeParams([]byte(atLimit), "request body"); rerr != nil {
		t.Errorf("at the limit: %v", rerr)
	}
	get = httptest.NewRequest(http.MethodGet, "/graphql?"+url.Values{"query": {"{ a }"}, "variables": {variables(maxDepth)}}.Encode(), nil)
	if _, rerr := readGET(get); rerr != nil {
		t.Errorf("GET at the limit: %v", rerr)
	}
	// Malformed JSON is still what it was.
	_, rerr = decodeParams([]byte(`{"query":`), "request body")
	check("malformed", rerr, "request body must be a JSON object")
}
