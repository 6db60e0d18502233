package main

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"backbone/internal/db"
	"backbone/internal/testenv"
)

// BenchmarkQuestionPage serves bench/http's P3 page (20 questions, each with its client,
// its expert and its answer) through the whole server on PostgreSQL, over loopback HTTP:
// the client's myQuestions and the admin's questions. Besides ns/op and allocs/op
// (server and client in one process) it reports the process's CPU time per page
// (cpu-ns/op, the steadier figure on a shared machine) and the SQL statements each page
// runs.
//
//	go test -run '^$' -bench BenchmarkQuestionPage -benchmem -count 6 ./server
func BenchmarkQuestionPage(b *testing.B) {
	testenv.NeedPostgres(b)
	const fields = `title status client { displayName } expert { displayName } answer { body }`
	p := newPageBench(b)
	for _, c := range []struct {
		name, field, token string
		viewer             uuid.UUID
	}{
		{"client", "myQuestions", p.clientToken, p.client},
		{"admin", "questions", p.adminToken, p.admin},
	} {
		query := `{ ` + c.field + `(first: 20) { edges { node { ` + fields + ` } } } }`
		body, _ := json.Marshal(map[string]any{"query": query})
		b.Run(c.name, func(b *testing.B) {
			var stmts int64
			for i := range 2 { // the first request verifies the token
				stmts = p.counter.statements(c.viewer, func() { p.page(b, c.token, query, c.field) })
				if i == 1 && stmts > 4 {
					b.Fatalf("%d statements for the page, want at most 4", stmts)
				}
			}
			b.ReportAllocs()
			cpu := processCPU(b)
			for b.Loop() {
				if out := p.post(b, c.token, body); bytes.Contains(out, []byte(`"errors"`)) {
					b.Fatalf("%.300s", out)
				}
			}
			b.ReportMetric(float64(processCPU(b)-cpu)/float64(b.N), "cpu-ns/op")
			b.ReportMetric(float64(stmts), "stmts/op")
		})
	}
}

type pageBench struct {
	url                     string
	http                    *http.Client
	counter                 *stmtCounter
	client, admin           uuid.UUID
	clientToken, adminToken string
}

// newPageBench starts the server on a fresh database and seeds it as bench/http does: a
// client with 20 delivered questions (each with an AI draft and the expert's answer, by
// two experts), and older questions of other clients.
func newPageBench(b *testing.B) *pageBench {
	url := testenv.NewPostgresDB(b)
	c := &stmtCounter{}
	env := map[string]string{"DATABASE_URL": url, "ADDR": "127.0.0.1:0", "LOG_LEVEL": "warn", "MAIL_DIR": b.TempDir(),
		// As bench/http: budgets the one caller never exhausts (still charged per request).
		"RATE_BUDGET_USER": "1000000000"}
	ctx, cancel := context.WithCancel(context.Background())
	ready, done, logs := make(chan string, 1), make(chan error, 1), &syncBuffer{}
	go func() { done <- serve(ctx, mapEnv(env), logs, ready, db.WithDriverWrap(c.wrap)) }()
	p := &pageBench{counter: c, http: &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 4}}}
	select {
	case addr := <-ready:
		p.url = "http://" + addr + "/query"
		b.Cleanup(func() { cancel(); <-done })
	case err := <-done:
		cancel()
		b.Fatalf("server did not start: %v\n%s", err, logs.String())
	case <-time.After(60 * time.Second):
		cancel()
		b.Fatalf("server did not start within 60s\n%s", logs.String())
	}
	conn, err := sql.Open("postgres", url)
	if err != nil {
		b.Fatal(err)
	}
	defer conn.Close()
	clientEmail, adminEmail := p.register(b, "bench-client"), p.register(b, "bench-admin")
	for _, u := range []struct {
		email string
		id    *uuid.UUID
	}{{clientEmail, &p.client}, {adminEmail, &p.admin}} {
		if err := conn.QueryRow(`SELECT id FROM users WHERE email = $1`, u.email).Scan(u.id); err != nil {
			b.Fatal(err)
		}
	}
	steps := []string{
		`UPDATE users SET role = 'ADMIN' WHERE id = '` + p.admin.String() + `'`,
		`INSERT INTO users (id, created_at, updated_at, email, password_hash, display_name, role, status, expert_status, expert_subjects)
SELECT gen_random_uuid(), now(), now(), 'bench-expert' || i || '@bench.invalid', 'x', 'Bench Expert ' || i, 'EXPERT', 'ACTIVE', 'APPROVED', '["Math"]'
FROM generate_series(1, 2) AS i`,
		`WITH c AS (
	INSERT INTO users (id, created_at, updated_at, email, password_hash, display_name, role, status)
	SELECT gen_random_uuid(), now(), now(), 'bench-other-' || i || '@bench.invalid', 'x', 'Other ' || i, 'CLIENT', 'ACTIVE'
	FROM generate_series(1, 50) AS i RETURNING id
), cs AS (SELECT array_agg(id) AS ids FROM c)
INSERT INTO questions (id, created_at, updated_at, subject, title, body, urgency, deadline, price, status, client_id)
SELECT gen_random_uuid(), now() - interval '1 day' - i * interval '1 minute', now(), 'Math', 'Older question ' || i,
       'Body of an older question ' || i, 'NORMAL', now() + interval '1 day', 20, 'SUBMITTED', cs.ids[1 + i % 50]
FROM generate_series(1, 2000) AS i, cs`,
		`INSERT INTO questions (id, created_at, updated_at, subject, title, body, urgency, deadline, price, status,
                       client_id, expert_id, delivered_at, auto_accept_at, revision_count, settings_version,
                       auto_accept_seconds, revision_limit, lease_seconds, platform_fee_bps)
SELECT gen_random_uuid(), now() - i * interval '1 second', now(), 'Math', 'Bench question ' || i,
       'What is ' || i || ' squared, and why?', 'NORMAL', now() + interval '1 day', 20, 'DELIVERED',
       '` + p.client.String() + `', (SELECT id FROM users WHERE email = 'bench-expert' || (1 + i % 2) || '@bench.invalid'),
       now(), now() + interval '3 days', 0, 1, 259200, 3, 3600, 2000
FROM generate_series(1, 20) AS i`,
		`INSERT INTO answer_revisions (id, created_at, kind, body, author_id, question_id)
SELECT gen_random_uuid(), q.delivered_at - interval '1 minute' + k.n * interval '10 seconds', k.kind,
       CASE k.kind WHEN 'EXPERT' THEN 'The expert''s answer to ' ELSE 'A draft for ' END || q.title,
       CASE k.kind WHEN 'EXPERT' THEN q.expert_id END, q.id
FROM questions q, (VALUES (0, 'AI_DRAFT'), (1, 'EXPERT')) AS k(n, kind)
WHERE q.status = 'DELIVERED'`,
		`ANALYZE`,
	}
	for _, s := range steps {
		if _, err := conn.Exec(s); err != nil {
			b.Fatalf("seed: %v\n%s", err, s)
		}
	}
	p.clientToken = p.login(b, clientEmail)
	p.adminToken = p.login(b, adminEmail) // a token with the admin's role
	return p
}

const pageBenchPassword = "correct horse battery staple"

func (p *pageBench) register(b *testing.B, name string) string {
	email := name + "@bench.invalid"
	var out struct {
		Register struct{ User struct{ ID string } }
	}
	p.gql(b, "", `mutation($in: RegisterInput!) { register(input: $in) { user { id } } }`,
		map[string]any{"in": map[string]any{"email": email, "password": pageBenchPassword, "displayName": "Bench " + name}}, &out)
	return email
}

func (p *pageBench) login(b *testing.B, email string) string {
	var out struct{ Login struct{ AccessToken string } }
	p.gql(b, "", `mutation($e: String!, $p: String!) { login(email: $e, password: $p) { accessToken } }`,
		map[string]any{"e": email, "p": pageBenchPassword}, &out)
	return out.Login.AccessToken
}

func (p *pageBench) gql(b *testing.B, token, query string, vars map[string]any, out any) {
	body, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
	var r gqlResponse
	if err := json.Unmarshal(p.post(b, token, body), &r); err != nil || len(r.Errors) > 0 {
		b.Fatalf("%s: %v %+v", query, err, r.Errors)
	}
	if err := json.Unmarshal(r.Data, out); err != nil {
		b.Fatal(err)
	}
}

// page posts the page and checks it: 20 questions, each with its expert and answer.
func (p *pageBench) page(b *testing.B, token, query, field string) {
	var out map[string]struct {
		Edges []struct {
			Node struct {
				Title  string
				Client struct{ DisplayName string }
				Expert *struct{ DisplayName string }
				Answer *struct{ Body string }
			}
		}
	}
	p.gql(b, token, query, nil, &out)
	edges := out[field].Edges
	if len(edges) != 20 {
		b.Fatalf("%s: %d questions, want 20", field, len(edges))
	}
	for _, e := range edges {
		if e.Node.Client.DisplayName == "" || e.Node.Expert == nil || e.Node.Answer == nil || !strings.HasPrefix(e.Node.Answer.Body, "The expert's answer") {
			b.Fatalf("%s: incomplete question %+v", field, e.Node)
		}
	}
}

func (p *pageBench) post(b *testing.B, token string, body []byte) []byte {
	req, _ := http.NewRequest(http.MethodPost, p.url, bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	res, err := p.http.Do(req)
	if err != nil {
		b.Fatal(err)
	}
	defer res.Body.Close()
	out, err := io.ReadAll(res.Body)
	if err != nil || res.StatusCode != http.StatusOK {
		b.Fatalf("status %d: %v %.300s", res.StatusCode, err, out)
	}
	return out
}
