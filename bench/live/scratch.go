package main

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"os/exec"
	"path/filepath"
	"time"

	"github.com/google/uuid"
	_ "github.com/lib/pq" // PostgreSQL driver for the admin and insert connections

	"backbone/internal/auth/password"
	"backbone/internal/auth/token"
	"backbone/internal/db"
	"backbone/internal/settings"
	"backbone/internal/viewer"
)

// benchSubject is the subject of every expert and event. The run adds it to the scratch
// database's settings (experts follow only the settings' subjects); no other deployment
// has it, so events that reach other servers on a shared Redis match none of their experts.
const benchSubject = "Bench"

// buildServer compiles ./server into dir and returns the binary's path.
func buildServer(ctx context.Context, root, dir string) (string, error) {
	bin := filepath.Join(dir, "backbone")
	cmd := exec.CommandContext(ctx, "go", "build", "-o", bin, "./server")
	cmd.Dir = root
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("go build ./server: %w\n%s", err, out)
	}
	return bin, nil
}

// expert is one inserted user and the access token the server will accept for it.
type expert struct {
	ID    uuid.UUID
	Token string
}

// placeholderHash is a valid argon2id hash that no password matches: nobody signs in.
var placeholderHash = func() string {
	h, err := password.NewHasher(password.Params{Memory: 64, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32})
	if err != nil {
		panic(err) // unreachable: the parameters are valid
	}
	return h.DummyHash()
}()

// insertExperts adds n approved experts of benchSubject, each with an open session, in
// one statement.
func insertExperts(ctx context.Context, dbURL string, n int) ([]uuid.UUID, []uuid.UUID, error) {
	conn, err := sql.Open("postgres", dbURL)
	if err != nil {
		return nil, nil, err
	}
	defer conn.Close()
	// The session rows make each token's sid name a real open session, as after a login.
	rows, err := conn.QueryContext(ctx, `
WITH u AS (
	INSERT INTO users (id, created_at, updated_at, email, password_hash, display_name,
	                   role, status, expert_status, expert_subjects)
	SELECT gen_random_uuid(), now(), now(), 'bench-expert-' || i || '@bench.invalid', $1,
	       'Bench Expert ' || i, 'EXPERT', 'ACTIVE', 'APPROVED', jsonb_build_array($2::text)
	FROM generate_series(1, $3::int) AS i
	RETURNING id
)
INSERT INTO sessions (id, created_at, updated_at, expires_at, last_used_at, user_id)
SELECT gen_random_uuid(), now(), now(), now() + interval '1 day', now(), u.id FROM u
RETURNING user_id, id`, placeholderHash, benchSubject, n)
	if err != nil {
		return nil, nil, fmt.Errorf("insert experts: %w", err)
	}
	defer rows.Close()
	users := make([]uuid.UUID, 0, n)
	sessions := make([]uuid.UUID, 0, n)
	for rows.Next() {
		var uid, sid uuid.UUID
		if err := rows.Scan(&uid, &sid); err != nil {
			return nil, nil, err
		}
		users, sessions = append(users, uid), append(sessions, sid)
	}
	if err := rows.Err(); err != nil {
		return nil, nil, err
	}
	if len(users) != n {
		return nil, nil, fmt.Errorf("inserted %d experts, want %d", len(users), n)
	}
	return users, sessions, nil
}

// mintTokens signs an EXPERT access token per user and session with the key the server
// is given (JWT_SECRET), living ttl: the server checks signature, claims and its memory
// of revoked sessions only, so no login is needed.
func mintTokens(secret, issuer, audience string, ttl time.Duration, users, sessions []uuid.UUID) ([]expert, error) {
	keys, err := token.FromSecret(secret)
	if err != nil {
		return nil, err
	}
	iss := &token.Issuer{Keys: keys, Issuer: issuer, Audience: audience, TTL: ttl}
	out := make([]expert, len(users))
	for i := range users {
		tok, _, err := iss.Issue(users[i].String(), "EXPERT", sessions[i].String())
		if err != nil {
			return nil, err
		}
		out[i] = expert{ID: users[i], Token: tok}
	}
	return out, nil
}

// addBenchSubject adds benchSubject, with a price at every urgency, to the marketplace
// settings through the settings service, as an admin of its own (the audit row names one).
func addBenchSubject(ctx context.Context, dbURL string) error {
	d, err := db.Open(ctx, dbURL, nil)
	if err != nil {
		return err
	}
	defer d.Close()
	var admin uuid.UUID
	err = d.SQL.QueryRowContext(ctx, `
INSERT INTO users (id, created_at, updated_at, email, password_hash, display_name, role, status)
VALUES (gen_random_uuid(), now(), now(), 'bench-admin@bench.invalid', $1, 'Bench Admin', 'ADMIN', 'ACTIVE')
RETURNING id`, placeholderHash).Scan(&admin)
	if err != nil {
		return fmt.Errorf("insert admin: %w", err)
	}
	svc := settings.New(settings.Deps{DB: d}, settings.Options{})
	cur, err := svc.Get(ctx)
	if err != nil {
		return err
	}
	patch := settings.Patch{Subjects: append(cur.Subjects, benchSubject)}
	for _, u := range settings.Urgencies {
		patch.Prices = append(patch.Prices, settings.Price{Subject: benchSubject, Urgency: u, Credits: 20})
	}
	_, err = svc.Update(viewer.With(ctx, viewer.Principal{UserID: admin, Role: viewer.RoleAdmin}), patch)
	return err
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
