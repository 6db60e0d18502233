package questions_test

import (
	"context"
	"testing"

	"github.com/google/uuid"

	"backbone/ent/privacy"
	"backbone/ent/user"
	"backbone/internal/testenv"
)

// TestUsersByIDReadsWhatEntReads: the loaders' plain SQL read of users gives every field
// ent gives, on both databases, except the password hash it leaves out.
func TestUsersByIDReadsWhatEntReads(t *testing.T) {
	t.Parallel()
	for name, url := range map[string]func(testing.TB) string{"postgres": testenv.NewPostgresDB, "sqlite": testenv.NewSQLiteURL} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			e := newEnvAt(t, url(t))
			clientID, _ := e.client(t, 0)
			expertID, _ := e.expert(t)
			sys := privacy.DecisionContext(context.Background(), privacy.Allow)
			e.db.Client.User.UpdateOneID(expertID).SetExpertBio("Teaches.\nPatiently.").ExecX(sys)
			ids := []uuid.UUID{clientID, expertID, e.adminID, uuid.New()} // the last is nobody
			got, err := e.svc.UsersByID(context.Background(), ids)
			if err != nil {
				t.Fatal(err)
			}
			want := e.db.Client.User.Query().Where(user.IDIn(ids...)).AllX(sys)
			if len(got) != 3 || len(want) != 3 {
				t.Fatalf("%d users read, ent %d; want 3", len(got), len(want))
			}
			for _, w := range want {
				g := got[w.ID]
				if g == nil || g.PasswordHash != "" || !g.CreatedAt.Equal(w.CreatedAt) || !g.UpdatedAt.Equal(w.UpdatedAt) ||
					g.Email != w.Email || g.DisplayName != w.DisplayName || g.Role != w.Role || g.Status != w.Status ||
					(g.ExpertStatus == nil) != (w.ExpertStatus == nil) || (g.ExpertStatus != nil && *g.ExpertStatus != *w.ExpertStatus) ||
					len(g.ExpertSubjects) != len(w.ExpertSubjects) || g.ExpertBio != w.ExpertBio || g.EmailVerified != w.EmailVerified {
					t.Fatalf("read %+v, ent %+v", g, w)
				}
				for i := range w.ExpertSubjects {
					if g.ExpertSubjects[i] != w.ExpertSubjects[i] {
						t.Fatalf("subjects %v, ent %v", g.ExpertSubjects, w.ExpertSubjects)
					}
				}
			}
			if got[expertID].ExpertBio == "" || len(got[expertID].ExpertSubjects) == 0 || !got[clientID].EmailVerified {
				t.Fatalf("the expert's profile or the client's verification was not read: %+v %+v", got[expertID], got[clientID])
			}
		})
	}
}
