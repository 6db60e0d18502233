package migrate_test

import (
	"backbone/ent/privacy"
	"context"
	"database/sql"
	"testing"

	"github.com/google/uuid"

	"backbone/ent/user"
	"backbone/internal/migrate"
)

func TestEntRoundTripOnMigratedDatabase(t *testing.T) {
	t.Parallel()
	for _, dia := range dialects {
		t.Run(dia.name, func(t *testing.T) {
			t.Parallel()
			// The round trip is about storage; reading across users is a service's explicit choice.
			ctx := privacy.DecisionContext(context.Background(), privacy.Allow)
			d := mustOpen(t, dia.url(t))
			if _, err := migrate.Apply(ctx, d, nil); err != nil {
				t.Fatalf("Apply: %v", err)
			}
			c := d.Client

			u, err := c.User.Create().SetEmail("ada@example.com").SetPasswordHash("hash").
				SetDisplayName("Ada").SetRole(user.RoleEXPERT).Save(ctx)
			if err != nil {
				t.Fatalf("create user: %v", err)
			}
			meta := map[string]any{"reason": "signup", "attempt": float64(2)}
			a, err := c.AuditLog.Create().SetActor(u).SetAction("user.create").
				SetTargetType("user").SetTargetID(u.ID.String()).SetMetadata(meta).SetIP("203.0.113.7").Save(ctx)
			if err != nil {
				t.Fatalf("create audit log: %v", err)
			}

			gotU, err := c.User.Get(ctx, u.ID)
			if err != nil {
				t.Fatalf("get user: %v", err)
			}
			if gotU.Email != u.Email || gotU.Role != user.RoleEXPERT || gotU.Status != user.StatusACTIVE {
				t.Fatalf("user read back = %+v; want %+v", gotU, u)
			}
			if !gotU.CreatedAt.Equal(u.CreatedAt) || !gotU.UpdatedAt.Equal(u.UpdatedAt) {
				t.Fatalf("user times read back %v/%v; wrote %v/%v", gotU.CreatedAt, gotU.UpdatedAt, u.CreatedAt, u.UpdatedAt)
			}
			gotA, err := c.AuditLog.Get(ctx, a.ID)
			if err != nil {
				t.Fatalf("get audit log: %v", err)
			}
			if !gotA.CreatedAt.Equal(a.CreatedAt) {
				t.Fatalf("audit time read back %v; wrote %v", gotA.CreatedAt, a.CreatedAt)
			}
			if gotA.ActorID == nil || *gotA.ActorID != u.ID || gotA.Metadata["reason"] != "signup" || gotA.Metadata["attempt"] != float64(2) {
				t.Fatalf("audit log read back = %+v", gotA)
			}
			n, err := u.QueryAuditLogs().Count(ctx)
			if err != nil || n != 1 {
				t.Fatalf("user's audit logs = %d, %v; want 1", n, err)
			}

			if _, err := c.User.Create().SetEmail("Ada@Example.com").SetPasswordHash("h").SetDisplayName("A").Save(ctx); err == nil {
				t.Fatal("a mixed-case email was stored")
			}
			if _, err := c.User.Create().SetEmail("ada@example.com").SetPasswordHash("h").SetDisplayName("A").Save(ctx); err == nil {
				t.Fatal("a duplicate email was stored")
			}
		})
	}
}

func TestMigratedDatabaseEnforcesForeignKeys(t *testing.T) {
	t.Parallel()
	for _, dia := range dialects {
		t.Run(dia.name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			d := mustOpen(t, dia.url(t))
			if _, err := migrate.Apply(ctx, d, nil); err != nil {
				t.Fatalf("Apply: %v", err)
			}
			// Hold the whole SQLite pool (4 on this machine, more with more CPUs: at least the
			// idle ones) at once so that the connection the migration used is among them.
			conns := make([]*sql.Conn, 0, 4)
			for range cap(conns) {
				conn, err := d.SQL.Conn(ctx)
				if err != nil {
					t.Fatal(err)
				}
				conns = append(conns, conn)
			}
			for _, conn := range conns {
				if d.Driver() == "sqlite" {
					var on int
					if err := conn.QueryRowContext(ctx, "PRAGMA foreign_keys").Scan(&on); err != nil || on != 1 {
						t.Fatalf("a pooled connection has foreign_keys = %d (%v)", on, err)
					}
				}
			}
			for _, conn := range conns {
				conn.Close()
			}
			if _, err := d.Client.AuditLog.Create().SetActorID(uuid.New()).SetAction("x").Save(ctx); err == nil {
				t.Fatal("an audit log with an unknown actor was stored")
			}
		})
	}
}
