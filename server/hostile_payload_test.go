package main

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/google/uuid"
)

const hostileRegisterOp = `mutation($in: RegisterInput!) { register(input: $in) { accessToken } }`

func hostileBodies(t *testing.T, w *azWorld) {
	big := []byte(`{"query":"{ serverInfo { version } }","variables":{"x":"` + strings.Repeat("a", 2<<20) + `"}}`)
	if status, raw := hostileRaw(t, w, big); status != http.StatusRequestEntityTooLarge || !strings.Contains(string(raw), `"PAYLOAD_TOO_LARGE"`) {
		t.Errorf("body over MAX_BODY_BYTES: status %d, body %.200s; want 413 PAYLOAD_TOO_LARGE", status, raw)
	}
	// The same body streamed without a Content-Length is cut off at the limit.
	req := hostileRequest(t, w, nil)
	req.Body, req.ContentLength = http.NoBody, -1
	req.Body = readCloser{bytes.NewReader(big)}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusRequestEntityTooLarge {
		t.Errorf("streamed body over MAX_BODY_BYTES: status %d, want 413", resp.StatusCode)
	}
	for name, body := range map[string]string{
		"truncated JSON":    `{"query":`,
		"not an object":     `[1,2,3]`,
		"null":              `null`,
		"query not text":    `{"query": 5}`,
		"raw NUL in JSON":   "{\"query\":\"{ serverInfo { version } }\x00\"}",
		"two objects":       `{"query":"{ me { id } }"}{"query":"{ me { id } }"}`,
		"variables not map": `{"query":"{ serverInfo { version } }","variables":"x"}`,
		"empty":             ``,
	} {
		status, raw := hostileRaw(t, w, []byte(body))
		if status < 400 || status >= 500 || !json.Valid(raw) {
			t.Errorf("%s: status %d, body %.200s; want a 4xx with a JSON error", name, status, raw)
		}
	}
}

// readCloser hides the length of a reader, so that the client streams it in chunks.
type readCloser struct{ *bytes.Reader }

func (readCloser) Close() error { return nil }

func hostileRegister(t *testing.T, w *azWorld) {
	mb := strings.Repeat("a", 1_000_000)
	tests := map[string]func(in map[string]any){
		"1 MB email":        func(in map[string]any) { in["email"] = in["email"].(string) + mb + "@example.com" },
		"1 MB password":     func(in map[string]any) { in["password"] = mb },
		"1 MB display name": func(in map[string]any) { in["displayName"] = mb },
		"1 MB bio":          func(in map[string]any) { in["expert"] = map[string]any{"subjects": []string{"law"}, "bio": mb} },
		"1 MB subject":      func(in map[string]any) { in["expert"] = map[string]any{"subjects": []string{mb}, "bio": "Bio."} },
		"10,000 subjects": func(in map[string]any) {
			in["expert"] = map[string]any{"subjects": strings.Split(strings.Repeat("s,", 9999)+"s", ","), "bio": "Bio."}
		},
		"10,000-char password": func(in map[string]any) { in["password"] = strings.Repeat("Zq9!", 2500) },
	}
	i := 0
	for name, change := range tests {
		i++
		prefix := "hostile-reg-" + string(rune('a'+i))
		in := map[string]any{"email": prefix + "@example.com", "password": azPassword, "displayName": "Hostile"}
		if name == "1 MB email" {
			in["email"] = prefix
		}
		change(in)
		status, r := w.gql(t, "", hostileRegisterOp, map[string]any{"in": in})
		hostileWant(t, name, status, r, "BAD_USER_INPUT")
		if n := hostileStored(t, w, prefix); n != 0 {
			t.Errorf("%s: %d users stored", name, n)
		}
	}
}

// hostileUTF8 puts raw invalid UTF-8 bytes (not escapes) inside the JSON strings.
func hostileUTF8(t *testing.T, w *azWorld) {
	const bad = "\xff\xfe\xc3\x28"
	q, _ := json.Marshal(hostileRegisterOp)
	register := func(email, pw, name string) string {
		return `{"query":` + string(q) + `,"variables":{"in":{"email":"` + email + `","password":"` + pw +
			`","displayName":"` + name + `"}}}`
	}
	login, _ := json.Marshal(`mutation($e: String!, $p: String!) { login(email: $e, password: $p) { accessToken } }`)
	client := w.callers[azClient]
	tests := map[string]struct{ prefix, body string }{
		"display name":   {"hostile-utf8-a", register("hostile-utf8-a@example.com", azPassword, "Bob"+bad)},
		"email":          {"hostile-utf8-b", register("hostile-utf8-b"+bad+"@example.com", azPassword, "Bob")},
		"password":       {"hostile-utf8-c", register("hostile-utf8-c@example.com", azPassword+bad, "Bob")},
		"query":          {"hostile-utf8-d", `{"query":"{ serverInfo { version` + bad + ` } }"}`},
		"login email":    {"", `{"query":` + string(login) + `,"variables":{"e":"` + client.Email + bad + `","p":"` + azPassword + `"}}`},
		"login password": {"", `{"query":` + string(login) + `,"variables":{"e":"` + client.Email + `","p":"` + azPassword + bad + `"}}`},
	}
	get, err := http.Get(w.ts.URL + "/query?query=%7B%20serverInfo%20%7B%20version%FF%20%7D%20%7D")
	if err != nil {
		t.Fatal(err)
	}
	get.Body.Close()
	if get.StatusCode != http.StatusBadRequest {
		t.Errorf("GET with invalid UTF-8: status %d, want 400", get.StatusCode)
	}
	for name, tt := range tests {
		status, raw := hostileRaw(t, w, []byte(tt.body))
		var r gqlResponse
		_ = json.Unmarshal(raw, &r)
		if status >= 500 || (status < 400 && r.codes() != "BAD_USER_INPUT") {
			t.Errorf("%s: status %d, codes %q; want a 4xx or BAD_USER_INPUT: %.300s", name, status, r.codes(), raw)
		}
		if tt.prefix != "" {
			if n := hostileStored(t, w, tt.prefix); n != 0 {
				t.Errorf("%s: %d users stored", name, n)
			}
		}
	}
}

func hostileNUL(t *testing.T, w *azWorld) {
	const nul = "\x00"
	admin, client := w.token(azAdmin), w.token(azClient)
	reg := func(email, pw, name string) map[string]any {
		return map[string]any{"in": map[string]any{"email": email, "password": pw, "displayName": name}}
	}
	tests := []struct {
		name, token, op string
		vars            map[string]any
		code, prefix    string
	}{
		{"register display name", "", hostileRegisterOp, reg("hostile-nul-a@example.com", azPassword, "Bo"+nul+"b"), "BAD_USER_INPUT", "hostile-nul-a"},
		{"register email", "", hostileRegisterOp, reg("hostile-nul-b"+nul+"@example.com", azPassword, "Bob"), "BAD_USER_INPUT", "hostile-nul-b"},
		{"register password", "", hostileRegisterOp, reg("hostile-nul-c@example.com", azPassword+nul, "Bob"), "BAD_USER_INPUT", "hostile-nul-c"},
		{"login email", "", `mutation($e: String!) { login(email: $e, password: "x") { accessToken } }`, map[string]any{"e": "a" + nul + "@example.com"}, "UNAUTHENTICATED", ""},
		{"refresh token", "", `mutation($r: String!) { refreshSession(refreshToken: $r) { accessToken } }`, map[string]any{"r": nul}, "UNAUTHENTICATED", ""},
		{"API key name", client, `mutation($n: String!) { createApiKey(input: {name: $n, scopes: [READ]}) { secret } }`, map[string]any{"n": "k" + nul}, "BAD_USER_INPUT", ""},
		{"users search", admin, `query($s: String) { users(first: 1, filter: {search: $s}) { totalCount } }`, map[string]any{"s": "a" + nul}, "BAD_USER_INPUT", ""},
		{"audit log action", admin, `query($s: String) { auditLogs(first: 1, filter: {action: $s}) { totalCount } }`, map[string]any{"s": nul}, "BAD_USER_INPUT", ""},
		{"audit log target", admin, `query($s: String) { auditLogs(first: 1, filter: {targetId: $s}) { totalCount } }`, map[string]any{"s": nul}, "BAD_USER_INPUT", ""},
		{"node id", client, `query($id: ID!) { node(id: $id) { id } }`, map[string]any{"id": nul}, "BAD_USER_INPUT", ""},
	}
	for _, tt := range tests {
		status, r := w.gql(t, tt.token, tt.op, tt.vars)
		hostileWant(t, tt.name, status, r, tt.code)
		if tt.prefix != "" {
			if n := hostileStored(t, w, tt.prefix); n != 0 {
				t.Errorf("%s: %d users stored", tt.name, n)
			}
		}
	}
}

func hostileComplexity(t *testing.T, w *azWorld) {
	var wide strings.Builder
	wide.WriteString("{")
	for i := range 600 {
		wide.WriteString(" a" + strings.Repeat("x", i%3) + string(rune('a'+i%26)) + itoa(i) + ": serverInfo { version }")
	}
	wide.WriteString(" }")
	deep := "{ __type(name: \"User\") { " + strings.Repeat("ofType { ", 1100) + "name" + strings.Repeat(" }", 1100) + " } }"
	// gqlparser refuses deep nesting itself; the document limits refuse the rest.
	tests := []struct{ name, query, code string }{
		{"600 aliases", wide.String(), "QUERY_LIMIT_EXCEEDED"},
		{"1,100 levels of nesting", deep, "GRAPHQL_PARSE_FAILED"},
		{"nested introspection", "{ __schema { types { fields { type { fields { type { fields { type { fields { type { name } } } } } } } } } } }", "GRAPHQL_VALIDATION_FAILED"},
	}
	for _, tt := range tests {
		status, r := w.gql(t, w.token(azClient), tt.query, nil)
		hostileWant(t, tt.name, status, r, tt.code)
	}
	// Past the parser's token limit, a query is refused before it is even parsed whole.
	status, r := w.gql(t, w.token(azClient), strings.Repeat("{", 200_000), nil)
	if status < 400 || status >= 500 || len(r.Errors) == 0 {
		t.Errorf("200,000 open braces: status %d, codes %q", status, r.codes())
	}
}

func itoa(i int) string { b, _ := json.Marshal(i); return string(b) }

func hostileNodeIDs(t *testing.T, w *azWorld) {
	b64 := func(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }
	id := uuid.NewString()
	ids := map[string]string{
		"empty":             "",
		"not base64":        "!!!!",
		"plain text":        "hello",
		"no type":           b64(id),
		"not a uuid":        b64("User:not-a-uuid"),
		"unknown type":      b64("Nope:" + id),
		"not a node type":   b64("Session:" + id),
		"padded base64":     base64.URLEncoding.EncodeToString([]byte("User:" + id)),
		"trailing data":     b64("User:" + id + ":x"),
		"10 KB":             strings.Repeat("A", 10<<10),
		"unicode":           "ユーザー",
		"sql":               "' OR 1=1 --",
		"base64 of garbage": b64("\xff\xfe\x00"),
	}
	for name, gid := range ids {
		status, r := w.gql(t, w.token(azClient), `query($id: ID!) { node(id: $id) { id } }`, map[string]any{"id": gid})
		hostileWant(t, "node: "+name, status, r, "BAD_USER_INPUT")
		status, r = w.gql(t, w.token(azClient), `query($id: ID!) { nodes(ids: [$id]) { id } }`, map[string]any{"id": gid})
		hostileWant(t, "nodes: "+name, status, r, "BAD_USER_INPUT")
		if len(r.Errors) == 1 && r.Errors[0].Extensions["field"] != "ids" {
			t.Errorf("nodes: %s: field %v, want ids", name, r.Errors[0].Extensions["field"])
		}
	}
	many := make([]string, 101)
	for i := range many {
		many[i] = w.callers[azClient].ID
	}
	status, r := w.gql(t, w.token(azClient), `query($ids: [ID!]!) { nodes(ids: $ids) { id } }`, map[string]any{"ids": many})
	hostileWant(t, "101 ids", status, r, "BAD_USER_INPUT")
}
