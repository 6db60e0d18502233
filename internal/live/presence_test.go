package live_test

import (
	"context"
	"testing"
	"time"

	"backbone/ent/user"
	"backbone/internal/live"
	"backbone/internal/testenv"
)

// awaitOnline waits until s counts want experts online.
func awaitOnline(t *testing.T, name string, s *live.Service, want int) {
	t.Helper()
	deadline := time.Now().Add(wait)
	for {
		got := s.OnlineExperts()
		if got == want {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s counts %d experts online, want %d", name, got, want)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestPresenceIsTheUnionOfTheInstancesOverRedis(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	prefix := testenv.RandomName("livetest:") + ":"
	// Three instances: each has its own Redis connection and bus, as a server process has.
	a := newLive(t, newRedisBus(t, prefix), w.questions, fast())
	b := newLive(t, newRedisBus(t, prefix), w.questions, fast())
	cBus := newRedisBus(t, prefix)
	c := newLive(t, cBus, w.questions, fast())

	_, one := w.user(t, user.RoleEXPERT)
	_, two := w.user(t, user.RoleEXPERT)
	_, three := w.user(t, user.RoleEXPERT)
	_, four := w.user(t, user.RoleEXPERT)
	_, pending := w.user(t, user.RoleEXPERT, true)
	_, client := w.user(t, user.RoleCLIENT)

	releaseOne := a.Track(one)
	a.Track(two)
	releaseTwoAgain := a.Track(two) // a second tab
	b.Track(two)
	b.Track(three)
	// Neither a pending applicant, a client, an admin nor an anonymous connection counts.
	a.Track(pending)
	b.Track(client)
	b.Track(w.admin)
	a.Track(context.Background())
	for name, s := range map[string]*live.Service{"a": a, "b": b} {
		awaitOnline(t, name, s, 3)
	}

	releaseTwoAgain()
	releaseTwoAgain() // twice does nothing
	releaseOne()
	awaitOnline(t, "b", b, 2) // two (still on a and b) and three
	awaitOnline(t, "a", a, 2)

	// An instance that shuts down withdraws its experts at once.
	if err := b.Close(); err != nil {
		t.Fatal(err)
	}
	awaitOnline(t, "a", a, 1) // two, on a

	// One that dies says nothing: its experts expire after PresenceExpiry without a heartbeat.
	c.Track(four)
	awaitOnline(t, "a", a, 2)
	_ = cBus.Close()
	began := time.Now()
	awaitOnline(t, "a", a, 1)
	if took := time.Since(began); took < fast().PresenceExpiry-2*fast().Heartbeat {
		t.Errorf("the dead instance's experts expired after %v, before PresenceExpiry", took)
	}
}

func TestAStartingInstanceLearnsTheOthersWithoutWaitingForAHeartbeat(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	prefix := testenv.RandomName("livetest:") + ":"
	slow := fast()
	slow.Heartbeat = time.Hour
	slow.PresenceExpiry = 3 * time.Hour
	a := newLive(t, newRedisBus(t, prefix), w.questions, slow)
	_, expert := w.user(t, user.RoleEXPERT)
	a.Track(expert)
	awaitOnline(t, "a", a, 1)
	time.Sleep(300 * time.Millisecond) // a has published its set and gone quiet
	b := newLive(t, newRedisBus(t, prefix), w.questions, slow)
	awaitOnline(t, "b", b, 1)
}

func TestTrackReadsApprovalFromTheDatabase(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	s := newLive(t, nil, w.questions, fast())
	id, ctx := w.user(t, user.RoleEXPERT)
	// A token that still says EXPERT after the approval was withdrawn.
	w.db.User.UpdateOneID(id).SetExpertStatus(user.ExpertStatusREJECTED).ExecX(w.admin)
	s.Track(ctx)
	time.Sleep(50 * time.Millisecond)
	if n := s.OnlineExperts(); n != 0 {
		t.Fatalf("%d experts online, want 0", n)
	}
}
