package gqlhttp_test

import (
	"net/http"
	"slices"
	"strings"
	"testing"

	"backbone/graph/gqlhttp"
	"backbone/internal/errs"
)

// hdr builds request headers: Content-Type then Accept ("" leaves one out).
func hdr(contentType, accept string) map[string]string {
	h := map[string]string{}
	if contentType != "" {
		h["Content-Type"] = contentType
	}
	if accept != "" {
		h["Accept"] = accept
	}
	return h
}

const (
	ctJSON  = "application/json"
	accGR   = "application/graphql-response+json"
	accJSON = "application/json"
	okQuery = `{"query":"{ name }"}`
)

// data says whether a response must have a data entry.
type data int

const (
	anyData data = iota
	withData
	noData
)

func TestTransport(t *testing.T) {
	t.Parallel()
	big := `{"query":"{ name }","extensions":{"pad":"` + strings.Repeat("x", 200) + `"}}`
	tests := []struct {
		name       string
		transport  gqlhttp.Transport
		failing    bool // gqlgen's NewError schema: data null plus a field error
		complexity int
		method     string
		query      string
		header     map[string]string
		body       string
		wantStatus int
		wantType   string
		wantData   data
		wantCode   string
		wantAllow  string
	}{
		// Accept negotiation.
		{name: "no Accept answers application/json", method: "POST", header: hdr(ctJSON, ""), body: okQuery, wantStatus: 200, wantType: jsonCT, wantData: withData},
		{name: "Accept application/json", method: "POST", header: hdr(ctJSON, accJSON), body: okQuery, wantStatus: 200, wantType: jsonCT, wantData: withData},
		{name: "Accept graphql-response+json", method: "POST", header: hdr(ctJSON, accGR), body: okQuery, wantStatus: 200, wantType: grCT, wantData: withData},
		{name: "Accept */* answers application/json", method: "POST", header: hdr(ctJSON, "*/*"), body: okQuery, wantStatus: 200, wantType: jsonCT},
		{name: "Accept application/* answers application/json", method: "POST", header: hdr(ctJSON, "application/*"), body: okQuery, wantStatus: 200, wantType: jsonCT},
		{name: "both acceptable prefers graphql-response+json", method: "POST", header: hdr(ctJSON, "application/json, application/graphql-response+json"), body: okQuery, wantStatus: 200, wantType: grCT},
		{name: "spec's recommended Accept gets graphql-response+json", method: "POST", header: hdr(ctJSON, "application/graphql-response+json, application/json;q=0.9"), body: okQuery, wantStatus: 200, wantType: grCT},
		{name: "higher q for application/json wins", method: "POST", header: hdr(ctJSON, "application/graphql-response+json;q=0.5, application/json"), body: okQuery, wantStatus: 200, wantType: jsonCT},
		{name: "named type beats wildcard at equal q", method: "POST", header: hdr(ctJSON, "*/*, application/graphql-response+json"), body: okQuery, wantStatus: 200, wantType: grCT},
		{name: "q=0 on json leaves the wildcard to graphql-response+json", method: "POST", header: hdr(ctJSON, "*/*, application/json;q=0"), body: okQuery, wantStatus: 200, wantType: grCT},
		{name: "low-q wildcard after unsupported type", method: "POST", header: hdr(ctJSON, "text/html, */*;q=0.1"), body: okQuery, wantStatus: 200, wantType: jsonCT},
		{name: "Accept with charset parameter", method: "POST", header: hdr(ctJSON, "application/json; charset=utf-8"), body: okQuery, wantStatus: 200, wantType: jsonCT},
		{name: "nothing acceptable is 406", method: "POST", header: hdr(ctJSON, "text/html"), body: okQuery, wantStatus: 406, wantType: jsonCT, wantData: noData, wantCode: string(errs.NotAcceptable)},
		{name: "only refused types is 406", method: "POST", header: hdr(ctJSON, "application/json;q=0, application/graphql-response+json;q=0"), body: okQuery, wantStatus: 406, wantCode: string(errs.NotAcceptable)},
		{name: "406 over GET too", method: "GET", query: gql("query", "{ name }"), header: hdr("", "image/png"), wantStatus: 406},

		// POST request checks.
		{name: "POST without Content-Type is 415", method: "POST", body: okQuery, wantStatus: 415, wantData: noData, wantCode: string(errs.UnsupportedMediaType)},
		{name: "POST text/plain is 415", method: "POST", header: hdr("text/plain", ""), body: okQuery, wantStatus: 415},
		{name: "POST application/graphql is 415", method: "POST", header: hdr("application/graphql", ""), body: "{ name }", wantStatus: 415},
		{name: "POST charset utf-8 parameter accepted", method: "POST", header: hdr("application/json; charset=utf-8", accGR), body: okQuery, wantStatus: 200, wantData: withData},
		{name: "POST other charset is 415", method: "POST", header: hdr("application/json; charset=latin1", ""), body: okQuery, wantStatus: 415},
		{name: "unparsable JSON is 400 for json", method: "POST", header: hdr(ctJSON, accJSON), body: `{"query":`, wantStatus: 400, wantType: jsonCT, wantData: noData, wantCode: string(errs.BadRequest)},
		{name: "unparsable JSON is 400 for graphql-response", method: "POST", header: hdr(ctJSON, accGR), body: `{"query":`, wantStatus: 400, wantType: grCT, wantData: noData},
		{name: "trailing garbage is 400", method: "POST", header: hdr(ctJSON, ""), body: okQuery + `x`, wantStatus: 400},
		{name: "empty body is 400", method: "POST", header: hdr(ctJSON, ""), wantStatus: 400, wantCode: string(errs.BadRequest)},
		{name: "body array is 400", method: "POST", header: hdr(ctJSON, ""), body: `[` + okQuery + `]`, wantStatus: 400},
		{name: "body string is 400", method: "POST", header: hdr(ctJSON, ""), body: `"{ name }"`, wantStatus: 400},
		{name: "body null is 400", method: "POST", header: hdr(ctJSON, ""), body: `null`, wantStatus: 400},
		{name: "query missing is 400", method: "POST", header: hdr(ctJSON, accGR), body: `{"notquery":"{ name }"}`, wantStatus: 400, wantData: noData, wantCode: string(errs.BadRequest)},
		{name: "query missing is 400 for json too", method: "POST", header: hdr(ctJSON, accJSON), body: `{"qeury":"{ name }"}`, wantStatus: 400},
		{name: "query is case-sensitive", method: "POST", header: hdr(ctJSON, ""), body: `{"Query":"{ name }"}`, wantStatus: 400},
		{name: "query null is 400", method: "POST", header: hdr(ctJSON, ""), body: `{"query":null}`, wantStatus: 400},
		{name: "query number is 400", method: "POST", header: hdr(ctJSON, ""), body: `{"query":0}`, wantStatus: 400},
		{name: "query object is 400", method: "POST", header: hdr(ctJSON, ""), body: `{"query":{"obj":"ect"}}`, wantStatus: 400},
		{name: "query array is 400", method: "POST", header: hdr(ctJSON, ""), body: `{"query":["{ name }"]}`, wantStatus: 400},
		{name: "query boolean is 400", method: "POST", header: hdr(ctJSON, ""), body: `{"query":false}`, wantStatus: 400},
		{name: "operationName number is 400", method: "POST", header: hdr(ctJSON, ""), body: `{"query":"{ name }","operationName":0}`, wantStatus: 400},
		{name: "operationName object is 400", method: "POST", header: hdr(ctJSON, ""), body: `{"query":"{ name }","operationName":{}}`, wantStatus: 400},
		{name: "operationName null is fine", method: "POST", header: hdr(ctJSON, accGR), body: `{"query":"{ name }","operationName":null}`, wantStatus: 200, wantData: withData},
		{name: "operationName string is fine", method: "POST", header: hdr(ctJSON, accGR), body: `{"query":"query Q { name }","operationName":"Q"}`, wantStatus: 200, wantData: withData},
		{name: "variables string is 400", method: "POST", header: hdr(ctJSON, ""), body: `{"query":"{ name }","variables":"{}"}`, wantStatus: 400},
		{name: "variables array is 400", method: "POST", header: hdr(ctJSON, ""), body: `{"query":"{ name }","variables":[]}`, wantStatus: 400},
		{name: "variables number is 400", method: "POST", header: hdr(ctJSON, ""), body: `{"query":"{ name }","variables":0}`, wantStatus: 400},
		{name: "variables null is fine", method: "POST", header: hdr(ctJSON, accGR), body: `{"query":"{ name }","variables":null}`, wantStatus: 200, wantData: withData},
		{name: "variables object is fine", method: "POST", header: hdr(ctJSON, accGR), body: `{"query":"query($id: Int!) { find(id: $id) }","variables":{"id":1}}`, wantStatus: 200, wantData: withData},
		{name: "extensions string is 400", method: "POST", header: hdr(ctJSON, ""), body: `{"query":"{ name }","extensions":"x"}`, wantStatus: 400},
		{name: "extensions boolean is 400", method: "POST", header: hdr(ctJSON, ""), body: `{"query":"{ name }","extensions":false}`, wantStatus: 400},
		{name: "extensions null is fine", method: "POST", header: hdr(ctJSON, accGR), body: `{"query":"{ name }","extensions":null}`, wantStatus: 200},
		{name: "extensions object is fine", method: "POST", header: hdr(ctJSON, accGR), body: `{"query":"{ name }","extensions":{"some":"value"}}`, wantStatus: 200},
		{name: "body over the transport limit is 413", transport: gqlhttp.Transport{MaxBodyBytes: 64}, method: "POST", header: hdr(ctJSON, ""), body: big, wantStatus: 413, wantData: noData, wantCode: string(errs.PayloadTooLarge)},
		{name: "body within the transport limit", transport: gqlhttp.Transport{MaxBodyBytes: 1024}, method: "POST", header: hdr(ctJSON, ""), body: big, wantStatus: 200},

		// GraphQL request errors: 200 for application/json, 400 for graphql-response+json, never data.
		{name: "parse failure is 200 for json", method: "POST", header: hdr(ctJSON, accJSON), body: `{"query":"{"}`, wantStatus: 200, wantType: jsonCT, wantData: noData, wantCode: "GRAPHQL_PARSE_FAILED"},
		{name: "parse failure is 400 for graphql-response", method: "POST", header: hdr(ctJSON, accGR), body: `{"query":"{"}`, wantStatus: 400, wantType: grCT, wantData: noData, wantCode: "GRAPHQL_PARSE_FAILED"},
		{name: "validation failure is 200 for json", method: "POST", header: hdr(ctJSON, accJSON), body: `{"query":"{ nope }"}`, wantStatus: 200, wantData: noData, wantCode: "GRAPHQL_VALIDATION_FAILED"},
		{name: "validation failure is 400 for graphql-response", method: "POST", header: hdr(ctJSON, accGR), body: `{"query":"{ nope }"}`, wantStatus: 400, wantData: noData, wantCode: "GRAPHQL_VALIDATION_FAILED"},
		{name: "empty query is a request error", method: "POST", header: hdr(ctJSON, accGR), body: `{"query":""}`, wantStatus: 400, wantData: noData, wantCode: "GRAPHQL_VALIDATION_FAILED"},
		{name: "variable coercion failure is 200 for json", method: "POST", header: hdr(ctJSON, accJSON), body: `{"query":"query($id: Int!) { find(id: $id) }","variables":{"id":null}}`, wantStatus: 200, wantData: noData, wantCode: "GRAPHQL_VALIDATION_FAILED"},
		{name: "variable coercion failure is 400 for graphql-response", method: "POST", header: hdr(ctJSON, accGR), body: `{"query":"query($id: Int!) { find(id: $id) }","variables":{"id":"x"}}`, wantStatus: 400, wantData: noData},
		{name: "unknown operationName is 400 for graphql-response", method: "POST", header: hdr(ctJSON, accGR), body: `{"query":"query Q { name }","operationName":"Other"}`, wantStatus: 400, wantData: noData},
		{name: "unknown operationName is 200 for json", method: "POST", header: hdr(ctJSON, accJSON), body: `{"query":"query Q { name }","operationName":"Other"}`, wantStatus: 200, wantData: noData},
		{name: "error presenter runs on request errors", method: "POST", header: hdr(ctJSON, accGR), body: `{"query":"{ nope }"}`, wantStatus: 400, wantCode: "GRAPHQL_VALIDATION_FAILED"},
		{name: "complexity limit is a request error", complexity: 10, method: "POST", header: hdr(ctJSON, accGR), body: okQuery, wantStatus: 400, wantData: noData, wantCode: "COMPLEXITY_LIMIT_EXCEEDED"},
		{name: "complexity limit is 200 for json", complexity: 10, method: "POST", header: hdr(ctJSON, accJSON), body: okQuery, wantStatus: 200, wantData: noData, wantCode: "COMPLEXITY_LIMIT_EXCEEDED"},

		// Responses after execution.
		{name: "null data with field error is 200 for graphql-response", failing: true, method: "POST", header: hdr(ctJSON, accGR), body: okQuery, wantStatus: 200, wantType: grCT, wantData: withData},
		{name: "null data with field error is 200 for json", failing: true, method: "POST", header: hdr(ctJSON, accJSON), body: okQuery, wantStatus: 200, wantData: withData},
		{name: "execution without data is 5xx for graphql-response", method: "POST", header: hdr(ctJSON, accGR), body: `{"query":"mutation { name }"}`, wantStatus: 500, wantData: noData},
		{name: "execution without data is 200 for json", method: "POST", header: hdr(ctJSON, accJSON), body: `{"query":"mutation { name }"}`, wantStatus: 200, wantData: noData},
		{name: "subscription over POST is refused", method: "POST", header: hdr(ctJSON, accGR), body: `{"query":"subscription { name }"}`, wantStatus: 400, wantData: noData, wantCode: string(errs.OperationNotSupported)},

		// GET.
		{name: "GET query", method: "GET", query: gql("query", "{ name }"), wantStatus: 200, wantType: jsonCT, wantData: withData},
		{name: "GET query graphql-response", method: "GET", query: gql("query", "{ name }"), header: hdr("", accGR), wantStatus: 200, wantType: grCT, wantData: withData},
		{name: "GET with JSON variables", method: "GET", query: gql("query", "query($id: Int!) { find(id: $id) }", "variables", `{"id":1}`), header: hdr("", accGR), wantStatus: 200, wantData: withData},
		{name: "GET with operationName", method: "GET", query: gql("query", "query A { name } mutation B { name }", "operationName", "A"), header: hdr("", accGR), wantStatus: 200, wantData: withData},
		{name: "GET with extensions", method: "GET", query: gql("query", "{ name }", "extensions", `{"some":"value"}`), wantStatus: 200},
		{name: "GET variables not JSON is 400", method: "GET", query: gql("query", "{ name }", "variables", `{id`), wantStatus: 400, wantCode: string(errs.BadRequest)},
		{name: "GET variables array is 400", method: "GET", query: gql("query", "{ name }", "variables", `[1]`), wantStatus: 400},
		{name: "GET extensions not JSON is 400", method: "GET", query: gql("query", "{ name }", "extensions", `nope`), wantStatus: 400},
		{name: "GET without query is 400", method: "GET", wantStatus: 400, wantCode: string(errs.BadRequest)},
		{name: "GET mutation is 405 with Allow POST", method: "GET", query: gql("query", "mutation { name }"), header: hdr("", accGR), wantStatus: 405, wantData: noData, wantAllow: "POST", wantCode: string(errs.MethodNotAllowed)},
		{name: "GET mutation is 405 for json too", method: "GET", query: gql("query", "mutation { name }"), header: hdr("", accJSON), wantStatus: 405, wantAllow: "POST"},
		{name: "GET mutation picked by operationName is 405", method: "GET", query: gql("query", "query A { name } mutation B { name }", "operationName", "B"), wantStatus: 405, wantAllow: "POST"},
		{name: "GET subscription is 405", method: "GET", query: gql("query", "subscription { name }"), wantStatus: 405, wantAllow: "POST"},
		{name: "GET parse failure is 400 for graphql-response", method: "GET", query: gql("query", "{"), header: hdr("", accGR), wantStatus: 400, wantData: noData},

		// Other methods.
		{name: "PUT is 405", method: "PUT", header: hdr(ctJSON, ""), body: okQuery, wantStatus: 405, wantAllow: "GET, POST, OPTIONS", wantCode: string(errs.MethodNotAllowed)},
		{name: "DELETE is 405", method: "DELETE", wantStatus: 405, wantAllow: "GET, POST, OPTIONS"},
		{name: "PATCH is 405", method: "PATCH", header: hdr(ctJSON, ""), body: okQuery, wantStatus: 405},
		{name: "OPTIONS lists the methods", method: "OPTIONS", wantStatus: 204, wantAllow: "GET, POST, OPTIONS"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv := newServer(t, tc.transport, tc.failing, tc.complexity)
			got := do(t, srv, tc.method, tc.query, tc.header, tc.body)
			if got.status != tc.wantStatus {
				t.Fatalf("status = %d, want %d (codes %v)", got.status, tc.wantStatus, got.codes)
			}
			if tc.wantType != "" && got.contentType != tc.wantType {
				t.Errorf("Content-Type = %q, want %q", got.contentType, tc.wantType)
			}
			if tc.wantStatus != http.StatusNoContent && !strings.HasSuffix(got.contentType, "; charset=utf-8") {
				t.Errorf("Content-Type = %q, want a utf-8 charset", got.contentType)
			}
			switch {
			case tc.wantData == withData && !got.hasData:
				t.Errorf("no data entry, want one")
			case tc.wantData == noData && got.hasData:
				t.Errorf("data entry %s, want none", got.data)
			}
			if tc.wantCode != "" && !slices.Contains(got.codes, tc.wantCode) {
				t.Errorf("error codes = %v, want %s", got.codes, tc.wantCode)
			}
			if tc.wantAllow != "" && got.allow != tc.wantAllow {
				t.Errorf("Allow = %q, want %q", got.allow, tc.wantAllow)
			}
		})
	}
}
