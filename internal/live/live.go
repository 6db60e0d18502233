// Package live feeds the GraphQL subscriptions questionUpdated, taskQueueChanged and
// platformStats from the bus, and keeps track of the experts online across instances.
//
// A process holds one bus subscription per topic however many subscribers it serves:
// routers receive each message once and hand it to the local listeners it concerns (by
// question id, or by subject), each through a mailbox that never makes the router wait.
package live

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/google/uuid"

	"backbone/ent"
	"backbone/ent/question"
	"backbone/internal/bus"
	"backbone/internal/events"
)

// Questions is what the live service asks of the question lifecycle (questions.Service):
// who may follow what, and the platform's counts.
type Questions interface {
	// FollowedQuestion reads question id with the viewer's rights when the viewer may
	// follow it; NOT_FOUND when not.
	FollowedQuestion(ctx context.Context, id uuid.UUID) (*ent.Question, error)
	// TaskSubjects are the subjects of the queue the viewer, an approved expert, works;
	// FORBIDDEN for anyone else.
	TaskSubjects(ctx context.Context) ([]string, error)
	// ApprovedExpert reports whether user id is an active, approved expert now.
	ApprovedExpert(ctx context.Context, id uuid.UUID) (bool, error)
	// StatusCounts counts the questions by status.
	StatusCounts(ctx context.Context) (map[question.Status]int, error)
	// QueueChanges returns the questions of subjects (any case) that entered the experts'
	// queue (queued) or left it since since, at most limit of each.
	QueueChanges(ctx context.Context, subjects []string, since time.Time, limit int) (queued, left []*ent.Question, err error)
}

// Deps are what the service is built from.
type Deps struct {
	Bus       bus.Bus
	Questions Questions
	Log       *slog.Logger
}

// Options tune the service; zero values take the defaults.
type Options struct {
	// InstanceID names this process in presence messages (default: a random UUID).
	InstanceID string
	// Heartbeat is how often an instance publishes its online experts again (default 15 s).
	Heartbeat time.Duration
	// PresenceExpiry is how long another instance's experts count without a heartbeat
	// (default 45 s: three heartbeats).
	PresenceExpiry time.Duration
	// MinInterval is the least time between two presence publications of this instance
	// and between two platform stats values (default 1 s).
	MinInterval time.Duration
	// StatsRefresh recomputes the stats even when nothing woke the loop, in case an event
	// was lost (default 30 s).
	StatsRefresh time.Duration
	// ResubscribeMin and ResubscribeMax bound the backoff before subscribing again to a
	// topic whose subscription ended (default 100 ms to 10 s).
	ResubscribeMin, ResubscribeMax time.Duration
	// SubscribeWait is how long a new subscriber waits for the bus subscription it needs
	// before UNAVAILABLE (default 10 s).
	SubscribeWait time.Duration
}

func (o Options) withDefaults() Options {
	def := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	if o.InstanceID == "" {
		o.InstanceID = uuid.NewString()
	}
	def(&o.Heartbeat, 15*time.Second)
	def(&o.PresenceExpiry, 45*time.Second)
	def(&o.MinInterval, time.Second)
	def(&o.StatsRefresh, 30*time.Second)
	def(&o.ResubscribeMin, 100*time.Millisecond)
	def(&o.ResubscribeMax, 10*time.Second)
	def(&o.SubscribeWait, 10*time.Second)
	return o
}

// Service runs the routers, the presence of experts and the platform stats of one
// process. Safe for concurrent use; Close it at shutdown.
type Service struct {
	bus       bus.Bus
	questions Questions
	log       *slog.Logger
	opt       Options

	// base parents every background loop; Close cancels it.
	base   context.Context
	stop   context.CancelFunc
	mu     sync.Mutex // guards closed and wg.Add against Close
	closed bool
	wg     sync.WaitGroup

	questionUpdates *router[QuestionEvent]
	taskQueue       *router[TaskQueueEvent]
	subjectChanges  *router[events.ExpertSubjectsChanged]
	presence        *presence
	stats           *statsHub
}

// New returns the live service. Nothing runs until something subscribes or an expert is
// tracked.
func New(d Deps, o Options) *Service {
	if d.Log == nil {
		d.Log = slog.New(slog.DiscardHandler)
	}
	s := &Service{bus: d.Bus, questions: d.Questions, log: d.Log, opt: o.withDefaults()}
	s.base, s.stop = context.WithCancel(context.Background())
	s.questionUpdates = newQuestionRouter(s)
	s.taskQueue = newTaskRouter(s)
	s.subjectChanges = newSubjectsRouter(s)
	s.presence = newPresence(s)
	s.stats = newStatsHub(s)
	return s
}

// Close stops every loop and subscription and tells the other instances that this one
// has no expert online any more. Streams still open receive nothing more; they close
// when their subscribers' contexts end.
func (s *Service) Close() error {
	s.mu.Lock()
	s.closed = true
	s.mu.Unlock()
	s.stop()
	s.wg.Wait()
	s.presence.farewell()
	return nil
}

// goBackground runs fn under the service's wait group; false once the service closed.
func (s *Service) goBackground(fn func()) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return false
	}
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		fn()
	}()
	return true
}
