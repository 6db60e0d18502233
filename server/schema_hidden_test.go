package main

import (
	"strings"
	"testing"
)

// TestTheSchemaStaysHiddenWhenItIsNotPublic: with introspection off, and in production
// even with it on, a mistake gets no "Did you mean" naming the schema; introspection
// while it is off is a client error; none of it is logged at ERROR.
func TestTheSchemaStaysHiddenWhenItIsNotPublic(t *testing.T) {
	t.Parallel()
	for _, env := range []map[string]string{
		{"INTROSPECTION": "false"},
		{"APP_ENV": "production", "JWT_SECRET": testJWTSecret, "DATA_ENCRYPTION_KEYS": testDataKeys, "INTROSPECTION": "true"},
	} {
		ts := startServer(t, withDefaults(env, embeddedEnv(t)))
		for _, q := range []string{`{ serverInf { version } }`, `{ users(firs: 1) { totalCount } }`} {
			_, r := ts.post(t, q, nil, nil)
			if r.codes() != "GRAPHQL_VALIDATION_FAILED" || strings.Contains(r.Errors[0].Message, "Did you mean") {
				t.Errorf("%v: %s: %v", env, q, r.Errors)
			}
		}
		if env["INTROSPECTION"] == "false" {
			if _, r := ts.post(t, `{ __schema { types { name } } }`, nil, nil); r.codes() != "GRAPHQL_VALIDATION_FAILED" {
				t.Errorf("introspection while off: %s %v", r.Data, r.Errors)
			}
		}
		if logs := ts.logs.String(); strings.Contains(logs, "level=ERROR") || strings.Contains(logs, `"level":"ERROR"`) {
			t.Errorf("%v: logged at ERROR:\n%s", env, logs)
		}
	}
}
