package live_test

import (
	"context"
	"testing"
	"time"

	"github.com/google/uuid"

	"backbone/internal/bus"
	"backbone/internal/events"
	"backbone/internal/live"
)

func TestQuestionUpdatesReachOnlyTheirQuestionsOverOneSubscription(t *testing.T) {
	t.Parallel()
	mem := memoryBus(t)
	spy := newSpyBus(mem)
	s := newLive(t, spy, nil, fast())
	ctx, cancel := context.WithCancel(context.Background())
	one, two := uuid.New(), uuid.New()
	var ones, twos []<-chan live.QuestionEvent
	for range 20 {
		ch, err := s.QuestionUpdates(ctx, one)
		if err != nil {
			t.Fatal(err)
		}
		ones = append(ones, ch)
	}
	for range 5 {
		ch, err := s.QuestionUpdates(ctx, two)
		if err != nil {
			t.Fatal(err)
		}
		twos = append(twos, ch)
	}
	at := time.Now().UTC()
	publish(t, mem, events.TopicQuestionUpdated, events.QuestionUpdated{QuestionID: one, Status: "CLAIMED", ClientID: uuid.New(), At: at})
	for _, ch := range ones {
		if e := next(t, ch); e.QuestionID != one || e.Status != "CLAIMED" || !e.At.Equal(at) {
			t.Fatalf("got %+v", e)
		}
	}
	for _, ch := range twos {
		nothing(t, ch, 50*time.Millisecond)
	}
	subs := spy.subscriptions(events.TopicQuestionUpdated)
	if len(subs) != 1 {
		t.Fatalf("%d bus subscriptions to question.updated for 25 subscribers, want 1", len(subs))
	}

	// The last subscriber's leaving drops the bus subscription; the next one makes another.
	cancel()
	for _, ch := range append(ones, twos...) {
		closes(t, ch)
	}
	awaitEnded(t, subs[0])
	ch, err := s.QuestionUpdates(context.Background(), two)
	if err != nil {
		t.Fatal(err)
	}
	publish(t, mem, events.TopicQuestionUpdated, events.QuestionUpdated{QuestionID: two, Status: "DELIVERED", At: at})
	if e := next(t, ch); e.QuestionID != two {
		t.Fatalf("got %+v", e)
	}
	if n := len(spy.subscriptions(events.TopicQuestionUpdated)); n != 2 {
		t.Fatalf("%d subscriptions made, want 2", n)
	}
}

func TestTaskQueueRoutesBySubjectRegardlessOfCase(t *testing.T) {
	t.Parallel()
	mem := memoryBus(t)
	spy := newSpyBus(mem)
	s := newLive(t, spy, nil, fast())
	ctx := context.Background()
	physics, err := s.TaskQueue(ctx, []string{"Physics", "biology"})
	if err != nil {
		t.Fatal(err)
	}
	chemistry, err := s.TaskQueue(ctx, []string{"chemistry"})
	if err != nil {
		t.Fatal(err)
	}
	q := uuid.New()
	at, deadline := time.Now().UTC().Truncate(time.Microsecond), time.Now().Add(time.Hour).UTC().Truncate(time.Microsecond)
	publish(t, mem, events.TopicTaskAvailable, events.TaskAvailable{QuestionID: q, Subject: "PHYSICS", Title: "Sky",
		Urgency: "HIGH", Price: 30, Deadline: deadline, At: at})
	added := next(t, physics)
	if added.Change != live.TaskAdded || added.QuestionID != q || added.Subject != "PHYSICS" || *added.Title != "Sky" ||
		*added.Urgency != "HIGH" || *added.Price != 30 || !added.Deadline.Equal(deadline) || !added.At.Equal(at) {
		t.Fatalf("added %+v", added)
	}
	expert := uuid.New()
	publish(t, mem, events.TopicTaskTaken, events.TaskTaken{QuestionID: q, Subject: "Physics", ExpertID: &expert, At: at.Add(time.Second)})
	removed := next(t, physics)
	if removed.Change != live.TaskRemoved || removed.QuestionID != q || removed.Title != nil || removed.Price != nil {
		t.Fatalf("removed %+v", removed)
	}
	nothing(t, chemistry, 50*time.Millisecond)
	for _, topic := range []string{events.TopicTaskAvailable, events.TopicTaskTaken} {
		if n := len(spy.subscriptions(topic)); n != 1 {
			t.Errorf("%d subscriptions to %s, want 1", n, topic)
		}
	}
	if got := live.TaskQueueAudience([]string{"Physics", "biology", "physics"}); got != `taskqueue:"biology","physics"` {
		t.Errorf("audience %s", got)
	}
}

func TestTaskQueueDropsAnEventOlderThanOneDelivered(t *testing.T) {
	t.Parallel()
	mem := memoryBus(t)
	s := newLive(t, mem, nil, fast())
	ch, err := s.TaskQueue(context.Background(), []string{"physics"})
	if err != nil {
		t.Fatal(err)
	}
	q, at := uuid.New(), time.Now().UTC()
	// Claimed right after it entered the queue, the two events arrive in the wrong order.
	publish(t, mem, events.TopicTaskTaken, events.TaskTaken{QuestionID: q, Subject: "physics", At: at.Add(time.Millisecond)})
	if e := next(t, ch); e.Change != live.TaskRemoved {
		t.Fatalf("got %+v", e)
	}
	publish(t, mem, events.TopicTaskAvailable, events.TaskAvailable{QuestionID: q, Subject: "physics", At: at})
	nothing(t, ch, 100*time.Millisecond)
	// Released later, it is added again.
	publish(t, mem, events.TopicTaskAvailable, events.TaskAvailable{QuestionID: q, Subject: "physics", At: at.Add(time.Second)})
	if e := next(t, ch); e.Change != live.TaskAdded {
		t.Fatalf("got %+v", e)
	}
	// Added again while in the queue (as read back after a bus gap) changes nothing.
	publish(t, mem, events.TopicTaskAvailable, events.TaskAvailable{QuestionID: q, Subject: "physics", At: at.Add(2 * time.Second)})
	nothing(t, ch, 100*time.Millisecond)
}

func TestRoutersSubscribeAgainWhenTheBusDropsThem(t *testing.T) {
	t.Parallel()
	mem := memoryBus(t)
	spy := newSpyBus(mem)
	s := newLive(t, spy, nil, fast())
	id := uuid.New()
	ch, err := s.QuestionUpdates(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	for round := 1; round <= 3; round++ {
		subs := spy.subscriptions(events.TopicQuestionUpdated)
		if len(subs) != round {
			t.Fatalf("round %d: %d subscriptions", round, len(subs))
		}
		subs[round-1].Close() // as the bus does to a slow consumer
		deadline := time.Now().Add(wait)
		for len(spy.subscriptions(events.TopicQuestionUpdated)) == round {
			if time.Now().After(deadline) {
				t.Fatal("never subscribed again")
			}
			time.Sleep(5 * time.Millisecond)
		}
		publish(t, mem, events.TopicQuestionUpdated, events.QuestionUpdated{QuestionID: id, At: time.Now()})
		if e := next(t, ch); e.QuestionID != id {
			t.Fatalf("got %+v", e)
		}
	}
}

func TestASlowSubscriberNeitherBlocksNorGrowsWithoutBound(t *testing.T) {
	t.Parallel()
	mem := bus.NewMemory(bus.WithBuffer(4096))
	t.Cleanup(func() { _ = mem.Close() })
	s := newLive(t, mem, nil, fast())
	ctx := context.Background()
	id := uuid.New()
	slowQ, err := s.QuestionUpdates(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	slowT, err := s.TaskQueue(ctx, []string{"physics"})
	if err != nil {
		t.Fatal(err)
	}
	fastQ, err := s.QuestionUpdates(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	const n = 600
	base := time.Now().UTC()
	go func() {
		for i := range n {
			at := base.Add(time.Duration(i) * time.Millisecond)
			publish(t, mem, events.TopicQuestionUpdated, events.QuestionUpdated{QuestionID: id, At: at})
			publish(t, mem, events.TopicTaskAvailable, events.TaskAvailable{QuestionID: uuid.New(), Subject: "physics", At: at})
		}
	}()
	last := base.Add((n - 1) * time.Millisecond)
	// The reading subscriber sees the latest update, though others may coalesce.
	for e := next(t, fastQ); !e.At.Equal(last); e = next(t, fastQ) {
	}
	time.Sleep(100 * time.Millisecond) // every event is dispatched
	// Updates of a question keep the newest 16 (and one in flight), in order.
	var got []live.QuestionEvent
	for len(got) == 0 || !got[len(got)-1].At.Equal(last) {
		got = append(got, next(t, slowQ))
	}
	if len(got) > 17 {
		t.Errorf("the slow subscriber got %d updates of one question, want at most 17", len(got))
	}
	// Queue changes keep the newest 256 (and one in flight), in order.
	var tasks []live.TaskQueueEvent
	for len(tasks) == 0 || !tasks[len(tasks)-1].At.Equal(last) {
		tasks = append(tasks, next(t, slowT))
	}
	if len(tasks) > 257 || len(tasks) < 256 {
		t.Errorf("the slow subscriber got %d queue changes, want 256 or 257", len(tasks))
	}
	for i := 1; i < len(tasks); i++ {
		if !tasks[i].At.After(tasks[i-1].At) {
			t.Fatalf("queue changes out of order at %d", i)
		}
	}
}

// A router the bus dropped (a slow consumer) lost what was published meanwhile: its
// followers read their question again, as after a gap (overflow.go).
func TestFollowersReadAgainWhenTheBusDroppedTheirRouter(t *testing.T) {
	t.Parallel()
	spy := newSpyBus(memoryBus(t))
	s := newLive(t, spy, nil, fast())
	id := uuid.New()
	ch, err := s.QuestionUpdates(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	subs := spy.subscriptions(events.TopicQuestionUpdated)
	if len(subs) != 1 {
		t.Fatalf("%d subscriptions", len(subs))
	}
	subs[0].Close() // as the bus does to a slow consumer; nothing is published after
	if e := next(t, ch); e.QuestionID != id || e.Status != "" {
		t.Fatalf("got %+v, want the refresh of %s", e, id)
	}
}
