package migrate_test

import (
	"context"
	"io/fs"
	"testing"
	"testing/fstest"
	"time"

	"github.com/google/uuid"

	"backbone/ent/answerrevision"
	"backbone/ent/fingerprint"
	"backbone/ent/privacy"
	"backbone/ent/question"
	"backbone/ent/user"
	"backbone/internal/migrate"
)

// until copies dir without the migrations from name on, atlas.sum rewritten to match: the
// directory as a database migrated before name saw it.
func until(t *testing.T, dir fs.FS, name string) fs.FS {
	t.Helper()
	out := fstest.MapFS{}
	for _, f := range fileNames(t, dir) {
		if f < name {
			out[f] = &fstest.MapFile{Data: []byte(mustRead(t, dir, f))}
		}
	}
	return edited(t, out, nil, true)
}

// TestAIVersionsAreUnindexed: the migration that stops indexing AI versions for the
// originality check removes the fingerprints they were given before, and keeps the
// expert answers'.
func TestAIVersionsAreUnindexed(t *testing.T) {
	t.Parallel()
	const name = "20261207194602_unindex_ai_versions.sql"
	for _, dia := range dialects {
		t.Run(dia.name, func(t *testing.T) {
			t.Parallel()
			ctx := privacy.DecisionContext(context.Background(), privacy.Allow)
			d := mustOpen(t, dia.url(t))
			dir := embedded(t, dia.name)
			if _, err := migrate.ApplyFS(ctx, d, until(t, dir, name), nil); err != nil {
				t.Fatalf("ApplyFS before %s: %v", name, err)
			}
			c := d.Client
			u, err := c.User.Create().SetEmail("client@example.com").SetPasswordHash("hash").
				SetDisplayName("Client").SetRole(user.RoleCLIENT).Save(ctx)
			if err != nil {
				t.Fatal(err)
			}
			q, err := c.Question.Create().SetClientID(u.ID).SetSubject("Physics").SetTitle("Sky").SetBody("Why blue?").
				SetUrgency(question.UrgencyNORMAL).SetDeadline(time.Now().Add(time.Hour)).SetPrice(10).Save(ctx)
			if err != nil {
				t.Fatal(err)
			}
			kept := map[answerrevision.Kind]bool{answerrevision.KindAI_DRAFT: false, answerrevision.KindREWRITE: false, answerrevision.KindEXPERT: true}
			revs := map[uuid.UUID]answerrevision.Kind{}
			for kind := range kept {
				r, err := c.AnswerRevision.Create().SetQuestionID(q.ID).SetKind(kind).SetBody("An answer.").Save(ctx)
				if err != nil {
					t.Fatal(err)
				}
				revs[r.ID] = kind
				for h := range int64(3) {
					if err := c.Fingerprint.Create().SetHash(h).SetQuestionID(q.ID).SetRevisionID(r.ID).Exec(ctx); err != nil {
						t.Fatal(err)
					}
				}
			}

			if n, err := migrate.ApplyFS(ctx, d, dir, nil); err != nil || n != len(fileNames(t, dir))-len(fileNames(t, until(t, dir, name))) {
				t.Fatalf("ApplyFS from %s = %d, %v", name, n, err)
			}
			for id, kind := range revs {
				n, err := c.Fingerprint.Query().Where(fingerprint.RevisionID(id)).Count(ctx)
				if err != nil {
					t.Fatal(err)
				}
				if want := map[bool]int{true: 3, false: 0}[kept[kind]]; n != want {
					t.Errorf("%s revision: %d fingerprints, want %d", kind, n, want)
				}
			}
		})
	}
}
