package settings_test

import (
	"context"
	"errors"
	"log/slog"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/redis/go-redis/v9"

	"backbone/ent"
	"backbone/ent/auditlog"
	"backbone/ent/privacy"
	"backbone/ent/user"
	"backbone/internal/bus"
	"backbone/internal/cache"
	"backbone/internal/db"
	"backbone/internal/dbtest"
	"backbone/internal/errs"
	"backbone/internal/memo"
	"backbone/internal/settings"
	"backbone/internal/testenv"
	"backbone/internal/viewer"
)

// dialects lists the databases the suite runs on, each a fresh migrated one.
var dialects = []struct {
	name string
	url  func(testing.TB) string
}{
	{"postgres", testenv.NewPostgresDB},
	{"sqlite", testenv.NewSQLiteURL},
}

// mustDB opens and migrates the database at url.
func mustDB(tb testing.TB, url string) *db.DB {
	tb.Helper()
	return dbtest.Open(tb, url)
}

// newService returns a settings service on d publishing on b (a fresh memory bus if nil).
func newService(tb testing.TB, d *db.DB, b bus.Bus, ttl time.Duration) *settings.Service {
	tb.Helper()
	if b == nil {
		b = bus.NewMemory()
		tb.Cleanup(func() { b.Close() })
	}
	return settings.New(settings.Deps{DB: d, Bus: b}, settings.Options{TTL: ttl})
}

// newSharedService returns a settings service of one server instance on d: its memo
// shares values in Redis and hears invalidations on a Redis bus of its own client, all
// under prefix, and its cache lasts an hour.
func newSharedService(tb testing.TB, d *db.DB, prefix string) *settings.Service {
	tb.Helper()
	opt, err := redis.ParseURL(testenv.NeedRedis(tb))
	if err != nil {
		tb.Fatal(err)
	}
	c := redis.NewClient(opt)
	b := bus.NewRedis(c, slog.New(slog.DiscardHandler), bus.WithChannelPrefix(prefix))
	m := memo.New(memo.Config{Name: "settings", Shared: cache.NewRedis(c, prefix+"cache:"), Bus: b})
	tb.Cleanup(func() { m.Close(); b.Close(); c.Close() })
	return settings.New(settings.Deps{DB: d, Memo: m}, settings.Options{TTL: time.Hour})
}

// mustViewer creates a user with role and returns a context in which it is the viewer.
func mustViewer(tb testing.TB, d *db.DB, role string) (uuid.UUID, context.Context) {
	tb.Helper()
	u, err := d.Client.User.Create().SetEmail(testenv.RandomName("u") + "@example.com").
		SetDisplayName("Test").SetPasswordHash("unusable").SetRole(user.Role(role)).Save(context.Background())
	if err != nil {
		tb.Fatalf("create user: %v", err)
	}
	return u.ID, viewer.With(context.Background(), viewer.Principal{UserID: u.ID, Role: role})
}

// mustGet reads the settings.
func mustGet(tb testing.TB, s *settings.Service) settings.Settings {
	tb.Helper()
	st, err := s.Get(context.Background())
	if err != nil {
		tb.Fatalf("Get: %v", err)
	}
	return st
}

// mustUpdate applies p as the viewer of ctx.
func mustUpdate(tb testing.TB, ctx context.Context, s *settings.Service, p settings.Patch) settings.Settings {
	tb.Helper()
	st, err := s.Update(ctx, p)
	if err != nil {
		tb.Fatalf("Update: %v", err)
	}
	return st
}

// auditRows returns the settings audit rows, oldest first.
func auditRows(tb testing.TB, c *ent.Client) []*ent.AuditLog {
	tb.Helper()
	rows, err := c.AuditLog.Query().Where(auditlog.Action(settings.AuditAction)).
		Order(ent.Asc(auditlog.FieldCreatedAt)).All(privacy.DecisionContext(context.Background(), privacy.Allow))
	if err != nil {
		tb.Fatal(err)
	}
	return rows
}

// fieldOf returns the code and the "field" extension of a coded error.
func fieldOf(err error) (errs.Code, any) {
	var e *errs.Error
	if !errors.As(err, &e) {
		return errs.CodeOf(err), nil
	}
	return e.Code, e.Extensions["field"]
}

// eventually polls cond until it holds or 10 s pass.
func eventually(tb testing.TB, what string, cond func() bool) {
	tb.Helper()
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		if cond() {
			return
		}
	}
	tb.Fatalf("timed out waiting until %s", what)
}

func ptr[T any](v T) *T { return &v }
