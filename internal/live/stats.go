package live

import (
	"context"
	"slices"
	"strings"
	"sync"
	"time"

	"backbone/ent/question"
	"backbone/internal/errs"
	"backbone/internal/questions"
	"backbone/internal/timex"
	"backbone/internal/viewer"
)

// PlatformStats is a live summary of the marketplace for admins.
type PlatformStats struct {
	// QuestionsByStatus counts the questions of each status that has any, by status name.
	QuestionsByStatus []StatusCount
	// QueueDepth counts the questions waiting in the experts' queue (questions.QueueStatus).
	QueueDepth int
	// ExpertsOnline counts the approved experts connected to any instance.
	ExpertsOnline int
	// At is when the figures were read.
	At time.Time
}

// StatusCount is how many questions have one status.
type StatusCount struct {
	Status question.Status
	Count  int
}

// sameFigures reports whether a and b differ only in At.
func sameFigures(a, b PlatformStats) bool {
	return a.QueueDepth == b.QueueDepth && a.ExpertsOnline == b.ExpertsOnline &&
		slices.Equal(a.QuestionsByStatus, b.QuestionsByStatus)
}

// statsHub is the one loop per process that computes the stats for all its subscribers,
// running only while there are any.
type statsHub struct {
	s *Service

	mu     sync.Mutex
	subs   map[*mailbox[PlatformStats]]struct{}
	latest *PlatformStats
	cancel context.CancelFunc // of the running loop; nil while idle
	done   chan struct{}      // closed when the latest loop ended
}

func newStatsHub(s *Service) *statsHub {
	return &statsHub{s: s, subs: map[*mailbox[PlatformStats]]struct{}{}}
}

// Stats streams the platform's figures to an admin: the current ones at once, then new
// ones whenever they changed, at most once per MinInterval (1 s), until ctx ends. Every
// subscriber of the process shares one computing loop, woken by question.updated events
// and by changes of the experts online. A subscriber that falls behind gets the latest
// figures only (statsBox, overflow.go). Errors: UNAUTHENTICATED, FORBIDDEN (not an
// admin), UNAVAILABLE.
func (s *Service) Stats(ctx context.Context) (<-chan PlatformStats, error) {
	p, err := viewer.Required(ctx)
	if err != nil {
		return nil, err
	}
	if !p.IsAdmin() {
		return nil, errs.E(errs.Forbidden, "admins only")
	}
	s.presence.run()
	box := newMailbox[PlatformStats](statsBox)
	if err := s.stats.add(box); err != nil {
		return nil, err
	}
	out := make(chan PlatformStats)
	go func() {
		defer s.stats.remove(box)
		deliver(ctx, box, out)
	}()
	return out, nil
}

// PlatformStatsAudience is the audience of platformStats: every admin sees the same.
const PlatformStatsAudience = "platformStats"

// add registers a subscriber, gives it the latest figures at once, and starts the loop
// for the first one (which computes at once).
func (h *statsHub) add(box *mailbox[PlatformStats]) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.cancel == nil {
		ctx, cancel := context.WithCancel(h.s.base)
		prev, done := h.done, make(chan struct{})
		if !h.s.goBackground(func() { h.run(ctx, prev, done) }) {
			cancel()
			return errs.E(errs.Unavailable, "the server is shutting down")
		}
		h.cancel, h.done, h.latest = cancel, done, nil
	}
	h.subs[box] = struct{}{}
	if h.latest != nil {
		box.put(*h.latest)
	}
	return nil
}

// remove unregisters a subscriber; the last one stops the loop.
func (h *statsHub) remove(box *mailbox[PlatformStats]) {
	h.mu.Lock()
	defer h.mu.Unlock()
	delete(h.subs, box)
	if len(h.subs) == 0 && h.cancel != nil {
		h.cancel()
		h.cancel = nil
	}
}

// run computes the figures at once, then again when woken (at most once per
// MinInterval), and hands them out when they changed.
func (h *statsHub) run(ctx context.Context, prev <-chan struct{}, done chan struct{}) {
	defer close(done)
	if !awaitPrevious(ctx, prev) {
		return
	}
	// Question changes come through the process's one question.updated subscription; they
	// only wake the loop (so one is enough), and so does a loss of the bus's messages.
	changes := &listener[QuestionEvent]{all: true, box: newMailbox[QuestionEvent](1)}
	if _, err := h.s.questionUpdates.add(changes); err != nil {
		return
	}
	defer h.s.questionUpdates.remove(changes)
	presence := make(chan struct{}, 1)
	defer h.s.presence.watch(presence)()
	refresh := time.NewTicker(h.s.opt.StatsRefresh)
	defer refresh.Stop()

	var last time.Time
	for {
		if wait := h.s.opt.MinInterval - time.Since(last); wait > 0 && !timex.Sleep(ctx, wait) {
			return
		}
		changes.box.take() // what woke the loop, and whatever came during the wait, is read now
		last = time.Now()
		h.compute(ctx, last)
		select {
		case <-ctx.Done():
			return
		case <-changes.box.signal:
		case <-presence:
		case <-refresh.C:
		}
	}
}

// compute reads the figures and hands them out if they changed, stamped with at: when the
// read began (so that two values are at least MinInterval apart however long a read takes).
func (h *statsHub) compute(ctx context.Context, at time.Time) {
	counts, err := h.s.questions.StatusCounts(ctx)
	if err != nil {
		if ctx.Err() == nil {
			h.s.log.Warn("live: platform stats not read", "err", err)
		}
		return
	}
	st := PlatformStats{ExpertsOnline: h.s.presence.count(), At: at.UTC(),
		QueueDepth: counts[questions.QueueStatus]}
	for status, n := range counts {
		st.QuestionsByStatus = append(st.QuestionsByStatus, StatusCount{Status: status, Count: n})
	}
	slices.SortFunc(st.QuestionsByStatus, func(a, b StatusCount) int { return strings.Compare(string(a.Status), string(b.Status)) })
	h.mu.Lock()
	defer h.mu.Unlock()
	if ctx.Err() != nil || (h.latest != nil && sameFigures(*h.latest, st)) {
		return
	}
	h.latest = &st
	for box := range h.subs {
		box.put(st)
	}
}
