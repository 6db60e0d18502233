package gqlhttp_test

import (
	"encoding/json"
	"testing"

	"backbone/graph/gqlhttp"
)

// TestServerAudits ports the server audits of the graphql-http npm package (v1.23.1,
// audits/server) by their ids. Every MUST, SHOULD and MAY audit is expected to pass.
func TestServerAudits(t *testing.T) {
	t.Parallel()
	srv := newServer(t, gqlhttp.Transport{}, false, 0)
	post := func(ct, accept string, body any) result {
		var s string
		switch b := body.(type) {
		case nil:
		case string:
			s = b
		default:
			raw, err := json.Marshal(b)
			if err != nil {
				t.Fatal(err)
			}
			s = string(raw)
		}
		return do(t, srv, "POST", "", hdr(ct, accept), s)
	}
	get := func(accept string, kv ...string) result {
		return do(t, srv, "GET", gql(kv...), hdr("", accept), "")
	}
	typename := map[string]any{"query": "{ __typename }"}
	with := func(k string, v any) map[string]any { return map[string]any{"query": "{ __typename }", k: v} }
	typeQuery := map[string]any{"query": "query Type($name: String!) { __type(name: $name) { name } }", "variables": map[string]any{"name": "sometype"}}
	invalid := []any{map[string]any{"obj": "ect"}, 0, false, []any{"array"}}
	invalidMaps := []any{"string", 0, false, []any{"array"}}

	type audit struct {
		id         string
		name       string
		res        func() result
		wantStatus int    // exact status, or 0
		statusIn   [2]int // inclusive range when wantStatus is 0
		wantType   string // a Content-Type prefix, or ""
		noErrors   bool
		noData     bool
	}
	audits := []audit{
		{id: "22EB", name: "SHOULD accept application/graphql-response+json and match the content-type", res: func() result { return post(ctJSON, accGR, typename) }, wantStatus: 200, wantType: accGR},
		{id: "4655", name: "MUST accept application/json and match the content-type", res: func() result { return post(ctJSON, accJSON, typename) }, wantStatus: 200, wantType: accJSON},
		{id: "47DE", name: "SHOULD accept */* and use application/json for the content-type", res: func() result { return post(ctJSON, "*/*", typename) }, wantStatus: 200, wantType: accJSON},
		{id: "80D8", name: "SHOULD assume application/json content-type when accept is missing", res: func() result { return post(ctJSON, "", typename) }, wantStatus: 200, wantType: accJSON},
		{id: "82A3", name: "MUST use utf-8 encoding when responding", res: func() result { return post(ctJSON, "", typename) }, wantStatus: 200, wantType: "application/json; charset=utf-8"},
		{id: "BF61", name: "MUST accept utf-8 encoded request", res: func() result {
			return post("application/json; charset=utf-8", "", map[string]any{"query": `{ __type(name: "Run🏃Swim🏊") { name } }`})
		}, wantStatus: 200},
		{id: "78D5", name: "MUST assume utf-8 in request if encoding is unspecified", res: func() result { return post(ctJSON, "", typename) }, wantStatus: 200},
		{id: "2C94", name: "MUST accept POST requests", res: func() result { return post(ctJSON, "", typename) }, wantStatus: 200},
		{id: "5A70", name: "MAY accept application/x-www-form-urlencoded formatted GET requests", res: func() result { return get("", "query", "{ __typename }") }, wantStatus: 200},
		{id: "9C48", name: "MAY NOT allow executing mutations on GET requests", res: func() result { return get(accGR, "query", "mutation { __typename }") }, statusIn: [2]int{400, 499}},
		{id: "9ABE", name: "SHOULD respond with 4xx status code if content-type is not supplied on POST requests", res: func() result { return post("", "", typename) }, statusIn: [2]int{400, 499}},
		{id: "03D4", name: "MUST accept application/json POST requests", res: func() result { return post(ctJSON, "", typename) }, wantStatus: 200},
		{id: "A5BF", name: "MAY use 400 status code when request body is missing on POST", res: func() result { return post(ctJSON, "", nil) }, wantStatus: 400},
		{id: "423L", name: "MAY use 400 status code on missing {query} parameter", res: func() result { return post(ctJSON, accGR, map[string]any{"notquery": "{ __typename }"}) }, wantStatus: 400},
		{id: "34A2", name: "SHOULD allow string {query} parameter when accepting application/graphql-response+json", res: func() result { return post(ctJSON, accGR, typename) }, wantStatus: 200},
		{id: "13EE", name: "MUST allow string {query} parameter when accepting application/json", res: func() result { return post(ctJSON, accJSON, typename) }, wantStatus: 200, noErrors: true},
		{id: "8161", name: "SHOULD allow string {operationName} parameter when accepting application/graphql-response+json", res: func() result {
			return post(ctJSON, accGR, map[string]any{"operationName": "Query", "query": "query Query { __typename }"})
		}, wantStatus: 200},
		{id: "B8B3", name: "MUST allow string {operationName} parameter when accepting application/json", res: func() result {
			return post(ctJSON, accJSON, map[string]any{"operationName": "Query", "query": "query Query { __typename }"})
		}, wantStatus: 200, noErrors: true},
		{id: "2EA1", name: "SHOULD allow map {variables} parameter when accepting application/graphql-response+json", res: func() result { return post(ctJSON, accGR, typeQuery) }, wantStatus: 200},
		{id: "28B9", name: "MUST allow map {variables} parameter when accepting application/json", res: func() result { return post(ctJSON, accJSON, typeQuery) }, wantStatus: 200, noErrors: true},
		{id: "D6D5", name: "MAY allow URL-encoded JSON string {variables} parameter in GETs when accepting application/graphql-response+json", res: func() result {
			return get(accGR, "query", "query Type($name: String!) { __type(name: $name) { name } }", "variables", `{"name":"sometype"}`)
		}, wantStatus: 200, noErrors: true},
		{id: "6A70", name: "MAY allow URL-encoded JSON string {variables} parameter in GETs when accepting application/json", res: func() result {
			return get(accJSON, "query", "query Type($name: String!) { __type(name: $name) { name } }", "variables", `{"name":"sometype"}`)
		}, wantStatus: 200, noErrors: true},
		{id: "428F", name: "SHOULD allow map {extensions} parameter when accepting application/graphql-response+json", res: func() result { return post(ctJSON, accGR, with("extensions", map[string]any{"some": "value"})) }, wantStatus: 200},
		{id: "1B7A", name: "MUST allow map {extensions} parameter when accepting application/json", res: func() result { return post(ctJSON, accJSON, with("extensions", map[string]any{"some": "value"})) }, wantStatus: 200, noErrors: true},
		{id: "B6DC", name: "MAY use 2xx, 4xx, or 5xx status codes on JSON parsing failure when accepting application/json", res: func() result { return post(ctJSON, accJSON, `{ "not a JSON`) }, statusIn: [2]int{200, 599}},
		{id: "BCF8", name: "SHOULD use 400 status code on JSON parsing failure when accepting application/json", res: func() result { return post(ctJSON, accJSON, `{ "not a JSON`) }, wantStatus: 400},
		{id: "B7N8", name: "SHOULD use 400 status code on JSON parsing failure when accepting application/graphql-response+json", res: func() result { return post(ctJSON, accGR, `{ "not a JSON`) }, wantStatus: 400},
		{id: "8764", name: "MAY use 4xx or 5xx status codes if parameters are invalid", res: func() result { return post(ctJSON, "", map[string]any{"qeury": "{ __typename }"}) }, statusIn: [2]int{400, 599}},
		{id: "3E3A", name: "MAY use 400 status code if parameters are invalid", res: func() result { return post(ctJSON, "", map[string]any{"qeury": "{ __typename }"}) }, wantStatus: 400},
		{id: "572B", name: "SHOULD use 200 status code on document parsing failure when accepting application/json", res: func() result { return post(ctJSON, accJSON, map[string]any{"query": "{"}) }, wantStatus: 200},
		{id: "FDE2", name: "SHOULD use 200 status code on document validation failure when accepting application/json", res: func() result {
			return post(ctJSON, accJSON, map[string]any{"query": "{ 8f31403dfe404bccbb0e835f2629c6a7 }"})
		}, wantStatus: 200},
		{id: "7B9B", name: "SHOULD use a status code of 200 on variable coercion failure when accepting application/json", res: func() result {
			return post(ctJSON, accJSON, map[string]any{"query": "query CoerceFailure($id: ID!){ __typename }", "variables": map[string]any{"id": nil}})
		}, wantStatus: 200},
		{id: "865D", name: "SHOULD use 4xx or 5xx status codes on document parsing failure when accepting application/graphql-response+json", res: func() result { return post(ctJSON, accGR, map[string]any{"query": "{"}) }, statusIn: [2]int{400, 599}},
		{id: "556A", name: "SHOULD use 400 status code on document parsing failure when accepting application/graphql-response+json", res: func() result { return post(ctJSON, accGR, map[string]any{"query": "{"}) }, wantStatus: 400},
		{id: "D586", name: "SHOULD not contain the data entry on document parsing failure when accepting application/graphql-response+json", res: func() result { return post(ctJSON, accGR, map[string]any{"query": "{"}) }, statusIn: [2]int{100, 599}, noData: true},
		{id: "51FE", name: "SHOULD use 4xx or 5xx status codes on document validation failure when accepting application/graphql-response+json", res: func() result {
			return post(ctJSON, accGR, map[string]any{"query": "{ 8f31403dfe404bccbb0e835f2629c6a7 }"})
		}, statusIn: [2]int{400, 599}},
		{id: "74FF", name: "SHOULD use 400 status code on document validation failure when accepting application/graphql-response+json", res: func() result {
			return post(ctJSON, accGR, map[string]any{"query": "{ 8f31403dfe404bccbb0e835f2629c6a7 }"})
		}, wantStatus: 400},
		{id: "5E5B", name: "SHOULD not contain the data entry on document validation failure when accepting application/graphql-response+json", res: func() result {
			return post(ctJSON, accGR, map[string]any{"query": "{ 8f31403dfe404bccbb0e835f2629c6a7 }"})
		}, statusIn: [2]int{100, 599}, noData: true},
		{id: "86EE", name: "SHOULD use a status code of 400 on variable coercion failure when accepting application/graphql-response+json", res: func() result {
			return post(ctJSON, accGR, map[string]any{"query": "query CoerceFailure($id: ID!){ __typename }", "variables": map[string]any{"id": nil}})
		}, wantStatus: 400},
	}
	for i, v := range invalid {
		audits = append(audits,
			audit{id: "LKJ" + itoa(i), name: "MAY use 400 status code on invalid {query} parameter", res: func() result { return post(ctJSON, "", map[string]any{"query": v}) }, wantStatus: 400},
			audit{id: "6C0" + itoa(i), name: "MAY use 400 status code on invalid {operationName} parameter", res: func() result { return post(ctJSON, "", with("operationName", v)) }, wantStatus: 400})
	}
	for i, v := range invalidMaps {
		audits = append(audits,
			audit{id: "476" + itoa(i), name: "MAY use 400 status code on invalid {variables} parameter", res: func() result { return post(ctJSON, "", with("variables", v)) }, wantStatus: 400},
			audit{id: "58B" + itoa(i), name: "MAY use 400 status code on invalid {extensions} parameter", res: func() result { return post(ctJSON, "", with("extensions", v)) }, wantStatus: 400})
	}
	for i, p := range []string{"variables", "operationName", "extensions"} {
		audits = append(audits,
			audit{id: "94B" + itoa(i), name: "SHOULD allow null {" + p + "} parameter when accepting application/graphql-response+json", res: func() result { return post(ctJSON, accGR, with(p, nil)) }, wantStatus: 200, noErrors: true},
			audit{id: "022" + itoa(i), name: "MUST allow null {" + p + "} parameter when accepting application/json", res: func() result { return post(ctJSON, accJSON, with(p, nil)) }, wantStatus: 200, noErrors: true})
	}

	for _, a := range audits {
		t.Run(a.id+" "+a.name, func(t *testing.T) {
			t.Parallel()
			got := a.res()
			switch {
			case a.wantStatus != 0 && got.status != a.wantStatus:
				t.Errorf("status = %d, want %d", got.status, a.wantStatus)
			case a.wantStatus == 0 && (got.status < a.statusIn[0] || got.status > a.statusIn[1]):
				t.Errorf("status = %d, want %d..%d", got.status, a.statusIn[0], a.statusIn[1])
			}
			if a.wantType != "" && (len(got.contentType) < len(a.wantType) || got.contentType[:len(a.wantType)] != a.wantType) {
				t.Errorf("Content-Type = %q, want %q", got.contentType, a.wantType)
			}
			if a.noErrors && len(got.codes) != 0 {
				t.Errorf("errors %v, want none", got.codes)
			}
			if a.noData && got.hasData {
				t.Errorf("data entry present, want none")
			}
		})
	}
}

func itoa(i int) string { return string(rune('0' + i)) }
