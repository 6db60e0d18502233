package questions_test

import (
	"context"
	"math/rand/v2"
	"sync"
	"testing"

	"github.com/google/uuid"

	"backbone/ent/assignment"
	"backbone/ent/privacy"
	"backbone/ent/question"
	"backbone/internal/errs"
	"backbone/internal/questions"
	"backbone/internal/settings"
)

func TestFiftyExpertsRacingForTenQuestionsMakeTenClaims(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	_, cctx := e.client(t, 1000)
	ids := make([]uuid.UUID, 10)
	for i := range ids {
		ids[i] = e.submit(t, cctx).ID
	}
	experts := make([]context.Context, 50)
	for i := range experts {
		_, experts[i] = e.expert(t)
	}
	var (
		wg      sync.WaitGroup
		mu      sync.Mutex
		won     = map[uuid.UUID]int{}
		unknown []error
	)
	start := make(chan struct{})
	for _, xctx := range experts {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			order := append([]uuid.UUID(nil), ids...)
			rand.Shuffle(len(order), func(i, j int) { order[i], order[j] = order[j], order[i] })
			for _, id := range order {
				_, err := e.svc.Claim(xctx, id)
				mu.Lock()
				switch {
				case err == nil:
					won[id]++
				case errs.CodeOf(err) != errs.Conflict:
					unknown = append(unknown, err)
				}
				mu.Unlock()
			}
		}()
	}
	close(start)
	wg.Wait()
	if len(unknown) > 0 {
		t.Fatalf("errors other than CONFLICT: %v", unknown)
	}
	if len(won) != 10 {
		t.Fatalf("questions claimed = %d, want 10", len(won))
	}
	for id, n := range won {
		if n != 1 {
			t.Fatalf("question %s claimed %d times", id, n)
		}
	}
	sys := privacy.DecisionContext(context.Background(), privacy.Allow)
	if n := e.db.Client.Assignment.Query().CountX(sys); n != 10 {
		t.Fatalf("assignments = %d, want 10", n)
	}
	for _, id := range ids {
		q := e.db.Client.Question.GetX(sys, id)
		a := e.db.Client.Assignment.Query().Where(assignment.QuestionID(id)).OnlyX(sys)
		if q.Status != question.StatusCLAIMED || q.ExpertID == nil || *q.ExpertID != a.ExpertID {
			t.Fatalf("question %s: %s held by %v, assignment of %s", id, q.Status, q.ExpertID, a.ExpertID)
		}
	}
	maxClaims := settings.Defaults().MaxActiveClaims
	for _, xctx := range experts {
		mine, err := e.svc.MyAssignments(xctx, true)
		if err != nil {
			t.Fatal(err)
		}
		if n := mine.CountX(xctx); n > maxClaims {
			t.Fatalf("an expert holds %d claims, limit %d", n, maxClaims)
		}
	}
}

func TestCancelRacingAClaimEndsInOneStateWithTheMoneyRight(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	limit := 100
	if _, err := e.settings.Update(e.admin, settings.Patch{MaxActiveClaims: &limit}); err != nil {
		t.Fatal(err)
	}
	e.settings.Invalidate()
	const rounds, price, credits = 20, 20, 1000
	clientID, cctx := e.client(t, credits)
	expertID, xctx := e.expert(t)
	var claimed int64
	for range rounds {
		q := e.submit(t, cctx)
		var wg sync.WaitGroup
		var cancelErr, claimErr error
		start := make(chan struct{})
		wg.Add(2)
		go func() { defer wg.Done(); <-start; _, cancelErr = e.svc.Cancel(cctx, q.ID) }()
		go func() { defer wg.Done(); <-start; _, claimErr = e.svc.Claim(xctx, q.ID) }()
		close(start)
		wg.Wait()
		status := e.status(t, q.ID)
		switch {
		case cancelErr == nil && errs.CodeOf(claimErr) == errs.Conflict:
			if status != question.StatusCANCELLED {
				t.Fatalf("cancel won but status is %s", status)
			}
		case claimErr == nil && errs.CodeOf(cancelErr) == errs.Conflict:
			if status != question.StatusCLAIMED {
				t.Fatalf("claim won but status is %s", status)
			}
			claimed++
		default:
			t.Fatalf("cancel %v, claim %v: want exactly one to win", cancelErr, claimErr)
		}
	}
	// Every cancelled question's price came back; every claimed one is still held.
	wantMoney(t, "after the races", e.money(t, clientID, expertID),
		money{balance: credits - claimed*price, held: claimed * price})
}

func TestConcurrentSweepsActOnceOnEachRow(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	limit := 100
	if _, err := e.settings.Update(e.admin, settings.Patch{MaxActiveClaims: &limit}); err != nil {
		t.Fatal(err)
	}
	e.settings.Invalidate()
	clientID, cctx := e.client(t, 1000)
	expertID, xctx := e.expert(t)
	const n = 12
	for range n {
		e.delivered(t, cctx, xctx)
	}
	e.clock.advance(settings.Defaults().AutoAcceptDelay)
	var wg sync.WaitGroup
	var mu sync.Mutex
	total := 0
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			got, err := e.svc.AutoAccept(context.Background())
			if err != nil {
				t.Error(err)
			}
			mu.Lock()
			total += got
			mu.Unlock()
		}()
	}
	wg.Wait()
	if total != n {
		t.Fatalf("accepted %d in all, want %d", total, n)
	}
	wantMoney(t, "auto-accepted", e.money(t, clientID, expertID), money{balance: 1000 - n*20, earned: n * 16, revenue: n * 4})
}

func TestConcurrentRetriesOfOneSubmissionHoldOnce(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	clientID, cctx := e.client(t, 100)
	in := questions.SubmitInput{Subject: subject, Title: "Once", Body: "Only once", Urgency: question.UrgencyHIGH, IdempotencyKey: "retry-me"}
	const n = 8
	ids := make([]uuid.UUID, n)
	failures := make([]error, n)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			q, err := e.svc.Submit(cctx, in)
			failures[i] = err
			if err == nil {
				ids[i] = q.ID
			}
		}()
	}
	close(start)
	wg.Wait()
	for i := range n {
		if failures[i] != nil || ids[i] != ids[0] {
			t.Fatalf("submission %d: %v, id %s want %s", i, failures[i], ids[i], ids[0])
		}
	}
	wantMoney(t, "one hold", e.money(t, clientID, uuid.Nil), money{balance: 65, held: 35})
}
