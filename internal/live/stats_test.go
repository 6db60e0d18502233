package live_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"backbone/ent/question"
	"backbone/ent/user"
	"backbone/internal/errs"
	"backbone/internal/events"
	"backbone/internal/live"
)

// count is the count of status in st.
func count(st live.PlatformStats, status question.Status) int {
	for _, c := range st.QuestionsByStatus {
		if c.Status == status {
			return c.Count
		}
	}
	return 0
}

func TestStatsAreSharedThrottledAndSentOnlyWhenChanged(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	mem := memoryBus(t)
	qs := &countingQuestions{Service: w.questions}
	o := fast()
	o.MinInterval = 300 * time.Millisecond
	s := newLive(t, mem, qs, o)
	_, clientCtx := w.client(t)
	w.waiting(t, clientCtx)

	ctx, cancel := context.WithCancel(w.admin)
	defer cancel()
	first, err := s.Stats(ctx)
	if err != nil {
		t.Fatal(err)
	}
	st := next(t, first)
	if st.QueueDepth != 1 || count(st, question.StatusAWAITING_EXPERT) != 1 || st.ExpertsOnline != 0 || st.At.IsZero() {
		t.Fatalf("first stats %+v", st)
	}
	// Later subscribers get the current figures at once, from the same loop.
	var others []<-chan live.PlatformStats
	for range 4 {
		ch, err := s.Stats(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if got := next(t, ch); got.QueueDepth != 1 {
			t.Fatalf("a later subscriber's first stats %+v", got)
		}
		others = append(others, ch)
	}
	if n := qs.counts.Load(); n != 1 {
		t.Fatalf("the figures were read %d times for 5 subscribers, want once", n)
	}

	// A burst of changes: the figures follow, at most once per MinInterval.
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for range 5 {
			q := w.waiting(t, clientCtx)
			publish(t, mem, events.TopicQuestionUpdated, events.QuestionUpdated{QuestionID: q.ID, Status: question.StatusAWAITING_EXPERT, At: time.Now()})
			time.Sleep(40 * time.Millisecond)
		}
	}()
	var times []time.Time
	for last := st; last.QueueDepth != 6; {
		last = next(t, first)
		times = append(times, last.At)
	}
	wg.Wait()
	if len(times) > 4 {
		t.Errorf("%d values for a burst of 5 changes in about 200 ms, want them throttled", len(times))
	}
	for i := 1; i < len(times); i++ {
		if gap := times[i].Sub(times[i-1]); gap < o.MinInterval-20*time.Millisecond {
			t.Errorf("two values %v apart, want at least %v", gap, o.MinInterval)
		}
	}
	for _, ch := range others {
		var got live.PlatformStats
		for got.QueueDepth != 6 {
			got = next(t, ch)
		}
	}

	// An event that changes nothing sends nothing, though the figures are read again.
	reads := qs.counts.Load()
	publish(t, mem, events.TopicQuestionUpdated, events.QuestionUpdated{QuestionID: uuid.New(), At: time.Now()})
	nothing(t, first, 3*o.MinInterval)
	if qs.counts.Load() == reads {
		t.Error("the event did not wake the loop")
	}

	// An expert coming online is a change.
	_, expert := w.user(t, user.RoleEXPERT)
	release := s.Track(expert)
	if got := next(t, first); got.ExpertsOnline != 1 || got.QueueDepth != 6 {
		t.Fatalf("after an expert connected: %+v", got)
	}
	release()
	if got := next(t, first); got.ExpertsOnline != 0 {
		t.Fatalf("after the expert left: %+v", got)
	}
}

func TestStatsLoopRunsOnlyWhileSomeoneListens(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	mem := memoryBus(t)
	spy := newSpyBus(mem)
	qs := &countingQuestions{Service: w.questions}
	s := newLive(t, spy, qs, fast())
	ctx, cancel := context.WithCancel(w.admin)
	ch, err := s.Stats(ctx)
	if err != nil {
		t.Fatal(err)
	}
	next(t, ch)
	cancel()
	closes(t, ch)
	// The question.updated subscription it held goes with it.
	subs := spy.subscriptions(events.TopicQuestionUpdated)
	if len(subs) != 1 {
		t.Fatalf("%d subscriptions to question.updated", len(subs))
	}
	awaitEnded(t, subs[0])
	reads := qs.counts.Load()
	publish(t, mem, events.TopicQuestionUpdated, events.QuestionUpdated{QuestionID: uuid.New(), At: time.Now()})
	time.Sleep(3 * fast().MinInterval)
	if n := qs.counts.Load(); n != reads {
		t.Errorf("the figures were read %d more times with no subscriber", n-reads)
	}
	// A new subscriber starts it again, with figures read at once.
	again, err := s.Stats(w.admin)
	if err != nil {
		t.Fatal(err)
	}
	next(t, again)
}

func TestStatsAreForAdminsOnly(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	s := newLive(t, nil, w.questions, fast())
	_, expert := w.user(t, user.RoleEXPERT)
	if _, err := s.Stats(expert); errs.CodeOf(err) != errs.Forbidden {
		t.Errorf("an expert: %v", err)
	}
	if _, err := s.Stats(context.Background()); errs.CodeOf(err) != errs.Unauthenticated {
		t.Errorf("nobody: %v", err)
	}
}

// The stats loop is woken when the bus dropped the question.updated subscription: a change
// may have been lost (overflow.go), and the periodic refresh is an hour away here.
func TestStatsAreReadAgainWhenTheBusDroppedTheirSubscription(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	spy := newSpyBus(memoryBus(t))
	qs := &countingQuestions{Service: w.questions}
	s := newLive(t, spy, qs, fast())
	ctx, cancel := context.WithCancel(w.admin)
	defer cancel()
	ch, err := s.Stats(ctx)
	if err != nil {
		t.Fatal(err)
	}
	next(t, ch)
	reads := qs.counts.Load()
	subs := spy.subscriptions(events.TopicQuestionUpdated)
	if len(subs) != 1 {
		t.Fatalf("%d subscriptions to question.updated", len(subs))
	}
	subs[0].Close() // as the bus does to a slow consumer

	deadline := time.Now().Add(wait) // a hang guard
	for qs.counts.Load() == reads {
		if time.Now().After(deadline) {
			t.Fatal("the figures were not read again after the loss")
		}
		time.Sleep(5 * time.Millisecond)
	}
}
