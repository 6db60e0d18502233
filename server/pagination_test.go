package main

import "testing"

func TestPageSizeIsBounded(t *testing.T) {
	t.Parallel()
	ts := startServer(t, embeddedEnv(t))
	for _, q := range []string{
		`{ users(first: 101) { totalCount } }`,
		`{ users(last: 100000) { totalCount } }`,
		`{ auditLogs(first: -1) { totalCount } }`,
		`{ myQuestions(first: 1, last: 1) { totalCount } }`,
	} {
		if _, r := ts.post(t, q, nil, nil); r.codes() != "BAD_USER_INPUT" {
			t.Errorf("%s: codes %q, want BAD_USER_INPUT", q, r.codes())
		}
	}
}
