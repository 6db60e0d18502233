package migrate_test

import (
	"context"
	"io/fs"
	"testing"
	"testing/fstest"
	"time"

	"github.com/google/uuid"

	"backbone/ent"
	"backbone/ent/answerrevision"
	"backbone/ent/fingerprint"
	"backbone/ent/modelusage"
	"backbone/ent/pipelinestage"
	"backbone/ent/privacy"
	"backbone/ent/question"
	"backbone/ent/user"
	"backbone/internal/db"
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

// migrationAt is a database migrated up to, not including, one migration: a test writes
// the rows as they stood before it, then apply runs it and those after it.
type migrationAt struct {
	ctx  context.Context
	db   *db.DB
	dir  fs.FS
	name string
}

func beforeMigration(t *testing.T, dialect, url, name string) *migrationAt {
	t.Helper()
	m := &migrationAt{ctx: privacy.DecisionContext(context.Background(), privacy.Allow),
		db: mustOpen(t, url), dir: embedded(t, dialect), name: name}
	if _, err := migrate.ApplyFS(m.ctx, m.db, until(t, m.dir, name), nil); err != nil {
		t.Fatalf("ApplyFS before %s: %v", name, err)
	}
	return m
}

// apply runs the migration and every one after it.
func (m *migrationAt) apply(t *testing.T) {
	t.Helper()
	if n, err := migrate.ApplyFS(m.ctx, m.db, m.dir, nil); err != nil || n != len(fileNames(t, m.dir))-len(fileNames(t, until(t, m.dir, m.name))) {
		t.Fatalf("ApplyFS from %s = %d, %v", m.name, n, err)
	}
}

// aQuestion stores a client and a question of theirs.
func aQuestion(t *testing.T, ctx context.Context, c *ent.Client) *ent.Question {
	t.Helper()
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
	return q
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
			m := beforeMigration(t, dia.name, dia.url(t), name)
			ctx, c := m.ctx, m.db.Client
			q := aQuestion(t, ctx, c)
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

			m.apply(t)
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

// TestModelUsageStartsWithWhatTheStagesRecorded: the migration that adds the account of
// model tokens fills it with what the finished stages recorded, so that the day it runs
// the daily budget still counts what was spent before it.
func TestModelUsageStartsWithWhatTheStagesRecorded(t *testing.T) {
	t.Parallel()
	const name = "20261207215756_model_usage.sql"
	for _, dia := range dialects {
		t.Run(dia.name, func(t *testing.T) {
			t.Parallel()
			m := beforeMigration(t, dia.name, dia.url(t), name)
			ctx, c := m.ctx, m.db.Client
			q := aQuestion(t, ctx, c)
			finished := time.Now().Add(-time.Hour).Truncate(time.Second).UTC()
			stages := []*ent.PipelineStageCreate{
				c.PipelineStage.Create().SetQuestionID(q.ID).SetStage(pipelinestage.StageDRAFT).SetStatus(pipelinestage.StatusDONE).
					SetFinishedAt(finished).SetModel("m").SetPromptTokens(100).SetCompletionTokens(50),
				c.PipelineStage.Create().SetQuestionID(q.ID).SetStage(pipelinestage.StageREWRITE).SetStatus(pipelinestage.StatusFAILED).
					SetFinishedAt(finished).SetModel("m").SetPromptTokens(200).SetCompletionTokens(400),
				// Nothing spent: the check reads the index, not a model.
				c.PipelineStage.Create().SetQuestionID(q.ID).SetStage(pipelinestage.StageCHECK).SetStatus(pipelinestage.StatusDONE).
					SetFinishedAt(finished),
			}
			if err := c.PipelineStage.CreateBulk(stages...).Exec(ctx); err != nil {
				t.Fatal(err)
			}

			m.apply(t)
			rows, err := c.ModelUsage.Query().Order(ent.Asc(modelusage.FieldStage)).All(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if len(rows) != 2 || rows[0].Stage != modelusage.StageDRAFT || rows[0].PromptTokens+rows[0].CompletionTokens != 150 ||
				rows[1].Stage != modelusage.StageREWRITE || rows[1].PromptTokens+rows[1].CompletionTokens != 600 {
				t.Fatalf("model usage after the migration = %+v; want the draft's 150 tokens and the rewrite's 600", rows)
			}
			for _, r := range rows {
				if !r.CreatedAt.Equal(finished) || r.QuestionID != q.ID || r.Model != "m" {
					t.Errorf("usage %+v: want question %s, model m, spent at %s", r, q.ID, finished)
				}
			}
		})
	}
}

// TestEmailsAreRewrittenInNFC: the migration that follows NormalizeEmail's NFC rewrites on
// PostgreSQL an email stored in another form, unless another account already holds, or
// would hold, the same NFC form (both are then left); SQLite, without normalize() in SQL,
// keeps every email as it was.
func TestEmailsAreRewrittenInNFC(t *testing.T) {
	t.Parallel()
	const name = "20261207221500_nfc_emails.sql"
	const (
		nfc      = "\u00fc@ex\u00e4mple.com"
		nfd      = "u\u0308@exa\u0308mple.com"
		takenNFC = "j\u00f6@example.com"
		takenNFD = "jo\u0308@example.com"
		twinA    = "e\u0323\u0302@example.com" // two spellings of ệ, neither NFC
		twinB    = "e\u0302\u0323@example.com"
		composed = "caf\u00e9@example.com"
	)
	for _, dia := range dialects {
		t.Run(dia.name, func(t *testing.T) {
			t.Parallel()
			m := beforeMigration(t, dia.name, dia.url(t), name)
			ctx, c := m.ctx, m.db.Client
			ids := map[string]uuid.UUID{}
			for _, email := range []string{nfd, takenNFC, takenNFD, twinA, twinB, composed} {
				u, err := c.User.Create().SetEmail(email).SetPasswordHash("hash").
					SetDisplayName("User").SetRole(user.RoleCLIENT).Save(ctx)
				if err != nil {
					t.Fatal(err)
				}
				ids[email] = u.ID
			}

			m.apply(t)
			want := map[string]string{nfd: nfc, takenNFC: takenNFC, takenNFD: takenNFD, twinA: twinA, twinB: twinB, composed: composed}
			if dia.name == "sqlite" {
				want[nfd] = nfd
			}
			for before, after := range want {
				u, err := c.User.Get(ctx, ids[before])
				if err != nil {
					t.Fatal(err)
				}
				if u.Email != after {
					t.Errorf("%q became %q, want %q", before, u.Email, after)
				}
			}
		})
	}
}
