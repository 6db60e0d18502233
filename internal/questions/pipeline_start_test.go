package questions_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"entgo.io/ent/dialect"
	entsql "entgo.io/ent/dialect/sql"

	"backbone/ent"
	"backbone/ent/pipelinestage"
	"backbone/internal/questions"
)

// statementLog is an ent driver's record of the statements it ran.
type statementLog struct {
	mu   sync.Mutex
	sqls []string
}

func (l *statementLog) add(args ...any) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.sqls = append(l.sqls, fmt.Sprint(args...))
}

// on counts the statements that name table, and empties the log.
func (l *statementLog) on(table string) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	n := 0
	for _, s := range l.sqls {
		if strings.Contains(s, `"`+table+`"`) {
			n++
		}
	}
	l.sqls = nil
	return n
}

// TestStartStageRecordsTheStartInOneStatement: starting a stage, which every stage of
// every question does, touches its pipeline_stages record with one statement (it read
// the record, updated it and read it back: three), and still counts each start and
// keeps the first one's time; a question that predates the records gets one.
func TestStartStageRecordsTheStartInOneStatement(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	log := &statementLog{}
	logged := *e.db
	logged.Client = ent.NewClient(ent.Driver(dialect.Debug(entsql.OpenDB(e.db.Dialect, e.db.SQL), log.add)))
	svc := questions.New(questions.Deps{DB: &logged, Wallet: e.wallet, Settings: e.settings}, questions.Options{Now: e.clock.Now})
	ctx := context.Background()
	_, cctx := e.client(t, 100)

	q := e.submitOnly(t, cctx)
	e.runStage(t, q.ID, questions.StageDraft, questions.StageResult{Text: aiText("the draft")})
	log.on("")
	w, err := svc.StartStage(ctx, q.ID, questions.StageRewrite)
	if err != nil || w == nil || w.Attempt != 1 {
		t.Fatalf("StartStage(REWRITE) = %+v, %v; want the first attempt", w, err)
	}
	if n := log.on("pipeline_stages"); n != 1 {
		t.Fatalf("starting a stage ran %d statements on pipeline_stages, want 1", n)
	}
	first := e.stages(t, q.ID)[questions.StageRewrite]
	if first.Status != pipelinestage.StatusRUNNING || first.Attempts != 1 || first.StartedAt == nil || !first.StartedAt.Equal(e.clock.Now()) {
		t.Fatalf("REWRITE after its start: %+v", first)
	}

	// A redelivered job starts the stage again: counted, the first start's time kept.
	e.clock.advance(time.Minute)
	if w, err := svc.StartStage(ctx, q.ID, questions.StageRewrite); err != nil || w == nil || w.Attempt != 2 {
		t.Fatalf("second StartStage(REWRITE) = %+v, %v; want the second attempt", w, err)
	}
	again := e.stages(t, q.ID)[questions.StageRewrite]
	if again.Attempts != 2 || !again.StartedAt.Equal(*first.StartedAt) || !again.UpdatedAt.Equal(e.clock.Now()) {
		t.Fatalf("REWRITE after a second start: %+v; want 2 attempts, started at %s", again, first.StartedAt)
	}

	// A question submitted before the records existed has none: the start makes it.
	old := e.submitOnly(t, cctx)
	if _, err := e.db.Client.PipelineStage.Delete().Where(pipelinestage.QuestionID(old.ID)).Exec(sys); err != nil {
		t.Fatal(err)
	}
	if w, err := svc.StartStage(ctx, old.ID, questions.StageDraft); err != nil || w == nil || w.Attempt != 1 {
		t.Fatalf("StartStage(DRAFT) without a record = %+v, %v", w, err)
	}
	if st := e.stages(t, old.ID)[questions.StageDraft]; st == nil || st.Status != pipelinestage.StatusRUNNING || st.Attempts != 1 || st.StartedAt == nil {
		t.Fatalf("DRAFT record made by the start: %+v", st)
	}
}
