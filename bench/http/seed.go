package main

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/google/uuid"
	_ "github.com/lib/pq" // the seeding connection's driver

	"backbone/internal/auth/token"
)

// pageSize is the page P3 reads: 20 questions, each with its client, expert and
// delivered answer.
const pageSize = 20

// people are the seeded users the workloads act as.
type people struct {
	Admin, Client               uuid.UUID
	AdminSession, ClientSession uuid.UUID
}

// seed fills a migrated database: an admin, a client with pageSize delivered questions
// (each with an AI draft and its expert's answer, by two experts), and older questions of
// other clients, so that the page is the newest part of a larger table.
func seed(ctx context.Context, dbURL string, others int) (people, error) {
	conn, err := sql.Open("postgres", dbURL)
	if err != nil {
		return people{}, err
	}
	defer conn.Close()
	var p people
	const hash = "$argon2id$v=19$m=64,t=1,p=1$c2FsdHNhbHRzYWx0c2FsdA$bm9wYXNzd29yZG1hdGNoZXN0aGlzaGFzaA" // matches no password
	steps := []struct {
		stmt string
		args []any
	}{
		{`INSERT INTO users (id, created_at, updated_at, email, password_hash, display_name, role, status, expert_status, expert_subjects)
SELECT gen_random_uuid(), now(), now(), 'bench-' || lower(r) || '@bench.invalid', $1, 'Bench ' || initcap(lower(r)), r, 'ACTIVE',
       CASE WHEN r = 'EXPERT' THEN 'APPROVED' END, CASE WHEN r = 'EXPERT' THEN '["Math"]'::jsonb END
FROM unnest(ARRAY['ADMIN', 'CLIENT', 'EXPERT']) AS r`, []any{hash}},
		{`INSERT INTO users (id, created_at, updated_at, email, password_hash, display_name, role, status, expert_status, expert_subjects)
VALUES (gen_random_uuid(), now(), now(), 'bench-expert2@bench.invalid', $1, 'Bench Expert Two', 'EXPERT', 'ACTIVE', 'APPROVED', '["Math"]')`, []any{hash}},
		// Older questions of other clients: the admin's list pages past none of them.
		{`WITH c AS (
	INSERT INTO users (id, created_at, updated_at, email, password_hash, display_name, role, status)
	SELECT gen_random_uuid(), now(), now(), 'bench-other-' || i || '@bench.invalid', $1, 'Other ' || i, 'CLIENT', 'ACTIVE'
	FROM generate_series(1, 50) AS i RETURNING id
), cs AS (SELECT array_agg(id) AS ids FROM c)
INSERT INTO questions (id, created_at, updated_at, subject, title, body, urgency, deadline, price, status, client_id)
SELECT gen_random_uuid(), now() - interval '1 day' - i * interval '1 minute', now(), 'Math', 'Older question ' || i,
       'Body of an older question ' || i, 'NORMAL', now() + interval '1 day', 20, 'SUBMITTED', cs.ids[1 + i % 50]
FROM generate_series(1, $2::int) AS i, cs`, []any{hash, others}},
		{`INSERT INTO questions (id, created_at, updated_at, subject, title, body, urgency, deadline, price, status,
                       client_id, expert_id, delivered_at, auto_accept_at, revision_count, settings_version,
                       auto_accept_seconds, revision_limit, lease_seconds, platform_fee_bps)
SELECT gen_random_uuid(), now() - i * interval '1 second', now(), 'Math', 'Bench question ' || i,
       'What is ' || i || ' squared, and why?', 'NORMAL', now() + interval '1 day', 20, 'DELIVERED',
       (SELECT id FROM users WHERE email = 'bench-client@bench.invalid'),
       (SELECT id FROM users WHERE email = CASE WHEN i % 2 = 0 THEN 'bench-expert@bench.invalid' ELSE 'bench-expert2@bench.invalid' END),
       now(), now() + interval '3 days', 0, 1, 259200, 3, 3600, 2000
FROM generate_series(1, $1::int) AS i`, []any{pageSize}},
		{`INSERT INTO answer_revisions (id, created_at, kind, body, author_id, question_id)
SELECT gen_random_uuid(), q.delivered_at - interval '1 minute' + k.n * interval '10 seconds', k.kind,
       CASE k.kind WHEN 'EXPERT' THEN 'The expert''s answer to ' ELSE 'A draft for ' END || q.title,
       CASE k.kind WHEN 'EXPERT' THEN q.expert_id END, q.id
FROM questions q, (VALUES (0, 'AI_DRAFT'), (1, 'EXPERT')) AS k(n, kind)
WHERE q.status = 'DELIVERED'`, nil},
		{`ANALYZE`, nil},
	}
	for _, s := range steps {
		if _, err := conn.ExecContext(ctx, s.stmt, s.args...); err != nil {
			return people{}, fmt.Errorf("seed: %w\n%s", err, s.stmt)
		}
	}
	for _, u := range []struct {
		email    string
		id, sess *uuid.UUID
	}{{"bench-admin@bench.invalid", &p.Admin, &p.AdminSession}, {"bench-client@bench.invalid", &p.Client, &p.ClientSession}} {
		err := conn.QueryRowContext(ctx, `
INSERT INTO sessions (id, created_at, updated_at, expires_at, last_used_at, user_id)
SELECT gen_random_uuid(), now(), now(), now() + interval '1 day', now(), id FROM users WHERE email = $1
RETURNING user_id, id`, u.email).Scan(u.id, u.sess)
		if err != nil {
			return people{}, fmt.Errorf("seed session: %w", err)
		}
	}
	return p, nil
}

// mint signs an access token for a user and session with the servers' key.
func mint(secret, issuer, audience, user, role, session string) (string, error) {
	keys, err := token.FromSecret(secret)
	if err != nil {
		return "", err
	}
	iss := &token.Issuer{Keys: keys, Issuer: issuer, Audience: audience, TTL: 2 * time.Hour}
	tok, _, err := iss.Issue(user, role, session)
	return tok, err
}
