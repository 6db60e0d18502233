package main

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"os/exec"
	"path/filepath"

	"github.com/google/uuid"

	"backbone/internal/db"
	"backbone/internal/migrate"
	"backbone/internal/questions"
	"backbone/internal/settings"
	"backbone/internal/viewer"
	"backbone/internal/wallet"
)

// buildServer compiles the server command (by import path: the tool runs inside the module).
func buildServer(ctx context.Context, dir string) (string, error) {
	bin := filepath.Join(dir, "backbone")
	if out, err := exec.CommandContext(ctx, "go", "build", "-o", bin, "backbone/server").CombinedOutput(); err != nil {
		return "", fmt.Errorf("go build backbone/server: %w\n%s", err, out)
	}
	return bin, nil
}

// benchEnv is this process's side of the run: the database and the questions service
// the submissions go through, and the clients who submit.
type benchEnv struct {
	db        *db.DB
	questions *questions.Service
	clients   []uuid.UUID
	subject   string
	// autovacuum is the server's setting. When it is off the scratch database is vacuumed
	// and analyzed before each phase instead: without statistics PostgreSQL guesses 0.5%
	// of a table's rows per value, so once the fingerprints table holds some 100,000 rows
	// the originality check's estimated cost passes jit_above_cost and every check pays
	// tens of milliseconds of JIT compilation, which no server with autovacuum would.
	autovacuum bool
}

func (e *benchEnv) close() { _ = e.db.Close() }

// prepare migrates the database and adds the submitters' clients, each with credits for
// every round's questions, granted by an admin through the wallet service.
func prepare(ctx context.Context, dbURL string, o options) (*benchEnv, error) {
	d, err := db.Open(ctx, dbURL, nil)
	if err != nil {
		return nil, err
	}
	env := &benchEnv{db: d}
	if err := env.setUp(ctx, o); err != nil {
		d.Close()
		return nil, err
	}
	return env, nil
}

func (e *benchEnv) setUp(ctx context.Context, o options) error {
	if _, err := migrate.Apply(ctx, e.db, nil); err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	var av string
	if err := e.db.SQL.QueryRowContext(ctx, "SHOW autovacuum").Scan(&av); err != nil {
		return err
	}
	e.autovacuum = av == "on"
	if !e.autovacuum {
		logf("autovacuum is off on this PostgreSQL server: the scratch database is vacuumed and analyzed before each phase instead")
	}
	set := settings.New(settings.Deps{DB: e.db}, settings.Options{})
	w, err := wallet.NewService(wallet.Deps{Client: e.db.Client}, wallet.Options{})
	if err != nil {
		return err
	}
	e.questions = questions.New(questions.Deps{DB: e.db, Wallet: w, Settings: set}, questions.Options{})
	cur, err := set.Get(ctx)
	if err != nil {
		return err
	}
	if !cur.AIPipelineEnabled || cur.AIDailyTokenBudget != 0 {
		return fmt.Errorf("default settings changed: AI pipeline %v, daily token budget %d", cur.AIPipelineEnabled, cur.AIDailyTokenBudget)
	}
	e.subject = cur.Subjects[0]
	price, _ := cur.Price(e.subject, settings.UrgencyNormal)

	admin := uuid.New()
	if err := insertUser(ctx, e.db.SQL, admin, "ADMIN"); err != nil {
		return err
	}
	adminCtx := viewer.With(ctx, viewer.Principal{UserID: admin, Role: viewer.RoleAdmin})
	// A few clients submit every question of a round: no per-client hourly limit.
	unlimited := 0
	if _, err := set.Update(adminCtx, settings.Patch{QuestionsPerHour: &unlimited}); err != nil {
		return fmt.Errorf("lift questionsPerHour: %w", err)
	}
	// Each submitter has a wallet of its own (holds on one wallet queue behind its row
	// lock), with credits for every question of every round: they take questions from a
	// shared list, so one may ask more than its share.
	need := price * int64(o.questions*len(o.workers))
	for range o.submitters {
		id := uuid.New()
		if err := insertUser(ctx, e.db.SQL, id, "CLIENT"); err != nil {
			return err
		}
		for i, left := 0, need; left > 0; i, left = i+1, left-wallet.MaxPurchase {
			_, err := w.GrantCredits(adminCtx, wallet.GrantInput{UserID: id, Amount: min(left, wallet.MaxPurchase),
				Reason: "bench/pipeline", IdempotencyKey: fmt.Sprintf("bench-grant-%s-%d", id, i)})
			if err != nil {
				return fmt.Errorf("grant credits: %w", err)
			}
		}
		e.clients = append(e.clients, id)
	}
	return nil
}

// insertUser adds an active user of role who cannot sign in (no password matches the hash),
// with a verified address, so that its clients may submit questions.
func insertUser(ctx context.Context, conn *sql.DB, id uuid.UUID, role string) error {
	_, err := conn.ExecContext(ctx, `
INSERT INTO users (id, created_at, updated_at, email, password_hash, display_name, role, status, email_verified)
VALUES ($1, now(), now(), $2, '!bench: no password', $3, $4, 'ACTIVE', true)`,
		id, "bench-"+id.String()+"@bench.invalid", "Bench "+role, role)
	if err != nil {
		return fmt.Errorf("insert %s: %w", role, err)
	}
	return nil
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
